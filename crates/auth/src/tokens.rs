//! Access and id tokens: RS256 JWTs with Cognito's claims, and [`verify_token`], the check every
//! service uses for a bearer token (signature, `alg`, `kid`, issuer, audience, expiry, and that
//! the session — `origin_jti` — has not been revoked).

use serde_json::{json, Map, Value};

use crate::crypto::{b64_decode_any, b64url};
use crate::error::AuthError;
use crate::keys;
use crate::pool::{now_s, Pool};
use crate::sessions::Session;
use crate::users::User;

/// Access/id token lifetime (Cognito's default: 1 hour); `AMPSTACK_TOKEN_TTL_SECONDS` overrides
/// it (tests use short lifetimes to exercise refresh).
pub fn token_ttl() -> i64 {
    std::env::var("AMPSTACK_TOKEN_TTL_SECONDS").ok().and_then(|v| v.parse().ok()).filter(|v: &i64| *v > 0).unwrap_or(3600)
}

/// Which token a JWT is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    Access,
    Id,
}

/// A verified token's claims.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims {
    pub token_use: TokenUse,
    pub sub: String,
    /// `username` (access) or `cognito:username` (id).
    pub username: String,
    /// `cognito:groups` (empty when absent).
    pub groups: Vec<String>,
    pub origin_jti: String,
    pub exp: i64,
    pub iat: i64,
    pub auth_time: i64,
    /// Every claim as signed (custom attributes, email, …).
    pub raw: Map<String, Value>,
}

/// The JSON claim value of a user attribute (`*_verified` are booleans, the rest strings).
fn attr_claim(name: &str, value: &str) -> Value {
    if name.ends_with("_verified") {
        Value::Bool(value == "true")
    } else {
        Value::String(value.to_string())
    }
}

fn encode(pool_key: &keys::SigningKey, claims: &Value) -> String {
    let header = json!({ "kid": pool_key.kid, "alg": "RS256" });
    let signing_input = format!("{}.{}", b64url(header.to_string().as_bytes()), b64url(claims.to_string().as_bytes()));
    let sig = pool_key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", b64url(&sig))
}

/// Signs access and id tokens for `user` in `session`; returns Cognito's `AuthenticationResult`
/// (with `RefreshToken` when given).
pub async fn issue(pool: &Pool, user: &User, session: &Session, refresh_token: Option<&str>) -> Result<Value, AuthError> {
    let set = keys::keyset(pool).await?;
    let key = set.current();
    let now = now_s();
    let ttl = token_ttl();
    let event_id = uuid::Uuid::new_v4().to_string();
    let iss = pool.issuer();

    let mut access = Map::new();
    access.insert("sub".into(), json!(user.sub));
    if !user.groups.is_empty() {
        access.insert("cognito:groups".into(), json!(user.groups));
    }
    access.insert("iss".into(), json!(iss));
    access.insert("client_id".into(), json!(pool.client_id()));
    access.insert("origin_jti".into(), json!(session.origin_jti));
    access.insert("event_id".into(), json!(event_id));
    access.insert("token_use".into(), json!("access"));
    access.insert("scope".into(), json!("aws.cognito.signin.user.admin"));
    access.insert("auth_time".into(), json!(session.auth_time));
    access.insert("exp".into(), json!(now + ttl));
    access.insert("iat".into(), json!(now));
    access.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
    access.insert("username".into(), json!(user.username));
    if let Some(d) = &session.device_key {
        access.insert("device_key".into(), json!(d));
    }

    let mut id = Map::new();
    id.insert("sub".into(), json!(user.sub));
    if !user.groups.is_empty() {
        id.insert("cognito:groups".into(), json!(user.groups));
    }
    for (k, v) in &user.attributes {
        id.insert(k.clone(), attr_claim(k, v));
    }
    id.insert("iss".into(), json!(iss));
    id.insert("cognito:username".into(), json!(user.username));
    id.insert("origin_jti".into(), json!(session.origin_jti));
    id.insert("aud".into(), json!(pool.client_id()));
    id.insert("event_id".into(), json!(event_id));
    id.insert("token_use".into(), json!("id"));
    id.insert("auth_time".into(), json!(session.auth_time));
    id.insert("exp".into(), json!(now + ttl));
    id.insert("iat".into(), json!(now));
    id.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));

    // preTokenGeneration: V1 may add, override or suppress id token claims and override the
    // groups of both tokens; V2 (and V3, the same for users) also shapes the access token and
    // its scopes.
    let v2 = pool.auth()?.pre_token_generation_version.as_deref().is_some_and(|v| v == "V2_0" || v == "V3_0");
    let mut request = json!({
        "userAttributes": crate::triggers::user_attributes(user),
        "groupConfiguration": { "groupsToOverride": user.groups, "iamRolesToOverride": [], "preferredRole": null },
        "clientMetadata": crate::triggers::client_metadata(),
    });
    if v2 {
        request["scopes"] = json!(access.get("scope").and_then(Value::as_str).unwrap_or_default().split_whitespace().collect::<Vec<_>>());
    }
    let source = if refresh_token.is_some() { "TokenGeneration_Authentication" } else { "TokenGeneration_RefreshTokens" };
    let trigger = crate::triggers::Trigger::PreTokenGeneration;
    if let Some(resp) = crate::triggers::run_version(pool, trigger, if v2 { "2" } else { "1" }, source, &user.username, request).await? {
        if v2 {
            crate::triggers::apply_claims_and_scope_override(&resp, &mut id, &mut access);
        } else {
            crate::triggers::apply_claims_override(&resp, &mut id, &mut access);
        }
    }

    let mut result = json!({
        "AccessToken": encode(key, &Value::Object(access)),
        "ExpiresIn": ttl,
        "IdToken": encode(key, &Value::Object(id)),
        "TokenType": "Bearer",
    });
    if let Some(r) = refresh_token {
        result["RefreshToken"] = json!(r);
    }
    Ok(result)
}

/// Decodes a JWT's header and payload without checking anything.
pub fn decode_unverified(token: &str) -> Option<(Value, Map<String, Value>)> {
    let mut parts = token.split('.');
    let (h, p, _s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&b64_decode_any(h)?).ok()?;
    let payload: Value = serde_json::from_slice(&b64_decode_any(p)?).ok()?;
    Some((header, payload.as_object()?.clone()))
}

fn issuer_matches(pool: &Pool, iss: &str) -> bool {
    let want = pool.issuer();
    let strip = |s: &str| s.split_once("://").map(|(_, r)| r.to_string()).unwrap_or_default();
    iss == want || (!iss.is_empty() && strip(iss) == strip(&want))
}

/// Verifies an access or id token of `pool` and returns its claims.
///
/// Refuses: anything but `alg: RS256`, unknown `kid`, bad signature, another issuer or app
/// client, expired tokens, and tokens whose session was revoked (RevokeToken, GlobalSignOut,
/// user deleted). Errors are `NotAuthorizedException` with Cognito's messages.
pub async fn verify(pool: &Pool, token: &str) -> Result<Claims, AuthError> {
    let bad = || AuthError::invalid_access_token();
    let (header, claims) = decode_unverified(token).ok_or_else(bad)?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(bad());
    }
    let kid = header.get("kid").and_then(Value::as_str).ok_or_else(bad)?;
    let key = keys::find(pool, kid).await?.ok_or_else(bad)?;
    let (signing_input, sig) = token.rsplit_once('.').ok_or_else(bad)?;
    let sig = b64_decode_any(sig).ok_or_else(bad)?;
    if !key.verify(signing_input.as_bytes(), &sig) {
        return Err(bad());
    }
    let s = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let n = |k: &str| claims.get(k).and_then(Value::as_i64).unwrap_or_default();
    if !issuer_matches(pool, &s("iss")) {
        return Err(bad());
    }
    let token_use = match s("token_use").as_str() {
        "access" if s("client_id") == pool.client_id() => TokenUse::Access,
        "id" if s("aud") == pool.client_id() => TokenUse::Id,
        _ => return Err(bad()),
    };
    if n("exp") <= now_s() {
        return Err(AuthError::NotAuthorized(match token_use {
            TokenUse::Access => "Access Token has expired".into(),
            TokenUse::Id => "Id Token has expired".into(),
        }));
    }
    let sub = s("sub");
    let origin_jti = s("origin_jti");
    if !crate::sessions::is_active(pool, &origin_jti, &sub).await? {
        return Err(AuthError::NotAuthorized(match token_use {
            TokenUse::Access => "Access Token has been revoked".into(),
            TokenUse::Id => "Id Token has been revoked".into(),
        }));
    }
    let groups = claims
        .get("cognito:groups")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
        .unwrap_or_default();
    Ok(Claims {
        token_use,
        sub,
        username: if token_use == TokenUse::Access { s("username") } else { s("cognito:username") },
        groups,
        origin_jti,
        exp: n("exp"),
        iat: n("iat"),
        auth_time: n("auth_time"),
        raw: claims,
    })
}

/// The user behind the `AccessToken` member of a request (operations authorised by the user's
/// own access token: GetUser, ChangePassword, …).
pub async fn access_user(pool: &Pool, req: &Value) -> Result<(User, Claims), AuthError> {
    let token = crate::pool::req_str(req, "AccessToken")?;
    let claims = verify(pool, token).await?;
    if claims.token_use != TokenUse::Access {
        return Err(AuthError::invalid_access_token());
    }
    let (user, _) = crate::users::get(pool, &claims.sub).await?.ok_or_else(|| AuthError::NotAuthorized("User does not exist.".into()))?;
    if !user.enabled {
        return Err(AuthError::NotAuthorized("User is disabled.".into()));
    }
    Ok((user, claims))
}
