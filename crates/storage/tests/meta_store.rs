//! Object metadata over a real store (SQLite, and PostgreSQL when AMPSTACK_TEST_DATABASE_URL is
//! set): byte-ordered range scans by prefix and resume point (what ListObjectsV2 pages on),
//! skipping past a common prefix, `If-None-Match: *` creation, replace and delete.

use std::sync::Arc;

use storage::meta::{self, ObjectMeta};

fn object(size: u64, blob: &str) -> ObjectMeta {
    ObjectMeta {
        size,
        etag: format!("{size:032x}"),
        last_modified: 1,
        blob: blob.into(),
        ..Default::default()
    }
}

async fn scenario(store: Arc<dyn store::Store>) {
    let s = store.as_ref();
    let bucket = format!("amplify-test-{}", uuid::Uuid::new_v4().simple());
    let keys = ["a/1", "a/2", "a/b/3", "a/b/4", "a/c", "a+b", "ab", "b/ü", "b/z", "é"];
    for (i, k) in keys.iter().enumerate() {
        meta::put(s, &bucket, k, &object(i as u64, k)).await.unwrap();
    }
    let all: Vec<String> = meta::scan(s, &bucket, "", None, 100).await.unwrap().into_iter().map(|(k, _)| k).collect();
    // Byte order, as S3 lists: '+' (0x2B) < '/' (0x2F) < 'b'; UTF-8 'ü' and 'é' after ASCII.
    assert_eq!(all, ["a+b", "a/1", "a/2", "a/b/3", "a/b/4", "a/c", "ab", "b/z", "b/ü", "é"]);
    let under_a: Vec<String> = meta::scan(s, &bucket, "a/", None, 2).await.unwrap().into_iter().map(|(k, _)| k).collect();
    assert_eq!(under_a, ["a/1", "a/2"]);
    let resumed: Vec<String> = meta::scan(s, &bucket, "a/", Some("a/2"), 10).await.unwrap().into_iter().map(|(k, _)| k).collect();
    assert_eq!(resumed, ["a/b/3", "a/b/4", "a/c"]);
    // Past everything under the common prefix `a/b/` in one step.
    let past: Vec<String> = meta::scan(s, &bucket, "a/", Some("a/b/\u{10FFFF}"), 10).await.unwrap().into_iter().map(|(k, _)| k).collect();
    assert_eq!(past, ["a/c"]);
    // A resume point that is not a key works too (start-after).
    let after: Vec<String> = meta::scan(s, &bucket, "", Some("a/bz"), 2).await.unwrap().into_iter().map(|(k, _)| k).collect();
    assert_eq!(after, ["a/c", "ab"]);

    assert!(!meta::put_new(s, &bucket, "a/1", &object(9, "x")).await.unwrap(), "If-None-Match: * on an existing key");
    assert!(meta::put_new(s, &bucket, "new", &object(9, "n")).await.unwrap());
    let old = meta::put(s, &bucket, "a/1", &object(7, "replacement")).await.unwrap().unwrap();
    assert_eq!(old.blob, "a/1");
    assert_eq!(meta::get(s, &bucket, "a/1").await.unwrap().unwrap().size, 7);
    assert_eq!(meta::delete(s, &bucket, "a/1").await.unwrap().unwrap().blob, "replacement");
    assert!(meta::get(s, &bucket, "a/1").await.unwrap().is_none());
    assert!(meta::delete(s, &bucket, "a/1").await.unwrap().is_none());
    // Other buckets are other partitions.
    assert!(meta::scan(s, &format!("{bucket}-other"), "", None, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(store::open(dir.path().join("db.sqlite").to_str().unwrap()).await.unwrap()).await;
}

#[tokio::test]
async fn postgres() {
    match std::env::var("AMPSTACK_TEST_DATABASE_URL") {
        Ok(url) => scenario(store::open(&url).await.unwrap()).await,
        Err(_) => eprintln!("AMPSTACK_TEST_DATABASE_URL not set: PostgreSQL variant not run"),
    }
}
