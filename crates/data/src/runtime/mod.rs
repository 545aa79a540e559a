//! The AppSync-compatible GraphQL API: `POST /graphql` over the served backend's models.
//!
//! Module map: [`service`] holds the executable schema cached per backend (rebuilt when the
//! watch channel carries a new one) and the signing key; [`http`] is the endpoint (credentials,
//! body, AppSync's response shape); [`schema`] builds the executable schema from the generated
//! SDL; [`ops`] and [`relations`] are the resolvers over the store; [`auth`] identifies callers and
//! evaluates `@auth` rules; [`lambda`] runs function handlers and the Lambda authorizer; [`filter`], [`token`], [`scalars`], [`values`] and [`plan`] are the
//! pure pieces they use; [`error`] renders AppSync's error shape.

pub mod appsync_js;
pub mod auth;
pub mod documents;
pub mod error;
pub mod filter;
mod http;
pub mod lambda;
pub mod oidc;
pub mod ops;
pub mod plan;
pub mod relations;
pub mod request;
pub mod scalars;
pub mod schema;
pub mod service;
pub mod token;
pub mod values;

use std::sync::Arc;

use axum::http::{HeaderName, Method};
use axum::routing::{any, post};
use axum::Router;
use context::ServiceContext;

pub use service::DataService;

/// The data service's routes: `POST /graphql` (with CORS for browser apps) and the realtime
/// WebSocket the client derives from it (`/graphql/realtime`).
pub fn router(ctx: ServiceContext) -> Router {
    let svc = Arc::new(DataService::new(ctx));
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::AllowOrigin::mirror_request())
        .allow_methods([Method::POST, Method::OPTIONS])
        .allow_headers(tower_http::cors::AllowHeaders::mirror_request())
        .expose_headers([HeaderName::from_static("x-amzn-errortype"), HeaderName::from_static("x-amzn-requestid")])
        .max_age(std::time::Duration::from_secs(600));
    Router::new()
        .route("/graphql", post(http::graphql))
        // `any`, not `get`: over HTTP/2 a browser opens the socket with an extended CONNECT
        // (RFC 8441; the listener enables it) on a connection it already has to this origin.
        .route("/graphql/realtime", any(crate::realtime::socket::upgrade))
        .layer(axum::extract::DefaultBodyLimit::max(http::MAX_BODY))
        .layer(cors)
        .with_state(svc)
}
