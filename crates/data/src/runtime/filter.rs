//! Translation of Amplify's filter, condition and key-condition inputs into the store's
//! [`Filter`] AST and [`SortCondition`]s, so every predicate runs in SQL.
//!
//! `Model*FilterInput` / `Model*ConditionInput`: each field maps to a scalar input
//! (`{eq, ne, le, lt, ge, gt, contains, notContains, between, beginsWith, attributeExists,
//! attributeType, size, in, notIn}`, several operators AND-ed), combined with `and`/`or` lists and
//! `not`, with DynamoDB's semantics (which the store implements).

use serde_json::{Map, Value};
use store::{AttrType, FieldPath, Filter, Op, SortCondition};

use super::error::DataError;

/// The store filter for a GraphQL filter (or condition) input object. Null entries are ignored.
pub fn to_filter(input: &Value) -> Result<Filter, DataError> {
    let obj = input.as_object().ok_or_else(|| DataError::validation("a filter must be an input object"))?;
    let mut all = Vec::new();
    for (key, v) in obj {
        if v.is_null() {
            continue;
        }
        match key.as_str() {
            "and" | "or" => {
                let parts = list(v)?.iter().filter(|p| !p.is_null()).map(to_filter).collect::<Result<Vec<_>, _>>()?;
                all.push(if key == "and" { Filter::And(parts) } else { Filter::Or(parts) });
            }
            "not" => all.push(Filter::not(to_filter(v)?)),
            field => all.extend(field_ops(field, v)?),
        }
    }
    Ok(if all.len() == 1 { all.pop().unwrap_or(Filter::And(vec![])) } else { Filter::And(all) })
}

fn list(v: &Value) -> Result<Vec<Value>, DataError> {
    match v {
        Value::Array(a) => Ok(a.clone()),
        // GraphQL input coercion: a single value where a list is expected.
        other => Ok(vec![other.clone()]),
    }
}

/// The comparisons of one field's scalar input.
fn field_ops(field: &str, ops: &Value) -> Result<Vec<Filter>, DataError> {
    let obj = ops.as_object().ok_or_else(|| DataError::validation(format!("the filter on `{field}` must be an input object")))?;
    let path = FieldPath::field(field);
    obj.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(op, v)| Ok(Filter::cmp(path.clone(), op_of(field, op, v)?)))
        .collect()
}

fn op_of(field: &str, op: &str, v: &Value) -> Result<Op, DataError> {
    Ok(match op {
        "eq" => Op::Eq(v.clone()),
        "ne" => Op::Ne(v.clone()),
        "lt" => Op::Lt(v.clone()),
        "le" => Op::Le(v.clone()),
        "gt" => Op::Gt(v.clone()),
        "ge" => Op::Ge(v.clone()),
        "between" => {
            let (lo, hi) = pair(field, v)?;
            Op::Between(lo, hi)
        }
        "beginsWith" => Op::BeginsWith(
            v.as_str().ok_or_else(|| DataError::validation(format!("beginsWith on `{field}` needs a string")))?.to_string(),
        ),
        "contains" => Op::Contains(v.clone()),
        "notContains" => Op::NotContains(v.clone()),
        "attributeExists" => Op::AttributeExists(v.as_bool().unwrap_or(true)),
        "attributeType" => Op::AttributeType(attribute_type(v.as_str().unwrap_or_default())?),
        "size" => {
            let size = v.as_object().ok_or_else(|| DataError::validation("size must be an input object"))?;
            let mut inner = size.iter().filter(|(_, v)| !v.is_null());
            let (sop, sv) = inner.next().ok_or_else(|| DataError::validation(format!("size on `{field}` needs an operator")))?;
            if inner.next().is_some() {
                return Err(DataError::validation(format!("size on `{field}` takes one operator")));
            }
            Op::Size(Box::new(op_of(field, sop, sv)?))
        }
        "in" => Op::In(list(v)?),
        "notIn" => Op::NotIn(list(v)?),
        other => return Err(DataError::validation(format!("unknown filter operator `{other}` on `{field}`"))),
    })
}

fn pair(field: &str, v: &Value) -> Result<(Value, Value), DataError> {
    match v.as_array().map(Vec::as_slice) {
        Some([lo, hi]) if !lo.is_null() && !hi.is_null() => Ok((lo.clone(), hi.clone())),
        _ => Err(DataError::validation(format!("between on `{field}` needs exactly two values"))),
    }
}

/// `ModelAttributeTypes` (GraphQL enum values) to DynamoDB type names.
fn attribute_type(name: &str) -> Result<AttrType, DataError> {
    Ok(match name {
        "binary" => AttrType::B,
        "binarySet" => AttrType::BS,
        "bool" => AttrType::Bool,
        "list" => AttrType::L,
        "map" => AttrType::M,
        "number" => AttrType::N,
        "numberSet" => AttrType::NS,
        "string" => AttrType::S,
        "stringSet" => AttrType::SS,
        "_null" => AttrType::Null,
        other => return Err(DataError::validation(format!("unknown attribute type `{other}`"))),
    })
}

/// The sort condition of a single sort key's `Model*KeyConditionInput`
/// (`{eq, le, lt, ge, gt, between, beginsWith}`), one operator.
pub fn key_condition(field: &str, input: &Value) -> Result<Option<SortCondition>, DataError> {
    let Some(obj) = input.as_object() else { return Ok(None) };
    one_condition(field, obj, |v| Ok(vec![v.clone()]))
}

/// The sort condition of a composite `Model*CompositeKeyConditionInput`: each operand is an object
/// of sort-key values, used as a prefix of the key tuple in `fields` order.
pub fn composite_key_condition(field: &str, fields: &[String], input: &Value) -> Result<Option<SortCondition>, DataError> {
    let Some(obj) = input.as_object() else { return Ok(None) };
    one_condition(field, obj, |v| {
        let o = v.as_object().ok_or_else(|| DataError::validation(format!("`{field}` operands must be objects")))?;
        let prefix: Vec<Value> = fields.iter().map_while(|f| o.get(f).filter(|v| !v.is_null()).cloned()).collect();
        let extra = o.iter().filter(|(_, v)| !v.is_null()).count();
        if prefix.is_empty() || extra != prefix.len() {
            return Err(DataError::validation(format!(
                "`{field}` must give the sort key fields in order ({}), without gaps",
                fields.join(", ")
            )));
        }
        Ok(prefix)
    })
}

fn one_condition(
    field: &str,
    obj: &Map<String, Value>,
    operand: impl Fn(&Value) -> Result<Vec<Value>, DataError>,
) -> Result<Option<SortCondition>, DataError> {
    let mut ops = obj.iter().filter(|(_, v)| !v.is_null());
    let Some((op, v)) = ops.next() else { return Ok(None) };
    if ops.next().is_some() {
        return Err(DataError::validation(format!("the key condition on `{field}` takes exactly one operator")));
    }
    Ok(Some(match op.as_str() {
        "eq" => SortCondition::Eq(operand(v)?),
        "lt" => SortCondition::Lt(operand(v)?),
        "le" => SortCondition::Le(operand(v)?),
        "gt" => SortCondition::Gt(operand(v)?),
        "ge" => SortCondition::Ge(operand(v)?),
        "beginsWith" => {
            let vals = operand(v)?;
            if !vals.last().is_some_and(Value::is_string) {
                return Err(DataError::validation(format!("beginsWith on `{field}` needs a string")));
            }
            SortCondition::BeginsWith(vals)
        }
        "between" => {
            let (lo, hi) = pair(field, v)?;
            SortCondition::Between(operand(&lo)?, operand(&hi)?)
        }
        other => return Err(DataError::validation(format!("unknown key condition `{other}` on `{field}`"))),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_and_operators() {
        let f = to_filter(&json!({"content": {"beginsWith": "a", "ne": "ab"}})).unwrap();
        assert_eq!(
            f,
            Filter::And(vec![
                Filter::cmp("content", Op::BeginsWith("a".into())),
                Filter::cmp("content", Op::Ne(json!("ab"))),
            ])
        );
        let f = to_filter(&json!({"n": {"between": [1, 5]}})).unwrap();
        assert_eq!(f, Filter::cmp("n", Op::Between(json!(1), json!(5))));
        let f = to_filter(&json!({"tags": {"size": {"gt": 2}}, "x": {"attributeType": "_null"}})).unwrap();
        assert_eq!(
            f,
            Filter::And(vec![
                Filter::cmp("tags", Op::Size(Box::new(Op::Gt(json!(2))))),
                Filter::cmp("x", Op::AttributeType(AttrType::Null)),
            ])
        );
        let f = to_filter(&json!({"s": {"in": ["a", "b"], "notIn": "c"}})).unwrap();
        assert_eq!(
            f,
            Filter::And(vec![Filter::cmp("s", Op::In(vec![json!("a"), json!("b")])), Filter::cmp("s", Op::NotIn(vec![json!("c")]))])
        );
    }

    #[test]
    fn and_or_not_nest() {
        let f = to_filter(&json!({
            "and": [{"a": {"eq": 1}}, null, {"or": [{"b": {"eq": true}}, {"not": {"c": {"attributeExists": true}}}]}]
        }))
        .unwrap();
        assert_eq!(
            f,
            Filter::And(vec![
                Filter::cmp("a", Op::Eq(json!(1))),
                Filter::Or(vec![Filter::cmp("b", Op::Eq(json!(true))), Filter::not(Filter::cmp("c", Op::AttributeExists(true)))]),
            ])
        );
        assert_eq!(to_filter(&json!({})).unwrap(), Filter::And(vec![]));
        assert_eq!(to_filter(&json!({"a": null})).unwrap(), Filter::And(vec![]));
    }

    #[test]
    fn bad_filters_are_validation_errors() {
        for bad in [json!({"n": {"between": [1]}}), json!({"n": {"between": [1, null]}}), json!({"n": {"near": 1}}), json!({"n": 3}), json!(3)] {
            assert_eq!(to_filter(&bad).unwrap_err().error_type, "ValidationError", "{bad}");
        }
    }

    #[test]
    fn key_conditions() {
        assert_eq!(key_condition("sk", &json!({"beginsWith": "a"})).unwrap(), Some(SortCondition::BeginsWith(vec![json!("a")])));
        assert_eq!(key_condition("sk", &json!({"between": [1, 4]})).unwrap(), Some(SortCondition::Between(vec![json!(1)], vec![json!(4)])));
        assert_eq!(key_condition("sk", &json!({})).unwrap(), None);
        assert!(key_condition("sk", &json!({"eq": 1, "gt": 2})).is_err());
        let fields = vec!["status".to_string(), "rank".to_string()];
        assert_eq!(
            composite_key_condition("statusRank", &fields, &json!({"le": {"status": "b", "rank": 3}})).unwrap(),
            Some(SortCondition::Le(vec![json!("b"), json!(3)]))
        );
        assert_eq!(
            composite_key_condition("statusRank", &fields, &json!({"beginsWith": {"status": "b"}})).unwrap(),
            Some(SortCondition::BeginsWith(vec![json!("b")]))
        );
        assert!(composite_key_condition("statusRank", &fields, &json!({"eq": {"rank": 3}})).is_err());
    }
}
