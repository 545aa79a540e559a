//! Engine-neutral SQL text building: the `Dialect`, bound parameters, and
//! `Loc`, the SQL spelling of "the JSON value at this path of this item".
//! Both engines take `$n` placeholders (SQLite accepts `$NNN` too), so one
//! builder serves both and a placeholder can be referenced more than once.

use serde_json::{Number, Value};

use crate::path::FieldPath;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// A bound parameter value; each engine maps these to its own encodings.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
    Float(f64),
    /// A JSON value: jsonb in Postgres, JSON text in SQLite.
    Json(Value),
    /// Postgres only: a `#>` path.
    TextArray(Vec<String>),
}

/// SQL text under construction plus its parameters, in placeholder order.
#[derive(Debug)]
pub(crate) struct Sql {
    pub d: Dialect,
    pub text: String,
    pub binds: Vec<Bind>,
}

impl Sql {
    pub fn new(d: Dialect) -> Self {
        Sql {
            d,
            text: String::new(),
            binds: Vec::new(),
        }
    }

    /// Adds a parameter and returns its placeholder (`$n`).
    pub fn bind(&mut self, b: Bind) -> String {
        self.binds.push(b);
        format!("${}", self.binds.len())
    }
}

/// Binds a JSON number as an integer when it is one (exact comparison in
/// both engines), else as a float.
pub(crate) fn num_bind(n: &Number) -> Bind {
    match n.as_i64() {
        Some(i) => Bind::Int(i),
        None => Bind::Float(n.as_f64().unwrap_or(f64::NAN)),
    }
}

/// JSON type classes, the unit of DynamoDB's "different types never match".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JType {
    Str,
    Num,
    Bool,
    Null,
    Arr,
    Obj,
}

pub(crate) fn jtype(v: &Value) -> JType {
    match v {
        Value::String(_) => JType::Str,
        Value::Number(_) => JType::Num,
        Value::Bool(_) => JType::Bool,
        Value::Null => JType::Null,
        Value::Array(_) => JType::Arr,
        Value::Object(_) => JType::Obj,
    }
}

/// SQL test that a type-name expression (`json_type` / `jsonb_typeof`
/// result) denotes the given class.
pub(crate) fn type_test(d: Dialect, typ: &str, t: JType) -> String {
    match (d, t) {
        (Dialect::Sqlite, JType::Str) => format!("{typ} = 'text'"),
        (Dialect::Sqlite, JType::Num) => format!("{typ} IN ('integer','real')"),
        (Dialect::Sqlite, JType::Bool) => format!("{typ} IN ('true','false')"),
        (Dialect::Postgres, JType::Str) => format!("{typ} = 'string'"),
        (Dialect::Postgres, JType::Num) => format!("{typ} = 'number'"),
        (Dialect::Postgres, JType::Bool) => format!("{typ} = 'boolean'"),
        (_, JType::Null) => format!("{typ} = 'null'"),
        (_, JType::Arr) => format!("{typ} = 'array'"),
        (_, JType::Obj) => format!("{typ} = 'object'"),
    }
}

/// The JSON value at `path` inside the JSON expression `item`.
/// `path` is SQL text: a placeholder (filters) or an inlined literal (index
/// fields, so that expression indexes match the query text exactly).
#[derive(Clone, Debug)]
pub(crate) struct Loc {
    pub d: Dialect,
    pub item: String,
    pub path: String,
}

impl Loc {
    /// Binds the path as a parameter.
    pub fn bound(sql: &mut Sql, item: &str, p: &FieldPath) -> Loc {
        let path = match sql.d {
            Dialect::Sqlite => sql.bind(Bind::Text(p.sqlite_path())),
            Dialect::Postgres => {
                format!("CAST({} AS text[])", sql.bind(Bind::TextArray(p.pg_path())))
            }
        };
        Loc {
            d: sql.d,
            item: item.to_string(),
            path,
        }
    }

    /// Inlines the path; the caller must have run `validate_inline`.
    pub fn literal(d: Dialect, item: &str, p: &FieldPath) -> Loc {
        let path = match d {
            Dialect::Sqlite => format!("'{}'", p.sqlite_path()),
            Dialect::Postgres => p.pg_path_literal(),
        };
        Loc {
            d,
            item: item.to_string(),
            path,
        }
    }

    /// Type name, NULL when the path is missing.
    pub fn typ(&self) -> String {
        match self.d {
            Dialect::Sqlite => format!("json_type({}, {})", self.item, self.path),
            Dialect::Postgres => format!("jsonb_typeof({} #> {})", self.item, self.path),
        }
    }

    /// SQLite: the SQL value (text/integer/real, JSON text for containers).
    /// Postgres: the jsonb value.
    pub fn val(&self) -> String {
        match self.d {
            Dialect::Sqlite => format!("json_extract({}, {})", self.item, self.path),
            Dialect::Postgres => format!("({} #> {})", self.item, self.path),
        }
    }

    /// Postgres only: the value as text (the string itself for JSON strings).
    pub fn text(&self) -> String {
        format!("({} #>> {})", self.item, self.path)
    }

    /// Expressions that give the index ordering of this value. Must be
    /// spelled identically in `CREATE INDEX` and in queries.
    /// SQLite orders natively (numbers numerically before text, text by
    /// bytes). Postgres jsonb would order strings by the database collation,
    /// so it is split into (type, string-in-C-collation, jsonb).
    pub fn order_exprs(&self) -> Vec<String> {
        match self.d {
            Dialect::Sqlite => vec![self.val()],
            Dialect::Postgres => vec![
                format!("(jsonb_typeof({}) COLLATE \"C\")", self.val()),
                format!(
                    "(CASE WHEN jsonb_typeof({v}) = 'string' THEN {t} ELSE '' END COLLATE \"C\")",
                    v = self.val(),
                    t = self.text()
                ),
                self.val(),
            ],
        }
    }

    /// Parameters matching `order_exprs` for a value taken from an item
    /// (cursor seeks). `None` for values that cannot be index keys.
    pub fn order_binds(d: Dialect, v: &Value) -> Option<Vec<Bind>> {
        Some(match d {
            Dialect::Sqlite => vec![match v {
                Value::String(s) => Bind::Text(s.clone()),
                Value::Number(n) => num_bind(n),
                Value::Bool(b) => Bind::Int(*b as i64),
                Value::Null => return None,
                other => Bind::Text(other.to_string()),
            }],
            Dialect::Postgres => {
                let t = match v {
                    Value::String(_) => "string",
                    Value::Number(_) => "number",
                    Value::Bool(_) => "boolean",
                    Value::Null => return None,
                    Value::Array(_) => "array",
                    Value::Object(_) => "object",
                };
                let s = v.as_str().unwrap_or("").to_string();
                vec![Bind::Text(t.into()), Bind::Text(s), Bind::Json(v.clone())]
            }
        })
    }
}

/// Quotes a string as an SQL literal (only used for identifier-like values).
pub(crate) fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
