//! ListObjectsV2 (and V1), ListBuckets, GetBucketLocation.
//!
//! Listing walks the store's key-ordered range for the prefix page by page. With a delimiter,
//! each common prefix found makes the walk jump past every key under it, so a folder holding a
//! million objects costs one row, not a million. Results contain only what the caller may list;
//! the echoed elements follow S3 exactly (aws-amplify rejects a listing whose `Prefix`,
//! `MaxKeys`, `Delimiter`, `ContinuationToken` or `KeyCount` do not match its request).

use axum::response::Response;
use base64::Engine;

use crate::access::Action;
use crate::error::{S3Error, S3Result};
use crate::meta::{self, ObjectMeta};
use crate::objects::xml_response;
use crate::time::iso8601;
use crate::xml::{escape, NS};
use crate::{Call, Service};

/// Sorts after every key that starts with the string it is appended to.
const PAST: char = '\u{10FFFF}';

enum Entry {
    Object(String, ObjectMeta),
    Prefix(String),
}

/// Where a listing resumes: after a key, or past everything under a common prefix.
fn encode_token(e: &Entry) -> String {
    let raw = match e {
        Entry::Object(k, _) => format!("K{k}"),
        Entry::Prefix(p) => format!("P{p}"),
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn decode_token(t: &str) -> S3Result<String> {
    let bad = || S3Error::InvalidArgument("The continuation token provided is incorrect".into());
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(t.trim_end_matches('=')).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    match raw.split_at_checked(1) {
        Some(("K", k)) => Ok(k.to_string()),
        Some(("P", p)) => Ok(format!("{p}{PAST}")),
        _ => Err(bad()),
    }
}

struct Listing {
    entries: Vec<Entry>,
    truncated: bool,
}

/// Collects up to `max` entries under `prefix` after `after`.
async fn walk(call: &Call<'_>, prefix: &str, delimiter: Option<&str>, mut after: Option<String>, max: usize) -> S3Result<Listing> {
    let store = call.svc.ctx.store.as_ref();
    let mut entries = Vec::new();
    if max == 0 {
        return Ok(Listing { entries, truncated: false });
    }
    'scan: loop {
        let want = (max - entries.len() + 1).min(1000);
        let batch = meta::scan(store, &call.bucket, prefix, after.as_deref(), want).await?;
        let exhausted = batch.len() < want;
        for (key, m) in batch {
            if entries.len() == max {
                return Ok(Listing { entries, truncated: true });
            }
            let rest = &key[prefix.len()..];
            if let Some(i) = delimiter.filter(|d| !d.is_empty()).and_then(|d| rest.find(d).map(|i| i + d.len())) {
                let cp = key[..prefix.len() + i].to_string();
                after = Some(format!("{cp}{PAST}"));
                if call.policy.allows(Action::List, &cp) {
                    entries.push(Entry::Prefix(cp));
                }
                continue 'scan;
            }
            after = Some(key.clone());
            if call.policy.allows(Action::List, &key) {
                entries.push(Entry::Object(key, m));
            }
        }
        if exhausted {
            return Ok(Listing { entries, truncated: false });
        }
        if entries.len() == max {
            let more = !meta::scan(store, &call.bucket, prefix, after.as_deref(), 1).await?.is_empty();
            return Ok(Listing { entries, truncated: more });
        }
    }
}

pub async fn list_objects(call: &Call<'_>, v2: bool) -> S3Result<Response> {
    let r = call.req;
    let prefix = r.q("prefix").unwrap_or("").to_string();
    let delimiter = r.q("delimiter").map(String::from);
    let max_keys: i64 = match r.q("max-keys") {
        Some(v) => v.parse().map_err(|_| S3Error::InvalidArgument("Provided max-keys not an integer or within integer range".into()))?,
        None => 1000,
    };
    if max_keys < 0 {
        return Err(S3Error::InvalidArgument("max-keys cannot be negative".into()));
    }
    let url = match r.q("encoding-type") {
        Some("url") => true,
        Some(other) => return Err(S3Error::InvalidArgument(format!("Invalid Encoding Method specified in Request: {other}"))),
        None => false,
    };
    call.require(Action::List, &prefix)?;
    let token = if v2 { r.q("continuation-token") } else { None };
    let start_after = if v2 { r.q("start-after") } else { r.q("marker") };
    let after = match token {
        Some(t) => Some(decode_token(t)?),
        None => start_after.filter(|s| !s.is_empty()).map(String::from),
    };
    let listing = walk(call, &prefix, delimiter.as_deref(), after, max_keys.min(1000) as usize).await?;
    let enc = |s: &str| if url { escape(&auth::sigv4::uri_encode(s, true)) } else { escape(s) };
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"{NS}\"><Name>{}</Name><Prefix>{}</Prefix>",
        escape(&call.bucket),
        enc(&prefix)
    );
    if let Some(d) = &delimiter {
        x.push_str(&format!("<Delimiter>{}</Delimiter>", enc(d)));
    }
    x.push_str(&format!("<MaxKeys>{max_keys}</MaxKeys>"));
    if url {
        x.push_str("<EncodingType>url</EncodingType>");
    }
    x.push_str(&format!("<IsTruncated>{}</IsTruncated>", listing.truncated));
    if v2 {
        x.push_str(&format!("<KeyCount>{}</KeyCount>", listing.entries.len()));
        if let Some(t) = token {
            x.push_str(&format!("<ContinuationToken>{}</ContinuationToken>", escape(t)));
        }
        if listing.truncated {
            if let Some(last) = listing.entries.last() {
                x.push_str(&format!("<NextContinuationToken>{}</NextContinuationToken>", encode_token(last)));
            }
        }
        if let Some(s) = start_after {
            x.push_str(&format!("<StartAfter>{}</StartAfter>", enc(s)));
        }
    } else {
        x.push_str(&format!("<Marker>{}</Marker>", enc(start_after.unwrap_or(""))));
        if listing.truncated && delimiter.is_some() {
            let next = match listing.entries.last() {
                Some(Entry::Object(k, _)) | Some(Entry::Prefix(k)) => k.clone(),
                None => String::new(),
            };
            x.push_str(&format!("<NextMarker>{}</NextMarker>", enc(&next)));
        }
    }
    for e in &listing.entries {
        if let Entry::Object(k, m) = e {
            x.push_str(&format!(
                "<Contents><Key>{}</Key><LastModified>{}</LastModified><ETag>{}</ETag>",
                enc(k),
                iso8601(m.last_modified),
                escape(&m.quoted_etag())
            ));
            if let Some((a, _)) = &m.checksum {
                x.push_str(&format!(
                    "<ChecksumAlgorithm>{a}</ChecksumAlgorithm><ChecksumType>{}</ChecksumType>",
                    m.checksum_type.as_deref().unwrap_or("FULL_OBJECT")
                ));
            }
            x.push_str(&format!("<Size>{}</Size><StorageClass>STANDARD</StorageClass></Contents>", m.size));
        }
    }
    for e in &listing.entries {
        if let Entry::Prefix(p) = e {
            x.push_str(&format!("<CommonPrefixes><Prefix>{}</Prefix></CommonPrefixes>", enc(p)));
        }
    }
    x.push_str("</ListBucketResult>");
    Ok(xml_response(x))
}

pub fn list_buckets(svc: &Service) -> Response {
    let mut x = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListAllMyBucketsResult xmlns=\"{NS}\"><Owner><ID>ampstack</ID><DisplayName>ampstack</DisplayName></Owner><Buckets>");
    for b in svc.bucket_names() {
        x.push_str(&format!("<Bucket><Name>{}</Name><CreationDate>{}</CreationDate></Bucket>", escape(&b), iso8601(0)));
    }
    x.push_str("</Buckets></ListAllMyBucketsResult>");
    xml_response(x)
}

pub fn location(call: &Call<'_>) -> Response {
    let region = &call.svc.ctx.ids.region;
    let value = if region == "us-east-1" { String::new() } else { escape(region) };
    xml_response(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"{NS}\">{value}</LocationConstraint>"))
}
