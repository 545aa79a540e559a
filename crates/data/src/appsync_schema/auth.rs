//! The schema side of `@auth` (graphql-auth-transformer): which AppSync auth directives go on
//! model types, their operations, nested non-model types and non-model fields, plus the owner
//! fields and owner subscription arguments it adds. Rules become roles in an access-control
//! matrix (role × field × operation) exactly as the transformer builds it, because the
//! directives of each operation depend on which roles can perform it.

use definition::ir::{AuthProvider, AuthRule, AuthStrategy};

use super::doc::{Directive, Doc, InputValue, Ty};
use super::model::{condition_name, filter_name, subscription_filter_name};
use super::Ctx;

/// `MODEL_OPERATIONS`.
const OPERATIONS: [&str; 8] = ["create", "update", "delete", "get", "list", "search", "listen", "sync"];
const READ_OPERATIONS: [&str; 5] = ["get", "list", "search", "listen", "sync"];

#[derive(Debug, Clone)]
pub struct Role {
    pub provider: AuthProvider,
    pub strategy: AuthStrategy,
    pub is_static: bool,
    /// Owner or groups field.
    pub entity: Option<String>,
}

/// `AccessControlMatrix`.
#[derive(Debug, Clone, Default)]
pub struct Acm {
    resources: Vec<String>,
    roles: Vec<(String, Role)>,
    matrix: Vec<Vec<[bool; 8]>>,
}

fn op_index(op: &str) -> Option<usize> {
    OPERATIONS.iter().position(|o| *o == op)
}

fn op_vector(ops: &[String]) -> [bool; 8] {
    let mut v = [false; 8];
    for op in ops {
        if let Some(i) = op_index(op) {
            v[i] = true;
        }
    }
    v
}

/// A rule's operations with `read` expanded, all operations when none are given.
fn rule_operations(rule: &AuthRule) -> Vec<String> {
    match &rule.operations {
        None => OPERATIONS.iter().map(|s| s.to_string()).collect(),
        Some(ops) => {
            let mut out: Vec<String> = ops.iter().filter(|o| *o != "read").cloned().collect();
            if ops.iter().any(|o| o == "read") {
                out.extend(READ_OPERATIONS.iter().map(|s| s.to_string()));
            }
            out
        }
    }
}

/// The roles one rule grants: `(role name, role)`.
fn rule_roles(rule: &AuthRule) -> Vec<(String, Role)> {
    let role = |name: String, is_static: bool, entity: Option<String>| {
        (name, Role { provider: rule.provider, strategy: rule.strategy, is_static, entity })
    };
    let provider = provider_name(rule.provider);
    if !rule.groups.is_empty() && rule.field.is_none() {
        let claim = rule.effective_group_claim();
        return rule.groups.iter().map(|g| role(format!("{provider}:staticGroup:{g}:{claim}"), true, Some(g.clone()))).collect();
    }
    let one = match rule.provider {
        AuthProvider::ApiKey => role("apiKey:public".into(), true, None),
        AuthProvider::Function => role("function:custom".into(), true, None),
        AuthProvider::Iam => role(format!("iam:{}", strategy_name(rule.strategy)), true, None),
        AuthProvider::UserPools | AuthProvider::Oidc => match rule.strategy {
            AuthStrategy::Groups => {
                let field = rule.field.clone().unwrap_or_else(|| "groups".into());
                role(format!("{provider}:dynamicGroup:{field}:{}", rule.effective_group_claim()), false, Some(field))
            }
            AuthStrategy::Owner => {
                let field = rule.field.clone().unwrap_or_else(|| "owner".into());
                let claim = rule.identity_claim.clone().unwrap_or_else(|| "sub::username".into());
                role(format!("{provider}:owner:{field}:{claim}"), false, Some(field))
            }
            _ => role(format!("{provider}:private"), true, None),
        },
    };
    vec![one]
}

fn provider_name(p: AuthProvider) -> &'static str {
    match p {
        AuthProvider::ApiKey => "apiKey",
        AuthProvider::Iam => "iam",
        AuthProvider::UserPools => "userPools",
        AuthProvider::Oidc => "oidc",
        AuthProvider::Function => "function",
    }
}

fn strategy_name(s: AuthStrategy) -> &'static str {
    match s {
        AuthStrategy::Public => "public",
        AuthStrategy::Private => "private",
        AuthStrategy::Owner => "owner",
        AuthStrategy::Groups => "groups",
        AuthStrategy::Custom => "custom",
    }
}

impl Acm {
    pub fn new(resources: Vec<String>) -> Acm {
        Acm { resources, ..Default::default() }
    }

    /// `convertRulesToRoles` + `setRole`.
    pub fn add_rules(&mut self, rules: &[AuthRule], field: Option<&str>, override_ops: Option<&[&str]>) {
        for rule in rules {
            let ops: Vec<String> = match override_ops {
                Some(o) => o.iter().map(|s| s.to_string()).collect(),
                None => rule_operations(rule),
            };
            let vector = op_vector(&ops);
            for (name, role) in rule_roles(rule) {
                let resource = field.and_then(|f| self.resources.iter().position(|r| r == f));
                match self.roles.iter().position(|(n, _)| *n == name) {
                    None => {
                        let row = (0..self.resources.len())
                            .map(|i| if resource.is_none() || resource == Some(i) { vector } else { [false; 8] })
                            .collect();
                        self.roles.push((name, role));
                        self.matrix.push(row);
                    }
                    Some(ri) => {
                        if let Some(i) = resource {
                            self.matrix[ri][i] = vector;
                        }
                    }
                }
            }
        }
    }

    /// `resetAccessForResource`.
    pub fn reset_resource(&mut self, field: &str) {
        if let Some(i) = self.resources.iter().position(|r| r == field) {
            for row in &mut self.matrix {
                row[i] = [false; 8];
            }
        }
    }

    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.iter().map(|(_, r)| r)
    }

    /// `getRolesPerOperation`: roles allowed the operation on some field (on every field when
    /// `full`).
    pub fn roles_for(&self, op: &str, full: bool) -> Vec<&Role> {
        let oi = op_index(op).expect("operation");
        self.roles
            .iter()
            .zip(&self.matrix)
            .filter(|(_, row)| if full { row.iter().all(|v| v[oi]) } else { row.iter().any(|v| v[oi]) })
            .map(|((_, r), _)| r)
            .collect()
    }
}

/// The service directives for a set of providers (`getServiceDirectives`).
pub struct Directives {
    default: AuthProvider,
}

const DIRECTIVE_ORDER: [(AuthProvider, &str); 5] = [
    (AuthProvider::ApiKey, "aws_api_key"),
    (AuthProvider::Iam, "aws_iam"),
    (AuthProvider::Oidc, "aws_oidc"),
    (AuthProvider::UserPools, "aws_cognito_user_pools"),
    (AuthProvider::Function, "aws_lambda"),
];

pub fn directive_name(p: AuthProvider) -> &'static str {
    DIRECTIVE_ORDER.iter().find(|(q, _)| *q == p).map(|(_, n)| *n).expect("provider")
}

impl Directives {
    pub fn new(default: AuthProvider) -> Directives {
        Directives { default }
    }

    /// `getAuthProviders`: the roles' providers plus IAM (Amplify always enables IAM access).
    pub fn providers<'r>(&self, roles: impl IntoIterator<Item = &'r Role>) -> Vec<AuthProvider> {
        let mut out = Vec::new();
        for r in roles {
            if !out.contains(&r.provider) {
                out.push(r.provider);
            }
        }
        if !out.contains(&AuthProvider::Iam) {
            out.push(AuthProvider::Iam);
        }
        out
    }

    pub fn service_directives(&self, providers: &[AuthProvider], add_default: bool) -> Vec<Directive> {
        if providers.is_empty() {
            return vec![];
        }
        let default = self.default;
        let has_other = providers.iter().any(|p| *p != default);
        let mut out = Vec::new();
        for (p, name) in DIRECTIVE_ORDER {
            if (p != default && providers.contains(&p)) || (p == default && has_other && add_default) {
                out.push(Directive::new(name));
            }
        }
        let default_name = directive_name(default);
        if providers.contains(&default) && has_other && !out.iter().any(|d| d.name == default_name) {
            out.push(Directive::new(default_name));
        }
        out
    }

    /// `shouldAddDefaultServiceDirective`: IAM access is on, so unless IAM is the default.
    fn should_add_default(&self) -> bool {
        self.default != AuthProvider::Iam
    }
}

/// The auth transformer's `transformSchema` for the models (after the non-model steps).
pub fn transform_models(ctx: &mut Ctx) {
    let dirs = Directives::new(ctx.modes.default);
    // One matrix per model with rules (type-level or field-level).
    let mut acms: Vec<Option<Acm>> = Vec::new();
    for info in &ctx.models {
        let resources: Vec<String> = info.input.fields.iter().map(|f| f.name.clone()).collect();
        let field_rules: Vec<(&str, &Vec<AuthRule>)> =
            info.ir.fields.iter().filter_map(|f| f.auth.as_ref().map(|a| (f.name.as_str(), a))).collect();
        if info.ir.auth.is_empty() && field_rules.is_empty() {
            acms.push(None);
            continue;
        }
        let mut acm = Acm::new(resources);
        let model_level = !info.ir.auth.is_empty();
        acm.add_rules(&info.ir.auth, None, None);
        for (field, rules) in field_rules {
            if model_level {
                acm.reset_resource(field);
            }
            acm.add_rules(rules, Some(field), None);
        }
        acms.push(Some(acm));
    }

    // removeAuthFieldsFromSubscriptionFilter
    for (info, acm) in ctx.models.iter().zip(&acms) {
        let Some(acm) = acm else { continue };
        for r in acm.roles() {
            if !r.is_static && matches!(r.provider, AuthProvider::UserPools | AuthProvider::Oidc) {
                if let (Some(e), Some(input)) = (&r.entity, ctx.doc.input_mut(&subscription_filter_name(&info.ir.name))) {
                    input.fields.retain(|f| f.name != *e);
                }
            }
        }
    }

    let mut seen_non_model: Vec<(String, Vec<String>)> = Vec::new();
    let model_names: Vec<String> = ctx.models.iter().map(|m| m.ir.name.clone()).collect();
    for (mi, acm) in acms.iter().enumerate() {
        let Some(acm) = acm else { continue };
        let info = &ctx.models[mi];
        let name = info.ir.name.clone();
        let mut owner_fields: Vec<String> = Vec::new();
        for r in acm.roles() {
            if r.strategy == AuthStrategy::Owner {
                if let Some(e) = &r.entity {
                    owner_fields.push(e.clone());
                }
            }
        }
        let doc = &mut ctx.doc;
        if !info.sql {
            for input in [filter_name(&name), condition_name(&name), subscription_filter_name(&name)] {
                if let Some(input) = doc.input_mut(&input) {
                    for o in &owner_fields {
                        input.add_missing(o, Ty::named("ModelStringInput"));
                    }
                }
            }
        }
        if let Some(obj) = doc.object_mut(&name) {
            for o in &owner_fields {
                if !obj.has_field(o) {
                    obj.fields.push(super::doc::Field::new(o, Ty::named("String")));
                }
            }
        }
        let providers = dirs.providers(acm.roles());
        let type_dirs = dirs.service_directives(&providers, false);
        doc.extend_type(&name, &type_dirs);

        // protectSchemaOperations
        let ops = info.ops.clone();
        let add_op = |doc: &mut Doc, parent: &str, op: &str, field: &str| {
            let roles = acm.roles_for(op, op == "delete");
            let include_default = roles.iter().any(|r| r.provider == dirs.default) || (roles.is_empty() && dirs.should_add_default());
            let providers = dirs.providers(roles.iter().copied());
            let d = dirs.service_directives(&providers, include_default);
            if !d.is_empty() {
                doc.extend_operation(parent, field, &d);
            }
        };
        for (op, field) in [("get", &ops.get), ("list", &ops.list)] {
            if let Some(f) = field {
                add_op(doc, "Query", op, f);
            }
        }
        for (op, field) in [("create", &ops.create), ("update", &ops.update), ("delete", &ops.delete)] {
            if let Some(f) = field {
                add_op(doc, "Mutation", op, f);
            }
        }
        for q in &info.index_queries {
            add_op(doc, "Query", "list", q);
            add_op(doc, "Query", "get", q);
        }
        let owner_args: Vec<String> = acm
            .roles_for("listen", false)
            .iter()
            .filter(|r| r.strategy == AuthStrategy::Owner)
            .filter_map(|r| r.entity.clone())
            .filter(|e| !doc.object(&name).and_then(|o| o.field(e)).is_some_and(|f| f.ty.is_list()))
            .collect();
        for (sub, _) in ops.subscriptions() {
            add_op(doc, "Subscription", "listen", &sub);
            if let Some(f) = doc.object_mut("Subscription").and_then(|o| o.field_mut(&sub)) {
                f.args.extend(owner_args.iter().map(|a| InputValue::new(a, Ty::named("String"))));
            }
        }

        // propagateAuthDirectivesToNestedTypes
        if let Some(obj) = doc.object(&name).cloned() {
            propagate(doc, &dirs, &obj.fields.iter().map(|f| f.ty.base().to_string()).collect::<Vec<_>>(), &providers, &model_names, &mut seen_non_model);
        }
    }
}

fn propagate(doc: &mut Doc, dirs: &Directives, field_types: &[String], providers: &[AuthProvider], models: &[String], seen: &mut Vec<(String, Vec<String>)>) {
    for t in field_types {
        if models.contains(t) {
            continue;
        }
        let Some(nested) = doc.object(t).cloned() else { continue };
        let seen_at = seen.iter().position(|(n, _)| n == t);
        let mut d = dirs.service_directives(providers, seen_at.is_some());
        match seen_at {
            None => seen.push((t.clone(), d.iter().map(|x| x.name.clone()).collect())),
            Some(i) => {
                d.retain(|x| !seen[i].1.contains(&x.name));
                seen[i].1.extend(d.iter().map(|x| x.name.clone()));
            }
        }
        if !d.is_empty() || seen_at.is_none() {
            doc.extend_type(t, &d);
            let nested_types: Vec<String> = nested.fields.iter().map(|f| f.ty.base().to_string()).collect();
            propagate(doc, dirs, &nested_types, providers, models, seen);
        }
    }
}

/// Field-level `@auth` on a non-model type or a custom operation: the providers of its static
/// rules (owner and dynamic-group rules do not apply there).
pub fn non_model_field_directives(default: AuthProvider, rules: &[AuthRule]) -> Vec<Directive> {
    let dirs = Directives::new(default);
    let statics: Vec<AuthRule> = rules.iter().filter(|r| r.strategy != AuthStrategy::Owner && r.field.is_none()).cloned().collect();
    let mut acm = Acm::new(vec!["field".into()]);
    acm.add_rules(&statics, Some("field"), Some(&["list", "get", "search", "listen", "sync"]));
    let providers = dirs.providers(acm.roles());
    dirs.service_directives(&providers, false)
}
