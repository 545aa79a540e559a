//! User records in the store and the alias index that finds them by username, email or phone.
//!
//! A user lives at (`__auth_users`, pool id, sub). Sign-in names map to the sub through
//! `__auth_aliases` entries created with `MustNotExist`, which is what makes usernames and emails
//! unique even with several nodes over one PostgreSQL. Every read-modify-write goes through
//! [`update`], which retries on a concurrent write (the store's `VersionIs` condition).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::{Condition, Filter, Op, QuerySpec};

use crate::crypto::PasswordHash;
use crate::error::AuthError;
use crate::pool::{now_ms, tables, Pool};
use crate::srp::Verifier;

/// Cognito's `UserStatus`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserStatus {
    Unconfirmed,
    Confirmed,
    ForceChangePassword,
    ResetRequired,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Unconfirmed => "UNCONFIRMED",
            UserStatus::Confirmed => "CONFIRMED",
            UserStatus::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
            UserStatus::ResetRequired => "RESET_REQUIRED",
        }
    }
}

/// A user's MFA state.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct MfaSettings {
    /// Base32 TOTP secret once associated (not yet usable until verified).
    pub totp_secret: Option<String>,
    pub totp_verified: bool,
    /// The last TOTP time step accepted (codes are single-use).
    #[serde(default)]
    pub totp_last_step: u64,
    /// Enabled methods: `SOFTWARE_TOKEN_MFA`, `SMS_MFA`, `EMAIL_OTP`.
    pub enabled: Vec<String>,
    pub preferred: Option<String>,
}

/// One user of the pool.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct User {
    pub sub: String,
    /// Cognito `Username`: the sub when users sign in with email/phone, else what they chose.
    pub username: String,
    /// Every attribute except `sub`, as Cognito strings (`email_verified` is `"true"`/`"false"`).
    pub attributes: BTreeMap<String, String>,
    pub status: UserStatus,
    pub enabled: bool,
    pub srp: Verifier,
    pub password: PasswordHash,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub failed_attempts: u32,
    /// Sign-in refused until this time (ms) after repeated failures.
    #[serde(default)]
    pub locked_until: i64,
    #[serde(default)]
    pub mfa: MfaSettings,
    pub created: i64,
    pub modified: i64,
}

impl User {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }

    pub fn email(&self) -> Option<&str> {
        self.attr("email").filter(|e| !e.is_empty())
    }

    /// The attributes as Cognito lists them (with `sub` first).
    pub fn attribute_list(&self) -> Value {
        let mut all = vec![serde_json::json!({ "Name": "sub", "Value": self.sub })];
        all.extend(self.attributes.iter().map(|(k, v)| serde_json::json!({ "Name": k, "Value": v })));
        Value::Array(all)
    }

    /// Sets a new password: fresh SRP verifier and slow hash (call off the async runtime).
    pub fn hash_password(pool_name: &str, username: &str, password: &str) -> (Verifier, PasswordHash) {
        (Verifier::new(pool_name, username, password), PasswordHash::new(password))
    }
}

/// The alias keys a user is found by.
pub fn aliases_of(pool: &Pool, user: &User) -> Vec<String> {
    let mut keys = vec![format!("u#{}", user.username.to_lowercase())];
    if pool.email_is_username() {
        if let Some(e) = user.email() {
            keys.push(format!("e#{}", e.to_lowercase()));
        }
    }
    if pool.phone_is_username() {
        if let Some(p) = user.attr("phone_number").filter(|p| !p.is_empty()) {
            keys.push(format!("p#{p}"));
        }
    }
    keys
}

fn alias_taken_message(key: &str) -> String {
    if key.starts_with("e#") {
        "An account with the given email already exists.".into()
    } else if key.starts_with("p#") {
        "An account with the given phone_number already exists.".into()
    } else {
        "User already exists".into()
    }
}

/// Reserves one alias for `sub`; `UsernameExists` when someone else holds it.
pub async fn reserve_alias(pool: &Pool, key: &str, sub: &str) -> Result<(), AuthError> {
    let put = pool.store().put(tables::ALIASES, pool.id(), key, serde_json::json!({ "sub": sub }), &Condition::MustNotExist).await;
    match put {
        Ok(_) => Ok(()),
        Err(store::StoreError::ConditionFailed) => {
            let held = pool.store().get(tables::ALIASES, pool.id(), key).await?;
            if held.as_ref().and_then(|i| i.data.get("sub")).and_then(Value::as_str) == Some(sub) {
                Ok(())
            } else {
                Err(AuthError::UsernameExists(alias_taken_message(key)))
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Releases an alias if `sub` holds it.
pub async fn release_alias(pool: &Pool, key: &str, sub: &str) -> Result<(), AuthError> {
    let cond = Condition::Filter(Filter::cmp("sub", Op::Eq(Value::String(sub.into()))));
    match pool.store().delete(tables::ALIASES, pool.id(), key, &cond).await {
        Ok(_) | Err(store::StoreError::ConditionFailed) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Creates `user` with its aliases; `UsernameExists` when a name is taken.
pub async fn create(pool: &Pool, user: &User) -> Result<(), AuthError> {
    let keys = aliases_of(pool, user);
    for (i, k) in keys.iter().enumerate() {
        if let Err(e) = reserve_alias(pool, k, &user.sub).await {
            for done in &keys[..i] {
                release_alias(pool, done, &user.sub).await?;
            }
            return Err(e);
        }
    }
    let data = serde_json::to_value(user).map_err(|e| AuthError::Internal(e.to_string()))?;
    pool.store().put(tables::USERS, pool.id(), &user.sub, data, &Condition::MustNotExist).await?;
    Ok(())
}

/// The user with this sub.
pub async fn get(pool: &Pool, sub: &str) -> Result<Option<(User, i64)>, AuthError> {
    let Some(item) = pool.store().get(tables::USERS, pool.id(), sub).await? else {
        return Ok(None);
    };
    let user: User = serde_json::from_value(item.data).map_err(|e| AuthError::Internal(format!("corrupt user record: {e}")))?;
    Ok(Some((user, item.version)))
}

/// Finds a user by what they type to sign in: username, email or phone (when those are
/// username attributes), or the sub.
pub async fn find(pool: &Pool, login: &str) -> Result<Option<User>, AuthError> {
    let login = login.trim();
    if login.is_empty() {
        return Ok(None);
    }
    let lower = login.to_lowercase();
    let mut keys = vec![format!("u#{lower}")];
    if login.contains('@') {
        keys.push(format!("e#{lower}"));
    }
    if login.starts_with('+') {
        keys.push(format!("p#{login}"));
    }
    for k in keys {
        if let Some(item) = pool.store().get(tables::ALIASES, pool.id(), &k).await? {
            if let Some(sub) = item.data.get("sub").and_then(Value::as_str) {
                if let Some((u, _)) = get(pool, sub).await? {
                    return Ok(Some(u));
                }
            }
        }
    }
    Ok(get(pool, login).await?.map(|(u, _)| u))
}

/// Users whose attribute `name` is exactly `value` (at most `limit`), filtered in the store. For
/// addresses that are not sign-in names (a username pool's emails), e.g. for `ampstack users`.
pub async fn find_by_attribute(pool: &Pool, name: &str, value: &str, limit: usize) -> Result<Vec<User>, AuthError> {
    let path = store::FieldPath(vec![store::PathSeg::Key("attributes".into()), store::PathSeg::Key(name.into())]);
    let spec = QuerySpec {
        partition: Some(Value::String(pool.id().into())),
        filter: Some(Filter::cmp(path, Op::Eq(Value::String(value.into())))),
        limit: Some(limit),
        ..Default::default()
    };
    let page = pool.store().query(tables::USERS, &spec).await?;
    Ok(page.items.into_iter().filter_map(|i| serde_json::from_value(i.data).ok()).collect())
}

/// Finds a user or fails with `UserNotFoundException`.
pub async fn find_or_fail(pool: &Pool, login: &str) -> Result<User, AuthError> {
    find(pool, login).await?.ok_or_else(|| AuthError::UserNotFound("User does not exist.".into()))
}

/// Read-modify-write of one user, retried when another writer got there first. `f` may refuse
/// (its error is returned and nothing is written).
pub async fn update<R>(pool: &Pool, sub: &str, mut f: impl FnMut(&mut User) -> Result<R, AuthError>) -> Result<(User, R), AuthError> {
    for _ in 0..8 {
        let (mut user, version) = get(pool, sub).await?.ok_or_else(|| AuthError::UserNotFound("User does not exist.".into()))?;
        let r = f(&mut user)?;
        user.modified = now_ms();
        let data = serde_json::to_value(&user).map_err(|e| AuthError::Internal(e.to_string()))?;
        match pool.store().put(tables::USERS, pool.id(), sub, data, &Condition::VersionIs(version)).await {
            Ok(_) => return Ok((user, r)),
            Err(store::StoreError::ConditionFailed) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AuthError::Internal("too much contention updating a user".into()))
}

/// Changes the alias entries after an attribute change (email/phone), reserving new ones first.
pub async fn move_aliases(pool: &Pool, before: &User, after: &User) -> Result<(), AuthError> {
    let old = aliases_of(pool, before);
    let new = aliases_of(pool, after);
    for k in new.iter().filter(|k| !old.contains(k)) {
        reserve_alias(pool, k, &after.sub).await.map_err(|e| match e {
            AuthError::UsernameExists(m) => AuthError::AliasExists(m),
            e => e,
        })?;
    }
    for k in old.iter().filter(|k| !new.contains(k)) {
        release_alias(pool, k, &after.sub).await?;
    }
    Ok(())
}

/// Deletes a user, its aliases, sessions and devices.
pub async fn delete(pool: &Pool, user: &User) -> Result<(), AuthError> {
    for k in aliases_of(pool, user) {
        release_alias(pool, &k, &user.sub).await?;
    }
    crate::sessions::revoke_all(pool, &user.sub).await?;
    crate::devices::forget_all(pool, &user.sub).await?;
    pool.store().delete(tables::USERS, pool.id(), &user.sub, &Condition::None).await?;
    Ok(())
}

/// Every user of the pool, in sub order (admin listing).
pub async fn list(pool: &Pool) -> Result<Vec<User>, AuthError> {
    let mut out = Vec::new();
    let mut spec = QuerySpec { partition: Some(Value::String(pool.id().into())), ..Default::default() };
    loop {
        let page = pool.store().query(tables::USERS, &spec).await?;
        for item in page.items {
            if let Ok(u) = serde_json::from_value::<User>(item.data) {
                out.push(u);
            }
        }
        match page.cursor {
            Some(c) => spec.cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// Masks an address the way Cognito reports `Destination` (`a***@e***`, `+*******0100`).
pub fn mask(address: &str) -> String {
    if let Some((local, domain)) = address.split_once('@') {
        let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
        format!("{}***@{}***", first(local), first(domain))
    } else {
        let n = address.chars().count();
        let tail: String = address.chars().skip(n.saturating_sub(4)).collect();
        format!("+{}{tail}", "*".repeat(n.saturating_sub(5)))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks_like_cognito() {
        assert_eq!(super::mask("alice@example.com"), "a***@e***");
        assert_eq!(super::mask("+15555550100"), "+*******0100");
    }
}
