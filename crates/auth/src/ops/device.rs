//! Device operations (ConfirmDevice, GetDevice, ListDevices, UpdateDeviceStatus, ForgetDevice)
//! and the device step of sign-in: DEVICE_SRP_AUTH → DEVICE_PASSWORD_VERIFIER, which proves the
//! client holds the device's random password (SRP with poolName := DeviceGroupKey, userId :=
//! DeviceKey). A proven *remembered* device skips MFA; a tracked but not remembered one does not.

use serde_json::{json, Map, Value};

use super::signin::{mark_used, save_challenge, Challenge};
use crate::crypto::{b64, b64_decode_any, blocking, ct_eq, random_bytes};
use crate::devices::{self, Device};
use crate::error::AuthError;
use crate::pool::{opt_str, req_str, Pool};
use crate::srp::{self, ServerKey, Verifier};
use crate::tokens::access_user;
use crate::users::{self, User};

fn bad_device() -> AuthError {
    AuthError::NotAuthorized("Incorrect username or password.".into())
}

/// ConfirmDevice `{AccessToken, DeviceKey, DeviceSecretVerifierConfig{Salt, PasswordVerifier}, DeviceName}`.
pub async fn confirm_device(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    let (user, _) = access_user(pool, req).await?;
    let key = req_str(req, "DeviceKey")?;
    let cfg = req.get("DeviceSecretVerifierConfig").filter(|v| v.is_object()).ok_or_else(|| AuthError::missing("deviceSecretVerifierConfig"))?;
    let salt = cfg.get("Salt").and_then(Value::as_str).unwrap_or_default();
    let pv = cfg.get("PasswordVerifier").and_then(Value::as_str).unwrap_or_default();
    let verifier =
        Verifier::from_device_config(salt, pv).ok_or_else(|| AuthError::InvalidParameter("DeviceSecretVerifierConfig needs a base64 Salt and PasswordVerifier.".into()))?;
    let name = opt_str(req, "DeviceName").filter(|n| !n.is_empty()).map(|n| n.chars().take(1024).collect());
    devices::confirm(pool, &user.sub, key, verifier, name).await
}

/// GetDevice `{AccessToken, DeviceKey}` → `{Device}`.
pub async fn get_device(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    let (user, _) = access_user(pool, req).await?;
    let d = devices::get_or_fail(pool, &user.sub, req_str(req, "DeviceKey")?).await?;
    if !d.confirmed() {
        return Err(AuthError::ResourceNotFound("Device does not exist.".into()));
    }
    Ok(json!({ "Device": d.to_wire() }))
}

/// ListDevices `{AccessToken, Limit?, PaginationToken?}` → `{Devices, PaginationToken?}`.
pub async fn list_devices(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    let (user, _) = access_user(pool, req).await?;
    let limit = match req.get("Limit") {
        None | Some(Value::Null) => 60,
        Some(v) => match v.as_u64() {
            Some(n @ 0..=60) => n.max(1) as usize,
            _ => {
                return Err(AuthError::InvalidParameter(
                    "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60".into(),
                ))
            }
        },
    };
    let (list, next) = devices::list(pool, &user.sub, limit, opt_str(req, "PaginationToken")).await?;
    let mut out = json!({ "Devices": list.iter().map(Device::to_wire).collect::<Vec<_>>() });
    if let Some(n) = next {
        out["PaginationToken"] = json!(n);
    }
    Ok(out)
}

/// UpdateDeviceStatus `{AccessToken, DeviceKey, DeviceRememberedStatus}`.
pub async fn update_device_status(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    let (user, _) = access_user(pool, req).await?;
    let key = req_str(req, "DeviceKey")?;
    let status = match opt_str(req, "DeviceRememberedStatus") {
        Some(s @ ("remembered" | "not_remembered")) => s.to_string(),
        None => return Err(AuthError::missing("deviceRememberedStatus")),
        Some(other) => {
            return Err(AuthError::InvalidParameter(format!(
                "1 validation error detected: Value '{other}' at 'deviceRememberedStatus' failed to satisfy constraint: Member must satisfy enum value set: [remembered, not_remembered]"
            )))
        }
    };
    devices::update(pool, &user.sub, key, |d| {
        if !d.confirmed() {
            return Err(AuthError::ResourceNotFound("Device does not exist.".into()));
        }
        d.status = status.clone();
        Ok(())
    })
    .await?;
    Ok(json!({}))
}

/// ForgetDevice `{AccessToken, DeviceKey}`.
pub async fn forget_device(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    let (user, _) = access_user(pool, req).await?;
    devices::forget(pool, &user.sub, req_str(req, "DeviceKey")?).await?;
    Ok(json!({}))
}

/// Starts the device step after the first factor: `DEVICE_SRP_AUTH`.
pub async fn challenge(pool: &Pool, user: &User, device: &Device, once: Option<&str>) -> Result<Value, AuthError> {
    if let Some(id) = once {
        mark_used(pool, id).await?;
    }
    let session = save_challenge(pool, "DEVICE_SRP_AUTH", &user.sub, &user.username, json!({ "deviceKey": device.key })).await?;
    Ok(json!({ "ChallengeName": "DEVICE_SRP_AUTH", "Session": session, "ChallengeParameters": { "USERNAME": user.username, "USER_ID_FOR_SRP": user.username } }))
}

fn param<'a>(r: &'a Map<String, Value>, k: &str) -> Result<&'a str, AuthError> {
    r.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| AuthError::InvalidParameter(format!("Missing required parameter {k}")))
}

/// Answers DEVICE_SRP_AUTH (`SRP_A`, `DEVICE_KEY`) with DEVICE_PASSWORD_VERIFIER.
pub async fn srp_auth(pool: &Pool, ch: &Challenge, r: &Map<String, Value>) -> Result<Value, AuthError> {
    let key = ch.data.get("deviceKey").and_then(Value::as_str).unwrap_or_default();
    if !ct_eq(param(r, "DEVICE_KEY")?.as_bytes(), key.as_bytes()) {
        return Err(bad_device());
    }
    let a_hex = param(r, "SRP_A")?;
    if srp::parse_hex(a_hex).is_none() {
        return Err(AuthError::InvalidParameter("Invalid SRP_A".into()));
    }
    let device = devices::get_or_fail(pool, &ch.sub, key).await?;
    let verifier = device.verifier.clone().ok_or_else(bad_device)?;
    let v = verifier.clone();
    let server = blocking(move || ServerKey::new(&v)).await;
    let secret_block = b64(&random_bytes(64));
    let data = json!({ "deviceKey": key, "server": server, "verifier": verifier, "a": a_hex, "secretBlock": secret_block });
    let session = save_challenge(pool, "DEVICE_PASSWORD_VERIFIER", &ch.sub, &ch.user_id, data).await?;
    Ok(json!({
        "ChallengeName": "DEVICE_PASSWORD_VERIFIER",
        "Session": session,
        "ChallengeParameters": { "SRP_B": server.big_b, "SALT": verifier.salt, "SECRET_BLOCK": secret_block, "USERNAME": ch.user_id, "DEVICE_KEY": key },
    }))
}

/// Answers DEVICE_PASSWORD_VERIFIER: checks the device's claim, then MFA (unless the device is
/// remembered) and tokens bound to the device.
pub async fn password_verifier(pool: &Pool, ch: &Challenge, r: &Map<String, Value>) -> Result<Value, AuthError> {
    let key = ch.data.get("deviceKey").and_then(Value::as_str).unwrap_or_default().to_string();
    let stored_block = ch.data.get("secretBlock").and_then(Value::as_str).unwrap_or_default();
    if !ct_eq(param(r, "PASSWORD_CLAIM_SECRET_BLOCK")?.as_bytes(), stored_block.as_bytes()) {
        return Err(bad_device());
    }
    if r.get("DEVICE_KEY").and_then(Value::as_str).is_some_and(|k| k != key) {
        return Err(bad_device());
    }
    let timestamp = param(r, "TIMESTAMP")?.to_string();
    crate::srp::check_timestamp(&timestamp)?;
    let signature = param(r, "PASSWORD_CLAIM_SIGNATURE")?.to_string();
    let device = devices::get_or_fail(pool, &ch.sub, &key).await?;
    let server: ServerKey = serde_json::from_value(ch.data["server"].clone()).map_err(|e| AuthError::Internal(format!("corrupt challenge: {e}")))?;
    let verifier = device.verifier.clone().ok_or_else(bad_device)?;
    let a_hex = ch.data.get("a").and_then(Value::as_str).unwrap_or_default().to_string();
    let secret = b64_decode_any(stored_block).unwrap_or_default();
    let (group, dk) = (device.group_key.clone(), device.key.clone());
    let ok = blocking(move || {
        srp::verify_claim(&verifier, &server, &srp::Claim { pool_name: &group, user_id: &dk, a_hex: &a_hex, secret_block: &secret, timestamp: &timestamp, signature: &signature })
    })
    .await;
    if !ok {
        return Err(bad_device());
    }
    let (user, _) = users::get(pool, &ch.sub).await?.ok_or_else(bad_device)?;
    let device = devices::update(pool, &user.sub, &key, |d| {
        d.last_auth = crate::pool::now_s();
        Ok(())
    })
    .await?;
    if device.remembered() {
        super::signin::finish(pool, &user, None, Some(&key)).await
    } else {
        super::mfa::mfa_or_finish(pool, &user, None, Some(&key)).await
    }
}
