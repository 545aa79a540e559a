//! Reading the JSON record the engine produced (or the Gen 1 SDL reader built), with every
//! node's call site mapped back to the user's file, and collecting diagnostics on the way.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::diag::{Diagnostic, Position};
use crate::engine::SourceMaps;

/// Conversion context: source maps and the diagnostics found so far.
pub struct Reader {
    pub maps: SourceMaps,
    pub fallback_file: PathBuf,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

/// A place in the user's code.
#[derive(Debug, Clone)]
pub struct Loc {
    pub file: PathBuf,
    pub position: Option<Position>,
}

impl Reader {
    pub fn new(maps: SourceMaps, fallback_file: &Path) -> Self {
        Reader { maps, fallback_file: fallback_file.to_path_buf(), errors: Vec::new(), warnings: Vec::new() }
    }

    /// The mapped call site of a record node (its `loc` key), or the fallback file.
    pub fn loc(&self, node: &Value) -> Loc {
        let loc = node.get("loc").unwrap_or(node);
        match (loc.get("file").and_then(Value::as_str), loc.get("line").and_then(Value::as_u64)) {
            (Some(file), Some(line)) => {
                let col = loc.get("col").and_then(Value::as_u64).unwrap_or(1) as u32;
                let file = PathBuf::from(file);
                if loc.get("mapped").and_then(Value::as_bool) == Some(true) {
                    return Loc { file, position: Some(Position { line: line as u32, col }) };
                }
                let position = self.maps.original(&file, line as u32, col);
                Loc { file, position: Some(position) }
            }
            _ => Loc { file: self.fallback_file.clone(), position: None },
        }
    }

    pub fn error(&mut self, at: &Value, message: impl Into<String>) {
        let loc = self.loc(at);
        self.errors.push(Diagnostic::error(loc.file, loc.position, message));
    }

    pub fn warn(&mut self, at: &Value, message: impl Into<String>) {
        let loc = self.loc(at);
        self.warnings.push(Diagnostic::warning(loc.file, loc.position, message));
    }
}

pub fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

pub fn bool_of(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

pub fn strings_of(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// `{ function: name }` (a defineFunction reference) → the function name.
pub fn function_ref(v: &Value) -> Option<String> {
    v.get("function").and_then(Value::as_str).map(str::to_string).or_else(|| str_of(v, "$function").map(str::to_string))
}

/// Upper-cases the first character (Amplify's naming convention for hoisted types).
pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
