//! Device records of a user pool with device tracking on (`cfnUserPool.deviceConfiguration`).
//!
//! A successful sign-in without a known device creates a *pending* device and returns its
//! `NewDeviceMetadata{DeviceKey, DeviceGroupKey}`; the client then calls ConfirmDevice with an SRP
//! verifier of a random device password (the same math as the user's SRP with poolName :=
//! DeviceGroupKey, userId := DeviceKey), which makes the device *confirmed*. Confirmed devices
//! take part in sign-in through DEVICE_SRP_AUTH; remembered ones also skip MFA. Pending devices
//! that are never confirmed expire after a day (the janitor removes them).
//!
//! Stored under pk = `<userPoolId>|<sub>`, sk = the device key, so a user's devices are one
//! partition and every lookup already knows the user (from the access token or the sign-in).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use store::{Condition, Cursor, QuerySpec};

use crate::crypto::random_string;
use crate::error::AuthError;
use crate::pool::{now_ms, now_s, tables, Pool};
use crate::srp::Verifier;
use definition::ir::DeviceTracking;

/// How long an unconfirmed device waits for ConfirmDevice.
const PENDING_TTL_MS: i64 = 24 * 3600 * 1000;
/// `expires` of a confirmed device: never (9999-12-31, within JSON's exact integers).
const NEVER: i64 = 253_402_300_799_000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Device {
    pub key: String,
    pub group_key: String,
    pub sub: String,
    /// The pool id again, so the janitor's table-wide sweep can stay within one pool.
    pub pool: String,
    /// Set by ConfirmDevice.
    #[serde(default)]
    pub verifier: Option<Verifier>,
    #[serde(default)]
    pub name: Option<String>,
    /// `remembered` or `not_remembered`.
    pub status: String,
    /// Epoch seconds.
    pub created: i64,
    pub modified: i64,
    pub last_auth: i64,
    /// Epoch ms after which an unconfirmed device is swept.
    pub expires: i64,
}

impl Device {
    pub fn confirmed(&self) -> bool {
        self.verifier.is_some()
    }

    pub fn remembered(&self) -> bool {
        self.confirmed() && self.status == "remembered"
    }

    /// Cognito's `DeviceType`.
    pub fn to_wire(&self) -> Value {
        let mut attrs = vec![json!({ "Name": "device_status", "Value": self.status })];
        if let Some(n) = &self.name {
            attrs.insert(0, json!({ "Name": "device_name", "Value": n }));
        }
        json!({
            "DeviceKey": self.key,
            "DeviceAttributes": attrs,
            "DeviceCreateDate": self.created,
            "DeviceLastModifiedDate": self.modified,
            "DeviceLastAuthenticatedDate": self.last_auth,
        })
    }
}

/// The pool's device tracking configuration, when on.
pub fn tracking(pool: &Pool) -> Option<DeviceTracking> {
    pool.backend.auth.as_ref()?.device_tracking
}

fn pk(pool: &Pool, sub: &str) -> String {
    format!("{}|{sub}", pool.id())
}

fn not_found() -> AuthError {
    // The client clears its stored device keys on exactly this message.
    AuthError::ResourceNotFound("Device does not exist.".into())
}

/// Creates a pending device for `sub` (when tracking is on); returns it.
pub async fn create_pending(pool: &Pool, sub: &str) -> Result<Option<Device>, AuthError> {
    if tracking(pool).is_none() {
        return Ok(None);
    }
    let region = pool.id().split_once('_').map(|(r, _)| r).unwrap_or("us-east-1");
    let now = now_s();
    let d = Device {
        key: format!("{region}_{}", uuid::Uuid::new_v4()),
        group_key: format!("-{}", random_string(9, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")),
        sub: sub.to_string(),
        pool: pool.id().to_string(),
        verifier: None,
        name: None,
        status: "not_remembered".into(),
        created: now,
        modified: now,
        last_auth: now,
        expires: now_ms() + PENDING_TTL_MS,
    };
    put(pool, &d, &Condition::MustNotExist).await?;
    Ok(Some(d))
}

async fn put(pool: &Pool, d: &Device, cond: &Condition) -> Result<(), store::StoreError> {
    let data = serde_json::to_value(d).map_err(|e| store::StoreError::InvalidInput(e.to_string()))?;
    pool.store().put(tables::DEVICES, &pk(pool, &d.sub), &d.key, data, cond).await?;
    Ok(())
}

/// The device `key` of `sub`, if it exists.
pub async fn get(pool: &Pool, sub: &str, key: &str) -> Result<Option<(Device, i64)>, AuthError> {
    let Some(item) = pool.store().get(tables::DEVICES, &pk(pool, sub), key).await? else {
        return Ok(None);
    };
    Ok(serde_json::from_value(item.data).ok().map(|d| (d, item.version)))
}

/// The device `key` of `sub` or Cognito's `Device does not exist.`
pub async fn get_or_fail(pool: &Pool, sub: &str, key: &str) -> Result<Device, AuthError> {
    get(pool, sub, key).await?.map(|(d, _)| d).ok_or_else(not_found)
}

/// Applies `f` to the device under optimistic concurrency (retried on a concurrent write).
pub async fn update(pool: &Pool, sub: &str, key: &str, f: impl Fn(&mut Device) -> Result<(), AuthError>) -> Result<Device, AuthError> {
    for _ in 0..5 {
        let (mut d, version) = get(pool, sub, key).await?.ok_or_else(not_found)?;
        f(&mut d)?;
        d.modified = now_s();
        match put(pool, &d, &Condition::VersionIs(version)).await {
            Ok(()) => return Ok(d),
            Err(store::StoreError::ConditionFailed) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AuthError::LimitExceeded("The device is being changed concurrently; try again.".into()))
}

/// A confirmed device of `sub` the client claims to be on (`DEVICE_KEY`), if it is one.
pub async fn usable(pool: &Pool, sub: &str, key: Option<&str>) -> Result<Option<Device>, AuthError> {
    let Some(key) = key.filter(|k| !k.is_empty()) else { return Ok(None) };
    if tracking(pool).is_none() {
        return Ok(None);
    }
    Ok(get(pool, sub, key).await?.map(|(d, _)| d).filter(Device::confirmed))
}

/// ConfirmDevice: stores the device's verifier and name; says whether the app must still ask
/// the user (`deviceOnlyRememberedOnUserPrompt`).
pub async fn confirm(pool: &Pool, sub: &str, key: &str, verifier: Verifier, name: Option<String>) -> Result<Value, AuthError> {
    let t = tracking(pool).ok_or_else(not_found)?;
    let prompt = t.device_only_remembered_on_user_prompt;
    update(pool, sub, key, |d| {
        if d.confirmed() {
            return Err(AuthError::InvalidParameter("Device has already been confirmed.".into()));
        }
        d.verifier = Some(verifier.clone());
        d.name = name.clone();
        d.status = if prompt { "not_remembered" } else { "remembered" }.into();
        d.expires = NEVER;
        Ok(())
    })
    .await?;
    Ok(json!({ "UserConfirmationNecessary": prompt }))
}

/// The user's confirmed devices, oldest key first, `limit` per page; `after` is the previous
/// page's last device key (the `PaginationToken`).
pub async fn list(pool: &Pool, sub: &str, limit: usize, after: Option<&str>) -> Result<(Vec<Device>, Option<String>), AuthError> {
    let partition = pk(pool, sub);
    let mut spec = QuerySpec {
        partition: Some(Value::String(partition.clone())),
        filter: Some(store::Filter::cmp("expires", store::Op::Eq(json!(NEVER)))),
        limit: Some(limit),
        cursor: after.map(|sk| Cursor { pk: partition.clone(), sk: sk.to_string(), index_values: vec![] }),
        ..Default::default()
    };
    let page = pool.store().query(tables::DEVICES, &spec).await?;
    let devices: Vec<Device> = page.items.into_iter().filter_map(|i| serde_json::from_value(i.data).ok()).collect();
    // Only hand out a token when another device really follows.
    let next = match (page.cursor, devices.last()) {
        (Some(c), Some(last)) => {
            spec.cursor = Some(c);
            spec.limit = Some(1);
            (!pool.store().query(tables::DEVICES, &spec).await?.items.is_empty()).then(|| last.key.clone())
        }
        _ => None,
    };
    Ok((devices, next))
}

/// ForgetDevice: the device is gone; the sessions it signed in keep their tokens (as Cognito).
pub async fn forget(pool: &Pool, sub: &str, key: &str) -> Result<(), AuthError> {
    match pool.store().delete(tables::DEVICES, &pk(pool, sub), key, &Condition::None).await? {
        Some(_) => Ok(()),
        None => Err(not_found()),
    }
}

/// Deletes every device of `sub` (user deletion).
pub async fn forget_all(pool: &Pool, sub: &str) -> Result<(), AuthError> {
    let spec = QuerySpec { partition: Some(Value::String(pk(pool, sub))), limit: Some(500), ..Default::default() };
    loop {
        let page = pool.store().query(tables::DEVICES, &spec).await?;
        for item in &page.items {
            pool.store().delete(tables::DEVICES, &item.pk, &item.sk, &Condition::None).await?;
        }
        if page.cursor.is_none() || page.items.is_empty() {
            return Ok(());
        }
    }
}
