//! Per-test store fixtures. SQLite gets a fresh file in a temp dir; Postgres
//! gets a fresh uniquely named schema (dropped again on drop), reached by
//! `search_path` in the connection URL, so parallel tests never collide.
//! Postgres: `AMPSTACK_TEST_PG_URL`, else an ICU-collated database on the
//! local trust-auth server (see `pg_base_url`).

use std::sync::Arc;

use serde_json::Value;
use sqlx::{AssertSqlSafe, Connection};
use store::{Condition, Item, QuerySpec, Store};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

pub struct Harness {
    pub kind: Kind,
    pub store: Arc<dyn Store>,
    /// What `store::open` was given; reopen with it.
    pub target: String,
    _dir: Option<tempfile::TempDir>,
    /// (database URL, schema) to drop afterwards.
    schema: Option<(String, String)>,
}

const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432";

/// The database the Postgres tests run in. Unless overridden, a database
/// with an ICU collation (where 'a' < 'B' and 'é' < 'f'), created on first
/// use, so any ordering that forgot `COLLATE "C"` fails the byte-order tests.
async fn pg_base_url() -> String {
    if let Ok(url) = std::env::var("AMPSTACK_TEST_PG_URL") {
        return url;
    }
    let admin = format!("{DEFAULT_PG}/test");
    let mut conn = connect_pg(&admin).await;
    const EXISTS: &str =
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'ampstack_store_test')";
    let exists = || sqlx::query_scalar::<_, bool>(EXISTS);
    if !exists().fetch_one(&mut conn).await.unwrap() {
        let created = sqlx::raw_sql(
            "CREATE DATABASE ampstack_store_test TEMPLATE template0 ENCODING 'UTF8' \
             LOCALE_PROVIDER icu ICU_LOCALE 'und'",
        )
        .execute(&mut conn)
        .await;
        // Losing a creation race to a parallel test is fine; no ICU is not.
        if created.is_err() && !exists().fetch_one(&mut conn).await.unwrap() {
            eprintln!("no ICU database ({created:?}); testing in {admin}");
            return admin;
        }
    }
    let _ = conn.close().await;
    format!("{DEFAULT_PG}/ampstack_store_test")
}

async fn connect_pg(url: &str) -> sqlx::PgConnection {
    sqlx::PgConnection::connect(url).await.unwrap_or_else(|e| {
        panic!(
            "postgres not reachable at {url}: {e}. Start it with: pg_ctlcluster --skip-systemctl-redirect \
             $(ls /etc/postgresql) main start"
        )
    })
}

async fn pg_admin(url: &str, sql: String) {
    let mut conn = connect_pg(url).await;
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(&mut conn)
        .await
        .expect("admin sql");
    let _ = conn.close().await;
}

impl Harness {
    pub async fn new(kind: Kind) -> Harness {
        let (target, dir, schema) = match kind {
            Kind::Sqlite => {
                let dir = tempfile::tempdir().expect("tempdir");
                // A not-yet-existing subdirectory: open must create it.
                let target = dir
                    .path()
                    .join("data")
                    .join("store.db")
                    .to_string_lossy()
                    .into_owned();
                (target, Some(dir), None)
            }
            Kind::Postgres => {
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let base = pg_base_url().await;
                pg_admin(&base, format!("CREATE SCHEMA {schema}")).await;
                let sep = if base.contains('?') { '&' } else { '?' };
                (
                    format!("{base}{sep}options=-c%20search_path%3D{schema}"),
                    None,
                    Some((base, schema)),
                )
            }
        };
        let store = store::open(&target).await.expect("open store");
        Harness {
            kind,
            store,
            target,
            _dir: dir,
            schema,
        }
    }

    pub async fn reopen(&self) -> Arc<dyn Store> {
        store::open(&self.target).await.expect("reopen store")
    }

    /// Runs a scalar count against the raw database (bypassing the store).
    pub async fn raw_count(&self, sql: &'static str) -> i64 {
        match self.kind {
            Kind::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", self.target))
                    .await
                    .unwrap();
                sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
            }
            Kind::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.target).await.unwrap();
                sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
            }
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some((base, schema)) = self.schema.take() {
            // Drop runs inside the test's runtime, where we cannot block on
            // it: use a throwaway runtime on its own thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(pg_admin(
                    &base,
                    format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
                ));
            })
            .join();
        }
    }
}

/// Instantiates each listed `async fn name(&Harness)` of the calling module
/// once per engine, as `sqlite::name` and `postgres::name`.
macro_rules! store_test_suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let h = crate::harness::Harness::new(crate::harness::Kind::Sqlite).await;
                    super::$name(&h).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let h = crate::harness::Harness::new(crate::harness::Kind::Postgres).await;
                    super::$name(&h).await;
                }
            )*
        }
    };
}

pub async fn put(s: &Arc<dyn Store>, table: &str, pk: &str, sk: &str, data: Value) -> Item {
    s.put(table, pk, sk, data, &Condition::None)
        .await
        .expect("put")
}

/// Follows cursors to the end, checking every non-final page is full.
pub async fn query_all(s: &Arc<dyn Store>, table: &str, spec: &QuerySpec) -> Vec<Item> {
    let mut out = Vec::new();
    let mut spec = spec.clone();
    for _ in 0..10_000 {
        let page = s.query(table, &spec).await.expect("query");
        if let (Some(n), Some(_)) = (spec.limit, &page.cursor) {
            assert_eq!(page.items.len(), n, "a page with a cursor must be full");
        }
        out.extend(page.items);
        match page.cursor {
            Some(c) => spec.cursor = Some(c),
            None => return out,
        }
    }
    panic!("pagination did not terminate");
}

pub fn pks(items: &[Item]) -> Vec<String> {
    items.iter().map(|i| i.pk.clone()).collect()
}

pub fn sks(items: &[Item]) -> Vec<String> {
    items.iter().map(|i| i.sk.clone()).collect()
}
