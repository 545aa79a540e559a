//! The signed-in user's own profile: GetUser, UpdateUserAttributes, DeleteUserAttributes,
//! GetUserAttributeVerificationCode, VerifyUserAttribute, DeleteUser.

use serde_json::{json, Value};

use super::{send_code, Message};
use crate::attributes::{self, Write};
use crate::codes::TTL_CONFIRM;
use crate::error::AuthError;
use crate::pool::{req_str, Pool};
use crate::tokens::access_user;
use crate::users::{self, User};

/// Attributes whose change must be verified with a code.
const VERIFIED: &[&str] = &["email", "phone_number"];

fn purpose(attr: &str) -> String {
    format!("verify_{attr}")
}

/// GetUser: username, attributes and MFA settings.
pub async fn get_user(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    let (user, _) = access_user(pool, req).await?;
    Ok(user_description(&user))
}

/// The GetUser body for `user`.
pub fn user_description(user: &User) -> Value {
    let mut out = json!({ "Username": user.username, "UserAttributes": user.attribute_list(), "MFAOptions": [] });
    if !user.mfa.enabled.is_empty() {
        out["UserMFASettingList"] = json!(user.mfa.enabled);
    }
    if let Some(p) = &user.mfa.preferred {
        out["PreferredMfaSetting"] = json!(p);
    }
    out
}

/// UpdateUserAttributes: plain attributes change at once; email/phone become unverified and a
/// code goes to the new address.
pub async fn update_user_attributes(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    let (user, _) = access_user(pool, req).await?;
    let auth = pool.auth()?;
    let attrs = attributes::parse_list(req.get("UserAttributes"))?;
    if req.get("UserAttributes").is_none() {
        return Err(AuthError::missing("userAttributes"));
    }
    attributes::validate(auth, &attrs, Write::Update)?;
    let changed: Vec<&str> = VERIFIED.iter().copied().filter(|a| attrs.get(*a).is_some_and(|v| user.attr(a) != Some(v.as_str()))).collect();
    let mut after = user.clone();
    for (k, v) in &attrs {
        after.attributes.insert(k.clone(), v.clone());
    }
    for a in &changed {
        after.attributes.insert(format!("{a}_verified"), "false".into());
    }
    users::move_aliases(pool, &user, &after).await?;
    let (updated, _) = users::update(pool, &user.sub, |u| {
        u.attributes = after.attributes.clone();
        Ok(())
    })
    .await?;
    let mut deliveries = Vec::new();
    for a in changed {
        if let Some(address) = updated.attr(a).filter(|v| !v.is_empty()) {
            deliveries.push(send_code(pool, &purpose(a), &updated, a, address, Message::UpdateAttribute, TTL_CONFIRM).await?);
        }
    }
    Ok(json!({ "CodeDeliveryDetailsList": deliveries }))
}

/// DeleteUserAttributes: refuses required and immutable attributes.
pub async fn delete_user_attributes(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    let (user, _) = access_user(pool, req).await?;
    let auth = pool.auth()?;
    let names: Vec<String> = req
        .get("UserAttributeNames")
        .and_then(Value::as_array)
        .ok_or_else(|| AuthError::missing("userAttributeNames"))?
        .iter()
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    for n in &names {
        if attributes::MANAGED.contains(&n.as_str()) {
            return Err(AuthError::NotAuthorized("A client attempted to write unauthorized attribute".into()));
        }
        if let Some(decl) = auth.user_attributes.get(n) {
            if decl.required {
                return Err(AuthError::InvalidParameter(format!("Attributes did not conform to the schema: {n}: The attribute is required")));
            }
            if !decl.mutable {
                return Err(AuthError::NotAuthorized("A client attempted to write unauthorized attribute".into()));
            }
        }
    }
    let mut after = user.clone();
    for n in &names {
        after.attributes.remove(n);
        if VERIFIED.contains(&n.as_str()) {
            after.attributes.remove(&format!("{n}_verified"));
        }
    }
    users::move_aliases(pool, &user, &after).await?;
    users::update(pool, &user.sub, |u| {
        u.attributes = after.attributes.clone();
        Ok(())
    })
    .await?;
    Ok(json!({}))
}

/// GetUserAttributeVerificationCode: (re)sends a code for email or phone_number.
pub async fn get_user_attribute_verification_code(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    let (user, _) = access_user(pool, req).await?;
    let attr = req_str(req, "AttributeName")?;
    if !VERIFIED.contains(&attr) {
        return Err(AuthError::InvalidParameter(format!("Verification is not supported for attribute {attr}")));
    }
    let address = user.attr(attr).filter(|v| !v.is_empty()).ok_or_else(|| AuthError::InvalidParameter(format!("User has no attribute {attr}")))?.to_string();
    let d = send_code(pool, &purpose(attr), &user, attr, &address, Message::VerifyAttribute, TTL_CONFIRM).await?;
    Ok(json!({ "CodeDeliveryDetails": d }))
}

/// VerifyUserAttribute: checks the code and marks the attribute verified.
pub async fn verify_user_attribute(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    let (user, _) = access_user(pool, req).await?;
    let attr = req_str(req, "AttributeName")?;
    let code = req_str(req, "Code")?;
    if !VERIFIED.contains(&attr) {
        return Err(AuthError::InvalidParameter(format!("Verification is not supported for attribute {attr}")));
    }
    crate::codes::check(pool, &purpose(attr), &user.sub, code).await?;
    users::update(pool, &user.sub, |u| {
        u.attributes.insert(format!("{attr}_verified"), "true".into());
        Ok(())
    })
    .await?;
    Ok(json!({}))
}

/// DeleteUser: the user, its aliases and sessions.
pub async fn delete_user(pool: &Pool, req: &Value) -> Result<Value, AuthError> {
    let (user, _) = access_user(pool, req).await?;
    users::delete(pool, &user).await?;
    Ok(json!({}))
}
