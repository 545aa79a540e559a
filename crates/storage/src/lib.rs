//! Storage: an S3-compatible API for the buckets `defineStorage` declares, enforcing Amplify's
//! path access rules for identity-pool credentials (the admin credentials have full access).
//!
//! Request flow: [`request::parse`] (addressing, operation) → [`authenticate`] (SigV4 header or
//! presigned, identity-pool or admin credentials) → [`access::Policy`] → the operation modules
//! (`objects`, `list`, `multipart`) over [`blobs`] (bytes: local files or an S3-compatible object
//! store) and [`meta`] (metadata in the store); [`janitor`] removes orphan blobs. Errors are S3
//! XML ([`error::S3Error`]); CORS is answered here for browser apps.
//!
//! The endpoint is `<base>/s3` path-style (`<base>/s3/<bucket>/<key>`), the same path-style at
//! the root (`<base>/<bucket>/<key>`, for tools given the bare base URL), and virtual-hosted
//! `<bucket>.localhost:<port>`.

pub mod access;
pub mod blobs;
pub mod body;
pub mod checksum;
pub mod error;
pub mod events;
pub mod janitor;
mod list;
pub mod meta;
mod multipart;
mod objects;
pub mod request;
pub mod sigv2;
pub mod sigv4;
mod time;
pub mod xml;

use std::sync::Arc;

use auth::credentials::Caller;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use context::ServiceContext;

use crate::access::{Action, Policy};
use crate::blobs::Blobs;
use crate::body::Payload;
use crate::error::{S3Error, S3Result};
use crate::request::{Op, S3Request};
use crate::sigv4::{ChunkSigner, Signature};

/// Shared state of the storage service.
pub struct Service {
    pub ctx: ServiceContext,
    pub blobs: Blobs,
}

/// One authenticated request on its way through an operation.
pub struct Call<'a> {
    pub svc: &'a Service,
    pub req: &'a S3Request,
    /// The physical bucket name (empty for ListBuckets).
    pub bucket: String,
    pub caller: Caller,
    pub policy: Policy,
    pub sig: Signature,
    pub signing_key: [u8; 32],
}

impl Call<'_> {
    /// Fails with AccessDenied unless the caller may do `action` on `key` in this bucket.
    pub fn require(&self, action: Action, key: &str) -> S3Result<()> {
        if self.policy.allows(action, key) {
            Ok(())
        } else {
            Err(S3Error::AccessDenied(self.policy.describe_denial(action, key)))
        }
    }

    /// The policy of the caller on another of our buckets (for copies across buckets).
    pub fn policy_for(&self, bucket: &str) -> S3Result<Policy> {
        let backend = self.svc.ctx.backend();
        let b = self.svc.bucket_ir(&backend, bucket).ok_or_else(|| S3Error::NoSuchBucket(bucket.to_string()))?;
        Ok(Policy::new(&b, &access::role_of(&self.caller, &backend), &self.caller.identity_id))
    }

    /// How the body is framed and protected, from `x-amz-content-sha256`.
    pub fn payload(&self) -> S3Result<Payload> {
        let v = self.req.header("x-amz-content-sha256").unwrap_or("UNSIGNED-PAYLOAD");
        let signer = || ChunkSigner {
            key: self.signing_key,
            amz_date: self.sig.amz_date.clone(),
            scope: self.sig.scope(),
            previous: self.sig.signature.clone(),
        };
        Ok(match v {
            "UNSIGNED-PAYLOAD" => Payload::Unsigned,
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER" => Payload::Chunked { signer: None },
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" | "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" if self.sig.expires.is_none() => Payload::Chunked { signer: Some(signer()) },
            h if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => Payload::Sha256(h.to_string()),
            _ => {
                return Err(S3Error::InvalidArgument(format!(
                    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-… or a SHA-256 hex value, not {v:?}"
                )))
            }
        })
    }
}

impl Service {
    pub fn new(ctx: ServiceContext, blobs: Blobs) -> Service {
        Service { ctx, blobs }
    }

    /// Physical names of the buckets being served.
    pub fn bucket_names(&self) -> Vec<String> {
        self.ctx.backend().storage.iter().map(|b| self.ctx.ids.bucket_name(&b.name)).collect()
    }

    pub fn bucket_ir(&self, backend: &definition::ir::Backend, physical: &str) -> Option<definition::ir::Bucket> {
        backend.storage.iter().find(|b| self.ctx.ids.bucket_name(&b.name) == physical).cloned()
    }
}

/// The storage routes over files under the data directory (see [`router_with`]).
pub fn router(ctx: ServiceContext) -> Router {
    match blobs::fs::FsBlobs::open(&ctx.data_dir) {
        Ok(b) => router_with(ctx, Arc::new(b)),
        Err(e) => {
            tracing::error!(error = %e, "storage: cannot open the data directory; storage is disabled");
            Router::new()
        }
    }
}

/// The storage routes: `/s3[/…]`, plus a fallback serving path-style requests at the root and
/// virtual-hosted requests; object bytes in `blobs`. Starts the orphan janitor.
pub fn router_with(ctx: ServiceContext, blobs: Blobs) -> Router {
    let svc = Arc::new(Service::new(ctx, blobs));
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        rt.spawn(janitor::run(svc.clone()));
    }
    Router::new()
        .route(request::PREFIX, any(handle))
        .route(&format!("{}/{{*rest}}", request::PREFIX), any(handle))
        .fallback(handle)
        .with_state(svc)
}

async fn handle(State(svc): State<Arc<Service>>, req: Request) -> Response {
    let origin = req.headers().get("origin").cloned();
    if req.method() == Method::OPTIONS {
        return preflight(req.headers());
    }
    let head = req.method() == Method::HEAD;
    let (parts, body) = req.into_parts();
    let raw_query = parts.uri.query().unwrap_or("").to_string();
    let parsed = request::parse(parts.method, parts.uri.path(), &raw_query, parts.headers, &svc.bucket_names());
    let mut resp = match parsed {
        Err(e) => e.into_response_for(parts.uri.path(), head),
        Ok(req) => {
            let resource = req.resource();
            match serve(&svc, &req, body).await {
                Ok(r) => r,
                Err(e) => e.into_response_for(&resource, head),
            }
        }
    };
    add_cors(&mut resp, origin);
    resp
}

/// Who holds the access key: expired identity-pool credentials are S3's `ExpiredToken` (the
/// client then fetches new ones), unknown keys `InvalidAccessKeyId`.
async fn caller_of(svc: &Service, access_key_id: &str) -> S3Result<Caller> {
    match auth::credentials::resolve(&svc.ctx, access_key_id).await.map_err(|e| S3Error::Internal(e.to_string()))? {
        auth::credentials::Resolved::Valid(c) => Ok(c),
        auth::credentials::Resolved::Expired => Err(S3Error::ExpiredToken),
        auth::credentials::Resolved::Unknown => Err(S3Error::InvalidAccessKeyId),
    }
}

/// Checks the signature and who signed; every request must be signed (Amplify never sends
/// anonymous S3 requests, and the buckets are private).
async fn authenticate(svc: &Service, req: &S3Request) -> S3Result<(Caller, Signature, [u8; 32])> {
    if let Some(v2) = sigv2::parse(&req.query) {
        let caller = caller_of(svc, &v2.access_key_id).await?;
        if !caller.session_token.is_empty() && v2.security_token.as_deref() != Some(caller.session_token.as_str()) {
            return Err(S3Error::InvalidToken);
        }
        // SigV2 signs the path only: as sent, and as `/<bucket>/<key>` without our `/s3` prefix.
        let mut resources: Vec<String> = req.signed_as.iter().map(|(_, p)| p.clone()).filter(|p| !p.contains("{region}")).collect();
        if let Some(b) = &req.bucket {
            resources.push(format!("/{b}{}", req.signed_as.get(1).map(|(_, p)| p.as_str()).unwrap_or("/")));
        }
        sigv2::verify(&v2, req.method.as_str(), &req.query, &resources, &caller.secret_access_key, time::now_s())?;
        let sig = Signature {
            access_key_id: v2.access_key_id,
            date: String::new(),
            region: String::new(),
            service: "s3".into(),
            signed_headers: vec![],
            signature: v2.signature,
            amz_date: String::new(),
            expires: Some(v2.expires),
            security_token: v2.security_token,
        };
        return Ok((caller, sig, [0; 32]));
    }
    let sig = sigv4::parse(&req.headers, &req.query)?.ok_or_else(|| S3Error::AccessDenied("Anonymous access is denied: sign the request with identity-pool or ampstack admin credentials".into()))?;
    let caller = caller_of(svc, &sig.access_key_id).await?;
    if !caller.session_token.is_empty() && sig.security_token.as_deref() != Some(caller.session_token.as_str()) {
        return Err(S3Error::InvalidToken);
    }
    sigv4::check_time(&sig, time::now_s())?;
    let candidates: Vec<(String, String)> = req.signed_as.iter().map(|(h, p)| (h.replace("{region}", &sig.region), p.clone())).collect();
    let c = sigv4::Canonical {
        method: req.method.as_str(),
        query: &req.query,
        headers: &req.headers,
        candidates,
    };
    let key = sigv4::verify(&c, &sig, &caller.secret_access_key)?;
    Ok((caller, sig, key))
}

async fn serve(svc: &Service, req: &S3Request, body: Body) -> S3Result<Response> {
    let (caller, sig, signing_key) = authenticate(svc, req).await?;
    let backend = svc.ctx.backend();
    let role = access::role_of(&caller, &backend);
    if req.op == Op::ListBuckets {
        if role != access::Role::Admin {
            return Err(S3Error::AccessDenied("Only the sandbox's admin credentials may list buckets".into()));
        }
        return Ok(list::list_buckets(svc));
    }
    let bucket = req.bucket.clone().unwrap_or_default();
    let ir = svc.bucket_ir(&backend, &bucket).ok_or_else(|| S3Error::NoSuchBucket(bucket.clone()))?;
    let policy = Policy::new(&ir, &role, &caller.identity_id);
    let call = Call {
        svc,
        req,
        bucket,
        caller,
        policy,
        sig,
        signing_key,
    };
    match &req.op {
        Op::ListBuckets => unreachable!("handled above"),
        Op::HeadBucket => Ok(StatusCode::OK.into_response()),
        Op::GetBucketLocation => Ok(list::location(&call)),
        Op::ListObjectsV2 => list::list_objects(&call, true).await,
        Op::ListObjectsV1 => list::list_objects(&call, false).await,
        Op::ListMultipartUploads => multipart::list_uploads(&call).await,
        Op::DeleteObjects => objects::delete_objects(&call, body).await,
        Op::GetObject => objects::get(&call, false).await,
        Op::HeadObject => objects::get(&call, true).await,
        Op::PutObject => objects::put(&call, body).await,
        Op::CopyObject => objects::copy(&call).await,
        Op::DeleteObject => objects::delete(&call).await,
        Op::CreateMultipartUpload => multipart::create(&call).await,
        Op::UploadPart { part, upload_id } => multipart::upload_part(&call, *part, upload_id, body).await,
        Op::UploadPartCopy { part, upload_id } => multipart::upload_part_copy(&call, *part, upload_id).await,
        Op::CompleteMultipartUpload { upload_id } => multipart::complete(&call, upload_id, body).await,
        Op::AbortMultipartUpload { upload_id } => multipart::abort(&call, upload_id).await,
        Op::ListParts { upload_id } => multipart::list_parts(&call, upload_id).await,
    }
}

/// Headers a browser app may read from our responses (S3's CORS `ExposeHeaders`; the client
/// needs `ETag` for multipart uploads). `x-amz-meta-*` and checksum headers are added per response.
const EXPOSED: &str = "ETag, x-amz-version-id, x-amz-request-id, x-amz-id-2, x-amz-delete-marker, x-amz-server-side-encryption, Content-Length, Content-Type, Content-Range, Content-Disposition, Content-Encoding, Content-Language, Cache-Control, Expires, Last-Modified, Accept-Ranges";

/// The default bucket CORS rule of the seeds: any origin, the S3 methods, any header.
fn preflight(h: &HeaderMap) -> Response {
    let mut resp = StatusCode::OK.into_response();
    let out = resp.headers_mut();
    let origin = h.get("origin").cloned().unwrap_or(HeaderValue::from_static("*"));
    out.insert("access-control-allow-origin", origin);
    out.insert("access-control-allow-methods", HeaderValue::from_static("GET, HEAD, PUT, POST, DELETE"));
    if let Some(req_headers) = h.get("access-control-request-headers") {
        out.insert("access-control-allow-headers", req_headers.clone());
    }
    out.insert("access-control-expose-headers", HeaderValue::from_static(EXPOSED));
    out.insert("access-control-max-age", HeaderValue::from_static("3000"));
    out.insert("vary", HeaderValue::from_static("Origin, Access-Control-Request-Headers, Access-Control-Request-Method"));
    resp
}

fn add_cors(resp: &mut Response, origin: Option<HeaderValue>) {
    let Some(origin) = origin else { return };
    let mut expose = EXPOSED.to_string();
    for name in resp.headers().keys() {
        let n = name.as_str();
        if n.starts_with("x-amz-meta-") || n.starts_with("x-amz-checksum-") {
            expose.push_str(", ");
            expose.push_str(n);
        }
    }
    let h = resp.headers_mut();
    h.insert("access-control-allow-origin", origin);
    if let Ok(v) = HeaderValue::from_str(&expose) {
        h.insert("access-control-expose-headers", v);
    }
    h.insert("vary", HeaderValue::from_static("Origin"));
}
