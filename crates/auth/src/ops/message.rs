//! The messages the user pool sends (verification, reset and sign-in codes, the admin-created
//! user's invitation): their default texts, and the customMessage trigger, which may replace
//! them per message with Cognito's `CustomMessage_*` events.
//!
//! As in Cognito, a custom message must keep the code placeholder (`codeParameter`, `{####}`;
//! for AdminCreateUser also `usernameParameter`, `{username}`): one without it cannot deliver
//! the code, so the default message is sent instead.

use serde_json::{json, Map, Value};

use super::delivery;
use crate::error::AuthError;
use crate::pool::Pool;
use crate::triggers::{self, Trigger};
use crate::users::User;

/// Where the code goes in a message.
pub const CODE: &str = "{####}";
/// Where the username goes in an invitation (AdminCreateUser).
pub const USERNAME: &str = "{username}";

/// Which message is sent (and so which `CustomMessage_*` source the trigger sees).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    SignUp,
    ResendCode,
    /// UpdateUserAttributes changed an email or phone number.
    UpdateAttribute,
    /// GetUserAttributeVerificationCode.
    VerifyAttribute,
    ResetPassword,
    /// MFA and passwordless sign-in codes.
    Authentication,
    /// AdminCreateUser's invitation with the temporary password in place of the code.
    AdminCreateUser,
}

impl Message {
    fn source(self) -> &'static str {
        match self {
            Message::SignUp => "CustomMessage_SignUp",
            Message::ResendCode => "CustomMessage_ResendCode",
            Message::UpdateAttribute => "CustomMessage_UpdateUserAttribute",
            Message::VerifyAttribute => "CustomMessage_VerifyUserAttribute",
            Message::ResetPassword => "CustomMessage_ForgotPassword",
            Message::Authentication => "CustomMessage_Authentication",
            Message::AdminCreateUser => "CustomMessage_AdminCreateUser",
        }
    }

    /// The default subject and body (with the placeholders) for a message to `attr`.
    fn default_text(self, pool: &Pool, attr: &str) -> (String, String) {
        match self {
            Message::SignUp | Message::ResendCode | Message::UpdateAttribute | Message::VerifyAttribute => {
                let subject = setting(pool, attr, "verificationEmailSubject").unwrap_or_else(|| "Verify your email".into());
                let body = setting(pool, attr, if attr == "phone_number" { "verificationMessage" } else { "verificationEmailBody" })
                    .filter(|b| b.contains(CODE))
                    .unwrap_or_else(|| format!("The verification code to your new account is {CODE}"));
                (subject, body)
            }
            Message::ResetPassword => ("Reset your password".into(), format!("Your password reset code is {CODE}")),
            Message::Authentication => ("Your sign-in code".into(), format!("Your authentication code is {CODE}")),
            Message::AdminCreateUser => ("Your temporary password".into(), format!("Your username is {USERNAME} and temporary password is {CODE}.")),
        }
    }
}

/// A setting from `loginWith.email`/`loginWith.phone` (e.g. `verificationEmailSubject`), when a string.
fn setting(pool: &Pool, attr: &str, key: &str) -> Option<String> {
    let auth = pool.backend.auth.as_ref()?;
    let s = if attr == "phone_number" { &auth.login_with.phone_settings } else { &auth.login_with.email_settings };
    s.as_ref()?.get(key)?.as_str().map(String::from)
}

/// The subject and body (placeholders not yet filled) of a `kind` message to the user's `attr`
/// address: the customMessage trigger's when it returns a usable one, else the default.
pub async fn compose(pool: &Pool, kind: Message, user: &User, attr: &str) -> Result<(String, String), AuthError> {
    let (subject, body) = kind.default_text(pool, attr);
    if !triggers::configured(pool, Trigger::CustomMessage) {
        return Ok((subject, body));
    }
    let request = json!({
        "userAttributes": triggers::user_attributes(user),
        "codeParameter": CODE,
        "linkParameter": "{##Click Here##}",
        "usernameParameter": if kind == Message::AdminCreateUser { json!(USERNAME) } else { Value::Null },
        "clientMetadata": triggers::client_metadata(),
    });
    let Some(resp) = triggers::run(pool, Trigger::CustomMessage, kind.source(), &user.username, request).await? else {
        return Ok((subject, body));
    };
    Ok(apply_custom(kind, attr, (subject, body), &resp))
}

/// The message the customMessage `resp` makes of the default one: its subject when it gives one,
/// its body (`smsMessage` for a phone, else `emailMessage`) only when it keeps the placeholders.
fn apply_custom(kind: Message, attr: &str, default: (String, String), resp: &Map<String, Value>) -> (String, String) {
    let text = |k: &str| resp.get(k).and_then(Value::as_str).filter(|s| !s.trim().is_empty()).map(String::from);
    let usable = |m: &String| m.contains(CODE) && (kind != Message::AdminCreateUser || m.contains(USERNAME));
    let (subject, body) = default;
    match if attr == "phone_number" { text("smsMessage") } else { text("emailMessage") } {
        Some(b) if usable(&b) => (text("emailSubject").unwrap_or(subject), b),
        Some(_) => {
            tracing::warn!("auth: the customMessage trigger's {} message has no {CODE} placeholder; the default message is sent", kind.source());
            (subject, body)
        }
        None => (text("emailSubject").unwrap_or(subject), body),
    }
}

/// Sends a verification code for `purpose` to the user's `attr` address.
pub async fn send_code(pool: &Pool, purpose: &str, user: &User, attr: &str, address: &str, kind: Message, ttl: i64) -> Result<Value, AuthError> {
    let (subject, body) = compose(pool, kind, user, attr).await?;
    crate::codes::send(pool, purpose, &user.sub, address, &subject, &body, ttl).await?;
    Ok(delivery(attr, address))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn default() -> (String, String) {
        ("Default".into(), "Code {####}".into())
    }

    #[test]
    fn a_custom_message_is_used_only_with_its_placeholders() {
        let r = resp(json!({ "emailSubject": "Hi", "emailMessage": "Your code: {####}", "smsMessage": "sms {####}" }));
        assert_eq!(apply_custom(Message::SignUp, "email", default(), &r), ("Hi".into(), "Your code: {####}".into()));
        assert_eq!(apply_custom(Message::SignUp, "phone_number", default(), &r).1, "sms {####}");
        let no_code = resp(json!({ "emailSubject": "Hi", "emailMessage": "no code" }));
        assert_eq!(apply_custom(Message::ResetPassword, "email", default(), &no_code), default());
        // An invitation also needs the username placeholder.
        let invite = resp(json!({ "emailMessage": "temp {####}" }));
        assert_eq!(apply_custom(Message::AdminCreateUser, "email", default(), &invite), default());
        let invite = resp(json!({ "emailMessage": "{username} / {####}" }));
        assert_eq!(apply_custom(Message::AdminCreateUser, "email", default(), &invite).1, "{username} / {####}");
        // Only a subject: the default body with the new subject.
        assert_eq!(apply_custom(Message::SignUp, "email", default(), &resp(json!({ "emailSubject": "S" }))), ("S".into(), "Code {####}".into()));
    }
}
