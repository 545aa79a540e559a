//! The engine's whole record → [`Backend`]: dispatches each `defineBackend` part to its
//! converter and applies the CDK escape hatches that have a local meaning (warning about the rest).

use serde_json::Value;

use crate::ir::*;
use crate::record::{function_ref, str_of, Reader};
use crate::resources::{convert_auth, convert_function, convert_storage};
use crate::schema::convert_schema;

pub fn convert_backend(reader: &mut Reader, record: &Value) -> Backend {
    let mut backend = Backend { custom_outputs: Value::Object(Default::default()), ..Default::default() };
    let Some(b) = record.get("backend").filter(|b| !b.is_null()) else {
        reader.error(&Value::Null, "amplify/backend.ts must call defineBackend({ ... })");
        return backend;
    };
    for f in record.get("functions").and_then(Value::as_array).into_iter().flatten() {
        let func = convert_function(reader, f);
        if backend.functions.iter().any(|x| x.name == func.name) {
            reader.error(f, format!("two functions are named `{}`: give one a different `name`", func.name));
            continue;
        }
        backend.functions.push(func);
    }
    let parts = b.get("parts").and_then(Value::as_object).cloned().unwrap_or_default();
    for (key, part) in &parts {
        match str_of(part, "kind") {
            Some("auth") => {
                if backend.auth.is_some() {
                    reader.error(part, "only one defineAuth() resource is supported");
                }
                backend.auth = Some(convert_auth(reader, part));
            }
            Some("data") => {
                if backend.data.is_some() {
                    reader.error(part, "only one defineData() resource is supported");
                }
                backend.data = convert_data(reader, part);
            }
            Some("storage") => {
                if let Some(bucket) = convert_storage(reader, part) {
                    if backend.storage.iter().any(|x| x.name == bucket.name) {
                        reader.error(part, format!("two storage resources are named `{}`", bucket.name));
                    }
                    backend.storage.push(bucket);
                }
            }
            _ if function_ref(part).is_some() => {}
            _ => reader.error(&b["loc"], format!("defineBackend: `{key}` is not a resource from defineAuth/defineData/defineStorage/defineFunction")),
        }
    }
    if backend.storage.len() > 1 && backend.storage.iter().filter(|s| s.is_default).count() != 1 {
        reader.error(&b["loc"], "with several storage resources, exactly one must set `isDefault: true`");
    }
    if backend.storage.len() == 1 {
        backend.storage[0].is_default = true;
    }
    // Amplify's default mode when none is given: the user pool when there is auth, else
    // "sandbox mode" with an API key.
    let explicit_default = parts.values().any(|p| str_of(p, "kind") == Some("data") && p.pointer("/props/authorizationModes/defaultAuthorizationMode").is_some());
    if let (Some(data), false, None) = (backend.data.as_mut(), explicit_default, backend.auth.as_ref()) {
        data.authorization_modes.default = AuthProvider::ApiKey;
    }
    crate::escape_hatches::apply(reader, record, &parts, &mut backend);
    check_function_refs(reader, &mut backend);
    backend
}

fn convert_data(reader: &mut Reader, rec: &Value) -> Option<Data> {
    let props = rec.get("props").cloned().unwrap_or(Value::Null);
    let schema_rec = match props.get("schema") {
        Some(Value::String(sdl)) => match crate::sdl::sdl_to_record(sdl, &reader.loc(rec)) {
            Ok(r) => r,
            Err(d) => {
                reader.errors.push(d);
                return None;
            }
        },
        Some(v) if v.is_object() => v.clone(),
        _ => {
            reader.error(rec, "defineData() needs a `schema` (a.schema({...}) or a GraphQL SDL string)");
            return None;
        }
    };
    let from_sdl = props.get("schema").is_some_and(Value::is_string);
    let mut schema = convert_schema(reader, &schema_rec);
    // `defineData({ functions: { name: fn } })`: SDL `@function(name: "name")` means that function.
    if let Some(map) = props.get("functions").and_then(Value::as_object) {
        for op in schema.queries.iter_mut().chain(schema.mutations.iter_mut()).chain(schema.subscriptions.iter_mut()) {
            for h in &mut op.handlers {
                if let Handler::Function { function, .. } = h {
                    if let Some(real) = map.get(function.as_str()).and_then(function_ref) {
                        *function = real;
                    }
                }
            }
        }
    }
    schema.from_sdl = from_sdl;
    let modes = props.get("authorizationModes").cloned().unwrap_or(Value::Null);
    let default = match str_of(&modes, "defaultAuthorizationMode") {
        None | Some("userPool") => AuthProvider::UserPools,
        Some("apiKey") => AuthProvider::ApiKey,
        Some("iam") | Some("identityPool") => AuthProvider::Iam,
        Some("oidc") => AuthProvider::Oidc,
        Some("lambda") => AuthProvider::Function,
        Some(other) => {
            reader.error(rec, format!("unknown defaultAuthorizationMode `{other}`; expected userPool, apiKey, identityPool, oidc or lambda"));
            AuthProvider::UserPools
        }
    };
    let api_key = modes.get("apiKeyAuthorizationMode").cloned().unwrap_or(Value::Null);
    let expires = api_key.get("expiresInDays").and_then(Value::as_u64).unwrap_or(7);
    if !(1..=365).contains(&expires) {
        reader.error(rec, format!("apiKeyAuthorizationMode.expiresInDays must be between 1 and 365 (got {expires})"));
    }
    let lambda = modes.get("lambdaAuthorizationMode").filter(|v| !v.is_null()).and_then(|l| {
        let f = l.get("function").and_then(function_ref);
        if f.is_none() {
            reader.error(rec, "lambdaAuthorizationMode.function must be a function from defineFunction()");
        }
        f.map(|function| LambdaAuthorizer { function, ttl_seconds: l.get("timeToLiveInSeconds").and_then(Value::as_u64).unwrap_or(300) as u32 })
    });
    let oidc = modes.get("oidcAuthorizationMode").filter(|v| !v.is_null()).map(|o| OidcProvider {
        name: str_of(o, "oidcProviderName").unwrap_or("oidc").to_string(),
        issuer_url: str_of(o, "oidcIssuerUrl").unwrap_or_default().to_string(),
        client_id: str_of(o, "clientId").map(str::to_string),
        auth_ttl_seconds: o.get("tokenExpiryFromAuthInSeconds").and_then(Value::as_u64),
        iat_ttl_seconds: o.get("tokenExpireFromIssueInSeconds").and_then(Value::as_u64),
    });
    if default == AuthProvider::Oidc && oidc.is_none() {
        reader.error(rec, "defaultAuthorizationMode is `oidc` but oidcAuthorizationMode is not configured");
    }
    if default == AuthProvider::Function && lambda.is_none() {
        reader.error(rec, "defaultAuthorizationMode is `lambda` but lambdaAuthorizationMode is not configured");
    }
    Some(Data {
        name: str_of(&props, "name").unwrap_or("amplifyData").to_string(),
        authorization_modes: AuthorizationModes {
            default,
            api_key_expires_in_days: expires as u32,
            api_key_description: str_of(&api_key, "description").map(str::to_string),
            lambda,
            oidc,
        },
        schema,
        data_sources: vec![],
    })
}

/// Every function a resource names must be defined with defineFunction.
fn check_function_refs(reader: &mut Reader, backend: &mut Backend) {
    let known: Vec<String> = backend.functions.iter().map(|f| f.name.clone()).collect();
    let mut missing = Vec::new();
    if let Some(data) = &backend.data {
        for op in data.schema.queries.iter().chain(&data.schema.mutations).chain(&data.schema.subscriptions) {
            for h in &op.handlers {
                if let Handler::Function { function, .. } = h {
                    if !known.contains(function) {
                        missing.push(format!("`{}` uses function `{function}`", op.name));
                    }
                }
            }
        }
    }
    for m in missing {
        reader.error(&Value::Null, format!("{m}, which no defineFunction() defines"));
    }
}
