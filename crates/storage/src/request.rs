//! From an HTTP request to an S3 operation: addressing (path-style under `/s3/` or at the root,
//! virtual-hosted `<bucket>.<host>`), the decoded key and query, and which operation
//! ([`Op`]) the method and sub-resources select.

use axum::http::{HeaderMap, Method};

use crate::error::{S3Error, S3Result};

/// The path prefix of the S3 endpoint written to `custom.ampstack.storage_endpoint`.
pub const PREFIX: &str = "/s3";

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    ListBuckets,
    HeadBucket,
    GetBucketLocation,
    ListObjectsV2,
    ListObjectsV1,
    ListMultipartUploads,
    DeleteObjects,
    GetObject,
    HeadObject,
    PutObject,
    CopyObject,
    DeleteObject,
    CreateMultipartUpload,
    UploadPart { part: u32, upload_id: String },
    UploadPartCopy { part: u32, upload_id: String },
    CompleteMultipartUpload { upload_id: String },
    AbortMultipartUpload { upload_id: String },
    ListParts { upload_id: String },
}

/// A parsed S3 request.
#[derive(Debug, Clone)]
pub struct S3Request {
    pub method: Method,
    pub bucket: Option<String>,
    /// The decoded object key (empty for bucket operations).
    pub key: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    /// (host, canonical URI) pairs a client may have signed for this request.
    pub signed_as: Vec<(String, String)>,
    pub op: Op,
}

impl S3Request {
    pub fn q(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    pub fn has(&self, name: &str) -> bool {
        self.query.iter().any(|(k, _)| k == name)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// `/bucket/key` for error `Resource` elements.
    pub fn resource(&self) -> String {
        match &self.bucket {
            Some(b) if self.key.is_empty() => format!("/{b}"),
            Some(b) => format!("/{b}/{}", self.key),
            None => "/".into(),
        }
    }
}

/// Percent-decoding; `plus_is_space` for query components (`URLSearchParams` writes spaces as `+`).
pub fn percent_decode(s: &str, plus_is_space: bool) -> S3Result<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let v = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match v {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| S3Error::InvalidArgument("the request contains invalid UTF-8".into()))
}

pub fn parse_query(q: &str) -> S3Result<Vec<(String, String)>> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Ok((percent_decode(k, true)?, percent_decode(v, true)?))
        })
        .collect()
}

/// Parses a request. `buckets` are the physical bucket names being served (for virtual hosts).
pub fn parse(method: Method, raw_path: &str, raw_query: &str, headers: HeaderMap, buckets: &[String]) -> S3Result<S3Request> {
    let host = headers.get("host").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let hostname = host.rsplit_once(':').filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit())).map(|(h, _)| h).unwrap_or(&host);
    let virtual_bucket = buckets
        .iter()
        .find(|b| hostname.len() > b.len() && hostname.starts_with(b.as_str()) && hostname.as_bytes()[b.len()] == b'.')
        .cloned();
    let (bucket, key_path, mut signed_as) = match virtual_bucket {
        Some(b) => {
            let key_path = if raw_path.is_empty() { "/".to_string() } else { raw_path.to_string() };
            (Some(b), key_path.clone(), vec![(host.clone(), key_path)])
        }
        None => {
            let rest = match raw_path.strip_prefix(PREFIX) {
                Some(r) if r.is_empty() || r.starts_with('/') => r,
                _ => raw_path,
            };
            let rest = rest.strip_prefix('/').unwrap_or(rest);
            let (b, k) = match rest.split_once('/') {
                Some((b, k)) => (b, format!("/{k}")),
                None => (rest, "/".to_string()),
            };
            let bucket = (!b.is_empty()).then(|| b.to_string());
            let mut signed = vec![(host.clone(), if raw_path.is_empty() { "/".into() } else { raw_path.to_string() })];
            if let Some(b) = &bucket {
                // What the aws-amplify client signs: virtual-hosted on AWS, or path-style for
                // dotted bucket names. The region comes from the credential scope later.
                signed.push((format!("{b}.s3.{{region}}.amazonaws.com"), k.clone()));
                signed.push(("s3.{region}.amazonaws.com".to_string(), format!("/{b}{}", if k == "/" { "" } else { &k })));
            }
            (bucket, k, signed)
        }
    };
    signed_as.dedup();
    let key = percent_decode(&key_path[1..], false)?;
    if key.len() > 1024 {
        return Err(S3Error::KeyTooLong);
    }
    let query = parse_query(raw_query)?;
    let mut req = S3Request {
        method,
        bucket,
        key,
        query,
        headers,
        signed_as,
        op: Op::ListBuckets,
    };
    req.op = select(&req)?;
    Ok(req)
}

fn select(r: &S3Request) -> S3Result<Op> {
    let m = &r.method;
    let upload_id = r.q("uploadId").map(String::from);
    let part = || -> S3Result<u32> {
        let n: u32 = r
            .q("partNumber")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| S3Error::InvalidArgument("Part number must be an integer between 1 and 10000, inclusive".into()))?;
        if !(1..=10_000).contains(&n) {
            return Err(S3Error::InvalidArgument("Part number must be an integer between 1 and 10000, inclusive".into()));
        }
        Ok(n)
    };
    if r.bucket.is_none() {
        return match *m {
            Method::GET => Ok(Op::ListBuckets),
            _ => Err(S3Error::MethodNotAllowed),
        };
    }
    if r.key.is_empty() {
        return Ok(match *m {
            Method::GET if r.has("location") => Op::GetBucketLocation,
            Method::GET if r.has("uploads") => Op::ListMultipartUploads,
            Method::GET if r.q("list-type") == Some("2") => Op::ListObjectsV2,
            Method::GET
                if r.query
                    .iter()
                    .any(|(k, _)| ["cors", "policy", "acl", "versioning", "tagging", "lifecycle", "website", "encryption"].contains(&k.as_str())) =>
            {
                return Err(S3Error::NotImplemented("This bucket sub-resource is not supported by Ampstack".into()))
            }
            Method::GET => Op::ListObjectsV1,
            Method::HEAD => Op::HeadBucket,
            Method::POST if r.has("delete") => Op::DeleteObjects,
            _ => return Err(S3Error::NotImplemented("Buckets are declared with defineStorage; this bucket operation is not supported".into())),
        });
    }
    let copy = r.headers.contains_key("x-amz-copy-source");
    Ok(match (m, upload_id) {
        (&Method::GET, Some(upload_id)) => Op::ListParts { upload_id },
        (&Method::GET, None) => Op::GetObject,
        (&Method::HEAD, _) => Op::HeadObject,
        (&Method::PUT, Some(upload_id)) if copy => Op::UploadPartCopy { part: part()?, upload_id },
        (&Method::PUT, Some(upload_id)) => Op::UploadPart { part: part()?, upload_id },
        (&Method::PUT, None) if copy => Op::CopyObject,
        (&Method::PUT, None) => Op::PutObject,
        (&Method::DELETE, Some(upload_id)) => Op::AbortMultipartUpload { upload_id },
        (&Method::DELETE, None) => Op::DeleteObject,
        (&Method::POST, None) if r.has("uploads") => Op::CreateMultipartUpload,
        (&Method::POST, Some(upload_id)) => Op::CompleteMultipartUpload { upload_id },
        _ => return Err(S3Error::MethodNotAllowed),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, path: &str, query: &str, host: &str) -> S3Request {
        let mut h = HeaderMap::new();
        h.insert("host", host.parse().unwrap());
        parse(method, path, query, h, &["amplify-b-1".to_string()]).unwrap()
    }

    #[test]
    fn addressing() {
        let r = req(Method::GET, "/s3/amplify-b-1/private/us-east-1%3Aab/p%20q.bin", "x-id=GetObject", "127.0.0.1:20002");
        assert_eq!(r.bucket.as_deref(), Some("amplify-b-1"));
        assert_eq!(r.key, "private/us-east-1:ab/p q.bin");
        assert_eq!(r.op, Op::GetObject);
        assert!(r.signed_as.contains(&("amplify-b-1.s3.{region}.amazonaws.com".into(), "/private/us-east-1%3Aab/p%20q.bin".into())));
        let r = req(Method::GET, "/amplify-b-1", "list-type=2&prefix=a+b%2F", "127.0.0.1:20002");
        assert_eq!(r.op, Op::ListObjectsV2);
        assert_eq!(r.q("prefix"), Some("a b/"));
        let r = req(Method::PUT, "/k/x", "partNumber=3&uploadId=u", "amplify-b-1.localhost:20002");
        assert_eq!((r.bucket.as_deref(), r.key.as_str()), (Some("amplify-b-1"), "k/x"));
        assert_eq!(r.op, Op::UploadPart { part: 3, upload_id: "u".into() });
        assert_eq!(req(Method::POST, "/s3/amplify-b-1", "delete=", "h").op, Op::DeleteObjects);
        assert_eq!(req(Method::GET, "/s3", "", "h").op, Op::ListBuckets);
        assert_eq!(percent_decode("100%", false).unwrap(), "100%");
    }
}
