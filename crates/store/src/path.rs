//! `FieldPath`: a location inside an item's JSON (`a.b[0].c`), and how it is
//! spelled for each engine. Paths that end up *inlined* in SQL (index
//! fields, so expression indexes can match) are restricted to identifier
//! characters; paths used in filters are always bound as parameters.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{invalid, Result};

/// One step of a [`FieldPath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PathSeg {
    Key(String),
    Index(usize),
}

/// A path from the item root to a nested attribute.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FieldPath(pub Vec<PathSeg>);

impl FieldPath {
    /// A top-level attribute. The name is taken verbatim (dots are not split).
    pub fn field(name: impl Into<String>) -> Self {
        FieldPath(vec![PathSeg::Key(name.into())])
    }

    /// Parses `a.b[2].c`. Keys may not be empty or contain `"`, `.`, `[` or `]`.
    pub fn parse(s: &str) -> Result<Self> {
        let mut segs = Vec::new();
        for part in s.split('.') {
            let (name, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if name.is_empty() {
                return Err(invalid(format!("bad field path {s:?}")));
            }
            segs.push(PathSeg::Key(name.to_string()));
            while !rest.is_empty() {
                let close = rest
                    .find(']')
                    .ok_or_else(|| invalid(format!("bad field path {s:?}")))?;
                let idx: usize = rest[1..close]
                    .parse()
                    .map_err(|_| invalid(format!("bad array index in {s:?}")))?;
                segs.push(PathSeg::Index(idx));
                rest = &rest[close + 1..];
                if !rest.is_empty() && !rest.starts_with('[') {
                    return Err(invalid(format!("bad field path {s:?}")));
                }
            }
        }
        let p = FieldPath(segs);
        p.validate()?;
        Ok(p)
    }

    /// Appends a key segment.
    pub fn key(mut self, k: impl Into<String>) -> Self {
        self.0.push(PathSeg::Key(k.into()));
        self
    }

    /// Appends an array index segment.
    pub fn index(mut self, i: usize) -> Self {
        self.0.push(PathSeg::Index(i));
        self
    }

    /// Follows the path in a JSON value.
    pub fn get<'a>(&self, v: &'a Value) -> Option<&'a Value> {
        self.0.iter().try_fold(v, |cur, seg| match seg {
            PathSeg::Key(k) => cur.as_object()?.get(k),
            PathSeg::Index(i) => cur.as_array()?.get(*i),
        })
    }

    /// Rejects paths no engine can address: SQLite's JSON path syntax has no
    /// escape for `"` inside a quoted label, and NUL cannot be stored by Postgres.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.0.is_empty() {
            return Err(invalid("empty field path"));
        }
        for seg in &self.0 {
            if let PathSeg::Key(k) = seg {
                if k.contains('"') || k.contains('\0') {
                    return Err(invalid(format!("field name {k:?} contains '\"' or NUL")));
                }
            }
        }
        Ok(())
    }

    /// Stricter check for paths inlined into SQL text (index fields).
    pub(crate) fn validate_inline(&self) -> Result<()> {
        self.validate()?;
        for seg in &self.0 {
            if let PathSeg::Key(k) = seg {
                if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(invalid(format!("index field {k:?} must be [A-Za-z0-9_]+")));
                }
            }
        }
        Ok(())
    }

    /// SQLite JSON path: `$."a"[0]."b"`.
    pub(crate) fn sqlite_path(&self) -> String {
        let mut s = String::from("$");
        for seg in &self.0 {
            match seg {
                PathSeg::Key(k) => {
                    s.push_str(".\"");
                    s.push_str(k);
                    s.push('"');
                }
                PathSeg::Index(i) => s.push_str(&format!("[{i}]")),
            }
        }
        s
    }

    /// Postgres `#>` path elements.
    pub(crate) fn pg_path(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|seg| match seg {
                PathSeg::Key(k) => k.clone(),
                PathSeg::Index(i) => i.to_string(),
            })
            .collect()
    }

    /// Postgres text-array literal `'{a,0,b}'`; only valid after `validate_inline`.
    pub(crate) fn pg_path_literal(&self) -> String {
        format!("'{{{}}}'", self.pg_path().join(","))
    }
}

impl From<&str> for FieldPath {
    fn from(s: &str) -> Self {
        FieldPath::field(s)
    }
}

impl std::fmt::Display for FieldPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (n, seg) in self.0.iter().enumerate() {
            match seg {
                PathSeg::Key(k) if n == 0 => write!(f, "{k}")?,
                PathSeg::Key(k) => write!(f, ".{k}")?,
                PathSeg::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_and_render() {
        let p = FieldPath::parse("a.b[2][0].c").unwrap();
        assert_eq!(p.to_string(), "a.b[2][0].c");
        assert_eq!(p.sqlite_path(), r#"$."a"."b"[2][0]."c""#);
        assert_eq!(p.pg_path(), vec!["a", "b", "2", "0", "c"]);
        assert!(FieldPath::parse("a..b").is_err());
        assert!(FieldPath::parse("a[x]").is_err());
        assert!(FieldPath::parse("a[1]b").is_err());
        assert!(FieldPath::field("we\"ird").validate().is_err());
        assert!(FieldPath::field("has space").validate_inline().is_err());
    }

    #[test]
    fn get_follows_path() {
        let v = json!({"a": {"b": [10, {"c": true}]}});
        assert_eq!(
            FieldPath::parse("a.b[1].c").unwrap().get(&v),
            Some(&json!(true))
        );
        assert_eq!(FieldPath::parse("a.x").unwrap().get(&v), None);
        assert_eq!(FieldPath::parse("a.b[9]").unwrap().get(&v), None);
    }
}
