//! Backend definition: a project's `amplify/` TypeScript → one typed, validated IR.
//!
//! `load_project(dir)` runs `amplify/backend.ts` in an embedded JS engine (no Node), with
//! TypeScript stripped by oxc and our own `@aws-amplify/backend` module recording what the
//! project declares; the record is then converted and validated into [`ir::Backend`]. Errors
//! name `file:line:col` in the user's sources.

pub mod diag;
pub mod ir;
pub mod naming;

mod backend;
mod engine;
mod escape_hatches;
mod operations;
pub mod paths;
mod record;
mod resources;
mod rules;
mod schema;
mod sdl;
pub mod transpile;

use std::path::{Path, PathBuf};

pub use diag::{Diagnostic, LoadError, Position, Severity};
pub use ir::Backend;

/// A loaded project: its IR plus what the definition printed (console.log) while loading.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub backend: Backend,
    pub logs: Vec<String>,
    /// Every source file the definition read, to watch for changes.
    pub files: Vec<PathBuf>,
}

/// Loads `<dir>/amplify/backend.ts` into the IR.
pub fn load_project(dir: &Path) -> Result<Loaded, LoadError> {
    let entry = dir.join("amplify").join("backend.ts");
    if !entry.is_file() {
        return Err(LoadError::one(Diagnostic::error(
            &entry,
            None,
            "no amplify/backend.ts here: run ampstack in the folder of your Amplify project, or pass --dir",
        )));
    }
    let eval = engine::evaluate(&entry)?;
    let mut reader = record::Reader::new(eval.maps.clone(), &entry);
    let mut backend = backend::convert_backend(&mut reader, &eval.record);
    if !reader.errors.is_empty() {
        let mut errors = reader.errors;
        errors.sort_by(|a, b| (&a.file, a.position.map(|p| (p.line, p.col))).cmp(&(&b.file, b.position.map(|p| (p.line, p.col)))));
        errors.dedup();
        return Err(LoadError(errors));
    }
    backend.warnings = reader.warnings;
    let files = eval.maps.files();
    Ok(Loaded { backend, logs: eval.logs, files })
}
