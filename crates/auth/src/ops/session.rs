//! GetTokensFromRefreshToken (how the client refreshes), RevokeToken (signOut) and GlobalSignOut.

use serde_json::{json, Value};

use crate::error::AuthError;
use crate::pool::{req_str, Pool};
use crate::sessions;
use crate::users;

/// New access and id tokens for a live refresh token (no rotation: no new `RefreshToken`).
pub async fn get_tokens_from_refresh_token(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    pool.check_client(req)?;
    let session = sessions::from_refresh_token(pool, req_str(req, "RefreshToken")?).await?;
    let (user, _) = users::get(pool, &session.sub).await?.ok_or_else(|| AuthError::NotAuthorized("User does not exist.".into()))?;
    if !user.enabled {
        return Err(AuthError::NotAuthorized("User is disabled.".into()));
    }
    let result = crate::tokens::issue(pool, &user, &session, None).await?;
    Ok(json!({ "AuthenticationResult": result }))
}

/// Revokes the refresh token's session and with it every token it issued.
pub async fn revoke_token(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    pool.check_client(req)?;
    let token = req_str(req, "Token")?;
    match sessions::from_refresh_token(pool, token).await {
        Ok(s) => sessions::revoke(pool, &s.origin_jti).await?,
        // Revoking an already revoked token succeeds, as in Cognito.
        Err(AuthError::NotAuthorized(m)) if m.contains("revoked") => {}
        Err(_) => return Err(AuthError::UnsupportedOperation("The token provided is not a refresh token issued by this user pool.".into())),
    }
    Ok(json!({}))
}

/// Revokes every session of the access token's user.
pub async fn global_sign_out(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    let (user, _) = crate::tokens::access_user(pool, req).await?;
    sessions::revoke_all(pool, &user.sub).await?;
    Ok(json!({}))
}
