//! Multipart uploads: Create, UploadPart, UploadPartCopy, Complete (ETag `<md5 of part md5s>-N`),
//! Abort, ListParts, ListMultipartUploads.
//!
//! State is durable: the upload is an item in `s3uploads` (partition = bucket, sort = upload id),
//! each part an item in `s3parts` (partition = upload id, sort = zero-padded part number) naming
//! its own committed blob in the bucket. An acknowledged part survives a crash. Complete copies
//! no bytes: the object's metadata lists the chosen part blobs as its segments (GET streams them
//! in order) and is published like a PutObject; parts not chosen are removed.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::{Condition, Cursor, QuerySpec};

use crate::access::Action;
use crate::blobs::Segment;
use crate::checksum::{self, Algorithm, Hasher, Md5};
use crate::error::{S3Error, S3Result};
use crate::meta::ObjectMeta;
use crate::objects::{hv, object_headers, publish, receive_checked, requested_checksum, resolve_source, xml_response};
use crate::time::{iso8601, now_ms};
use crate::xml::{escape, NS};
use crate::Call;

const UPLOADS: &str = "s3uploads";
const PARTS: &str = "s3parts";
/// S3's minimum size of every part but the last.
const MIN_PART: u64 = 5 * 1024 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Upload {
    key: String,
    initiated: i64,
    headers: BTreeMap<String, String>,
    user: BTreeMap<String, String>,
    checksum_algorithm: Option<String>,
    checksum_type: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Part {
    etag: String,
    size: u64,
    blob: String,
    last_modified: i64,
    checksum: Option<String>,
}

fn part_sk(n: u32) -> String {
    format!("{n:05}")
}

async fn load_upload(call: &Call<'_>, upload_id: &str) -> S3Result<Upload> {
    let item = call.svc.ctx.store.get(UPLOADS, &call.bucket, upload_id).await?.ok_or(S3Error::NoSuchUpload)?;
    let upload: Upload = serde_json::from_value(item.data).map_err(|e| S3Error::Internal(e.to_string()))?;
    if upload.key != call.req.key {
        return Err(S3Error::NoSuchUpload);
    }
    Ok(upload)
}

pub async fn create(call: &Call<'_>) -> S3Result<Response> {
    let key = call.req.key.clone();
    call.require(Action::Write, &key)?;
    let (headers, user) = object_headers(&call.req.headers);
    let (algo, _) = requested_checksum(&call.req.headers)?;
    let checksum_type = algo.map(|a| {
        call.req
            .header("x-amz-checksum-type")
            .map(|t| t.to_ascii_uppercase())
            .unwrap_or_else(|| if a == Algorithm::Crc64nvme { "FULL_OBJECT".into() } else { "COMPOSITE".into() })
    });
    let upload = Upload {
        key: key.clone(),
        initiated: now_ms(),
        headers,
        user,
        checksum_algorithm: algo.map(|a| a.name().to_string()),
        checksum_type,
    };
    let id = uuid::Uuid::new_v4().simple().to_string();
    let data = serde_json::to_value(&upload).map_err(|e| S3Error::Internal(e.to_string()))?;
    call.svc.ctx.store.put(UPLOADS, &call.bucket, &id, data, &Condition::MustNotExist).await?;
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult xmlns=\"{NS}\"><Bucket>{}</Bucket><Key>{}</Key><UploadId>{id}</UploadId></InitiateMultipartUploadResult>",
        escape(&call.bucket),
        escape(&key)
    );
    x.shrink_to_fit();
    let mut resp = xml_response(x);
    if let Some(a) = &upload.checksum_algorithm {
        resp.headers_mut().insert("x-amz-checksum-algorithm", hv(a));
    }
    Ok(resp)
}

/// Records a part (its blob is committed), replacing an earlier upload of the same number.
///
/// The replaced part's blob is not removed here: a CompleteMultipartUpload running at the same
/// time may already have chosen it as a segment of the finished object. Once no object and no
/// open upload points at it, the orphan janitor removes it (after `AMPSTACK_ORPHAN_MIN_AGE_SECONDS`).
async fn save_part(call: &Call<'_>, upload_id: &str, n: u32, part: Part) -> S3Result<()> {
    let data = serde_json::to_value(&part).map_err(|e| S3Error::Internal(e.to_string()))?;
    call.svc.ctx.store.put(PARTS, upload_id, &part_sk(n), data, &Condition::None).await?;
    Ok(())
}

/// The blobs of every open upload's parts in `bucket` (the janitor keeps them).
pub(crate) async fn part_blobs(store: &dyn store::Store, bucket: &str) -> S3Result<Vec<String>> {
    let mut out = Vec::new();
    let uploads = page_all(store, UPLOADS, bucket).await?;
    for (upload_id, _) in uploads {
        for (_, data) in page_all(store, PARTS, &upload_id).await? {
            if let Ok(p) = serde_json::from_value::<Part>(data) {
                out.push(p.blob);
            }
        }
    }
    Ok(out)
}

/// Every item of one partition, page by page: (sort key, data).
async fn page_all(store: &dyn store::Store, table: &str, partition: &str) -> S3Result<Vec<(String, Value)>> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let spec = QuerySpec { partition: Some(Value::String(partition.to_string())), limit: Some(1000), cursor, ..Default::default() };
        let page = store.query(table, &spec).await?;
        out.extend(page.items.into_iter().map(|i| (i.sk, i.data)));
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

pub async fn upload_part(call: &Call<'_>, n: u32, upload_id: &str, body: Body) -> S3Result<Response> {
    call.require(Action::Write, &call.req.key)?;
    load_upload(call, upload_id).await?;
    let (blob, r) = receive_checked(call, body).await?;
    let part = Part {
        etag: hex::encode(r.md5),
        size: r.size,
        blob,
        last_modified: now_ms(),
        checksum: r.checksum.as_ref().map(|(_, v)| v.clone()),
    };
    save_part(call, upload_id, n, part.clone()).await?;
    let mut resp = StatusCode::OK.into_response();
    resp.headers_mut().insert("etag", hv(&format!("\"{}\"", part.etag)));
    if let Some((a, v)) = &r.checksum {
        resp.headers_mut().insert(axum::http::HeaderName::from_bytes(a.header().as_bytes()).expect("valid header name"), hv(v));
    }
    Ok(resp)
}

pub async fn upload_part_copy(call: &Call<'_>, n: u32, upload_id: &str) -> S3Result<Response> {
    call.require(Action::Write, &call.req.key)?;
    load_upload(call, upload_id).await?;
    let (src_bucket, _, src) = resolve_source(call).await?;
    let (start, len) = match call.req.header("x-amz-copy-source-range") {
        Some(r) => {
            let (a, b) = r
                .trim()
                .strip_prefix("bytes=")
                .and_then(|s| s.split_once('-'))
                .ok_or_else(|| S3Error::InvalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last".into()))?;
            let (a, b): (u64, u64) = (a.parse().map_err(|_| S3Error::InvalidRange)?, b.parse().map_err(|_| S3Error::InvalidRange)?);
            if b < a || b >= src.size {
                return Err(S3Error::InvalidRange);
            }
            (a, b - a + 1)
        }
        None => (0, src.size),
    };
    let (blob, md5) = crate::objects::copy_range(call, &src_bucket, &src, start, len).await?;
    let part = Part {
        etag: hex::encode(md5),
        size: len,
        blob,
        last_modified: now_ms(),
        checksum: None,
    };
    save_part(call, upload_id, n, part.clone()).await?;
    Ok(xml_response(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CopyPartResult xmlns=\"{NS}\"><LastModified>{}</LastModified><ETag>\"{}\"</ETag></CopyPartResult>",
        iso8601(part.last_modified),
        part.etag
    )))
}

async fn all_parts(call: &Call<'_>, upload_id: &str) -> S3Result<Vec<(u32, Part)>> {
    let items = page_all(call.svc.ctx.store.as_ref(), PARTS, upload_id).await?;
    Ok(items.into_iter().filter_map(|(sk, data)| Some((sk.parse().ok()?, serde_json::from_value(data).ok()?))).collect())
}

/// Ends an upload: deletes its records, then the blobs of its parts not in `kept`.
async fn discard(call: &Call<'_>, upload_id: &str, parts: &[(u32, Part)], kept: &[Segment]) -> S3Result<()> {
    let store = &call.svc.ctx.store;
    for (n, _) in parts {
        store.delete(PARTS, upload_id, &part_sk(*n), &Condition::None).await?;
    }
    store.delete(UPLOADS, &call.bucket, upload_id, &Condition::None).await?;
    for (_, p) in parts {
        if !kept.iter().any(|s| s.blob == p.blob) {
            call.svc.blobs.remove(&call.bucket, &p.blob).await;
        }
    }
    Ok(())
}

pub async fn complete(call: &Call<'_>, upload_id: &str, body: Body) -> S3Result<Response> {
    let key = call.req.key.clone();
    call.require(Action::Write, &key)?;
    let upload = load_upload(call, upload_id).await?;
    let xml = crate::objects::small_body(call, body).await?;
    let algo = upload.checksum_algorithm.as_deref().and_then(Algorithm::parse);
    let mut requested = Vec::new();
    for p in crate::xml::elements(&xml, "Part")? {
        let n: u32 = crate::xml::child(p, "PartNumber")?.and_then(|v| v.trim().parse().ok()).ok_or(S3Error::MalformedXML)?;
        let etag = crate::xml::child(p, "ETag")?.ok_or(S3Error::MalformedXML)?;
        let sum = algo.map(|a| crate::xml::child(p, &a.xml_element())).transpose()?.flatten();
        requested.push((n, etag.trim().trim_matches('"').to_string(), sum));
    }
    if requested.is_empty() {
        return Err(S3Error::MalformedXML);
    }
    if requested.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(S3Error::InvalidPartOrder);
    }
    let stored: BTreeMap<u32, Part> = all_parts(call, upload_id).await?.into_iter().collect();
    let mut chosen = Vec::new();
    for (i, (n, etag, sum)) in requested.iter().enumerate() {
        let part = stored.get(n).filter(|p| p.etag == *etag).ok_or_else(|| {
            S3Error::InvalidPart(format!(
                "One or more of the specified parts could not be found (part {n}). The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."
            ))
        })?;
        if let (Some(s), Some(mine)) = (sum, &part.checksum) {
            if s.trim() != mine {
                return Err(S3Error::InvalidPart(format!("The checksum of part {n} does not match")));
            }
        }
        if i + 1 < requested.len() && part.size < MIN_PART {
            return Err(S3Error::EntityTooSmall);
        }
        chosen.push(part.clone());
    }
    // ETag: MD5 of the concatenated binary part MD5s, then `-<count>`.
    let mut md5s = Md5::new();
    for p in &chosen {
        md5s.update(&hex::decode(&p.etag).unwrap_or_default());
    }
    let etag = format!("{}-{}", hex::encode(md5s.finish()), chosen.len());
    let full_object = upload.checksum_type.as_deref() == Some("FULL_OBJECT");
    let segments: Vec<Segment> = chosen.iter().map(|p| Segment { blob: p.blob.clone(), size: p.size }).collect();
    let size = segments.iter().map(|s| s.size).sum::<u64>();
    // A FULL_OBJECT checksum is over all the bytes: read them once (nothing is written).
    let full_sum = match algo {
        Some(a) if full_object => {
            let mut h = Hasher::new(a);
            let mut bytes = crate::blobs::read_object(&call.svc.blobs, &call.bucket, &segments, 0, size).await?;
            while let Some(chunk) = bytes.next().await {
                h.update(&chunk?);
            }
            Some(h.finish())
        }
        _ => None,
    };
    let checksum = match algo {
        Some(a) if full_object => {
            let computed = full_sum.unwrap_or_default();
            if let Some(sent) = call.req.header(&a.header()) {
                checksum::expect(a, sent, &computed)?;
            }
            Some((a.name().to_string(), computed))
        }
        Some(a) => {
            // COMPOSITE: the checksum of the concatenated binary part checksums, then `-<count>`.
            let mut h = Hasher::new(a);
            for p in &chosen {
                h.update(&p.checksum.as_deref().and_then(checksum::b64_decode).unwrap_or_default());
            }
            Some((a.name().to_string(), format!("{}-{}", h.finish(), chosen.len())))
        }
        None => None,
    };
    let meta = ObjectMeta {
        size,
        etag,
        last_modified: now_ms(),
        blob: String::new(),
        segments: segments.clone(),
        headers: upload.headers.clone(),
        user: upload.user.clone(),
        checksum: checksum.clone(),
        checksum_type: upload.checksum_type.clone().filter(|_| checksum.is_some()),
        parts: chosen.len() as u32,
        inline: None,
    };
    publish(call, &key, &meta).await?;
    crate::events::notify(call, crate::events::ObjectEvent::CompleteMultipartUpload, &key, meta.size, &meta.etag).await;
    let all: Vec<(u32, Part)> = stored.into_iter().collect();
    discard(call, upload_id, &all, &segments).await?;
    let location = format!("{}/s3/{}/{}", call.svc.ctx.base_url, call.bucket, auth::sigv4::uri_encode(&key, true));
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult xmlns=\"{NS}\"><Location>{}</Location><Bucket>{}</Bucket><Key>{}</Key><ETag>\"{}\"</ETag>",
        escape(&location),
        escape(&call.bucket),
        escape(&key),
        meta.etag
    );
    if let Some((a, v)) = &checksum {
        let a = Algorithm::parse(a).expect("stored algorithms parse");
        x.push_str(&format!(
            "<{0}>{1}</{0}><ChecksumType>{2}</ChecksumType>",
            a.xml_element(),
            escape(v),
            meta.checksum_type.as_deref().unwrap_or("")
        ));
    }
    x.push_str("</CompleteMultipartUploadResult>");
    Ok(xml_response(x))
}

pub async fn abort(call: &Call<'_>, upload_id: &str) -> S3Result<Response> {
    call.require(Action::Write, &call.req.key)?;
    load_upload(call, upload_id).await?;
    let parts = all_parts(call, upload_id).await?;
    discard(call, upload_id, &parts, &[]).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn list_parts(call: &Call<'_>, upload_id: &str) -> S3Result<Response> {
    call.require(Action::Write, &call.req.key)?;
    let upload = load_upload(call, upload_id).await?;
    let max: usize = call.req.q("max-parts").and_then(|v| v.parse().ok()).unwrap_or(1000).min(1000);
    let marker: u32 = call.req.q("part-number-marker").and_then(|v| v.parse().ok()).unwrap_or(0);
    let spec = QuerySpec {
        partition: Some(Value::String(upload_id.to_string())),
        limit: Some(max),
        cursor: (marker > 0).then(|| Cursor {
            pk: upload_id.to_string(),
            sk: part_sk(marker),
            index_values: vec![],
        }),
        ..Default::default()
    };
    let page = call.svc.ctx.store.query(PARTS, &spec).await?;
    let truncated = page.cursor.is_some();
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListPartsResult xmlns=\"{NS}\"><Bucket>{}</Bucket><Key>{}</Key><UploadId>{upload_id}</UploadId><PartNumberMarker>{marker}</PartNumberMarker>",
        escape(&call.bucket),
        escape(&upload.key)
    );
    let mut last = marker;
    let mut body = String::new();
    for item in page.items {
        let Ok(p) = serde_json::from_value::<Part>(item.data) else { continue };
        let n: u32 = item.sk.parse().unwrap_or(0);
        last = n;
        body.push_str(&format!(
            "<Part><PartNumber>{n}</PartNumber><LastModified>{}</LastModified><ETag>\"{}\"</ETag><Size>{}</Size>",
            iso8601(p.last_modified),
            p.etag,
            p.size
        ));
        if let (Some(a), Some(v)) = (upload.checksum_algorithm.as_deref().and_then(Algorithm::parse), &p.checksum) {
            body.push_str(&format!("<{0}>{1}</{0}>", a.xml_element(), escape(v)));
        }
        body.push_str("</Part>");
    }
    x.push_str(&format!(
        "<NextPartNumberMarker>{last}</NextPartNumberMarker><MaxParts>{max}</MaxParts><IsTruncated>{truncated}</IsTruncated>"
    ));
    if let Some(a) = &upload.checksum_algorithm {
        x.push_str(&format!("<ChecksumAlgorithm>{a}</ChecksumAlgorithm>"));
    }
    x.push_str("<StorageClass>STANDARD</StorageClass>");
    x.push_str(&body);
    x.push_str("</ListPartsResult>");
    Ok(xml_response(x))
}

pub async fn list_uploads(call: &Call<'_>) -> S3Result<Response> {
    let prefix = call.req.q("prefix").unwrap_or("").to_string();
    call.require(Action::List, &prefix)?;
    let spec = QuerySpec {
        partition: Some(Value::String(call.bucket.clone())),
        ..Default::default()
    };
    let page = call.svc.ctx.store.query(UPLOADS, &spec).await?;
    let mut uploads: Vec<(String, String, i64)> = page
        .items
        .into_iter()
        .filter_map(|i| serde_json::from_value::<Upload>(i.data).ok().map(|u| (u.key, i.sk, u.initiated)))
        .filter(|(k, _, _)| k.starts_with(&prefix))
        .collect();
    uploads.sort();
    let max: usize = call.req.q("max-uploads").and_then(|v| v.parse().ok()).unwrap_or(1000).min(1000);
    let truncated = uploads.len() > max;
    uploads.truncate(max);
    let mut x = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListMultipartUploadsResult xmlns=\"{NS}\"><Bucket>{}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><Prefix>{}</Prefix><MaxUploads>{max}</MaxUploads><IsTruncated>{truncated}</IsTruncated>", escape(&call.bucket), escape(&prefix));
    if truncated {
        if let Some((k, id, _)) = uploads.last() {
            x.push_str(&format!("<NextKeyMarker>{}</NextKeyMarker><NextUploadIdMarker>{id}</NextUploadIdMarker>", escape(k)));
        }
    }
    for (k, id, t) in &uploads {
        x.push_str(&format!(
            "<Upload><Key>{}</Key><UploadId>{id}</UploadId><Initiated>{}</Initiated><StorageClass>STANDARD</StorageClass></Upload>",
            escape(k),
            iso8601(*t)
        ));
    }
    x.push_str("</ListMultipartUploadsResult>");
    Ok(xml_response(x))
}
