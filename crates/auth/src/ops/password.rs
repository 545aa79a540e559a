//! ChangePassword, ForgotPassword, ConfirmForgotPassword.

use serde_json::{json, Value};

use super::{delivery, send_code, Message};
use crate::codes::TTL_RESET;
use crate::crypto::blocking;
use crate::error::AuthError;
use crate::pool::{req_str, Pool};
use crate::tokens::access_user;
use crate::users::{self, mask, User, UserStatus};

const PURPOSE: &str = "reset";

/// Sets a new password on `sub` (fresh SRP verifier and hash), clearing lockout and reset state.
pub async fn set_password(pool: &Pool, sub: &str, username: &str, password: &str, status: Option<UserStatus>) -> Result<User, AuthError> {
    let (pool_name, username, password) = (pool.srp_name().to_string(), username.to_string(), password.to_string());
    let (srp, hash) = blocking(move || User::hash_password(&pool_name, &username, &password)).await;
    let (user, _) = users::update(pool, sub, |u| {
        u.srp = srp.clone();
        u.password = hash.clone();
        u.failed_attempts = 0;
        u.locked_until = 0;
        if let Some(s) = status {
            u.status = s;
        }
        Ok(())
    })
    .await?;
    Ok(user)
}

/// ChangePassword: the previous password must match (failures count toward lockout).
pub async fn change_password(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    let (user, _) = access_user(pool, req).await?;
    let previous = req_str(req, "PreviousPassword")?.to_string();
    let proposed = req_str(req, "ProposedPassword")?;
    crate::password::check(proposed, &pool.auth()?.password_policy)?;
    if user.locked_until > crate::pool::now_ms() {
        return Err(AuthError::NotAuthorized("Password attempts exceeded".into()));
    }
    let hash = user.password.clone();
    if !blocking(move || hash.verify(&previous)).await {
        return Err(super::record_failure(pool, &user.sub).await?);
    }
    set_password(pool, &user.sub, &user.username, proposed, None).await?;
    Ok(json!({}))
}

/// Where a reset code goes: a verified email, else a verified phone (account recovery order).
fn recovery_target(pool: &Pool, user: &User) -> Option<(&'static str, String)> {
    let phone_first = pool.backend.auth.as_ref().and_then(|a| a.account_recovery.as_deref()).is_some_and(|r| r.starts_with("PHONE"));
    let verified = |a: &'static str| {
        (user.attr(&format!("{a}_verified")) == Some("true")).then(|| user.attr(a).map(|v| (a, v.to_string()))).flatten()
    };
    if phone_first {
        verified("phone_number").or_else(|| verified("email"))
    } else {
        verified("email").or_else(|| verified("phone_number"))
    }
}

/// ForgotPassword: sends a reset code. An unknown user may be migrated in (userMigration);
/// otherwise gets a plausible answer (no enumeration).
pub async fn forgot_password(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    pool.check_client(req)?;
    let login = req_str(req, "Username")?;
    let user = match users::find(pool, login).await? {
        Some(u) => Some(u),
        None => super::hooks::migrate_on_forgot_password(pool, login).await?,
    };
    let Some(user) = user else {
        let attr = if login.starts_with('+') { "phone_number" } else { "email" };
        return Ok(json!({ "CodeDeliveryDetails": delivery(attr, &mask(login)) }));
    };
    let Some((attr, address)) = recovery_target(pool, &user) else {
        return Err(AuthError::InvalidParameter("Cannot reset password for the user as there is no registered/verified email or phone_number".into()));
    };
    let d = send_code(pool, PURPOSE, &user, attr, &address, Message::ResetPassword, TTL_RESET).await?;
    Ok(json!({ "CodeDeliveryDetails": d }))
}

/// ConfirmForgotPassword: checks the code and sets the new password.
pub async fn confirm_forgot_password(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    pool.check_client(req)?;
    let login = req_str(req, "Username")?;
    let code = req_str(req, "ConfirmationCode")?;
    let password = req_str(req, "Password")?;
    crate::password::check(password, &pool.auth()?.password_policy)?;
    let Some(user) = users::find(pool, login).await? else {
        return Err(AuthError::CodeMismatch("Invalid verification code provided, please try again.".into()));
    };
    crate::codes::check(pool, PURPOSE, &user.sub, code).await?;
    let status = matches!(user.status, UserStatus::ResetRequired | UserStatus::ForceChangePassword).then_some(UserStatus::Confirmed);
    set_password(pool, &user.sub, &user.username, password, status).await?;
    Ok(json!({}))
}
