//! The administrator side of the user pool: the sandbox's admin credentials, the Cognito admin
//! operations (AdminCreateUser, ListUsers, AdminAddUserToGroup, …) for the AWS CLI and SDKs,
//! signed with SigV4, and the same actions as functions for `ampstack users`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::attributes::{self, Write};
use crate::error::AuthError;
use crate::pool::{now_ms, req_str, Pool};
use crate::users::{self, User, UserStatus};

/// The sandbox's administrator credentials (`<data dir>/admin-credentials.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AdminCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl AdminCredentials {
    pub fn path(data_dir: &Path) -> std::path::PathBuf {
        data_dir.join("admin-credentials.json")
    }

    /// Reads them if they exist (cached per data dir once read).
    pub fn load(data_dir: &Path) -> Option<AdminCredentials> {
        static CACHE: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<std::path::PathBuf, AdminCredentials>>> =
            std::sync::LazyLock::new(Default::default);
        if let Some(c) = CACHE.lock().ok()?.get(data_dir) {
            return Some(c.clone());
        }
        let c: AdminCredentials = serde_json::from_str(&std::fs::read_to_string(Self::path(data_dir)).ok()?).ok()?;
        CACHE.lock().ok()?.insert(data_dir.to_path_buf(), c.clone());
        Some(c)
    }

    /// Reads them, or creates them on first use (file mode 0600).
    pub fn load_or_create(data_dir: &Path) -> std::io::Result<AdminCredentials> {
        let path = Self::path(data_dir);
        if let Ok(text) = std::fs::read_to_string(&path) {
            if let Ok(c) = serde_json::from_str(&text) {
                return Ok(c);
            }
        }
        let creds = AdminCredentials {
            access_key_id: format!("AKIA{}", crate::crypto::random_string(16, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")),
            secret_access_key: crate::crypto::random_string(40, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
        };
        std::fs::create_dir_all(data_dir)?;
        let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
        std::fs::write(&tmp, serde_json::to_string_pretty(&creds)?)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
        }
        std::fs::rename(&tmp, &path)?;
        Ok(creds)
    }
}

/// Access key ids of function credentials start with this (admin keys are `AKIA` + 16 random).
pub const FUNCTION_KEY_PREFIX: &str = "AKIAFN";

impl AdminCredentials {
    /// The credentials a function's handlers sign with: derived from the admin secret and the
    /// function's name (so every node of a sandbox derives the same ones and nothing is stored),
    /// and resolved back to the function by [`crate::credentials::lookup`], so each service can
    /// narrow them to what `allow.resource(fn)` grants that function.
    pub fn for_function(&self, function: &str) -> AdminCredentials {
        let mac = |purpose: &str| crate::crypto::hmac_sha256(self.secret_access_key.as_bytes(), format!("{purpose}\0{function}").as_bytes());
        const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let id: String = mac("function-access-key").iter().take(14).map(|b| B32[(*b & 31) as usize] as char).collect();
        AdminCredentials {
            access_key_id: format!("{FUNCTION_KEY_PREFIX}{id}"),
            secret_access_key: crate::crypto::b64(&mac("function-secret-key"))[..40].to_string(),
        }
    }
}

/// The Cognito operations each `defineAuth({ access })` action grants (as amplify-backend's IAM
/// policies do).
fn granted_operations(action: &str) -> &'static [&'static str] {
    match action {
        "manageUsers" => &[
            "AdminConfirmSignUp", "AdminCreateUser", "AdminDeleteUser", "AdminDeleteUserAttributes", "AdminDisableUser", "AdminEnableUser",
            "AdminGetUser", "AdminListGroupsForUser", "AdminRespondToAuthChallenge", "AdminSetUserMFAPreference", "AdminSetUserSettings",
            "AdminUpdateUserAttributes", "AdminUserGlobalSignOut",
        ],
        "manageGroupMembership" => &["AdminAddUserToGroup", "AdminRemoveUserFromGroup"],
        "manageGroups" => &["GetGroup", "ListGroups", "CreateGroup", "DeleteGroup", "UpdateGroup"],
        "manageUserDevices" => &["AdminForgetDevice", "AdminGetDevice", "AdminListDevices", "AdminUpdateDeviceStatus"],
        "managePasswordRecovery" => &["AdminResetUserPassword", "AdminSetUserPassword"],
        "addUserToGroup" => &["AdminAddUserToGroup"],
        "createUser" => &["AdminCreateUser"],
        "deleteUser" => &["AdminDeleteUser"],
        "deleteUserAttributes" => &["AdminDeleteUserAttributes"],
        "disableUser" => &["AdminDisableUser"],
        "enableUser" => &["AdminEnableUser"],
        "forgetDevice" => &["AdminForgetDevice"],
        "getDevice" => &["AdminGetDevice"],
        "getUser" => &["AdminGetUser"],
        "listDevices" => &["AdminListDevices"],
        "listGroups" => &["ListGroups"],
        "listGroupsForUser" => &["AdminListGroupsForUser"],
        "listUsers" => &["ListUsers"],
        "listUsersInGroup" => &["ListUsersInGroup"],
        "removeUserFromGroup" => &["AdminRemoveUserFromGroup"],
        "resetUserPassword" => &["AdminResetUserPassword"],
        "setUserMfaPreference" => &["AdminSetUserMFAPreference"],
        "setUserPassword" => &["AdminSetUserPassword"],
        "setUserSettings" => &["AdminSetUserSettings"],
        "updateDeviceStatus" => &["AdminUpdateDeviceStatus"],
        "updateUserAttributes" => &["AdminUpdateUserAttributes"],
        _ => &[],
    }
}

fn group_exists(pool: &Pool, group: &str) -> Result<(), AuthError> {
    if pool.auth()?.groups.iter().any(|g| g == group) {
        Ok(())
    } else {
        Err(AuthError::ResourceNotFound("Group not found.".into()))
    }
}

/// A password that satisfies any policy: 20 random characters plus one of each class.
fn temporary_password() -> String {
    crate::crypto::random_string(16, b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") + "aA1!"
}

/// Creates a user as an administrator. With `permanent` the password is final and the user
/// CONFIRMED (email/phone verified); otherwise FORCE_CHANGE_PASSWORD with a temporary password
/// (generated when none is given, and returned).
pub async fn create_user(pool: &Pool, login: &str, mut attrs: BTreeMap<String, String>, password: Option<&str>, permanent: bool) -> Result<(User, String), AuthError> {
    let auth = pool.auth()?;
    let login = login.trim();
    let (by_email, by_phone) = (pool.email_is_username(), pool.phone_is_username());
    if by_email && login.contains('@') {
        attrs.entry("email".into()).or_insert_with(|| login.to_string());
    } else if by_phone && login.starts_with('+') {
        attrs.entry("phone_number".into()).or_insert_with(|| login.to_string());
    } else if by_email || by_phone {
        let what = if by_email && by_phone { "an email or a phone number" } else if by_email { "an email" } else { "a phone number" };
        return Err(AuthError::InvalidParameter(format!("Username should be {what}.")));
    }
    attributes::validate(auth, &attrs, Write::Admin)?;
    for decl in auth.user_attributes.values().filter(|a| a.required) {
        if attrs.get(&decl.name).is_none_or(|v| v.is_empty()) {
            return Err(AuthError::InvalidParameter(format!("Attributes did not conform to the schema: {}: The attribute is required", decl.name)));
        }
    }
    let password = match password {
        Some(p) => {
            crate::password::check(p, &auth.password_policy)?;
            p.to_string()
        }
        None => temporary_password(),
    };
    for a in ["email", "phone_number"] {
        if attrs.contains_key(a) {
            let v = if permanent { "true" } else { "false" };
            attrs.entry(format!("{a}_verified")).or_insert_with(|| v.into());
        }
    }
    let sub = uuid::Uuid::new_v4().to_string();
    let username = if by_email || by_phone { sub.clone() } else { login.to_string() };
    let (pool_name, u, p) = (pool.srp_name().to_string(), username.clone(), password.clone());
    let (srp, hash) = crate::crypto::blocking(move || User::hash_password(&pool_name, &u, &p)).await;
    let now = now_ms();
    let user = User {
        sub,
        username,
        attributes: attrs,
        status: if permanent { UserStatus::Confirmed } else { UserStatus::ForceChangePassword },
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
    Ok((user, password))
}

/// Confirms an UNCONFIRMED user.
pub async fn confirm(pool: &Pool, login: &str) -> Result<User, AuthError> {
    let user = users::find_or_fail(pool, login).await?;
    if user.status != UserStatus::Unconfirmed {
        return Err(AuthError::NotAuthorized(format!("User cannot be confirmed. Current status is {}", user.status.as_str())));
    }
    Ok(users::update(pool, &user.sub, |u| {
        u.status = UserStatus::Confirmed;
        Ok(())
    })
    .await?
    .0)
}

/// Sets a password; `permanent` makes the user CONFIRMED, otherwise FORCE_CHANGE_PASSWORD.
pub async fn set_password(pool: &Pool, login: &str, password: &str, permanent: bool) -> Result<User, AuthError> {
    crate::password::check(password, &pool.auth()?.password_policy)?;
    let user = users::find_or_fail(pool, login).await?;
    let status = if permanent { UserStatus::Confirmed } else { UserStatus::ForceChangePassword };
    crate::ops::set_password(pool, &user.sub, &user.username, password, Some(status)).await
}

/// Adds the user to a group of `defineAuth({ groups })`; shows in the next tokens.
pub async fn add_to_group(pool: &Pool, login: &str, group: &str) -> Result<User, AuthError> {
    group_exists(pool, group)?;
    let user = users::find_or_fail(pool, login).await?;
    Ok(users::update(pool, &user.sub, |u| {
        if !u.groups.iter().any(|g| g == group) {
            u.groups.push(group.to_string());
        }
        Ok(())
    })
    .await?
    .0)
}

pub async fn remove_from_group(pool: &Pool, login: &str, group: &str) -> Result<User, AuthError> {
    group_exists(pool, group)?;
    let user = users::find_or_fail(pool, login).await?;
    Ok(users::update(pool, &user.sub, |u| {
        u.groups.retain(|g| g != group);
        Ok(())
    })
    .await?
    .0)
}

pub async fn delete_user(pool: &Pool, login: &str) -> Result<User, AuthError> {
    let user = users::find_or_fail(pool, login).await?;
    users::delete(pool, &user).await?;
    Ok(user)
}

/// Cognito's `UserType`.
pub fn user_type(u: &User) -> Value {
    json!({
        "Username": u.username,
        "Attributes": u.attribute_list(),
        "UserCreateDate": u.created as f64 / 1000.0,
        "UserLastModifiedDate": u.modified as f64 / 1000.0,
        "Enabled": u.enabled,
        "UserStatus": u.status.as_str(),
    })
}

fn group_type(pool: &Pool, name: &str) -> Value {
    let precedence = pool.backend.auth.as_ref().and_then(|a| a.groups.iter().position(|g| g == name)).unwrap_or(0);
    json!({ "GroupName": name, "UserPoolId": pool.id(), "Precedence": precedence })
}

/// `ListUsers` filter: `attr = "value"` or `attr ^= "value"` (Cognito's two operators).
fn matches_filter(u: &User, filter: &str) -> Result<bool, AuthError> {
    let f = filter.trim();
    if f.is_empty() {
        return Ok(true);
    }
    let bad = || AuthError::InvalidParameter(format!("Error while parsing filter: {filter}"));
    let (name, op, value) = if let Some((n, v)) = f.split_once("^=") { (n, "^=", v) } else if let Some((n, v)) = f.split_once('=') { (n, "=", v) } else { return Err(bad()) };
    let value = value.trim().strip_prefix('"').and_then(|v| v.strip_suffix('"')).ok_or_else(bad)?;
    let actual = match name.trim() {
        "username" => Some(u.username.as_str()),
        "sub" => Some(u.sub.as_str()),
        "cognito:user_status" => Some(u.status.as_str()),
        "status" => Some(if u.enabled { "Enabled" } else { "Disabled" }),
        other => u.attr(other),
    };
    Ok(actual.is_some_and(|a| if op == "=" { a == value } else { a.starts_with(value) }))
}

/// Runs one admin operation (the caller has verified the signature).
pub async fn dispatch(pool: &Pool, op: &str, req: &Value) -> Result<Value, AuthError> {
    let given = req_str(req, "UserPoolId")?;
    if given != pool.id() {
        return Err(AuthError::ResourceNotFound(format!("User pool {given} does not exist.")));
    }
    let user_arg = || req_str(req, "Username");
    match op {
        "AdminCreateUser" => {
            let attrs = attributes::parse_list(req.get("UserAttributes"))?;
            let temp = req.get("TemporaryPassword").and_then(Value::as_str);
            let (user, password) = create_user(pool, user_arg()?, attrs, temp, false).await?;
            if req.get("MessageAction").and_then(Value::as_str) != Some("SUPPRESS") {
                if let Some(email) = user.email() {
                    let (subject, body) = crate::ops::compose(pool, crate::ops::Message::AdminCreateUser, &user, "email").await?;
                    let body = body.replace(crate::ops::USERNAME_PLACEHOLDER, &user.username).replace(crate::ops::CODE_PLACEHOLDER, &password);
                    crate::codes::deliver(pool, email, &subject, &body, Some(&password)).await?;
                }
            }
            Ok(json!({ "User": user_type(&user) }))
        }
        "AdminGetUser" => {
            let u = users::find_or_fail(pool, user_arg()?).await?;
            let mut out = user_type(&u);
            let attrs = out["Attributes"].take();
            out.as_object_mut().map(|o| o.remove("Attributes"));
            out["UserAttributes"] = attrs;
            out["UserMFASettingList"] = json!(u.mfa.enabled);
            if let Some(p) = &u.mfa.preferred {
                out["PreferredMfaSetting"] = json!(p);
            }
            Ok(out)
        }
        "ListUsers" | "ListUsersInGroup" => {
            let group = if op == "ListUsersInGroup" { Some(req_str(req, "GroupName")?.to_string()) } else { None };
            if let Some(g) = &group {
                group_exists(pool, g)?;
            }
            let filter = req.get("Filter").and_then(Value::as_str).unwrap_or_default();
            let mut all = Vec::new();
            for u in users::list(pool).await? {
                if group.as_ref().is_none_or(|g| u.groups.contains(g)) && matches_filter(&u, filter)? {
                    all.push(u);
                }
            }
            let limit = req.get("Limit").and_then(Value::as_u64).unwrap_or(60).clamp(1, 60) as usize;
            let token = if op == "ListUsers" { "PaginationToken" } else { "NextToken" };
            let start: usize = req.get(token).and_then(Value::as_str).and_then(|t| t.parse().ok()).unwrap_or(0);
            let page: Vec<Value> = all.iter().skip(start).take(limit).map(user_type).collect();
            let mut out = json!({ "Users": page });
            if start + limit < all.len() {
                out[token] = json!((start + limit).to_string());
            }
            Ok(out)
        }
        "AdminAddUserToGroup" => add_to_group(pool, user_arg()?, req_str(req, "GroupName")?).await.map(|_| json!({})),
        "AdminRemoveUserFromGroup" => remove_from_group(pool, user_arg()?, req_str(req, "GroupName")?).await.map(|_| json!({})),
        "AdminListGroupsForUser" => {
            let u = users::find_or_fail(pool, user_arg()?).await?;
            Ok(json!({ "Groups": u.groups.iter().map(|g| group_type(pool, g)).collect::<Vec<_>>() }))
        }
        "ListGroups" => Ok(json!({ "Groups": pool.auth()?.groups.iter().map(|g| group_type(pool, g)).collect::<Vec<_>>() })),
        "AdminDeleteUser" => delete_user(pool, user_arg()?).await.map(|_| json!({})),
        "AdminSetUserPassword" => {
            let permanent = req.get("Permanent").and_then(Value::as_bool).unwrap_or(false);
            set_password(pool, user_arg()?, req_str(req, "Password")?, permanent).await.map(|_| json!({}))
        }
        "AdminConfirmSignUp" => confirm(pool, user_arg()?).await.map(|_| json!({})),
        "AdminEnableUser" | "AdminDisableUser" => {
            let u = users::find_or_fail(pool, user_arg()?).await?;
            let enabled = op == "AdminEnableUser";
            users::update(pool, &u.sub, |x| {
                x.enabled = enabled;
                Ok(())
            })
            .await?;
            if !enabled {
                crate::sessions::revoke_all(pool, &u.sub).await?;
            }
            Ok(json!({}))
        }
        "AdminUserGlobalSignOut" => {
            let u = users::find_or_fail(pool, user_arg()?).await?;
            crate::sessions::revoke_all(pool, &u.sub).await?;
            Ok(json!({}))
        }
        other => Err(AuthError::UnknownOperation(format!("Unknown operation AWSCognitoIdentityProviderService.{other}"))),
    }
}

/// The admin operations served.
pub const OPERATIONS: &[&str] = &[
    "AdminCreateUser", "AdminGetUser", "ListUsers", "ListUsersInGroup", "AdminAddUserToGroup", "AdminRemoveUserFromGroup",
    "AdminListGroupsForUser", "ListGroups", "AdminDeleteUser", "AdminSetUserPassword", "AdminConfirmSignUp", "AdminEnableUser",
    "AdminDisableUser", "AdminUserGlobalSignOut",
];

/// Checks the SigV4 signature of an admin request (`op`): the sandbox's admin credentials may
/// call every operation; a function's credentials only what `defineAuth({ access })` grants it.
pub fn check_signature(pool: &Pool, op: &str, req: &crate::sigv4::Request) -> Result<(), AuthError> {
    let invalid = || AuthError::UnrecognizedClient("The security token included in the request is invalid.".into());
    let Some(auth) = crate::sigv4::parse_authorization(req.headers) else {
        return Err(AuthError::MissingAuthenticationToken("Missing Authentication Token".into()));
    };
    let Some(admin) = AdminCredentials::load(&pool.ctx.data_dir) else { return Err(invalid()) };
    if crate::crypto::ct_eq(auth.access_key_id.as_bytes(), admin.access_key_id.as_bytes()) {
        return crate::sigv4::verify(req, &auth, &admin.secret_access_key, crate::pool::now_s()).map_err(AuthError::InvalidSignature);
    }
    let backend = pool.ctx.backend();
    let function = backend
        .functions
        .iter()
        .map(|f| (f.name.as_str(), admin.for_function(&f.name)))
        .find(|(_, c)| crate::crypto::ct_eq(auth.access_key_id.as_bytes(), c.access_key_id.as_bytes()));
    let Some((name, creds)) = function else { return Err(invalid()) };
    crate::sigv4::verify(req, &auth, &creds.secret_access_key, crate::pool::now_s()).map_err(AuthError::InvalidSignature)?;
    let granted = backend.auth.as_ref().and_then(|a| a.access.get(name)).is_some_and(|actions| actions.iter().any(|a| granted_operations(a).contains(&op)));
    if granted {
        Ok(())
    } else {
        Err(AuthError::AccessDenied(format!(
            "User: arn:aws:sts::000000000000:assumed-role/{name}-lambda-role/{name} is not authorized to perform: cognito-idp:{op} on resource: arn:aws:cognito-idp:{}:000000000000:userpool/{} because no identity-based policy allows the cognito-idp:{op} action",
            pool.ctx.ids.region,
            pool.id()
        )))
    }
}
