//! Path helpers shared by the loader and the converters.

use std::path::{Component, Path, PathBuf};

/// Lexically resolves `.` and `..` (no filesystem access), as module resolution does.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}
