//! One model's introspection entry: fields, `attributes` (`model`, `key`s, `auth`) and
//! `primaryKeyInfo`, following `AppSyncModelVisitor` over the SDL `@aws-amplify/data-schema`
//! writes for it.

use std::collections::HashMap;

use definition::ir::{BaseType, Field, FieldOrigin, Model, RelationshipKind, Schema};
use serde_json::{json, Map, Value};

use super::auth::auth_attribute;
use super::{capitalize, field_shape, type_value};

/// `gsi-<Parent>.<field>` keys the generator adds to child models, by child model name.
///
/// For a `hasMany` it imputes a key on the child unless the child's *first* field typed as the
/// parent is a `belongsTo` (e.g. a self-relation declaring `children` before `parent` gets one).
/// Walks models and fields in declaration order, which is the order the keys are appended in.
pub fn implied_has_many_keys(schema: &Schema) -> HashMap<String, Vec<Value>> {
    let mut keys: HashMap<String, Vec<Value>> = HashMap::new();
    for parent in &schema.models {
        for f in sdl_fields(parent) {
            let Some(rel) = &f.relationship else { continue };
            if rel.kind != RelationshipKind::HasMany {
                continue;
            }
            let Some(child) = schema.model(&rel.related_model) else { continue };
            let first_back_ref = sdl_fields(child).find(|cf| cf.ty.base == BaseType::Model(parent.name.clone()));
            let has_belongs_to = first_back_ref
                .and_then(|cf| cf.relationship.as_ref())
                .is_some_and(|r| r.kind == RelationshipKind::BelongsTo);
            if !has_belongs_to {
                keys.entry(child.name.clone()).or_default().push(json!({
                    "type": "key",
                    "properties": { "name": format!("gsi-{}.{}", parent.name, f.name), "fields": rel.references },
                }));
            }
        }
    }
    keys
}

/// The fields the model's SDL declares, in order (implicit id, owner fields and timestamps are
/// not written into the SDL by the schema builder).
fn sdl_fields(m: &Model) -> impl Iterator<Item = &Field> {
    m.fields.iter().filter(|f| f.origin == FieldOrigin::Declared)
}

/// Whether the SDL carries `@primaryKey` (the builder writes it whenever the partition key is a
/// declared field; Gen 1 SDL only when written).
fn has_primary_key_directive(m: &Model, _from_sdl: bool) -> bool {
    m.primary_key_declared
}

pub fn model_metadata(m: &Model, schema: &Schema, implied_keys: &[Value]) -> Value {
    let explicit_pk = has_primary_key_directive(m, schema.from_sdl);
    let sql = m.database != "dynamodb";
    let mut fields = Map::new();
    for f in &m.fields {
        if f.origin == FieldOrigin::ImplicitAuth || (!m.timestamps && f.origin == FieldOrigin::Timestamp) {
            continue;
        }
        let mut meta = field_metadata(f);
        // The partition key is written `!`; without `@primaryKey` the generator forces `id` non-null.
        let forced = m.primary_key.first() == Some(&f.name) || (!explicit_pk && f.name == "id");
        if forced {
            meta["isRequired"] = json!(true);
        }
        if f.origin == FieldOrigin::Timestamp {
            // Added by the generator itself: nullable and read-only.
            meta["isRequired"] = json!(false);
            meta["isReadOnly"] = json!(true);
        }
        if let Some(assoc) = association(f) {
            meta["association"] = assoc;
        }
        fields.insert(f.name.clone(), meta);
    }

    let mut properties = Map::new();
    if let Some(Value::Object(args)) = &m.model_args {
        // Gen 1 `@model(...)` arguments are carried over as written.
        properties.extend(args.clone());
    } else {
        if !m.timestamps {
            // Written `@model(timestamps: null)` (SQL models): the generator adds no timestamps.
            properties.insert("timestamps".into(), Value::Null);
        }
        disabled_operations(&m.disabled_operations, &mut properties);
    }
    let mut attributes = vec![json!({ "type": "model", "properties": properties })];
    if let Some(table) = &m.original_name {
        // `@refersTo` follows `@model`; `@auth` is moved behind every other directive.
        attributes.push(json!({ "type": "refersTo", "properties": { "name": table } }));
    }
    if explicit_pk {
        attributes.push(json!({ "type": "key", "properties": { "fields": m.primary_key } }));
    }
    // The builder writes no `@index` for SQL models.
    if !sql {
        attributes.extend(index_keys(m, schema.from_sdl));
    }
    attributes.extend(implied_keys.iter().cloned());
    // SQL models may have no rules (until `setAuthorization`); then there is no `@auth`.
    if !m.auth.is_empty() {
        attributes.push(auth_attribute(&m.auth, schema.from_sdl));
    }

    json!({
        "name": m.name,
        "fields": fields,
        "syncable": true,
        "pluralName": definition::naming::plural(&m.name),
        "attributes": attributes,
        "primaryKeyInfo": {
            "isCustomPrimaryKey": m.primary_key != ["id"],
            "primaryKeyFieldName": m.primary_key.first().cloned().unwrap_or_else(|| "id".into()),
            "sortKeyFieldNames": m.primary_key.iter().skip(1).collect::<Vec<_>>(),
        },
    })
}

/// A model or custom-type field: `name`, `isArray`, `type`, `isRequired`, `attributes` (always
/// empty: field-level directives are not carried), `isArrayNullable` for lists.
pub fn field_metadata(f: &Field) -> Value {
    let (is_array, is_required, array_nullable) = field_shape(&f.ty);
    let mut meta = json!({
        "name": f.name,
        "isArray": is_array,
        "type": type_value(&f.ty.base),
        "isRequired": is_required,
        "attributes": [],
    });
    if let Some(n) = array_nullable {
        meta["isArrayNullable"] = json!(n);
    }
    meta
}

/// Gen 2 relationships always carry `references`; the generator then reports them as
/// `associatedWith` (parent side) or `targetNames` (child side). A `hasOne` by references has
/// no target names of its own.
fn association(f: &Field) -> Option<Value> {
    let rel = f.relationship.as_ref()?;
    Some(match rel.kind {
        RelationshipKind::HasMany => json!({ "connectionType": "HAS_MANY", "associatedWith": rel.references }),
        RelationshipKind::HasOne => json!({ "connectionType": "HAS_ONE", "associatedWith": rel.references, "targetNames": [] }),
        RelationshipKind::BelongsTo => json!({ "connectionType": "BELONGS_TO", "targetNames": rel.references }),
    })
}

/// `@index` directives become `key` attributes in the order the generator meets them: by the
/// partition key field's position in the SDL, then declaration order on that field.
fn index_keys(m: &Model, from_sdl: bool) -> Vec<Value> {
    let order: Vec<&str> = sdl_fields(m).map(|f| f.name.as_str()).collect();
    let mut indexes: Vec<(usize, &definition::ir::SecondaryIndex)> = m
        .indexes
        .iter()
        // The builder writes `@index` only onto declared fields; others are silently dropped.
        .filter_map(|idx| order.iter().position(|n| *n == idx.partition_key).map(|pos| (pos, idx)))
        .collect();
    indexes.sort_by_key(|(pos, _)| *pos);
    indexes
        .into_iter()
        .map(|(_, idx)| {
            let fields: Vec<&String> = std::iter::once(&idx.partition_key).chain(idx.sort_keys.iter()).collect();
            let mut props = Map::new();
            props.insert("name".into(), json!(idx.name));
            // Gen 1 SDL rarely names a query field; the IR then fills in the default index name,
            // which the SDL did not say, so that case is left out (the builder always writes one).
            let defaulted_in_sdl = from_sdl && idx.query_field.as_deref() == Some(default_index_name(m, idx).as_str());
            if !defaulted_in_sdl {
                props.insert("queryField".into(), json!(idx.query_field));
            }
            props.insert("fields".into(), json!(fields));
            json!({ "type": "key", "properties": props })
        })
        .collect()
}

/// The transformer's index name when none is given: `<models>By<Pk>And<Sk>...`.
fn default_index_name(m: &Model, idx: &definition::ir::SecondaryIndex) -> String {
    let plural = definition::naming::plural(&m.name);
    let mut first = plural.chars();
    let lowered = first.next().map(|c| c.to_lowercase().collect::<String>() + first.as_str()).unwrap_or_default();
    let keys: Vec<String> = std::iter::once(&idx.partition_key).chain(idx.sort_keys.iter()).map(|k| capitalize(k)).collect();
    format!("{lowered}By{}", keys.join("And"))
}

/// `disableOperations([...])` → the `@model(...)` arguments the builder writes: coarse groups
/// (`queries`, `mutations`, `subscriptions`) become `null`, fine ones (`create`, `onUpdate`,
/// `list`, ...) become `{ op: null }` under their group unless the whole group is disabled.
fn disabled_operations(disabled: &[String], props: &mut Map<String, Value>) {
    const COARSE: [&str; 3] = ["queries", "mutations", "subscriptions"];
    let group_of = |op: &str| match op {
        "onCreate" | "onUpdate" | "onDelete" => Some("subscriptions"),
        "create" | "update" | "delete" => Some("mutations"),
        "get" | "list" => Some("queries"),
        _ => None,
    };
    let (coarse, fine): (Vec<&String>, Vec<&String>) = disabled.iter().partition(|op| COARSE.contains(&op.as_str()));
    for op in coarse {
        props.insert(op.clone(), Value::Null);
    }
    for op in fine {
        let Some(group) = group_of(op) else { continue };
        // A `null` group means the whole group is already disabled.
        if let Value::Object(ops) = props.entry(group.to_string()).or_insert_with(|| json!({})) {
            ops.insert(op.clone(), Value::Null);
        }
    }
}
