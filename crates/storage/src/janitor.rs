//! Orphan blob clean-up, for both backends. A blob is written and committed before the metadata
//! that points at it; a crash in between (or a write whose metadata commit failed) leaves a blob
//! nothing points at. The janitor removes blobs that no object and no open multipart upload
//! references, once they are older than a safe age ([`min_age`], default one hour), so a blob
//! whose metadata commit is just about to happen is never touched. Every node may run it: it
//! only deletes blobs nothing references, and deletes are idempotent.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::error::S3Result;
use crate::{meta, multipart, Service};

/// Blobs younger than this are never removed.
pub const DEFAULT_MIN_AGE: Duration = Duration::from_secs(3600);
/// The longest pause between two sweeps.
const MAX_INTERVAL: Duration = Duration::from_secs(600);

/// The safe age: `AMPSTACK_ORPHAN_MIN_AGE_SECONDS`, or [`DEFAULT_MIN_AGE`].
pub fn min_age() -> Duration {
    std::env::var("AMPSTACK_ORPHAN_MIN_AGE_SECONDS").ok().and_then(|v| v.trim().parse().ok()).map(Duration::from_secs).unwrap_or(DEFAULT_MIN_AGE)
}

/// Every blob id of `bucket` that metadata points at.
async fn referenced(svc: &Service, bucket: &str) -> S3Result<HashSet<String>> {
    let store = svc.ctx.store.as_ref();
    // Parts before objects: CompleteMultipartUpload publishes the object before it deletes the
    // part records, so a blob moving from one to the other is seen in at least one of them.
    let mut ids: HashSet<String> = multipart::part_blobs(store, bucket).await?.into_iter().collect();
    let mut after: Option<String> = None;
    loop {
        let page = meta::scan(store, bucket, "", after.as_deref(), 1000).await?;
        let full = page.len() == 1000;
        for (key, m) in page {
            ids.extend(m.segments().into_iter().map(|s| s.blob));
            after = Some(key);
        }
        if !full {
            return Ok(ids);
        }
    }
}

/// One sweep over every served bucket; returns how many blobs and unfinished writes it removed.
pub async fn run_once(svc: &Service, min_age: Duration) -> S3Result<usize> {
    let cutoff = SystemTime::now() - min_age;
    let mut removed = svc.blobs.sweep_unfinished(cutoff).await;
    for bucket in svc.bucket_names() {
        let keep = referenced(svc, &bucket).await?;
        // Listed after the references were read: a blob written before `cutoff` and still not
        // referenced then is an orphan (no write takes `min_age` between blob and metadata commit).
        for id in svc.blobs.list_older(&bucket, cutoff).await? {
            if !keep.contains(&id) {
                svc.blobs.remove(&bucket, &id).await;
                tracing::info!(bucket, blob = id, "storage: removed an orphan blob");
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// Sweeps shortly after start (crash leftovers) and then every `min(min_age / 2, 10 min)`.
pub async fn run(svc: Arc<Service>) {
    let age = min_age();
    let interval = (age / 2).clamp(Duration::from_secs(1), MAX_INTERVAL);
    tokio::time::sleep(Duration::from_secs(1)).await;
    loop {
        match run_once(&svc, age).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("storage: the janitor removed {n} orphan blobs"),
            Err(e) => tracing::warn!("storage: orphan clean-up failed: {}", e.message()),
        }
        tokio::time::sleep(interval).await;
    }
}
