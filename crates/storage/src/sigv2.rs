//! Legacy SigV2 presigned query URLs (`AWSAccessKeyId`, `Expires`, `Signature`), which the AWS
//! CLI v1 (`aws s3 presign`) and botocore still produce for S3 by default. Only the query form
//! is accepted: every SDK signs requests themselves with SigV4.

use base64::Engine;

use crate::error::{S3Error, S3Result};

/// Sub-resources that are part of the string to sign.
const SIGNED_SUBRESOURCES: [&str; 13] = [
    "acl",
    "delete",
    "location",
    "partNumber",
    "uploadId",
    "uploads",
    "versionId",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
];

pub struct V2 {
    pub access_key_id: String,
    pub expires: i64,
    pub signature: String,
    pub security_token: Option<String>,
}

pub fn parse(q: &[(String, String)]) -> Option<V2> {
    let get = |n: &str| q.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    Some(V2 {
        access_key_id: get("AWSAccessKeyId")?,
        expires: get("Expires")?.parse().ok()?,
        signature: get("Signature")?,
        security_token: get("x-amz-security-token"),
    })
}

/// Checks expiry and the HMAC-SHA1 signature against each candidate resource path.
pub fn verify(v2: &V2, method: &str, q: &[(String, String)], resources: &[String], secret: &str, now: i64) -> S3Result<()> {
    if now > v2.expires {
        return Err(S3Error::AccessDenied("Request has expired".into()));
    }
    let mut sub: Vec<(&str, &str)> = q.iter().filter(|(k, _)| SIGNED_SUBRESOURCES.contains(&k.as_str())).map(|(k, v)| (k.as_str(), v.as_str())).collect();
    sub.sort();
    let sub: Vec<String> = sub.iter().map(|(k, v)| if v.is_empty() { k.to_string() } else { format!("{k}={v}") }).collect();
    let amz = v2.security_token.as_ref().map(|t| format!("x-amz-security-token:{t}\n")).unwrap_or_default();
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret.as_bytes());
    let sent = base64::engine::general_purpose::STANDARD
        .decode(v2.signature.trim())
        .map_err(|_| S3Error::SignatureDoesNotMatch("malformed Signature".into()))?;
    for resource in resources {
        let mut r = resource.clone();
        if !sub.is_empty() {
            r.push('?');
            r.push_str(&sub.join("&"));
        }
        let to_sign = format!("{method}\n\n\n{}\n{amz}{r}", v2.expires);
        if ring::hmac::verify(&key, to_sign.as_bytes(), &sent).is_ok() {
            return Ok(());
        }
    }
    Err(S3Error::SignatureDoesNotMatch(
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.".into(),
    ))
}
