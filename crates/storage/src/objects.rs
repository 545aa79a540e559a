//! Single-object operations: PutObject, GetObject/HeadObject (ranges, conditionals, response
//! header overrides), DeleteObject, DeleteObjects and CopyObject (across buckets too).

use crate::events::ObjectEvent;
use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::access::Action;
use crate::blobs;
use crate::body::{receive, Received};
use crate::checksum::{self, Algorithm};
use crate::error::{S3Error, S3Result};
use crate::meta::{self, ObjectMeta};
use crate::time::{http_date, iso8601, now_ms, parse_http_date};
use crate::xml::{escape, NS};
use crate::Call;

/// Object headers S3 stores and returns as sent.
pub const STORED_HEADERS: [&str; 6] = ["content-type", "cache-control", "content-disposition", "content-encoding", "content-language", "expires"];

/// The stored headers and `x-amz-meta-*` of a request.
pub fn object_headers(h: &HeaderMap) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut headers = BTreeMap::new();
    for name in STORED_HEADERS {
        if let Some(v) = h.get(name).and_then(|v| v.to_str().ok()) {
            // aws-chunked is transfer framing, not part of the object's encoding.
            if name == "content-encoding" {
                let rest: Vec<&str> = v.split(',').map(str::trim).filter(|e| !e.is_empty() && *e != "aws-chunked").collect();
                if !rest.is_empty() {
                    headers.insert(name.to_string(), rest.join(", "));
                }
                continue;
            }
            headers.insert(name.to_string(), v.to_string());
        }
    }
    let mut user = BTreeMap::new();
    for (name, v) in h {
        if let Some(k) = name.as_str().strip_prefix("x-amz-meta-") {
            user.insert(k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned());
        }
    }
    (headers, user)
}

/// The checksum algorithm the client asked for, and the value it sent in a header, if any.
pub fn requested_checksum(h: &HeaderMap) -> S3Result<(Option<Algorithm>, Option<String>)> {
    for a in Algorithm::ALL {
        if let Some(v) = h.get(a.header()).and_then(|v| v.to_str().ok()) {
            return Ok((Some(a), Some(v.to_string())));
        }
    }
    for name in ["x-amz-trailer", "x-amz-sdk-checksum-algorithm", "x-amz-checksum-algorithm"] {
        if let Some(v) = h.get(name).and_then(|v| v.to_str().ok()) {
            let a = Algorithm::parse(v).ok_or_else(|| S3Error::InvalidRequest(format!("unsupported checksum algorithm {v:?}")))?;
            return Ok((Some(a), None));
        }
    }
    Ok((None, None))
}

/// Receives the body into a new blob of the call's bucket, checks every digest the client sent,
/// and commits the blob (durable, not yet visible); returns its id.
pub async fn receive_checked(call: &Call<'_>, body: Body) -> S3Result<(String, Received)> {
    let (algo, sent) = requested_checksum(&call.req.headers)?;
    let payload = call.payload()?;
    // If the client goes away mid-upload hyper drops this future, and the writer with it: an
    // uncommitted blob leaves nothing behind under its id.
    let mut w = call.svc.blobs.create(&call.bucket).await?;
    let checked = async {
        let r = receive(body, payload, algo, &mut w).await?;
        check_digests(call, sent, &r)?;
        Ok(r)
    }
    .await;
    match checked {
        Ok(r) => Ok((w.commit().await?, r)),
        Err(e) => {
            w.abort().await;
            Err(e)
        }
    }
}

/// Receives a body the client declared to be at most [`meta::INLINE_MAX`] bytes into memory.
async fn receive_small(call: &Call<'_>, body: Body) -> S3Result<(Vec<u8>, Received)> {
    let (algo, sent) = requested_checksum(&call.req.headers)?;
    let mut bytes = Vec::with_capacity(meta::INLINE_MAX as usize);
    let r = receive(body, call.payload()?, algo, &mut bytes).await?;
    check_digests(call, sent, &r)?;
    Ok((bytes, r))
}

/// The object size a PutObject declares: the decoded length of an aws-chunked body, else
/// Content-Length (`None` for a body of unknown length).
fn declared_size(call: &Call<'_>) -> Option<u64> {
    let chunked = call.req.header("x-amz-content-sha256").is_some_and(|v| v.starts_with("STREAMING-"));
    let name = if chunked { "x-amz-decoded-content-length" } else { "content-length" };
    call.req.header(name).and_then(|v| v.trim().parse().ok())
}

/// Content-MD5, and the requested checksum against the value sent in a header or the trailer.
fn check_digests(call: &Call<'_>, sent: Option<String>, r: &Received) -> S3Result<()> {
    if let Some(md5) = call.req.header("content-md5") {
        let want = checksum::b64_decode(md5).filter(|d| d.len() == 16).ok_or(S3Error::InvalidDigest)?;
        if want != r.md5 {
            return Err(S3Error::BadDigest("The Content-MD5 you specified did not match what we received.".into()));
        }
    }
    if let Some((a, computed)) = &r.checksum {
        let from_trailer = r.trailer.iter().find(|(k, _)| *k == a.header()).map(|(_, v)| v.clone());
        if let Some(v) = sent.as_ref().or(from_trailer.as_ref()) {
            checksum::expect(*a, v, computed)?;
        }
    }
    Ok(())
}

/// Makes `meta` visible at `key` (honouring `If-None-Match: *`) and drops the replaced blob.
pub async fn publish(call: &Call<'_>, key: &str, meta: &ObjectMeta) -> S3Result<()> {
    let store = call.svc.ctx.store.as_ref();
    if call.req.header("if-none-match").map(str::trim) == Some("*") {
        if !meta::put_new(store, &call.bucket, key, meta).await? {
            // A multipart object's blobs still belong to its upload, which stays open (S3 lets
            // the client complete it again).
            if meta.parts == 0 {
                blobs::remove_all(&call.svc.blobs, &call.bucket, &meta.segments()).await;
            }
            return Err(S3Error::PreconditionFailed);
        }
        return Ok(());
    }
    if let Some(old) = meta::put(store, &call.bucket, key, meta).await? {
        let kept = meta.segments();
        let gone: Vec<_> = old.segments().into_iter().filter(|s| !kept.contains(s)).collect();
        blobs::remove_all(&call.svc.blobs, &call.bucket, &gone).await;
    }
    Ok(())
}

pub async fn put(call: &Call<'_>, body: Body) -> S3Result<Response> {
    let key = call.req.key.clone();
    call.require(Action::Write, &key)?;
    // Small objects go into their metadata row: no blob, one durable commit.
    let (blob, inline, r) = if declared_size(call).is_some_and(|n| n <= meta::INLINE_MAX) {
        let (bytes, r) = receive_small(call, body).await?;
        (String::new(), Some(checksum::b64(&bytes)), r)
    } else {
        let (blob, r) = receive_checked(call, body).await?;
        (blob, None, r)
    };
    let (headers, user) = object_headers(&call.req.headers);
    let meta = ObjectMeta {
        size: r.size,
        etag: hex::encode(r.md5),
        last_modified: now_ms(),
        blob,
        segments: vec![],
        inline,
        headers,
        user,
        checksum: r.checksum.as_ref().map(|(a, v)| (a.name().to_string(), v.clone())),
        checksum_type: r.checksum.as_ref().map(|_| "FULL_OBJECT".to_string()),
        parts: 0,
    };
    publish(call, &key, &meta).await?;
    crate::events::notify(call, ObjectEvent::Put, &key, meta.size, &meta.etag).await;
    let mut resp = StatusCode::OK.into_response();
    resp.headers_mut().insert("etag", hv(&meta.quoted_etag()));
    if let Some((a, v)) = &r.checksum {
        resp.headers_mut().insert(axum::http::HeaderName::from_bytes(a.header().as_bytes()).expect("valid header name"), hv(v));
    }
    Ok(resp)
}

pub fn hv(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Evaluates If-Match / If-None-Match / If-(Un)Modified-Since in RFC 7232 order.
fn preconditions(h: &HeaderMap, m: &ObjectMeta, prefix: &str) -> S3Result<()> {
    let get = |n: &str| h.get(format!("{prefix}{n}")).and_then(|v| v.to_str().ok());
    let etag_in = |list: &str| list.split(',').map(|t| t.trim().trim_start_matches("W/").trim_matches('"')).any(|t| t == "*" || t == m.etag);
    let modified = m.last_modified / 1000;
    if let Some(v) = get("if-match") {
        if !etag_in(v) {
            return Err(S3Error::PreconditionFailed);
        }
    } else if let Some(t) = get("if-unmodified-since").and_then(parse_http_date) {
        if modified > t {
            return Err(S3Error::PreconditionFailed);
        }
    }
    if let Some(v) = get("if-none-match") {
        if etag_in(v) {
            return Err(if prefix.is_empty() { S3Error::NotModified } else { S3Error::PreconditionFailed });
        }
    } else if let Some(t) = get("if-modified-since").and_then(parse_http_date) {
        if modified <= t {
            return Err(if prefix.is_empty() { S3Error::NotModified } else { S3Error::PreconditionFailed });
        }
    }
    Ok(())
}

/// `bytes=a-b`, `bytes=a-`, `bytes=-n` → inclusive (start, end); `None` when absent or ignorable.
fn parse_range(v: &str, size: u64) -> S3Result<Option<(u64, u64)>> {
    let Some(spec) = v.trim().strip_prefix("bytes=") else { return Ok(None) };
    if spec.contains(',') {
        return Ok(None); // S3 ignores multi-range requests and returns the whole object.
    }
    let (a, b) = spec.split_once('-').ok_or(S3Error::InvalidRange)?;
    let (a, b) = (a.trim(), b.trim());
    let range = if a.is_empty() {
        let n: u64 = b.parse().map_err(|_| S3Error::InvalidRange)?;
        if n == 0 || size == 0 {
            return Err(S3Error::InvalidRange);
        }
        (size.saturating_sub(n), size - 1)
    } else {
        let start: u64 = a.parse().map_err(|_| S3Error::InvalidRange)?;
        let end = if b.is_empty() {
            size.saturating_sub(1)
        } else {
            b.parse::<u64>().map_err(|_| S3Error::InvalidRange)?.min(size.saturating_sub(1))
        };
        if start >= size || end < start {
            return Err(S3Error::InvalidRange);
        }
        (start, end)
    };
    Ok(Some(range))
}

pub async fn get(call: &Call<'_>, head: bool) -> S3Result<Response> {
    let key = &call.req.key;
    call.require(Action::Get, key)?;
    let m = meta::get(call.svc.ctx.store.as_ref(), &call.bucket, key).await?.ok_or_else(|| S3Error::NoSuchKey(key.clone()))?;
    preconditions(&call.req.headers, &m, "")?;
    let range = match call.req.header("range") {
        Some(r) => parse_range(r, m.size)?,
        None => None,
    };
    let mut resp = if head {
        StatusCode::OK.into_response()
    } else {
        let (start, len) = range.map(|(a, b)| (a, b - a + 1)).unwrap_or((0, m.size));
        let stream = object_stream(call, &call.bucket, &m, start, len).await?;
        let mut r = Body::from_stream(stream).into_response();
        if range.is_some() {
            *r.status_mut() = StatusCode::PARTIAL_CONTENT;
        }
        r
    };
    let h = resp.headers_mut();
    let len = range.map(|(a, b)| b - a + 1).unwrap_or(m.size);
    h.insert("content-length", hv(&len.to_string()));
    if let Some((a, b)) = range {
        h.insert("content-range", hv(&format!("bytes {a}-{b}/{}", m.size)));
    }
    h.insert("accept-ranges", HeaderValue::from_static("bytes"));
    h.insert("etag", hv(&m.quoted_etag()));
    h.insert("last-modified", hv(&http_date(m.last_modified)));
    h.insert("content-type", hv(m.content_type()));
    for (k, v) in &m.headers {
        if k != "content-type" {
            if let Ok(name) = axum::http::HeaderName::from_bytes(k.as_bytes()) {
                h.insert(name, hv(v));
            }
        }
    }
    for (k, v) in &m.user {
        if let Ok(name) = axum::http::HeaderName::from_bytes(format!("x-amz-meta-{k}").as_bytes()) {
            h.insert(name, hv(v));
        }
    }
    if m.parts > 0 {
        h.insert("x-amz-mp-parts-count", hv(&m.parts.to_string()));
    }
    if call.req.header("x-amz-checksum-mode").map(|v| v.eq_ignore_ascii_case("enabled")).unwrap_or(false) && range.is_none() {
        if let Some((a, v)) = &m.checksum {
            if let Some(a) = Algorithm::parse(a) {
                h.insert(axum::http::HeaderName::from_bytes(a.header().as_bytes()).expect("valid header name"), hv(v));
                h.insert("x-amz-checksum-type", hv(m.checksum_type.as_deref().unwrap_or("FULL_OBJECT")));
            }
        }
    }
    // response-content-type and friends override stored headers (signed requests only, as on S3).
    for (q, name) in [
        ("response-content-type", "content-type"),
        ("response-content-language", "content-language"),
        ("response-expires", "expires"),
        ("response-cache-control", "cache-control"),
        ("response-content-disposition", "content-disposition"),
        ("response-content-encoding", "content-encoding"),
    ] {
        if let Some(v) = call.req.q(q) {
            h.insert(name, hv(v));
        }
    }
    Ok(resp)
}

pub async fn delete(call: &Call<'_>) -> S3Result<Response> {
    let key = &call.req.key;
    call.require(Action::Delete, key)?;
    if let Some(old) = meta::delete(call.svc.ctx.store.as_ref(), &call.bucket, key).await? {
        blobs::remove_all(&call.svc.blobs, &call.bucket, &old.segments()).await;
        crate::events::notify(call, ObjectEvent::Delete, key, 0, "").await;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Reads a small XML request body (DeleteObjects, CompleteMultipartUpload), checking Content-MD5.
pub async fn small_body(call: &Call<'_>, body: Body) -> S3Result<String> {
    let bytes = axum::body::to_bytes(body, 4 * 1024 * 1024)
        .await
        .map_err(|_| S3Error::InvalidRequest("the request body is too large".into()))?;
    if let Some(md5) = call.req.header("content-md5") {
        let mut h = checksum::Md5::new();
        h.update(&bytes);
        if checksum::b64_decode(md5).as_deref() != Some(h.finish().as_slice()) {
            return Err(S3Error::BadDigest("The Content-MD5 you specified did not match what we received.".into()));
        }
    }
    if let Some(want) = call.req.header("x-amz-content-sha256").filter(|v| v.len() == 64) {
        if hex::encode(auth::crypto::sha256(&bytes)) != want.to_lowercase() {
            return Err(S3Error::BadDigest("The provided 'x-amz-content-sha256' header does not match what was computed.".into()));
        }
    }
    String::from_utf8(bytes.to_vec()).map_err(|_| S3Error::MalformedXML)
}

pub async fn delete_objects(call: &Call<'_>, body: Body) -> S3Result<Response> {
    let xml = small_body(call, body).await?;
    let quiet = crate::xml::child(&xml, "Quiet")?.map(|q| q.trim() == "true").unwrap_or(false);
    let objects = crate::xml::elements(&xml, "Object")?;
    if objects.len() > 1000 {
        return Err(S3Error::MalformedXML);
    }
    let mut out = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteResult xmlns=\"{NS}\">");
    for obj in objects {
        let key = crate::xml::child(obj, "Key")?.ok_or(S3Error::MalformedXML)?;
        if !call.policy.allows(Action::Delete, &key) {
            let e = S3Error::AccessDenied("Access Denied".into());
            out.push_str(&format!(
                "<Error><Key>{}</Key><Code>{}</Code><Message>{}</Message></Error>",
                escape(&key),
                e.code(),
                escape(&e.message())
            ));
            continue;
        }
        if let Some(old) = meta::delete(call.svc.ctx.store.as_ref(), &call.bucket, &key).await? {
            blobs::remove_all(&call.svc.blobs, &call.bucket, &old.segments()).await;
            crate::events::notify(call, ObjectEvent::Delete, &key, 0, "").await;
        }
        if !quiet {
            out.push_str(&format!("<Deleted><Key>{}</Key></Deleted>", escape(&key)));
        }
    }
    out.push_str("</DeleteResult>");
    Ok(xml_response(out))
}

pub fn xml_response(body: String) -> Response {
    ([("content-type", "application/xml")], body).into_response()
}

/// `x-amz-copy-source`: `bucket/key` or `/bucket/key`, URL-encoded by SDKs but not by aws-amplify;
/// returns (bucket, candidate keys: decoded first, then raw).
pub fn copy_source(v: &str) -> S3Result<(String, Vec<String>)> {
    let v = v.split_once("?versionId=").map(|(a, _)| a).unwrap_or(v);
    let v = v.strip_prefix('/').unwrap_or(v);
    let (bucket, key) = v
        .split_once('/')
        .ok_or_else(|| S3Error::InvalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey".into()))?;
    let bucket = crate::request::percent_decode(bucket, false)?;
    let mut keys = vec![];
    if let Ok(k) = crate::request::percent_decode(key, false) {
        keys.push(k);
    }
    if !keys.contains(&key.to_string()) {
        keys.push(key.to_string());
    }
    Ok((bucket, keys))
}

/// Finds the copy source the caller may read; returns (bucket, key, metadata).
pub async fn resolve_source(call: &Call<'_>) -> S3Result<(String, String, ObjectMeta)> {
    let (bucket, keys) = copy_source(call.req.header("x-amz-copy-source").unwrap_or(""))?;
    let policy = call.policy_for(&bucket)?;
    let store = call.svc.ctx.store.as_ref();
    for key in &keys {
        if let Some(m) = meta::get(store, &bucket, key).await? {
            if !policy.allows(Action::Get, key) {
                return Err(S3Error::AccessDenied(policy.describe_denial(Action::Get, key)));
            }
            preconditions(&call.req.headers, &m, "x-amz-copy-source-")?;
            return Ok((bucket, key.clone(), m));
        }
    }
    let key = keys.into_iter().next().unwrap_or_default();
    if !policy.allows(Action::Get, &key) {
        return Err(S3Error::AccessDenied(policy.describe_denial(Action::Get, &key)));
    }
    Err(S3Error::NoSuchKey(key))
}

pub async fn copy(call: &Call<'_>) -> S3Result<Response> {
    let key = call.req.key.clone();
    call.require(Action::Write, &key)?;
    let (src_bucket, _src_key, src) = resolve_source(call).await?;
    let mut copies = Vec::new();
    for s in src.segments() {
        match call.svc.blobs.duplicate(&src_bucket, &s.blob, &call.bucket).await {
            Ok(blob) => copies.push(blobs::Segment { blob, size: s.size }),
            Err(e) => {
                blobs::remove_all(&call.svc.blobs, &call.bucket, &copies).await;
                return Err(e);
            }
        }
    }
    let (blob, segments) = if src.segments.is_empty() && !copies.is_empty() { (copies.remove(0).blob, vec![]) } else { (String::new(), copies) };
    let mut meta = ObjectMeta { blob, segments, last_modified: now_ms(), ..src };
    if call.req.header("x-amz-metadata-directive").map(|d| d.eq_ignore_ascii_case("REPLACE")).unwrap_or(false) {
        let (headers, user) = object_headers(&call.req.headers);
        meta.headers = headers;
        meta.user = user;
    }
    publish(call, &key, &meta).await?;
    crate::events::notify(call, ObjectEvent::Copy, &key, meta.size, &meta.etag).await;
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CopyObjectResult xmlns=\"{NS}\"><LastModified>{}</LastModified><ETag>{}</ETag></CopyObjectResult>",
        iso8601(meta.last_modified),
        escape(&meta.quoted_etag())
    );
    Ok(xml_response(body))
}

/// The bytes `start..start + len` of an object: from its row when inline, else its blobs.
pub async fn object_stream(call: &Call<'_>, bucket: &str, m: &ObjectMeta, start: u64, len: u64) -> S3Result<blobs::ByteStream> {
    use futures_util::StreamExt;
    if let Some(mut bytes) = m.inline_bytes() {
        let start = (start as usize).min(bytes.len());
        let end = (start + len as usize).min(bytes.len());
        bytes.truncate(end);
        bytes.drain(..start);
        return Ok(futures_util::stream::once(async move { Ok(bytes::Bytes::from(bytes)) }).boxed());
    }
    blobs::read_object(&call.svc.blobs, bucket, &m.segments(), start, len).await
}

/// Copies `len` bytes of the object `src` (in `bucket`) from `start` into a new committed blob
/// of the call's bucket; returns the blob and the MD5 of the bytes (UploadPartCopy).
pub async fn copy_range(call: &Call<'_>, bucket: &str, src: &ObjectMeta, start: u64, len: u64) -> S3Result<(String, [u8; 16])> {
    let from = object_stream(call, bucket, src, start, len).await?;
    let mut md5 = checksum::Md5::new();
    let (blob, _) = blobs::write_stream(&call.svc.blobs, &call.bucket, from, |b| md5.update(b)).await?;
    Ok((blob, md5.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100).unwrap(), Some((0, 9)));
        assert_eq!(parse_range("bytes=90-", 100).unwrap(), Some((90, 99)));
        assert_eq!(parse_range("bytes=-10", 100).unwrap(), Some((90, 99)));
        assert_eq!(parse_range("bytes=50-500", 100).unwrap(), Some((50, 99)));
        assert_eq!(parse_range("bytes=100-", 100), Err(S3Error::InvalidRange));
        assert_eq!(parse_range("items=1-2", 100).unwrap(), None);
    }

    #[test]
    fn copy_sources() {
        assert_eq!(copy_source("b/a%20b/c").unwrap(), ("b".into(), vec!["a b/c".into(), "a%20b/c".into()]));
        assert_eq!(copy_source("/b/k?versionId=1").unwrap(), ("b".into(), vec!["k".into()]));
        assert!(copy_source("nokey").is_err());
    }
}
