//! Diagnostics: errors and warnings about a backend definition, each tied to `file:line:col`
//! of the user's TypeScript so the CLI can print them the way a compiler would.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A 1-based line and column in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub line: u32,
    pub col: u32,
}

impl Position {
    /// Converts a byte offset into a 1-based line/column (columns count characters).
    pub fn from_offset(source: &str, offset: usize) -> Position {
        let offset = offset.min(source.len());
        let before = &source[..offset];
        let line = before.matches('\n').count() as u32 + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let col = source[line_start..offset].chars().count() as u32 + 1;
        Position { line, col }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One message about the definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: PathBuf,
    pub position: Option<Position>,
    pub message: String,
}

impl Diagnostic {
    pub fn error(file: impl AsRef<Path>, position: Option<Position>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, file: file.as_ref().to_path_buf(), position, message: message.into() }
    }

    pub fn warning(file: impl AsRef<Path>, position: Option<Position>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, file: file.as_ref().to_path_buf(), position, message: message.into() }
    }

    /// `file:line:col: error: message`, with the file relative to `base` when it is inside it.
    pub fn render(&self, base: &Path) -> String {
        let file = self.file.strip_prefix(base).unwrap_or(&self.file);
        let place = match self.position {
            Some(p) => format!("{}:{}:{}", file.display(), p.line, p.col),
            None => file.display().to_string(),
        };
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        format!("{place}: {sev}: {}", self.message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Path::new("")))
    }
}

/// A definition that could not be loaded: one or more errors.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", .0.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct LoadError(pub Vec<Diagnostic>);

impl LoadError {
    pub fn one(d: Diagnostic) -> Self {
        LoadError(vec![d])
    }

    pub fn render(&self, base: &Path) -> String {
        self.0.iter().map(|d| d.render(base)).collect::<Vec<_>>().join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_to_positions() {
        let src = "ab\ncdé\nf";
        assert_eq!(Position::from_offset(src, 0), Position { line: 1, col: 1 });
        assert_eq!(Position::from_offset(src, 3), Position { line: 2, col: 1 });
        assert_eq!(Position::from_offset(src, 7), Position { line: 2, col: 4 });
        assert_eq!(Position::from_offset(src, 8), Position { line: 3, col: 1 });
    }

    #[test]
    fn renders_relative() {
        let d = Diagnostic::error("/p/amplify/data/resource.ts", Some(Position { line: 3, col: 7 }), "boom");
        assert_eq!(d.render(Path::new("/p")), "amplify/data/resource.ts:3:7: error: boom");
    }
}
