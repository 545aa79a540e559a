//! Multi-factor authentication: what happens after the first factor (MFA_SETUP, SELECT_MFA_TYPE,
//! SOFTWARE_TOKEN_MFA, EMAIL_OTP, SMS_MFA), the answers to those challenges, and the operations
//! AssociateSoftwareToken, VerifySoftwareToken and SetUserMFAPreference.
//!
//! Every challenge carries a `Session`, including the ones AssociateSoftwareToken and
//! VerifySoftwareToken return during MFA set-up (the client refuses to continue without it).
//! A wrong MFA code keeps the challenge answerable (three tries), as Cognito does.

use serde_json::{json, Map, Value};

use super::signin::{finish, restore_challenge, save_challenge, take_challenge, Challenge};
use crate::codes::TTL_OTP;
use crate::error::AuthError;
use crate::pool::{now_s, opt_str, req_str, Pool};
use crate::tokens::access_user;
use crate::users::{self, mask, User};
use definition::ir::MfaMode;

pub const TOTP: &str = "SOFTWARE_TOKEN_MFA";
pub const SMS: &str = "SMS_MFA";
pub const EMAIL: &str = "EMAIL_OTP";
const PURPOSE: &str = "mfa";
const MAX_TRIES: i64 = 3;

fn allowed(pool: &Pool, method: &str) -> bool {
    pool.backend.auth.as_ref().is_some_and(|a| match method {
        TOTP => a.mfa.totp,
        SMS => a.mfa.sms,
        EMAIL => a.mfa.email,
        _ => false,
    })
}

/// Whether the user has a phone number SMS_MFA can use (Cognito does not require it verified; a
/// completed SMS_MFA verifies it).
fn has_phone(user: &User) -> bool {
    user.attr("phone_number").is_some_and(|p| !p.is_empty())
}

/// Whether the user's phone is their SMS MFA factor: SMS MFA turned on, or the pool requires MFA
/// and SMS is what the user would be challenged with. (Account recovery "WITHOUT_MFA" skips it.)
pub fn phone_is_mfa_factor(pool: &Pool, user: &User) -> bool {
    let required = pool.backend.auth.as_ref().is_some_and(|a| a.mfa.mode == MfaMode::Required);
    let usable: Vec<&String> = user.mfa.enabled.iter().filter(|m| allowed(pool, m)).collect();
    usable.iter().any(|m| *m == SMS) || (required && usable.is_empty() && allowed(pool, SMS) && has_phone(user))
}

/// The device a sign-in proved, kept in every later challenge's data (`deviceKey`) so the tokens
/// that end it are bound to that device.
fn with_device(mut data: Value, device: Option<&str>) -> Value {
    if let (Some(d), Some(obj)) = (device, data.as_object_mut()) {
        obj.insert("deviceKey".into(), json!(d));
    }
    data
}

fn proven_device(data: &Value) -> Option<&str> {
    data.get("deviceKey").and_then(Value::as_str)
}

/// After the first factor (and the device step, if any): an MFA challenge when the pool and user
/// call for one, else tokens. `once` is the sealed sign-in's id: consumed by the tokens' session,
/// or marked used here when a challenge follows. `device` is a device the sign-in proved.
pub async fn mfa_or_finish(pool: &Pool, user: &User, once: Option<&str>, device: Option<&str>) -> Result<Value, AuthError> {
    let auth = pool.auth()?;
    if auth.mfa.mode == MfaMode::Off {
        return finish(pool, user, once, device).await;
    }
    if let Some(id) = once {
        if needs_challenge(pool, user) {
            super::signin::mark_used(pool, id).await?;
        } else {
            return finish(pool, user, once, device).await;
        }
    }
    let enabled: Vec<&str> = user.mfa.enabled.iter().map(String::as_str).filter(|m| allowed(pool, m)).collect();
    if enabled.is_empty() {
        if auth.mfa.mode == MfaMode::Required {
            if allowed(pool, SMS) && has_phone(user) {
                return challenge(pool, user, SMS, with_device(json!({}), device)).await;
            }
            // Every method the pool has can be set up here; the client itself can only set up TOTP
            // and email (SMS needs a phone number the user already has).
            let can_setup: Vec<&str> = [SMS, TOTP, EMAIL].into_iter().filter(|m| allowed(pool, m)).collect();
            let session = save_challenge(pool, "MFA_SETUP", &user.sub, &user.username, with_device(json!({}), device)).await?;
            return Ok(challenge_body("MFA_SETUP", &session, json!({ "MFAS_CAN_SETUP": json!(can_setup).to_string(), "USER_ID_FOR_SRP": user.username })));
        }
        return finish(pool, user, None, device).await;
    }
    let chosen = match &user.mfa.preferred {
        Some(p) if enabled.contains(&p.as_str()) => p.clone(),
        _ if enabled.len() == 1 => enabled[0].to_string(),
        _ => {
            let session = save_challenge(pool, "SELECT_MFA_TYPE", &user.sub, &user.username, with_device(json!({ "choices": enabled }), device)).await?;
            return Ok(challenge_body("SELECT_MFA_TYPE", &session, json!({ "MFAS_CAN_CHOOSE": json!(enabled).to_string(), "USER_ID_FOR_SRP": user.username })));
        }
    };
    challenge(pool, user, &chosen, with_device(json!({}), device)).await
}

/// Whether [`after_first_factor`] will answer with a challenge rather than tokens.
pub(super) fn needs_challenge(pool: &Pool, user: &User) -> bool {
    let Some(auth) = pool.backend.auth.as_ref() else { return false };
    match auth.mfa.mode {
        MfaMode::Off => false,
        MfaMode::Optional => user.mfa.enabled.iter().any(|m| allowed(pool, m)),
        MfaMode::Required => [SMS, TOTP, EMAIL].into_iter().any(|m| allowed(pool, m)),
    }
}

fn challenge_body(name: &str, session: &str, params: Value) -> Value {
    json!({ "ChallengeName": name, "Session": session, "ChallengeParameters": params })
}

/// Issues the `method` challenge (sending a code for EMAIL_OTP / SMS_MFA). `data` is kept with it.
pub async fn challenge(pool: &Pool, user: &User, method: &str, data: Value) -> Result<Value, AuthError> {
    let mut params = json!({ "USER_ID_FOR_SRP": user.username });
    if method != TOTP {
        let (attr, medium) = if method == EMAIL { ("email", "EMAIL") } else { ("phone_number", "SMS") };
        let address = user.attr(attr).filter(|a| !a.is_empty()).ok_or_else(|| AuthError::InvalidParameter(format!("User has no {attr} to send a code to")))?.to_string();
        let (subject, body) = super::compose(pool, super::Message::Authentication, user, attr).await?;
        crate::codes::send(pool, PURPOSE, &user.sub, &address, &subject, &body, TTL_OTP).await?;
        params["CODE_DELIVERY_DELIVERY_MEDIUM"] = json!(medium);
        params["CODE_DELIVERY_DESTINATION"] = json!(mask(&address));
    }
    let session = save_challenge(pool, method, &user.sub, &user.username, data).await?;
    Ok(challenge_body(method, &session, params))
}

fn wrong_code() -> AuthError {
    AuthError::CodeMismatch("Invalid code received for user".into())
}

/// Answers SOFTWARE_TOKEN_MFA, EMAIL_OTP, SMS_MFA/SMS_OTP, SELECT_MFA_TYPE and MFA_SETUP.
pub async fn answer(pool: &Pool, session: &str, ch: Challenge, r: &Map<String, Value>) -> Result<Value, AuthError> {
    let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    if ch.sub.is_empty() {
        return Err(wrong_code());
    }
    let (user, _) = users::get(pool, &ch.sub).await?.ok_or_else(|| AuthError::NotAuthorized("User does not exist.".into()))?;
    let name = ch.name.clone();
    match name.as_str() {
        "SELECT_MFA_TYPE" => {
            let answer = s("ANSWER");
            let ok = ch.data.get("choices").and_then(Value::as_array).is_some_and(|c| c.iter().any(|v| v == &json!(answer)));
            if !ok {
                return Err(AuthError::InvalidParameter(format!("Invalid MFA type {answer}")));
            }
            challenge(pool, &user, &answer, with_device(json!({}), proven_device(&ch.data))).await
        }
        "MFA_SETUP" => {
            let email = s("EMAIL");
            if !email.is_empty() && allowed(pool, EMAIL) {
                let (user, _) = users::update(pool, &user.sub, |u| {
                    if u.attr("email") != Some(email.as_str()) {
                        u.attributes.insert("email".into(), email.clone());
                        u.attributes.insert("email_verified".into(), "false".into());
                    }
                    Ok(())
                })
                .await?;
                return challenge(pool, &user, EMAIL, with_device(json!({ "setup": EMAIL }), proven_device(&ch.data))).await;
            }
            if !user.mfa.totp_verified {
                return Err(AuthError::NotAuthorized("Software token MFA has not been verified for this user.".into()));
            }
            let (user, _) = users::update(pool, &user.sub, |u| {
                enable(u, TOTP, true);
                Ok(())
            })
            .await?;
            finish(pool, &user, None, proven_device(&ch.data)).await
        }
        TOTP | EMAIL | SMS | "SMS_OTP" => {
            let ok = match name.as_str() {
                TOTP => {
                    let code = s("SOFTWARE_TOKEN_MFA_CODE");
                    let step = user.mfa.totp_secret.as_deref().and_then(|sec| crate::totp::verify_step(sec, &code, now_s() as u64, user.mfa.totp_last_step));
                    match step {
                        Some(step) => users::update(pool, &user.sub, |u| {
                            if step <= u.mfa.totp_last_step {
                                return Err(wrong_code());
                            }
                            u.mfa.totp_last_step = step;
                            Ok(())
                        })
                        .await
                        .is_ok(),
                        None => false,
                    }
                }
                name => {
                    let key = match name { EMAIL => "EMAIL_OTP_CODE", SMS => "SMS_MFA_CODE", _ => "SMS_OTP_CODE" };
                    match crate::codes::check(pool, PURPOSE, &user.sub, &s(key)).await {
                        Ok(()) => true,
                        Err(AuthError::CodeMismatch(_)) => false,
                        Err(e) => return Err(e),
                    }
                }
            };
            if !ok {
                let tries = ch.data.get("tries").and_then(Value::as_i64).unwrap_or(0) + 1;
                if tries < MAX_TRIES {
                    let mut data = ch.data.clone();
                    data["tries"] = json!(tries);
                    restore_challenge(pool, session, &Challenge { data, ..ch }).await?;
                }
                return Err(wrong_code());
            }
            // A code that arrived proves the address it went to: Cognito then marks it verified
            // (SMS_MFA included, which may go to an unverified phone).
            let first_factor = ch.data.get("firstFactor").is_some();
            let setup_email = ch.data.get("setup").and_then(Value::as_str) == Some(EMAIL);
            let proven = match name.as_str() {
                EMAIL if setup_email || first_factor => Some("email_verified"),
                SMS | "SMS_OTP" => Some("phone_number_verified"),
                _ => None,
            };
            let mut user = user;
            if let Some(flag) = proven.filter(|f| user.attr(f) != Some("true") || setup_email) {
                user = users::update(pool, &user.sub, |u| {
                    u.attributes.insert(flag.into(), "true".into());
                    if setup_email {
                        enable(u, EMAIL, true);
                    }
                    Ok(())
                })
                .await?
                .0;
            }
            finish(pool, &user, None, proven_device(&ch.data)).await
        }
        other => Err(AuthError::InvalidParameter(format!("Unsupported challenge {other}"))),
    }
}

/// Enables `method` for the user (and makes it the preferred one when `prefer`).
fn enable(u: &mut User, method: &str, prefer: bool) {
    if !u.mfa.enabled.iter().any(|m| m == method) {
        u.mfa.enabled.push(method.to_string());
    }
    if prefer {
        u.mfa.preferred = Some(method.to_string());
    }
}

/// AssociateSoftwareToken: a new TOTP secret, for the signed-in user or during MFA_SETUP.
pub async fn associate_software_token(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    let secret = crate::totp::new_secret();
    let store = |u: &mut User| {
        u.mfa.totp_secret = Some(secret.clone());
        u.mfa.totp_verified = false;
        u.mfa.totp_last_step = 0;
        u.mfa.enabled.retain(|m| m != TOTP);
        if u.mfa.preferred.as_deref() == Some(TOTP) {
            u.mfa.preferred = None;
        }
        Ok(())
    };
    if req.get("AccessToken").is_some() {
        let (user, _) = access_user(pool, req).await?;
        users::update(pool, &user.sub, store).await?;
        return Ok(json!({ "SecretCode": secret }));
    }
    let session = opt_str(req, "Session").ok_or_else(|| AuthError::missing("accessToken"))?;
    let ch = setup_challenge(pool, session).await?;
    users::update(pool, &ch.sub, store).await?;
    let next = save_challenge(pool, "MFA_SETUP", &ch.sub, &ch.user_id, ch.data).await?;
    Ok(json!({ "SecretCode": secret, "Session": next }))
}

async fn setup_challenge(pool: &Pool, session: &str) -> Result<Challenge, AuthError> {
    let ch = take_challenge(pool, session).await?;
    if ch.name != "MFA_SETUP" {
        return Err(AuthError::NotAuthorized("Invalid session for the user.".into()));
    }
    Ok(ch)
}

/// VerifySoftwareToken: checks a code from the new secret and marks it verified.
pub async fn verify_software_token(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    let code = req_str(req, "UserCode")?;
    let mismatch = || AuthError::EnableSoftwareTokenMfa("Code mismatch".into());
    let check = |u: &User| u.mfa.totp_secret.as_deref().and_then(|s| crate::totp::verify_step(s, code, now_s() as u64, u.mfa.totp_last_step));
    let mark = |step: u64| {
        move |u: &mut User| {
            u.mfa.totp_verified = true;
            u.mfa.totp_last_step = step;
            Ok(())
        }
    };
    if req.get("AccessToken").is_some() {
        let (user, _) = access_user(pool, req).await?;
        if user.mfa.totp_secret.is_none() {
            return Err(AuthError::InvalidParameter("User has not set up software token mfa".into()));
        }
        let step = check(&user).ok_or_else(mismatch)?;
        users::update(pool, &user.sub, mark(step)).await?;
        return Ok(json!({ "Status": "SUCCESS" }));
    }
    let session = opt_str(req, "Session").ok_or_else(|| AuthError::missing("accessToken"))?;
    let ch = setup_challenge(pool, session).await?;
    let (user, _) = users::get(pool, &ch.sub).await?.ok_or_else(|| AuthError::NotAuthorized("User does not exist.".into()))?;
    let Some(step) = check(&user) else {
        restore_challenge(pool, session, &ch).await?;
        return Err(mismatch());
    };
    users::update(pool, &user.sub, mark(step)).await?;
    let next = save_challenge(pool, "MFA_SETUP", &ch.sub, &ch.user_id, ch.data).await?;
    Ok(json!({ "Status": "SUCCESS", "Session": next }))
}

/// SetUserMFAPreference: enables/disables methods and sets the preferred one.
pub async fn set_user_mfa_preference(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    let (user, _) = access_user(pool, req).await?;
    let mut changes = Vec::new();
    for (member, method) in [("SMSMfaSettings", SMS), ("SoftwareTokenMfaSettings", TOTP), ("EmailMfaSettings", EMAIL)] {
        let Some(s) = req.get(member).filter(|v| v.is_object()) else { continue };
        let enabled = s.get("Enabled").and_then(Value::as_bool);
        let preferred = s.get("PreferredMfa").and_then(Value::as_bool);
        let turning_on = enabled == Some(true) || preferred == Some(true);
        if turning_on {
            if !allowed(pool, method) {
                return Err(AuthError::InvalidParameter(format!("{method} is not enabled for this user pool")));
            }
            match method {
                TOTP if !user.mfa.totp_verified => return Err(AuthError::InvalidParameter("User has not verified software token mfa".into())),
                EMAIL if user.email().is_none() => return Err(AuthError::InvalidParameter("User does not have an email".into())),
                SMS if user.attr("phone_number").is_none() => return Err(AuthError::InvalidParameter("User does not have a phone number".into())),
                _ => {}
            }
        }
        changes.push((method, enabled, preferred));
    }
    users::update(pool, &user.sub, |u| {
        for (method, enabled, preferred) in &changes {
            match enabled {
                Some(true) => enable(u, method, false),
                Some(false) => {
                    u.mfa.enabled.retain(|m| m != method);
                    if u.mfa.preferred.as_deref() == Some(method) {
                        u.mfa.preferred = None;
                    }
                }
                None => {}
            }
            match preferred {
                Some(true) => enable(u, method, true),
                Some(false) if u.mfa.preferred.as_deref() == Some(method) => u.mfa.preferred = None,
                _ => {}
            }
        }
        Ok(())
    })
    .await?;
    Ok(json!({}))
}
