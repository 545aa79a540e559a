//! The environment a function's worker starts with: what Lambda sets (`AWS_REGION`,
//! `AWS_LAMBDA_FUNCTION_NAME`, …), what `defineFunction({ environment })` declares (secrets
//! resolved from the sandbox's [`SecretStore`](crate::secrets::SecretStore)), and what
//! amplify-backend adds for resource access: `AMPLIFY_DATA_DEFAULT_NAME` and
//! `<DATA>_GRAPHQL_ENDPOINT` / `<DATA>_MODEL_INTROSPECTION_SCHEMA_{BUCKET_NAME,KEY}` for
//! `allow.resource(fn)` on the schema, `<bucket>_BUCKET_NAME` for storage access,
//! `AMPLIFY_AUTH_USERPOOL_ID` for auth access and triggers, plus AWS credentials the sandbox
//! accepts for SigV4 (its administrator credentials) when the function may call any of them.

use std::collections::BTreeMap;
use std::path::Path;

use context::{InvokeError, ServiceContext};
use definition::ir::{Backend, EnvValue, Function, StorageGrantee};

use crate::secrets::Secret;

/// The account id in ARNs the sandbox makes up.
pub const ACCOUNT_ID: &str = "123456789012";
/// The object key `getAmplifyDataClientConfig` reads the model introspection schema from.
pub const MIS_KEY: &str = "modelIntrospectionSchema.json";

/// amplify-backend's `toScreamingSnakeCase`: `amplifyData` → `AMPLIFY_DATA`.
pub fn screaming_snake(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' });
    }
    out
}

/// Whether `function` may call the data API (schema-level `allow.resource(fn)`).
pub fn has_data_access(backend: &Backend, function: &str) -> bool {
    backend
        .data
        .as_ref()
        .is_some_and(|d| d.schema.function_access.iter().any(|a| a.function == function))
}

/// The worker environment of `f`, or why it cannot start (a secret is not set).
pub fn environment(
    ctx: &ServiceContext,
    backend: &Backend,
    f: &Function,
    secrets: &BTreeMap<String, Secret>,
    project: &Path,
) -> Result<BTreeMap<String, String>, InvokeError> {
    let region = ctx.ids.region.clone();
    let mut env = BTreeMap::new();
    for (k, v) in &f.environment {
        let value = match v {
            EnvValue::Plain(s) => s.clone(),
            EnvValue::Secret(name) => match secrets.get(name) {
                Some(s) => s.value.clone(),
                None => {
                    return Err(InvokeError::Unavailable(format!(
                    "function `{}` needs the secret `{name}` (environment variable {k}), which is not set; set it with `ampstack secret set {name} --dir {}`",
                    f.name,
                    project.display()
                )))
                }
            },
        };
        env.insert(k.clone(), value);
    }
    // The sandbox serves plain HTTP on its HTTPS port too; functions use it so Node needs no CA.
    let http_base = ctx.base_url.replacen("https://", "http://", 1);
    if let Some(data) = backend.data.as_ref().filter(|_| has_data_access(backend, &f.name)) {
        let prefix = screaming_snake(&data.name);
        env.insert("AMPLIFY_DATA_DEFAULT_NAME".into(), data.name.clone());
        env.insert(format!("{prefix}_GRAPHQL_ENDPOINT"), format!("{http_base}/graphql"));
        env.insert(
            format!("{prefix}_MODEL_INTROSPECTION_SCHEMA_BUCKET_NAME"),
            ctx.ids.bucket_name("modelintrospectionschema"),
        );
        env.insert(format!("{prefix}_MODEL_INTROSPECTION_SCHEMA_KEY"), MIS_KEY.into());
    }
    for b in &backend.storage {
        let granted = b
            .access
            .iter()
            .flat_map(|p| &p.rules)
            .any(|r| matches!(&r.grantee, StorageGrantee::Resource { function } if *function == f.name));
        let triggered = b.triggers.values().any(|t| *t == f.name) || b.notifications.iter().any(|n| n.function.as_deref() == Some(&f.name));
        if granted || triggered {
            env.insert(format!("{}_BUCKET_NAME", b.name), ctx.ids.bucket_name(&b.name));
            }
    }
    if let Some(a) = &backend.auth {
        if a.access.contains_key(&f.name) || a.triggers.values().any(|t| *t == f.name) {
            env.insert("AMPLIFY_AUTH_USERPOOL_ID".into(), ctx.ids.user_pool_id.clone());
            }
    }
    // Like a Lambda's execution role, every function has credentials of its own; each service
    // allows them only what `allow.resource(fn)` / `access` grants that function.
    if let Ok(admin) = auth::admin::AdminCredentials::load_or_create(&ctx.data_dir) {
        let own = admin.for_function(&f.name);
        env.insert("AWS_ACCESS_KEY_ID".into(), own.access_key_id);
        env.insert("AWS_SECRET_ACCESS_KEY".into(), own.secret_access_key);
    }
    // AWS SDK v3 clients reach the sandbox's Cognito and S3 APIs through the standard
    // service-specific endpoint variables (S3 path-style, as the SDK uses for an IP endpoint).
    env.insert("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER".into(), format!("{http_base}/cognito-idp/"));
    env.insert("AWS_ENDPOINT_URL_S3".into(), format!("{http_base}/s3"));
    // Lambda's own variables win over user-declared ones, as Lambda reserves them.
    for (k, v) in [
        ("AWS_REGION", region.clone()),
        ("AWS_DEFAULT_REGION", region.clone()),
        ("AWS_EXECUTION_ENV", "AWS_Lambda_nodejs20.x".to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", f.name.clone()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", f.memory_mb.to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_string()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_string()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", f.name)),
        ("_HANDLER", "index.handler".to_string()),
        ("LAMBDA_TASK_ROOT", crate::build::build_dir(project, &f.name).display().to_string()),
        ("TZ", "UTC".to_string()),
        ("LANG", "en_US.UTF-8".to_string()),
    ] {
        env.insert(k.to_string(), v);
    }
    Ok(env)
}

/// A fresh CloudWatch-style log stream name (one per worker, as per execution environment).
pub fn log_stream() -> String {
    format!("{}/[$LATEST]{}", today(), uuid::Uuid::new_v4().simple())
}

fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    crate::schedule::format_rfc3339(secs)[..10].replace('-', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screaming_snake_matches_amplify() {
        assert_eq!(screaming_snake("amplifyData"), "AMPLIFY_DATA");
        assert_eq!(screaming_snake("myAPI2Name"), "MY_API2_NAME");
        assert_eq!(screaming_snake("todo-api"), "TODO_API");
    }
}
