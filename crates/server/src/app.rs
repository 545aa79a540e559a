//! The HTTP application: shared state and the routes every service hangs off.

use std::sync::{Arc, RwLock};

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use definition::ir::Backend;
use serde_json::json;

use crate::outputs::{Endpoints, SandboxIds};

/// What every request handler can reach. The backend is swapped on hot reload.
pub struct AppState {
    pub backend: RwLock<Arc<Backend>>,
    pub store: Arc<dyn store::Store>,
    pub ids: SandboxIds,
    pub endpoints: Endpoints,
}

impl AppState {
    /// The backend being served right now.
    pub fn backend(&self) -> Arc<Backend> {
        self.backend.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new().route("/health", get(health)).with_state(state)
}

async fn health(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let b = state.backend();
    Json(json!({
        "status": "ok",
        "auth": b.auth.is_some(),
        "data": b.data.as_ref().map(|d| d.schema.models.len()),
        "storage": b.storage.len(),
        "functions": b.functions.len(),
    }))
}
