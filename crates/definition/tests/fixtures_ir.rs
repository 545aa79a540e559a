//! Every backend example from the docs (conformance/fixtures/*) loads, and its IR matches the
//! reviewed snapshot committed next to it (`ir.json`). `UPDATE_SNAPSHOTS=1` rewrites them.

use std::path::Path;

#[test]
fn every_fixture_loads_and_matches_its_ir_snapshot() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance/fixtures");
    let Ok(entries) = std::fs::read_dir(&root) else {
        panic!("conformance/fixtures is missing");
    };
    let mut dirs: Vec<_> = entries.map(|e| e.unwrap().path()).filter(|p| p.join("amplify/backend.ts").is_file()).collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no fixtures found");
    let update = std::env::var("UPDATE_SNAPSHOTS").is_ok();
    let mut failures = Vec::new();
    for dir in dirs {
        let dir = std::fs::canonicalize(&dir).unwrap();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let loaded = match definition::load_project(&dir) {
            Ok(l) => l,
            Err(e) => {
                failures.push(format!("{name}: does not load:\n{}", e.render(&dir)));
                continue;
            }
        };
        // Snapshots must not depend on where the repository is checked out.
        let text = serde_json::to_string_pretty(&loaded.backend).unwrap().replace(&*dir.to_string_lossy(), "<project>") + "\n";
        let snap = dir.join("ir.json");
        if update {
            std::fs::write(&snap, &text).unwrap();
            continue;
        }
        match std::fs::read_to_string(&snap) {
            Ok(expected) if expected == text => {}
            Ok(_) => failures.push(format!("{name}: IR differs from ir.json (review, then UPDATE_SNAPSHOTS=1)")),
            Err(_) => failures.push(format!("{name}: no ir.json snapshot (review, then UPDATE_SNAPSHOTS=1)")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
