//! The one error type of the S3 API and its wire form: `<Error><Code>…</Code><Message>…</Message>
//! <Resource>…</Resource><RequestId>…</RequestId></Error>` with the status S3 uses for the code.
//! HEAD responses carry no body (S3 sends none; the client maps an empty 404 to `NotFound`).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::xml::escape;

/// An S3 error: the code names the S3 error code, the message says what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub enum S3Error {
    AccessDenied(String),
    InvalidAccessKeyId,
    SignatureDoesNotMatch(String),
    RequestTimeTooSkewed,
    ExpiredToken,
    InvalidToken,
    NoSuchBucket(String),
    NoSuchKey(String),
    NoSuchUpload,
    InvalidPart(String),
    InvalidPartOrder,
    EntityTooSmall,
    InvalidRange,
    PreconditionFailed,
    NotModified,
    BadDigest(String),
    InvalidDigest,
    InvalidArgument(String),
    InvalidRequest(String),
    MalformedXML,
    InvalidBucketName(String),
    MethodNotAllowed,
    NotImplemented(String),
    IncompleteBody,
    KeyTooLong,
    Internal(String),
}

impl S3Error {
    pub fn code(&self) -> &'static str {
        use S3Error::*;
        match self {
            AccessDenied(_) => "AccessDenied",
            InvalidAccessKeyId => "InvalidAccessKeyId",
            SignatureDoesNotMatch(_) => "SignatureDoesNotMatch",
            RequestTimeTooSkewed => "RequestTimeTooSkewed",
            ExpiredToken => "ExpiredToken",
            InvalidToken => "InvalidToken",
            NoSuchBucket(_) => "NoSuchBucket",
            NoSuchKey(_) => "NoSuchKey",
            NoSuchUpload => "NoSuchUpload",
            InvalidPart(_) => "InvalidPart",
            InvalidPartOrder => "InvalidPartOrder",
            EntityTooSmall => "EntityTooSmall",
            InvalidRange => "InvalidRange",
            PreconditionFailed => "PreconditionFailed",
            NotModified => "NotModified",
            BadDigest(_) => "BadDigest",
            InvalidDigest => "InvalidDigest",
            InvalidArgument(_) => "InvalidArgument",
            InvalidRequest(_) => "InvalidRequest",
            MalformedXML => "MalformedXML",
            InvalidBucketName(_) => "InvalidBucketName",
            MethodNotAllowed => "MethodNotAllowed",
            NotImplemented(_) => "NotImplemented",
            IncompleteBody => "IncompleteBody",
            KeyTooLong => "KeyTooLongError",
            Internal(_) => "InternalError",
        }
    }

    pub fn status(&self) -> StatusCode {
        use S3Error::*;
        match self {
            AccessDenied(_) | InvalidAccessKeyId | SignatureDoesNotMatch(_) | RequestTimeTooSkewed => StatusCode::FORBIDDEN,
            ExpiredToken | InvalidToken => StatusCode::BAD_REQUEST,
            NoSuchBucket(_) | NoSuchKey(_) | NoSuchUpload => StatusCode::NOT_FOUND,
            InvalidRange => StatusCode::RANGE_NOT_SATISFIABLE,
            PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            NotModified => StatusCode::NOT_MODIFIED,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    pub fn message(&self) -> String {
        use S3Error::*;
        match self {
            AccessDenied(m) | SignatureDoesNotMatch(m) | BadDigest(m) | InvalidArgument(m) | InvalidRequest(m) | NotImplemented(m) | InvalidPart(m) => m.clone(),
            InvalidAccessKeyId => "The AWS Access Key Id you provided does not exist in our records.".into(),
            RequestTimeTooSkewed => "The difference between the request time and the current time is too large.".into(),
            ExpiredToken => "The provided token has expired.".into(),
            InvalidToken => "The provided token is malformed or otherwise invalid.".into(),
            NoSuchBucket(b) => format!("The specified bucket does not exist: {b}"),
            NoSuchKey(_) => "The specified key does not exist.".into(),
            NoSuchUpload => "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.".into(),
            InvalidPartOrder => "The list of parts was not in ascending order. Parts must be ordered by part number.".into(),
            EntityTooSmall => "Your proposed upload is smaller than the minimum allowed object size.".into(),
            InvalidRange => "The requested range is not satisfiable".into(),
            PreconditionFailed => "At least one of the pre-conditions you specified did not hold".into(),
            NotModified => "Not Modified".into(),
            InvalidDigest => "The Content-MD5 you specified is not valid.".into(),
            MalformedXML => "The XML you provided was not well-formed or did not validate against our published schema.".into(),
            InvalidBucketName(b) => format!("The specified bucket is not valid: {b}"),
            MethodNotAllowed => "The specified method is not allowed against this resource.".into(),
            IncompleteBody => "You did not provide the number of bytes specified by the Content-Length HTTP header.".into(),
            KeyTooLong => "Your key is too long".into(),
            Internal(_) => "We encountered an internal error. Please try again.".into(),
        }
    }

    /// The XML body (also used inside DeleteObjects results, without the XML declaration).
    pub fn to_xml(&self, resource: &str, request_id: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message><Resource>{}</Resource><RequestId>{}</RequestId></Error>",
            self.code(),
            escape(&self.message()),
            escape(resource),
            request_id
        )
    }

    /// The response for a request; `head` drops the body as S3 does for HEAD.
    pub fn into_response_for(self, resource: &str, head: bool) -> Response {
        if let S3Error::Internal(detail) = &self {
            tracing::error!(%detail, "storage internal error");
        }
        let request_id = uuid::Uuid::new_v4().simple().to_string()[..16].to_uppercase();
        let status = self.status();
        let mut resp = if head || status == StatusCode::NOT_MODIFIED {
            status.into_response()
        } else {
            (status, self.to_xml(resource, &request_id)).into_response()
        };
        let h = resp.headers_mut();
        if !head && status != StatusCode::NOT_MODIFIED {
            h.insert("content-type", HeaderValue::from_static("application/xml"));
        }
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            h.insert("x-amz-request-id", v);
        }
        resp
    }
}

impl IntoResponse for S3Error {
    fn into_response(self) -> Response {
        self.into_response_for("", false)
    }
}

impl From<store::StoreError> for S3Error {
    fn from(e: store::StoreError) -> Self {
        S3Error::Internal(e.to_string())
    }
}

impl From<std::io::Error> for S3Error {
    fn from(e: std::io::Error) -> Self {
        S3Error::Internal(e.to_string())
    }
}

impl From<object_store::Error> for S3Error {
    fn from(e: object_store::Error) -> Self {
        S3Error::Internal(format!("object store: {e}"))
    }
}

pub type S3Result<T> = Result<T, S3Error>;
