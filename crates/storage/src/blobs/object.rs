//! Blobs in an S3-compatible object store (`--blob-store s3://BUCKET[/PREFIX]?endpoint=…`), so
//! several stateless `ampstack` nodes over one PostgreSQL serve the same objects.
//!
//! Blob `<id>` of bucket `<bucket>` is the object `[PREFIX/]<bucket>/<id>`. Writes stream through
//! `object_store`'s buffered writer: bodies up to [`PART_SIZE`] go up in one PUT, larger ones as a
//! multipart upload of that part size with at most [`IN_FLIGHT`] parts in the air, so memory per
//! upload stays bounded whatever the object size. Reads are ranged GETs streamed to the client.
//! The object store acknowledges a PUT only once it is durable, which is the guarantee the
//! metadata commit that follows relies on.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::path::Path;
use object_store::{ClientOptions, GetOptions, GetRange, ObjectStore, RetryConfig};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::{new_id, BlobStore, BlobWriter, ByteStream};
use crate::error::{S3Error, S3Result};

/// Part size of uploads larger than one part (S3's minimum is 5 MiB).
pub const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts of one upload being sent at once.
pub const IN_FLIGHT: usize = 2;

/// Where and how to reach the object store, from an `s3://` URL. Credentials come from the
/// standard `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` variables.
#[derive(Debug, Clone, PartialEq)]
pub struct S3Config {
    pub bucket: String,
    /// Key prefix for every blob, without trailing slash (may be empty).
    pub prefix: String,
    pub endpoint: Option<String>,
    pub region: String,
    /// `<bucket>.<endpoint host>` addressing instead of path-style `<endpoint>/<bucket>`.
    pub virtual_hosted: bool,
    pub allow_http: bool,
}

impl S3Config {
    /// `s3://BUCKET[/PREFIX][?endpoint=URL&region=R&virtual_hosted=true|false&allow_http=true|false]`.
    pub fn parse(url: &str) -> Result<S3Config, String> {
        let rest = url.strip_prefix("s3://").ok_or_else(|| format!("{url:?} is not an s3:// URL"))?;
        let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (bucket, prefix) = location.split_once('/').unwrap_or((location, ""));
        if bucket.is_empty() {
            return Err(format!("{url:?} names no bucket: use s3://BUCKET?endpoint=URL"));
        }
        let mut c = S3Config {
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
            endpoint: std::env::var("AWS_ENDPOINT_URL").ok().filter(|v| !v.is_empty()),
            region: std::env::var("AWS_REGION").or_else(|_| std::env::var("AWS_DEFAULT_REGION")).unwrap_or_else(|_| "us-east-1".into()),
            virtual_hosted: false,
            allow_http: false,
        };
        let mut allow_http = None;
        let flag = |k: &str, v: &str| match v {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(format!("{k} must be true or false, not {v:?}")),
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = crate::request::percent_decode(v, true).map_err(|_| format!("bad percent-encoding in {pair:?}"))?;
            match k {
                "endpoint" => c.endpoint = Some(v.trim_end_matches('/').to_string()),
                "region" => c.region = v,
                "virtual_hosted" | "virtual_hosted_style" => c.virtual_hosted = flag(k, &v)?,
                "allow_http" => allow_http = Some(flag(k, &v)?),
                _ => return Err(format!("unknown blob store option {k:?} (known: endpoint, region, virtual_hosted, allow_http)")),
            }
        }
        // An explicit http:// endpoint is consent to plain HTTP.
        c.allow_http = allow_http.unwrap_or_else(|| c.endpoint.as_deref().is_some_and(|e| e.starts_with("http://")));
        Ok(c)
    }

    /// The URL without credentials or query, for messages.
    pub fn display(&self) -> String {
        let prefix = if self.prefix.is_empty() { String::new() } else { format!("/{}", self.prefix) };
        match &self.endpoint {
            Some(e) => format!("s3://{}{prefix} at {e}", self.bucket),
            None => format!("s3://{}{prefix}", self.bucket),
        }
    }
}

pub struct ObjectBlobs {
    store: Arc<dyn ObjectStore>,
    config: S3Config,
}

impl ObjectBlobs {
    /// Builds the client and checks the bucket answers, so a wrong URL or credentials fail at
    /// startup rather than on the first upload.
    pub async fn connect(config: &S3Config) -> Result<ObjectBlobs, String> {
        // Only keys from the environment: without them object_store would go looking for
        // instance-profile credentials on the network, a surprise on a developer machine.
        let set = |k: &str| std::env::var(k).is_ok_and(|v| !v.is_empty());
        if !set("AWS_ACCESS_KEY_ID") || !set("AWS_SECRET_ACCESS_KEY") {
            return Err(format!("blob store {}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to the object store's keys", config.display()));
        }
        // No whole-request timeout: a GET streams at the pace of the client downloading it, which
        // may take far longer than any fixed limit. Connecting is bounded, and retries stay short
        // so a dead endpoint fails the request (or startup) within seconds.
        let client = ClientOptions::new().with_timeout_disabled().with_connect_timeout(Duration::from_secs(5));
        let retry = RetryConfig { max_retries: 3, retry_timeout: Duration::from_secs(30), ..Default::default() };
        let mut b = AmazonS3Builder::from_env()
            .with_client_options(client)
            .with_retry(retry)
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_allow_http(config.allow_http)
            .with_virtual_hosted_style_request(config.virtual_hosted);
        if let Some(e) = &config.endpoint {
            b = b.with_endpoint(e);
        }
        let store = b.build().map_err(|e| format!("blob store {}: {e}", config.display()))?;
        let blobs = ObjectBlobs { store: Arc::new(store), config: config.clone() };
        blobs
            .store
            .list_with_delimiter(Some(&blobs.dir("")))
            .await
            .map_err(|e| format!("blob store {} does not answer: {e}", config.display()))?;
        Ok(blobs)
    }

    fn dir(&self, bucket: &str) -> Path {
        match (self.config.prefix.as_str(), bucket) {
            ("", b) => Path::from(b),
            (p, "") => Path::from(p),
            (p, b) => Path::from(format!("{p}/{b}")),
        }
    }

    fn path(&self, bucket: &str, id: &str) -> Path {
        self.dir(bucket).child(id)
    }
}

#[async_trait::async_trait]
impl BlobStore for ObjectBlobs {
    fn describe(&self) -> String {
        self.config.display()
    }

    async fn create(&self, bucket: &str) -> S3Result<Box<dyn BlobWriter>> {
        let id = new_id();
        let inner = BufWriter::with_capacity(self.store.clone(), self.path(bucket, &id), PART_SIZE).with_max_concurrency(IN_FLIGHT);
        Ok(Box::new(ObjectWriter { id, inner }))
    }

    async fn read(&self, bucket: &str, id: &str, start: u64, len: u64) -> S3Result<ByteStream> {
        if len == 0 {
            return Ok(futures_util::stream::empty().boxed());
        }
        let opts = GetOptions { range: Some(GetRange::Bounded(start..start + len)), ..Default::default() };
        let got = self.store.get_opts(&self.path(bucket, id), opts).await?;
        Ok(got.into_stream().map_err(std::io::Error::other).boxed())
    }

    /// A server-side copy: the bytes never pass through this process.
    async fn duplicate(&self, bucket: &str, id: &str, dst_bucket: &str) -> S3Result<String> {
        let new = new_id();
        self.store.copy(&self.path(bucket, id), &self.path(dst_bucket, &new)).await?;
        Ok(new)
    }

    async fn remove(&self, bucket: &str, id: &str) {
        if let Err(e) = self.store.delete(&self.path(bucket, id)).await {
            if !matches!(e, object_store::Error::NotFound { .. }) {
                tracing::warn!(bucket, id, error = %e, "storage: could not remove a blob (the janitor will retry)");
            }
        }
    }

    async fn list_older(&self, bucket: &str, before: SystemTime) -> S3Result<Vec<String>> {
        let cutoff_ms = before.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        let dir = self.dir(bucket);
        let mut listing = self.store.list(Some(&dir));
        let mut out = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta?;
            // Only direct children of the bucket's folder are blobs.
            let Some(name) = meta.location.prefix_match(&dir).and_then(|mut parts| {
                let first = parts.next()?;
                parts.next().is_none().then(|| first.as_ref().to_string())
            }) else {
                continue;
            };
            if meta.last_modified.timestamp_millis() < cutoff_ms && super::is_blob_id(&name) {
                out.push(name);
            }
        }
        Ok(out)
    }
}

/// A blob being uploaded.
struct ObjectWriter {
    id: String,
    inner: BufWriter,
}

#[async_trait::async_trait]
impl BlobWriter for ObjectWriter {
    fn id(&self) -> &str {
        &self.id
    }

    async fn commit(mut self: Box<Self>) -> S3Result<String> {
        // Sends what is buffered (one PUT) or completes the multipart upload.
        self.inner.shutdown().await.map_err(|e| S3Error::Internal(format!("object store: {e}")))?;
        Ok(self.id)
    }

    async fn abort(mut self: Box<Self>) {
        if let Err(e) = self.inner.abort().await {
            tracing::debug!(error = %e, "storage: aborting an object store upload failed");
        }
    }
}

impl AsyncWrite for ObjectWriter {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_blob_store_urls() {
        let c = S3Config::parse("s3://blobs/ampstack/prod/?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=eu-west-1").unwrap();
        assert_eq!(c.bucket, "blobs");
        assert_eq!(c.prefix, "ampstack/prod");
        assert_eq!(c.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(c.region, "eu-west-1");
        assert!(c.allow_http && !c.virtual_hosted);
        let c = S3Config::parse("s3://b?endpoint=https://minio.local&virtual_hosted=true").unwrap();
        assert!(!c.allow_http && c.virtual_hosted && c.prefix.is_empty());
        assert!(S3Config::parse("s3://?endpoint=x").is_err());
        assert!(S3Config::parse("s3://b?bogus=1").is_err());
        assert!(S3Config::parse("s3://b?allow_http=maybe").is_err());
        assert!(S3Config::parse("file:///x").is_err());
    }
}
