//! The HTTP application: shared state and the routes every service hangs off.

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use context::ServiceContext;
use serde_json::json;

/// The whole HTTP surface: server routes plus each service's router, all over one context;
/// storage keeps object bytes in `blobs`.
pub fn router(ctx: ServiceContext, blobs: storage::blobs::Blobs) -> Router {
    Router::new().route("/health", get(health)).with_state(ctx.clone()).merge(auth::router(ctx.clone())).merge(data::router(ctx.clone()))
        // Last: storage also serves path-style requests at the root as the fallback.
        .merge(storage::router_with(ctx, blobs))
}

async fn health(State(ctx): State<ServiceContext>) -> impl IntoResponse {
    let b = ctx.backend();
    Json(json!({
        "status": "ok",
        "auth": b.auth.is_some(),
        "data": b.data.as_ref().map(|d| d.schema.models.len()),
        "storage": b.storage.len(),
        "functions": b.functions.len(),
    }))
}
