//! CDK escape hatches in `backend.ts`, as recorded by the engine's proxies.
//!
//! The ones with a local meaning are applied (username attributes, guest access, password
//! policy, device tracking, the pre token generation version, `addOutput`, bucket event
//! notifications); `createStack` is accepted silently; every
//! other CDK call is kept as a warning naming its `file:line`, never an error.

use serde_json::{Map, Value};

use crate::ir::*;
use crate::record::{function_ref, str_of, Reader};

pub fn apply(reader: &mut Reader, record: &Value, parts: &Map<String, Value>, backend: &mut Backend) {
    let records: Vec<Value> = record.get("records").and_then(Value::as_array).cloned().unwrap_or_default();
    // Objects passed to an applied escape hatch (a LambdaDestination, say) are part of it.
    let mut consumed = std::collections::HashSet::new();
    for r in &records {
        let path = str_of(r, "path").unwrap_or_default();
        if str_of(r, "op") == Some("call") && (path.ends_with(".resources.bucket.addEventNotification") || path == "backend.data.addDynamoDbDataSource") {
            for a in r.get("args").and_then(Value::as_array).into_iter().flatten() {
                if let Some(p) = str_of(a, "$cdk") {
                    consumed.insert(p.to_string());
                }
            }
        }
    }
    for r in &records {
        if str_of(r, "result").is_some_and(|res| consumed.contains(res)) {
            continue;
        }
        let op = str_of(r, "op").unwrap_or_default();
        let path = str_of(r, "path").unwrap_or_default();
        let handled = match (op, path) {
            ("set", "backend.auth.resources.cfnResources.cfnUserPool.usernameAttributes") => {
                with_auth(reader, r, backend, |auth, v| {
                    auth.username_attributes = v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default();
                })
            }
            ("set", "backend.auth.resources.cfnResources.cfnIdentityPool.allowUnauthenticatedIdentities") => {
                with_auth(reader, r, backend, |auth, v| auth.allow_unauthenticated_identities = v.as_bool().unwrap_or(true))
            }
            ("set", "backend.auth.resources.cfnResources.cfnUserPool.policies") => with_auth(reader, r, backend, |auth, v| {
                if let Some(p) = v.get("passwordPolicy") {
                    apply_password_policy(&mut auth.password_policy, p)
                }
            }),
            ("set", "backend.auth.resources.cfnResources.cfnUserPool.mfaConfiguration") => with_auth(reader, r, backend, |auth, v| {
                auth.mfa.mode = match v.as_str() {
                    Some("ON") => MfaMode::Required,
                    Some("OPTIONAL") => MfaMode::Optional,
                    _ => MfaMode::Off,
                }
            }),
            ("set", "backend.auth.resources.cfnResources.cfnUserPool.deviceConfiguration") => with_auth(reader, r, backend, |auth, v| {
                auth.device_tracking = device_tracking(v);
            }),
            ("set", "backend.auth.resources.cfnResources.cfnUserPool.lambdaConfig") => with_auth(reader, r, backend, |auth, v| {
                let config = v.get("preTokenGenerationConfig").or_else(|| v.get("PreTokenGenerationConfig"));
                auth.pre_token_generation_version = config.and_then(lambda_version);
            }),
            ("call", "backend.auth.resources.cfnResources.cfnUserPool.addPropertyOverride") => pre_token_override(reader, r, backend),
            ("call", "backend.addOutput") => {
                if let Some(v) = r.get("args").and_then(|a| a.get(0)) {
                    deep_merge(&mut backend.custom_outputs, v);
                }
                true
            }
            ("call", "backend.createStack") => true,
            ("call", "backend.data.addDynamoDbDataSource") => add_dynamodb_source(reader, r, &records, backend),
            ("call", "backend.data.addNoneDataSource") => {
                let name = r.get("args").and_then(|a| a.get(0)).and_then(Value::as_str).unwrap_or_default().to_string();
                add_data_source(reader, r, backend, DataSource { name, kind: DataSourceKind::None })
            }
            ("call", p) if p.starts_with("backend.") && p.ends_with(".resources.bucket.addEventNotification") => {
                add_notification(reader, r, p, &records, parts, backend);
                true
            }
            _ => false,
        };
        if !handled {
            let what = match op {
                "set" => format!("setting `{}`", pretty(path)),
                "call" => format!("calling `{}(...)`", pretty(path)),
                "new" => format!("`new {}(...)`", pretty(path)),
                _ => format!("`{}`", pretty(path)),
            };
            reader.warn(r, format!("{what} has no local meaning in Ampstack; accepted and ignored"));
        }
    }
}

/// `LambdaVersion` / `lambdaVersion` of a PreTokenGenerationConfig.
fn lambda_version(config: &Value) -> Option<String> {
    config.get("lambdaVersion").or_else(|| config.get("LambdaVersion")).and_then(Value::as_str).map(str::to_string)
}

/// `cfnUserPool.addPropertyOverride('LambdaConfig.PreTokenGenerationConfig', { LambdaVersion })`
/// or `('LambdaConfig.PreTokenGenerationConfig.LambdaVersion', 'V2_0')`; other overrides stay
/// unhandled (a warning).
fn pre_token_override(reader: &mut Reader, r: &Value, backend: &mut Backend) -> bool {
    let args = r.get("args").and_then(Value::as_array).cloned().unwrap_or_default();
    let (Some(path), Some(value)) = (args.first().and_then(Value::as_str), args.get(1)) else { return false };
    let version = match path {
        "LambdaConfig.PreTokenGenerationConfig" => lambda_version(value),
        "LambdaConfig.PreTokenGenerationConfig.LambdaVersion" => value.as_str().map(str::to_string),
        _ => return false,
    };
    with_auth(reader, r, backend, |auth, _| auth.pre_token_generation_version = version)
}

/// Proxy paths carry `()#n` markers for call results; show them as the user wrote them.
fn pretty(path: &str) -> String {
    let mut out = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '#' {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            continue;
        }
        out.push(c);
    }
    out.replace("new ", "")
}

fn with_auth(reader: &mut Reader, r: &Value, backend: &mut Backend, f: impl FnOnce(&mut Auth, &Value)) -> bool {
    match backend.auth.as_mut() {
        Some(auth) => f(auth, r.get("value").unwrap_or(&Value::Null)),
        None => reader.error(r, "this escape hatch changes auth, but the backend has no defineAuth() resource"),
    }
    true
}

/// `{ challengeRequiredOnNewDevice, deviceOnlyRememberedOnUserPrompt }` (CDK's camelCase, or the
/// CloudFormation PascalCase); `undefined`/`null` turns tracking off.
fn device_tracking(v: &Value) -> Option<DeviceTracking> {
    let obj = v.as_object()?;
    let flag = |a: &str, b: &str| obj.get(a).or_else(|| obj.get(b)).and_then(Value::as_bool).unwrap_or(false);
    Some(DeviceTracking {
        challenge_required_on_new_device: flag("challengeRequiredOnNewDevice", "ChallengeRequiredOnNewDevice"),
        device_only_remembered_on_user_prompt: flag("deviceOnlyRememberedOnUserPrompt", "DeviceOnlyRememberedOnUserPrompt"),
    })
}

fn apply_password_policy(p: &mut PasswordPolicy, v: &Value) {
    if let Some(n) = v.get("minimumLength").and_then(Value::as_u64) {
        p.min_length = n as u32;
    }
    let flag = |k: &str, cur: bool| v.get(k).and_then(Value::as_bool).unwrap_or(cur);
    p.require_lowercase = flag("requireLowercase", p.require_lowercase);
    p.require_uppercase = flag("requireUppercase", p.require_uppercase);
    p.require_numbers = flag("requireNumbers", p.require_numbers);
    p.require_symbols = flag("requireSymbols", p.require_symbols);
}

pub fn deep_merge(into: &mut Value, add: &Value) {
    match (into, add) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                deep_merge(a.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

/// `backend.<storage>.resources.bucket.addEventNotification(EventType.X, new LambdaDestination(backend.<fn>.resources.lambda), { prefix, suffix })`
fn add_notification(reader: &mut Reader, r: &Value, path: &str, records: &[Value], parts: &Map<String, Value>, backend: &mut Backend) {
    let key = path.trim_start_matches("backend.").split('.').next().unwrap_or_default();
    let bucket_name = parts.get(key).and_then(|p| p.get("props")).and_then(|p| str_of(p, "name")).map(str::to_string);
    let args = r.get("args").and_then(Value::as_array).cloned().unwrap_or_default();
    let event_path = args.first().and_then(|a| str_of(a, "$cdk")).unwrap_or_default();
    let event = s3_event_name(event_path.rsplit('.').next().unwrap_or_default());
    // The destination is the result of a `new …LambdaDestination(backend.fn.resources.lambda)`.
    let function = args.get(1).and_then(|d| str_of(d, "$cdk")).and_then(|dest| {
        let ctor = records.iter().find(|x| str_of(x, "result") == Some(dest))?;
        let lambda = ctor.get("args")?.get(0)?;
        let fkey = str_of(lambda, "$cdk")?.trim_start_matches("backend.").split('.').next()?.to_string();
        parts.get(&fkey).and_then(function_ref)
    });
    let (mut prefix, mut suffix) = (None, None);
    for filter in args.iter().skip(2) {
        prefix = prefix.or_else(|| str_of(filter, "prefix").map(str::to_string));
        suffix = suffix.or_else(|| str_of(filter, "suffix").map(str::to_string));
    }
    match backend.storage.iter_mut().find(|b| Some(&b.name) == bucket_name.as_ref()) {
        Some(bucket) => bucket.notifications.push(BucketNotification { event, function, prefix, suffix }),
        None => reader.warn(r, format!("addEventNotification on `{key}`, which is not a storage resource; ignored")),
    }
}

/// `backend.data.addDynamoDbDataSource(name, table)`: the table from `Table.fromTableName`,
/// `Table.fromTableArn` or `new Table(stack, id, { tableName, partitionKey, sortKey })`.
fn add_dynamodb_source(reader: &mut Reader, r: &Value, records: &[Value], backend: &mut Backend) -> bool {
    let args = r.get("args").and_then(Value::as_array).cloned().unwrap_or_default();
    let Some(name) = args.first().and_then(Value::as_str).map(str::to_string) else { return false };
    let ctor = args.get(1).and_then(|t| str_of(t, "$cdk")).and_then(|t| records.iter().find(|x| str_of(x, "result") == Some(t)));
    let arg = |c: &Value, i: usize| c.get("args").and_then(|a| a.get(i)).cloned().unwrap_or(Value::Null);
    let (table, partition_key, sort_key) = match ctor {
        Some(c) if str_of(c, "path").is_some_and(|p| p.ends_with("Table.fromTableName")) => (arg(c, 2).as_str().map(str::to_string), None, None),
        Some(c) if str_of(c, "path").is_some_and(|p| p.ends_with("Table.fromTableArn")) => {
            (arg(c, 2).as_str().and_then(|arn| arn.rsplit("table/").next()).map(|t| t.split('/').next().unwrap_or(t).to_string()), None, None)
        }
        Some(c) if str_of(c, "op") == Some("new") => {
            let props = arg(c, 2);
            let key = |k: &str| props.get(k).and_then(|p| str_of(p, "name")).map(str::to_string);
            (str_of(&props, "tableName").map(str::to_string).or_else(|| arg(c, 1).as_str().map(str::to_string)), key("partitionKey"), key("sortKey"))
        }
        _ => (None, None, None),
    };
    let table = table.unwrap_or_else(|| name.clone());
    add_data_source(reader, r, backend, DataSource { name, kind: DataSourceKind::DynamoDb { table, partition_key, sort_key } })
}

fn add_data_source(reader: &mut Reader, r: &Value, backend: &mut Backend, ds: DataSource) -> bool {
    match backend.data.as_mut() {
        Some(d) => d.data_sources.push(ds),
        None => reader.warn(r, "a data source was added, but the backend defines no data (defineData)"),
    }
    true
}

/// CDK `EventType.OBJECT_CREATED_PUT` → S3 `s3:ObjectCreated:Put`.
fn s3_event_name(cdk: &str) -> String {
    let (family, rest) = if let Some(r) = cdk.strip_prefix("OBJECT_CREATED") {
        ("ObjectCreated", r)
    } else if let Some(r) = cdk.strip_prefix("OBJECT_REMOVED") {
        ("ObjectRemoved", r)
    } else {
        return format!("s3:{cdk}");
    };
    let rest: Vec<String> = rest.trim_start_matches('_').split('_').filter(|s| !s.is_empty()).map(|w| crate::record::capitalize(&w.to_lowercase())).collect();
    if rest.is_empty() {
        format!("s3:{family}:*")
    } else {
        format!("s3:{family}:{}", rest.join(""))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn event_names() {
        assert_eq!(super::s3_event_name("OBJECT_CREATED_PUT"), "s3:ObjectCreated:Put");
        assert_eq!(super::s3_event_name("OBJECT_CREATED"), "s3:ObjectCreated:*");
        assert_eq!(super::s3_event_name("OBJECT_REMOVED_DELETE"), "s3:ObjectRemoved:Delete");
        assert_eq!(super::pretty("backend.createStack()#3.node"), "backend.createStack().node");
    }

    #[test]
    fn pre_token_generation_version_in_cdk_and_cloudformation_spelling() {
        use serde_json::json;
        assert_eq!(super::lambda_version(&json!({ "lambdaVersion": "V2_0", "lambdaArn": "arn" })).as_deref(), Some("V2_0"));
        assert_eq!(super::lambda_version(&json!({ "LambdaVersion": "V3_0" })).as_deref(), Some("V3_0"));
        assert_eq!(super::lambda_version(&json!({ "LambdaArn": "arn" })), None);
    }
}
