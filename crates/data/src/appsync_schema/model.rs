//! `@model` (graphql-model-transformer), `@primaryKey`/`@index` (graphql-index-transformer) and
//! the schema side of `@hasMany` (graphql-relational-transformer), in the order the transformer
//! chain runs them.

use definition::ir::{Model, RelationshipKind};
use definition::naming::plural;
use serde_json::Value;

use super::doc::{Def, Directive, Doc, Field, InputDef, InputValue, ObjectDef, Ty};
use super::inputs::*;
use super::{Ctx, ModelInfo};

/// The operation names `@model` generates, `None` where `disableOperations` (or a Gen 1
/// `@model(queries: null, ...)`) removed one; Gen 1 `@model` arguments may also rename them.
#[derive(Debug, Clone, Default)]
pub struct Ops {
    pub get: Option<String>,
    pub list: Option<String>,
    pub create: Option<String>,
    pub update: Option<String>,
    pub delete: Option<String>,
    pub on_create: Vec<String>,
    pub on_update: Vec<String>,
    pub on_delete: Vec<String>,
}

impl Ops {
    pub fn for_model(m: &Model) -> Ops {
        let name = &m.name;
        let args = m.model_args.as_ref();
        let off = |op: &str, coarse: &str| m.disabled_operations.iter().any(|d| d == op || d == coarse);
        // A name from `@model(queries: { get: "fetchTodo" })`, else the default.
        let named = |group: &str, op: &str, default: String| -> Option<String> {
            let group_off = args.and_then(|a| a.get(group)).is_some_and(Value::is_null);
            match args.and_then(|a| a.get(group)).and_then(|g| g.get(op)) {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Null) => None,
                _ if group_off => None,
                _ => Some(default),
            }
        };
        let make = |op: &str, coarse: &str, v: String| if off(op, coarse) { None } else { named(coarse, op, v) };
        let subs = |op: &str, default: String| -> Vec<String> {
            if off(op, "subscriptions") {
                return vec![];
            }
            let level_off = args.and_then(|a| a.get("subscriptions")).and_then(|s| s.get("level")).and_then(Value::as_str) == Some("off");
            if level_off {
                return vec![];
            }
            match args.and_then(|a| a.get("subscriptions")).and_then(|g| g.get(op)) {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
                Some(Value::Null) => vec![],
                _ => named("subscriptions", op, default).into_iter().collect(),
            }
        };
        Ops {
            get: make("get", "queries", camel_case(&["get", name])),
            list: make("list", "queries", camel_case(&["list", &plural(name)])),
            create: make("create", "mutations", camel_case(&["create", name])),
            update: make("update", "mutations", camel_case(&["update", name])),
            delete: make("delete", "mutations", camel_case(&["delete", name])),
            on_create: subs("onCreate", camel_case(&["onCreate", name])),
            on_update: subs("onUpdate", camel_case(&["onUpdate", name])),
            on_delete: subs("onDelete", camel_case(&["onDelete", name])),
        }
    }

    /// Subscriptions exist only with their mutation: `(subscription, mutation)`.
    pub fn subscriptions(&self) -> Vec<(String, String)> {
        [(&self.on_create, &self.create), (&self.on_update, &self.update), (&self.on_delete, &self.delete)]
            .into_iter()
            .filter_map(|(s, m)| Some((s, m.clone()?)))
            .flat_map(|(s, m)| s.iter().map(move |s| (s.clone(), m.clone())))
            .collect()
    }
}

/// The managed timestamp fields: `createdAt`/`updatedAt` unless `@model(timestamps: ...)` renames
/// or drops them; none for SQL models.
pub fn timestamp_fields(m: &Model) -> Vec<String> {
    if m.database != "dynamodb" || !m.timestamps {
        return vec![];
    }
    let config = m.model_args.as_ref().and_then(|a| a.get("timestamps"));
    if config.is_some_and(Value::is_null) {
        return vec![];
    }
    ["createdAt", "updatedAt"]
        .into_iter()
        .filter_map(|k| match config.and_then(|c| c.get(k)) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) => None,
            _ => Some(k.to_string()),
        })
        .collect()
}

// The model and auth transformers name a model's types with its name capitalised
// (`toPascalCase`); the index and relational transformers use it as is (`ModelResourceIDs`), so
// for a lowercase model (SQL tables) they refer to, or create, differently named types.

pub fn connection_name(model: &str) -> String {
    format!("Model{}Connection", upper_first(model))
}

pub fn filter_name(model: &str) -> String {
    format!("Model{}FilterInput", upper_first(model))
}

pub fn condition_name(model: &str) -> String {
    format!("Model{}ConditionInput", upper_first(model))
}

pub fn subscription_filter_name(model: &str) -> String {
    format!("ModelSubscription{}FilterInput", upper_first(model))
}

pub(super) fn raw_connection_name(model: &str) -> String {
    format!("Model{model}Connection")
}

pub(super) fn raw_filter_name(model: &str) -> String {
    format!("Model{model}FilterInput")
}

pub(super) fn raw_condition_name(model: &str) -> String {
    format!("Model{model}ConditionInput")
}

pub(super) fn ensure_connection(doc: &mut Doc, connection: &str, model: &str) {
    let items = Field::new("items", Ty::named(model).list().non_null());
    let next = Field::new("nextToken", Ty::named("String"));
    doc.add(Def::Object(ObjectDef { name: connection.to_string(), fields: vec![items, next], directives: vec![] }));
}

/// The model transformer's `transformSchema` for one model.
pub fn transform_model(ctx: &mut Ctx, mi: usize) {
    let info = &ctx.models[mi];
    let name = info.ir.name.clone();
    let before = info.input.clone();
    let ops = info.ops.clone();
    let dynamo = !info.sql;
    let timestamps = timestamp_fields(info.ir);
    let model_names: Vec<String> = ctx.models.iter().map(|m| m.ir.name.clone()).collect();
    let doc = &mut ctx.doc;

    // addAutoGeneratableFields
    let mut def = before.clone();
    if dynamo {
        if !def.has_field("id") {
            def.fields.push(Field::new("id", Ty::named("ID").non_null()));
        }
        for ts in &timestamps {
            if !def.has_field(ts) {
                def.fields.push(Field::new(ts, Ty::named("AWSDateTime").non_null()));
            }
        }
    }
    doc.put(Def::Object(def.clone()));
    create_non_model_inputs(doc, &def, &model_names, &mut Vec::new());

    // Queries.
    let query = doc.ensure_object("Query");
    let mut query_fields = Vec::new();
    if let Some(get) = &ops.get {
        let mut f = Field::new(get, Ty::named(&name));
        f.args = vec![InputValue::new("id", Ty::named("ID").non_null())];
        query_fields.push(f);
    }
    if let Some(list) = &ops.list {
        let mut f = Field::new(list, Ty::named(connection_name(&name)));
        f.args = vec![
            InputValue::new("filter", Ty::named(filter_name(&name))),
            InputValue::new("limit", Ty::named("Int")),
            InputValue::new("nextToken", Ty::named("String")),
        ];
        query_fields.push(f);
    }
    query.fields.extend(query_fields);
    if ops.list.is_some() {
        ensure_connection(doc, &connection_name(&name), &name);
        add_enum_filters(doc, &def);
        let filter = condition_filter_input(doc, &filter_name(&name), &def);
        doc.add_input(filter);
    }

    // Mutations, from the type as declared (before the implicit fields).
    let mutations: Vec<(&Option<String>, &str)> = vec![(&ops.create, "create"), (&ops.update, "update"), (&ops.delete, "delete")];
    let any_mutation = mutations.iter().any(|(n, _)| n.is_some());
    if any_mutation {
        add_enum_filters(doc, &before);
        let mut cond = condition_filter_input(doc, &condition_name(&name), &before);
        cond.fields.retain(|f| !(f.name == "id" && f.ty.base() == "ModelIDInput"));
        for ts in &timestamps {
            cond.add_missing(ts, Ty::named("ModelStringInput"));
        }
        doc.add_input(cond);
    }
    let without_models = ObjectDef {
        fields: before.fields.iter().filter(|f| !model_names.iter().any(|m| m == f.ty.base())).cloned().collect(),
        ..before.clone()
    };
    let mut mutation_fields = Vec::new();
    for (op_name, kind) in mutations {
        let Some(op_name) = op_name else { continue };
        let input_name = format!("{}{}Input", upper_first(kind), upper_first(&name));
        let input = match kind {
            "create" => {
                let mut input = input_from_object(doc, &input_name, &without_models, true);
                match input.field_mut("id") {
                    None => input.fields.push(InputValue::new("id", Ty::named("ID"))),
                    Some(id) => {
                        if matches!(id.ty.base(), "ID" | "String") {
                            id.ty = id.ty.clone().nullable();
                        }
                    }
                }
                nullable_timestamps(&mut input, &timestamps);
                input
            }
            "update" => {
                let mut input = input_from_object(doc, &input_name, &without_models, true);
                for f in &mut input.fields {
                    f.ty = f.ty.clone().nullable();
                }
                match input.field_mut("id") {
                    None => input.fields.push(InputValue::new("id", Ty::named("ID").non_null())),
                    Some(id) => id.ty = id.ty.clone().non_null(),
                }
                nullable_timestamps(&mut input, &timestamps);
                input
            }
            _ => InputDef::new(&input_name, vec![InputValue::new("id", Ty::named("ID").non_null())]),
        };
        doc.add_input(input);
        let mut f = Field::new(op_name, Ty::named(&name));
        f.args = vec![
            InputValue::new("input", Ty::named(&input_name).non_null()),
            InputValue::new("condition", Ty::named(condition_name(&name))),
        ];
        mutation_fields.push(f);
    }
    doc.ensure_object("Mutation").fields.extend(mutation_fields);

    // Subscriptions.
    let subs = ops.subscriptions();
    if !subs.is_empty() {
        add_enum_filters(doc, &def);
        let filter = subscription_filter_input(doc, &subscription_filter_name(&name), &def);
        doc.add_input(filter);
    }
    let mut sub_fields = Vec::new();
    for (sub, mutation) in subs {
        let mut f = Field::new(&sub, Ty::named(&name));
        f.args = vec![InputValue::new("filter", Ty::named(subscription_filter_name(&name)))];
        f.directives.push(Directive::with_args("aws_subscribe", format!("mutations: [\"{mutation}\"]")));
        sub_fields.push(f);
    }
    doc.ensure_object("Subscription").fields.extend(sub_fields);
}

fn nullable_timestamps(input: &mut InputDef, timestamps: &[String]) {
    for ts in timestamps {
        if let Some(f) = input.field_mut(ts) {
            if matches!(f.ty.base(), "String" | "AWSDateTime") {
                f.ty = f.ty.clone().nullable();
            }
        }
    }
}

/// `createNonModelInputs`: `<Type>Input` for every custom type a model field uses, recursively.
fn create_non_model_inputs(doc: &mut Doc, obj: &ObjectDef, models: &[String], seen: &mut Vec<String>) {
    for f in &obj.fields {
        if is_scalar(&f.ty) {
            continue;
        }
        let base = f.ty.base();
        if models.iter().any(|m| m == base) {
            continue;
        }
        let Some(custom) = doc.object(base).cloned() else { continue };
        let name = format!("{}Input", upper_first(base));
        if doc.has(&name) || seen.contains(&name) {
            continue;
        }
        seen.push(name.clone());
        let input = input_from_object(doc, &name, &custom, false);
        doc.add_input(input);
        create_non_model_inputs(doc, &custom, models, seen);
    }
}

/// The index and relational transformers' own `Model<X>FilterInput` (used when `@model` made none):
/// the declared scalar and enum fields only.
pub(super) fn index_filter_input(doc: &Doc, model: &str, input: &ObjectDef) -> InputDef {
    let name = raw_filter_name(model);
    let mut fields: Vec<InputValue> = input
        .fields
        .iter()
        .filter(|f| is_scalar(&f.ty) || doc.is_enum(f.ty.base()))
        .map(|f| {
            let list_enum = doc.is_enum(f.ty.base()) && f.ty.is_list();
            let t = if list_enum { format!("Model{}ListInput", f.ty.base()) } else { scalar_filter_name(f.ty.base(), false) };
            InputValue::new(&f.name, Ty::named(t))
        })
        .collect();
    fields.push(InputValue::new("and", Ty::named(&name).list()));
    fields.push(InputValue::new("or", Ty::named(&name).list()));
    fields.push(InputValue::new("not", Ty::named(&name)));
    InputDef::new(&name, fields)
}

/// `@hasMany`: the field becomes a paginated connection to the related model.
pub fn transform_has_many(ctx: &mut Ctx, mi: usize) {
    let info = &ctx.models[mi];
    let name = info.ir.name.clone();
    let rels: Vec<(String, String)> = info
        .ir
        .fields
        .iter()
        .filter_map(|f| f.relationship.as_ref().filter(|r| r.kind == RelationshipKind::HasMany).map(|r| (f.name.clone(), r.related_model.clone())))
        .collect();
    for (field, related) in rels {
        let related_input = ctx.models.iter().find(|m| m.ir.name == related).map(|m| m.input.clone());
        let doc = &mut ctx.doc;
        ensure_connection(doc, &raw_connection_name(&related), &related);
        if let Some(f) = doc.object_mut(&name).and_then(|o| o.field_mut(&field)) {
            f.args = vec![
                InputValue::new("filter", Ty::named(raw_filter_name(&related))),
                InputValue::new("sortDirection", Ty::named("ModelSortDirection")),
                InputValue::new("limit", Ty::named("Int")),
                InputValue::new("nextToken", Ty::named("String")),
            ];
            f.ty = Ty::named(raw_connection_name(&related));
        }
        if let Some(related_input) = related_input {
            if !doc.has(&raw_filter_name(&related)) {
                let filter = index_filter_input(doc, &related, &related_input);
                doc.add_input(filter);
            }
        }
    }
}

/// `@default` on PostgreSQL models: the create input is rebuilt from the declared type with the
/// defaulted field optional (the transformer does this once per field, so the last one wins).
pub fn transform_default_values(ctx: &mut Ctx, mi: usize) {
    let info = &ctx.models[mi];
    if info.ir.database != "postgresql" {
        return;
    }
    let Some(last) = info.ir.fields.iter().rfind(|f| f.default.is_some()) else { return };
    let name = format!("Create{}Input", upper_first(&info.ir.name));
    if !ctx.doc.has(&name) {
        return;
    }
    let mut input = input_from_object(&ctx.doc, &name, &info.input, true);
    if let Some(f) = input.field_mut(&last.name) {
        f.ty = f.ty.clone().nullable();
    }
    ctx.doc.put(Def::Input(input));
}

/// The model as `@aws-amplify/data-schema` writes it into the directive SDL: declared fields only.
pub fn input_object(m: &Model) -> ObjectDef {
    use definition::ir::FieldOrigin;
    // The identifier's partition key is always written required (`.identifier()` implies it).
    let fields = m
        .fields
        .iter()
        .filter(|f| f.origin == FieldOrigin::Declared)
        .map(|f| {
            let ty = super::ty_of(&f.ty);
            Field::new(&f.name, if f.name == m.primary_key[0] && !f.ty.list { ty.non_null() } else { ty })
        })
        .collect();
    ObjectDef { name: m.name.clone(), fields, directives: vec![] }
}

pub fn new_model_info(m: &Model) -> ModelInfo<'_> {
    use definition::ir::FieldOrigin;
    let sql = m.database != "dynamodb";
    let primary_key_directive = m.primary_key_declared && m.field(&m.primary_key[0]).is_some_and(|f| f.origin == FieldOrigin::Declared);
    ModelInfo { ir: m, sql, input: input_object(m), ops: Ops::for_model(m), primary_key_directive, index_queries: vec![] }
}
