//! SigV4 for S3: the `Authorization` header form and presigned query URLs, with S3's rules (the
//! canonical URI is the path exactly as sent, the payload hash comes from `x-amz-content-sha256`
//! or is `UNSIGNED-PAYLOAD` for presigned URLs), and the seed for signed `aws-chunked` bodies.
//!
//! Why several (host, path) candidates: the client adapter forwards requests the aws-amplify
//! client signed for `https://<bucket>.s3.<region>.amazonaws.com/<key>` to our path-style
//! endpoint, so the signature covers that host and path, not the ones we received. The server
//! checks the signature against what the client could have signed for this bucket and key; the
//! secret still has to be known, so nothing is weakened.

use auth::crypto::{ct_eq, hmac_sha256, sha256};
use axum::http::HeaderMap;

use crate::error::{S3Error, S3Result};

/// Presigned URLs live at most 7 days, as on S3.
pub const MAX_PRESIGN_EXPIRES: i64 = 604_800;
/// Allowed clock difference for header-signed requests.
pub const MAX_SKEW: i64 = 900;

/// A parsed signature, from the header or the query.
#[derive(Debug, Clone)]
pub struct Signature {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
    pub amz_date: String,
    /// `Some(seconds)` for presigned URLs.
    pub expires: Option<i64>,
    pub security_token: Option<String>,
}

impl Signature {
    pub fn scope(&self) -> String {
        format!("{}/{}/{}/aws4_request", self.date, self.region, self.service)
    }

    pub fn signing_key(&self, secret: &str) -> [u8; 32] {
        let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), self.date.as_bytes());
        let k_region = hmac_sha256(&k_date, self.region.as_bytes());
        let k_service = hmac_sha256(&k_region, self.service.as_bytes());
        hmac_sha256(&k_service, b"aws4_request")
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn query<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Finds the request's signature; `Ok(None)` for an anonymous request.
pub fn parse(headers: &HeaderMap, q: &[(String, String)]) -> S3Result<Option<Signature>> {
    let malformed = |m: &str| S3Error::InvalidArgument(m.to_string());
    if let Some(alg) = query(q, "X-Amz-Algorithm") {
        if alg != "AWS4-HMAC-SHA256" {
            return Err(malformed("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\""));
        }
        let cred = query(q, "X-Amz-Credential").ok_or_else(|| malformed("missing X-Amz-Credential"))?;
        let parts: Vec<&str> = cred.split('/').collect();
        if parts.len() != 5 || parts[4] != "aws4_request" {
            return Err(malformed("malformed X-Amz-Credential"));
        }
        let expires: i64 = query(q, "X-Amz-Expires").and_then(|v| v.parse().ok()).ok_or_else(|| malformed("X-Amz-Expires must be a number"))?;
        if !(0..=MAX_PRESIGN_EXPIRES).contains(&expires) {
            return Err(malformed("X-Amz-Expires must be less than a week (in seconds) that is 604800"));
        }
        return Ok(Some(Signature {
            access_key_id: parts[0].into(),
            date: parts[1].into(),
            region: parts[2].into(),
            service: parts[3].into(),
            signed_headers: query(q, "X-Amz-SignedHeaders").unwrap_or("host").split(';').map(str::to_lowercase).collect(),
            signature: query(q, "X-Amz-Signature").ok_or_else(|| malformed("missing X-Amz-Signature"))?.to_lowercase(),
            amz_date: query(q, "X-Amz-Date").ok_or_else(|| malformed("missing X-Amz-Date"))?.to_string(),
            expires: Some(expires),
            security_token: query(q, "X-Amz-Security-Token").map(String::from),
        }));
    }
    if headers.get("authorization").is_none() {
        return Ok(None);
    }
    let auth = auth::sigv4::parse_authorization(headers).ok_or_else(|| malformed("Unsupported or malformed Authorization header (only AWS4-HMAC-SHA256 is accepted)"))?;
    let amz_date = header(headers, "x-amz-date").ok_or_else(|| S3Error::AccessDenied("AWS authentication requires a valid Date or x-amz-date header".into()))?;
    Ok(Some(Signature {
        access_key_id: auth.access_key_id,
        date: auth.date,
        region: auth.region,
        service: auth.service,
        signed_headers: auth.signed_headers,
        signature: auth.signature,
        amz_date: amz_date.to_string(),
        expires: None,
        security_token: header(headers, "x-amz-security-token").map(String::from),
    }))
}

/// RFC 3986 encoding as SigV4 wants it for query keys and values.
pub fn encode(s: &str) -> String {
    auth::sigv4::uri_encode(s, false)
}

/// The canonical query string from decoded pairs (without `X-Amz-Signature` when presigned).
fn canonical_query(q: &[(String, String)], presigned: bool) -> String {
    let mut pairs: Vec<(String, String)> = q.iter().filter(|(k, _)| !(presigned && k == "X-Amz-Signature")).map(|(k, v)| (encode(k), encode(v))).collect();
    pairs.sort();
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// Checks timing (skew, presign expiry) against `now`.
pub fn check_time(sig: &Signature, now: i64) -> S3Result<()> {
    let t = auth::sigv4::parse_amz_date(&sig.amz_date).ok_or_else(|| S3Error::AccessDenied("malformed X-Amz-Date".into()))?;
    if !sig.amz_date.starts_with(&sig.date) {
        return Err(S3Error::SignatureDoesNotMatch("the credential scope date does not match X-Amz-Date".into()));
    }
    match sig.expires {
        Some(exp) => {
            if t - now > MAX_SKEW {
                return Err(S3Error::AccessDenied("Request is not valid yet".into()));
            }
            if now > t + exp {
                return Err(S3Error::AccessDenied("Request has expired".into()));
            }
        }
        None => {
            if (t - now).abs() > MAX_SKEW {
                return Err(S3Error::RequestTimeTooSkewed);
            }
        }
    }
    Ok(())
}

/// What the signature is checked against.
pub struct Canonical<'a> {
    pub method: &'a str,
    pub query: &'a [(String, String)],
    pub headers: &'a HeaderMap,
    /// (host, canonical URI) pairs the client may have signed, tried in order.
    pub candidates: Vec<(String, String)>,
}

/// Verifies `sig` with `secret`; returns the signing key for chunk signatures.
pub fn verify(c: &Canonical, sig: &Signature, secret: &str) -> S3Result<[u8; 32]> {
    if !sig.signed_headers.iter().any(|h| h == "host") {
        return Err(S3Error::AccessDenied("the host header must be signed".into()));
    }
    let presigned = sig.expires.is_some();
    let payload = if presigned {
        header(c.headers, "x-amz-content-sha256")
            .filter(|_| sig.signed_headers.iter().any(|h| h == "x-amz-content-sha256"))
            .unwrap_or("UNSIGNED-PAYLOAD")
    } else {
        header(c.headers, "x-amz-content-sha256").unwrap_or("UNSIGNED-PAYLOAD")
    };
    let query = canonical_query(c.query, presigned);
    let mut other_headers = String::new();
    for name in sig.signed_headers.iter().filter(|h| *h != "host") {
        let values: Vec<String> = c
            .headers
            .get_all(name.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        other_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let key = sig.signing_key(secret);
    let scope = sig.scope();
    for (host, path) in &c.candidates {
        // Headers are canonicalised in SignedHeaders order, which is sorted, so `host` is spliced
        // in at its place.
        let mut canonical_headers = String::new();
        let mut rest = other_headers.lines();
        for name in &sig.signed_headers {
            if name == "host" {
                canonical_headers.push_str(&format!("host:{host}\n"));
            } else if let Some(line) = rest.next() {
                canonical_headers.push_str(line);
                canonical_headers.push('\n');
            }
        }
        let canonical = format!("{}\n{}\n{}\n{}\n{}\n{}", c.method, path, query, canonical_headers, sig.signed_headers.join(";"), payload);
        let to_sign = format!("AWS4-HMAC-SHA256\n{}\n{scope}\n{}", sig.amz_date, hex::encode(sha256(canonical.as_bytes())));
        let want = hex::encode(hmac_sha256(&key, to_sign.as_bytes()));
        if ct_eq(want.as_bytes(), sig.signature.as_bytes()) {
            return Ok(key);
        }
    }
    Err(S3Error::SignatureDoesNotMatch(
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.".into(),
    ))
}

/// Verifies the signatures of `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` chunks, each chained to the
/// previous one starting from the request's signature.
#[derive(Clone)]
pub struct ChunkSigner {
    pub key: [u8; 32],
    pub amz_date: String,
    pub scope: String,
    pub previous: String,
}

const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

impl ChunkSigner {
    /// Checks one chunk's signature given the SHA-256 of its data.
    pub fn verify_chunk(&mut self, data_sha256: &[u8], signature: &str) -> S3Result<()> {
        let to_sign = format!(
            "AWS4-HMAC-SHA256-PAYLOAD\n{}\n{}\n{}\n{EMPTY_SHA256}\n{}",
            self.amz_date,
            self.scope,
            self.previous,
            hex::encode(data_sha256)
        );
        self.check(&to_sign, signature)
    }

    /// Checks the trailer signature over the canonical trailer lines (`name:value\n`).
    pub fn verify_trailer(&mut self, trailer: &str, signature: &str) -> S3Result<()> {
        let to_sign = format!(
            "AWS4-HMAC-SHA256-TRAILER\n{}\n{}\n{}\n{}",
            self.amz_date,
            self.scope,
            self.previous,
            hex::encode(sha256(trailer.as_bytes()))
        );
        self.check(&to_sign, signature)
    }

    fn check(&mut self, to_sign: &str, signature: &str) -> S3Result<()> {
        let want = hex::encode(hmac_sha256(&self.key, to_sign.as_bytes()));
        if !ct_eq(want.as_bytes(), signature.to_lowercase().as_bytes()) {
            return Err(S3Error::SignatureDoesNotMatch("The chunk signature we calculated does not match the signature you provided.".into()));
        }
        self.previous = want;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    /// The GET Object example of AWS's S3 SigV4 documentation.
    #[test]
    fn s3_documented_get_object() {
        let mut h = HeaderMap::new();
        h.insert("range", HeaderValue::from_static("bytes=0-9"));
        h.insert("x-amz-content-sha256", HeaderValue::from_static(EMPTY_SHA256));
        h.insert("x-amz-date", HeaderValue::from_static("20130524T000000Z"));
        h.insert("authorization", HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
        let sig = parse(&h, &[]).unwrap().unwrap();
        let c = Canonical {
            method: "GET",
            query: &[],
            headers: &h,
            candidates: vec![("wrong.example".into(), "/test.txt".into()), ("examplebucket.s3.amazonaws.com".into(), "/test.txt".into())],
        };
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        assert!(verify(&c, &sig, secret).is_ok());
        assert!(verify(&c, &sig, "nope").is_err());
        let now = auth::sigv4::parse_amz_date("20130524T000000Z").unwrap();
        assert!(check_time(&sig, now + 60).is_ok());
        assert_eq!(check_time(&sig, now + 3600), Err(S3Error::RequestTimeTooSkewed));
    }

    /// The presigned URL example of the same documentation.
    #[test]
    fn s3_documented_presigned_url() {
        let q: Vec<(String, String)> = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"),
            ("X-Amz-Date", "20130524T000000Z"),
            ("X-Amz-Expires", "86400"),
            ("X-Amz-SignedHeaders", "host"),
            ("X-Amz-Signature", "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let h = HeaderMap::new();
        let sig = parse(&h, &q).unwrap().unwrap();
        let c = Canonical {
            method: "GET",
            query: &q,
            headers: &h,
            candidates: vec![("examplebucket.s3.amazonaws.com".into(), "/test.txt".into())],
        };
        assert!(verify(&c, &sig, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY").is_ok());
        let now = auth::sigv4::parse_amz_date("20130524T000000Z").unwrap();
        assert!(check_time(&sig, now + 86_000).is_ok());
        assert!(check_time(&sig, now + 86_401).is_err());
    }

    /// The chunked upload example (first chunk signature) of the S3 streaming documentation.
    #[test]
    fn s3_documented_chunk_signature() {
        let sig = Signature {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            date: "20130524".into(),
            region: "us-east-1".into(),
            service: "s3".into(),
            signed_headers: vec![],
            signature: String::new(),
            amz_date: "20130524T000000Z".into(),
            expires: None,
            security_token: None,
        };
        let mut signer = ChunkSigner {
            key: sig.signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            amz_date: sig.amz_date.clone(),
            scope: sig.scope(),
            previous: "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9".into(),
        };
        let data = vec![b'a'; 65536];
        signer.verify_chunk(&sha256(&data), "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648").unwrap();
        signer.verify_chunk(&sha256(&[b'a'; 1024]), "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497").unwrap();
        signer.verify_chunk(&sha256(b""), "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9").unwrap();
        assert!(signer.verify_chunk(&sha256(b""), "00").is_err());
    }
}
