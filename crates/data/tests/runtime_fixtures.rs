//! The executable schema builds for every backend example of the docs (the IR snapshots in
//! conformance/fixtures/*/ir.json): SQL models, custom types and operations, subscriptions,
//! every auth mode — none may make the runtime refuse to serve a backend.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use definition::ir::Backend;

#[test]
fn every_fixture_schema_is_executable() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance/fixtures");
    let mut dirs: Vec<_> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.join("ir.json").is_file()).collect();
    dirs.sort();
    let mut built = 0;
    let mut failures = Vec::new();
    for dir in dirs {
        let backend: Backend = serde_json::from_str(&std::fs::read_to_string(dir.join("ir.json")).unwrap()).unwrap();
        let plans: HashMap<_, _> = data::runtime::plan::plans(backend.data.as_ref().map(|d| &d.schema).unwrap_or(&Default::default()));
        match data::runtime::schema::build(&backend, &Arc::new(plans)) {
            Ok(Some(_)) => built += 1,
            Ok(None) => {}
            Err(e) => failures.push(format!("{}: {e}", dir.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(built > 50, "{built}");
}
