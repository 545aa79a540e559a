//! The identity pool: GetId and GetCredentialsForIdentity for guests and signed-in users.
//!
//! Guests get a new identity id from GetId (the client persists it). A signed-in user has one
//! stable identity id: the first identity presented with the user's id token is linked to the
//! user (the client reuses a stored guest id at sign-in, without a new GetId), and later requests
//! return that identity, which the client adopts. The `Logins` key is the id token's `iss`
//! without its scheme (what the client derives), or Cognito's `cognito-idp.<region>.amazonaws.com/<pool>`.

use serde_json::{json, Map, Value};
use store::Condition;

use crate::credentials::{self, CallerKind};
use crate::error::AuthError;
use crate::pool::{req_str, tables, Pool};
use crate::tokens::{Claims, TokenUse};

fn identity_pool_id(pool: &Pool) -> &str {
    &pool.ctx.ids.identity_pool_id
}

fn guest_refused() -> AuthError {
    AuthError::NotAuthorized("Unauthenticated access is not supported for this identity pool.".into())
}

/// The user behind a `Logins` map, or `None` for a guest request.
async fn login(pool: &Pool, logins: Option<&Value>) -> Result<Option<Claims>, AuthError> {
    let Some(map) = logins.and_then(Value::as_object).filter(|m| !m.is_empty()) else {
        return Ok(None);
    };
    let ours = pool.issuer().split_once("://").map(|(_, r)| r.to_string()).unwrap_or_default();
    let aws = format!("cognito-idp.{}.amazonaws.com/{}", pool.ctx.ids.region, pool.id());
    let mut found = None;
    for (key, token) in map {
        if key != &ours && key != &aws {
            return Err(AuthError::NotAuthorized(format!("Token is not from a supported provider of this identity pool ({key}).")));
        }
        found = token.as_str();
    }
    let token = found.ok_or_else(|| AuthError::NotAuthorized("Invalid login token. Not a valid OpenId Connect identity token.".into()))?;
    let claims = crate::tokens::verify(pool, token).await.map_err(|e| match e {
        AuthError::NotAuthorized(m) if m.contains("expired") => AuthError::NotAuthorized("Invalid login token. Token expired.".into()),
        AuthError::NotAuthorized(_) => AuthError::NotAuthorized("Invalid login token. Not a valid OpenId Connect identity token.".into()),
        e => e,
    })?;
    if claims.token_use != TokenUse::Id {
        return Err(AuthError::NotAuthorized("Invalid login token. Not a valid OpenId Connect identity token.".into()));
    }
    Ok(Some(claims))
}

fn new_identity_id(pool: &Pool) -> String {
    format!("{}:{}", pool.ctx.ids.region, uuid::Uuid::new_v4())
}

/// The user's identity id, creating it from `candidate` (or a fresh one) the first time.
async fn identity_for_user(pool: &Pool, sub: &str, candidate: Option<&str>) -> Result<String, AuthError> {
    let ipid = identity_pool_id(pool);
    if let Some(item) = pool.store().get(tables::IDENTITY_LOGINS, ipid, sub).await? {
        if let Some(id) = item.data.get("identityId").and_then(Value::as_str) {
            return Ok(id.to_string());
        }
    }
    let id = candidate.map(String::from).unwrap_or_else(|| new_identity_id(pool));
    match pool.store().put(tables::IDENTITY_LOGINS, ipid, sub, json!({ "identityId": id }), &Condition::MustNotExist).await {
        Ok(_) => {}
        Err(store::StoreError::ConditionFailed) => return Box::pin(identity_for_user(pool, sub, None)).await,
        Err(e) => return Err(e.into()),
    }
    pool.store().put(tables::IDENTITIES, ipid, &id, json!({ "sub": sub }), &Condition::None).await?;
    Ok(id)
}

fn check_pool_id(pool: &Pool, req: &Value) -> Result<(), AuthError> {
    let given = req_str(req, "IdentityPoolId")?;
    if given != identity_pool_id(pool) {
        return Err(AuthError::ResourceNotFound(format!("IdentityPool '{given}' not found.")));
    }
    Ok(())
}

/// GetId.
pub async fn get_id(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    check_pool_id(pool, req)?;
    let auth = pool.auth()?;
    match login(pool, req.get("Logins")).await? {
        Some(claims) => Ok(json!({ "IdentityId": identity_for_user(pool, &claims.sub, None).await? })),
        None => {
            if !auth.allow_unauthenticated_identities {
                return Err(guest_refused());
            }
            let id = new_identity_id(pool);
            pool.store().put(tables::IDENTITIES, identity_pool_id(pool), &id, json!({}), &Condition::MustNotExist).await?;
            Ok(json!({ "IdentityId": id }))
        }
    }
}

/// GetCredentialsForIdentity.
pub async fn get_credentials(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    let auth = pool.auth()?;
    let given = req_str(req, "IdentityId")?;
    let ipid = identity_pool_id(pool).to_string();
    let not_found = || AuthError::ResourceNotFound(format!("Identity '{given}' not found."));
    let item = pool.store().get(tables::IDENTITIES, &ipid, given).await?.ok_or_else(not_found)?;
    let owner = item.data.get("sub").and_then(Value::as_str).map(String::from);
    let (identity_id, caller) = match login(pool, req.get("Logins")).await? {
        Some(claims) => {
            let id = match &owner {
                Some(sub) if sub == &claims.sub => given.to_string(),
                Some(_) => return Err(AuthError::NotAuthorized("Logins don't match. Please include at least one valid login for this identity or identity pool.".into())),
                // An unlinked (guest) identity becomes the user's, unless the user already has one.
                None => identity_for_user(pool, &claims.sub, Some(given)).await?,
            };
            let mut who = Map::new();
            who.insert("sub".into(), json!(claims.sub));
            who.insert("username".into(), json!(claims.username));
            who.insert("groups".into(), json!(claims.groups));
            (id, (CallerKind::Authenticated, who))
        }
        None => {
            if owner.is_some() {
                return Err(AuthError::NotAuthorized("Logins don't match. Please include at least one valid login for this identity or identity pool.".into()));
            }
            if !auth.allow_unauthenticated_identities {
                return Err(guest_refused());
            }
            (given.to_string(), (CallerKind::Guest, Map::new()))
        }
    };
    let creds = credentials::issue(pool, &identity_id, caller.0, caller.1).await?;
    Ok(json!({ "IdentityId": identity_id, "Credentials": creds }))
}
