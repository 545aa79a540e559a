//! Custom queries and mutations answered by functions (`a.handler.function(fn)`), the way
//! Amplify's resolvers invoke Lambda: each function of the handler pipeline gets AppSync's Lambda
//! event (`typeName`, `fieldName`, `arguments`, `identity`, `source`, `request.headers`, `info`
//! with the selection set, `prev.result` of the previous function, `stash`); the last one's
//! result is the field's value. `.async()` functions are queued (Lambda `Event` invocation) and
//! answer `EventInvocationResponse { success }`. A function error is the field's AppSync error
//! (`Lambda:Unhandled` with the handler's message, as AppSync reports it).

use async_graphql::dynamic::ResolverContext;
use async_graphql::SelectionField;
use context::InvokeError;
use definition::ir::{CustomOperation, Handler};
use serde_json::{json, Map, Value};

use super::auth::{Caller, IamKind};
use super::error::DataError;
use super::request::RequestCtx;

/// What the HTTP layer knows about the request that a Lambda event carries.
#[derive(Debug, Clone, Default)]
pub struct LambdaRequest {
    /// Request headers as a JSON object (lower-case names).
    pub headers: Value,
    /// The operation's variables.
    pub variables: Value,
}

/// The selection set of the field being resolved, as AppSync's `info` gives it.
#[derive(Debug, Clone, Default)]
pub struct FieldInfo {
    pub selection_set_list: Vec<String>,
    pub selection_set_graphql: String,
    pub variables: Value,
    pub headers: Value,
}

/// Whether `op` is resolved by functions only (other handler kinds belong elsewhere).
pub fn handles(op: &CustomOperation) -> bool {
    !op.handlers.is_empty() && op.handlers.iter().all(|h| matches!(h, Handler::Function { .. }))
}

impl FieldInfo {
    pub fn of(ctx: &ResolverContext<'_>) -> FieldInfo {
        let mut list = Vec::new();
        let field = ctx.ctx.field();
        collect(field, "", &mut list);
        let request = ctx.ctx.data_opt::<LambdaRequest>().cloned().unwrap_or_default();
        FieldInfo { selection_set_list: list, selection_set_graphql: graphql_of(field), variables: request.variables, headers: request.headers }
    }
}

fn collect(field: SelectionField<'_>, prefix: &str, out: &mut Vec<String>) {
    for f in field.selection_set() {
        if f.name().starts_with("__") {
            continue;
        }
        let path = format!("{prefix}{}", f.name());
        out.push(path.clone());
        collect(f, &format!("{path}/"), out);
    }
}

fn graphql_of(field: SelectionField<'_>) -> String {
    let inner: Vec<String> = field
        .selection_set()
        .map(|f| {
            let sub = graphql_of(f);
            if sub.is_empty() {
                f.name().to_string()
            } else {
                format!("{} {sub}", f.name())
            }
        })
        .collect();
    if inner.is_empty() {
        String::new()
    } else {
        format!("{{\n  {}\n}}", inner.join("\n  "))
    }
}

/// AppSync's `identity` for the caller (null for API keys).
pub fn identity(caller: &Caller, headers: &Value, region: &str, identity_pool_id: &str) -> Value {
    let source_ip = headers.get("x-forwarded-for").and_then(Value::as_str).unwrap_or("127.0.0.1").split(',').map(|s| json!(s.trim())).collect::<Vec<_>>();
    match caller {
        Caller::ApiKey => Value::Null,
        Caller::UserPool(u) => json!({
            "sub": u.sub,
            "issuer": u.claims.get("iss").cloned().unwrap_or(Value::Null),
            "username": u.username,
            "claims": Value::Object(u.claims.clone()),
            "sourceIp": source_ip,
            "defaultAuthStrategy": "ALLOW",
            "groups": if u.groups.is_empty() { Value::Null } else { json!(u.groups) },
        }),
        Caller::Iam(i) => {
            let (auth_type, user) = match i.kind {
                IamKind::Guest => ("unauthenticated", "unauthRole"),
                IamKind::Authenticated => ("authenticated", "authRole"),
                IamKind::Admin => ("", "admin"),
            };
            json!({
                "accountId": "123456789012",
                "cognitoIdentityPoolId": if i.kind == IamKind::Admin { Value::Null } else { json!(identity_pool_id) },
                "cognitoIdentityId": if i.identity_id.is_empty() { Value::Null } else { json!(i.identity_id) },
                "sourceIp": source_ip,
                "username": format!("AROA000000000000000:{user}"),
                "userArn": format!("arn:aws:sts::123456789012:assumed-role/{user}/{region}"),
                "cognitoIdentityAuthType": if auth_type.is_empty() { Value::Null } else { json!(auth_type) },
                "cognitoIdentityAuthProvider": Value::Null,
            })
        }
        Caller::Oidc(u) => json!({
            "sub": u.sub,
            "issuer": u.claims.get("iss").cloned().unwrap_or(Value::Null),
            "claims": Value::Object(u.claims.clone()),
        }),
        Caller::Lambda(l) => json!({ "resolverContext": l.resolver_context }),
    }
}

/// Runs `op`'s function pipeline for one field.
pub async fn resolve(r: &RequestCtx, op: &CustomOperation, parent: &str, fname: &str, args: &Map<String, Value>, info: FieldInfo) -> Result<Value, DataError> {
    let identity = identity(&r.caller, &info.headers, &r.svc.ids.region, &r.svc.ids.identity_pool_id);
    let mut prev: Option<Value> = None;
    for handler in &op.handlers {
        let Handler::Function { function, asynchronous } = handler else { continue };
        let event = json!({
            "typeName": parent,
            "fieldName": fname,
            "arguments": Value::Object(args.clone()),
            "identity": identity,
            "source": Value::Null,
            "request": { "headers": info.headers, "domainName": Value::Null },
            "info": {
                "fieldName": fname,
                "parentTypeName": parent,
                "variables": info.variables,
                "selectionSetList": info.selection_set_list,
                "selectionSetGraphQL": info.selection_set_graphql,
            },
            "prev": prev.as_ref().map(|p| json!({ "result": p })).unwrap_or(Value::Null),
            "stash": {},
        });
        let result = if *asynchronous {
            r.svc.functions.invoke_async(function, event).await.map(|()| json!({ "success": true }))
        } else {
            r.svc.functions.invoke(function, event).await
        };
        prev = Some(result.map_err(|e| error(function, e))?);
    }
    Ok(prev.unwrap_or(Value::Null))
}

/// A failed invocation as the field's AppSync error.
pub fn error(function: &str, e: InvokeError) -> DataError {
    match e {
        InvokeError::Failed { message, .. } => DataError::new("Lambda:Unhandled", message),
        InvokeError::Timeout { seconds } => DataError::new("Lambda:Unhandled", format!("Task timed out after {seconds}.00 seconds")),
        InvokeError::NotFound(_) => DataError::new("Lambda:ResourceNotFoundException", format!("Function not found: {function}")),
        InvokeError::Unavailable(m) => DataError::new("Lambda:ServiceException", m),
    }
}

// ----- Lambda authorization (`allow.custom()`, authorization mode `lambda`) ------------------

/// A caller admitted by the Lambda authorizer.
#[derive(Debug, Clone)]
pub struct LambdaIdentity {
    /// `resolverContext` from the authorizer's response (handed to functions as `identity`).
    pub resolver_context: Value,
    /// `deniedFields`: `Type.field` names or AppSync field ARNs this caller may not resolve.
    pub denied_fields: Vec<String>,
}

type AuthCache = std::sync::Mutex<std::collections::HashMap<(String, String), (LambdaIdentity, std::time::Instant)>>;

/// Asks the API's Lambda authorizer about `token` (the `Authorization` header as sent), caching
/// a positive answer for `ttlOverride` or the mode's `timeToLiveInSeconds`, keyed by token.
pub async fn authorize(
    ctx: &context::ServiceContext,
    authorizer: &definition::ir::LambdaAuthorizer,
    token: &str,
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> Result<Caller, String> {
    static CACHE: std::sync::LazyLock<AuthCache> = std::sync::LazyLock::new(Default::default);
    let key = (authorizer.function.clone(), token.to_string());
    if let Some((who, until)) = CACHE.lock().ok().and_then(|c| c.get(&key).cloned()) {
        if until > std::time::Instant::now() {
            return Ok(Caller::Lambda(who));
        }
    }
    let req: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let event = json!({
        "authorizationToken": token,
        "requestContext": {
            "apiId": format!("ampstack{}", ctx.ids.bucket_suffix),
            "accountId": "123456789012",
            "requestId": uuid::Uuid::new_v4().to_string(),
            "queryString": req.get("query").cloned().filter(|v| !v.is_null()).unwrap_or_else(|| json!("")),
            "operationName": req.get("operationName").cloned().filter(|v| !v.is_null()).unwrap_or_else(|| json!("")),
            "variables": req.get("variables").filter(|v| !v.is_null()).cloned().unwrap_or(json!({})),
        },
        "requestHeaders": headers_json(headers),
    });
    let denied = || "You are not authorized to make this call.".to_string();
    let answer = match ctx.functions.invoke(&authorizer.function, event).await {
        Ok(a) => a,
        Err(e) => {
            eprintln!("[ampstack] Lambda authorizer `{}` failed: {e}", authorizer.function);
            return Err(denied());
        }
    };
    if answer.get("isAuthorized").and_then(Value::as_bool) != Some(true) {
        return Err(denied());
    }
    let who = LambdaIdentity {
        resolver_context: answer.get("resolverContext").cloned().filter(|v| !v.is_null()).unwrap_or(json!({})),
        denied_fields: answer.get("deniedFields").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect()).unwrap_or_default(),
    };
    let ttl = answer.get("ttlOverride").and_then(Value::as_u64).unwrap_or(u64::from(authorizer.ttl_seconds));
    if ttl > 0 {
        if let Ok(mut c) = CACHE.lock() {
            c.retain(|_, (_, until)| *until > std::time::Instant::now());
            c.insert(key, (who.clone(), std::time::Instant::now() + std::time::Duration::from_secs(ttl.min(3600))));
        }
    }
    Ok(Caller::Lambda(who))
}

/// Request headers as the JSON object AppSync hands functions (lower-case names).
pub fn headers_json(headers: &axum::http::HeaderMap) -> Value {
    Value::Object(headers.iter().filter_map(|(k, v)| Some((k.as_str().to_string(), Value::String(v.to_str().ok()?.to_string())))).collect())
}

/// Whether the authorizer denied this caller the field `parent.field`.
pub fn field_denied(caller: &Caller, parent: &str, field: &str) -> bool {
    let Caller::Lambda(l) = caller else { return false };
    let short = format!("{parent}.{field}");
    let arn_tail = format!("/types/{parent}/fields/{field}");
    l.denied_fields.iter().any(|d| *d == short || d.ends_with(&arn_tail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::auth::{IamIdentity, UserIdentity};

    #[test]
    fn denied_fields_by_name_or_arn() {
        let caller = Caller::Lambda(LambdaIdentity {
            resolver_context: json!({}),
            denied_fields: vec!["Mutation.deleteVault".into(), "arn:aws:appsync:us-east-1:1:apis/x/types/Query/fields/listVaults".into()],
        });
        assert!(field_denied(&caller, "Mutation", "deleteVault"));
        assert!(field_denied(&caller, "Query", "listVaults"));
        assert!(!field_denied(&caller, "Query", "getVault"));
        assert!(!field_denied(&Caller::ApiKey, "Mutation", "deleteVault"));
    }

    #[test]
    fn identities_in_appsync_shape() {
        let headers = json!({ "x-forwarded-for": "10.0.0.1, 10.0.0.2" });
        assert_eq!(identity(&Caller::ApiKey, &headers, "us-east-1", "pool"), Value::Null);
        let mut claims = Map::new();
        claims.insert("iss".into(), json!("https://issuer"));
        let user = Caller::UserPool(UserIdentity { sub: "s-1".into(), username: "ada".into(), groups: vec!["Admins".into()], claims });
        let id = identity(&user, &headers, "us-east-1", "pool");
        assert_eq!(id["sub"], "s-1");
        assert_eq!(id["username"], "ada");
        assert_eq!(id["issuer"], "https://issuer");
        assert_eq!(id["groups"], json!(["Admins"]));
        assert_eq!(id["sourceIp"], json!(["10.0.0.1", "10.0.0.2"]));
        let guest = Caller::Iam(IamIdentity { kind: IamKind::Guest, identity_id: "us-east-1:abc".into(), function: None });
        let id = identity(&guest, &json!({}), "us-east-1", "us-east-1:pool");
        assert_eq!(id["cognitoIdentityAuthType"], "unauthenticated");
        assert_eq!(id["cognitoIdentityId"], "us-east-1:abc");
        assert_eq!(id["cognitoIdentityPoolId"], "us-east-1:pool");
    }

    #[test]
    fn function_only_handlers() {
        let mut op: CustomOperation = serde_json::from_value(json!({
            "name": "x", "kind": "Query", "arguments": [], "returns": { "base": { "kind": "scalar", "name": "String" }, "required": false, "list": false, "list_required": false },
            "auth": [], "handlers": [{ "kind": "function", "function": "f", "asynchronous": false }], "subscription_sources": [], "returns_inferred": false
        }))
        .unwrap();
        assert!(handles(&op));
        op.handlers.push(Handler::Custom { entry: None, data_source: None });
        assert!(!handles(&op));
        op.handlers.clear();
        assert!(!handles(&op));
    }
}
