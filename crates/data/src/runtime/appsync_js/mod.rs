//! Custom queries and mutations handled by AppSync JS resolvers
//! (`a.handler.custom({ dataSource, entry })`), run the way AppSync runs Amplify's pipeline:
//!
//! 1. the operation's authorization rules (static rules only, as on AppSync);
//! 2. Amplify's top-level pipeline request (`ctx.stash.apiId`, `ctx.stash.amplifyEnvironmentName`);
//! 3. for each handler in order: `request(ctx)` → the data source → `response(ctx)`, whose value
//!    is the next handler's `ctx.prev.result`; `ctx.stash` carries over; `runtime.earlyReturn(x)`
//!    in `request` skips that handler's data source and `response`;
//! 4. the last result is the field's value.
//!
//! Data sources: `NONE` (the request's `payload` becomes `ctx.result`) and model tables
//! (`a.ref('Model')`, i.e. `ModelTable`: DynamoDB request objects over the store, [`dynamodb`]).
//! A data source failure is `ctx.error` for `response` to handle, as on AppSync.
//! `util.error(message, type, data, info)` fails the field with AppSync's error shape
//! ([`ResolverError`]); `util.appendError` adds errors and keeps the value.
//!
//! Module map: [`engine`] runs QuickJS, [`expr`] parses DynamoDB expressions, [`dynamodb`] and
//! [`update`] run request objects, [`values`] reads DynamoDB typed JSON; `utils.js` is
//! `@aws-appsync/utils`.

pub mod dynamodb;
pub mod engine;
pub mod expr;
pub mod update;
pub mod values;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::SystemTime;

use async_graphql::dynamic::{Field, FieldFuture, FieldValue, ResolverContext, TypeRef};
use async_graphql::{Name, Value as GqlValue};
use definition::ir::{Backend, BaseType, CustomOperation, DataSourceKind, Handler, TypeRef as IrType};
use serde_json::{json, Map, Value};

use super::auth::{self, Access, Caller};
use super::error::DataError;
use super::request::{req, RequestCtx};
use super::scalars;
use super::values::args_json;

/// An error a resolver raised (`util.error`, `util.appendError`) or a failure of its pipeline,
/// rendered with AppSync's `errorType`, `data` and `errorInfo`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolverError {
    pub error_type: Option<String>,
    pub message: String,
    pub data: Value,
    pub error_info: Value,
}

impl std::fmt::Display for ResolverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ResolverError {}

impl From<DataError> for ResolverError {
    fn from(e: DataError) -> ResolverError {
        ResolverError {
            error_type: Some(e.error_type),
            message: e.message,
            data: Value::Null,
            error_info: Value::Null,
        }
    }
}

impl ResolverError {
    fn code(message: impl Into<String>) -> ResolverError {
        ResolverError {
            error_type: Some("Code".into()),
            message: message.into(),
            data: Value::Null,
            error_info: Value::Null,
        }
    }

    fn from_js(v: &Value) -> ResolverError {
        ResolverError {
            error_type: v.get("type").and_then(|t| {
                if t.is_null() {
                    None
                } else {
                    Some(t.as_str().map(str::to_string).unwrap_or_else(|| t.to_string()))
                }
            }),
            message: v.get("message").and_then(Value::as_str).unwrap_or("Error").to_string(),
            data: v.get("data").cloned().unwrap_or(Value::Null),
            error_info: v.get("errorInfo").cloned().unwrap_or(Value::Null),
        }
    }
}

/// The request's headers as resolvers see them (`ctx.request.headers`), put in the GraphQL
/// request's data by the HTTP endpoint.
pub struct RequestHeaders(pub Map<String, Value>);

impl RequestHeaders {
    pub fn new(headers: &axum::http::HeaderMap) -> RequestHeaders {
        RequestHeaders(
            headers
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_string(), Value::String(v.to_str().ok()?.to_string()))))
                .collect(),
        )
    }
}

/// The custom operation `parent.field` when AppSync JS resolvers handle it.
pub fn custom_op(backend: &Backend, parent: &str, field: &str) -> Option<Arc<CustomOperation>> {
    let schema = &backend.data.as_ref()?.schema;
    let ops = match parent {
        "Query" => &schema.queries,
        "Mutation" => &schema.mutations,
        _ => return None,
    };
    let op = ops.iter().find(|o| o.name == field)?;
    (!op.handlers.is_empty() && op.handlers.iter().all(|h| matches!(h, Handler::Custom { .. }))).then(|| Arc::new(op.clone()))
}

/// The root field for `op`, resolved by its pipeline of JS resolvers.
pub fn field(op: Arc<CustomOperation>, parent: &str, ty: TypeRef) -> Field {
    let parent = parent.to_string();
    let name = op.name.clone();
    Field::new(name, ty, move |ctx| {
        let (op, parent) = (op.clone(), parent.clone());
        FieldFuture::new(async move {
            let r: &Arc<RequestCtx> = req(&ctx)?;
            let args = args_json(&ctx.args);
            let headers = ctx.ctx.data_opt::<RequestHeaders>().map(|h| h.0.clone()).unwrap_or_default();
            let info = json!({
                "fieldName": op.name,
                "parentTypeName": parent,
                "variables": ctx.ctx.query_env.variables.clone().into_value().into_json().unwrap_or(Value::Null),
                "selectionSetList": selection_list(&ctx),
                "selectionSetGraphQL": "",
            });
            let run = run(r, &op, &parent, args, info, headers).await;
            for e in run.appended {
                report(&ctx, e);
            }
            Ok(match run.result {
                Ok(v) => output(v, &op.returns),
                Err(e) => {
                    report(&ctx, e);
                    None
                }
            })
        })
    })
}

fn report(ctx: &ResolverContext<'_>, e: ResolverError) {
    let err = async_graphql::Error::from(e).into_server_error(ctx.ctx.item.pos);
    ctx.add_error(ctx.set_error_path(err));
}

/// `a/b` paths of the selection, as AppSync's `ctx.info.selectionSetList`.
fn selection_list(ctx: &ResolverContext<'_>) -> Vec<String> {
    fn walk(prefix: &str, set: async_graphql::SelectionField<'_>, out: &mut Vec<String>) {
        for f in set.selection_set() {
            let path = if prefix.is_empty() {
                f.name().to_string()
            } else {
                format!("{prefix}/{}", f.name())
            };
            out.push(path.clone());
            walk(&path, f, out);
        }
    }
    let mut out = Vec::new();
    walk("", ctx.ctx.field(), &mut out);
    out.retain(|p| !p.ends_with("__typename"));
    out
}

/// A resolver's JSON result as the value of a field of type `ty`.
fn output(v: Value, ty: &IrType) -> Option<FieldValue<'static>> {
    if v.is_null() {
        return None;
    }
    if ty.list {
        let items = match v {
            Value::Array(a) => a,
            other => vec![other],
        };
        return Some(FieldValue::list(items.into_iter().map(|i| one(i, &ty.base).unwrap_or(FieldValue::NULL))));
    }
    one(v, &ty.base)
}

fn one(v: Value, base: &BaseType) -> Option<FieldValue<'static>> {
    if v.is_null() {
        return None;
    }
    Some(match base {
        BaseType::Scalar(_) => FieldValue::value(scalars::to_output(base.name(), &v)),
        BaseType::Enum(_) => FieldValue::value(v.as_str().map(|s| GqlValue::Enum(Name::new(s))).unwrap_or(GqlValue::Null)),
        BaseType::CustomType(_) | BaseType::Model(_) => FieldValue::owned_any(v),
    })
}

/// The longest one field's whole pipeline (every handler and data source call) may take; each
/// `request`/`response` call has its own, shorter limit ([`engine::CALL_TIMEOUT`]).
pub const PIPELINE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The outcome of one pipeline: the value (or the error that failed it) plus appended errors.
pub struct Run {
    pub result: Result<Value, ResolverError>,
    pub appended: Vec<ResolverError>,
}

/// Runs `op`'s handlers for one call.
pub async fn run(r: &RequestCtx, op: &CustomOperation, parent: &str, args: Map<String, Value>, info: Value, headers: Map<String, Value>) -> Run {
    let mut appended = Vec::new();
    let result = match tokio::time::timeout(PIPELINE_TIMEOUT, pipeline(r, op, parent, args, info, headers, &mut appended)).await {
        Ok(r) => r,
        Err(_) => Err(ResolverError {
            error_type: Some("ExecutionTimeout".into()),
            message: "Execution timed out.".into(),
            data: Value::Null,
            error_info: Value::Null,
        }),
    };
    Run { result, appended }
}

async fn pipeline(
    r: &RequestCtx,
    op: &CustomOperation,
    parent: &str,
    args: Map<String, Value>,
    info: Value,
    headers: Map<String, Value>,
    appended: &mut Vec<ResolverError>,
) -> Result<Value, ResolverError> {
    if auth::decide(&r.caller, &op.auth, "get") == Access::Denied {
        return Err(DataError::unauthorized(&op.name, parent).into());
    }
    let set = compiled_set(&r.backend);
    let meta = json!({ "authType": auth_type(&r.caller), "info": info }).to_string();
    let mut ctx = json!({
        "arguments": args,
        "identity": identity(r, &headers),
        "source": null,
        "stash": { "apiId": r.svc.ids.bucket_suffix, "amplifyEnvironmentName": "NONE" },
        "prev": { "result": null },
        "info": info,
        "request": { "headers": headers, "domainName": null },
        "result": null,
        "error": null,
    });
    for h in &op.handlers {
        let Handler::Custom { entry, data_source } = h else { continue };
        let entry = entry
            .as_deref()
            .ok_or_else(|| ResolverError::code(format!("The handler of `{}` has no `entry` file", op.name)))?;
        let code = set.code(entry).await.map_err(ResolverError::code)?;
        ctx["result"] = Value::Null;
        ctx["error"] = Value::Null;
        let out = step(&code, "request", &ctx, &meta, appended).await?;
        ctx["stash"] = out["stash"].clone();
        if out["kind"] == "early" {
            ctx["prev"] = json!({ "result": out["result"] });
            continue;
        }
        let request = out["result"].clone();
        match data_source_call(r, data_source.as_deref(), &request).await? {
            Ok(v) => ctx["result"] = v,
            Err(e) => {
                tracing::debug!("data: data source of `{}` failed: {}", op.name, e.message);
                ctx["error"] = json!({ "message": e.message, "type": e.error_type });
            }
        }
        let out = step(&code, "response", &ctx, &meta, appended).await?;
        ctx["stash"] = out["stash"].clone();
        ctx["prev"] = json!({ "result": out["result"] });
    }
    Ok(ctx["prev"]["result"].clone())
}

/// One `request`/`response` call; a raised error ends the pipeline.
async fn step(code: &Arc<engine::Compiled>, func: &'static str, ctx: &Value, meta: &str, appended: &mut Vec<ResolverError>) -> Result<Value, ResolverError> {
    let out = engine::call(code.clone(), func, ctx.to_string(), meta.to_string())
        .await
        .map_err(ResolverError::code)?;
    for e in out["errors"].as_array().into_iter().flatten() {
        appended.push(ResolverError::from_js(e));
    }
    if out["kind"] == "error" {
        return Err(ResolverError::from_js(&out["error"]));
    }
    Ok(out)
}

/// Sends `request` to the handler's data source: `Ok(Ok(result))`, `Ok(Err(data source
/// error))` for `ctx.error`, or `Err` when the data source cannot be used at all.
async fn data_source_call(r: &RequestCtx, name: Option<&str>, request: &Value) -> Result<Result<Value, DataError>, ResolverError> {
    match name {
        None | Some("NONE") | Some("NONE_DS") => Ok(Ok(request.get("payload").cloned().unwrap_or(Value::Null))),
        Some(ds) => {
            let model = ds.strip_suffix("Table").and_then(|m| r.plan(m)).or_else(|| r.plan(ds)).filter(|p| p.managed);
            if let Some(plan) = model {
                return Ok(dynamodb::execute(r, plan, request).await);
            }
            let added = r.backend.data.as_ref().and_then(|d| d.data_sources.iter().find(|s| s.name == ds));
            match added.map(|s| &s.kind) {
                Some(DataSourceKind::None) => Ok(Ok(request.get("payload").cloned().unwrap_or(Value::Null))),
                Some(DataSourceKind::DynamoDb {
                    table,
                    partition_key,
                    sort_key,
                }) => {
                    let plan = dynamodb::external_plan(r, table, partition_key.as_deref(), sort_key.as_deref(), request).await;
                    Ok(dynamodb::execute(r, &plan, request).await)
                }
                None => Err(DataError::not_available(&format!("The data source `{ds}`")).into()),
            }
        }
    }
}

/// Runs a custom subscription's JS handlers when a client subscribes (`receive.js` in the seeds):
/// `Ok(Some(filter))` when `extensions.setSubscriptionFilter(...)` was called (the value of
/// `util.transform.toSubscriptionFilter`: `{filterGroup: [{filters: [{fieldName, operator,
/// value}]}]}`), `Ok(None)` without a filter, `Err` when a handler refused the subscription
/// (`util.error`, `util.unauthorized`) or the caller's rules deny it. For the realtime endpoint.
pub async fn subscription_filter(r: &RequestCtx, op: &CustomOperation, args: Map<String, Value>) -> Result<Option<Value>, ResolverError> {
    if auth::decide(&r.caller, &op.auth, "listen") == Access::Denied && auth::decide(&r.caller, &op.auth, "get") == Access::Denied {
        return Err(DataError::unauthorized(&op.name, "Subscription").into());
    }
    let set = compiled_set(&r.backend);
    let info = json!({ "fieldName": op.name, "parentTypeName": "Subscription", "variables": {}, "selectionSetList": [], "selectionSetGraphQL": "" });
    let meta = json!({ "authType": auth_type(&r.caller), "info": info }).to_string();
    let mut ctx = json!({
        "arguments": args, "identity": identity(r, &Map::new()), "source": null, "stash": {}, "prev": { "result": null },
        "info": info, "request": { "headers": {}, "domainName": null }, "result": null, "error": null,
    });
    let mut filter = None;
    let mut ignored = Vec::new();
    for h in &op.handlers {
        let Handler::Custom { entry: Some(entry), .. } = h else { continue };
        let code = set.code(entry).await.map_err(ResolverError::code)?;
        for func in ["request", "response"] {
            let out = step(&code, func, &ctx, &meta, &mut ignored).await?;
            ctx["stash"] = out["stash"].clone();
            if let Some(f) = out.get("subscriptionFilter").filter(|f| !f.is_null()) {
                filter = Some(f.clone());
            }
            if func == "request" {
                ctx["result"] = out["result"].get("payload").cloned().unwrap_or(Value::Null);
            } else {
                ctx["prev"] = json!({ "result": out["result"] });
            }
        }
    }
    Ok(filter)
}

/// `ctx.identity` as AppSync builds it for each authorization mode (the same object Lambda
/// resolvers receive).
fn identity(r: &RequestCtx, headers: &Map<String, Value>) -> Value {
    super::lambda::identity(&r.caller, &Value::Object(headers.clone()), &r.svc.ids.region, &r.svc.ids.identity_pool_id)
}

/// `util.authType()`.
fn auth_type(caller: &Caller) -> &'static str {
    #[allow(unreachable_patterns)]
    match caller {
        Caller::ApiKey => "API Key Authorization",
        Caller::UserPool(_) => "User Pool Authorization",
        Caller::Iam(_) => "IAM Authorization",
        Caller::Oidc(_) => "Open ID Connect Authorization",
        _ => "Lambda Authorization",
    }
}

/// The compiled resolver files of one backend version. A file edited since it was compiled is
/// compiled again (resolver files are not part of the definition, so a change to one does not
/// reload the backend).
struct CompiledSet {
    backend: Weak<Backend>,
    files: tokio::sync::Mutex<HashMap<PathBuf, (Option<SystemTime>, Arc<engine::Compiled>)>>,
}

impl CompiledSet {
    async fn code(&self, path: &Path) -> Result<Arc<engine::Compiled>, String> {
        let mtime = tokio::fs::metadata(path).await.ok().and_then(|m| m.modified().ok());
        let mut files = self.files.lock().await;
        if let Some((t, c)) = files.get(path) {
            if *t == mtime {
                return Ok(c.clone());
            }
        }
        let compiled = engine::compile(path).await?;
        files.insert(path.to_path_buf(), (mtime, compiled.clone()));
        Ok(compiled)
    }
}

static SETS: Mutex<Vec<Arc<CompiledSet>>> = Mutex::new(Vec::new());

fn compiled_set(backend: &Arc<Backend>) -> Arc<CompiledSet> {
    let mut sets = SETS.lock().unwrap_or_else(|p| p.into_inner());
    sets.retain(|s| s.backend.strong_count() > 0);
    if let Some(s) = sets.iter().find(|s| s.backend.upgrade().is_some_and(|b| Arc::ptr_eq(&b, backend))) {
        return s.clone();
    }
    let s = Arc::new(CompiledSet {
        backend: Arc::downgrade(backend),
        files: tokio::sync::Mutex::new(HashMap::new()),
    });
    sets.push(s.clone());
    s
}

/// Compiles every JS resolver of `backend` now, so a broken file is reported when the backend
/// is served rather than at its first call. Returns `file: message` for each failure.
pub async fn precompile(backend: &Arc<Backend>) -> Vec<String> {
    let Some(data) = &backend.data else { return vec![] };
    let set = compiled_set(backend);
    let mut errors = Vec::new();
    for op in data.schema.queries.iter().chain(&data.schema.mutations).chain(&data.schema.subscriptions) {
        for h in &op.handlers {
            if let Handler::Custom { entry: Some(entry), .. } = h {
                if let Err(e) = set.code(entry).await {
                    errors.push(format!("`{}`: {e}", op.name));
                }
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests;
