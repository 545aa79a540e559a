//! The data router served on port 0 over a real store (SQLite in a temp dir, or a fresh
//! PostgreSQL schema under AMPSTACK_TEST_DATABASE_URL), loaded with the test project
//! `conformance/projects/data-models`, and a minimal HTTP client for it. The store is wrapped to
//! count reads, so tests can prove batching.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use context::{SandboxIds, ServiceContext};
use definition::ir::Backend;
use serde_json::{json, Value};
use sqlx::{AssertSqlSafe, Connection};
use store::{Condition, Engine, IndexKey, Item, KvValue, Page, Patch, QuerySpec, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Counts reads (get + query) going to the store.
pub struct Counting {
    inner: Arc<dyn Store>,
    pub reads: AtomicUsize,
}

#[async_trait]
impl Store for Counting {
    fn engine(&self) -> Engine {
        self.inner.engine()
    }
    async fn get(&self, t: &str, pk: &str, sk: &str) -> store::Result<Option<Item>> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.get(t, pk, sk).await
    }
    async fn put(&self, t: &str, pk: &str, sk: &str, data: Value, c: &Condition) -> store::Result<Item> {
        self.inner.put(t, pk, sk, data, c).await
    }
    async fn update(&self, t: &str, pk: &str, sk: &str, p: &Patch, c: &Condition) -> store::Result<Item> {
        self.inner.update(t, pk, sk, p, c).await
    }
    async fn delete(&self, t: &str, pk: &str, sk: &str, c: &Condition) -> store::Result<Option<Item>> {
        self.inner.delete(t, pk, sk, c).await
    }
    async fn query(&self, t: &str, spec: &QuerySpec) -> store::Result<Page> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.query(t, spec).await
    }
    async fn ensure_index(&self, t: &str, n: &str, i: &IndexKey) -> store::Result<()> {
        self.inner.ensure_index(t, n, i).await
    }
    async fn kv_get(&self, ns: &str, k: &str) -> store::Result<Option<KvValue>> {
        self.inner.kv_get(ns, k).await
    }
    async fn kv_put(&self, ns: &str, k: &str, v: &KvValue) -> store::Result<()> {
        self.inner.kv_put(ns, k, v).await
    }
    async fn kv_delete(&self, ns: &str, k: &str) -> store::Result<bool> {
        self.inner.kv_delete(ns, k).await
    }
    async fn kv_list(&self, ns: &str, p: &str) -> store::Result<Vec<(String, KvValue)>> {
        self.inner.kv_list(ns, p).await
    }
    async fn schema_version(&self) -> store::Result<i64> {
        self.inner.schema_version().await
    }
    async fn close(&self) {
        self.inner.close().await
    }
}

pub fn project() -> Arc<Backend> {
    static B: OnceLock<Arc<Backend>> = OnceLock::new();
    B.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance/projects/data-models");
        Arc::new(definition::load_project(&dir).unwrap_or_else(|e| panic!("{}", e.render(&dir))).backend)
    })
    .clone()
}

pub struct Api {
    pub port: u16,
    pub ctx: ServiceContext,
    pub ids: SandboxIds,
    pub store: Arc<Counting>,
    pub raw: Arc<dyn Store>,
    pub backend_tx: tokio::sync::watch::Sender<Arc<Backend>>,
    _dir: tempfile::TempDir,
    pg_schema: Option<(String, String)>,
    server: tokio::task::JoinHandle<()>,
}

pub fn pg_url() -> Option<String> {
    std::env::var("AMPSTACK_TEST_DATABASE_URL").ok()
}

impl Api {
    pub async fn start(db: Db) -> Api {
        Api::start_with(db, project(), |_| async {}).await
    }

    /// Starts the router; `prepare` runs on the raw store first (e.g. to age the API key).
    pub async fn start_with<F, Fut>(db: Db, backend: Arc<Backend>, prepare: F) -> Api
    where
        F: FnOnce(Arc<dyn Store>) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let dir = tempfile::tempdir().unwrap();
        let (target, pg_schema) = match db {
            Db::Sqlite => (dir.path().join("store.db").to_string_lossy().into_owned(), None),
            Db::Postgres => {
                let base = pg_url().expect("AMPSTACK_TEST_DATABASE_URL");
                let schema = format!("data_{}", uuid::Uuid::new_v4().simple());
                let mut c = sqlx::PgConnection::connect(&base).await.unwrap();
                sqlx::raw_sql(AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&mut c).await.unwrap();
                let sep = if base.contains('?') { '&' } else { '?' };
                (format!("{base}{sep}options=-c%20search_path%3D{schema}"), Some((base, schema)))
            }
        };
        let raw = store::open(&target).await.unwrap();
        prepare(raw.clone()).await;
        let store = Arc::new(Counting { inner: raw.clone(), reads: AtomicUsize::new(0) });
        let (backend_tx, backend_rx) = tokio::sync::watch::channel(backend);
        let ids = SandboxIds::generate("us-east-1");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let ctx = ServiceContext::new(store.clone(), backend_rx, ids.clone(), format!("http://127.0.0.1:{port}"), dir.path().to_path_buf());
        let app = data::router(ctx.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Api { port, ctx, ids, store, raw, backend_tx, _dir: dir, pg_schema, server }
    }

    pub fn reads(&self) -> usize {
        self.store.reads.load(Ordering::SeqCst)
    }

    /// POST /graphql with the given headers; returns (status, x-amzn-errortype, body).
    pub async fn post(&self, headers: &[(&str, &str)], body: &str) -> (u16, Option<String>, Value) {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
        let mut req = format!("POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n", self.port, body.len());
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(body);
        s.write_all(req.as_bytes()).await.unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.unwrap();
        let text = String::from_utf8_lossy(&buf).into_owned();
        let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let errortype = head.lines().find_map(|l| l.to_ascii_lowercase().starts_with("x-amzn-errortype:").then(|| l["x-amzn-errortype:".len()..].trim().to_string()));
        let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
        let body = if chunked { dechunk(rest) } else { rest.to_string() };
        (status, errortype, serde_json::from_str(&body).unwrap_or(Value::String(body)))
    }

    /// A confirmed user-pool user (email sign-in) in `groups`; returns (access token, owner value).
    pub async fn user(&self, email: &str, groups: &[&str]) -> (String, String) {
        let pool = auth::pool::Pool::new(&self.ctx);
        let (mut user, _) = auth::admin::create_user(&pool, email, Default::default(), Some("Passw0rd!Passw0rd"), true).await.unwrap();
        for g in groups {
            user = auth::admin::add_to_group(&pool, email, g).await.unwrap();
        }
        let (session, _) = auth::sessions::start(&pool, &user.sub, None).await.unwrap();
        let tokens = auth::tokens::issue(&pool, &user, &session, None).await.unwrap();
        (tokens["AccessToken"].as_str().unwrap().to_string(), format!("{}::{}", user.sub, user.username))
    }

    /// A GraphQL request with a user-pool access token (raw, as the client sends it).
    pub async fn as_user(&self, token: &str, query: &str, variables: Value) -> Value {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let (status, _, v) = self.post(&[("authorization", token)], &body).await;
        assert_eq!(status, 200, "{v}");
        v
    }

    /// Guest credentials from the identity pool: (access key id, secret, session token).
    pub async fn guest_credentials(&self) -> (String, String, String) {
        let pool = auth::pool::Pool::new(&self.ctx);
        let id = auth::identity::get_id(&pool, &json!({ "IdentityPoolId": self.ids.identity_pool_id })).await.unwrap();
        let c = auth::identity::get_credentials(&pool, &json!({ "IdentityId": id["IdentityId"] })).await.unwrap();
        let c = &c["Credentials"];
        (c["AccessKeyId"].as_str().unwrap().into(), c["SecretKey"].as_str().unwrap().into(), c["SessionToken"].as_str().unwrap().into())
    }

    /// The sandbox administrator's credentials (no session token).
    pub fn admin_credentials(&self) -> (String, String, String) {
        let a = auth::admin::AdminCredentials::load_or_create(&self.ctx.data_dir).unwrap();
        (a.access_key_id, a.secret_access_key, String::new())
    }

    /// A GraphQL request signed with SigV4 (service `appsync`), as the client signs IAM requests.
    pub async fn as_iam(&self, creds: &(String, String, String), query: &str, variables: Value) -> Value {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let headers = sigv4_headers(creds, &format!("127.0.0.1:{}", self.port), &body);
        let refs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, _, v) = self.post(&refs, &body).await;
        assert_eq!(status, 200, "{v}");
        v
    }

    /// A GraphQL request with the API key; returns the whole response body.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let (status, _, v) = self.post(&[("x-api-key", &self.ids.api_key)], &body).await;
        assert_eq!(status, 200, "{v}");
        v
    }

    /// `gql` that must succeed: returns `data`.
    pub async fn ok(&self, query: &str, variables: Value) -> Value {
        let v = self.gql(query, variables).await;
        assert!(v.get("errors").is_none(), "unexpected errors: {v}");
        v["data"].clone()
    }

    pub async fn finish(self) {
        self.server.abort();
        self.raw.close().await;
        if let Some((base, schema)) = &self.pg_schema {
            if let Ok(mut c) = sqlx::PgConnection::connect(base).await {
                let _ = sqlx::raw_sql(AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).execute(&mut c).await;
            }
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    ring::hmac::sign(&ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key), data.as_bytes()).as_ref().to_vec()
}

/// `x-amz-date`, the security token and `authorization` for POST /graphql (content-type, host and
/// x-amz-date signed, as `post` sends them).
fn sigv4_headers((key_id, secret, token): &(String, String, String), host: &str, body: &str) -> Vec<(String, String)> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let iso = data::runtime::plan::iso_from_millis(now);
    let amz_date = format!("{}{}{}T{}{}{}Z", &iso[0..4], &iso[5..7], &iso[8..10], &iso[11..13], &iso[14..16], &iso[17..19]);
    let date = &amz_date[..8];
    let mut canonical_headers = format!("content-type:application/json\nhost:{host}\nx-amz-date:{amz_date}\n");
    let mut signed = "content-type;host;x-amz-date".to_string();
    if !token.is_empty() {
        canonical_headers.push_str(&format!("x-amz-security-token:{token}\n"));
        signed.push_str(";x-amz-security-token");
    }
    let payload = hex(ring::digest::digest(&ring::digest::SHA256, body.as_bytes()).as_ref());
    let canonical = format!("POST\n/graphql\n\n{canonical_headers}\n{signed}\n{payload}");
    let scope = format!("{date}/us-east-1/appsync/aws4_request");
    let to_sign = format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", hex(ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes()).as_ref()));
    let k = hmac(&hmac(&hmac(&hmac(format!("AWS4{secret}").as_bytes(), date), "us-east-1"), "appsync"), "aws4_request");
    let sig = hex(&hmac(&k, &to_sign));
    let mut out = vec![
        ("x-amz-date".to_string(), amz_date.clone()),
        ("authorization".to_string(), format!("AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders={signed}, Signature={sig}")),
    ];
    if !token.is_empty() {
        out.push(("x-amz-security-token".to_string(), token.clone()));
    }
    out
}

fn dechunk(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}

/// Defines `<name>_sqlite` and `<name>_postgres` tests running `body(Db)`; the PostgreSQL one
/// is skipped (with a note) when AMPSTACK_TEST_DATABASE_URL is not set.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::harness::Db::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::harness::pg_url().is_none() {
                    eprintln!("AMPSTACK_TEST_DATABASE_URL not set: PostgreSQL variant not run");
                    return;
                }
                ($body)($crate::harness::Db::Postgres).await;
            }
        }
    };
}
