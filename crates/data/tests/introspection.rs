//! Our model introspection against the real Amplify tooling's, project by project.
//!
//! Every `conformance/fixtures/<name>/` with `golden/model-introspection.json`, plus the focused
//! cases under `tests/cases/<name>/` (same layout, see `tests/cases/README.md`), is loaded with
//! `definition::load_project`; `model_introspection` must equal the golden, object key order
//! aside (array order counts, as it does for the client).
//!
//! A case may list `known-gaps.txt`: JSON paths where we knowingly differ because the IR lacks
//! the information, one per line with the reason after `#`. Differences under those paths are
//! tolerated, and a listed path that no longer differs fails the test, so the list shrinks as
//! the IR gets fixed.

use std::path::{Path, PathBuf};

use serde_json::Value;

struct Case {
    name: String,
    dir: PathBuf,
    golden: PathBuf,
}

fn cases() -> Vec<Case> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let roots = [manifest.join("../../conformance/fixtures"), manifest.join("tests/cases")];
    let mut out = Vec::new();
    for root in roots {
        let Ok(entries) = std::fs::read_dir(&root) else { continue };
        let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        dirs.sort();
        for dir in dirs {
            let golden = dir.join("golden/model-introspection.json");
            if !golden.is_file() || !dir.join("amplify/backend.ts").is_file() {
                continue;
            }
            let dir = std::fs::canonicalize(&dir).unwrap();
            let origin = if root.ends_with("cases") { "cases" } else { "fixtures" };
            let name = format!("{origin}/{}", dir.file_name().unwrap().to_string_lossy());
            out.push(Case { name, golden: dir.join("golden/model-introspection.json"), dir });
        }
    }
    out
}

#[test]
fn introspection_matches_the_real_tooling() {
    let cases = cases();
    assert!(!cases.is_empty(), "no cases with golden/model-introspection.json found");
    let mut failures = Vec::new();
    let mut passed = 0;
    for case in &cases {
        match check(case) {
            Ok(()) => passed += 1,
            Err(msg) => failures.push(format!("── {}\n{msg}", case.name)),
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ from the golden:\n{}", failures.len(), cases.len(), failures.join("\n"));
    eprintln!("{passed} cases match their golden model introspection");
}

fn check(case: &Case) -> Result<(), String> {
    let loaded = definition::load_project(&case.dir).map_err(|e| format!("does not load:\n{}", e.render(&case.dir)))?;
    let schema = loaded.backend.data.map(|d| d.schema).unwrap_or_default();
    let ours = data::introspection::model_introspection(&schema);
    let golden: Value = serde_json::from_str(&std::fs::read_to_string(&case.golden).unwrap()).unwrap();

    let mut diffs = Vec::new();
    diff("", &golden, &ours, &mut diffs);
    let gaps = known_gaps(&case.dir);
    let (tolerated, unexpected): (Vec<&Diff>, Vec<&Diff>) = diffs.iter().partition(|d| gaps.iter().any(|g| covers(g, &d.path)));
    let mut report = Vec::new();
    for d in unexpected.iter().take(20) {
        report.push(format!("  {}: {}", display_path(&d.path), d.what));
    }
    if unexpected.len() > 20 {
        report.push(format!("  … and {} more differences", unexpected.len() - 20));
    }
    for g in &gaps {
        if !tolerated.iter().any(|d| covers(g, &d.path)) {
            report.push(format!("  {}: listed in known-gaps.txt but matches now: remove the line", display_path(g)));
        }
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(report.join("\n"))
    }
}

/// `known-gaps.txt`: one JSON path per line (`models.Todo.attributes[1]`), `#` starts a comment.
fn known_gaps(dir: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(dir.join("known-gaps.txt")) else { return vec![] };
    text.lines().map(|l| l.split('#').next().unwrap_or("").trim().to_string()).filter(|l| !l.is_empty()).collect()
}

/// A gap path covers itself and everything below it.
fn covers(gap: &str, path: &str) -> bool {
    path == gap || path.strip_prefix(gap).is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

struct Diff {
    path: String,
    what: String,
}

/// Structural difference, objects compared by key, arrays by position.
fn diff(path: &str, golden: &Value, ours: &Value, out: &mut Vec<Diff>) {
    let at = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    match (golden, ours) {
        (Value::Object(g), Value::Object(o)) => {
            for (k, gv) in g {
                match o.get(k) {
                    Some(ov) => diff(&at(k), gv, ov, out),
                    None => out.push(Diff { path: at(k), what: format!("missing in ours (golden: {})", short(gv)) }),
                }
            }
            for (k, ov) in o {
                if !g.contains_key(k) {
                    out.push(Diff { path: at(k), what: format!("not in the golden (ours: {})", short(ov)) });
                }
            }
        }
        (Value::Array(g), Value::Array(o)) => {
            for (i, (gv, ov)) in g.iter().zip(o).enumerate() {
                diff(&format!("{path}[{i}]"), gv, ov, out);
            }
            if g.len() != o.len() {
                out.push(Diff { path: path.to_string(), what: format!("golden has {} elements, ours {}", g.len(), o.len()) });
            }
        }
        _ if golden == ours => {}
        _ => out.push(Diff { path: path.to_string(), what: format!("golden {} ≠ ours {}", short(golden), short(ours)) }),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 120 {
        format!("{}…", s.chars().take(120).collect::<String>())
    } else {
        s
    }
}

fn display_path(p: &str) -> &str {
    if p.is_empty() {
        "(root)"
    } else {
        p
    }
}

#[test]
fn diff_reports_readable_paths() {
    let g = serde_json::json!({ "models": { "A": { "attributes": [{ "type": "model" }, { "type": "auth" }] } } });
    let o = serde_json::json!({ "models": { "A": { "attributes": [{ "type": "model" }, { "type": "key" }], "extra": 1 } } });
    let mut d = Vec::new();
    diff("", &g, &o, &mut d);
    let paths: Vec<&str> = d.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths, ["models.A.attributes[1].type", "models.A.extra"]);
}
