//! Errors of the GraphQL runtime, rendered in AppSync's wire shape.
//!
//! Resolvers fail with a [`DataError`] (an AppSync `errorType` and a message); it travels through
//! async-graphql as the error's source and comes out of [`render_errors`] as
//! `{"path", "data": null, "errorType", "errorInfo": null, "locations", "message"}`, the shape
//! the aws-amplify client passes through untouched. Errors async-graphql raises itself (syntax,
//! validation, variable coercion) become AppSync's `ValidationError`/`MalformedHttpRequestException`.
//! Credential failures are not GraphQL errors: AppSync answers them with HTTP 401 and
//! `x-amzn-ErrorType: UnauthorizedException` ([`unauthorized_response`]).

use async_graphql::{PathSegment, ServerError};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// A resolver failure with AppSync's `errorType`.
#[derive(Debug, Clone, PartialEq)]
pub struct DataError {
    pub error_type: String,
    pub message: String,
}

impl std::fmt::Display for DataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DataError {}

impl DataError {
    pub fn new(error_type: impl Into<String>, message: impl Into<String>) -> DataError {
        DataError { error_type: error_type.into(), message: message.into() }
    }

    /// AppSync's authorization failure for a field: `Not Authorized to access X on type Y`.
    pub fn unauthorized(field: &str, type_name: &str) -> DataError {
        DataError::new("Unauthorized", format!("Not Authorized to access {field} on type {type_name}"))
    }

    /// A request AppSync would reject while checking its input.
    pub fn validation(message: impl Into<String>) -> DataError {
        DataError::new("ValidationError", message)
    }

    /// A failed write condition, as AppSync reports DynamoDB's.
    pub fn condition_failed() -> DataError {
        DataError::new(
            "DynamoDB:ConditionalCheckFailedException",
            "The conditional request failed (Service: DynamoDb, Status Code: 400, Request ID: null)",
        )
    }

    /// A nextToken that we did not issue, or that was altered.
    pub fn bad_token(detail: &str) -> DataError {
        DataError::new("InvalidNextTokenException", format!("Invalid nextToken: {detail}"))
    }

    /// Something Ampstack does not serve yet.
    pub fn not_available(what: &str) -> DataError {
        DataError::new("NotImplementedException", format!("{what} is not available yet in ampstack"))
    }

    /// A failure on our side (the store is unreachable, ...).
    pub fn internal(message: impl Into<String>) -> DataError {
        DataError::new("InternalFailure", message)
    }
}

impl From<store::StoreError> for DataError {
    fn from(e: store::StoreError) -> DataError {
        match e {
            store::StoreError::ConditionFailed => DataError::condition_failed(),
            store::StoreError::BadCursor(m) => DataError::bad_token(&m),
            store::StoreError::InvalidInput(m) => DataError::validation(m),
            store::StoreError::Backend(m) => {
                tracing::error!("data: store failure: {m}");
                DataError::internal("the data store failed to process the request")
            }
        }
    }
}

// `async_graphql::Error: From<DataError>` comes from its blanket impl for `Display` types, which
// keeps the `DataError` as the error's source; `render_errors` reads it back.

/// The `errorType` AppSync gives errors that are not ours: parse failures, validation failures
/// (unknown fields, wrongly typed values) and execution failures (a null for a non-null field).
fn classify(e: &ServerError) -> &'static str {
    if !e.path.is_empty() {
        "ExecutionError"
    } else if e.message.contains("-->") {
        "InvalidSyntax"
    } else {
        "ValidationError"
    }
}

/// AppSync's error objects for async-graphql's errors.
pub fn render_errors(errors: &[ServerError]) -> Vec<Value> {
    errors.iter().map(render_error).collect()
}

fn render_error(e: &ServerError) -> Value {
    if let Some(js) = e.source.as_ref().and_then(|s| s.downcast_ref::<super::appsync_js::ResolverError>()) {
        let mut v = render_error(&ServerError { source: None, message: js.message.clone(), ..e.clone() });
        v["errorType"] = js.error_type.clone().map(Value::String).unwrap_or(Value::Null);
        v["data"] = js.data.clone();
        v["errorInfo"] = js.error_info.clone();
        return v;
    }
    let ours = e.source.as_ref().and_then(|s| s.downcast_ref::<DataError>());
    let (error_type, message) = match ours {
        Some(d) => (d.error_type.clone(), d.message.clone()),
        None => (classify(e).to_string(), e.message.clone()),
    };
    let path: Value = if e.path.is_empty() {
        Value::Null
    } else {
        Value::Array(
            e.path
                .iter()
                .map(|s| match s {
                    PathSegment::Field(f) => json!(f),
                    PathSegment::Index(i) => json!(i),
                })
                .collect(),
        )
    };
    let locations: Vec<Value> = e.locations.iter().map(|p| json!({ "line": p.line, "column": p.column, "sourceName": null })).collect();
    json!({
        "path": path,
        "data": null,
        "errorType": error_type,
        "errorInfo": null,
        "locations": locations,
        "message": message,
    })
}

/// A response with AppSync's shape for a request-level error (HTTP 200 unless `status` says so).
pub fn request_error(status: StatusCode, error_type: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "errorType": error_type, "message": message }] });
    let mut resp = (status, axum::Json(body)).into_response();
    if !status.is_success() {
        if let Ok(v) = HeaderValue::from_str(error_type) {
            resp.headers_mut().insert("x-amzn-errortype", v);
        }
    }
    resp
}

/// HTTP 401 with `x-amzn-ErrorType: UnauthorizedException`, as AppSync answers a missing, unknown
/// or expired credential (the client turns it into an `Unauthorized` error).
pub fn unauthorized_response(message: &str) -> Response {
    request_error(StatusCode::UNAUTHORIZED, "UnauthorizedException", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_errors_keep_their_type_and_path() {
        let mut e = async_graphql::Error::from(DataError::unauthorized("getTodo", "Query")).into_server_error(async_graphql::Pos { line: 2, column: 3 });
        e.path = vec![PathSegment::Field("getTodo".into())];
        let v = render_error(&e);
        assert_eq!(
            v,
            json!({
                "path": ["getTodo"], "data": null, "errorType": "Unauthorized", "errorInfo": null,
                "locations": [{"line": 2, "column": 3, "sourceName": null}],
                "message": "Not Authorized to access getTodo on type Query",
            })
        );
    }

    #[test]
    fn foreign_errors_are_validation_errors() {
        let e = ServerError::new("Unknown field \"foo\" on type \"Query\".", Some(async_graphql::Pos { line: 1, column: 3 }));
        let v = render_error(&e);
        assert_eq!(v["errorType"], "ValidationError");
        assert_eq!(v["path"], Value::Null);
    }

    #[test]
    fn store_errors_map_to_appsync_types() {
        assert_eq!(DataError::from(store::StoreError::ConditionFailed).error_type, "DynamoDB:ConditionalCheckFailedException");
        assert_eq!(DataError::from(store::StoreError::Backend("x".into())).error_type, "InternalFailure");
    }
}
