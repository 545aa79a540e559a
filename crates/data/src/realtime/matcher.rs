//! In-memory evaluation of a store [`Filter`] against one event's item: the server-side
//! subscription filters (`ModelSubscription*FilterInput`, compiled by
//! [`crate::runtime::filter::to_filter`]) and the owner/group restrictions of the subscriber.
//!
//! Semantics are the store's (DynamoDB condition expressions), so a subscription filter selects
//! the same items a `list` with that filter would: comparisons need the same type (numbers
//! compare numerically, strings by bytes), `ne`/`notContains`/`notIn` hold for a missing
//! attribute, `contains` tests substrings of strings and elements of lists.

use std::cmp::Ordering;

use serde_json::Value;
use store::{AttrType, Filter, Op};

/// Whether `item` satisfies `filter`.
pub fn eval(filter: &Filter, item: &Value) -> bool {
    match filter {
        Filter::And(fs) => fs.iter().all(|f| eval(f, item)),
        Filter::Or(fs) => fs.iter().any(|f| eval(f, item)),
        Filter::Not(f) => !eval(f, item),
        Filter::Compare { path, op } => test(op, path.get(item)),
    }
}

fn test(op: &Op, v: Option<&Value>) -> bool {
    match op {
        Op::Eq(want) => v.is_some_and(|v| same(v, want)),
        Op::Ne(want) => !v.is_some_and(|v| same(v, want)),
        Op::Lt(w) => order(v, w).is_some_and(Ordering::is_lt),
        Op::Le(w) => order(v, w).is_some_and(Ordering::is_le),
        Op::Gt(w) => order(v, w).is_some_and(Ordering::is_gt),
        Op::Ge(w) => order(v, w).is_some_and(Ordering::is_ge),
        Op::Between(lo, hi) => {
            order(v, lo).is_some_and(Ordering::is_ge) && order(v, hi).is_some_and(Ordering::is_le)
        }
        Op::BeginsWith(prefix) => {
            matches!(v, Some(Value::String(s)) if s.starts_with(prefix.as_str()))
        }
        Op::Contains(want) => contains(v, want),
        Op::NotContains(want) => !contains(v, want),
        Op::AttributeExists(yes) => v.is_some() == *yes,
        Op::AttributeType(t) => v.is_some_and(|v| type_of(v) == Some(*t)),
        Op::Size(inner) => {
            let size = match v {
                Some(Value::String(s)) => s.chars().count(),
                Some(Value::Array(a)) => a.len(),
                Some(Value::Object(o)) => o.len(),
                _ => return false,
            };
            test(inner, Some(&Value::from(size as u64)))
        }
        Op::In(vals) => v.is_some_and(|v| vals.iter().any(|w| same(v, w))),
        Op::NotIn(vals) => !v.is_some_and(|v| vals.iter().any(|w| same(v, w))),
    }
}

/// Equality of the same type; numbers by value (`1` equals `1.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => num_cmp(x, y) == Some(Ordering::Equal),
        _ => a == b,
    }
}

fn num_cmp(x: &serde_json::Number, y: &serde_json::Number) -> Option<Ordering> {
    if let (Some(a), Some(b)) = (x.as_i64(), y.as_i64()) {
        return Some(a.cmp(&b));
    }
    if let (Some(a), Some(b)) = (x.as_u64(), y.as_u64()) {
        return Some(a.cmp(&b));
    }
    x.as_f64()?.partial_cmp(&y.as_f64()?)
}

/// Ordering of an attribute against an operand of the same type (strings by bytes, numbers by value).
fn order(v: Option<&Value>, w: &Value) -> Option<Ordering> {
    match (v?, w) {
        (Value::Number(a), Value::Number(b)) => num_cmp(a, b),
        (Value::String(a), Value::String(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        _ => None,
    }
}

fn contains(v: Option<&Value>, want: &Value) -> bool {
    match (v, want) {
        (Some(Value::String(s)), Value::String(w)) => s.contains(w.as_str()),
        (Some(Value::Array(a)), w) => a.iter().any(|e| same(e, w)),
        _ => false,
    }
}

fn type_of(v: &Value) -> Option<AttrType> {
    Some(match v {
        Value::String(_) => AttrType::S,
        Value::Number(_) => AttrType::N,
        Value::Bool(_) => AttrType::Bool,
        Value::Array(_) => AttrType::L,
        Value::Object(_) => AttrType::M,
        Value::Null => AttrType::Null,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::filter::to_filter;
    use serde_json::json;

    fn sees(filter: Value, item: Value) -> bool {
        eval(&to_filter(&filter).unwrap(), &item)
    }

    #[test]
    fn scalar_operators() {
        let item = json!({"content": "buy groceries", "priority": 3, "score": 1.5, "done": false, "tags": ["a", "b"]});
        assert!(sees(
            json!({"content": {"contains": "groceries"}}),
            item.clone()
        ));
        assert!(!sees(
            json!({"content": {"contains": "milk"}}),
            item.clone()
        ));
        assert!(sees(
            json!({"content": {"notContains": "milk"}}),
            item.clone()
        ));
        assert!(sees(
            json!({"content": {"beginsWith": "buy"}}),
            item.clone()
        ));
        assert!(
            sees(json!({"priority": {"eq": 3.0}}), item.clone()),
            "numbers compare by value"
        );
        assert!(
            !sees(json!({"priority": {"eq": "3"}}), item.clone()),
            "types must match"
        );
        assert!(sees(json!({"priority": {"ge": 3, "lt": 4}}), item.clone()));
        assert!(sees(json!({"score": {"between": [1, 2]}}), item.clone()));
        assert!(!sees(json!({"score": {"between": [2, 3]}}), item.clone()));
        assert!(sees(json!({"done": {"eq": false}}), item.clone()));
        assert!(sees(json!({"done": {"ne": true}}), item.clone()));
        assert!(sees(json!({"tags": {"contains": "b"}}), item.clone()));
        assert!(sees(
            json!({"content": {"gt": "apple", "le": "buy groceries"}}),
            item.clone()
        ));
        assert!(sees(json!({"tags": {"size": {"eq": 2}}}), item.clone()));
    }

    #[test]
    fn in_not_in_and_missing_attributes() {
        let item = json!({"status": "OPEN", "n": 2});
        assert!(sees(
            json!({"status": {"in": ["OPEN", "DONE"]}}),
            item.clone()
        ));
        assert!(!sees(json!({"status": {"notIn": ["OPEN"]}}), item.clone()));
        assert!(sees(json!({"n": {"in": [1, 2.0]}}), item.clone()));
        // A missing attribute: negative operators hold, the others do not.
        assert!(sees(json!({"missing": {"ne": "x"}}), item.clone()));
        assert!(sees(json!({"missing": {"notIn": ["x"]}}), item.clone()));
        assert!(sees(json!({"missing": {"notContains": "x"}}), item.clone()));
        assert!(!sees(json!({"missing": {"eq": "x"}}), item.clone()));
        assert!(!sees(json!({"missing": {"in": ["x"]}}), item.clone()));
        assert!(!sees(json!({"missing": {"lt": "x"}}), item.clone()));
        assert!(sees(
            json!({"missing": {"attributeExists": false}}),
            item.clone()
        ));
    }

    #[test]
    fn and_or_not() {
        let item = json!({"a": 1, "b": "x"});
        assert!(sees(
            json!({"and": [{"a": {"eq": 1}}, {"b": {"eq": "x"}}]}),
            item.clone()
        ));
        assert!(!sees(
            json!({"and": [{"a": {"eq": 1}}, {"b": {"eq": "y"}}]}),
            item.clone()
        ));
        assert!(sees(
            json!({"or": [{"a": {"eq": 2}}, {"b": {"eq": "x"}}]}),
            item.clone()
        ));
        assert!(!sees(
            json!({"or": [{"a": {"eq": 2}}, {"b": {"eq": "y"}}]}),
            item.clone()
        ));
        assert!(sees(json!({"not": {"a": {"eq": 2}}}), item.clone()));
        assert!(sees(
            json!({"a": {"eq": 1}, "or": [{"b": {"in": ["x", "z"]}}]}),
            item.clone()
        ));
        assert!(
            sees(json!({}), item.clone()),
            "an empty filter matches everything"
        );
    }
}
