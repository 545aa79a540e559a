//! Ampstack's persistence layer: one [`Store`] trait, two engines.
//!
//! - SQLite (default): a file under the data dir, opened from a path or a
//!   `sqlite://` URL.
//! - PostgreSQL: a `postgres://` / `postgresql://` URL.
//!
//! Items are schemaless, like DynamoDB: a named table (the model name), a
//! partition key `pk`, a sort key `sk` (empty when the model has none) and
//! the whole item as a JSON object, so app schema changes never migrate or
//! lose data. Filters ([`Filter`]) and key conditions are compiled to SQL
//! for both engines; nothing is ever filtered in Rust. A small key-value
//! area serves other services (signing keys, user pools, secrets).
//!
//! Module map: `types`/`filter`/`path` are the API data; `compile` turns
//! filters into SQL; `plan` builds query SQL and pages; `index` owns declared
//! index DDL; `write` holds the engine-neutral write logic; `sqlite` and
//! `postgres` execute; `migrate` owns the schema.

mod compile;
mod error;
mod filter;
mod index;
mod migrate;
mod path;
mod plan;
mod postgres;
mod sql;
mod sqlite;
mod sqlite_read;
mod sqlite_write;
mod types;
mod write;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

pub use error::{Result, StoreError};
pub use filter::{AttrType, Filter, Op};
pub use migrate::SCHEMA_VERSION;
pub use path::{FieldPath, PathSeg};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use types::{
    Condition, Cursor, Engine, IndexKey, Item, KvValue, Page, Patch, QuerySpec, SortCondition,
};

/// The persistence interface every service uses, as `Arc<dyn Store>`.
///
/// Every write is atomic with its [`Condition`] and returns what it
/// committed, so callers can publish realtime events after the commit.
#[async_trait]
pub trait Store: Send + Sync {
    fn engine(&self) -> Engine;

    async fn get(&self, table: &str, pk: &str, sk: &str) -> Result<Option<Item>>;

    /// Creates or replaces the item (`data` must be a JSON object).
    async fn put(
        &self,
        table: &str,
        pk: &str,
        sk: &str,
        data: Value,
        cond: &Condition,
    ) -> Result<Item>;

    /// Merges `patch` into the item and returns the new item. Like DynamoDB
    /// UpdateItem, a missing item is created unless the condition forbids it.
    async fn update(
        &self,
        table: &str,
        pk: &str,
        sk: &str,
        patch: &Patch,
        cond: &Condition,
    ) -> Result<Item>;

    /// Deletes the item, returning it (`None` if there was nothing to delete).
    async fn delete(
        &self,
        table: &str,
        pk: &str,
        sk: &str,
        cond: &Condition,
    ) -> Result<Option<Item>>;

    async fn query(&self, table: &str, spec: &QuerySpec) -> Result<Page>;

    /// Declares a secondary index and builds an expression index for it.
    /// Idempotent; re-declaring a name with other fields rebuilds it.
    async fn ensure_index(&self, table: &str, name: &str, index: &IndexKey) -> Result<()>;

    async fn kv_get(&self, ns: &str, key: &str) -> Result<Option<KvValue>>;
    async fn kv_put(&self, ns: &str, key: &str, value: &KvValue) -> Result<()>;
    /// Returns whether the key existed.
    async fn kv_delete(&self, ns: &str, key: &str) -> Result<bool>;
    /// All entries of `ns` whose key starts with `prefix`, ordered by key.
    async fn kv_list(&self, ns: &str, prefix: &str) -> Result<Vec<(String, KvValue)>>;

    /// Highest applied migration (equals [`SCHEMA_VERSION`] after open).
    async fn schema_version(&self) -> Result<i64>;

    /// Closes the connection pool; later calls fail.
    async fn close(&self);

    /// The PostgreSQL pool behind this store, for services that need the database itself
    /// (realtime fan-out between nodes uses `LISTEN/NOTIFY`). `None` for other engines.
    fn postgres_pool(&self) -> Option<sqlx::PgPool> {
        None
    }
}

/// Opens a store: `postgres://` or `postgresql://` URLs select Postgres;
/// `sqlite://PATH`, `sqlite::memory:` or a plain path select SQLite. A path
/// naming an existing directory stores `ampstack.db` inside it.
pub async fn open(target: &str) -> Result<Arc<dyn Store>> {
    if target.starts_with("postgres://") || target.starts_with("postgresql://") {
        return Ok(Arc::new(PgStore::connect(target).await?));
    }
    let path = target
        .strip_prefix("sqlite://")
        .or_else(|| target.strip_prefix("sqlite:"))
        .unwrap_or(target);
    if path == ":memory:" {
        return Ok(Arc::new(SqliteStore::open_in_memory().await?));
    }
    if path.is_empty() || path.contains('?') || path.contains("://") {
        return Err(StoreError::InvalidInput(format!(
            "unsupported store location {target:?}"
        )));
    }
    let mut path = Path::new(path).to_path_buf();
    if path.is_dir() {
        path.push("ampstack.db");
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|e| StoreError::Backend(format!("creating {}: {e}", parent.display())))?;
    }
    Ok(Arc::new(SqliteStore::open(&path).await?))
}
