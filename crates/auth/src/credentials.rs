//! Temporary AWS credentials issued by the identity pool, and [`lookup`], which services that
//! verify SigV4 (Data's IAM mode, Storage) use to learn a request's secret key and who signed it.
//!
//! The secret is stored (SigV4 verification needs it); credentials expire after an hour, like
//! Cognito's (`AMPSTACK_CREDENTIALS_TTL_SECONDS` changes that, e.g. for tests), and the client
//! caches them until shortly before. Expired credentials stay known for [`EXPIRED_KEPT`] so
//! services can answer `ExpiredToken` rather than "unknown key".

use context::ServiceContext;
use serde_json::{json, Map, Value};
use store::Condition;

use crate::crypto::{b64, random_bytes, random_string};
use crate::error::AuthError;
use crate::pool::{now_s, tables, Pool};

/// Lifetime of issued credentials, seconds (Cognito's).
pub const CREDENTIALS_TTL: i64 = 3600;
/// How long expired credentials are kept (seconds) before the janitor forgets them.
pub const EXPIRED_KEPT: i64 = 86_400;

/// The lifetime of credentials issued now: `AMPSTACK_CREDENTIALS_TTL_SECONDS` (at least 1), or
/// [`CREDENTIALS_TTL`].
pub fn credentials_ttl() -> i64 {
    std::env::var("AMPSTACK_CREDENTIALS_TTL_SECONDS").ok().and_then(|v| v.trim().parse::<i64>().ok()).map(|v| v.max(1)).unwrap_or(CREDENTIALS_TTL)
}

/// Who a set of credentials belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    /// An unauthenticated identity of the identity pool.
    Guest,
    /// A signed-in user's identity.
    Authenticated,
    /// The sandbox's administrator credentials (`ampstack credentials`): full access.
    Admin,
    /// A function's credentials ([`crate::admin::AdminCredentials::for_function`]): what
    /// `allow.resource(fn)` grants it.
    Function,
}

impl CallerKind {
    fn as_str(self) -> &'static str {
        match self {
            CallerKind::Guest => "guest",
            CallerKind::Authenticated => "authenticated",
            CallerKind::Admin => "admin",
            CallerKind::Function => "function",
        }
    }
}

/// The caller behind an access key id.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    pub kind: CallerKind,
    pub identity_id: String,
    pub identity_pool_id: String,
    /// The user pool user (authenticated identities only).
    pub sub: Option<String>,
    pub username: Option<String>,
    /// `cognito:groups` of the id token the credentials were issued for.
    pub groups: Vec<String>,
    /// The function holding [`CallerKind::Function`] credentials.
    pub function: Option<String>,
    /// For SigV4 verification.
    pub secret_access_key: String,
    /// Must equal the request's `X-Amz-Security-Token`.
    pub session_token: String,
    /// Epoch seconds.
    pub expiration: i64,
}

/// Creates credentials for `identity_id`; returns Cognito's `Credentials` object.
pub async fn issue(pool: &Pool, identity_id: &str, kind: CallerKind, who: Map<String, Value>) -> Result<Value, AuthError> {
    let access_key_id = format!("ASIA{}", random_string(16, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"));
    let secret = random_string(40, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    let session_token = b64(&random_bytes(256));
    let expiration = now_s() + credentials_ttl();
    let mut data = who;
    data.insert("kind".into(), json!(kind.as_str()));
    data.insert("identityId".into(), json!(identity_id));
    data.insert("identityPoolId".into(), json!(pool.ctx.ids.identity_pool_id));
    data.insert("secret".into(), json!(secret));
    data.insert("sessionToken".into(), json!(session_token));
    data.insert("expiration".into(), json!(expiration));
    pool.store().put(tables::CREDENTIALS, &access_key_id, "", Value::Object(data), &Condition::MustNotExist).await?;
    Ok(json!({ "AccessKeyId": access_key_id, "SecretKey": secret, "SessionToken": session_token, "Expiration": expiration }))
}

/// What an access key id stands for.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Valid(Caller),
    /// Issued by this identity pool, but past its expiration.
    Expired,
    Unknown,
}

/// Who holds `access_key_id`, or `None` when it is unknown or expired. The sandbox's admin
/// credentials resolve to [`CallerKind::Admin`] (no session token).
pub async fn lookup(ctx: &ServiceContext, access_key_id: &str) -> Result<Option<Caller>, AuthError> {
    Ok(match resolve(ctx, access_key_id).await? {
        Resolved::Valid(c) => Some(c),
        Resolved::Expired | Resolved::Unknown => None,
    })
}

/// Like [`lookup`], telling expired credentials apart from unknown ones.
pub async fn resolve(ctx: &ServiceContext, access_key_id: &str) -> Result<Resolved, AuthError> {
    if let Some(admin) = crate::admin::AdminCredentials::load(&ctx.data_dir) {
        let caller = |kind, function: Option<&str>, secret_access_key| Caller {
            kind,
            identity_id: String::new(),
            identity_pool_id: ctx.ids.identity_pool_id.clone(),
            sub: None,
            username: None,
            groups: vec![],
            function: function.map(str::to_string),
            secret_access_key,
            session_token: String::new(),
            expiration: i64::MAX,
        };
        if crate::crypto::ct_eq(admin.access_key_id.as_bytes(), access_key_id.as_bytes()) {
            return Ok(Resolved::Valid(caller(CallerKind::Admin, None, admin.secret_access_key)));
        }
        if access_key_id.starts_with(crate::admin::FUNCTION_KEY_PREFIX) {
            for f in &ctx.backend().functions {
                let creds = admin.for_function(&f.name);
                if crate::crypto::ct_eq(creds.access_key_id.as_bytes(), access_key_id.as_bytes()) {
                    return Ok(Resolved::Valid(caller(CallerKind::Function, Some(&f.name), creds.secret_access_key)));
                }
            }
        }
    }
    let Some(item) = ctx.store.get(tables::CREDENTIALS, access_key_id, "").await? else {
        return Ok(Resolved::Unknown);
    };
    let d = item.data;
    let s = |k: &str| d.get(k).and_then(Value::as_str).map(String::from);
    let expiration = d.get("expiration").and_then(Value::as_i64).unwrap_or(0);
    if s("identityPoolId").as_deref() != Some(ctx.ids.identity_pool_id.as_str()) {
        return Ok(Resolved::Unknown);
    }
    if expiration <= now_s() {
        return Ok(Resolved::Expired);
    }
    Ok(Resolved::Valid(Caller {
        kind: if s("kind").as_deref() == Some("authenticated") { CallerKind::Authenticated } else { CallerKind::Guest },
        identity_id: s("identityId").unwrap_or_default(),
        identity_pool_id: s("identityPoolId").unwrap_or_default(),
        sub: s("sub"),
        username: s("username"),
        groups: d.get("groups").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect()).unwrap_or_default(),
        function: None,
        secret_access_key: s("secret").unwrap_or_default(),
        session_token: s("sessionToken").unwrap_or_default(),
        expiration,
    }))
}
