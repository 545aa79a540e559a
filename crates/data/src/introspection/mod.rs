//! `data.model_introspection` of `amplify_outputs.json`, from the IR.
//!
//! Amplify computes it with `@aws-amplify/graphql-generator`'s
//! `generateModels({ target: 'introspection' })` (the `AppSyncModelIntrospectionVisitor` of
//! `@aws-amplify/appsync-modelgen-plugin`) over the directive SDL that `@aws-amplify/data-schema`
//! writes for the schema. The client library reads it to build `client.models.*` and the custom
//! operations, so it must match field for field; each rule here mirrors one step of that
//! pipeline, and the tests compare against goldens produced by the real tooling.
//!
//! Shape: `version`, `models`, `enums`, `nonModels` always; `queries`, `mutations`,
//! `subscriptions`, `inputs` only when non-empty.

mod auth;
mod model;
mod operations;

use definition::ir::{BaseType, Schema, TypeRef};
use serde_json::{json, Map, Value};

/// The introspection document for one schema.
pub fn model_introspection(schema: &Schema) -> Value {
    let implied_keys = model::implied_has_many_keys(schema);
    let mut models = Map::new();
    for m in &schema.models {
        let keys = implied_keys.get(&m.name).map(Vec::as_slice).unwrap_or(&[]);
        models.insert(m.name.clone(), model::model_metadata(m, schema, keys));
    }

    let argument_only = operations::argument_only_types(schema);
    let mut non_models = Map::new();
    for t in schema.custom_types.iter().filter(|t| !argument_only.contains(&t.name)) {
        let fields: Map<String, Value> = t.fields.iter().map(|f| (f.name.clone(), model::field_metadata(f))).collect();
        non_models.insert(t.name.clone(), json!({ "name": t.name, "fields": fields }));
    }

    let mut enums = Map::new();
    for e in &schema.enums {
        enums.insert(e.name.clone(), json!({ "name": e.name, "values": enum_values(&e.values) }));
    }

    let mut out = json!({ "version": 1, "models": models, "enums": enums, "nonModels": non_models });
    let sections = [
        ("queries", operations::operations_metadata(&schema.queries, schema)),
        ("mutations", operations::operations_metadata(&schema.mutations, schema)),
        ("subscriptions", operations::operations_metadata(&schema.subscriptions, schema)),
        ("inputs", operations::inputs_metadata(schema)),
    ];
    for (key, value) in sections {
        if let Some(v) = value {
            out[key] = v;
        }
    }
    out
}

/// `"ID"`, `{ "enum": .. }`, `{ "nonModel": .. }` or `{ "model": .. }`.
fn type_value(base: &BaseType) -> Value {
    match base {
        BaseType::Scalar(s) => json!(s.graphql_name()),
        BaseType::Enum(n) => json!({ "enum": n }),
        BaseType::CustomType(n) => json!({ "nonModel": n }),
        BaseType::Model(n) => json!({ "model": n }),
    }
}

/// (`isArray`, `isRequired`, `isArrayNullable`). `isRequired` is about the value (or each
/// element); a non-list relationship's `.required()` is recorded as `list_required` because the
/// builder writes `Model!` from its `arrayRequired` flag.
fn field_shape(ty: &TypeRef) -> (bool, bool, Option<bool>) {
    if ty.list {
        (true, ty.required, Some(!ty.list_required))
    } else {
        (false, ty.required || ty.list_required, None)
    }
}

/// The generator keys enum values by their CONSTANT_CASE form, so values that collide there
/// collapse into one entry (first position, last spelling).
fn enum_values(values: &[String]) -> Vec<String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for v in values {
        let key = constant_case(v);
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = v.clone(),
            None => out.push((key, v.clone())),
        }
    }
    out.into_iter().map(|(_, v)| v).collect()
}

/// `change-case`'s constantCase: words split at `aB`/`1B` and `ABc` boundaries and at
/// non-alphanumerics, upper-cased, joined by `_`.
fn constant_case(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut words: Vec<String> = vec![String::new()];
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            words.push(String::new());
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]).filter(|p| p.is_alphanumeric());
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            Some(p) if c.is_uppercase() => {
                p.is_lowercase() || p.is_ascii_digit() || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
            }
            _ => false,
        };
        if boundary {
            words.push(String::new());
        }
        words.last_mut().unwrap().push(c);
    }
    words.into_iter().filter(|w| !w.is_empty()).map(|w| w.to_uppercase()).collect::<Vec<_>>().join("_")
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_values_collapse_like_the_generator() {
        assert_eq!(constant_case("inProgress"), "IN_PROGRESS");
        assert_eq!(constant_case("IN_PROGRESS"), "IN_PROGRESS");
        assert_eq!(constant_case("HTTPServer"), "HTTP_SERVER");
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(enum_values(&v(&["inProgress", "DONE", "IN_PROGRESS"])), v(&["IN_PROGRESS", "DONE"]));
    }
}
