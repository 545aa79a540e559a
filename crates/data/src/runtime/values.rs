//! Shaping values between GraphQL and the store: input arguments to JSON in their stored form
//! (IDs as strings, `AWSJSON` parsed, recursively through custom types), and what a required
//! field or an unknown field in an input means.

use async_graphql::dynamic::ObjectAccessor;
use definition::ir::{BaseType, Field, Schema};
use serde_json::{Map, Value};

use super::error::DataError;
use super::scalars;

/// The arguments of a field as JSON (explicit nulls kept, absent arguments absent).
pub fn args_json(args: &ObjectAccessor<'_>) -> Map<String, Value> {
    args.iter().filter_map(|(k, v)| Some((k.to_string(), v.as_value().clone().into_json().ok()?))).collect()
}

/// `v` (an input for a field typed like `field`) in its stored form.
pub fn to_stored(schema: &Schema, field: &Field, v: Value) -> Value {
    if v.is_null() {
        return v;
    }
    if field.ty.list {
        return match v {
            Value::Array(items) => Value::Array(items.into_iter().map(|i| one_to_stored(schema, &field.ty.base, i)).collect()),
            other => Value::Array(vec![one_to_stored(schema, &field.ty.base, other)]),
        };
    }
    one_to_stored(schema, &field.ty.base, v)
}

fn one_to_stored(schema: &Schema, base: &BaseType, v: Value) -> Value {
    match (base, v) {
        (_, Value::Null) => Value::Null,
        (BaseType::Scalar(s), v) => scalars::to_stored(s.graphql_name(), v),
        (BaseType::CustomType(name), Value::Object(o)) => match schema.custom_type(name) {
            Some(ct) => Value::Object(
                o.into_iter()
                    .map(|(k, v)| {
                        let v = match ct.fields.iter().find(|f| f.name == k) {
                            Some(f) => to_stored(schema, f, v),
                            None => v,
                        };
                        (k, v)
                    })
                    .collect(),
            ),
            None => Value::Object(o),
        },
        (_, v) => v,
    }
}

/// Every field of `fields` that is required and has no value in `item`.
pub fn missing_required<'a>(fields: impl Iterator<Item = &'a Field>, item: &Map<String, Value>) -> Vec<String> {
    fields.filter(|f| f.ty.required && !f.ty.list && f.relationship.is_none()).filter(|f| item.get(&f.name).is_none_or(Value::is_null)).map(|f| f.name.clone()).collect()
}

/// A value from the key arguments of a get or a key query, typed for the store.
pub fn key_value(v: &Value) -> Result<Value, DataError> {
    match v {
        Value::String(_) | Value::Number(_) => Ok(v.clone()),
        Value::Bool(b) => Ok(Value::String(b.to_string())),
        _ => Err(DataError::validation("key values must be strings or numbers")),
    }
}
