//! Who is calling, and what Amplify's `@auth` rules let them do.
//!
//! [`identify`] turns a request's headers into a [`Caller`] the way AppSync picks the
//! authorization mode: `x-api-key` → API key; `Authorization: AWS4-HMAC-SHA256 …` → IAM (SigV4
//! with identity-pool credentials); any other `Authorization` → a user-pool JWT. A missing,
//! unknown or expired credential is a 401 before any GraphQL runs.
//!
//! [`decide`] evaluates rules for one operation: deny by default; rules are OR-ed; a rule applies
//! when its provider is the caller's and its operations include the one asked for (`read` = get,
//! list, listen, search, sync). Owner and dynamic-group rules grant access only to the items whose
//! owner/group field names the caller ([`Access::Items`]).

use axum::http::HeaderMap;
use context::ServiceContext;
use definition::ir::{AuthProvider, AuthRule, AuthStrategy};
use serde_json::{Map, Value};
use store::{FieldPath, Filter, Op};

use super::error::DataError;
use super::plan::ModelPlan;
use super::request::RequestCtx;

/// The authenticated caller of one request.
#[derive(Debug, Clone)]
pub enum Caller {
    ApiKey,
    /// A user-pool access or id token.
    UserPool(UserIdentity),
    /// SigV4 with identity-pool credentials.
    Iam(IamIdentity),
    /// Admitted by the API's Lambda authorizer (`allow.custom()`).
    Lambda(super::lambda::LambdaIdentity),
    /// A JWT of the `oidcAuthorizationMode` issuer ([`super::oidc`]).
    Oidc(UserIdentity),
}

#[derive(Debug, Clone)]
pub struct UserIdentity {
    pub sub: String,
    pub username: String,
    pub groups: Vec<String>,
    /// Every claim of the token (for custom identity and group claims).
    pub claims: serde_json::Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IamKind {
    Guest,
    Authenticated,
    /// The sandbox administrator's credentials: everything is allowed.
    Admin,
}

#[derive(Debug, Clone)]
pub struct IamIdentity {
    pub kind: IamKind,
    pub identity_id: String,
    /// The function whose own credentials signed the request (see [`function_may`]).
    pub function: Option<String>,
}

/// Whether the caller may run an operation of this type (`query`, `mutate`, `listen`): a
/// function's credentials only what its schema-level `allow.resource(fn).to([...])` grants, as
/// the IAM policy Amplify gives the function's role covers only those root types; every other
/// caller is decided per field by the rules.
pub fn function_may(caller: &Caller, schema: &definition::ir::Schema, operation: &str) -> Result<(), String> {
    let Caller::Iam(IamIdentity { function: Some(name), .. }) = caller else { return Ok(()) };
    let granted = schema.function_access.iter().filter(|a| a.function == *name).flat_map(|a| a.operations.iter());
    let granted: Vec<&String> = granted.collect();
    if granted.iter().any(|o| *o == operation) {
        Ok(())
    } else {
        let list: Vec<&str> = granted.iter().map(|s| s.as_str()).collect();
        Err(format!("Not Authorized: function {name} may only {} this API (allow.resource({name}).to([...]) in the schema's authorization)", list.join(", ")))
    }
}

impl Caller {
    pub fn provider(&self) -> AuthProvider {
        match self {
            Caller::ApiKey => AuthProvider::ApiKey,
            Caller::UserPool(_) => AuthProvider::UserPools,
            Caller::Iam(_) => AuthProvider::Iam,
            Caller::Lambda(_) => AuthProvider::Function,
            Caller::Oidc(_) => AuthProvider::Oidc,
        }
    }

    /// The owner values this caller matches for an identity claim (`sub::username` matches the
    /// combined value Amplify stores, and the bare `sub` or `username` of older records).
    pub fn owner_values(&self, claim: &str) -> Vec<String> {
        let (Caller::UserPool(u) | Caller::Oidc(u)) = self else { return vec![] };
        match claim {
            "sub::username" => vec![format!("{}::{}", u.sub, u.username), u.sub.clone(), u.username.clone()],
            "sub" => vec![u.sub.clone()],
            "username" | "cognito:username" => vec![u.username.clone()],
            other => u.claims.get(other).and_then(Value::as_str).map(|s| vec![s.to_string()]).unwrap_or_default(),
        }
    }

    /// The value Amplify writes into an owner field for this caller.
    pub fn owner_value(&self, claim: &str) -> Option<String> {
        let (Caller::UserPool(u) | Caller::Oidc(u)) = self else { return None };
        Some(match claim {
            "sub::username" => format!("{}::{}", u.sub, u.username),
            "sub" => u.sub.clone(),
            "username" | "cognito:username" => u.username.clone(),
            other => u.claims.get(other).and_then(Value::as_str)?.to_string(),
        })
    }

    pub fn groups(&self, claim: &str) -> Vec<String> {
        match self {
            Caller::UserPool(u) if claim == "cognito:groups" => u.groups.clone(),
            Caller::UserPool(u) | Caller::Oidc(u) => match u.claims.get(claim) {
                Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(String::from).collect(),
                Some(Value::String(s)) => vec![s.clone()],
                _ => vec![],
            },
            _ => vec![],
        }
    }
}

/// What a caller may do for one operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Access {
    All,
    /// Only items matching this filter (owner / dynamic group rules, OR-ed).
    Items(Filter),
    Denied,
}

/// Whether rule `r` covers operation `op` (`get`, `list`, `create`, `update`, `delete`, `listen`, ...).
pub fn rule_covers(r: &AuthRule, op: &str) -> bool {
    match &r.operations {
        None => true,
        Some(ops) => ops.iter().any(|o| o == op || (o == "read" && matches!(op, "get" | "list" | "listen" | "search" | "sync"))),
    }
}

/// Whether the caller is the kind of principal rule `r` is for.
fn provider_matches(r: &AuthRule, caller: &Caller) -> bool {
    match (r.provider, caller) {
        (AuthProvider::ApiKey, Caller::ApiKey) => true,
        (AuthProvider::UserPools, Caller::UserPool(_)) => true,
        (AuthProvider::Oidc, Caller::Oidc(_)) => true,
        (AuthProvider::Iam, Caller::Iam(i)) => match r.strategy {
            // `allow.guest()` is public over IAM: unauthenticated identities (AppSync's unauth role).
            AuthStrategy::Public => i.kind == IamKind::Guest,
            // `allow.authenticated('identityPool')`.
            AuthStrategy::Private => i.kind == IamKind::Authenticated,
            _ => false,
        },
        (AuthProvider::Function, Caller::Lambda(_)) => r.strategy == AuthStrategy::Custom,
        _ => false,
    }
}

/// Evaluates `rules` for `op`.
pub fn decide(caller: &Caller, rules: &[AuthRule], op: &str) -> Access {
    if matches!(caller, Caller::Iam(IamIdentity { kind: IamKind::Admin, .. })) {
        return Access::All;
    }
    let mut item_filters = Vec::new();
    for r in rules.iter().filter(|r| rule_covers(r, op) && provider_matches(r, caller)) {
        match r.strategy {
            AuthStrategy::Public | AuthStrategy::Private => return Access::All,
            AuthStrategy::Groups if r.field.is_none() => {
                let mine = caller.groups(r.effective_group_claim());
                if r.groups.iter().any(|g| mine.contains(g)) {
                    return Access::All;
                }
            }
            AuthStrategy::Groups => {
                let field = r.field.clone().unwrap_or_else(|| "groups".into());
                let path = FieldPath::field(field);
                for g in caller.groups(r.effective_group_claim()) {
                    let op = if r.multi { Op::Contains(Value::String(g)) } else { Op::Eq(Value::String(g)) };
                    item_filters.push(Filter::cmp(path.clone(), op));
                }
            }
            AuthStrategy::Owner => {
                let field = r.field.clone().unwrap_or_else(|| "owner".into());
                let path = FieldPath::field(field);
                for v in caller.owner_values(r.effective_identity_claim()) {
                    let op = if r.multi { Op::Contains(Value::String(v)) } else { Op::Eq(Value::String(v)) };
                    item_filters.push(Filter::cmp(path.clone(), op));
                }
            }
            // The Lambda authorizer already admitted the caller (provider_matches checked it).
            AuthStrategy::Custom => return Access::All,
        }
    }
    if item_filters.is_empty() {
        Access::Denied
    } else {
        Access::Items(Filter::Or(item_filters))
    }
}

/// Evaluates an owner/group restriction from [`decide`] against one item in memory (writes check
/// the item they are about to store; reads check the item they fetched by key).
pub fn matches(f: &Filter, item: &Value) -> bool {
    match f {
        Filter::And(fs) => fs.iter().all(|f| matches(f, item)),
        Filter::Or(fs) => fs.iter().any(|f| matches(f, item)),
        Filter::Not(f) => !matches(f, item),
        Filter::Compare { path, op } => {
            let v = path.get(item);
            match op {
                Op::Eq(want) => v == Some(want),
                Op::Contains(want) => match v {
                    Some(Value::Array(a)) => a.contains(want),
                    Some(Value::String(s)) => want.as_str().is_some_and(|w| s.contains(w)),
                    _ => false,
                },
                Op::AttributeExists(yes) => v.is_some() == *yes,
                _ => false,
            }
        }
    }
}

/// Owner fields Amplify fills from the caller on create when the input leaves them out
/// (`sub::username` by default; a one-element list for `ownersDefinedIn`).
pub fn fill_owner_fields(caller: &Caller, plan: &ModelPlan, item: &mut Map<String, Value>) {
    for r in plan.auth().iter().filter(|r| r.strategy == AuthStrategy::Owner && provider_matches(r, caller) && rule_covers(r, "create")) {
        let field = r.field.clone().unwrap_or_else(|| "owner".into());
        if item.get(&field).is_some_and(|v| !v.is_null()) {
            continue;
        }
        if let Some(v) = caller.owner_value(r.effective_identity_claim()) {
            item.insert(field, if r.multi { Value::Array(vec![Value::String(v)]) } else { Value::String(v) });
        }
    }
}

/// Field-level rules replace the model's for their field: writing such a field needs one of them.
/// Returns the item restrictions (owner/group field rules) the written item must also satisfy.
pub fn check_field_writes<'a>(r: &RequestCtx, plan: &ModelPlan, fields: impl Iterator<Item = &'a String>, op: &str) -> Result<Vec<Filter>, DataError> {
    let mut denied = Vec::new();
    let mut restrictions = Vec::new();
    for f in fields.filter_map(|name| plan.ir.field(name)) {
        let Some(rules) = &f.auth else { continue };
        match decide(&r.caller, rules, op) {
            Access::All => {}
            Access::Items(filter) => restrictions.push(filter),
            Access::Denied => denied.push(f.name.as_str()),
        }
    }
    if denied.is_empty() {
        Ok(restrictions)
    } else {
        Err(DataError::new("Unauthorized", format!("Unauthorized on [{}]", denied.join(", "))))
    }
}

/// Who sent the request, or the message of AppSync's 401.
pub async fn identify(ctx: &ServiceContext, headers: &HeaderMap, path: &str, body: &[u8], api_key_expired: bool) -> Result<Caller, String> {
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).map(str::trim).filter(|s| !s.is_empty());
    let backend = ctx.backend();
    let modes = backend.data.as_ref().map(|d| &d.authorization_modes);
    if let Some(key) = header("x-api-key") {
        if !auth::crypto::ct_eq(key.as_bytes(), ctx.ids.api_key.as_bytes()) {
            return Err("You are not authorized to make this call.".into());
        }
        if api_key_expired {
            return Err(format!(
                "The API key has expired (it is valid for {} days; delete .ampstack/sandbox.json for a new one).",
                modes.map(|m| m.api_key_expires_in_days).unwrap_or(7)
            ));
        }
        return Ok(Caller::ApiKey);
    }
    let Some(authz) = header("authorization") else {
        return Err("Missing authorization header".into());
    };
    if authz.starts_with("AWS4-HMAC-SHA256") {
        return iam(ctx, headers, path, body).await;
    }
    let token = authz.strip_prefix("Bearer ").unwrap_or(authz);
    if let Some(provider) = modes.and_then(|m| m.oidc.as_ref()).filter(|p| super::oidc::is_from(p, token)) {
        return match super::oidc::verify(provider, token).await {
            Ok(claims) => Ok(Caller::Oidc(oidc_identity(claims))),
            Err(e) => {
                tracing::debug!("data: OIDC token refused: {e}");
                Err(format!("Valid authorization header not provided. ({e})"))
            }
        };
    }
    match auth::verify_token(ctx, token).await {
        Ok(claims) => Ok(Caller::UserPool(UserIdentity { sub: claims.sub, username: claims.username, groups: claims.groups, claims: claims.raw })),
        // Tokens the user pool did not issue go to the Lambda authorizer, when the API has one.
        Err(_) if modes.is_some_and(|m| m.lambda.is_some()) => {
            let authorizer = modes.and_then(|m| m.lambda.clone()).expect("checked above");
            super::lambda::authorize(ctx, &authorizer, authz, headers, body).await
        }
        Err(e) => Err(format!("Valid authorization header not provided. ({e})")),
    }
}

/// The caller an OIDC token names: `sub`, a username from the usual claims, `cognito:groups`.
fn oidc_identity(claims: Map<String, Value>) -> UserIdentity {
    let s = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_string);
    let sub = s("sub").unwrap_or_default();
    let username = s("cognito:username").or_else(|| s("username")).or_else(|| s("preferred_username")).unwrap_or_else(|| sub.clone());
    let groups = match claims.get("cognito:groups") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(String::from).collect(),
        _ => vec![],
    };
    UserIdentity { sub, username, groups, claims }
}

async fn iam(ctx: &ServiceContext, headers: &HeaderMap, path: &str, body: &[u8]) -> Result<Caller, String> {
    let denied = || "The security token included in the request is invalid.".to_string();
    let parsed = auth::sigv4::parse_authorization(headers).ok_or_else(denied)?;
    let who = auth::credentials::lookup(ctx, &parsed.access_key_id).await.map_err(|e| e.to_string())?.ok_or_else(denied)?;
    if !who.session_token.is_empty() {
        let sent = headers.get("x-amz-security-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !auth::crypto::ct_eq(sent.as_bytes(), who.session_token.as_bytes()) {
            return Err(denied());
        }
    }
    let req = auth::sigv4::Request { method: "POST", path, query: "", headers, body };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    auth::sigv4::verify(&req, &parsed, &who.secret_access_key, now).map_err(|e| format!("The request signature we calculated does not match the signature you provided. ({e})"))?;
    let function = who.function.clone().filter(|_| who.kind == auth::credentials::CallerKind::Function);
    let kind = match who.kind {
        auth::credentials::CallerKind::Guest => IamKind::Guest,
        auth::credentials::CallerKind::Authenticated => IamKind::Authenticated,
        auth::credentials::CallerKind::Admin => IamKind::Admin,
        // A function granted `allow.resource(fn)` on the schema acts like the admin roles Amplify
        // adds it to (model rules do not apply to it); without a grant it may not call the API.
        auth::credentials::CallerKind::Function => {
            let name = who.function.as_deref().unwrap_or_default();
            let backend = ctx.backend();
            let granted = backend.data.as_ref().is_some_and(|d| d.schema.function_access.iter().any(|a| a.function == name));
            if !granted {
                return Err(format!("Function {name} has no access to this API: grant it with allow.resource({name}) in the schema's authorization"));
            }
            IamKind::Admin
        }
    };
    Ok(Caller::Iam(IamIdentity { kind, identity_id: who.identity_id, function }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(strategy: AuthStrategy, provider: AuthProvider, ops: Option<&[&str]>) -> AuthRule {
        AuthRule {
            strategy,
            provider,
            provider_written: None,
            operations: ops.map(|o| o.iter().map(|s| s.to_string()).collect()),
            field: None,
            multi: false,
            groups: vec![],
            identity_claim: None,
            group_claim: None,
        }
    }

    fn user(groups: &[&str]) -> Caller {
        Caller::UserPool(UserIdentity { sub: "s1".into(), username: "alice".into(), groups: groups.iter().map(|g| g.to_string()).collect(), claims: Default::default() })
    }

    #[test]
    fn function_credentials_limited_to_granted_operation_types() {
        let schema = definition::ir::Schema {
            function_access: vec![definition::ir::FunctionAccess { function: "reader".into(), operations: vec!["query".into()] }],
            ..Default::default()
        };
        let function = |name: &str| Caller::Iam(IamIdentity { kind: IamKind::Admin, identity_id: String::new(), function: Some(name.into()) });
        assert!(function_may(&function("reader"), &schema, "query").is_ok());
        assert!(function_may(&function("reader"), &schema, "mutate").is_err());
        assert!(function_may(&function("reader"), &schema, "listen").is_err());
        assert!(function_may(&function("other"), &schema, "query").is_err());
        // Callers other than functions are decided per field by the rules.
        assert!(function_may(&Caller::ApiKey, &schema, "mutate").is_ok());
        assert!(function_may(&user(&[]), &schema, "mutate").is_ok());
    }

    #[test]
    fn api_key_rules_and_operations() {
        let rules = vec![rule(AuthStrategy::Owner, AuthProvider::UserPools, None), rule(AuthStrategy::Public, AuthProvider::ApiKey, Some(&["read"]))];
        assert_eq!(decide(&Caller::ApiKey, &rules, "get"), Access::All);
        assert_eq!(decide(&Caller::ApiKey, &rules, "list"), Access::All);
        assert_eq!(decide(&Caller::ApiKey, &rules, "create"), Access::Denied);
        assert_eq!(decide(&Caller::ApiKey, &[], "get"), Access::Denied);
    }

    #[test]
    fn owner_and_groups() {
        let rules = vec![rule(AuthStrategy::Owner, AuthProvider::UserPools, None)];
        let Access::Items(Filter::Or(f)) = decide(&user(&[]), &rules, "update") else { panic!() };
        assert_eq!(f[0], Filter::cmp("owner", Op::Eq(Value::String("s1::alice".into()))));
        let mut admins = rule(AuthStrategy::Groups, AuthProvider::UserPools, None);
        admins.groups = vec!["ADMINS".into()];
        assert_eq!(decide(&user(&["ADMINS"]), &[admins.clone()], "delete"), Access::All);
        assert_eq!(decide(&user(&["OTHER"]), &[admins], "delete"), Access::Denied);
        assert_eq!(decide(&Caller::ApiKey, &rules, "get"), Access::Denied);
    }

    #[test]
    fn iam_guest_and_admin() {
        let guest = Caller::Iam(IamIdentity { kind: IamKind::Guest, identity_id: "x".into(), function: None });
        let admin = Caller::Iam(IamIdentity { kind: IamKind::Admin, identity_id: String::new(), function: None });
        let rules = vec![rule(AuthStrategy::Public, AuthProvider::Iam, Some(&["read"]))];
        assert_eq!(decide(&guest, &rules, "list"), Access::All);
        assert_eq!(decide(&guest, &rules, "create"), Access::Denied);
        assert_eq!(decide(&admin, &[], "create"), Access::All);
    }
}
