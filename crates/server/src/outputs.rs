//! `amplify_outputs.json` in the format the real tooling writes (schema v1.4), pointing the
//! client at this server. Endpoints the client cannot read from standard fields go under
//! `custom.ampstack`.


use definition::ir::{AuthProvider, Backend, MfaMode, StorageGrantee};
use serde_json::{json, Map, Value};

pub use context::SandboxIds;

/// Base URLs the outputs point at.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// e.g. `https://127.0.0.1:20002`
    pub base: String,
}

pub fn build_outputs(backend: &Backend, ids: &SandboxIds, ep: &Endpoints, model_introspection: Option<Value>) -> Value {
    let mut out = Map::new();
    out.insert("$schema".into(), json!("https://raw.githubusercontent.com/aws-amplify/amplify-backend/main/packages/client-config/src/client-config-schema/schema_v1.4.json"));
    out.insert("version".into(), json!("1.4"));
    if let Some(auth) = &backend.auth {
        let mfa_config = match auth.mfa.mode {
            MfaMode::Off => "NONE",
            MfaMode::Optional => "OPTIONAL",
            MfaMode::Required => "REQUIRED",
        };
        let mut methods = Vec::new();
        if auth.mfa.sms {
            methods.push("SMS");
        }
        if auth.mfa.totp {
            methods.push("TOTP");
        }
        if auth.mfa.email {
            methods.push("EMAIL");
        }
        let required: Vec<&String> = auth.user_attributes.values().filter(|a| a.required && !a.name.starts_with("custom:")).map(|a| &a.name).collect();
        // Amplify auto-verifies its login mechanisms, whatever the username attributes (the
        // `usernameAttributes = []` escape hatch keeps email verification).
        let verification: Vec<&str> = [("email", auth.login_with.email), ("phone_number", auth.login_with.phone)].into_iter().filter(|(_, on)| *on).map(|(a, _)| a).collect();
        let p = &auth.password_policy;
        out.insert("auth".into(), json!({
            "user_pool_id": ids.user_pool_id,
            "aws_region": ids.region,
            "user_pool_client_id": ids.user_pool_client_id,
            "identity_pool_id": ids.identity_pool_id,
            "mfa_methods": methods,
            "standard_required_attributes": required,
            "username_attributes": auth.username_attributes,
            "user_verification_types": verification,
            "groups": auth.groups.iter().enumerate().map(|(i, g)| json!({ g: { "precedence": i } })).collect::<Vec<_>>(),
            "mfa_configuration": mfa_config,
            "password_policy": {
                "min_length": p.min_length,
                "require_lowercase": p.require_lowercase,
                "require_numbers": p.require_numbers,
                "require_symbols": p.require_symbols,
                "require_uppercase": p.require_uppercase,
            },
            "unauthenticated_identities_enabled": auth.allow_unauthenticated_identities,
        }));
        // The client checks a `preferredChallenge` against these before asking for it.
        let (email_otp, sms_otp) = (auth.login_with.email_otp_login(), auth.login_with.phone_otp_login());
        if email_otp || sms_otp {
            out["auth"]["passwordless"] = json!({ "email_otp_enabled": email_otp, "sms_otp_enabled": sms_otp });
        }
    }
    if let Some(data) = &backend.data {
        let modes = &data.authorization_modes;
        let uses_api_key = modes.default == AuthProvider::ApiKey
            || data.schema.models.iter().any(|m| m.auth.iter().any(|r| r.provider == AuthProvider::ApiKey))
            || data.schema.queries.iter().chain(&data.schema.mutations).chain(&data.schema.subscriptions).any(|o| o.auth.iter().any(|r| r.provider == AuthProvider::ApiKey));
        let mut types: Vec<&str> = Vec::new();
        let mut add = |p: AuthProvider| {
            if p != modes.default && !types.contains(&p.appsync_name()) {
                types.push(p.appsync_name());
            }
        };
        if uses_api_key {
            add(AuthProvider::ApiKey);
        }
        if backend.auth.is_some() {
            add(AuthProvider::UserPools);
        }
        add(AuthProvider::Iam);
        if modes.oidc.is_some() {
            add(AuthProvider::Oidc);
        }
        if modes.lambda.is_some() {
            add(AuthProvider::Function);
        }
        let mut d = json!({
            "url": format!("{}/graphql", ep.base),
            "aws_region": ids.region,
            "default_authorization_type": modes.default.appsync_name(),
            "authorization_types": types,
        });
        if uses_api_key {
            d["api_key"] = json!(ids.api_key);
        }
        if let Some(mi) = model_introspection {
            d["model_introspection"] = mi;
        }
        out.insert("data".into(), d);
    }
    if !backend.storage.is_empty() {
        let default = backend.storage.iter().find(|b| b.is_default).unwrap_or(&backend.storage[0]);
        let buckets: Vec<Value> = backend
            .storage
            .iter()
            .map(|b| json!({ "name": b.name, "bucket_name": ids.bucket_name(&b.name), "aws_region": ids.region, "paths": storage_paths(b) }))
            .collect();
        out.insert("storage".into(), json!({ "aws_region": ids.region, "bucket_name": ids.bucket_name(&default.name), "buckets": buckets }));
    }
    let mut custom = json!({
        "ampstack": {
            "endpoint": ep.base,
            "user_pool_endpoint": format!("{}/cognito-idp/", ep.base),
            "identity_pool_endpoint": format!("{}/cognito-identity/", ep.base),
            "storage_endpoint": format!("{}/s3", ep.base),
        }
    });
    if let Some(Value::Object(added)) = Some(&backend.custom_outputs) {
        for (k, v) in added {
            if k == "custom" {
                if let (Some(c), Some(v)) = (custom.as_object_mut(), v.as_object()) {
                    for (ck, cv) in v {
                        c.insert(ck.clone(), cv.clone());
                    }
                }
            } else {
                merge(out.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
    out.insert("custom".into(), custom);
    Value::Object(out)
}

fn merge(into: &mut Value, add: &Value) {
    match (into, add) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

/// Storage path rules as Amplify writes them: `{entity_id}` becomes the identity-id policy
/// variable, and non-entity grants on an entity path move to its parent path.
fn storage_paths(bucket: &definition::ir::Bucket) -> Value {
    const ENTITY: &str = "{entity_id}";
    const POLICY_VAR: &str = "${cognito-identity.amazonaws.com:sub}";
    let mut paths = Map::new();
    for pa in &bucket.access {
        for rule in &pa.rules {
            let (key, path) = match &rule.grantee {
                StorageGrantee::Guest => ("guest".to_string(), None),
                StorageGrantee::Authenticated => ("authenticated".to_string(), None),
                StorageGrantee::Groups { groups } => (format!("groups{}", groups.join("")), None),
                StorageGrantee::Entity { entity } => (format!("entity{entity}"), Some(pa.path.replace(ENTITY, POLICY_VAR))),
                StorageGrantee::Resource { .. } => continue,
            };
            let path = path.unwrap_or_else(|| pa.path.replace(&format!("{ENTITY}/"), ""));
            let mut actions: Vec<&str> = Vec::new();
            for a in &rule.actions {
                let expanded: &[&str] = match a.as_str() {
                    "read" => &["get", "list"],
                    "get" => &["get"],
                    "list" => &["list"],
                    "write" => &["write"],
                    "delete" => &["delete"],
                    _ => &[],
                };
                for e in expanded {
                    if !actions.contains(e) {
                        actions.push(e);
                    }
                }
            }
            let entry = paths.entry(path).or_insert_with(|| json!({}));
            entry[key] = json!(actions);
        }
    }
    Value::Object(paths)
}
