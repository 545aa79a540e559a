//! The triggers around authentication: preAuthentication (before a password sign-in — SRP,
//! USER_PASSWORD_AUTH, CUSTOM_WITH_SRP — but, as in Cognito, not a passwordless one; a throw
//! refuses the sign-in), postAuthentication (after every factor, before the tokens; a throw
//! withholds them) and userMigration (an unknown user signing in with USER_PASSWORD_AUTH, or
//! asking for a password reset, is looked up in the app's old user store and created here).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::error::AuthError;
use crate::pool::Pool;
use crate::triggers::{self, Trigger};
use crate::users::{self, User, UserStatus};

/// preAuthentication. Unknown users run it too, with `userNotFound: true`, so that a refusal
/// does not tell which usernames exist (PreventUserExistenceErrors).
pub async fn pre_authentication(pool: &Pool, user: Option<&User>, login: &str) -> Result<(), AuthError> {
    if !triggers::configured(pool, Trigger::PreAuthentication) {
        return Ok(());
    }
    let request = json!({
        "userAttributes": user.map(triggers::user_attributes).unwrap_or_default(),
        "userNotFound": user.is_none(),
        // Cognito hands the InitiateAuth ClientMetadata to this trigger as validationData.
        "validationData": triggers::client_metadata(),
    });
    let username = user.map(|u| u.username.as_str()).unwrap_or(login);
    triggers::run(pool, Trigger::PreAuthentication, "PreAuthentication_Authentication", username, request).await?;
    Ok(())
}

/// postAuthentication, once the user has passed every challenge.
pub async fn post_authentication(pool: &Pool, user: &User, new_device_used: bool) -> Result<(), AuthError> {
    let request = json!({
        "userAttributes": triggers::user_attributes(user),
        "newDeviceUsed": new_device_used,
        "clientMetadata": triggers::client_metadata(),
    });
    triggers::run(pool, Trigger::PostAuthentication, "PostAuthentication_Authentication", &user.username, request).await?;
    Ok(())
}

/// UserMigration_Authentication: `login` is not a user here; the trigger may vouch for the
/// password and return the user's attributes, and the user is created with that password.
/// A refusal answers "Incorrect username or password." as Cognito does for sign-in (with
/// PreventUserExistenceErrors the function's message is not shown; its log has it).
pub async fn migrate_on_sign_in(pool: &Pool, login: &str, password: &str) -> Result<Option<User>, AuthError> {
    let request = json!({ "password": password, "validationData": triggers::client_metadata(), "clientMetadata": triggers::client_metadata() });
    let resp = match triggers::run(pool, Trigger::UserMigration, "UserMigration_Authentication", login, request).await {
        Ok(Some(resp)) => resp,
        Ok(None) => return Ok(None),
        Err(AuthError::UserLambdaValidation(m) | AuthError::InvalidLambdaResponse(m)) => {
            tracing::warn!("auth: userMigration did not migrate {login}: {m}");
            return Err(AuthError::bad_credentials());
        }
        Err(e) => return Err(e),
    };
    let status = match resp.get("finalUserStatus").and_then(Value::as_str) {
        None | Some("CONFIRMED") => UserStatus::Confirmed,
        Some("RESET_REQUIRED") => UserStatus::ResetRequired,
        Some(other) => return Err(invalid(&format!("finalUserStatus {other} is not CONFIRMED or RESET_REQUIRED"))),
    };
    create(pool, login, &resp, Some(password), status).await.map(Some)
}

/// UserMigration_ForgotPassword: as above without a password; the user is created RESET_REQUIRED
/// and the reset code goes to the verified address the trigger returned.
pub async fn migrate_on_forgot_password(pool: &Pool, login: &str) -> Result<Option<User>, AuthError> {
    let request = json!({ "validationData": {}, "clientMetadata": triggers::client_metadata() });
    let Some(resp) = triggers::run(pool, Trigger::UserMigration, "UserMigration_ForgotPassword", login, request).await? else { return Ok(None) };
    create(pool, login, &resp, None, UserStatus::ResetRequired).await.map(Some)
}

fn invalid(what: &str) -> AuthError {
    AuthError::InvalidLambdaResponse(format!("Invalid lambda response from UserMigration: {what}"))
}

/// Creates the migrated user from the trigger's response (`userAttributes` required;
/// `messageAction` is accepted, the welcome message is never sent — see docs/deviations.md).
async fn create(pool: &Pool, login: &str, resp: &Map<String, Value>, password: Option<&str>, status: UserStatus) -> Result<User, AuthError> {
    let attrs_v = resp.get("userAttributes").and_then(Value::as_object).filter(|m| !m.is_empty()).ok_or_else(|| invalid("userAttributes is required"))?;
    let mut attrs = BTreeMap::new();
    for (k, v) in attrs_v {
        let v = match v {
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            _ => return Err(invalid(&format!("userAttributes.{k} must be a string"))),
        };
        // `username` and `sub` are Cognito's own; a trigger may not set them.
        if k != "username" && k != "sub" {
            attrs.insert(k.clone(), v);
        }
    }
    // Migrated addresses are verified only when the trigger says so.
    for a in ["email", "phone_number"] {
        if attrs.contains_key(a) {
            attrs.entry(format!("{a}_verified")).or_insert_with(|| "false".into());
        }
    }
    let (user, _) = crate::admin::create_user(pool, login, attrs, password, password.is_some()).await?;
    if user.status == status {
        return Ok(user);
    }
    let (user, _) = users::update(pool, &user.sub, |u| {
        u.status = status;
        Ok(())
    })
    .await?;
    Ok(user)
}
