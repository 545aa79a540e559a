//! Auth: Cognito-compatible user pools and identity pools, served so that the real aws-amplify v6
//! client works unchanged with only `userPoolEndpoint`/`identityPoolEndpoint` pointed here.
//!
//! Requests flow: [`router`] → [`protocol`] (the AWS JSON 1.1 adapter: `X-Amz-Target` → an
//! operation enum) → one handler per operation in [`ops`] (user pool) or [`identity`] (identity
//! pool) → the store. Configuration comes from the served backend's `Auth` IR on every request,
//! so hot reload applies at once.
//!
//! Module map: `srp` (SRP-6a as the client computes it), `crypto` (randomness, hashes, Argon2id),
//! `password` (policy), `attributes` (schema validation), `users` (records and aliases),
//! `sessions` (refresh tokens and revocation), `keys` (RS256 keys, JWKS), `tokens` (claims,
//! issuing, [`verify_token`]), `codes` (codes and the development outbox), `identity` and
//! [`credentials`] (identity pool and the temporary AWS credentials other services verify).
//!
//! Other services call [`verify_token`] for bearer tokens and [`credentials::lookup`] for SigV4
//! access keys.

pub mod admin;
pub mod attributes;
pub mod codes;
pub mod credentials;
pub mod crypto;
pub mod devices;
pub mod error;
pub mod identity;
pub mod janitor;
pub mod keys;
pub mod mail;
pub mod ops;
pub mod password;
pub mod pool;
pub mod protocol;
pub mod seal;
pub mod sessions;
pub mod sigv4;
pub mod srp;
pub mod tokens;
pub mod totp;
pub mod triggers;
pub mod users;

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderName, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use context::ServiceContext;
use serde_json::json;

pub use error::AuthError;
pub use tokens::{Claims, TokenUse};

use pool::Pool;

/// Verifies an access or id token issued by this sandbox's user pool and returns its claims:
/// RS256 only, known `kid`, this issuer and app client, not expired, session not revoked
/// (GlobalSignOut / RevokeToken / user deleted).
pub async fn verify_token(ctx: &ServiceContext, token: &str) -> Result<Claims, AuthError> {
    let pool = Pool::new(ctx);
    pool.auth()?;
    tokens::verify(&pool, token).await
}

/// The auth service's routes: the user pool and identity pool endpoints, the issuer's
/// `.well-known` documents, and the development outbox.
pub fn router(ctx: ServiceContext) -> Router {
    if let Err(e) = admin::AdminCredentials::load_or_create(&ctx.data_dir) {
        tracing::warn!("auth: cannot create the admin credentials: {e}");
    }
    // Generate the first signing key in the background so the first sign-in does not wait.
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        let warm = ctx.clone();
        rt.spawn(async move {
            if warm.backend().auth.is_some() {
                if let Err(e) = keys::keyset(&Pool::new(&warm)).await {
                    tracing::warn!("auth: preparing signing keys failed: {e}");
                }
            }
            janitor::run(warm).await;
        });
    }
    let pool_id = ctx.ids.user_pool_id.clone();
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::AllowOrigin::mirror_request())
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(tower_http::cors::AllowHeaders::mirror_request())
        .expose_headers([HeaderName::from_static("x-amzn-errortype"), HeaderName::from_static("x-amzn-requestid")])
        .max_age(std::time::Duration::from_secs(600));
    Router::new()
        .route("/cognito-idp", post(protocol::user_pool))
        .route("/cognito-idp/", post(protocol::user_pool))
        .route("/cognito-identity", post(protocol::identity_pool))
        .route("/cognito-identity/", post(protocol::identity_pool))
        .route(&format!("/{pool_id}/.well-known/jwks.json"), get(jwks))
        .route(&format!("/{pool_id}/.well-known/openid-configuration"), get(openid_configuration))
        .route("/_ampstack/outbox", get(outbox))
        .layer(cors)
        .with_state(ctx)
}

async fn jwks(State(ctx): State<ServiceContext>) -> Response {
    // Read through to the store: a rotation by another process shows at once.
    let pool = Pool::new(&ctx);
    let set = match keys::refresh(&pool).await {
        Ok(Some(set)) => Ok(set),
        Ok(None) => keys::keyset(&pool).await,
        Err(e) => Err(e),
    };
    match set {
        Ok(set) => Json(set.jwks()).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn openid_configuration(State(ctx): State<ServiceContext>) -> Response {
    let pool = Pool::new(&ctx);
    let iss = pool.issuer();
    Json(json!({
        "issuer": iss,
        "jwks_uri": format!("{iss}/.well-known/jwks.json"),
        "authorization_endpoint": format!("{}/oauth2/authorize", ctx.base_url),
        "token_endpoint": format!("{}/oauth2/token", ctx.base_url),
        "userinfo_endpoint": format!("{}/oauth2/userInfo", ctx.base_url),
        "response_types_supported": ["code", "token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
    }))
    .into_response()
}

/// `GET /_ampstack/outbox?to=ADDRESS`: messages sent to ADDRESS, newest first.
async fn outbox(State(ctx): State<ServiceContext>, Query(q): Query<HashMap<String, String>>) -> Response {
    if mail::production() {
        return (axum::http::StatusCode::NOT_FOUND, Json(json!({ "message": "the development outbox is off in production mode" }))).into_response();
    }
    let Some(to) = q.get("to").filter(|t| !t.is_empty()) else {
        return (axum::http::StatusCode::BAD_REQUEST, Json(json!({ "message": "the query parameter `to` is required" }))).into_response();
    };
    match codes::outbox(&Pool::new(&ctx), to).await {
        Ok(msgs) => Json(msgs).into_response(),
        Err(e) => e.into_response(),
    }
}
