//! Engine-neutral parts of a write: input validation, the cheap condition
//! checks, patch merging and the SQL that evaluates a filter condition
//! against one item. Engines call these inside their write transaction.

use serde_json::{Map, Value};

use crate::compile::compile;
use crate::error::{invalid, Result, StoreError};
use crate::filter::Filter;
use crate::sql::{Bind, Dialect, Sql};
use crate::types::{Condition, Item, Patch};

/// Postgres cannot store NUL in text, so reject it for both engines alike.
pub(crate) fn check_key(table: &str, pk: &str, sk: &str) -> Result<()> {
    if table.is_empty() {
        return Err(invalid("table name is empty"));
    }
    if [table, pk, sk].iter().any(|s| s.contains('\0')) {
        return Err(invalid("table and key strings may not contain NUL"));
    }
    Ok(())
}

pub(crate) fn check_ns(ns: &str, key: &str) -> Result<()> {
    if ns.contains('\0') || key.contains('\0') {
        return Err(invalid("kv namespace and key may not contain NUL"));
    }
    Ok(())
}

pub(crate) fn check_object(v: &Value) -> Result<()> {
    if !v.is_object() {
        return Err(invalid("an item must be a JSON object"));
    }
    if contains_nul(v) {
        return Err(invalid("item strings may not contain NUL"));
    }
    Ok(())
}

fn contains_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(a) => a.iter().any(contains_nul),
        Value::Object(o) => o.iter().any(|(k, v)| k.contains('\0') || contains_nul(v)),
        _ => false,
    }
}

/// Checks everything decidable from the current row alone. Returns the
/// filter that still has to be evaluated in SQL, if any.
pub(crate) fn precheck<'a>(cond: &'a Condition, cur: Option<&Item>) -> Result<Option<&'a Filter>> {
    let ok = match cond {
        Condition::None => true,
        Condition::MustNotExist => cur.is_none(),
        Condition::MustExist => cur.is_some(),
        Condition::VersionIs(v) => cur.is_some_and(|i| i.version == *v),
        Condition::Filter(f) => return Ok(Some(f)),
    };
    if ok {
        Ok(None)
    } else {
        Err(StoreError::ConditionFailed)
    }
}

/// `SELECT <filter>` over the item bound as `$1` (a missing item is `{}`),
/// so conditions share the exact semantics of query filters.
pub(crate) fn condition_sql(d: Dialect, cur: Option<&Item>, f: &Filter) -> Result<Sql> {
    let mut sql = Sql::new(d);
    let data = cur
        .map(|i| i.data.clone())
        .unwrap_or_else(|| Value::Object(Map::new()));
    let p = sql.bind(Bind::Json(data));
    let item = match d {
        Dialect::Sqlite => p,
        Dialect::Postgres => format!("CAST({p} AS jsonb)"),
    };
    let cond = compile(&mut sql, &item, f)?;
    sql.text = format!("SELECT {cond}");
    Ok(sql)
}

/// Merges a patch into the current item (or `{}` when it does not exist).
pub(crate) fn apply_patch(cur: Option<&Item>, patch: &Patch) -> Result<Value> {
    if let Some(k) = patch.remove.iter().find(|k| patch.set.contains_key(*k)) {
        return Err(invalid(format!("attribute {k:?} is both set and removed")));
    }
    let mut obj = match cur.map(|i| &i.data) {
        Some(Value::Object(o)) => o.clone(),
        _ => Map::new(),
    };
    for (k, v) in &patch.set {
        obj.insert(k.clone(), v.clone());
    }
    for k in &patch.remove {
        obj.shift_remove(k);
    }
    let v = Value::Object(obj);
    check_object(&v)?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(data: Value, version: i64) -> Item {
        Item {
            table: "T".into(),
            pk: "p".into(),
            sk: "".into(),
            data,
            version,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn prechecks() {
        let cur = item(json!({}), 7);
        assert!(precheck(&Condition::MustNotExist, Some(&cur)).is_err());
        assert!(precheck(&Condition::MustNotExist, None).unwrap().is_none());
        assert!(precheck(&Condition::MustExist, None).is_err());
        assert!(precheck(&Condition::VersionIs(7), Some(&cur))
            .unwrap()
            .is_none());
        assert!(precheck(&Condition::VersionIs(6), Some(&cur)).is_err());
        assert!(precheck(&Condition::VersionIs(7), None).is_err());
    }

    #[test]
    fn patch_sets_nulls_and_removes() {
        let cur = item(json!({"a": 1, "b": 2, "c": 3}), 1);
        let mut patch = Patch::default();
        patch.set.insert("a".into(), json!(null));
        patch.set.insert("d".into(), json!([1]));
        patch.remove.push("b".into());
        patch.remove.push("zz".into());
        assert_eq!(
            apply_patch(Some(&cur), &patch).unwrap(),
            json!({"a": null, "c": 3, "d": [1]})
        );
        assert_eq!(
            apply_patch(None, &patch).unwrap(),
            json!({"a": null, "d": [1]})
        );
        patch.remove.push("a".into());
        assert!(apply_patch(Some(&cur), &patch).is_err());
    }

    #[test]
    fn nul_is_rejected() {
        assert!(check_object(&json!({"a": ["x\u{0}"]})).is_err());
        assert!(check_object(&json!([1])).is_err());
        assert!(check_key("T", "a\u{0}", "").is_err());
    }
}
