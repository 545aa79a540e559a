//! InitiateAuth and RespondToAuthChallenge: USER_SRP_AUTH (PASSWORD_VERIFIER, with Cognito's
//! TIMESTAMP clock-skew check), USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH, USER_AUTH (password first
//! factors here, passwordless ones in `passwordless`), NEW_PASSWORD_REQUIRED; the progressive
//! lockout after repeated failures. The device step (DEVICE_SRP_AUTH) lives in `device`,
//! CUSTOM_AUTH in `custom`, the pre/post-authentication and migration triggers in `hooks`.
//!
//! A challenge in progress is stored under its `Session` string for 3 minutes and consumed by the
//! response that answers it (single use). Unknown users get a convincing PASSWORD_VERIFIER that
//! can never succeed, so sign-in does not reveal which usernames exist.

use num_bigint::BigUint;
use serde_json::{json, Map, Value};
use store::Condition;

use crate::crypto::{b64, b64_decode_any, blocking, ct_eq, random_bytes};
use crate::error::AuthError;
use crate::pool::{now_ms, req_str, tables, Pool};
use crate::srp::{self, ServerKey, Verifier};
use crate::users::{self, User, UserStatus};

use super::passwordless;

/// Failures before the first lockout (Cognito: 5).
const FREE_FAILURES: u32 = 5;
/// Longest lockout (Cognito: about 15 minutes).
const MAX_LOCK_S: i64 = 900;
/// How long a `Session` stays answerable.
const CHALLENGE_TTL_MS: i64 = 180_000;

fn params(req: &Value, member: &str) -> Result<Map<String, Value>, AuthError> {
    match req.get(member) {
        Some(Value::Object(m)) => Ok(m.clone()),
        None | Some(Value::Null) => Err(AuthError::missing(&format!("{}{}", member[..1].to_lowercase(), &member[1..]))),
        Some(_) => Err(AuthError::Serialization(format!("{member} must be a map"))),
    }
}

fn param<'a>(m: &'a Map<String, Value>, k: &str) -> Result<&'a str, AuthError> {
    m.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| AuthError::InvalidParameter(format!("Missing required parameter {k}")))
}

/// A sign-in step waiting for the client's answer.
pub struct Challenge {
    pub name: String,
    pub sub: String,
    pub user_id: String,
    pub data: Value,
}

/// Puts a challenge back under the same `Session` (a wrong MFA code may be retried).
pub async fn restore_challenge(pool: &Pool, session: &str, ch: &Challenge) -> Result<(), AuthError> {
    let item = json!({ "name": ch.name, "sub": ch.sub, "userId": ch.user_id, "data": ch.data, "expires": now_ms() + CHALLENGE_TTL_MS });
    pool.store().put(tables::CHALLENGES, pool.id(), session, item, &Condition::None).await?;
    Ok(())
}

/// Stores a challenge and returns its `Session`.
pub async fn save_challenge(pool: &Pool, name: &str, sub: &str, user_id: &str, data: Value) -> Result<String, AuthError> {
    let session = crate::crypto::b64url(&random_bytes(96));
    let item = json!({ "name": name, "sub": sub, "userId": user_id, "data": data, "expires": now_ms() + CHALLENGE_TTL_MS });
    pool.store().put(tables::CHALLENGES, pool.id(), &session, item, &Condition::MustNotExist).await?;
    Ok(session)
}

/// Takes (deletes) the challenge behind `Session`.
pub async fn take_challenge(pool: &Pool, session: &str) -> Result<Challenge, AuthError> {
    let expired = || AuthError::NotAuthorized("Invalid session for the user, session is expired.".into());
    let item = pool.store().delete(tables::CHALLENGES, pool.id(), session, &Condition::None).await?.ok_or_else(expired)?;
    let d = item.data;
    if d.get("expires").and_then(Value::as_i64).unwrap_or(0) <= now_ms() {
        return Err(expired());
    }
    let s = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    Ok(Challenge { name: s("name"), sub: s("sub"), user_id: s("userId"), data: d.get("data").cloned().unwrap_or(Value::Null) })
}

/// A sealed PASSWORD_VERIFIER session (see [`crate::seal`]).
async fn open_sealed(pool: &Pool, session: &str) -> Result<Challenge, AuthError> {
    let d = crate::seal::open(pool, session).await?;
    if d.get("expires").and_then(Value::as_i64).unwrap_or(0) <= now_ms() {
        return Err(AuthError::NotAuthorized("Invalid session for the user, session is expired.".into()));
    }
    let s = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    Ok(Challenge { name: s("name"), sub: s("sub"), user_id: s("userId"), data: d.get("data").cloned().unwrap_or(Value::Null) })
}

fn challenge_response(name: &str, session: &str, params: Value) -> Value {
    json!({ "ChallengeName": name, "Session": session, "ChallengeParameters": params })
}

fn check_lock(user: &User) -> Result<(), AuthError> {
    if user.locked_until > now_ms() {
        return Err(AuthError::NotAuthorized("Password attempts exceeded".into()));
    }
    Ok(())
}

/// Counts a failed password and locks progressively: 1 s after the 5th failure, doubling up to
/// 15 minutes. Returns the error the caller should answer with.
pub async fn record_failure(pool: &Pool, sub: &str) -> Result<AuthError, AuthError> {
    let (user, _) = users::update(pool, sub, |u| {
        u.failed_attempts += 1;
        if u.failed_attempts >= FREE_FAILURES {
            let exp = (u.failed_attempts - FREE_FAILURES).min(20);
            u.locked_until = now_ms() + (1i64 << exp).min(MAX_LOCK_S) * 1000;
        }
        Ok(())
    })
    .await?;
    Ok(if user.failed_attempts > FREE_FAILURES { AuthError::NotAuthorized("Password attempts exceeded".into()) } else { AuthError::bad_credentials() })
}

async fn record_success(pool: &Pool, user: &User) -> Result<(), AuthError> {
    if user.failed_attempts > 0 || user.locked_until > 0 {
        users::update(pool, &user.sub, |u| {
            u.failed_attempts = 0;
            u.locked_until = 0;
            Ok(())
        })
        .await?;
    }
    Ok(())
}

/// InitiateAuth.
pub async fn initiate_auth(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    pool.check_client(req)?;
    let flow = req_str(req, "AuthFlow")?;
    let p = params(req, "AuthParameters")?;
    match flow {
        "USER_SRP_AUTH" => srp_first_factor(pool, param(&p, "USERNAME")?, param(&p, "SRP_A")?).await,
        "USER_PASSWORD_AUTH" => password_sign_in(pool, param(&p, "USERNAME")?, param(&p, "PASSWORD")?, device_key(&p)).await,
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => {
            let session = crate::sessions::from_refresh_token(pool, param(&p, "REFRESH_TOKEN")?).await?;
            let (user, _) = users::get(pool, &session.sub).await?.ok_or_else(|| AuthError::NotAuthorized("User does not exist.".into()))?;
            let result = crate::tokens::issue(pool, &user, &session, None).await?;
            Ok(json!({ "ChallengeParameters": {}, "AuthenticationResult": result }))
        }
        "USER_AUTH" => match req.get("Session").and_then(Value::as_str) {
            Some(session) => sign_in_after_sign_up(pool, session, param(&p, "USERNAME")?).await,
            None => user_auth(pool, &p).await,
        },
        "CUSTOM_AUTH" => super::custom::initiate(pool, &p).await,
        "ADMIN_NO_SRP_AUTH" | "ADMIN_USER_PASSWORD_AUTH" => Err(AuthError::InvalidParameter("Initiate Auth method not supported.".into())),
        other => Err(AuthError::InvalidParameter(format!(
            "1 validation error detected: Value '{other}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, USER_PASSWORD_AUTH, USER_AUTH]"
        ))),
    }
}

/// USER_AUTH with the `Session` ConfirmSignUp returned: the confirmation code was the first factor.
async fn sign_in_after_sign_up(pool: &Pool, session: &str, login: &str) -> Result<Value, AuthError> {
    let ch = take_challenge(pool, session).await?;
    let user = users::find(pool, login).await?;
    match user {
        Some(u) if ch.name == "SIGN_UP" && u.sub == ch.sub => complete_sign_in(pool, &u, None, None).await,
        _ => Err(AuthError::NotAuthorized("Invalid session for the user.".into())),
    }
}

/// USER_AUTH: the preferred first factor (PASSWORD / PASSWORD_SRP, or a passwordless one the user
/// is offered), else SELECT_CHALLENGE with the factors available.
async fn user_auth(pool: &Pool, p: &Map<String, Value>) -> Result<Value, AuthError> {
    let username = param(p, "USERNAME")?;
    let preferred = p.get("PREFERRED_CHALLENGE").and_then(Value::as_str);
    match preferred {
        Some("PASSWORD_SRP") => return srp_first_factor(pool, username, param(p, "SRP_A")?).await,
        Some("PASSWORD") => return password_sign_in(pool, username, param(p, "PASSWORD")?, device_key(p)).await,
        _ => {}
    }
    let user = users::find(pool, username).await?;
    if let Some(otp @ (passwordless::EMAIL_OTP | passwordless::SMS_OTP)) = preferred {
        if passwordless::offered(pool, user.as_ref(), otp) {
            return passwordless::start(pool, username, user, otp).await;
        }
    }
    let (sub, user_id) = match &user {
        Some(u) => (u.sub.clone(), u.username.clone()),
        None => (String::new(), username.to_string()),
    };
    let session = save_challenge(pool, "SELECT_CHALLENGE", &sub, &user_id, Value::Null).await?;
    let mut r = challenge_response("SELECT_CHALLENGE", &session, json!({ "USERNAME": user_id }));
    r["AvailableChallenges"] = json!(passwordless::available(pool, user.as_ref()));
    Ok(r)
}

/// An SRP sign-in's first step after preAuthentication (the user is looked up for it only when
/// the trigger exists: SRP sign-in stays one read without it).
async fn srp_first_factor(pool: &Pool, login: &str, a_hex: &str) -> Result<Value, AuthError> {
    if crate::triggers::configured(pool, crate::triggers::Trigger::PreAuthentication) {
        let user = users::find(pool, login).await?;
        super::hooks::pre_authentication(pool, user.as_ref(), login).await?;
    }
    srp_start(pool, login, a_hex, None).await
}

/// Starts SRP: B, salt and secret block for the user (or a decoy for an unknown user).
/// `custom` is the custom-auth flow the password step belongs to, if any ([`super::custom`]).
pub async fn srp_start(pool: &Pool, login: &str, a_hex: &str, custom: Option<Value>) -> Result<Value, AuthError> {
    if srp::parse_hex(a_hex).is_none() {
        return Err(AuthError::InvalidParameter("Invalid SRP_A".into()));
    }
    let user = users::find(pool, login).await?;
    if let Some(u) = &user {
        check_lock(u)?;
    }
    let (sub, user_id, verifier) = match &user {
        Some(u) => (u.sub.clone(), u.username.clone(), u.srp.clone()),
        None => {
            let salt = BigUint::from_bytes_be(&random_bytes(16));
            (String::new(), login.to_string(), Verifier { salt: srp::pad_hex(&salt), verifier: srp::pad_hex(&BigUint::from_bytes_be(&random_bytes(384))) })
        }
    };
    let v = verifier.clone();
    let server = blocking(move || ServerKey::new(&v)).await;
    let secret_block = b64(&random_bytes(64));
    let state = json!({
        "name": "PASSWORD_VERIFIER", "sub": sub, "userId": user_id, "expires": now_ms() + CHALLENGE_TTL_MS,
        "data": { "id": uuid::Uuid::new_v4().to_string(), "server": server, "verifier": verifier, "a": a_hex, "secretBlock": secret_block, "custom": custom },
    });
    let session = crate::seal::seal(pool, &state).await?;
    Ok(challenge_response(
        "PASSWORD_VERIFIER",
        &session,
        json!({
            "SALT": verifier.salt,
            "SECRET_BLOCK": secret_block,
            "SRP_B": server.big_b,
            "USERNAME": user_id,
            "USER_ID_FOR_SRP": user_id,
        }),
    ))
}

/// USER_PASSWORD_AUTH (and USER_AUTH's PASSWORD): the slow hash, lockout, then completion.
/// An unknown user may be migrated in by the userMigration trigger first.
async fn password_sign_in(pool: &Pool, login: &str, password: &str, device: Option<&str>) -> Result<Value, AuthError> {
    let user = match users::find(pool, login).await? {
        Some(u) => Some(u),
        None => super::hooks::migrate_on_sign_in(pool, login, password).await?,
    };
    super::hooks::pre_authentication(pool, user.as_ref(), login).await?;
    let Some(user) = user else {
        return Err(AuthError::bad_credentials());
    };
    check_lock(&user)?;
    let (hash, pw) = (user.password.clone(), password.to_string());
    if !blocking(move || hash.verify(&pw)).await {
        return Err(record_failure(pool, &user.sub).await?);
    }
    record_success(pool, &user).await?;
    complete_sign_in(pool, &user, None, device).await
}

/// After the first factor: status checks, then the device step, MFA or tokens.
/// `once` is a sealed sign-in's id, which may complete only once; `device` the `DEVICE_KEY` the
/// client sent with its first factor.
pub async fn complete_sign_in(pool: &Pool, user: &User, once: Option<&str>, device: Option<&str>) -> Result<Value, AuthError> {
    if !user.enabled {
        return Err(AuthError::NotAuthorized("User is disabled.".into()));
    }
    match user.status {
        UserStatus::Unconfirmed => return Err(AuthError::UserNotConfirmed("User is not confirmed.".into())),
        UserStatus::ResetRequired => return Err(AuthError::PasswordResetRequired("Password reset required for the user".into())),
        UserStatus::ForceChangePassword => {
            if let Some(id) = once {
                mark_used(pool, id).await?;
            }
            let session = save_challenge(pool, "NEW_PASSWORD_REQUIRED", &user.sub, &user.username, Value::Null).await?;
            let mut attrs = user.attributes.clone();
            attrs.retain(|k, _| !k.ends_with("_verified"));
            return Ok(challenge_response(
                "NEW_PASSWORD_REQUIRED",
                &session,
                json!({ "USER_ID_FOR_SRP": user.username, "requiredAttributes": "[]", "userAttributes": serde_json::to_string(&attrs).unwrap_or_default() }),
            ));
        }
        UserStatus::Confirmed => {}
    }
    if let Some(d) = crate::devices::usable(pool, &user.sub, device).await? {
        return super::device::challenge(pool, user, &d, once).await;
    }
    super::mfa::mfa_or_finish(pool, user, once, None).await
}

/// The `DEVICE_KEY` a client on a remembered device adds to its answers.
fn device_key(p: &Map<String, Value>) -> Option<&str> {
    p.get("DEVICE_KEY").and_then(Value::as_str).filter(|k| !k.is_empty())
}

/// Marks a sealed sign-in as used when it continues with another challenge (single use).
pub async fn mark_used(pool: &Pool, id: &str) -> Result<(), AuthError> {
    let item = json!({ "name": "USED", "expires": now_ms() + CHALLENGE_TTL_MS });
    match pool.store().put(tables::CHALLENGES, pool.id(), &format!("used#{id}"), item, &Condition::MustNotExist).await {
        Ok(_) => Ok(()),
        Err(store::StoreError::ConditionFailed) => Err(AuthError::NotAuthorized("Invalid session for the user, session is expired.".into())),
        Err(e) => Err(e.into()),
    }
}

/// Tokens for a fully authenticated user: a new session with its refresh token. `device` is the
/// device the sign-in proved (DEVICE_PASSWORD_VERIFIER); without one, a pool with device tracking
/// hands out a new device (`NewDeviceMetadata`) for the client to confirm.
pub async fn finish(pool: &Pool, user: &User, once: Option<&str>, device: Option<&str>) -> Result<Value, AuthError> {
    let new_device = match device {
        Some(_) => None,
        None => crate::devices::create_pending(pool, &user.sub).await?,
    };
    super::hooks::post_authentication(pool, user, new_device.is_some()).await?;
    let device_key = device.map(String::from).or_else(|| new_device.as_ref().map(|d| d.key.clone()));
    let (session, refresh) = crate::sessions::start_on_device(pool, &user.sub, once, device_key).await?;
    let mut result = crate::tokens::issue(pool, user, &session, Some(&refresh)).await?;
    if let Some(d) = new_device {
        result["NewDeviceMetadata"] = json!({ "DeviceKey": d.key, "DeviceGroupKey": d.group_key });
    }
    Ok(json!({ "ChallengeParameters": {}, "AuthenticationResult": result }))
}

/// RespondToAuthChallenge.
pub async fn respond_to_auth_challenge(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    pool.check_client(req)?;
    let name = req_str(req, "ChallengeName")?;
    let responses = params(req, "ChallengeResponses")?;
    let session = req_str(req, "Session")?;
    let ch = if session.starts_with(crate::seal::PREFIX) { open_sealed(pool, session).await? } else { take_challenge(pool, session).await? };
    if ch.name != name {
        return Err(AuthError::NotAuthorized("Invalid session for the user.".into()));
    }
    match name {
        "PASSWORD_VERIFIER" => password_verifier(pool, &ch, &responses).await,
        "SELECT_CHALLENGE" => match responses.get("ANSWER").and_then(Value::as_str) {
            Some("PASSWORD") => password_sign_in(pool, &ch.user_id, param(&responses, "PASSWORD")?, device_key(&responses)).await,
            Some("PASSWORD_SRP") => srp_first_factor(pool, &ch.user_id, param(&responses, "SRP_A")?).await,
            Some(otp @ (passwordless::EMAIL_OTP | passwordless::SMS_OTP)) => {
                passwordless::start(pool, &ch.user_id, users::find(pool, &ch.user_id).await?, otp).await
            }
            _ => Err(AuthError::InvalidParameter("The selected challenge is not available for this user.".into())),
        },
        "NEW_PASSWORD_REQUIRED" => new_password(pool, &ch, &responses).await,
        "CUSTOM_CHALLENGE" => super::custom::answer(pool, &ch, &responses).await,
        "DEVICE_SRP_AUTH" => super::device::srp_auth(pool, &ch, &responses).await,
        "DEVICE_PASSWORD_VERIFIER" => super::device::password_verifier(pool, &ch, &responses).await,
        "SOFTWARE_TOKEN_MFA" | "EMAIL_OTP" | "SMS_MFA" | "SMS_OTP" | "SELECT_MFA_TYPE" | "MFA_SETUP" => super::mfa::answer(pool, session, ch, &responses).await,
        other => Err(AuthError::InvalidParameter(format!("Unsupported challenge {other}"))),
    }
}

fn from_data<T: serde::de::DeserializeOwned>(data: &Value, k: &str) -> Result<T, AuthError> {
    serde_json::from_value(data.get(k).cloned().unwrap_or(Value::Null)).map_err(|e| AuthError::Internal(format!("corrupt challenge: {e}")))
}

async fn password_verifier(pool: &Pool, ch: &Challenge, r: &Map<String, Value>) -> Result<Value, AuthError> {
    let block = param(r, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    let signature = param(r, "PASSWORD_CLAIM_SIGNATURE")?.to_string();
    let timestamp = param(r, "TIMESTAMP")?.to_string();
    srp::check_timestamp(&timestamp)?;
    let stored_block = ch.data.get("secretBlock").and_then(Value::as_str).unwrap_or_default();
    if ch.sub.is_empty() || !ct_eq(block.as_bytes(), stored_block.as_bytes()) {
        return Err(AuthError::bad_credentials());
    }
    let (user, _) = users::get(pool, &ch.sub).await?.ok_or_else(AuthError::bad_credentials)?;
    check_lock(&user)?;
    let server: ServerKey = from_data(&ch.data, "server")?;
    let verifier: Verifier = from_data(&ch.data, "verifier")?;
    let a_hex = ch.data.get("a").and_then(Value::as_str).unwrap_or_default().to_string();
    let secret = b64_decode_any(stored_block).unwrap_or_default();
    let (pool_name, user_id) = (pool.srp_name().to_string(), ch.user_id.clone());
    let ok = blocking(move || {
        srp::verify_claim(
            &verifier,
            &server,
            &srp::Claim { pool_name: &pool_name, user_id: &user_id, a_hex: &a_hex, secret_block: &secret, timestamp: &timestamp, signature: &signature },
        )
    })
    .await;
    // A password changed since the challenge started invalidates it.
    if !ok || user.srp.verifier != ch.data["verifier"]["verifier"].as_str().unwrap_or_default() {
        return Err(record_failure(pool, &user.sub).await?);
    }
    record_success(pool, &user).await?;
    if let Some(flow) = ch.data.get("custom").filter(|c| !c.is_null()) {
        if let Some(id) = ch.data.get("id").and_then(Value::as_str) {
            mark_used(pool, id).await?;
        }
        return super::custom::after_password(pool, flow, &user).await;
    }
    complete_sign_in(pool, &user, ch.data.get("id").and_then(Value::as_str), device_key(r)).await
}

async fn new_password(pool: &Pool, ch: &Challenge, r: &Map<String, Value>) -> Result<Value, AuthError> {
    let password = param(r, "NEW_PASSWORD")?.to_string();
    let auth = pool.auth()?;
    crate::password::check(&password, &auth.password_policy)?;
    let mut attrs = std::collections::BTreeMap::new();
    for (k, v) in r {
        if let (Some(name), Some(v)) = (k.strip_prefix("userAttributes."), v.as_str()) {
            attrs.insert(name.to_string(), v.to_string());
        }
    }
    crate::attributes::validate(auth, &attrs, crate::attributes::Write::Update)?;
    let (pool_name, username) = (pool.srp_name().to_string(), ch.user_id.clone());
    let (srp, hash) = blocking(move || User::hash_password(&pool_name, &username, &password)).await;
    let (user, _) = users::update(pool, &ch.sub, |u| {
        u.srp = srp.clone();
        u.password = hash.clone();
        u.status = UserStatus::Confirmed;
        u.attributes.extend(attrs.clone());
        Ok(())
    })
    .await?;
    complete_sign_in(pool, &user, None, device_key(r)).await
}
