//! Custom queries, mutations and subscriptions, and the `inputs` their arguments need.
//!
//! The schema builder turns an argument typed as a custom type into a GraphQL input type named
//! `<Type>Input` (inline custom types: `<Operation><Argument>Input`), nested custom types
//! included; the introspection lists those under `inputs` and types the argument `{ input }`.

use std::collections::HashSet;

use definition::ir::{BaseType, CustomOperation, Schema, TypeRef};
use serde_json::{json, Map, Value};

use super::{capitalize, field_shape, type_value};

/// `{ name: metadata }` for one kind of operation; `None` when there are none (the key is
/// then absent from the introspection).
pub fn operations_metadata(ops: &[CustomOperation], schema: &Schema) -> Option<Value> {
    if ops.is_empty() {
        return None;
    }
    let mut out = Map::new();
    for op in ops {
        let returns = return_type(op, schema);
        let mut meta = shaped(&op.name, &returns, type_value(&returns.base));
        if !op.arguments.is_empty() {
            let mut args = Map::new();
            for a in &op.arguments {
                args.insert(a.name.clone(), shaped(&a.name, &a.ty, argument_type(&a.ty.base)));
            }
            meta["arguments"] = Value::Object(args);
        }
        out.insert(op.name.clone(), meta);
    }
    Some(Value::Object(out))
}

/// `name`, `isArray`, `type`, `isRequired` and, for lists, `isArrayNullable`.
fn shaped(name: &str, ty: &TypeRef, type_json: Value) -> Value {
    let (is_array, is_required, array_nullable) = field_shape(ty);
    let mut meta = json!({ "name": name, "isArray": is_array, "type": type_json, "isRequired": is_required });
    if let Some(n) = array_nullable {
        meta["isArrayNullable"] = json!(n);
    }
    meta
}

fn argument_type(base: &BaseType) -> Value {
    match base {
        BaseType::CustomType(name) => json!({ "input": format!("{name}Input") }),
        other => type_value(other),
    }
}

/// A subscription returns what its first source returns: the model of a `create<Model>`-style
/// source, or the return type of the custom mutation it listens to.
///
/// The IR gives subscriptions without `.returns()` a `String` placeholder instead, so the type is
/// resolved here from `subscription_sources`.
fn return_type(op: &CustomOperation, schema: &Schema) -> TypeRef {
    let Some(source) = op.subscription_sources.first() else { return op.returns.clone() };
    if let Some(m) = schema.mutations.iter().find(|m| &m.name == source) {
        return m.returns.clone();
    }
    for prefix in ["create", "update", "delete"] {
        if let Some(model) = source.strip_prefix(prefix).and_then(|rest| schema.models.iter().find(|m| m.name == rest)) {
            return TypeRef { base: BaseType::Model(model.name.clone()), required: false, list: false, list_required: false };
        }
    }
    op.returns.clone()
}

/// Custom types that exist only as inline argument types (`a.customType` inside
/// `.arguments({...})`), nested ones included: the builder makes them input types only, while
/// the IR hoists them as custom types named `<Operation><Argument>`.
pub fn argument_only_types(schema: &Schema) -> HashSet<String> {
    let mut out = HashSet::new();
    for op in all_operations(schema) {
        for a in &op.arguments {
            let BaseType::CustomType(name) = &a.ty.base else { continue };
            if *name == format!("{}{}", capitalize(&op.name), capitalize(&a.name)) {
                collect_inline(schema, name, &mut out);
            }
        }
    }
    out
}

fn collect_inline(schema: &Schema, name: &str, out: &mut HashSet<String>) {
    if !out.insert(name.to_string()) {
        return;
    }
    let Some(t) = schema.custom_type(name) else { return };
    for f in &t.fields {
        if let BaseType::CustomType(nested) = &f.ty.base {
            if *nested == format!("{name}{}", capitalize(&f.name)) {
                collect_inline(schema, nested, out);
            }
        }
    }
}

/// `{ "<Type>Input": { name, attributes } }` for every custom type reachable from an argument;
/// `None` when no argument uses one.
pub fn inputs_metadata(schema: &Schema) -> Option<Value> {
    let mut out = Map::new();
    let mut seen = HashSet::new();
    for op in all_operations(schema) {
        for a in &op.arguments {
            if let BaseType::CustomType(name) = &a.ty.base {
                add_input(schema, name, &mut seen, &mut out);
            }
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

fn add_input(schema: &Schema, type_name: &str, seen: &mut HashSet<String>, out: &mut Map<String, Value>) {
    if !seen.insert(type_name.to_string()) {
        return;
    }
    let Some(t) = schema.custom_type(type_name) else { return };
    let input_name = format!("{type_name}Input");
    let mut attributes = Map::new();
    for f in &t.fields {
        attributes.insert(f.name.clone(), shaped(&f.name, &f.ty, argument_type(&f.ty.base)));
        if let BaseType::CustomType(nested) = &f.ty.base {
            add_input(schema, nested, seen, out);
        }
    }
    out.insert(input_name.clone(), json!({ "name": input_name, "attributes": attributes }));
}

fn all_operations(schema: &Schema) -> impl Iterator<Item = &CustomOperation> {
    schema.queries.iter().chain(&schema.mutations).chain(&schema.subscriptions)
}
