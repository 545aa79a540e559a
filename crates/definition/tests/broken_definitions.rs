//! Every folder under tests/broken/ is a project with one mistake; loading it must fail with
//! the `file:line:col: error: …` line its expected.txt starts with.

use std::path::Path;

#[test]
fn broken_definitions_report_file_line_and_sentence() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let mut cases: Vec<_> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    assert!(cases.len() >= 6, "expected the broken-definition cases to be present");
    let mut failures = Vec::new();
    for case in cases {
        let expected = std::fs::read_to_string(case.join("expected.txt")).unwrap();
        let expected = expected.trim();
        let dir = std::fs::canonicalize(&case).unwrap();
        match definition::load_project(&dir) {
            Ok(_) => failures.push(format!("{}: loaded, but should have failed with `{expected}`", case.display())),
            Err(e) => {
                let rendered = e.render(&dir);
                if !rendered.lines().any(|l| l.starts_with(expected)) {
                    failures.push(format!("{}:\n  expected a line starting with: {expected}\n  got:\n{rendered}", case.display()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
