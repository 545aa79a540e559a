//! Object bytes ("blobs") behind one [`BlobStore`] trait, with two backends: files under the
//! data directory ([`fs::FsBlobs`], the default) and any S3-compatible object store
//! ([`object::ObjectBlobs`], for several stateless nodes over PostgreSQL).
//!
//! Both keep one design: every blob is immutable and named by a random id inside its bucket
//! (never by the object key); a blob is written completely and made durable *before* the metadata
//! row that makes it visible is committed, and removed (best effort) after the row that pointed
//! at it is gone. An object is a list of [`Segment`]s: one blob for a PutObject or CopyObject, the
//! part blobs in order for a completed multipart upload (completion copies no bytes). Blobs whose
//! metadata commit never happened are removed later by [`crate::janitor`].

pub mod fs;
pub mod object;

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWrite;

use crate::error::S3Result;

/// A shared blob store.
pub type Blobs = Arc<dyn BlobStore>;

/// Bytes read from a blob store, in order.
pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

/// One stored piece of an object.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Segment {
    pub blob: String,
    pub size: u64,
}

/// A blob being written. Nothing is visible under its id until [`BlobWriter::commit`]; dropping
/// the writer (e.g. when the client goes away) leaves nothing under the id either.
#[async_trait::async_trait]
pub trait BlobWriter: AsyncWrite + Send + Unpin {
    /// The id the blob will have.
    fn id(&self) -> &str;
    /// Makes everything written durable under [`BlobWriter::id`].
    async fn commit(self: Box<Self>) -> S3Result<String>;
    /// Discards what was written.
    async fn abort(self: Box<Self>);
}

/// Where object bytes live.
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    /// For logs and errors, e.g. `files under /x/.ampstack/storage`.
    fn describe(&self) -> String;
    /// Starts a new blob in `bucket`.
    async fn create(&self, bucket: &str) -> S3Result<Box<dyn BlobWriter>>;
    /// Streams `len` bytes of a blob from `start`.
    async fn read(&self, bucket: &str, id: &str, start: u64, len: u64) -> S3Result<ByteStream>;
    /// A new blob in `dst_bucket` with the bytes of `(bucket, id)`, made without passing the
    /// bytes through this process where the backend can (hard link, server-side copy).
    async fn duplicate(&self, bucket: &str, id: &str, dst_bucket: &str) -> S3Result<String>;
    /// Removes a blob nothing points at any more; a missing blob is fine.
    async fn remove(&self, bucket: &str, id: &str);
    /// Ids of the blobs in `bucket` last written before `before` (the janitor's candidates).
    async fn list_older(&self, bucket: &str, before: SystemTime) -> S3Result<Vec<String>>;
    /// Removes unfinished writes older than `before` that the backend tracks itself (temp files);
    /// returns how many.
    async fn sweep_unfinished(&self, _before: SystemTime) -> usize {
        0
    }
}

/// Opens the blob store a `--blob-store` value names: `s3://BUCKET[/PREFIX]?endpoint=…` for an
/// S3-compatible object store, nothing (or `file`) for files under `data_dir`.
pub async fn open(spec: Option<&str>, data_dir: &std::path::Path) -> Result<Blobs, String> {
    match spec.map(str::trim).filter(|s| !s.is_empty() && *s != "file") {
        None => fs::FsBlobs::open(data_dir).map(|b| Arc::new(b) as Blobs).map_err(|e| format!("storage directory under {}: {e}", data_dir.display())),
        Some(url) if url.starts_with("s3://") => {
            let config = object::S3Config::parse(url)?;
            let blobs = object::ObjectBlobs::connect(&config).await?;
            Ok(Arc::new(blobs) as Blobs)
        }
        Some(other) => Err(format!("unsupported blob store {other:?}: use s3://BUCKET?endpoint=URL&region=REGION, or leave it unset for local files")),
    }
}

/// The pieces of `segments` that cover `len` bytes from `start`: (blob, offset in it, length).
pub fn slices(segments: &[Segment], start: u64, len: u64) -> Vec<(String, u64, u64)> {
    let mut out = Vec::new();
    let (mut pos, end) = (0u64, start + len);
    for s in segments {
        let (a, b) = (pos.max(start), (pos + s.size).min(end));
        if a < b {
            out.push((s.blob.clone(), a - pos, b - a));
        }
        pos += s.size;
        if pos >= end {
            break;
        }
    }
    out
}

/// Streams `len` bytes from `start` of the object made of `segments`. The first blob is opened
/// before returning (so a missing blob is an error, not a truncated body); the next ones are
/// opened as the previous ones end.
pub async fn read_object(blobs: &Blobs, bucket: &str, segments: &[Segment], start: u64, len: u64) -> S3Result<ByteStream> {
    let mut pieces = slices(segments, start, len).into_iter();
    let Some((id, off, n)) = pieces.next() else {
        return Ok(stream::empty().boxed());
    };
    let first = blobs.read(bucket, &id, off, n).await?;
    let (store, bucket) = (blobs.clone(), bucket.to_string());
    let rest = stream::iter(pieces)
        .then(move |(id, off, n)| {
            let (store, bucket) = (store.clone(), bucket.clone());
            async move { store.read(&bucket, &id, off, n).await.map_err(|e| std::io::Error::other(e.message())) }
        })
        .try_flatten();
    Ok(first.chain(rest).boxed())
}

/// Removes every blob of an object.
pub async fn remove_all(blobs: &Blobs, bucket: &str, segments: &[Segment]) {
    for s in segments {
        blobs.remove(bucket, &s.blob).await;
    }
}

/// Writes a stream into a new blob of `bucket`, feeding every chunk to `inspect` (digests);
/// returns the committed blob id and the byte count. Used where bytes are copied between blobs.
pub async fn write_stream(blobs: &Blobs, bucket: &str, mut from: ByteStream, mut inspect: impl FnMut(&[u8]) + Send) -> S3Result<(String, u64)> {
    use tokio::io::AsyncWriteExt;
    let mut w = blobs.create(bucket).await?;
    let mut size = 0u64;
    let copied: S3Result<()> = async {
        while let Some(chunk) = from.next().await {
            let chunk = chunk?;
            inspect(&chunk);
            size += chunk.len() as u64;
            w.write_all(&chunk).await?;
        }
        Ok(())
    }
    .await;
    match copied {
        Ok(()) => Ok((w.commit().await?, size)),
        Err(e) => {
            w.abort().await;
            Err(e)
        }
    }
}

/// A fresh random blob id.
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Blob ids are 32 lowercase hex digits; anything else under a bucket is not ours to delete.
pub(crate) fn is_blob_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(blob: &str, size: u64) -> Segment {
        Segment { blob: blob.into(), size }
    }

    #[test]
    fn slices_cover_ranges_across_segments() {
        let s = [seg("a", 5), seg("b", 3), seg("c", 4)];
        assert_eq!(slices(&s, 0, 12), vec![("a".into(), 0, 5), ("b".into(), 0, 3), ("c".into(), 0, 4)]);
        assert_eq!(slices(&s, 4, 2), vec![("a".into(), 4, 1), ("b".into(), 0, 1)]);
        assert_eq!(slices(&s, 5, 3), vec![("b".into(), 0, 3)]);
        assert_eq!(slices(&s, 9, 3), vec![("c".into(), 1, 3)]);
        assert_eq!(slices(&s, 0, 0), vec![]);
        assert_eq!(slices(&[seg("e", 0), seg("f", 2)], 0, 2), vec![("f".into(), 0, 2)]);
    }

    #[test]
    fn blob_ids() {
        assert!(is_blob_id(&new_id()));
        assert!(!is_blob_id("notes.txt"));
        assert!(!is_blob_id("0123456789ABCDEF0123456789abcdef"));
    }
}
