//! `@auth` rules as the model introspection spells them.
//!
//! The generator (`processAuthDirective` in `@aws-amplify/appsync-modelgen-plugin`) takes each
//! rule of the model's `@auth` directive as written in the SDL and fills in defaults for owner
//! and group rules only. So which keys appear depends on what `@aws-amplify/data-schema` wrote
//! into the SDL: e.g. `allow.authenticated()` has no `provider` key, `allow.publicApiKey()` does.

use definition::ir::{AuthProvider, AuthRule, AuthStrategy};
use serde_json::{json, Map, Value};

/// Operations a rule without `.to([...])` is given by the generator.
const DEFAULT_OPERATIONS: [&str; 4] = ["create", "update", "delete", "read"];

/// The `{ type: "auth", properties: { rules } }` model attribute.
pub fn auth_attribute(rules: &[AuthRule], from_sdl: bool) -> Value {
    let rules: Vec<Value> = rules.iter().map(|r| rule(r, from_sdl)).collect();
    json!({ "type": "auth", "properties": { "rules": rules } })
}

fn rule(r: &AuthRule, from_sdl: bool) -> Value {
    let mut out = Map::new();
    out.insert("allow".into(), json!(strategy_name(r.strategy)));
    if let Some(p) = written_provider(r, from_sdl) {
        out.insert("provider".into(), json!(p));
    }
    let operations: Vec<String> = match &r.operations {
        Some(ops) => ops.clone(),
        None => DEFAULT_OPERATIONS.iter().map(|s| s.to_string()).collect(),
    };
    out.insert("operations".into(), json!(operations));
    if let Some(c) = &r.identity_claim {
        out.insert("identityClaim".into(), json!(c));
    }
    if let Some(c) = &r.group_claim {
        out.insert("groupClaim".into(), json!(c));
    }
    match r.strategy {
        AuthStrategy::Owner => {
            // Owner rules always get a provider, an owner field and an identity claim, and the
            // generator rewrites the `username` claim to Cognito's `cognito:username`.
            out.insert("provider".into(), json!(provider_name(r.provider, from_sdl)));
            out.insert("ownerField".into(), json!(r.field.as_deref().unwrap_or("owner")));
            let claim = match r.identity_claim.as_deref() {
                None | Some("username") => "cognito:username",
                Some(c) => c,
            };
            out.insert("identityClaim".into(), json!(claim));
        }
        AuthStrategy::Groups => {
            out.insert("provider".into(), json!(provider_name(r.provider, from_sdl)));
            out.insert("groupClaim".into(), json!(r.group_claim.as_deref().unwrap_or("cognito:groups")));
            if r.field.is_none() {
                out.insert("groups".into(), json!(r.groups));
            } else {
                out.insert("groupsField".into(), json!(r.field));
                // The generator checks `groupField` (sic) rather than `groupsField`, so every
                // dynamic group rule also carries `groupField: "groups"`.
                out.insert("groupField".into(), json!("groups"));
            }
        }
        _ => {}
    }
    Value::Object(out)
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

/// The provider as the schema builder spells it; Gen 1 SDL says `iam` where Gen 2 says
/// `identityPool`.
fn provider_name(p: AuthProvider, from_sdl: bool) -> &'static str {
    match p {
        AuthProvider::ApiKey => "apiKey",
        AuthProvider::Iam if from_sdl => "iam",
        AuthProvider::Iam => "identityPool",
        AuthProvider::UserPools => "userPools",
        AuthProvider::Oidc => "oidc",
        AuthProvider::Function => "function",
    }
}

/// The `provider` key of a public/private/custom rule, present only when the definition names
/// one (`allow.authenticated('userPools')`, not `allow.authenticated()`; the builder's public
/// rules always name theirs: `publicApiKey()`, `guest()`).
fn written_provider(r: &AuthRule, from_sdl: bool) -> Option<&'static str> {
    r.provider_written.as_ref().map(|_| provider_name(r.provider, from_sdl))
}
