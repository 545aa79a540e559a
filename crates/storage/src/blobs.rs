//! Object bytes on the local filesystem, under `<data dir>/storage`.
//!
//! Every object version is one immutable file named by a random id (never by its key, so no key
//! can escape the bucket's directory): `buckets/<bucket>/<id[..2]>/<id>`. A write goes to
//! `tmp/<id>`, is fsynced, renamed into place and its directory fsynced; only then does the
//! metadata row that makes it visible get committed. A crash at any point leaves either the old
//! object or the new one, never a torn one; leftovers in `tmp/` are removed at startup.

use std::path::{Path, PathBuf};

use crate::error::S3Result;

#[derive(Debug, Clone)]
pub struct Blobs {
    root: PathBuf,
}

fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Blobs {
    /// Opens (and creates) the blob root, clearing unfinished temp files.
    pub fn open(data_dir: &Path) -> std::io::Result<Blobs> {
        let root = data_dir.join("storage");
        let tmp = root.join("tmp");
        if tmp.exists() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        std::fs::create_dir_all(&tmp)?;
        std::fs::create_dir_all(root.join("buckets"))?;
        Ok(Blobs { root })
    }

    /// A fresh temp file path (the caller creates it).
    pub fn temp(&self) -> PathBuf {
        self.root.join("tmp").join(new_id())
    }

    pub fn path(&self, bucket: &str, id: &str) -> PathBuf {
        let shard = id.get(..2).unwrap_or("00");
        self.root.join("buckets").join(bucket).join(shard).join(id)
    }

    /// Moves a written and fsynced temp file into `bucket`; returns its blob id.
    pub async fn commit(&self, tmp: &Path, bucket: &str) -> S3Result<String> {
        let id = new_id();
        let dest = self.path(bucket, &id);
        let dir = dest.parent().expect("blob paths have a parent").to_path_buf();
        tokio::fs::create_dir_all(&dir).await?;
        tokio::fs::rename(tmp, &dest).await?;
        sync_dir(dir).await;
        Ok(id)
    }

    /// A new blob in `dst_bucket` with the same bytes as `(bucket, id)`: a hard link (the files
    /// are immutable), or a copy where links are not possible.
    pub async fn duplicate(&self, bucket: &str, id: &str, dst_bucket: &str) -> S3Result<String> {
        let new = new_id();
        let dest = self.path(dst_bucket, &new);
        let dir = dest.parent().expect("blob paths have a parent").to_path_buf();
        tokio::fs::create_dir_all(&dir).await?;
        let src = self.path(bucket, id);
        if tokio::fs::hard_link(&src, &dest).await.is_err() {
            let tmp = self.temp();
            tokio::fs::copy(&src, &tmp).await?;
            tokio::fs::File::open(&tmp).await?.sync_all().await?;
            tokio::fs::rename(&tmp, &dest).await?;
        }
        sync_dir(dir).await;
        Ok(new)
    }

    /// Removes a blob no metadata points at any more (missing files are fine).
    pub async fn remove(&self, bucket: &str, id: &str) {
        let _ = tokio::fs::remove_file(self.path(bucket, id)).await;
    }

    /// Directory for an upload's parts.
    pub fn upload_dir(&self, upload_id: &str) -> PathBuf {
        self.root.join("uploads").join(upload_id)
    }
}

/// fsyncs a directory so a rename into it survives a crash.
pub async fn sync_dir(dir: PathBuf) {
    let _ = tokio::task::spawn_blocking(move || std::fs::File::open(&dir).and_then(|f| f.sync_all())).await;
}

/// A temp file deleted on drop unless [`TempFile::keep`] hands its path on.
pub struct TempFile(Option<PathBuf>);

impl TempFile {
    pub fn new(path: PathBuf) -> TempFile {
        TempFile(Some(path))
    }
    pub fn path(&self) -> &Path {
        self.0.as_deref().expect("present until kept")
    }
    pub fn keep(mut self) -> PathBuf {
        self.0.take().expect("present until kept")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}
