//! The AppSync schema Amplify deploys for a data schema, computed from the IR instead of by
//! Amplify's GraphQL transformer.
//!
//! Amplify writes the schema as directive SDL (`@model`, `@auth`, `@index`, ...) with
//! `@aws-amplify/data-schema`, then `@aws-amplify/graphql-api-construct` runs its transformer
//! chain over it (model, function, primary key, index, relational, default value, auth, ...)
//! and deploys the printed result. [`appsync_schema`] mirrors both steps over the typed IR:
//! each submodule follows one transformer, in the chain's order, so that every type, field,
//! argument and AppSync auth directive comes out as the real tooling prints it (the tests
//! compare with goldens it produced).
//!
//! Not covered (the IR cannot express them today): Gen 1 relationships without `references`
//! (implicit `<model><Field>Id` connection fields), subscription names over 50 characters
//! (Amplify shortens them with an md5 suffix), sandbox mode for models without `@auth`,
//! `@searchable`, conversation and generation routes.

mod auth;
mod custom;
mod doc;
pub(crate) mod inputs;
mod keys;
pub(crate) mod model;

use definition::ir::{AuthProvider, AuthorizationModes, Model, Schema, TypeRef};

use doc::{Directive, Doc, InputDef, InputValue, ObjectDef, Ty};

/// The AppSync schema (SDL) for a data schema and its authorization modes.
pub fn appsync_schema(schema: &Schema, modes: &AuthorizationModes) -> String {
    let mut ctx = Ctx {
        modes,
        doc: Doc::default(),
        models: schema.models.iter().map(model::new_model_info).collect(),
    };

    // The directive SDL data-schema writes: models, then enums, custom types and operations.
    for m in &ctx.models {
        ctx.doc.add(doc::Def::Object(m.input.clone()));
    }
    let op_rules = custom::add_custom_definitions(&mut ctx.doc, schema);
    let argument_only = custom::argument_only_types(schema);
    // Its non-model object types (the auth transformer gives each `@aws_iam`).
    let mut non_model_types: Vec<String> =
        schema.custom_types.iter().filter(|t| !argument_only.contains(&t.name)).map(|t| t.name.clone()).collect();
    for (kind, ops) in [("Query", &schema.queries), ("Mutation", &schema.mutations), ("Subscription", &schema.subscriptions)] {
        if !ops.is_empty() {
            non_model_types.push(kind.to_string());
        }
    }

    // The conversation transformer always declares this input.
    ctx.doc.add_input(InputDef::new(
        "AmplifyAIConversationTurnErrorInput",
        vec![InputValue::new("errorType", Ty::named("String").non_null()), InputValue::new("message", Ty::named("String").non_null())],
    ));
    inputs::add_model_condition_inputs(&mut ctx.doc);
    for i in 0..ctx.models.len() {
        model::transform_model(&mut ctx, i);
        unauthorized_model_directives(&mut ctx, i);
    }
    for i in 0..ctx.models.len() {
        keys::transform_primary_key(&mut ctx, i);
    }
    for i in 0..ctx.models.len() {
        keys::transform_indexes(&mut ctx, i);
    }
    for i in 0..ctx.models.len() {
        model::transform_has_many(&mut ctx, i);
    }
    for i in 0..ctx.models.len() {
        model::transform_default_values(&mut ctx, i);
    }
    custom::transform_auth(&mut ctx.doc, schema, modes.default, &op_rules, &non_model_types);
    auth::transform_models(&mut ctx);
    ctx.doc.print()
}

pub(crate) struct Ctx<'a> {
    pub modes: &'a AuthorizationModes,
    pub doc: Doc,
    pub models: Vec<ModelInfo<'a>>,
}

pub(crate) struct ModelInfo<'a> {
    pub ir: &'a Model,
    pub sql: bool,
    /// The model as declared in the directive SDL.
    pub input: ObjectDef,
    pub ops: model::Ops,
    /// data-schema marks the identifier with `@primaryKey` (when its partition key is declared).
    pub primary_key_directive: bool,
    /// Query fields of the model's secondary indexes.
    pub index_queries: Vec<String>,
}

/// The GraphQL type of an IR type reference.
pub(crate) fn ty_of(t: &TypeRef) -> Ty {
    let mut ty = Ty::named(t.base.name());
    if t.required {
        ty = ty.non_null();
    }
    if t.list {
        ty = ty.list();
        if t.list_required {
            ty = ty.non_null();
        }
    }
    ty
}

/// A model without `@auth` (possible in Gen 1 SDL): the model transformer makes its type and
/// operations IAM-accessible, since Amplify always enables IAM access.
fn unauthorized_model_directives(ctx: &mut Ctx, mi: usize) {
    let info = &ctx.models[mi];
    if !info.ir.auth.is_empty() || ctx.modes.default == AuthProvider::Iam {
        return;
    }
    let dirs = [Directive::new("aws_iam")];
    let name = info.ir.name.clone();
    let ops = info.ops.clone();
    let doc = &mut ctx.doc;
    doc.extend_type(&name, &dirs);
    let mut seen = Vec::new();
    let mut pending = vec![name.clone()];
    while let Some(t) = pending.pop() {
        let Some(obj) = doc.object(&t).cloned() else { continue };
        for f in &obj.fields {
            let base = f.ty.base().to_string();
            if ctx.models.iter().any(|m| m.ir.name == base) || seen.contains(&base) || doc.object(&base).is_none() {
                continue;
            }
            seen.push(base.clone());
            doc.extend_type(&base, &dirs);
            pending.push(base);
        }
    }
    for q in [&ops.get, &ops.list].into_iter().flatten() {
        doc.extend_operation("Query", q, &dirs);
    }
    for m in [&ops.create, &ops.update, &ops.delete].into_iter().flatten() {
        doc.extend_operation("Mutation", m, &dirs);
    }
    for (s, _) in ops.subscriptions() {
        doc.extend_operation("Subscription", &s, &dirs);
    }
}
