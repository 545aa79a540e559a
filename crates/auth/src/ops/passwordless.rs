//! USER_AUTH's first factors: which ones a user is offered (`AvailableChallenges`) and the
//! passwordless ones, EMAIL_OTP and SMS_OTP (a code to the user's email or phone instead of a
//! password).
//!
//! As in Cognito, passwordless factors exist only when the pool allows them
//! (`loginWith.email.otpLogin` / `loginWith.phone.otpLogin` in `defineAuth`), never in a pool
//! whose MFA is REQUIRED, and not for a user who has MFA turned on (MFA and passwordless cannot
//! be combined). Unknown users are offered what the pool allows and get a challenge that can
//! never succeed, so the answers do not reveal which users exist.

use serde_json::{json, Value};

use super::mfa;
use super::signin::save_challenge;
use crate::error::AuthError;
use crate::pool::{now_ms, Pool};
use crate::users::{mask, User, UserStatus};
use definition::ir::MfaMode;

pub const EMAIL_OTP: &str = "EMAIL_OTP";
pub const SMS_OTP: &str = "SMS_OTP";

/// Whether the pool allows `factor` (EMAIL_OTP / SMS_OTP) as a first factor at all.
fn pool_allows(pool: &Pool, factor: &str) -> bool {
    let Some(auth) = pool.backend.auth.as_ref() else { return false };
    if auth.mfa.mode == MfaMode::Required {
        return false;
    }
    match factor {
        EMAIL_OTP => auth.login_with.email_otp_login(),
        SMS_OTP => auth.login_with.phone_otp_login(),
        _ => false,
    }
}

/// The address `factor` sends its code to.
fn address<'a>(user: &'a User, factor: &str) -> Option<&'a str> {
    let attr = if factor == SMS_OTP { "phone_number" } else { "email" };
    user.attr(attr).filter(|a| !a.is_empty())
}

/// Whether `user` (or, for an unknown user, anyone) may use the passwordless `factor`.
pub fn offered(pool: &Pool, user: Option<&User>, factor: &str) -> bool {
    pool_allows(pool, factor)
        && match user {
            Some(u) => u.mfa.enabled.is_empty() && address(u, factor).is_some(),
            None => true,
        }
}

/// The first factors a SELECT_CHALLENGE offers.
pub fn available(pool: &Pool, user: Option<&User>) -> Vec<&'static str> {
    let mut out = vec!["PASSWORD", "PASSWORD_SRP"];
    out.extend([EMAIL_OTP, SMS_OTP].into_iter().filter(|f| offered(pool, user, f)));
    out
}

/// Starts the passwordless `factor` for `login` (found as `user`): the code goes out, the
/// challenge comes back.
pub async fn start(pool: &Pool, login: &str, user: Option<User>, factor: &str) -> Result<Value, AuthError> {
    if !offered(pool, user.as_ref(), factor) {
        return Err(AuthError::InvalidParameter("The selected challenge is not available for this user.".into()));
    }
    let Some(user) = user else {
        let session = save_challenge(pool, factor, "", login, json!({ "firstFactor": true })).await?;
        let medium = if factor == SMS_OTP { "SMS" } else { "EMAIL" };
        return Ok(json!({
            "ChallengeName": factor,
            "Session": session,
            "ChallengeParameters": { "CODE_DELIVERY_DELIVERY_MEDIUM": medium, "CODE_DELIVERY_DESTINATION": mask(login) },
        }));
    };
    if user.locked_until > now_ms() {
        return Err(AuthError::NotAuthorized("Password attempts exceeded".into()));
    }
    if !user.enabled {
        return Err(AuthError::NotAuthorized("User is disabled.".into()));
    }
    if user.status == UserStatus::Unconfirmed {
        return Err(AuthError::UserNotConfirmed("User is not confirmed.".into()));
    }
    mfa::challenge(pool, &user, factor, json!({ "firstFactor": true })).await
}
