//! Compiles a [`Filter`] into a boolean SQL fragment with bound parameters,
//! for either engine, with DynamoDB comparison semantics:
//! - values of different JSON types never compare equal or ordered;
//! - numbers compare numerically, strings by bytes (SQLite BINARY, Postgres
//!   `COLLATE "C"`), so results never depend on the database locale;
//! - `ne`/`not_contains`/`not_in` also match items lacking the attribute.
//!
//! Every comparison is wrapped in `COALESCE(..., FALSE)` so the fragment is
//! two-valued: SQL NULL (missing attribute) must never leak through `NOT`.
//! Known gap: equality of whole maps in SQLite compares JSON text, so it is
//! key-order sensitive (Postgres jsonb equality is not).

use serde_json::Value;

use crate::error::{invalid, Result};
use crate::filter::{AttrType, Filter, Op};
use crate::path::FieldPath;
use crate::sql::{jtype, num_bind, type_test, Bind, Dialect, JType, Loc, Sql};

/// Compiles `f` against the JSON expression `item` (a column or a bound
/// parameter). Pushes parameters into `sql` and returns the fragment.
pub(crate) fn compile(sql: &mut Sql, item: &str, f: &Filter) -> Result<String> {
    Ok(match f {
        Filter::And(fs) if fs.is_empty() => "TRUE".into(),
        Filter::Or(fs) if fs.is_empty() => "FALSE".into(),
        Filter::And(fs) => join(sql, item, fs, " AND ")?,
        Filter::Or(fs) => join(sql, item, fs, " OR ")?,
        Filter::Not(inner) => format!("(NOT {})", compile(sql, item, inner)?),
        Filter::Compare { path, op } => compare(sql, item, path, op)?,
    })
}

fn join(sql: &mut Sql, item: &str, fs: &[Filter], sep: &str) -> Result<String> {
    let parts = fs
        .iter()
        .map(|f| compile(sql, item, f))
        .collect::<Result<Vec<_>>>()?;
    Ok(format!("({})", parts.join(sep)))
}

fn two_valued(e: &str) -> String {
    format!("COALESCE(({e}), FALSE)")
}

fn compare(sql: &mut Sql, item: &str, path: &FieldPath, op: &Op) -> Result<String> {
    path.validate()?;
    let loc = Loc::bound(sql, item, path);
    let e = match op {
        Op::Eq(v) => eq(sql, &loc, v),
        Op::Ne(v) => format!("NOT {}", two_valued(&eq(sql, &loc, v))),
        Op::Lt(v) => ord(sql, &loc, "<", v)?,
        Op::Le(v) => ord(sql, &loc, "<=", v)?,
        Op::Gt(v) => ord(sql, &loc, ">", v)?,
        Op::Ge(v) => ord(sql, &loc, ">=", v)?,
        Op::Between(lo, hi) => {
            if jtype(lo) != jtype(hi) {
                return Err(invalid("between bounds must have the same type"));
            }
            format!(
                "({} AND {})",
                ord(sql, &loc, ">=", lo)?,
                ord(sql, &loc, "<=", hi)?
            )
        }
        Op::BeginsWith(s) => begins_with(sql, &loc, s),
        Op::Contains(v) => contains(sql, &loc, v),
        Op::NotContains(v) => format!("NOT {}", two_valued(&contains(sql, &loc, v))),
        Op::AttributeExists(true) => format!("{} IS NOT NULL", loc.typ()),
        Op::AttributeExists(false) => format!("{} IS NULL", loc.typ()),
        Op::AttributeType(t) => attr_type(&loc, *t),
        Op::Size(inner) => size(sql, &loc, inner)?,
        Op::In(vs) => any_eq(sql, &loc, vs),
        Op::NotIn(vs) => format!("NOT {}", two_valued(&any_eq(sql, &loc, vs))),
    };
    Ok(two_valued(&e))
}

/// Typed equality of the value at `loc` with `v`.
fn eq(sql: &mut Sql, loc: &Loc, v: &Value) -> String {
    match sql.d {
        Dialect::Sqlite => sqlite_eq(sql, &loc.typ(), &loc.val(), v),
        // jsonb equality is already type-aware, deep and numeric for numbers.
        Dialect::Postgres => format!("{} = {}", loc.val(), sql.bind(Bind::Json(v.clone()))),
    }
}

/// SQLite equality given a type-name expression and a value expression;
/// shared by attributes (`json_type`/`json_extract`) and list elements
/// (`json_each.type`/`json_each.value`).
fn sqlite_eq(sql: &mut Sql, typ: &str, val: &str, v: &Value) -> String {
    match v {
        Value::String(s) => format!(
            "({typ} = 'text' AND {val} = {})",
            sql.bind(Bind::Text(s.clone()))
        ),
        Value::Number(n) => {
            format!(
                "({typ} IN ('integer','real') AND {val} = {})",
                sql.bind(num_bind(n))
            )
        }
        Value::Bool(b) => format!("{typ} = '{b}'"),
        Value::Null => format!("{typ} = 'null'"),
        Value::Array(_) | Value::Object(_) => {
            let t = if v.is_array() { "array" } else { "object" };
            let p = sql.bind(Bind::Text(v.to_string()));
            format!("({typ} = '{t}' AND json({val}) = json({p}))")
        }
    }
}

/// Ordered comparison; only strings and numbers are ordered (as in DynamoDB).
fn ord(sql: &mut Sql, loc: &Loc, op: &str, v: &Value) -> Result<String> {
    let typ = loc.typ();
    Ok(match (sql.d, v) {
        (Dialect::Sqlite, Value::String(s)) => {
            format!(
                "({typ} = 'text' AND {} {op} {})",
                loc.val(),
                sql.bind(Bind::Text(s.clone()))
            )
        }
        (Dialect::Sqlite, Value::Number(n)) => {
            format!(
                "({typ} IN ('integer','real') AND {} {op} {})",
                loc.val(),
                sql.bind(num_bind(n))
            )
        }
        (Dialect::Postgres, Value::String(s)) => format!(
            "({typ} = 'string' AND {} COLLATE \"C\" {op} {})",
            loc.text(),
            sql.bind(Bind::Text(s.clone()))
        ),
        (Dialect::Postgres, Value::Number(_)) => {
            format!(
                "({typ} = 'number' AND {} {op} {})",
                loc.val(),
                sql.bind(Bind::Json(v.clone()))
            )
        }
        _ => {
            return Err(invalid(format!(
                "operator {op} needs a string or number operand, got {v}"
            )))
        }
    })
}

fn begins_with(sql: &mut Sql, loc: &Loc, s: &str) -> String {
    let p = sql.bind(Bind::Text(s.to_string()));
    match sql.d {
        Dialect::Sqlite => {
            format!(
                "({} = 'text' AND substr({v}, 1, length({p})) = {p})",
                loc.typ(),
                v = loc.val()
            )
        }
        Dialect::Postgres => format!(
            "({} = 'string' AND starts_with({}, {p}))",
            loc.typ(),
            loc.text()
        ),
    }
}

/// Substring of a string attribute, or membership in a list attribute.
fn contains(sql: &mut Sql, loc: &Loc, v: &Value) -> String {
    let typ = loc.typ();
    let member = match sql.d {
        Dialect::Sqlite => format!(
            "({typ} = 'array' AND EXISTS (SELECT 1 FROM json_each({}, {}) AS je WHERE {}))",
            loc.item,
            loc.path,
            sqlite_eq(sql, "je.type", "je.value", v)
        ),
        // The CASE keeps jsonb_array_elements from ever seeing a non-array.
        Dialect::Postgres => format!(
            "({typ} = 'array' AND EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN {typ} = 'array' \
             THEN {val} ELSE '[]'::jsonb END) AS je(v) WHERE je.v = {p}))",
            val = loc.val(),
            p = sql.bind(Bind::Json(v.clone()))
        ),
    };
    let Value::String(s) = v else { return member };
    let p = sql.bind(Bind::Text(s.clone()));
    let substring = match sql.d {
        Dialect::Sqlite => format!("({typ} = 'text' AND instr({}, {p}) > 0)", loc.val()),
        Dialect::Postgres => format!("({typ} = 'string' AND strpos({}, {p}) > 0)", loc.text()),
    };
    format!("({substring} OR {member})")
}

fn attr_type(loc: &Loc, t: AttrType) -> String {
    let class = match t {
        AttrType::S => JType::Str,
        AttrType::N => JType::Num,
        AttrType::Bool => JType::Bool,
        AttrType::L => JType::Arr,
        AttrType::M => JType::Obj,
        AttrType::Null => JType::Null,
        // JSON has no sets or binary: such attributes cannot exist.
        AttrType::SS | AttrType::NS | AttrType::B | AttrType::BS => return "FALSE".into(),
    };
    type_test(loc.d, &loc.typ(), class)
}

/// `size()`: characters of a string, entries of a list or map; NULL (so
/// false, even for `Ne`) for other types and missing attributes.
fn size(sql: &mut Sql, loc: &Loc, inner: &Op) -> Result<String> {
    let (typ, val) = (loc.typ(), loc.val());
    let size = match sql.d {
        Dialect::Sqlite => format!(
            "(CASE {typ} WHEN 'text' THEN length({val}) WHEN 'array' THEN json_array_length({i}, {p}) \
             WHEN 'object' THEN (SELECT count(*) FROM json_each({i}, {p})) END)",
            i = loc.item,
            p = loc.path
        ),
        Dialect::Postgres => format!(
            "(CASE {typ} WHEN 'string' THEN char_length({t}) WHEN 'array' THEN jsonb_array_length({val}) \
             WHEN 'object' THEN (SELECT count(*) FROM jsonb_object_keys({val})) END)",
            t = loc.text()
        ),
    };
    let mut num = |v: &Value| match v {
        Value::Number(n) => Ok(sql.bind(num_bind(n))),
        _ => Err(invalid(format!("size() compares with numbers, got {v}"))),
    };
    Ok(match inner {
        Op::Eq(v) => format!("{size} = {}", num(v)?),
        Op::Ne(v) => format!("{size} <> {}", num(v)?),
        Op::Lt(v) => format!("{size} < {}", num(v)?),
        Op::Le(v) => format!("{size} <= {}", num(v)?),
        Op::Gt(v) => format!("{size} > {}", num(v)?),
        Op::Ge(v) => format!("{size} >= {}", num(v)?),
        Op::Between(lo, hi) => format!("{size} BETWEEN {} AND {}", num(lo)?, num(hi)?),
        other => return Err(invalid(format!("size() does not support {other:?}"))),
    })
}

fn any_eq(sql: &mut Sql, loc: &Loc, vs: &[Value]) -> String {
    if vs.is_empty() {
        return "FALSE".into();
    }
    let parts: Vec<String> = vs.iter().map(|v| eq(sql, loc, v)).collect();
    format!("({})", parts.join(" OR "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Filter as F;
    use serde_json::json;

    fn sqlite(f: &F) -> Result<(String, Vec<Bind>)> {
        let mut sql = Sql::new(Dialect::Sqlite);
        let s = compile(&mut sql, "item", f)?;
        Ok((s, sql.binds))
    }

    fn pg(f: &F) -> Result<(String, Vec<Bind>)> {
        let mut sql = Sql::new(Dialect::Postgres);
        let s = compile(&mut sql, "item", f)?;
        Ok((s, sql.binds))
    }

    #[test]
    fn eq_string_binds_path_and_value() {
        let (s, b) = sqlite(&F::cmp("name", Op::Eq(json!("x")))).unwrap();
        assert_eq!(
            s,
            "COALESCE(((json_type(item, $1) = 'text' AND json_extract(item, $1) = $2)), FALSE)"
        );
        assert_eq!(
            b,
            vec![Bind::Text("$.\"name\"".into()), Bind::Text("x".into())]
        );
        let (s, b) = pg(&F::cmp("name", Op::Eq(json!("x")))).unwrap();
        assert_eq!(s, "COALESCE(((item #> CAST($1 AS text[])) = $2), FALSE)");
        assert_eq!(
            b,
            vec![Bind::TextArray(vec!["name".into()]), Bind::Json(json!("x"))]
        );
    }

    #[test]
    fn numbers_bind_as_int_or_float() {
        let (_, b) = sqlite(&F::cmp("n", Op::Gt(json!(3)))).unwrap();
        assert_eq!(b[1], Bind::Int(3));
        let (_, b) = sqlite(&F::cmp("n", Op::Gt(json!(2.5)))).unwrap();
        assert_eq!(b[1], Bind::Float(2.5));
        let (_, b) = sqlite(&F::cmp("n", Op::Gt(json!(u64::MAX)))).unwrap();
        assert!(matches!(b[1], Bind::Float(_)));
    }

    #[test]
    fn pg_strings_compare_in_c_collation() {
        let (s, _) = pg(&F::cmp("s", Op::Lt(json!("b")))).unwrap();
        assert!(s.contains("COLLATE \"C\" < $2"), "{s}");
    }

    #[test]
    fn negations_are_two_valued() {
        for f in [
            F::cmp("a", Op::Ne(json!(1))),
            F::cmp("a", Op::NotContains(json!("x"))),
            F::cmp("a", Op::NotIn(vec![json!(1)])),
        ] {
            let (s, _) = sqlite(&f).unwrap();
            assert!(s.starts_with("COALESCE((NOT COALESCE(("), "{s}");
        }
        let (s, _) = sqlite(&F::not(F::cmp("a", Op::Eq(json!(1))))).unwrap();
        assert!(s.starts_with("(NOT COALESCE(("), "{s}");
    }

    #[test]
    fn nesting_and_empty_groups() {
        let f = F::And(vec![
            F::Or(vec![]),
            F::And(vec![]),
            F::Or(vec![
                F::cmp("a", Op::AttributeExists(true)),
                F::cmp("b", Op::AttributeExists(false)),
            ]),
        ]);
        let (s, b) = pg(&f).unwrap();
        assert!(s.starts_with("(FALSE AND TRUE AND ("), "{s}");
        assert_eq!(b.len(), 2);
    }

    #[test]
    fn contains_string_also_checks_lists() {
        let (s, b) = sqlite(&F::cmp("t", Op::Contains(json!("x")))).unwrap();
        assert!(s.contains("instr(") && s.contains("json_each("), "{s}");
        assert_eq!(b.len(), 3);
        let (s, _) = sqlite(&F::cmp("t", Op::Contains(json!(1)))).unwrap();
        assert!(!s.contains("instr("), "{s}");
    }

    #[test]
    fn unsupported_sets_never_match() {
        let (s, _) = pg(&F::cmp("t", Op::AttributeType(AttrType::SS))).unwrap();
        assert_eq!(s, "COALESCE((FALSE), FALSE)");
    }

    #[test]
    fn bad_operands_are_rejected_not_panicking() {
        let bad = [
            F::cmp("a", Op::Lt(json!(true))),
            F::cmp("a", Op::Ge(json!([1]))),
            F::cmp("a", Op::Between(json!(1), json!("z"))),
            F::cmp("a", Op::Size(Box::new(Op::Eq(json!("3"))))),
            F::cmp("a", Op::Size(Box::new(Op::Contains(json!(3))))),
            F::cmp(FieldPath(vec![]), Op::Eq(json!(1))),
            F::cmp("we\"ird", Op::Eq(json!(1))),
        ];
        for f in &bad {
            assert!(sqlite(f).is_err(), "{f:?}");
            assert!(pg(f).is_err(), "{f:?}");
        }
    }
}
