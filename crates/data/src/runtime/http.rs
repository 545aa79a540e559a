//! `POST /graphql`: AppSync's HTTP contract.
//!
//! Credentials first (a bad or missing one is HTTP 401 with `x-amzn-ErrorType:
//! UnauthorizedException`); then the JSON body `{query, variables, operationName}` (malformed →
//! 400 with `x-amzn-ErrorType: MalformedHttpRequestException`, which the client surfaces); then
//! execution, answered with HTTP 200 and `{"data": ..., "errors": [...]}` in AppSync's shape.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::auth::identify;
use super::error::{render_errors, request_error, unauthorized_response};
use super::request::RequestCtx;
use super::service::DataService;

/// Largest request body accepted.
pub const MAX_BODY: usize = 5 * 1024 * 1024;
/// Longest query document accepted (characters).
pub const MAX_QUERY: usize = 256 * 1024;

pub async fn graphql(State(svc): State<Arc<DataService>>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let built = svc.current().await;
    let schema = match &built.schema {
        Ok(s) => s,
        Err(e) => return request_error(StatusCode::NOT_FOUND, "NotFoundException", e),
    };
    let expired = svc.api_key_expired().await;
    let caller = match identify(&svc.ctx, &headers, uri.path(), &body, expired).await {
        Ok(c) => c,
        Err(message) => return unauthorized_response(&message),
    };
    let Ok(Value::Object(req)) = serde_json::from_slice::<Value>(&body) else {
        return request_error(StatusCode::BAD_REQUEST, "MalformedHttpRequestException", "The request body is not a JSON object.");
    };
    let Some(query) = req.get("query").and_then(Value::as_str) else {
        return request_error(StatusCode::BAD_REQUEST, "MalformedHttpRequestException", "The request has no `query` string.");
    };
    if query.len() > MAX_QUERY {
        return request_error(StatusCode::BAD_REQUEST, "BadRequestException", "The query document is too large.");
    }
    let variables = match req.get("variables") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(v)) => v.clone(),
        Some(_) => return request_error(StatusCode::BAD_REQUEST, "MalformedHttpRequestException", "`variables` must be an object."),
    };
    let signer = match svc.signer().await {
        Ok(s) => s,
        Err(e) => return request_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalFailure", &e.message),
    };
    let rctx = RequestCtx::new(&svc.ctx, caller, &built, signer);
    // Only a function's credentials are limited by operation type (parsed here for them alone).
    let is_function = matches!(&rctx.caller, super::auth::Caller::Iam(i) if i.function.is_some());
    if let Some(kind) = is_function.then(|| operation_kind(query, req.get("operationName").and_then(Value::as_str))).flatten() {
        if let Err(message) = super::auth::function_may(&rctx.caller, rctx.schema(), kind) {
            let body = json!({ "data": null, "errors": [{ "errorType": "Unauthorized", "message": message }] });
            return (StatusCode::OK, Json(body)).into_response();
        }
    }
    let lambda_request = super::lambda::LambdaRequest {
        headers: super::lambda::headers_json(&headers),
        variables: Value::Object(variables.clone()),
    };
    let mut request = async_graphql::Request::new(query)
        .variables(async_graphql::Variables::from_json(Value::Object(variables)))
        .data(rctx)
        .data(lambda_request)
        .data(super::appsync_js::RequestHeaders::new(&headers))
        .data(svc.realtime.clone());
    if let Some(op) = req.get("operationName").and_then(Value::as_str) {
        request = request.operation_name(op);
    }
    if let Some(doc) = svc.documents.get(query) {
        request.set_parsed_query(doc);
    }
    let resp = schema.execute(request).await;
    let data = resp.data.into_json().unwrap_or(Value::Null);
    let mut body = json!({ "data": data });
    if !resp.errors.is_empty() {
        body["errors"] = Value::Array(render_errors(&resp.errors));
    }
    (StatusCode::OK, Json(body)).into_response()
}

/// The operation type a request runs (`query`, `mutate`, `listen`), when the document parses and
/// names one operation.
fn operation_kind(query: &str, name: Option<&str>) -> Option<&'static str> {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let doc = async_graphql::parser::parse_query(query).ok()?;
    let op = match &doc.operations {
        DocumentOperations::Single(op) => &op.node,
        DocumentOperations::Multiple(ops) => match name {
            Some(n) => &ops.iter().find(|(k, _)| k.as_str() == n)?.1.node,
            None if ops.len() == 1 => &ops.values().next()?.node,
            None => return None,
        },
    };
    Some(match op.ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutate",
        OperationType::Subscription => "listen",
    })
}
