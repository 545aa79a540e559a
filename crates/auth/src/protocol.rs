//! The AWS JSON 1.1 protocol adapter: `POST` with `X-Amz-Target: <Service>.<Operation>` and a
//! JSON body, answered with JSON (`{}` at least: the client parses every 2xx body) or with
//! Cognito's error shape ([`AuthError`]).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use context::ServiceContext;
use serde_json::Value;

use crate::error::AuthError;
use crate::pool::Pool;

macro_rules! operations {
    ($(#[$m:meta])* $name:ident { $($op:ident),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($op),* }
        impl $name {
            pub fn parse(s: &str) -> Option<$name> {
                match s { $(stringify!($op) => Some($name::$op),)* _ => None }
            }
            pub fn name(self) -> &'static str {
                match self { $($name::$op => stringify!($op),)* }
            }
        }
    };
}

operations! {
    /// `AWSCognitoIdentityProviderService.<Op>` operations served.
    UserPoolOp {
        SignUp, ConfirmSignUp, ResendConfirmationCode,
        InitiateAuth, RespondToAuthChallenge, GetTokensFromRefreshToken, RevokeToken, GlobalSignOut,
        GetUser, UpdateUserAttributes, DeleteUserAttributes, GetUserAttributeVerificationCode, VerifyUserAttribute,
        ChangePassword, ForgotPassword, ConfirmForgotPassword, DeleteUser,
        AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference,
        ListDevices, ConfirmDevice, UpdateDeviceStatus, ForgetDevice, GetDevice,
    }
}

operations! {
    /// `AWSCognitoIdentityService.<Op>` operations served.
    IdentityOp { GetId, GetCredentialsForIdentity }
}

const USER_POOL_SERVICE: &str = "AWSCognitoIdentityProviderService";
const IDENTITY_SERVICE: &str = "AWSCognitoIdentityService";

/// Splits `X-Amz-Target` into service and operation names.
fn target(headers: &HeaderMap) -> Result<(&str, &str), AuthError> {
    let t = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| AuthError::UnknownOperation("Missing X-Amz-Target header".into()))?;
    t.split_once('.').ok_or_else(|| AuthError::UnknownOperation(format!("Unknown operation {t}")))
}

/// Parses the request body (empty means `{}`).
fn body_json(body: &Bytes) -> Result<Value, AuthError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(AuthError::Serialization("Start of structure or map found where not expected.".into())),
        Err(e) => Err(AuthError::Serialization(format!("Could not parse request body: {e}"))),
    }
}

/// A 200 with a JSON body and the headers the client reads.
pub fn ok_json(v: Value) -> Response {
    let mut resp = (StatusCode::OK, v.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert("content-type", HeaderValue::from_static("application/x-amz-json-1.1"));
    if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        h.insert("x-amzn-requestid", id);
    }
    resp
}

fn respond(r: Result<Value, AuthError>) -> Response {
    match r {
        Ok(v) => ok_json(v),
        Err(e) => e.into_response(),
    }
}

/// `POST /cognito-idp/`: the user pool API.
/// Admin operations (`Admin*`, `ListUsers`, …) must be SigV4-signed with the sandbox's admin
/// credentials.
pub async fn user_pool(State(ctx): State<ServiceContext>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    respond(user_pool_call(&ctx, &method, &uri, &headers, &body).await)
}

async fn user_pool_call(ctx: &ServiceContext, method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Result<Value, AuthError> {
    let (service, op) = target(headers)?;
    if service != USER_POOL_SERVICE {
        return Err(AuthError::UnknownOperation(format!("Unknown operation {service}.{op}")));
    }
    let pool = Pool::new(ctx);
    if crate::admin::OPERATIONS.contains(&op) {
        let signed = crate::sigv4::Request { method: method.as_str(), path: uri.path(), query: uri.query().unwrap_or(""), headers, body };
        crate::admin::check_signature(&pool, op, &signed)?;
        let req = body_json(body)?;
        pool.auth()?;
        return crate::triggers::with_client_metadata(&req, crate::admin::dispatch(&pool, op, &req)).await;
    }
    let Some(op) = UserPoolOp::parse(op) else {
        return Err(AuthError::UnknownOperation(format!("Unknown operation {service}.{op}")));
    };
    let req = body_json(body)?;
    pool.auth()?;
    crate::triggers::with_client_metadata(&req, crate::ops::dispatch(&pool, op, &req)).await
}

/// `POST /cognito-identity/`: the identity pool API.
pub async fn identity_pool(State(ctx): State<ServiceContext>, headers: HeaderMap, body: Bytes) -> Response {
    respond(identity_call(&ctx, &headers, &body).await)
}

async fn identity_call(ctx: &ServiceContext, headers: &HeaderMap, body: &Bytes) -> Result<Value, AuthError> {
    let (service, op) = target(headers)?;
    let parsed = if service == IDENTITY_SERVICE { IdentityOp::parse(op) } else { None };
    let Some(op) = parsed else {
        return Err(AuthError::UnknownOperation(format!("Unknown operation {service}.{op}")));
    };
    let req = body_json(body)?;
    let pool = Pool::new(ctx);
    pool.auth()?;
    match op {
        IdentityOp::GetId => crate::identity::get_id(&pool, &req).await,
        IdentityOp::GetCredentialsForIdentity => crate::identity::get_credentials(&pool, &req).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_targets() {
        let mut h = HeaderMap::new();
        h.insert("x-amz-target", HeaderValue::from_static("AWSCognitoIdentityProviderService.InitiateAuth"));
        let (s, o) = target(&h).unwrap();
        assert_eq!(s, USER_POOL_SERVICE);
        assert_eq!(UserPoolOp::parse(o), Some(UserPoolOp::InitiateAuth));
        assert_eq!(UserPoolOp::parse("Nope"), None);
        assert_eq!(IdentityOp::parse("GetId").map(IdentityOp::name), Some("GetId"));
        assert!(body_json(&Bytes::from_static(b"[1]")).is_err());
        assert!(body_json(&Bytes::from_static(b"")).unwrap().is_object());
    }
}
