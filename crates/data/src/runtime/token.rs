//! `nextToken`: the store's cursor, made opaque and tamper-proof.
//!
//! A token is `base64url(JSON {s: scope, c: cursor}) . base64url(HMAC-SHA256(key, payload))`.
//! The scope names the query it belongs to (model and index), so a token from one list cannot
//! resume another. The key is 32 random bytes kept in the store's key-value area, so every node
//! sharing a database accepts every other node's tokens, and tokens survive restarts.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::hmac;
use serde_json::{json, Value};
use store::{Cursor, KvValue, Store};

use super::error::DataError;

const KV_NS: &str = "data";
const KV_KEY: &str = "next-token-key";

/// Signs and checks nextTokens with one key.
pub struct TokenSigner {
    key: hmac::Key,
}

impl TokenSigner {
    pub fn new(secret: &[u8]) -> TokenSigner {
        TokenSigner { key: hmac::Key::new(hmac::HMAC_SHA256, secret) }
    }

    /// The signer of this store: its persisted key, created on first use.
    pub async fn load(store: &dyn Store) -> Result<TokenSigner, DataError> {
        if let Some(KvValue::Bytes(b)) = store.kv_get(KV_NS, KV_KEY).await? {
            return Ok(TokenSigner::new(&b));
        }
        let secret: [u8; 32] = {
            let mut b = [0u8; 32];
            ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).map_err(|_| DataError::internal("no randomness"))?;
            b
        };
        store.kv_put(KV_NS, KV_KEY, &KvValue::Bytes(secret.to_vec())).await?;
        // Another node may have written its key at the same moment: use whichever one persisted.
        match store.kv_get(KV_NS, KV_KEY).await? {
            Some(KvValue::Bytes(b)) => Ok(TokenSigner::new(&b)),
            _ => Ok(TokenSigner::new(&secret)),
        }
    }

    /// The token for resuming `scope` after `cursor`.
    pub fn sign(&self, scope: &str, cursor: &Cursor) -> String {
        let payload = URL_SAFE_NO_PAD.encode(json!({ "s": scope, "c": cursor }).to_string());
        let tag = hmac::sign(&self.key, payload.as_bytes());
        format!("{payload}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// The cursor in `token`, if this signer issued it for `scope`.
    pub fn verify(&self, scope: &str, token: &str) -> Result<Cursor, DataError> {
        let (payload, tag) = token.split_once('.').ok_or_else(|| DataError::bad_token("it is not a token this API issued"))?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| DataError::bad_token("it is not a token this API issued"))?;
        hmac::verify(&self.key, payload.as_bytes(), &tag).map_err(|_| DataError::bad_token("its signature does not match (was it altered?)"))?;
        let body: Value = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| DataError::bad_token("it cannot be decoded"))?;
        if body.get("s").and_then(Value::as_str) != Some(scope) {
            return Err(DataError::bad_token("it belongs to another query"));
        }
        serde_json::from_value(body.get("c").cloned().unwrap_or(Value::Null)).map_err(|_| DataError::bad_token("it cannot be decoded"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor() -> Cursor {
        Cursor { pk: "a".into(), sk: "".into(), index_values: vec![json!(3)] }
    }

    #[test]
    fn round_trip() {
        let s = TokenSigner::new(b"k1");
        let t = s.sign("Todo", &cursor());
        assert_eq!(s.verify("Todo", &t).unwrap(), cursor());
    }

    #[test]
    fn rejects_tampering_other_keys_and_scopes() {
        let s = TokenSigner::new(b"k1");
        let t = s.sign("Todo", &cursor());
        assert_eq!(s.verify("Todo#byStatus", &t).unwrap_err().message, "Invalid nextToken: it belongs to another query");
        assert!(TokenSigner::new(b"k2").verify("Todo", &t).unwrap_err().message.contains("signature"));
        let (payload, tag) = t.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode(json!({"s": "Todo", "c": {"pk": "z", "sk": ""}}).to_string());
        assert!(s.verify("Todo", &format!("{forged}.{tag}")).is_err());
        assert!(s.verify("Todo", payload).is_err());
        assert!(s.verify("Todo", "garbage").is_err());
        assert_eq!(s.verify("Todo", "").unwrap_err().error_type, "InvalidNextTokenException");
    }
}
