//! SignUp, ConfirmSignUp, ResendConfirmationCode.

use serde_json::{json, Value};

use super::{send_code, signup_verification, Message};
use crate::attributes::{self, Write};
use crate::codes::TTL_CONFIRM;
use crate::error::AuthError;
use crate::pool::{now_ms, req_str, Pool};
use crate::triggers::{self, Trigger};
use crate::users::{self, User, UserStatus};

const PURPOSE: &str = "signup";

/// SignUp: validates attributes and password, creates an UNCONFIRMED user, sends the code.
pub async fn sign_up(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    pool.check_client(req)?;
    let auth = pool.auth()?;
    let given = req_str(req, "Username")?.trim().to_string();
    if given.is_empty() {
        return Err(AuthError::InvalidParameter("Username cannot be empty".into()));
    }
    let password = match req.get("Password").and_then(Value::as_str) {
        Some(p) if !p.is_empty() => p.to_string(),
        _ => return Err(AuthError::missing("password")),
    };
    let mut attrs = attributes::parse_list(req.get("UserAttributes"))?;
    let by_email = pool.email_is_username();
    let by_phone = pool.phone_is_username();
    let username_is_email = given.contains('@');
    if by_email || by_phone {
        // The Username must be one of the username attributes; it becomes that attribute.
        if by_email && username_is_email {
            attrs.entry("email".into()).or_insert_with(|| given.clone());
        } else if by_phone && given.starts_with('+') {
            attrs.entry("phone_number".into()).or_insert_with(|| given.clone());
        } else {
            let what = if by_email && by_phone { "an email or a phone number" } else if by_email { "an email" } else { "a phone number" };
            return Err(AuthError::InvalidParameter(format!("Username should be {what}.")));
        }
    } else if given.chars().any(char::is_whitespace) {
        return Err(AuthError::InvalidParameter(
            "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+".into(),
        ));
    }
    attributes::validate(auth, &attrs, Write::SignUp)?;
    crate::password::check(&password, &auth.password_policy)?;

    let sub = uuid::Uuid::new_v4().to_string();
    let username = if by_email || by_phone { sub.clone() } else { given.clone() };
    for verified in ["email", "phone_number"] {
        if attrs.contains_key(verified) {
            attrs.insert(format!("{verified}_verified"), "false".into());
        }
    }
    let (srp, hash) = {
        let (pool_name, username, password) = (pool.srp_name().to_string(), username.clone(), password.clone());
        crate::crypto::blocking(move || User::hash_password(&pool_name, &username, &password)).await
    };
    // preSignUp sees the request before the user exists; it may refuse it or auto-confirm.
    let mut status = UserStatus::Unconfirmed;
    let request = json!({
        "userAttributes": attrs,
        "validationData": attributes_map(req.get("ValidationData")),
        "clientMetadata": req.get("ClientMetadata").cloned().unwrap_or(json!({})),
    });
    if let Some(resp) = triggers::run(pool, Trigger::PreSignUp, "PreSignUp_SignUp", &username, request).await? {
        if triggers::flag(&resp, "autoConfirmUser") {
            status = UserStatus::Confirmed;
        }
        for (flag, attr) in [("autoVerifyEmail", "email"), ("autoVerifyPhone", "phone_number")] {
            if triggers::flag(&resp, flag) && attrs.contains_key(attr) {
                attrs.insert(format!("{attr}_verified"), "true".into());
            }
        }
    }
    let now = now_ms();
    let user = User {
        sub: sub.clone(),
        username,
        attributes: attrs,
        status,
        enabled: true,
        srp,
        password: hash,
        groups: vec![],
        failed_attempts: 0,
        locked_until: 0,
        mfa: Default::default(),
        created: now,
        modified: now,
    };
    users::create(pool, &user).await?;
    let confirmed = user.status == UserStatus::Confirmed;
    let mut out = json!({ "UserConfirmed": confirmed, "UserSub": sub });
    if confirmed {
        return Ok(out);
    }
    if let Some((attr, address)) = signup_verification(pool, &user) {
        out["CodeDeliveryDetails"] = send_code(pool, PURPOSE, &user, attr, &address, Message::SignUp, TTL_CONFIRM).await?;
    }
    Ok(out)
}

/// ConfirmSignUp: checks the code, marks the user CONFIRMED and the delivery attribute verified.
pub async fn confirm_sign_up(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    pool.check_client(req)?;
    let login = req_str(req, "Username")?;
    let code = req_str(req, "ConfirmationCode")?;
    let user = users::find(pool, login).await?.ok_or_else(|| AuthError::UserNotFound("Username/client id combination not found.".into()))?;
    if user.status != UserStatus::Unconfirmed {
        return Err(AuthError::NotAuthorized(format!("User cannot be confirmed. Current status is {}", user.status.as_str())));
    }
    crate::codes::check(pool, PURPOSE, &user.sub, code).await?;
    let verified = signup_verification(pool, &user).map(|(a, _)| a);
    let (user, _) = users::update(pool, &user.sub, |u| {
        u.status = UserStatus::Confirmed;
        if let Some(a) = verified {
            u.attributes.insert(format!("{a}_verified"), "true".into());
        }
        Ok(())
    })
    .await?;
    let request = json!({ "userAttributes": triggers::user_attributes(&user), "clientMetadata": req.get("ClientMetadata").cloned().unwrap_or(json!({})) });
    triggers::run(pool, Trigger::PostConfirmation, "PostConfirmation_ConfirmSignUp", &user.username, request).await?;
    // "Sign in after sign-up": USER_AUTH InitiateAuth may present this Session instead of a factor.
    let session = super::signin::save_challenge(pool, "SIGN_UP", &user.sub, &user.username, json!({})).await?;
    Ok(json!({ "Session": session }))
}

/// ResendConfirmationCode: a fresh code for an unconfirmed user.
pub async fn resend_confirmation_code(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    pool.check_client(req)?;
    let login = req_str(req, "Username")?;
    let user = users::find(pool, login).await?.ok_or_else(|| AuthError::UserNotFound("Username/client id combination not found.".into()))?;
    if user.status != UserStatus::Unconfirmed {
        return Err(AuthError::InvalidParameter("User is already confirmed.".into()));
    }
    let Some((attr, address)) = signup_verification(pool, &user) else {
        return Err(AuthError::InvalidParameter("Auto verification not turned on.".into()));
    };
    Ok(json!({ "CodeDeliveryDetails": send_code(pool, PURPOSE, &user, attr, &address, Message::ResendCode, TTL_CONFIRM).await? }))
}

/// `[{Name, Value}]` (ValidationData) as the `{name: value}` map triggers receive.
fn attributes_map(list: Option<&Value>) -> Value {
    let mut out = serde_json::Map::new();
    for a in list.and_then(Value::as_array).into_iter().flatten() {
        if let (Some(n), Some(v)) = (a.get("Name").and_then(Value::as_str), a.get("Value").and_then(Value::as_str)) {
            out.insert(n.to_string(), json!(v));
        }
    }
    Value::Object(out)
}
