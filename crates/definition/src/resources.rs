//! `defineAuth`, `defineStorage` and `defineFunction` records → IR, with Amplify's defaults.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::ir::*;
use crate::record::{bool_of, function_ref, str_of, strings_of, Reader};

/// Amplify's camelCase standard attribute names → Cognito's.
const STANDARD_ATTRIBUTES: &[(&str, &str)] = &[
    ("address", "address"),
    ("birthdate", "birthdate"),
    ("email", "email"),
    ("familyName", "family_name"),
    ("gender", "gender"),
    ("givenName", "given_name"),
    ("locale", "locale"),
    ("middleName", "middle_name"),
    ("fullname", "name"),
    ("nickname", "nickname"),
    ("phoneNumber", "phone_number"),
    ("profilePicture", "picture"),
    ("preferredUsername", "preferred_username"),
    ("profilePage", "profile"),
    ("timezone", "zoneinfo"),
    ("lastUpdateTime", "updated_at"),
    ("website", "website"),
];

/// The trigger names `defineAuth({ triggers })` accepts (Amplify's `TriggerEvent`).
pub const AUTH_TRIGGERS: &[&str] = &[
    "createAuthChallenge",
    "customMessage",
    "defineAuthChallenge",
    "postAuthentication",
    "postConfirmation",
    "preAuthentication",
    "preSignUp",
    "preTokenGeneration",
    "userMigration",
    "verifyAuthChallengeResponse",
];

pub fn convert_auth(reader: &mut Reader, rec: &Value) -> Auth {
    let props = rec.get("props").cloned().unwrap_or(Value::Null);
    let login = props.get("loginWith").cloned().unwrap_or(Value::Null);
    let setting = |k: &str| login.get(k).filter(|v| !v.is_null() && *v != &Value::Bool(false)).cloned();
    let email = setting("email");
    let phone = setting("phone");
    let login_with = LoginWith {
        // Amplify's default when loginWith is empty: email.
        email: email.is_some() || (phone.is_none() && login.get("externalProviders").is_none()),
        phone: phone.is_some(),
        email_settings: email.filter(Value::is_object),
        phone_settings: phone.filter(Value::is_object),
        external_providers: login.get("externalProviders").cloned(),
    };
    let mut username_attributes = Vec::new();
    if login_with.email {
        username_attributes.push("email".to_string());
    }
    if login_with.phone {
        username_attributes.push("phone_number".to_string());
    }
    let mut user_attributes = BTreeMap::new();
    for attr in &username_attributes {
        user_attributes.insert(attr.clone(), UserAttribute { name: attr.clone(), required: true, mutable: true, data_type: "String".into(), ..Default::default() });
    }
    for (key, v) in props.get("userAttributes").and_then(Value::as_object).into_iter().flatten() {
        let name = if key.starts_with("custom:") {
            key.clone()
        } else {
            match STANDARD_ATTRIBUTES.iter().find(|(camel, cognito)| camel == key || cognito == key) {
                Some((_, cognito)) => cognito.to_string(),
                None => {
                    reader.error(rec, format!("unknown user attribute `{key}`: use a standard attribute (e.g. preferredUsername) or a `custom:` name"));
                    continue;
                }
            }
        };
        let custom = name.starts_with("custom:");
        if custom && bool_of(v, "required") {
            reader.error(rec, format!("custom attribute `{name}` cannot be required (Cognito does not support required custom attributes)"));
        }
        let num = |k: &str| v.get(k).and_then(Value::as_f64);
        user_attributes.insert(name.clone(), UserAttribute {
            name,
            required: bool_of(v, "required"),
            mutable: v.get("mutable").and_then(Value::as_bool).unwrap_or(true),
            data_type: str_of(v, "dataType").unwrap_or("String").to_string(),
            min_len: num("minLen").map(|x| x as u32),
            max_len: num("maxLen").map(|x| x as u32),
            min: num("min"),
            max: num("max"),
        });
    }
    let mfa_v = props.get("multifactor").cloned().unwrap_or(Value::Null);
    let mode = match str_of(&mfa_v, "mode") {
        Some("REQUIRED") => MfaMode::Required,
        Some("OPTIONAL") => MfaMode::Optional,
        _ => MfaMode::Off,
    };
    let enabled = |k: &str| mfa_v.get(k).is_some_and(|x| !x.is_null() && x != &Value::Bool(false));
    let mfa = Mfa { mode, totp: mode != MfaMode::Off && enabled("totp"), sms: mode != MfaMode::Off && enabled("sms"), email: mode != MfaMode::Off && enabled("email") };
    if mode != MfaMode::Off && !(mfa.totp || mfa.sms || mfa.email) {
        reader.error(rec, "multifactor is enabled but no method is: set totp, sms or email to true");
    }
    let mut triggers = BTreeMap::new();
    for (k, v) in props.get("triggers").and_then(Value::as_object).into_iter().flatten() {
        if !AUTH_TRIGGERS.contains(&k.as_str()) {
            reader.error(rec, format!("`{k}` is not a Cognito trigger; defineAuth accepts {}", AUTH_TRIGGERS.join(", ")));
            continue;
        }
        match function_ref(v) {
            Some(f) => {
                triggers.insert(k.clone(), f);
            }
            None => reader.error(rec, format!("auth trigger `{k}` must be a function from defineFunction()")),
        }
    }
    let mut access = BTreeMap::new();
    for grant in props.get("access").and_then(Value::as_array).into_iter().flatten() {
        if let Some(f) = grant.get("resource").and_then(function_ref) {
            access.insert(f, strings_of(grant, "actions"));
        }
    }
    let groups = strings_of(&props, "groups");
    let mut extra = serde_json::Map::new();
    for k in ["senders", "name"] {
        if let Some(v) = props.get(k) {
            extra.insert(k.into(), v.clone());
        }
    }
    Auth {
        login_with,
        username_attributes,
        user_attributes,
        groups,
        mfa,
        password_policy: PasswordPolicy::default(),
        account_recovery: str_of(&props, "accountRecovery").map(str::to_string),
        allow_unauthenticated_identities: true,
        triggers,
        access,
        extra: Value::Object(extra),
        device_tracking: None,
        pre_token_generation_version: None,
    }
}

pub fn convert_storage(reader: &mut Reader, rec: &Value) -> Option<Bucket> {
    let props = rec.get("props").cloned().unwrap_or(Value::Null);
    let Some(name) = str_of(&props, "name") else {
        reader.error(rec, "defineStorage() needs a `name`");
        return None;
    };
    let mut access = Vec::new();
    for (path, entries) in props.get("access").and_then(Value::as_object).into_iter().flatten() {
        if !path.ends_with("/*") {
            reader.error(rec, format!("storage path `{path}` must end with `/*`"));
        }
        if path.starts_with('/') {
            reader.error(rec, format!("storage path `{path}` must not start with `/`"));
        }
        let mut rules = Vec::new();
        for e in entries.as_array().into_iter().flatten() {
            let grantee = match str_of(e, "type") {
                Some("guest") => StorageGrantee::Guest,
                Some("authenticated") => StorageGrantee::Authenticated,
                Some("groups") => StorageGrantee::Groups { groups: strings_of(e, "groups") },
                Some("entity") => StorageGrantee::Entity { entity: str_of(e, "entity").unwrap_or("identity").to_string() },
                Some("resource") => match e.get("resource").and_then(function_ref) {
                    Some(function) => StorageGrantee::Resource { function },
                    None => {
                        reader.error(e, "allow.resource() needs a function from defineFunction()");
                        continue;
                    }
                },
                other => {
                    reader.error(e, format!("not a storage access rule ({other:?}); use allow.guest, allow.authenticated, allow.groups, allow.entity or allow.resource"));
                    continue;
                }
            };
            let actions = strings_of(e, "actions");
            for a in &actions {
                if !["read", "get", "list", "write", "delete"].contains(&a.as_str()) {
                    reader.error(e, format!("unknown storage action `{a}`; expected read, get, list, write or delete"));
                }
            }
            if matches!(grantee, StorageGrantee::Entity { .. }) && !path.contains("{entity_id}") {
                reader.error(e, format!("allow.entity() needs `{{entity_id}}` in the path `{path}`"));
            }
            rules.push(StorageRule { grantee, actions });
        }
        access.push(PathAccess { path: path.clone(), rules });
    }
    let mut triggers = BTreeMap::new();
    for (k, v) in props.get("triggers").and_then(Value::as_object).into_iter().flatten() {
        if let Some(f) = function_ref(v) {
            triggers.insert(k.clone(), f);
        }
    }
    Some(Bucket { name: name.to_string(), is_default: bool_of(&props, "isDefault"), access, triggers, notifications: vec![] })
}

pub fn convert_function(reader: &mut Reader, rec: &Value) -> Function {
    let props = rec.get("props").cloned().unwrap_or(Value::Null);
    let name = str_of(rec, "name").unwrap_or("function").to_string();
    let dir = str_of(rec, "dir").map(PathBuf::from).unwrap_or_default();
    let entry = dir.join(str_of(&props, "entry").unwrap_or("./handler.ts"));
    let entry = crate::paths::normalize(&entry);
    if bool_of(&props, "customCdk") {
        reader.warn(rec, format!("function `{name}` is defined with a CDK callback; Ampstack runs only `defineFunction({{ entry }})` handlers"));
    }
    let mut environment = BTreeMap::new();
    for (k, v) in props.get("environment").and_then(Value::as_object).into_iter().flatten() {
        let value = match v {
            Value::String(s) => EnvValue::Plain(s.clone()),
            Value::Object(o) if o.contains_key("secret") => EnvValue::Secret(o["secret"].as_str().unwrap_or_default().to_string()),
            other => EnvValue::Plain(other.to_string()),
        };
        environment.insert(k.clone(), value);
    }
    let schedules = match props.get("schedule") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        _ => vec![],
    };
    Function {
        name,
        entry,
        timeout_seconds: props.get("timeoutSeconds").and_then(Value::as_u64).unwrap_or(3) as u32,
        memory_mb: props.get("memoryMB").and_then(Value::as_u64).unwrap_or(512) as u32,
        runtime: props.get("runtime").cloned(),
        environment,
        schedules,
        resource_group: str_of(&props, "resourceGroupName").map(str::to_string),
    }
}
