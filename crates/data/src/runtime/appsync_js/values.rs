//! DynamoDB's typed JSON (`{"S": "x"}`, `{"N": 1}`, `{"M": {...}}`, …) as resolver request
//! objects carry it, read back into plain JSON — the form the store keeps items in.

use serde_json::{Map, Number, Value};

/// A DynamoDB attribute value as plain JSON. Sets become arrays (JSON has no sets); a value
/// that is not a typed wrapper is taken as it is.
pub fn from_dynamodb(v: &Value) -> Value {
    let Some(obj) = v.as_object().filter(|o| o.len() == 1) else {
        return v.clone();
    };
    let (tag, inner) = obj.iter().next().map(|(k, v)| (k.as_str(), v)).unwrap_or(("", &Value::Null));
    match tag {
        "S" | "B" => inner.clone(),
        "N" => number(inner),
        "BOOL" => inner.clone(),
        "NULL" => Value::Null,
        "L" => Value::Array(inner.as_array().map(|a| a.iter().map(from_dynamodb).collect()).unwrap_or_default()),
        "M" => Value::Object(map_values(inner)),
        "SS" | "BS" => inner.clone(),
        "NS" => Value::Array(inner.as_array().map(|a| a.iter().map(number).collect()).unwrap_or_default()),
        _ => v.clone(),
    }
}

/// `{"a": {"S": "x"}}` → `{"a": "x"}` (key maps, attribute values).
pub fn map_values(v: &Value) -> Map<String, Value> {
    v.as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), from_dynamodb(v))).collect())
        .unwrap_or_default()
}

/// `N` values arrive as numbers or as numeric strings.
fn number(v: &Value) -> Value {
    match v {
        Value::String(s) => {
            if let Ok(i) = s.parse::<i64>() {
                Value::Number(i.into())
            } else {
                s.parse::<f64>().ok().and_then(Number::from_f64).map(Value::Number).unwrap_or_else(|| v.clone())
            }
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_values_become_plain() {
        let v = json!({"M": {"a": {"S": "x"}, "n": {"N": "3"}, "f": {"N": 1.5}, "l": {"L": [{"BOOL": true}, {"NULL": true}]}, "ns": {"NS": ["1", "2"]}}});
        assert_eq!(from_dynamodb(&v), json!({"a": "x", "n": 3, "f": 1.5, "l": [true, null], "ns": [1, 2]}));
        assert_eq!(from_dynamodb(&json!("plain")), json!("plain"));
    }
}
