//! `@primaryKey` and `@index` (graphql-index-transformer): key arguments on the get and list
//! queries, index query fields, key-condition inputs and key fields in the mutation inputs.

use super::doc::{Directive, Doc, Field, InputValue, Ty};
use super::inputs::*;
use super::model::{ensure_connection, index_filter_input, raw_condition_name, raw_connection_name, raw_filter_name};
use super::Ctx;

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
            .filter(|f| !(key_names.contains(&f.name.as_str()) || f.name == "id" && f.ty.base() == "ID"))
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
    if let Some(cond) = doc.input_mut(&raw_condition_name(&name)) {
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
    // Index queries of a model without `@auth` are made IAM-accessible right here.
    let iam_only = info.ir.auth.is_empty() && ctx.modes.default != definition::ir::AuthProvider::Iam;
    let mut queries = Vec::new();
    let doc = &mut ctx.doc;
    for idx in &indexes {
        let Some(pk) = input.field(&idx.partition_key) else { continue };
        let sort: Vec<(String, Ty)> = idx.sort_keys.iter().filter_map(|k| input.field(k)).map(|f| (f.name.clone(), f.ty.clone())).collect();
        if let Some(qf) = &idx.query_field {
            let mut args = vec![InputValue::new(&pk.name, Ty::named(pk.ty.base()).non_null())];
            args.extend(sort_key_argument(doc, &name, Some(&idx.name), &sort));
            args.push(InputValue::new("sortDirection", Ty::named("ModelSortDirection")));
            args.push(InputValue::new("filter", Ty::named(raw_filter_name(&name))));
            args.push(InputValue::new("limit", Ty::named("Int")));
            args.push(InputValue::new("nextToken", Ty::named("String")));
            let mut f = Field::new(qf, Ty::named(raw_connection_name(&name)));
            f.args = args;
            if iam_only {
                f.directives.push(Directive::new("aws_iam"));
            }
            doc.ensure_object("Query").fields.push(f);
            queries.push(qf.clone());
            add_enum_filters(doc, &input);
            let filter = index_filter_input(doc, &name, &input);
            doc.add_input(filter);
            ensure_connection(doc, &raw_connection_name(&name), &name);
        }
        add_key_condition_inputs(doc, &name, Some(&idx.name), &sort);
        if let Some(cond) = doc.input_mut(&raw_condition_name(&name)) {
            cond.fields.retain(|f| f.name != "id");
        }
    }
    ctx.models[mi].index_queries = queries;
}
