//! The user pool as one request sees it: the service context, the auth configuration of the
//! backend being served *now* (hot reload swaps it), and the pool's stable identifiers.

use std::sync::Arc;

use context::ServiceContext;
use definition::ir::{Auth, Backend};
use serde_json::Value;

use crate::error::AuthError;

/// Store tables (logical item tables; `__` keeps them out of any GraphQL model's namespace).
pub mod tables {
    /// pk = user pool id, sk = sub.
    pub const USERS: &str = "__auth_users";
    /// pk = user pool id, sk = `u#<username>` / `e#<email>` / `p#<phone>` (lower-cased) → `{sub}`.
    pub const ALIASES: &str = "__auth_aliases";
    /// pk = user pool id, sk = origin_jti: one sign-in session and its refresh token.
    pub const SESSIONS: &str = "__auth_sessions";
    /// pk = user pool id, sk = the `Session` string of a sign-in in progress.
    pub const CHALLENGES: &str = "__auth_challenges";
    /// pk = user pool id, sk = `<purpose>#<sub>`: a pending verification code.
    pub const CODES: &str = "__auth_codes";
    /// pk = `<user pool id>|<address>`, sk = `<sentAt ms, zero-padded>#<id>`.
    pub const OUTBOX: &str = "__auth_outbox";
    /// pk = user pool id, sk = kid: RS256 signing keys.
    pub const KEYS: &str = "__auth_keys";
    /// pk = identity pool id, sk = identity id.
    pub const IDENTITIES: &str = "__auth_identities";
    /// pk = identity pool id, sk = user sub → `{identityId}` (one stable identity per user).
    pub const IDENTITY_LOGINS: &str = "__auth_identity_logins";
    /// pk = user pool id, sk = name: service secrets (the session-sealing key).
    pub const SECRETS: &str = "__auth_secrets";
    /// pk = `<user pool id>|<sub>`, sk = device key: tracked devices (see `devices`).
    pub const DEVICES: &str = "__auth_devices";
    /// pk = access key id: temporary AWS credentials issued by GetCredentialsForIdentity.
    pub const CREDENTIALS: &str = "__auth_credentials";
}

/// One request's view of the user pool.
#[derive(Clone)]
pub struct Pool {
    pub ctx: ServiceContext,
    pub backend: Arc<Backend>,
}

impl Pool {
    pub fn new(ctx: &ServiceContext) -> Pool {
        Pool { ctx: ctx.clone(), backend: ctx.backend() }
    }

    /// The auth configuration, or Cognito's error for a pool that does not exist.
    pub fn auth(&self) -> Result<&Auth, AuthError> {
        self.backend.auth.as_ref().ok_or_else(|| AuthError::ResourceNotFound(format!("User pool {} does not exist.", self.id())))
    }

    pub fn id(&self) -> &str {
        &self.ctx.ids.user_pool_id
    }

    /// The pool name used by SRP: the part of the pool id after `_`.
    pub fn srp_name(&self) -> &str {
        let id = self.id();
        id.split_once('_').map(|(_, n)| n).unwrap_or(id)
    }

    pub fn client_id(&self) -> &str {
        &self.ctx.ids.user_pool_client_id
    }

    pub fn store(&self) -> &dyn store::Store {
        self.ctx.store.as_ref()
    }

    /// `iss` of every token: `<base URL>/<userPoolId>`.
    pub fn issuer(&self) -> String {
        format!("{}/{}", self.ctx.base_url.trim_end_matches('/'), self.id())
    }

    /// Refuses a `ClientId` other than the sandbox's app client.
    pub fn check_client(&self, req: &Value) -> Result<(), AuthError> {
        let given = req.get("ClientId").and_then(Value::as_str).ok_or_else(|| AuthError::missing("clientId"))?;
        if given != self.client_id() {
            return Err(AuthError::ResourceNotFound(format!("User pool client {given} does not exist.")));
        }
        Ok(())
    }

    /// Whether users sign in with their email (`UsernameAttributes` contains `email`).
    pub fn email_is_username(&self) -> bool {
        self.backend.auth.as_ref().is_some_and(|a| a.username_attributes.iter().any(|u| u == "email"))
    }

    pub fn phone_is_username(&self) -> bool {
        self.backend.auth.as_ref().is_some_and(|a| a.username_attributes.iter().any(|u| u == "phone_number"))
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Seconds since the Unix epoch.
pub fn now_s() -> i64 {
    now_ms() / 1000
}

/// A request member that must be a string.
pub fn req_str<'a>(req: &'a Value, member: &str) -> Result<&'a str, AuthError> {
    match req.get(member) {
        Some(Value::String(s)) => Ok(s),
        Some(Value::Null) | None => Err(AuthError::missing(&lower_first(member))),
        Some(_) => Err(AuthError::Serialization(format!("{member} must be a string"))),
    }
}

/// An optional string member.
pub fn opt_str<'a>(req: &'a Value, member: &str) -> Option<&'a str> {
    req.get(member).and_then(Value::as_str)
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
