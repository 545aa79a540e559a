//! ChangePassword, ForgotPassword, ConfirmForgotPassword, and account recovery: which verified
//! address a reset code goes to, from `defineAuth({ accountRecovery })`.

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

/// One of Cognito's `RecoveryMechanisms`: a verified email, or a verified phone number that
/// (`without_mfa`) is not also the user's SMS MFA phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recovery {
    Email,
    Phone { without_mfa: bool },
}

/// The recovery mechanisms, in priority order, for `defineAuth({ accountRecovery })` as the CDK maps
/// it; without one, Amplify's default (email when email is a login method, else phone).
fn recovery_mechanisms(auth: &definition::ir::Auth) -> Vec<Recovery> {
    use Recovery::*;
    let phone = Phone { without_mfa: true };
    match auth.account_recovery.as_deref() {
        Some("EMAIL_ONLY") => vec![Email],
        Some("PHONE_ONLY_WITHOUT_MFA") => vec![phone],
        Some("EMAIL_AND_PHONE_WITHOUT_MFA") => vec![Email, phone],
        Some("PHONE_WITHOUT_MFA_AND_EMAIL") => vec![phone, Email],
        // No RecoverySetting at all: Cognito's legacy order, SMS even to an MFA phone.
        Some("PHONE_AND_EMAIL") => vec![Phone { without_mfa: false }, Email],
        Some(_) => vec![],
        None if auth.login_with.email => vec![Email],
        None => vec![phone],
    }
}

/// Where a reset code goes: the first recovery mechanism the user has a verified address for.
fn recovery_target(pool: &Pool, user: &User) -> Option<(&'static str, String)> {
    let auth = pool.backend.auth.as_ref()?;
    let verified = |a: &'static str| {
        (user.attr(&format!("{a}_verified")) == Some("true")).then(|| user.attr(a).filter(|v| !v.is_empty()).map(|v| (a, v.to_string()))).flatten()
    };
    let sms_mfa = super::mfa::phone_is_mfa_factor(pool, user);
    recovery_mechanisms(auth).into_iter().find_map(|m| match m {
        Recovery::Email => verified("email"),
        Recovery::Phone { without_mfa } if without_mfa && sms_mfa => None,
        Recovery::Phone { .. } => verified("phone_number"),
    })
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
        // A plausible delivery by the pool's first recovery mechanism (no user enumeration).
        let phone = matches!(recovery_mechanisms(pool.auth()?).first(), Some(Recovery::Phone { .. })) || login.starts_with('+');
        let attr = if phone { "phone_number" } else { "email" };
        return Ok(json!({ "CodeDeliveryDetails": delivery(attr, &mask(login)) }));
    };
    if !user.enabled {
        return Err(AuthError::NotAuthorized("User is disabled.".into()));
    }
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

#[cfg(test)]
mod tests {
    use super::{recovery_mechanisms, Recovery::*};
    use definition::ir::{Auth, LoginWith, Mfa, MfaMode, PasswordPolicy};

    fn auth(recovery: Option<&str>, email: bool, phone: bool) -> Auth {
        Auth {
            login_with: LoginWith { email, phone, ..Default::default() },
            username_attributes: vec![],
            user_attributes: Default::default(),
            groups: vec![],
            mfa: Mfa { mode: MfaMode::Off, totp: false, sms: false, email: false },
            password_policy: PasswordPolicy::default(),
            account_recovery: recovery.map(String::from),
            allow_unauthenticated_identities: true,
            triggers: Default::default(),
            access: Default::default(),
            extra: serde_json::Value::Null,
            device_tracking: None,
            pre_token_generation_version: None,
        }
    }

    #[test]
    fn amplify_recovery_settings() {
        let p = Phone { without_mfa: true };
        assert_eq!(recovery_mechanisms(&auth(None, true, false)), vec![Email]);
        assert_eq!(recovery_mechanisms(&auth(None, false, true)), vec![p]);
        assert_eq!(recovery_mechanisms(&auth(None, true, true)), vec![Email]);
        assert_eq!(recovery_mechanisms(&auth(Some("EMAIL_AND_PHONE_WITHOUT_MFA"), true, true)), vec![Email, p]);
        assert_eq!(recovery_mechanisms(&auth(Some("PHONE_WITHOUT_MFA_AND_EMAIL"), true, true)), vec![p, Email]);
        assert_eq!(recovery_mechanisms(&auth(Some("PHONE_AND_EMAIL"), true, true)), vec![Phone { without_mfa: false }, Email]);
        assert_eq!(recovery_mechanisms(&auth(Some("PHONE_ONLY_WITHOUT_MFA"), true, true)), vec![p]);
        assert!(recovery_mechanisms(&auth(Some("NONE"), true, true)).is_empty());
    }
}
