//! RS256 signing keys of a user pool: generated once, persisted in the store (so restarts and
//! other nodes keep verifying issued tokens), cached per process, published as JWKS, rotatable.
//!
//! The newest key signs; older keys stay in the JWKS and verify, so tokens issued before a
//! rotation remain valid until they expire. [`rotate`] (`ampstack users rotate-keys`) adds a key
//! and drops the keys whose last token has expired (their successor is older than the token
//! lifetime plus a grace period). A `kid` this process has not seen triggers one reload from the
//! store, and the cached set is re-read every [`RELOAD_AFTER_MS`], so a rotation made by another
//! process (the CLI, another node) is picked up for signing too.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use ring::signature::{RsaKeyPair, RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256};
use serde_json::{json, Value};
use store::{Condition, QuerySpec};

use crate::crypto::{b64, b64_decode_any, b64url, random_bytes};
use crate::error::AuthError;
use crate::pool::{now_ms, tables, Pool};

/// One RSA key pair.
pub struct SigningKey {
    pub kid: String,
    pair: RsaKeyPair,
    n: Vec<u8>,
    e: Vec<u8>,
    pub created: i64,
}

impl SigningKey {
    fn from_pkcs8(kid: &str, der: &[u8], created: i64) -> Result<SigningKey, AuthError> {
        let pair = RsaKeyPair::from_pkcs8(der).map_err(|e| AuthError::Internal(format!("stored signing key {kid} is unusable: {e}")))?;
        let public: RsaPublicKeyComponents<Vec<u8>> = pair.public().into();
        let (n, e) = (strip_zeros(public.n), strip_zeros(public.e));
        Ok(SigningKey { kid: kid.to_string(), pair, n, e, created })
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `msg`.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        let mut sig = vec![0u8; self.pair.public().modulus_len()];
        self.pair.sign(&RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), msg, &mut sig).expect("RSA signing");
        sig
    }

    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        RsaPublicKeyComponents { n: &self.n, e: &self.e }.verify(&RSA_PKCS1_2048_8192_SHA256, msg, sig).is_ok()
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> Value {
        json!({ "alg": "RS256", "e": b64url(&self.e), "kid": self.kid, "kty": "RSA", "n": b64url(&self.n), "use": "sig" })
    }
}

fn strip_zeros(mut v: Vec<u8>) -> Vec<u8> {
    let lead = v.iter().take_while(|b| **b == 0).count();
    v.drain(..lead);
    v
}

/// All keys of one pool; the newest signs.
pub struct KeySet {
    pub keys: Vec<Arc<SigningKey>>,
}

impl KeySet {
    pub fn current(&self) -> &Arc<SigningKey> {
        self.keys.iter().max_by_key(|k| (k.created, k.kid.clone())).expect("a key set is never empty")
    }

    pub fn get(&self, kid: &str) -> Option<&Arc<SigningKey>> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    pub fn jwks(&self) -> Value {
        json!({ "keys": self.keys.iter().map(|k| k.jwk()).collect::<Vec<_>>() })
    }
}

/// How long a process signs with its cached key set before re-reading the store.
pub const RELOAD_AFTER_MS: i64 = 30_000;
/// Extra time an old key is kept after its last token's expiry (clock skew, in-flight requests).
const GRACE_MS: i64 = 300_000;

static CACHE: LazyLock<Mutex<HashMap<String, (i64, Arc<KeySet>)>>> = LazyLock::new(|| Mutex::new(HashMap::new()));
static GENERATING: LazyLock<tokio::sync::Mutex<()>> = LazyLock::new(|| tokio::sync::Mutex::new(()));

fn cached(pool_id: &str) -> Option<Arc<KeySet>> {
    let c = CACHE.lock().ok()?;
    let (loaded, set) = c.get(pool_id)?;
    (now_ms() - loaded < RELOAD_AFTER_MS).then(|| set.clone())
}

async fn load(pool: &Pool) -> Result<Vec<Arc<SigningKey>>, AuthError> {
    let spec = QuerySpec { partition: Some(Value::String(pool.id().into())), ..Default::default() };
    let page = pool.store().query(tables::KEYS, &spec).await?;
    let mut keys = Vec::new();
    for item in page.items {
        let der = item.data.get("pkcs8").and_then(Value::as_str).and_then(b64_decode_any);
        let created = item.data.get("created").and_then(Value::as_i64).unwrap_or(0);
        if let Some(der) = der {
            keys.push(Arc::new(SigningKey::from_pkcs8(&item.sk, &der, created)?));
        }
    }
    Ok(keys)
}

fn generate_pkcs8() -> Result<Vec<u8>, AuthError> {
    use rsa::pkcs8::EncodePrivateKey as _;
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(|e| AuthError::Internal(format!("RSA key generation: {e}")))?;
    let der = key.to_pkcs8_der().map_err(|e| AuthError::Internal(format!("PKCS#8 encoding: {e}")))?;
    Ok(der.as_bytes().to_vec())
}

/// Generates and stores a new key; it becomes the signing key.
pub async fn add_key(pool: &Pool) -> Result<String, AuthError> {
    let der = crate::crypto::blocking(generate_pkcs8).await?;
    let kid = b64(&random_bytes(30));
    let data = json!({ "kid": kid, "pkcs8": b64(&der), "created": now_ms() });
    pool.store().put(tables::KEYS, pool.id(), &kid, data, &Condition::MustNotExist).await?;
    refresh(pool).await?;
    Ok(kid)
}

/// Re-reads the pool's keys from the store into the cache.
pub async fn refresh(pool: &Pool) -> Result<Option<Arc<KeySet>>, AuthError> {
    let keys = load(pool).await?;
    if keys.is_empty() {
        return Ok(None);
    }
    let set = Arc::new(KeySet { keys });
    if let Ok(mut c) = CACHE.lock() {
        c.insert(pool.id().to_string(), (now_ms(), set.clone()));
    }
    Ok(Some(set))
}

/// The pool's keys, generating the first one when none exists.
pub async fn keyset(pool: &Pool) -> Result<Arc<KeySet>, AuthError> {
    if let Some(set) = cached(pool.id()) {
        return Ok(set);
    }
    let _guard = GENERATING.lock().await;
    if let Some(set) = cached(pool.id()) {
        return Ok(set);
    }
    if let Some(set) = refresh(pool).await? {
        return Ok(set);
    }
    add_key(pool).await?;
    refresh(pool).await?.ok_or_else(|| AuthError::Internal("signing key vanished after creation".into()))
}

/// The key with `kid`, reloading once from the store when this process does not know it.
pub async fn find(pool: &Pool, kid: &str) -> Result<Option<Arc<SigningKey>>, AuthError> {
    let set = keyset(pool).await?;
    if let Some(k) = set.get(kid) {
        return Ok(Some(k.clone()));
    }
    Ok(refresh(pool).await?.and_then(|s| s.get(kid).cloned()))
}

/// What [`rotate`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct Rotation {
    /// The new signing key.
    pub kid: String,
    /// Keys still published because tokens they signed may be live.
    pub kept: Vec<String>,
    /// Keys removed: every token they signed has expired.
    pub removed: Vec<String>,
}

/// Rotates: a new signing key; older keys keep verifying what they signed until those tokens
/// expire, then the next rotation removes them.
pub async fn rotate(ctx: &context::ServiceContext) -> Result<Rotation, AuthError> {
    let pool = Pool::new(ctx);
    keyset(&pool).await?;
    let kid = add_key(&pool).await?;
    let mut keys = load(&pool).await?;
    keys.sort_by_key(|k| (k.created, k.kid.clone()));
    // A key stopped signing when its successor was created; its tokens are dead one token
    // lifetime (plus grace) later.
    let lifetime_ms = crate::tokens::token_ttl() * 1000 + GRACE_MS;
    let (mut kept, mut removed) = (Vec::new(), Vec::new());
    for pair in keys.windows(2) {
        let (old, successor) = (&pair[0], &pair[1]);
        if successor.created + lifetime_ms < now_ms() {
            pool.store().delete(tables::KEYS, pool.id(), &old.kid, &Condition::None).await?;
            removed.push(old.kid.clone());
        } else {
            kept.push(old.kid.clone());
        }
    }
    refresh(&pool).await?;
    Ok(Rotation { kid, kept, removed })
}
