//! S3 event notifications: `defineStorage({ triggers: { onUpload, onDelete } })` and
//! `bucket.addEventNotification(...)` run their functions after a write is durable.
//!
//! S3 invokes notification targets asynchronously (Lambda's `Event` invocation type), so the
//! request never waits for the function and a failing function never fails the request; the
//! event is the S3 notification record a Lambda receives (`Records[0].s3.object.key` URL-encoded
//! with `+` for spaces, as S3 sends it).

use auth::credentials::CallerKind;
use definition::ir::Bucket;
use serde_json::{json, Value};

use crate::Call;

/// What happened to an object, as S3 names it (`ObjectCreated:Put`, `ObjectRemoved:Delete`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectEvent {
    Put,
    Copy,
    CompleteMultipartUpload,
    Delete,
}

impl ObjectEvent {
    pub fn name(self) -> &'static str {
        match self {
            ObjectEvent::Put => "ObjectCreated:Put",
            ObjectEvent::Copy => "ObjectCreated:Copy",
            ObjectEvent::CompleteMultipartUpload => "ObjectCreated:CompleteMultipartUpload",
            ObjectEvent::Delete => "ObjectRemoved:Delete",
        }
    }

    fn created(self) -> bool {
        !matches!(self, ObjectEvent::Delete)
    }
}

/// The functions `bucket` runs for `event` on `key`: its `onUpload`/`onDelete` trigger and every
/// matching `addEventNotification` (event pattern, prefix and suffix filters).
pub fn targets(bucket: &Bucket, event: ObjectEvent, key: &str) -> Vec<String> {
    let trigger = if event.created() { "onUpload" } else { "onDelete" };
    let mut out: Vec<String> = bucket.triggers.get(trigger).cloned().into_iter().collect();
    for n in &bucket.notifications {
        let Some(function) = &n.function else { continue };
        let pattern = n.event.trim_start_matches("s3:");
        let matches_event = match pattern.strip_suffix('*') {
            Some(prefix) => event.name().starts_with(prefix),
            None => pattern == event.name(),
        };
        let matches_key = n.prefix.as_deref().is_none_or(|p| key.starts_with(p)) && n.suffix.as_deref().is_none_or(|s| key.ends_with(s));
        if matches_event && matches_key && !out.contains(function) {
            out.push(function.clone());
        }
    }
    out
}

/// S3's key encoding in notifications: URL-encoded, `/` kept, space as `+`.
pub fn encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Queues `bucket`'s functions for `event` on `key` (call after the change is durable).
pub async fn notify(call: &Call<'_>, event: ObjectEvent, key: &str, size: u64, etag: &str) {
    let backend = call.svc.ctx.backend();
    let ids = &call.svc.ctx.ids;
    let Some(bucket) = backend.storage.iter().find(|b| ids.bucket_name(&b.name) == call.bucket) else { return };
    let functions = targets(bucket, event, key);
    if functions.is_empty() {
        return;
    }
    let now = chrono_like_now();
    let principal = match call.caller.kind {
        CallerKind::Admin => "AWS:ampstack-admin".to_string(),
        CallerKind::Function => format!("AWS:ampstack-function:{}", call.caller.function.as_deref().unwrap_or_default()),
        _ => format!("AWS:{}", call.caller.identity_id),
    };
    let mut object = json!({ "key": encode_key(key), "sequencer": format!("{:016X}", now.1) });
    if event.created() {
        object["size"] = json!(size);
        object["eTag"] = json!(etag);
    }
    let record = json!({
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": ids.region,
        "eventTime": now.0,
        "eventName": event.name(),
        "userIdentity": { "principalId": principal },
        "requestParameters": { "sourceIPAddress": "127.0.0.1" },
        "responseElements": { "x-amz-request-id": uuid::Uuid::new_v4().simple().to_string()[..16].to_uppercase(), "x-amz-id-2": "ampstack" },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": format!("{}-{}", bucket.name, if event.created() { "onUpload" } else { "onDelete" }),
            "bucket": { "name": call.bucket, "ownerIdentity": { "principalId": "ampstack" }, "arn": format!("arn:aws:s3:::{}", call.bucket) },
            "object": object,
        },
    });
    let event_json: Value = json!({ "Records": [record] });
    for f in functions {
        if let Err(e) = call.svc.ctx.functions.invoke_async(&f, event_json.clone()).await {
            tracing::warn!("storage: {} trigger {f} for {key}: {e}", event.name());
        }
    }
}

/// (`2026-11-23T14:00:00.123Z`, nanoseconds since the epoch) for the event's time and sequencer.
fn chrono_like_now() -> (String, u128) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let ms = now.as_millis() as i64;
    (crate::time::iso8601(ms), now.as_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;
    use definition::ir::BucketNotification;

    fn bucket() -> Bucket {
        Bucket {
            name: "media".into(),
            is_default: true,
            access: vec![],
            triggers: [("onUpload".to_string(), "thumbs".to_string())].into_iter().collect(),
            notifications: vec![
                BucketNotification { event: "s3:ObjectRemoved:*".into(), function: Some("audit".into()), prefix: Some("private/".into()), suffix: None },
                BucketNotification { event: "s3:ObjectCreated:Put".into(), function: Some("pngs".into()), prefix: None, suffix: Some(".png".into()) },
            ],
        }
    }

    #[test]
    fn triggers_and_notifications_match_event_prefix_and_suffix() {
        let b = bucket();
        assert_eq!(targets(&b, ObjectEvent::Put, "images/a.png"), ["thumbs", "pngs"]);
        assert_eq!(targets(&b, ObjectEvent::Copy, "images/a.png"), ["thumbs"]);
        assert_eq!(targets(&b, ObjectEvent::CompleteMultipartUpload, "x.bin"), ["thumbs"]);
        assert_eq!(targets(&b, ObjectEvent::Delete, "private/x"), ["audit"]);
        assert!(targets(&b, ObjectEvent::Delete, "public/x").is_empty());
    }

    #[test]
    fn keys_are_encoded_as_s3_sends_them() {
        assert_eq!(encode_key("images/my photo (1).jpg"), "images/my+photo+%281%29.jpg");
        assert_eq!(encode_key("a/ü"), "a/%C3%BC");
    }
}
