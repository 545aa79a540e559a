//! Sign-in sessions: one per successful authentication, keyed by `origin_jti` (the claim every
//! access and id token of that session carries), holding the refresh token's hash.
//!
//! Refresh tokens are opaque (`<origin_jti>.<secret>`, only a SHA-256 of the secret is stored).
//! RevokeToken revokes one session, GlobalSignOut every session of the user; a revoked session
//! makes all its tokens fail [`crate::verify_token`] at once.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::{Condition, Filter, Op, Patch, QuerySpec};

use crate::crypto::{b64url, b64_decode_any, ct_eq, random_bytes, sha256};
use crate::error::AuthError;
use crate::pool::{now_s, tables, Pool};

/// Refresh token lifetime (Cognito's default: 30 days); `AMPSTACK_REFRESH_TOKEN_TTL_SECONDS`
/// overrides it.
pub fn refresh_ttl() -> i64 {
    std::env::var("AMPSTACK_REFRESH_TOKEN_TTL_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(30 * 24 * 3600)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Session {
    pub origin_jti: String,
    pub sub: String,
    /// base64url SHA-256 of the refresh token's secret part.
    pub secret_hash: String,
    /// When the user authenticated (seconds): `auth_time` of every token of the session.
    pub auth_time: i64,
    pub expires: i64,
    #[serde(default)]
    pub revoked: bool,
    #[serde(default)]
    pub device_key: Option<String>,
}

/// Starts a session for `sub`; returns it and its refresh token. `origin_jti`, when given (a
/// sealed sign-in's id), may be used only once.
pub async fn start(pool: &Pool, sub: &str, origin_jti: Option<&str>) -> Result<(Session, String), AuthError> {
    start_on_device(pool, sub, origin_jti, None).await
}

/// [`start`] for a sign-in on a tracked device: its tokens carry the `device_key` claim.
pub async fn start_on_device(pool: &Pool, sub: &str, origin_jti: Option<&str>, device_key: Option<String>) -> Result<(Session, String), AuthError> {
    let origin_jti = origin_jti.map(String::from).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let secret = random_bytes(48);
    let now = now_s();
    let s = Session {
        origin_jti: origin_jti.clone(),
        sub: sub.to_string(),
        secret_hash: b64url(&sha256(&secret)),
        auth_time: now,
        expires: now + refresh_ttl(),
        revoked: false,
        device_key,
    };
    let data = serde_json::to_value(&s).map_err(|e| AuthError::Internal(e.to_string()))?;
    match pool.store().put(tables::SESSIONS, pool.id(), &origin_jti, data, &Condition::MustNotExist).await {
        Ok(_) => {}
        Err(store::StoreError::ConditionFailed) => return Err(AuthError::NotAuthorized("Invalid session for the user, session is expired.".into())),
        Err(e) => return Err(e.into()),
    }
    Ok((s, format!("{origin_jti}.{}", b64url(&secret))))
}

pub async fn get(pool: &Pool, origin_jti: &str) -> Result<Option<Session>, AuthError> {
    let Some(item) = pool.store().get(tables::SESSIONS, pool.id(), origin_jti).await? else {
        return Ok(None);
    };
    Ok(serde_json::from_value(item.data).ok())
}

/// The live session a refresh token belongs to, or `NotAuthorizedException`.
pub async fn from_refresh_token(pool: &Pool, token: &str) -> Result<Session, AuthError> {
    let invalid = || AuthError::NotAuthorized("Invalid Refresh Token".into());
    let (jti, secret) = token.split_once('.').ok_or_else(invalid)?;
    let secret = b64_decode_any(secret).ok_or_else(invalid)?;
    let s = get(pool, jti).await?.ok_or_else(invalid)?;
    if !ct_eq(b64url(&sha256(&secret)).as_bytes(), s.secret_hash.as_bytes()) {
        return Err(invalid());
    }
    if s.revoked {
        return Err(AuthError::NotAuthorized("Refresh Token has been revoked".into()));
    }
    if s.expires <= now_s() {
        return Err(AuthError::NotAuthorized("Refresh Token has expired".into()));
    }
    Ok(s)
}

/// Whether the session behind a token is still live.
pub async fn is_active(pool: &Pool, origin_jti: &str, sub: &str) -> Result<bool, AuthError> {
    Ok(get(pool, origin_jti).await?.is_some_and(|s| !s.revoked && s.sub == sub && s.expires > now_s()))
}

pub async fn revoke(pool: &Pool, origin_jti: &str) -> Result<(), AuthError> {
    let mut patch = Patch::default();
    patch.set.insert("revoked".into(), Value::Bool(true));
    match pool.store().update(tables::SESSIONS, pool.id(), origin_jti, &patch, &Condition::MustExist).await {
        Ok(_) | Err(store::StoreError::ConditionFailed) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Revokes every session of `sub` (GlobalSignOut, password reset, user deletion).
pub async fn revoke_all(pool: &Pool, sub: &str) -> Result<usize, AuthError> {
    let mut spec = QuerySpec {
        partition: Some(Value::String(pool.id().into())),
        filter: Some(Filter::And(vec![
            Filter::cmp("sub", Op::Eq(Value::String(sub.into()))),
            Filter::cmp("revoked", Op::Eq(Value::Bool(false))),
        ])),
        ..Default::default()
    };
    let mut n = 0;
    loop {
        let page = pool.store().query(tables::SESSIONS, &spec).await?;
        for item in &page.items {
            revoke(pool, &item.sk).await?;
            n += 1;
        }
        match page.cursor {
            Some(c) => spec.cursor = Some(c),
            None => return Ok(n),
        }
    }
}
