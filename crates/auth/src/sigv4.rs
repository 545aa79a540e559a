//! AWS Signature Version 4 verification (header form), as the AWS CLI and SDKs sign requests.
//!
//! Used for the Cognito admin operations (signed with the sandbox's admin credentials); other
//! services can use [`verify`] with the secret from [`crate::credentials::lookup`].

use axum::http::HeaderMap;

use crate::crypto::{ct_eq, hmac_sha256, sha256};

/// The parsed `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
#[derive(Debug, Clone, PartialEq)]
pub struct Authorization {
    pub access_key_id: String,
    /// `YYYYMMDD` of the credential scope.
    pub date: String,
    pub region: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Parses the Authorization header; `None` when absent or not SigV4.
pub fn parse_authorization(headers: &HeaderMap) -> Option<Authorization> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let rest = v.strip_prefix("AWS4-HMAC-SHA256")?.trim();
    let (mut cred, mut signed, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let (k, val) = part.trim().split_once('=')?;
        match k {
            "Credential" => cred = Some(val),
            "SignedHeaders" => signed = Some(val),
            "Signature" => sig = Some(val),
            _ => {}
        }
    }
    let mut scope = cred?.split('/');
    let (access_key_id, date, region, service, term) = (scope.next()?, scope.next()?, scope.next()?, scope.next()?, scope.next()?);
    if term != "aws4_request" {
        return None;
    }
    Some(Authorization {
        access_key_id: access_key_id.into(),
        date: date.into(),
        region: region.into(),
        service: service.into(),
        signed_headers: signed?.split(';').map(str::to_lowercase).collect(),
        signature: sig?.to_lowercase(),
    })
}

/// RFC 3986 percent-encoding of everything but unreserved characters (and `/` when `keep_slash`).
pub fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (uri_encode(&percent_decode(k), false), uri_encode(&percent_decode(v), false))
        })
        .collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Epoch seconds of an `x-amz-date` (`20261123T090501Z`).
pub fn parse_amz_date(s: &str) -> Option<i64> {
    if s.len() != 16 || &s[8..9] != "T" || !s.ends_with('Z') {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let days = days_from_civil(n(0..4)?, n(4..6)?, n(6..8)?);
    Some(days * 86_400 + n(9..11)? * 3600 + n(11..13)? * 60 + n(13..15)?)
}

/// What a signature is checked against.
pub struct Request<'a> {
    pub method: &'a str,
    /// The request path as sent (percent-encoded).
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// The expected signature for `req` under `auth`'s scope with `secret`, for one canonical path form.
fn signature(req: &Request, auth: &Authorization, secret: &str, amz_date: &str, path: &str) -> String {
    let mut canonical_headers = String::new();
    for name in &auth.signed_headers {
        let values: Vec<String> = req.headers.get_all(name.as_str()).iter().filter_map(|v| v.to_str().ok()).map(|v| v.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let payload = req.headers.get("x-amz-content-sha256").and_then(|v| v.to_str().ok()).map(String::from).unwrap_or_else(|| hex::encode(sha256(req.body)));
    let canonical = format!("{}\n{}\n{}\n{}\n{}\n{}", req.method, path, canonical_query(req.query), canonical_headers, auth.signed_headers.join(";"), payload);
    let scope = format!("{}/{}/{}/aws4_request", auth.date, auth.region, auth.service);
    let to_sign = format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", hex::encode(sha256(canonical.as_bytes())));
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), auth.date.as_bytes());
    let k_region = hmac_sha256(&k_date, auth.region.as_bytes());
    let k_service = hmac_sha256(&k_region, auth.service.as_bytes());
    let k_signing = hmac_sha256(&k_service, b"aws4_request");
    hex::encode(hmac_sha256(&k_signing, to_sign.as_bytes()))
}

/// Verifies `req`'s SigV4 signature with `secret` (and that it is within 15 minutes of `now_s`).
/// The error says what is wrong, for the `InvalidSignatureException` message.
pub fn verify(req: &Request, auth: &Authorization, secret: &str, now_s: i64) -> Result<(), String> {
    let amz_date = req.headers.get("x-amz-date").and_then(|v| v.to_str().ok()).ok_or("missing X-Amz-Date")?;
    let t = parse_amz_date(amz_date).ok_or("malformed X-Amz-Date")?;
    if (t - now_s).abs() > 900 {
        return Err("Signature expired: the request time is too far from the server's".into());
    }
    if !amz_date.starts_with(&auth.date) {
        return Err("the credential scope date does not match X-Amz-Date".into());
    }
    if !auth.signed_headers.iter().any(|h| h == "host") {
        return Err("the host header must be signed".into());
    }
    let encoded = uri_encode(&percent_decode(req.path), true);
    for path in [req.path, encoded.as_str()] {
        let want = signature(req, auth, secret, amz_date, if path.is_empty() { "/" } else { path });
        if ct_eq(want.as_bytes(), auth.signature.as_bytes()) {
            return Ok(());
        }
    }
    Err("The request signature we calculated does not match the signature you provided.".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    /// AWS's documented example (IAM ListUsers, GET) from the SigV4 guide.
    #[test]
    fn aws_documented_example() {
        let mut h = HeaderMap::new();
        h.insert("host", HeaderValue::from_static("iam.amazonaws.com"));
        h.insert("content-type", HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"));
        h.insert("x-amz-date", HeaderValue::from_static("20150830T123600Z"));
        h.insert(
            "authorization",
            HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"),
        );
        let auth = parse_authorization(&h).unwrap();
        assert_eq!(auth.service, "iam");
        let req = Request { method: "GET", path: "/", query: "Action=ListUsers&Version=2010-05-08", headers: &h, body: b"" };
        let now = parse_amz_date("20150830T123600Z").unwrap();
        assert_eq!(verify(&req, &auth, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", now), Ok(()));
        assert!(verify(&req, &auth, "wrong secret", now).is_err());
        assert!(verify(&req, &auth, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", now + 3600).is_err());
        let tampered = Request { query: "Action=DeleteUser&Version=2010-05-08", ..req };
        assert!(verify(&tampered, &auth, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", now).is_err());
    }

    #[test]
    fn dates() {
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(0));
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(1_440_938_160));
        assert_eq!(parse_amz_date("2015-08-30"), None);
    }
}
