//! The embedded SQLite engine (the default): one database file under the
//! data dir, WAL mode. Item reads run on synchronous read-only connections
//! ([`crate::sqlite_read`]), item writes on the group-committing writer thread
//! ([`crate::sqlite_write`]); migrations, index builds and the kv area use the
//! sqlx pool with `BEGIN IMMEDIATE`.

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Row};

use crate::error::Result;
use crate::index::{check_index, index_ddl, index_sql_name};
use crate::plan::{plan_query, ITEM_COLS};
use crate::sql::{Bind, Dialect, Sql};
use crate::sqlite_read::ReadPool;
use crate::sqlite_write::GroupWriter;
use crate::types::{now_ms, Condition, Engine, IndexKey, Item, KvValue, Page, Patch, QuerySpec};
use crate::write::{apply_patch, check_ns, check_object};
use crate::{migrate, Store};

pub struct SqliteStore {
    pool: SqlitePool,
    /// Synchronous read connections on the same file.
    reads: ReadPool,
    /// The group-committing item writer on the same file.
    writer: GroupWriter,
    /// The private directory of a throwaway database (`sqlite::memory:`), removed on drop.
    _scratch: Option<tempfile::TempDir>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies migrations.
    pub async fn open(path: &Path) -> Result<Self> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            // WAL: readers never block the writer and a commit is one
            // sequential append. synchronous=FULL fsyncs the WAL at every
            // commit: NORMAL would already survive kill -9 (the WAL is in
            // the OS cache), but can lose the last acknowledged writes on
            // power loss or an OS crash, and we promise acked == durable.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            // Other connections (or processes) may hold the write lock
            // briefly; wait instead of failing with SQLITE_BUSY.
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await?;
        migrate::sqlite(&pool).await?;
        Ok(SqliteStore {
            pool,
            reads: ReadPool::new(path),
            writer: GroupWriter::start(path)?,
            _scratch: None,
        })
    }

    /// A private throwaway database (tests, throwaway runs): a file in a temp directory that
    /// is removed with the store, so it behaves exactly like a file database.
    pub async fn open_in_memory() -> Result<Self> {
        let dir = tempfile::tempdir().map_err(|e| {
            crate::StoreError::Backend(format!("cannot create a scratch directory: {e}"))
        })?;
        let mut store = Self::open(&dir.path().join("scratch.db")).await?;
        store._scratch = Some(dir);
        Ok(store)
    }

    /// Runs one conditional write on the writer thread (see [`crate::sqlite_write`]).
    async fn write(
        &self,
        table: &str,
        pk: &str,
        sk: &str,
        cond: &Condition,
        new_data: impl FnOnce(Option<&Item>) -> Result<Option<Value>> + Send + 'static,
    ) -> Result<(Option<Item>, Option<Item>)> {
        self.writer
            .write(table, pk, sk, cond, Box::new(new_data))
            .await
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn engine(&self) -> Engine {
        Engine::Sqlite
    }

    async fn get(&self, table: &str, pk: &str, sk: &str) -> Result<Option<Item>> {
        let mut q = Sql::new(Dialect::Sqlite);
        q.text = format!("SELECT {ITEM_COLS} FROM items WHERE tbl = $1 AND pk = $2 AND sk = $3");
        q.binds = vec![
            Bind::Text(table.into()),
            Bind::Text(pk.into()),
            Bind::Text(sk.into()),
        ];
        Ok(self
            .reads
            .rows(&q, |r| crate::sqlite_read::row_item(table, r))?
            .pop())
    }

    async fn put(
        &self,
        table: &str,
        pk: &str,
        sk: &str,
        data: Value,
        cond: &Condition,
    ) -> Result<Item> {
        check_object(&data)?;
        let (_, new) = self.write(table, pk, sk, cond, |_| Ok(Some(data))).await?;
        new.ok_or_else(|| crate::StoreError::Backend("put wrote nothing".into()))
    }

    async fn update(
        &self,
        table: &str,
        pk: &str,
        sk: &str,
        patch: &Patch,
        cond: &Condition,
    ) -> Result<Item> {
        let (_, new) = self
            .write(table, pk, sk, cond, {
                let patch = patch.clone();
                move |cur| apply_patch(cur, &patch).map(Some)
            })
            .await?;
        new.ok_or_else(|| crate::StoreError::Backend("update wrote nothing".into()))
    }

    async fn delete(
        &self,
        table: &str,
        pk: &str,
        sk: &str,
        cond: &Condition,
    ) -> Result<Option<Item>> {
        Ok(self.write(table, pk, sk, cond, |_| Ok(None)).await?.0)
    }

    async fn query(&self, table: &str, spec: &QuerySpec) -> Result<Page> {
        let mut plan = plan_query(Dialect::Sqlite, table, spec)?;
        let sql = std::mem::replace(&mut plan.sql, Sql::new(Dialect::Sqlite));
        let items = self
            .reads
            .rows(&sql, |r| crate::sqlite_read::row_item(table, r))?;
        Ok(plan.finish(items))
    }

    async fn ensure_index(&self, table: &str, name: &str, index: &IndexKey) -> Result<()> {
        check_index(table, index)?;
        let fields = serde_json::to_string(index)?;
        let sql_name = index_sql_name(table, name);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let existing: Option<String> =
            sqlx::query_scalar("SELECT fields FROM item_indexes WHERE tbl = $1 AND name = $2")
                .bind(table)
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
        if existing.as_deref() != Some(fields.as_str()) {
            // Fields changed (or first declaration): rebuild under the same name.
            sqlx::raw_sql(AssertSqlSafe(format!("DROP INDEX IF EXISTS {sql_name}")))
                .execute(&mut *tx)
                .await?;
            sqlx::raw_sql(AssertSqlSafe(index_ddl(
                Dialect::Sqlite,
                table,
                &sql_name,
                index,
            )))
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO item_indexes (tbl, name, sql_name, fields) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (tbl, name) DO UPDATE SET sql_name = excluded.sql_name, fields = excluded.fields",
            )
            .bind(table)
            .bind(name)
            .bind(&sql_name)
            .bind(&fields)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn kv_get(&self, ns: &str, key: &str) -> Result<Option<KvValue>> {
        let row = sqlx::query("SELECT json, bytes FROM kv WHERE ns = $1 AND key = $2")
            .bind(ns)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| kv_value(&r)).transpose()
    }

    async fn kv_put(&self, ns: &str, key: &str, value: &KvValue) -> Result<()> {
        check_ns(ns, key)?;
        let (json, bytes) = match value {
            KvValue::Json(v) => {
                check_object(&serde_json::json!({ "v": v }))?;
                (Some(v.to_string()), None)
            }
            KvValue::Bytes(b) => (None, Some(b.clone())),
        };
        sqlx::query(
            "INSERT INTO kv (ns, key, json, bytes, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (ns, key) DO UPDATE SET json = excluded.json, bytes = excluded.bytes, \
             updated_at = excluded.updated_at",
        )
        .bind(ns)
        .bind(key)
        .bind(json)
        .bind(bytes)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn kv_delete(&self, ns: &str, key: &str) -> Result<bool> {
        let r = sqlx::query("DELETE FROM kv WHERE ns = $1 AND key = $2")
            .bind(ns)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn kv_list(&self, ns: &str, prefix: &str) -> Result<Vec<(String, KvValue)>> {
        // substr, not LIKE: '%' and '_' in keys are literal.
        let rows = sqlx::query(
            "SELECT key, json, bytes FROM kv WHERE ns = $1 AND key >= $2 \
             AND substr(key, 1, length($2)) = $2 ORDER BY key",
        )
        .bind(ns)
        .bind(prefix)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("key")?, kv_value(r)?)))
            .collect()
    }

    async fn schema_version(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

fn kv_value(r: &SqliteRow) -> Result<KvValue> {
    if let Some(b) = r.try_get::<Option<Vec<u8>>, _>("bytes")? {
        return Ok(KvValue::Bytes(b));
    }
    let j: Option<String> = r.try_get("json")?;
    Ok(KvValue::Json(serde_json::from_str(
        j.as_deref().unwrap_or("null"),
    )?))
}
