//! Object metadata in the store: one item per object in table `s3objects`, partition = physical
//! bucket name, sort key = object key. The store keeps sort keys in byte order (`COLLATE "C"`),
//! which is S3's listing order, so a listing is a range scan from the prefix (or the resume
//! point) with a limit: nothing ever loads a whole bucket.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use store::{Condition, Cursor, QuerySpec, SortCondition, Store};

use crate::blobs::Segment;
use crate::error::S3Result;

pub const OBJECTS: &str = "s3objects";

/// Everything S3 returns about an object besides its bytes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    pub size: u64,
    /// Without quotes: hex MD5, or `<hex>-<parts>` for multipart objects.
    pub etag: String,
    /// Milliseconds since the epoch.
    pub last_modified: i64,
    /// The blob holding the bytes (empty when `segments` lists them or the bytes are
    /// [`inline`](Self::inline)).
    pub blob: String,
    /// The blobs holding the bytes in order, for objects stored in several (multipart uploads).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<Segment>,
    /// The bytes of a small object (≤ [`INLINE_MAX`]), base64, kept in this row so that reading
    /// or writing it touches no blob: one row lookup per GET, one commit per PUT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline: Option<String>,
    /// content-type, cache-control, content-disposition, content-encoding, content-language,
    /// expires, as sent.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// `x-amz-meta-*` with the prefix removed.
    #[serde(default)]
    pub user: BTreeMap<String, String>,
    /// (algorithm name, base64 value[, type]) of the checksum stored with the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<String>,
    #[serde(default)]
    pub parts: u32,
}

/// Objects up to this size live in their metadata row (Garage keeps objects under 3 KiB inline
/// in its metadata for the same reason).
pub const INLINE_MAX: u64 = 4096;

impl ObjectMeta {
    /// The bytes of an inline object (`None` for objects in a blob).
    pub fn inline_bytes(&self) -> Option<Vec<u8>> {
        self.inline.as_deref().and_then(crate::checksum::b64_decode)
    }

    pub fn quoted_etag(&self) -> String {
        format!("\"{}\"", self.etag)
    }
    /// The blobs holding the bytes, in order (none for an inline object).
    pub fn segments(&self) -> Vec<Segment> {
        if self.inline.is_some() {
            vec![]
        } else if self.segments.is_empty() {
            vec![Segment { blob: self.blob.clone(), size: self.size }]
        } else {
            self.segments.clone()
        }
    }
    pub fn content_type(&self) -> &str {
        self.headers.get("content-type").map(String::as_str).unwrap_or("binary/octet-stream")
    }
}

pub async fn get(store: &dyn Store, bucket: &str, key: &str) -> S3Result<Option<ObjectMeta>> {
    Ok(match store.get(OBJECTS, bucket, key).await? {
        Some(item) => serde_json::from_value(item.data).ok(),
        None => None,
    })
}

/// Makes `meta` the object at `key`; returns the replaced object's metadata, if any.
pub async fn put(store: &dyn Store, bucket: &str, key: &str, meta: &ObjectMeta) -> S3Result<Option<ObjectMeta>> {
    let old = get(store, bucket, key).await?;
    let data = serde_json::to_value(meta).map_err(|e| crate::error::S3Error::Internal(e.to_string()))?;
    store.put(OBJECTS, bucket, key, data, &Condition::None).await?;
    Ok(old)
}

/// Like [`put`] but only when no object exists (`If-None-Match: *`); `Ok(false)` otherwise.
pub async fn put_new(store: &dyn Store, bucket: &str, key: &str, meta: &ObjectMeta) -> S3Result<bool> {
    let data = serde_json::to_value(meta).map_err(|e| crate::error::S3Error::Internal(e.to_string()))?;
    match store.put(OBJECTS, bucket, key, data, &Condition::MustNotExist).await {
        Ok(_) => Ok(true),
        Err(store::StoreError::ConditionFailed) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(store: &dyn Store, bucket: &str, key: &str) -> S3Result<Option<ObjectMeta>> {
    Ok(match store.delete(OBJECTS, bucket, key, &Condition::None).await? {
        Some(item) => serde_json::from_value(item.data).ok(),
        None => None,
    })
}

/// Up to `limit` objects whose key starts with `prefix` and sorts after `after`, in key order.
pub async fn scan(store: &dyn Store, bucket: &str, prefix: &str, after: Option<&str>, limit: usize) -> S3Result<Vec<(String, ObjectMeta)>> {
    let spec = QuerySpec {
        partition: Some(serde_json::Value::String(bucket.to_string())),
        sort: (!prefix.is_empty()).then(|| SortCondition::BeginsWith(vec![serde_json::Value::String(prefix.to_string())])),
        limit: Some(limit),
        cursor: after.map(|a| Cursor {
            pk: bucket.to_string(),
            sk: a.to_string(),
            index_values: vec![],
        }),
        ..Default::default()
    };
    let page = store.query(OBJECTS, &spec).await?;
    Ok(page.items.into_iter().filter_map(|i| Some((i.sk, serde_json::from_value(i.data).ok()?))).collect())
}
