//! `@model` (graphql-model-transformer), `@primaryKey`/`@index` (graphql-index-transformer) and
//! the schema side of `@hasMany` (graphql-relational-transformer), in the order the transformer
//! chain runs them.

use definition::ir::{Model, RelationshipKind};
use definition::naming::plural;

use super::doc::{Def, Directive, Doc, Field, InputDef, InputValue, ObjectDef, Ty};
use super::inputs::*;
use super::{Ctx, ModelInfo};

/// The operation names `@model` generates, `None` where `disableOperations` removed one.
#[derive(Debug, Clone, Default)]
pub struct Ops {
    pub get: Option<String>,
    pub list: Option<String>,
    pub create: Option<String>,
    pub update: Option<String>,
    pub delete: Option<String>,
    pub on_create: Option<String>,
    pub on_update: Option<String>,
    pub on_delete: Option<String>,
}

impl Ops {
    pub fn for_model(m: &Model) -> Ops {
        let name = &m.name;
        let off = |op: &str, coarse: &str| m.disabled_operations.iter().any(|d| d == op || d == coarse);
        let make = |op: &str, coarse: &str, v: String| (!off(op, coarse)).then_some(v);
        Ops {
            get: make("get", "queries", camel_case(&["get", name])),
            list: make("list", "queries", camel_case(&["list", &plural(name)])),
            create: make("create", "mutations", camel_case(&["create", name])),
            update: make("update", "mutations", camel_case(&["update", name])),
            delete: make("delete", "mutations", camel_case(&["delete", name])),
            on_create: make("onCreate", "subscriptions", camel_case(&["onCreate", name])),
            on_update: make("onUpdate", "subscriptions", camel_case(&["onUpdate", name])),
            on_delete: make("onDelete", "subscriptions", camel_case(&["onDelete", name])),
        }
    }

    /// Subscriptions exist only with their mutation: `(subscription, mutation)`.
    pub fn subscriptions(&self) -> Vec<(String, String)> {
        [(&self.on_create, &self.create), (&self.on_update, &self.update), (&self.on_delete, &self.delete)]
            .into_iter()
            .filter_map(|(s, m)| Some((s.clone()?, m.clone()?)))
            .collect()
    }
}

fn connection_name(model: &str) -> String {
    format!("Model{model}Connection")
}

fn filter_name(model: &str) -> String {
    format!("Model{model}FilterInput")
}

fn condition_name(model: &str) -> String {
    format!("Model{model}ConditionInput")
}

pub fn subscription_filter_name(model: &str) -> String {
    format!("ModelSubscription{model}FilterInput")
}

fn ensure_connection(doc: &mut Doc, model: &str) {
    let items = Field::new("items", Ty::named(model).list().non_null());
    let next = Field::new("nextToken", Ty::named("String"));
    doc.add(Def::Object(ObjectDef { name: connection_name(model), fields: vec![items, next], directives: vec![] }));
}

/// The model transformer's `transformSchema` for one model.
pub fn transform_model(ctx: &mut Ctx, mi: usize) {
    let info = &ctx.models[mi];
    let name = info.ir.name.clone();
    let before = info.input.clone();
    let ops = info.ops.clone();
    let dynamo = !info.sql;
    let timestamps = info.ir.timestamps && dynamo;
    let model_names: Vec<String> = ctx.models.iter().map(|m| m.ir.name.clone()).collect();
    let doc = &mut ctx.doc;

    // addAutoGeneratableFields
    let mut def = before.clone();
    if dynamo {
        if !def.has_field("id") {
            def.fields.push(Field::new("id", Ty::named("ID").non_null()));
        }
        if timestamps {
            for ts in ["createdAt", "updatedAt"] {
                if !def.has_field(ts) {
                    def.fields.push(Field::new(ts, Ty::named("AWSDateTime").non_null()));
                }
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
        ensure_connection(doc, &name);
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
        if timestamps {
            for ts in ["createdAt", "updatedAt"] {
                cond.add_missing(ts, Ty::named("ModelStringInput"));
            }
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
                nullable_timestamps(&mut input);
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
                nullable_timestamps(&mut input);
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

fn nullable_timestamps(input: &mut InputDef) {
    for ts in ["createdAt", "updatedAt"] {
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

/// `@primaryKey`: key arguments on get/list, key inputs, key fields in mutation inputs.
pub fn transform_primary_key(ctx: &mut Ctx, mi: usize) {
    let info = &ctx.models[mi];
    if !info.primary_key_directive {
        return;
    }
    let name = info.ir.name.clone();
    let input = info.input.clone();
    let ops = info.ops.clone();
    let sql = info.sql;
    let key_field = |k: &str| input.field(k).map(|f| (f.name.clone(), f.ty.clone()));
    let Some((pk, pk_ty)) = key_field(&info.ir.primary_key[0]) else { return };
    let sort: Vec<(String, Ty)> = info.ir.primary_key[1..].iter().filter_map(|k| key_field(k)).collect();
    let doc = &mut ctx.doc;

    let sort_field = sort_key_argument(doc, &name, None, &sort);
    if let Some(query) = doc.object_mut("Query") {
        if let Some(get) = ops.get.as_ref().and_then(|g| query.field_mut(g)) {
            let mut args = vec![InputValue::new(&pk, Ty::named(pk_ty.base()).non_null())];
            args.extend(sort.iter().map(|(n, t)| InputValue::new(n, Ty::named(t.base()).non_null())));
            get.args = args;
        }
        if let Some(list) = ops.list.as_ref().and_then(|l| query.field_mut(l)) {
            let mut args = vec![InputValue::new(&pk, Ty::named(pk_ty.base()))];
            if !sql {
                args.extend(sort_field.clone());
            }
            args.append(&mut list.args);
            args.push(InputValue::new("sortDirection", Ty::named("ModelSortDirection")));
            list.args = args;
        }
    }

    // updateInputObjects
    let has_id = input.has_field("id");
    let key_names: Vec<&str> = std::iter::once(pk.as_str()).chain(sort.iter().map(|(n, _)| n.as_str())).collect();
    if !has_id {
        if let Some(create) = doc.input_mut(&format!("Create{}Input", upper_first(&name))) {
            create.fields.retain(|f| f.name != "id");
        }
    }
    if let Some(update) = doc.input_mut(&format!("Update{}Input", upper_first(&name))) {
        update.fields.retain(|f| has_id || f.name != "id");
        for f in &mut update.fields {
            if key_names.contains(&f.name.as_str()) {
                f.ty = f.ty.with_base(f.ty.base()).non_null();
            } else if f.name == "id" {
                f.ty = f.ty.clone().nullable();
            }
        }
    }
    if let Some(delete) = doc.input_mut(&format!("Delete{}Input", upper_first(&name))) {
        let mut fields: Vec<InputValue> = std::iter::once((&pk, &pk_ty))
            .chain(sort.iter().map(|(n, t)| (n, t)))
            .map(|(n, t)| InputValue::new(n, Ty::named(t.base()).non_null()))
            .collect();
        let rest: Vec<InputValue> = delete
            .fields
            .iter()
            .filter(|f| !key_names.contains(&f.name.as_str()) && !(f.name == "id" && f.ty.base() == "ID"))
            .cloned()
            .collect();
        fields.extend(rest);
        delete.fields = fields;
    }
    // removeAutoCreatedPrimaryKey
    if !has_id {
        if let Some(obj) = doc.object_mut(&name) {
            obj.fields.retain(|f| f.name != "id");
        }
    }
    add_key_condition_inputs(doc, &name, None, &sort);
    if let Some(cond) = doc.input_mut(&condition_name(&name)) {
        cond.fields.retain(|f| f.name != "id" && !key_names.contains(&f.name.as_str()));
    }
}

/// The sort-key argument of a key query: one key's condition input, or the composite one.
fn sort_key_argument(doc: &Doc, model: &str, index: Option<&str>, sort: &[(String, Ty)]) -> Option<InputValue> {
    match sort.len() {
        0 => None,
        1 => {
            let (n, t) = &sort[0];
            Some(InputValue::new(n, Ty::named(format!("Model{}KeyConditionInput", key_scalar(doc, t)))))
        }
        _ => {
            let names: Vec<&str> = sort.iter().map(|(n, _)| n.as_str()).collect();
            let key = upper_first(index.unwrap_or("Primary"));
            Some(InputValue::new(&camel_case(&names), Ty::named(format!("Model{model}{key}CompositeKeyConditionInput"))))
        }
    }
}

fn add_key_condition_inputs(doc: &mut Doc, model: &str, index: Option<&str>, sort: &[(String, Ty)]) {
    match sort.len() {
        0 => {}
        1 => {
            if let Some(input) = key_condition_input(&key_scalar(doc, &sort[0].1)) {
                doc.add_input(input);
            }
        }
        _ => {
            for input in composite_key_inputs(model, &upper_first(index.unwrap_or("Primary")), sort) {
                doc.add_input(input);
            }
        }
    }
}

/// `@index`: the index query field with its inputs; returns the query field names.
pub fn transform_indexes(ctx: &mut Ctx, mi: usize) {
    let info = &ctx.models[mi];
    let name = info.ir.name.clone();
    let input = info.input.clone();
    let indexes = info.ir.indexes.clone();
    let mut queries = Vec::new();
    let doc = &mut ctx.doc;
    for idx in &indexes {
        let Some(pk) = input.field(&idx.partition_key) else { continue };
        let sort: Vec<(String, Ty)> = idx.sort_keys.iter().filter_map(|k| input.field(k)).map(|f| (f.name.clone(), f.ty.clone())).collect();
        if let Some(qf) = &idx.query_field {
            let mut args = vec![InputValue::new(&pk.name, Ty::named(pk.ty.base()).non_null())];
            args.extend(sort_key_argument(doc, &name, Some(&idx.name), &sort));
            args.push(InputValue::new("sortDirection", Ty::named("ModelSortDirection")));
            args.push(InputValue::new("filter", Ty::named(filter_name(&name))));
            args.push(InputValue::new("limit", Ty::named("Int")));
            args.push(InputValue::new("nextToken", Ty::named("String")));
            let mut f = Field::new(qf, Ty::named(connection_name(&name)));
            f.args = args;
            doc.ensure_object("Query").fields.push(f);
            queries.push(qf.clone());
            add_enum_filters(doc, &input);
            let filter = index_filter_input(doc, &name, &input);
            doc.add_input(filter);
            ensure_connection(doc, &name);
        }
        add_key_condition_inputs(doc, &name, Some(&idx.name), &sort);
        if let Some(cond) = doc.input_mut(&condition_name(&name)) {
            cond.fields.retain(|f| f.name != "id");
        }
    }
    ctx.models[mi].index_queries = queries;
}

/// The index and relational transformers' own `Model<X>FilterInput` (used when `@model` made none):
/// the declared scalar and enum fields only.
fn index_filter_input(doc: &Doc, model: &str, input: &ObjectDef) -> InputDef {
    let name = filter_name(model);
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
        ensure_connection(doc, &related);
        if let Some(f) = doc.object_mut(&name).and_then(|o| o.field_mut(&field)) {
            f.args = vec![
                InputValue::new("filter", Ty::named(filter_name(&related))),
                InputValue::new("sortDirection", Ty::named("ModelSortDirection")),
                InputValue::new("limit", Ty::named("Int")),
                InputValue::new("nextToken", Ty::named("String")),
            ];
            f.ty = Ty::named(connection_name(&related));
        }
        if let Some(related_input) = related_input {
            if !doc.has(&filter_name(&related)) {
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
    let Some(last) = info.ir.fields.iter().filter(|f| f.default.is_some()).last() else { return };
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
    let fields = m
        .fields
        .iter()
        .filter(|f| f.origin == FieldOrigin::Declared)
        .map(|f| Field::new(&f.name, super::ty_of(&f.ty)))
        .collect();
    ObjectDef { name: m.name.clone(), fields, directives: vec![] }
}

pub fn new_model_info(m: &Model, from_sdl: bool) -> ModelInfo<'_> {
    use definition::ir::FieldOrigin;
    let sql = m.database != "dynamodb";
    let pk_declared = m.field(&m.primary_key[0]).is_some_and(|f| f.origin == FieldOrigin::Declared);
    // Gen 1 SDL spells `@primaryKey` out; on a plain `id` we cannot tell, and assume it absent.
    let primary_key_directive = pk_declared && (sql || !from_sdl || m.primary_key != ["id"]);
    ModelInfo { ir: m, sql, input: input_object(m), ops: Ops::for_model(m), primary_key_directive, index_queries: vec![] }
}
