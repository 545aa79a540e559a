//! Blobs as files under `<data dir>/storage` (the default backend, one machine).
//!
//! Every blob is one immutable file named by its id: `buckets/<bucket>/<id[..2]>/<id>`. A write
//! goes to `tmp/<id>`, is fsynced, renamed into place and its directory fsynced; only then does
//! the metadata row that makes it visible get committed. A crash at any point leaves either the
//! old object or the new one, never a torn one; leftovers in `tmp/` are removed at startup and by
//! the janitor.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::SystemTime;

use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWrite, AsyncWriteExt};

use super::{new_id, BlobStore, BlobWriter, ByteStream};
use crate::error::S3Result;

#[derive(Debug, Clone)]
pub struct FsBlobs {
    root: PathBuf,
}

impl FsBlobs {
    /// Opens (and creates) the blob root, clearing unfinished temp files.
    pub fn open(data_dir: &Path) -> std::io::Result<FsBlobs> {
        let root = data_dir.join("storage");
        let tmp = root.join("tmp");
        if tmp.exists() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        std::fs::create_dir_all(&tmp)?;
        std::fs::create_dir_all(root.join("buckets"))?;
        Ok(FsBlobs { root })
    }

    fn temp(&self, id: &str) -> PathBuf {
        self.root.join("tmp").join(id)
    }

    pub fn path(&self, bucket: &str, id: &str) -> PathBuf {
        let shard = id.get(..2).unwrap_or("00");
        self.root.join("buckets").join(bucket).join(shard).join(id)
    }
}

#[async_trait::async_trait]
impl BlobStore for FsBlobs {
    fn describe(&self) -> String {
        format!("files under {}", self.root.display())
    }

    async fn create(&self, bucket: &str) -> S3Result<Box<dyn BlobWriter>> {
        let id = new_id();
        let guard = TempFile::new(self.temp(&id));
        let file = tokio::fs::File::create(guard.path()).await?;
        Ok(Box::new(FsWriter {
            dest: self.path(bucket, &id),
            id,
            file: tokio::io::BufWriter::with_capacity(1 << 20, file),
            guard,
        }))
    }

    async fn read(&self, bucket: &str, id: &str, start: u64, len: u64) -> S3Result<ByteStream> {
        let mut file = tokio::fs::File::open(self.path(bucket, id)).await?;
        if start > 0 {
            file.seek(std::io::SeekFrom::Start(start)).await?;
        }
        Ok(tokio_util::io::ReaderStream::with_capacity(file.take(len), 256 * 1024).boxed())
    }

    /// A hard link (the files are immutable), or a copy where links are not possible.
    async fn duplicate(&self, bucket: &str, id: &str, dst_bucket: &str) -> S3Result<String> {
        let new = new_id();
        let dest = self.path(dst_bucket, &new);
        let dir = dest.parent().expect("blob paths have a parent").to_path_buf();
        tokio::fs::create_dir_all(&dir).await?;
        let src = self.path(bucket, id);
        if tokio::fs::hard_link(&src, &dest).await.is_ok() {
            // The link shares the source's modification time; the janitor must see the new blob
            // as just written, or it could take it for an old orphan before its metadata commits.
            let d = dest.clone();
            tokio::task::spawn_blocking(move || std::fs::File::options().write(true).open(&d).and_then(|f| f.set_modified(SystemTime::now())))
                .await
                .map_err(|e| std::io::Error::other(e.to_string()))??;
        } else {
            let tmp = self.temp(&new);
            tokio::fs::copy(&src, &tmp).await?;
            tokio::fs::File::open(&tmp).await?.sync_all().await?;
            tokio::fs::rename(&tmp, &dest).await?;
        }
        sync_dir(dir).await;
        Ok(new)
    }

    async fn remove(&self, bucket: &str, id: &str) {
        let _ = tokio::fs::remove_file(self.path(bucket, id)).await;
    }

    async fn list_older(&self, bucket: &str, before: SystemTime) -> S3Result<Vec<String>> {
        let dir = self.root.join("buckets").join(bucket);
        let found = tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            for shard in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                for f in std::fs::read_dir(shard.path()).into_iter().flatten().flatten() {
                    let name = f.file_name().to_string_lossy().into_owned();
                    let old = f.metadata().and_then(|m| m.modified()).map(|t| t < before).unwrap_or(false);
                    if old && super::is_blob_id(&name) {
                        out.push(name);
                    }
                }
            }
            out
        })
        .await
        .map_err(|e| crate::error::S3Error::Internal(e.to_string()))?;
        Ok(found)
    }

    async fn sweep_unfinished(&self, before: SystemTime) -> usize {
        let tmp = self.root.join("tmp");
        tokio::task::spawn_blocking(move || {
            let mut n = 0;
            for f in std::fs::read_dir(&tmp).into_iter().flatten().flatten() {
                let old = f.metadata().and_then(|m| m.modified()).map(|t| t < before).unwrap_or(false);
                if old && std::fs::remove_file(f.path()).is_ok() {
                    n += 1;
                }
            }
            n
        })
        .await
        .unwrap_or(0)
    }
}

/// A blob being written to `tmp/<id>`.
struct FsWriter {
    id: String,
    dest: PathBuf,
    file: tokio::io::BufWriter<tokio::fs::File>,
    guard: TempFile,
}

#[async_trait::async_trait]
impl BlobWriter for FsWriter {
    fn id(&self) -> &str {
        &self.id
    }

    async fn commit(mut self: Box<Self>) -> S3Result<String> {
        self.file.flush().await?;
        self.file.get_ref().sync_all().await?;
        let dir = self.dest.parent().expect("blob paths have a parent").to_path_buf();
        tokio::fs::create_dir_all(&dir).await?;
        tokio::fs::rename(self.guard.path(), &self.dest).await?;
        self.guard.keep();
        sync_dir(dir).await;
        Ok(self.id)
    }

    async fn abort(self: Box<Self>) {
        // Dropping the guard removes the temp file.
    }
}

impl AsyncWrite for FsWriter {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.file).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.file).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.file).poll_shutdown(cx)
    }
}

/// fsyncs a directory so a rename into it survives a crash.
pub async fn sync_dir(dir: PathBuf) {
    let _ = tokio::task::spawn_blocking(move || std::fs::File::open(&dir).and_then(|f| f.sync_all())).await;
}

/// A temp file deleted on drop unless [`TempFile::keep`] hands its path on.
struct TempFile(Option<PathBuf>);

impl TempFile {
    fn new(path: PathBuf) -> TempFile {
        TempFile(Some(path))
    }
    fn path(&self) -> &Path {
        self.0.as_deref().expect("present until kept")
    }
    fn keep(&mut self) {
        self.0 = None;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}
