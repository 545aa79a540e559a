//! Custom types, enums and custom operations: what `@aws-amplify/data-schema` writes for them
//! into the directive SDL (native AppSync directives for `a.handler.custom`, `@auth` otherwise,
//! auth inherited by returned custom types, `<Type>Input` for custom-type arguments), and what
//! the transformer then adds (`@aws_iam` everywhere, field-level `@auth` directives).

use std::collections::HashSet;

use definition::ir::{AuthProvider, AuthRule, AuthStrategy, BaseType, CustomOperation, Handler, OperationKind, Schema, TypeRef};

use super::auth::non_model_field_directives;
use super::doc::{Def, Directive, Doc, EnumDef, Field, InputDef, InputValue, ObjectDef, Ty};
use super::inputs::upper_first;
use super::ty_of;

/// Custom types that exist only as inline argument types (`<Op><Arg>` and their inline
/// children): data-schema turns those into inputs and never writes the object type.
pub fn argument_only_types(schema: &Schema) -> HashSet<String> {
    fn collect(schema: &Schema, name: &str, out: &mut HashSet<String>) {
        if !out.insert(name.to_string()) {
            return;
        }
        let Some(t) = schema.custom_type(name) else { return };
        for f in &t.fields {
            if let BaseType::CustomType(nested) = &f.ty.base {
                if *nested == format!("{name}{}", upper_first(&f.name)) {
                    collect(schema, nested, out);
                }
            }
        }
    }
    let mut out = HashSet::new();
    for op in all_operations(schema) {
        for a in &op.arguments {
            if let BaseType::CustomType(name) = &a.ty.base {
                if *name == format!("{}{}", upper_first(&op.name), upper_first(&a.name)) {
                    collect(schema, name, &mut out);
                }
            }
        }
    }
    out
}

pub fn all_operations(schema: &Schema) -> impl Iterator<Item = &CustomOperation> {
    schema.queries.iter().chain(&schema.mutations).chain(&schema.subscriptions)
}

/// `a.handler.custom` operations carry native AppSync directives; the others `@auth`.
fn is_custom_handler(op: &CustomOperation) -> bool {
    matches!(op.handlers.first(), Some(Handler::Custom { .. }))
}

/// `mapToNativeAppSyncAuthDirectives`.
pub fn native_directives(rules: &[AuthRule]) -> Vec<Directive> {
    let mut general: Vec<&str> = Vec::new();
    let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
    for r in rules {
        let name = match (r.strategy, r.provider) {
            (AuthStrategy::Public, AuthProvider::ApiKey) => "aws_api_key",
            (AuthStrategy::Public | AuthStrategy::Private, AuthProvider::Iam) => "aws_iam",
            (AuthStrategy::Private | AuthStrategy::Groups, AuthProvider::UserPools) => "aws_cognito_user_pools",
            (AuthStrategy::Private, AuthProvider::Oidc) => "aws_oidc",
            (AuthStrategy::Custom, AuthProvider::Function) => "aws_lambda",
            _ => continue,
        };
        if !r.groups.is_empty() {
            match groups.iter_mut().find(|(n, _)| *n == name) {
                Some((_, gs)) => {
                    for g in &r.groups {
                        if !gs.contains(g) {
                            gs.push(g.clone());
                        }
                    }
                }
                None => groups.push((name, r.groups.clone())),
            }
        } else if !general.contains(&name) {
            general.push(name);
        }
    }
    let mut out: Vec<Directive> = general.iter().map(|n| Directive::new(n)).collect();
    for (name, gs) in groups {
        if !general.contains(&name) {
            let list: Vec<String> = gs.iter().map(|g| format!("\"{g}\"")).collect();
            out.push(Directive::with_args(name, format!("cognito_groups: [{}]", list.join(", "))));
        }
    }
    out
}

/// The type a custom operation returns. A subscription without `.returns()` returns what its
/// first source returns (the IR records `String` for those).
fn return_type(schema: &Schema, op: &CustomOperation) -> (TypeRef, bool) {
    if op.kind == OperationKind::Subscription {
        if let Some(src) = op.subscription_sources.first() {
            if let Some(m) = schema.mutations.iter().find(|m| m.name == *src) {
                // Inline return types of the source are not inherited through the subscription.
                let inline = matches!(&m.returns.base, BaseType::CustomType(n) if *n == format!("{}ReturnType", upper_first(&m.name)));
                return (m.returns.clone(), !inline);
            }
            if let Some(model) = schema.models.iter().find(|md| src.ends_with(&md.name) && ["create", "update", "delete"].iter().any(|p| *src == format!("{p}{}", md.name))) {
                return (TypeRef { base: BaseType::Model(model.name.clone()), required: false, list: false, list_required: false }, true);
            }
        }
    }
    (op.returns.clone(), true)
}

/// Argument types: custom types become `<Type>Input`.
fn argument_type(t: &TypeRef) -> Ty {
    match &t.base {
        BaseType::CustomType(n) => ty_of(t).with_base(&format!("{n}Input")),
        _ => ty_of(t),
    }
}

/// The directive SDL's non-model part: enums, custom types (with inherited operation auth),
/// argument inputs and the custom operations. Returns the operations' `@auth` rules (non-custom
/// handlers), applied later by the auth step.
pub fn add_custom_definitions(doc: &mut Doc, schema: &Schema) -> Vec<(String, String, Vec<AuthRule>)> {
    for e in &schema.enums {
        doc.add(Def::Enum(EnumDef { name: e.name.clone(), values: e.values.clone() }));
    }

    // Custom types returned by operations inherit their rules (and so do nested custom types).
    let mut inherited: Vec<(String, Vec<AuthRule>)> = Vec::new();
    for op in all_operations(schema) {
        let (ret, inherits) = return_type(schema, op);
        let BaseType::CustomType(t) = &ret.base else { continue };
        if !inherits {
            continue;
        }
        let mut names = vec![t.clone()];
        nested_custom_types(schema, t, &mut names);
        for n in names {
            match inherited.iter_mut().find(|(x, _)| *x == n) {
                Some((_, rules)) => rules.extend(op.auth.iter().cloned()),
                None => inherited.push((n, op.auth.clone())),
            }
        }
    }

    let argument_only = argument_only_types(schema);
    for t in schema.custom_types.iter().filter(|t| !argument_only.contains(&t.name)) {
        let fields = t.fields.iter().map(|f| Field::new(&f.name, ty_of(&f.ty))).collect();
        let directives = inherited.iter().find(|(n, _)| *n == t.name).map(|(_, r)| native_directives(r)).unwrap_or_default();
        doc.add(Def::Object(ObjectDef { name: t.name.clone(), fields, directives }));
    }

    // Inputs for custom-type arguments.
    let mut inputs: Vec<String> = Vec::new();
    for op in all_operations(schema) {
        for a in &op.arguments {
            if let BaseType::CustomType(n) = &a.ty.base {
                collect_inputs(schema, n, &mut inputs);
            }
        }
    }
    for n in inputs {
        let Some(t) = schema.custom_type(&n) else { continue };
        let fields = t.fields.iter().map(|f| InputValue::new(&f.name, argument_type(&f.ty))).collect();
        doc.add_input(InputDef::new(&format!("{n}Input"), fields));
    }

    let mut auth_rules = Vec::new();
    for (kind, ops) in [("Query", &schema.queries), ("Mutation", &schema.mutations), ("Subscription", &schema.subscriptions)] {
        for op in ops.iter() {
            let (ret, _) = return_type(schema, op);
            let mut f = Field::new(&op.name, ty_of(&ret));
            f.args = op.arguments.iter().map(|a| InputValue::new(&a.name, argument_type(&a.ty))).collect();
            if is_custom_handler(op) {
                f.directives = native_directives(&op.auth);
            } else if !op.auth.is_empty() {
                auth_rules.push((kind.to_string(), op.name.clone(), op.auth.clone()));
            }
            if op.kind == OperationKind::Subscription && !op.subscription_sources.is_empty() {
                let list: Vec<String> = op.subscription_sources.iter().map(|s| format!("\"{s}\"")).collect();
                f.directives.insert(0, Directive::with_args("aws_subscribe", format!("mutations: [{}]", list.join(", "))));
            }
            doc.ensure_object(kind).fields.push(f);
        }
    }
    auth_rules
}

fn nested_custom_types(schema: &Schema, name: &str, out: &mut Vec<String>) {
    let Some(t) = schema.custom_type(name) else { return };
    for f in &t.fields {
        if let BaseType::CustomType(n) = &f.ty.base {
            if !out.contains(n) {
                out.push(n.clone());
                nested_custom_types(schema, n, out);
            }
        }
    }
}

fn collect_inputs(schema: &Schema, name: &str, out: &mut Vec<String>) {
    if out.iter().any(|n| n == name) {
        return;
    }
    out.push(name.to_string());
    let Some(t) = schema.custom_type(name) else { return };
    for f in &t.fields {
        if let BaseType::CustomType(n) = &f.ty.base {
            collect_inputs(schema, n, out);
        }
    }
}

/// The auth transformer's steps for non-model parts: `@aws_iam` on every custom operation and
/// every non-model object type of the directive SDL, then field-level `@auth` directives.
pub fn transform_auth(doc: &mut Doc, schema: &Schema, default: AuthProvider, op_rules: &[(String, String, Vec<AuthRule>)], sdl_types: &[String]) {
    let iam = [Directive::new("aws_iam")];
    for kind in ["Query", "Mutation", "Subscription"] {
        if !sdl_types.iter().any(|t| t == kind) {
            continue;
        }
        let ops: Vec<String> = all_operations(schema).filter(|o| op_type(o) == kind).map(|o| o.name.clone()).collect();
        for op in ops {
            doc.extend_field(kind, &op, &iam);
        }
    }
    for t in sdl_types {
        doc.extend_type(t, &iam);
    }
    for (kind, op, rules) in op_rules {
        let d = non_model_field_directives(default, rules);
        doc.extend_field(kind, op, &d);
    }
    let argument_only = argument_only_types(schema);
    for t in schema.custom_types.iter().filter(|t| !argument_only.contains(&t.name)) {
        for f in &t.fields {
            if let Some(rules) = &f.auth {
                let d = non_model_field_directives(default, rules);
                doc.extend_field(&t.name, &f.name, &d);
            }
        }
    }
}

fn op_type(op: &CustomOperation) -> &'static str {
    match op.kind {
        OperationKind::Query => "Query",
        OperationKind::Mutation => "Mutation",
        OperationKind::Subscription => "Subscription",
    }
}
