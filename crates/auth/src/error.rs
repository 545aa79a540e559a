//! The one error type of the auth service, rendered exactly as Cognito does on the wire:
//! HTTP 400 with a JSON body `{"__type": "<Exception>", "message": "..."}` and the
//! `x-amzn-errortype` header, which is what the aws-amplify client reads first.
//!
//! Each variant is an exception name the client (or an AWS SDK) maps; the message is Cognito's
//! wording where apps are known to match on it (e.g. `Incorrect username or password.`).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Errors of every user-pool and identity-pool operation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    NotAuthorized(String),
    #[error("{0}")]
    UserNotFound(String),
    #[error("{0}")]
    UsernameExists(String),
    #[error("{0}")]
    AliasExists(String),
    #[error("{0}")]
    InvalidParameter(String),
    #[error("{0}")]
    InvalidPassword(String),
    #[error("{0}")]
    CodeMismatch(String),
    #[error("{0}")]
    ExpiredCode(String),
    #[error("{0}")]
    UserNotConfirmed(String),
    #[error("{0}")]
    PasswordResetRequired(String),
    #[error("{0}")]
    ResourceNotFound(String),
    #[error("{0}")]
    TooManyFailedAttempts(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    EnableSoftwareTokenMfa(String),
    #[error("{0}")]
    SoftwareTokenMfaNotFound(String),
    #[error("{0}")]
    InvalidUserPoolConfiguration(String),
    #[error("{0}")]
    UnsupportedOperation(String),
    #[error("{0}")]
    GroupExists(String),
    /// Identity pool: the identity id is unknown or belongs to someone else.
    #[error("{0}")]
    IdentityNotFound(String),
    /// The request body is not JSON of the expected shape.
    #[error("{0}")]
    Serialization(String),
    /// The `X-Amz-Target` names no operation we serve.
    #[error("{0}")]
    UnknownOperation(String),
    /// SigV4 signature missing or wrong (admin API).
    #[error("{0}")]
    InvalidSignature(String),
    /// An admin operation without a signature.
    #[error("{0}")]
    MissingAuthenticationToken(String),
    /// An admin operation signed with an unknown access key.
    #[error("{0}")]
    UnrecognizedClient(String),
    /// Signed by a function's credentials without the `access` grant for the operation.
    #[error("{0}")]
    AccessDenied(String),
    /// SMTP delivery of a code failed.
    #[error("{0}")]
    CodeDeliveryFailure(String),
    /// A Cognito trigger function threw (`<Trigger> failed with error <message>.`).
    #[error("{0}")]
    UserLambdaValidation(String),
    /// A Cognito trigger function could not run or timed out.
    #[error("{0}")]
    UnexpectedLambda(String),
    /// A Cognito trigger function answered with a response Cognito cannot use.
    #[error("{0}")]
    InvalidLambdaResponse(String),
    #[error("{0}")]
    Internal(String),
}

impl AuthError {
    /// The exception name in `__type` and `x-amzn-errortype`.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::NotAuthorized(_) => "NotAuthorizedException",
            AuthError::UserNotFound(_) => "UserNotFoundException",
            AuthError::UsernameExists(_) => "UsernameExistsException",
            AuthError::AliasExists(_) => "AliasExistsException",
            AuthError::InvalidParameter(_) => "InvalidParameterException",
            AuthError::InvalidPassword(_) => "InvalidPasswordException",
            AuthError::CodeMismatch(_) => "CodeMismatchException",
            AuthError::ExpiredCode(_) => "ExpiredCodeException",
            AuthError::UserNotConfirmed(_) => "UserNotConfirmedException",
            AuthError::PasswordResetRequired(_) => "PasswordResetRequiredException",
            AuthError::ResourceNotFound(_) => "ResourceNotFoundException",
            AuthError::TooManyFailedAttempts(_) => "TooManyFailedAttemptsException",
            AuthError::LimitExceeded(_) => "LimitExceededException",
            AuthError::EnableSoftwareTokenMfa(_) => "EnableSoftwareTokenMFAException",
            AuthError::SoftwareTokenMfaNotFound(_) => "SoftwareTokenMFANotFoundException",
            AuthError::InvalidUserPoolConfiguration(_) => "InvalidUserPoolConfigurationException",
            AuthError::UnsupportedOperation(_) => "UnsupportedOperationException",
            AuthError::GroupExists(_) => "GroupExistsException",
            AuthError::IdentityNotFound(_) => "ResourceNotFoundException",
            AuthError::Serialization(_) => "SerializationException",
            AuthError::UnknownOperation(_) => "UnknownOperationException",
            AuthError::InvalidSignature(_) => "InvalidSignatureException",
            AuthError::MissingAuthenticationToken(_) => "MissingAuthenticationTokenException",
            AuthError::UnrecognizedClient(_) => "UnrecognizedClientException",
            AuthError::AccessDenied(_) => "AccessDeniedException",
            AuthError::CodeDeliveryFailure(_) => "CodeDeliveryFailureException",
            AuthError::UserLambdaValidation(_) => "UserLambdaValidationException",
            AuthError::UnexpectedLambda(_) => "UnexpectedLambdaException",
            AuthError::InvalidLambdaResponse(_) => "InvalidLambdaResponseException",
            AuthError::Internal(_) => "InternalErrorException",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AuthError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AuthError::InvalidSignature(_) | AuthError::MissingAuthenticationToken(_) | AuthError::UnrecognizedClient(_) => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The message of the error (without the code).
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// `Incorrect username or password.` — also used for unknown users so that sign-in does not
    /// reveal which usernames exist (Amplify enables PreventUserExistenceErrors).
    pub fn bad_credentials() -> AuthError {
        AuthError::NotAuthorized("Incorrect username or password.".into())
    }

    /// A required request member is absent.
    pub fn missing(member: &str) -> AuthError {
        AuthError::InvalidParameter(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    }

    pub fn invalid_access_token() -> AuthError {
        AuthError::NotAuthorized("Invalid Access Token".into())
    }
}

impl From<store::StoreError> for AuthError {
    fn from(e: store::StoreError) -> Self {
        AuthError::Internal(format!("store: {e}"))
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        if let AuthError::Internal(m) = &self {
            tracing::error!("auth internal error: {m}");
        }
        let code = self.code();
        let body = json!({ "__type": code, "message": self.message() });
        let mut resp = (self.status(), body.to_string()).into_response();
        let h = resp.headers_mut();
        h.insert("content-type", HeaderValue::from_static("application/x-amz-json-1.1"));
        h.insert("x-amzn-errortype", HeaderValue::from_static(code));
        if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
            h.insert("x-amzn-requestid", v);
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_cognito_wire_error() {
        let r = AuthError::bad_credentials().into_response();
        assert_eq!(r.status(), 400);
        assert_eq!(r.headers()["x-amzn-errortype"], "NotAuthorizedException");
        assert_eq!(r.headers()["content-type"], "application/x-amz-json-1.1");
    }

    #[test]
    fn missing_password_matches_the_clients_rewrite() {
        // createSignUpClient rewrites this exact shape into EmptySignUpPassword.
        let m = AuthError::missing("password").message();
        assert!(m.contains("password") && m.contains("Member must not be null"));
    }
}
