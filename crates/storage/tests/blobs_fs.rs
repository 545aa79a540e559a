//! The files backend through the `BlobStore` trait, on a real directory: a blob is visible only
//! once committed, aborted and dropped writers leave nothing, multi-segment reads stitch ranges
//! across blobs, duplicates are fresh blobs for the janitor, and only blob-named files are listed.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::StreamExt;
use storage::blobs::{self, fs::FsBlobs, Blobs, Segment};
use tokio::io::AsyncWriteExt;

async fn put(b: &Blobs, bucket: &str, data: &[u8]) -> String {
    let mut w = b.create(bucket).await.unwrap();
    w.write_all(data).await.unwrap();
    w.commit().await.unwrap()
}

async fn read_all(mut s: blobs::ByteStream) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(c) = s.next().await {
        out.extend_from_slice(&c.unwrap());
    }
    out
}

fn files_under(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.flatten().map(|e| if e.path().is_dir() { files_under(&e.path()) } else { 1 }).sum()).unwrap_or(0)
}

#[tokio::test]
async fn files_backend() {
    let dir = tempfile::tempdir().unwrap();
    let fs = FsBlobs::open(dir.path()).unwrap();
    let b: Blobs = Arc::new(fs.clone());

    let a = put(&b, "bk", b"hello ").await;
    let c = put(&b, "bk", b"world").await;
    assert!(fs.path("bk", &a).exists());
    let segs = [Segment { blob: a.clone(), size: 6 }, Segment { blob: c.clone(), size: 5 }];
    assert_eq!(read_all(blobs::read_object(&b, "bk", &segs, 0, 11).await.unwrap()).await, b"hello world");
    assert_eq!(read_all(blobs::read_object(&b, "bk", &segs, 4, 4).await.unwrap()).await, b"o wo");
    assert_eq!(read_all(blobs::read_object(&b, "bk", &segs, 0, 0).await.unwrap()).await, b"");

    // Aborted and dropped writers leave no blob and no temp file.
    let mut w = b.create("bk").await.unwrap();
    w.write_all(b"never").await.unwrap();
    let aborted = w.id().to_string();
    w.abort().await;
    let mut w = b.create("bk").await.unwrap();
    w.write_all(b"client went away").await.unwrap();
    let dropped = w.id().to_string();
    drop(w);
    assert!(!fs.path("bk", &aborted).exists() && !fs.path("bk", &dropped).exists());
    assert_eq!(files_under(&dir.path().join("storage/tmp")), 0);

    // Everything so far is older than "in a minute"; nothing is older than "a minute ago".
    let soon = SystemTime::now() + Duration::from_secs(60);
    let mut listed = b.list_older("bk", soon).await.unwrap();
    listed.sort();
    let mut want = vec![a.clone(), c.clone()];
    want.sort();
    assert_eq!(listed, want);
    assert!(b.list_older("bk", SystemTime::now() - Duration::from_secs(60)).await.unwrap().is_empty());

    // A duplicate (hard link) into another bucket is a fresh blob, even when its source is old.
    let old = SystemTime::now() - Duration::from_secs(7200);
    std::fs::File::options().write(true).open(fs.path("bk", &a)).unwrap().set_modified(old).unwrap();
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    assert_eq!(b.list_older("bk", hour_ago).await.unwrap(), vec![a.clone()]);
    let dup = b.duplicate("bk", &a, "other").await.unwrap();
    assert!(b.list_older("other", hour_ago).await.unwrap().is_empty());
    assert_eq!(read_all(b.read("other", &dup, 0, 6).await.unwrap()).await, b"hello ");

    // Files that are not blobs are never listed (so never removed); removing is idempotent.
    std::fs::write(dir.path().join("storage/buckets/bk/notes.txt"), b"x").unwrap();
    std::fs::create_dir_all(dir.path().join("storage/buckets/bk/no")).unwrap();
    std::fs::write(dir.path().join("storage/buckets/bk/no/notes.txt"), b"x").unwrap();
    assert!(!b.list_older("bk", soon).await.unwrap().iter().any(|id| id.contains("notes")));
    b.remove("bk", &c).await;
    b.remove("bk", &c).await;
    assert!(!fs.path("bk", &c).exists());

    // Unfinished temp files older than the cutoff are swept; fresh ones stay.
    let mut w = b.create("bk").await.unwrap();
    w.write_all(b"in flight").await.unwrap();
    w.flush().await.unwrap();
    assert_eq!(b.sweep_unfinished(SystemTime::now() - Duration::from_secs(60)).await, 0);
    assert_eq!(b.sweep_unfinished(soon).await, 1);
}
