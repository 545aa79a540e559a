//! Sealed sign-in state: the PASSWORD_VERIFIER step's server secret travels inside its `Session`
//! string, encrypted and authenticated (AES-256-GCM, the pool id as associated data) under a
//! per-pool key kept in the store, so an SRP sign-in costs one store write (its session) instead
//! of three. Single use is enforced when the sign-in completes: the sealed id becomes the new
//! session's `origin_jti`, created only if it does not exist yet.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use serde_json::{json, Value};
use store::Condition;

use crate::crypto::{b64, b64_decode_any, b64url, random_bytes};
use crate::error::AuthError;
use crate::pool::{tables, Pool};

/// Prefix that marks a sealed `Session`.
pub const PREFIX: &str = "pv1.";

static KEYS: LazyLock<Mutex<HashMap<String, Arc<LessSafeKey>>>> = LazyLock::new(Default::default);

async fn key(pool: &Pool) -> Result<Arc<LessSafeKey>, AuthError> {
    if let Some(k) = KEYS.lock().ok().and_then(|m| m.get(pool.id()).cloned()) {
        return Ok(k);
    }
    let fresh = json!({ "key": b64(&random_bytes(32)) });
    match pool.store().put(tables::SECRETS, pool.id(), "session-seal", fresh, &Condition::MustNotExist).await {
        Ok(_) | Err(store::StoreError::ConditionFailed) => {}
        Err(e) => return Err(e.into()),
    }
    let item = pool.store().get(tables::SECRETS, pool.id(), "session-seal").await?.ok_or_else(|| AuthError::Internal("session key vanished".into()))?;
    let raw = item.data.get("key").and_then(Value::as_str).and_then(b64_decode_any).ok_or_else(|| AuthError::Internal("corrupt session key".into()))?;
    let k = Arc::new(LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &raw).map_err(|_| AuthError::Internal("bad session key".into()))?));
    if let Ok(mut m) = KEYS.lock() {
        m.insert(pool.id().to_string(), k.clone());
    }
    Ok(k)
}

/// Encrypts `state` into a `Session` string.
pub async fn seal(pool: &Pool, state: &Value) -> Result<String, AuthError> {
    let key = key(pool).await?;
    let nonce_bytes: [u8; 12] = random_bytes(12).try_into().expect("12 bytes");
    let mut buf = serde_json::to_vec(state).map_err(|e| AuthError::Internal(e.to_string()))?;
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce_bytes), Aad::from(pool.id().as_bytes()), &mut buf)
        .map_err(|_| AuthError::Internal("sealing failed".into()))?;
    let mut out = nonce_bytes.to_vec();
    out.extend_from_slice(&buf);
    Ok(format!("{PREFIX}{}", b64url(&out)))
}

/// Decrypts a sealed `Session`; any tampering, or another pool's session, is refused.
pub async fn open(pool: &Pool, session: &str) -> Result<Value, AuthError> {
    let invalid = || AuthError::NotAuthorized("Invalid session for the user, session is expired.".into());
    let raw = session.strip_prefix(PREFIX).and_then(b64_decode_any).ok_or_else(invalid)?;
    if raw.len() < 12 + 16 {
        return Err(invalid());
    }
    let key = key(pool).await?;
    let (nonce, rest) = raw.split_at(12);
    let mut buf = rest.to_vec();
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| invalid())?;
    let plain = key.open_in_place(nonce, Aad::from(pool.id().as_bytes()), &mut buf).map_err(|_| invalid())?;
    serde_json::from_slice(plain).map_err(|_| invalid())
}
