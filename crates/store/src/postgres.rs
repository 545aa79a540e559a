//! The PostgreSQL engine: items as `jsonb`, row locks (`FOR UPDATE`) for
//! conditional writes, a sequence for versions. Durability is Postgres'
//! own: a commit is acknowledged after its WAL flush (default
//! `synchronous_commit = on`), which we do not override.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use sqlx::postgres::{PgArguments, PgPool, PgPoolOptions, PgRow};
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, Postgres, Row};

use crate::error::{Result, StoreError};
use crate::index::{check_index, index_ddl, index_sql_name};
use crate::plan::{plan_query, ITEM_COLS};
use crate::sql::{Bind, Dialect, Sql};
use crate::types::{now_ms, Condition, Engine, IndexKey, Item, KvValue, Page, Patch, QuerySpec};
use crate::write::{apply_patch, check_key, check_ns, check_object, condition_sql, precheck};
use crate::{migrate, Store};

pub struct PgStore {
    pool: PgPool,
}

type Query = sqlx::query::Query<'static, Postgres, PgArguments>;

fn query(sql: Sql) -> Query {
    sql.binds
        .into_iter()
        .fold(sqlx::query(AssertSqlSafe(sql.text)), |q, b| match b {
            Bind::Text(s) => q.bind(s),
            Bind::Int(i) => q.bind(i),
            Bind::Float(f) => q.bind(f),
            Bind::Json(v) => q.bind(Json(v)),
            Bind::TextArray(a) => q.bind(a),
        })
}

fn row_item(table: &str, row: &PgRow) -> Result<Item> {
    Ok(Item {
        table: table.to_string(),
        pk: row.try_get("pk")?,
        sk: row.try_get("sk")?,
        data: row.try_get::<Json<Value>, _>("item")?.0,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// How often a write whose key was concurrently created is retried.
const RACE_RETRIES: usize = 8;

impl PgStore {
    /// Connects (`postgres://...`; use `?options=-c%20search_path%3Dname`
    /// to live in a schema) and applies migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(15))
            .connect(url)
            .await?;
        migrate::postgres(&pool).await?;
        Ok(PgStore { pool })
    }

    async fn write(
        &self,
        table: &str,
        pk: &str,
        sk: &str,
        cond: &Condition,
        new_data: impl Fn(Option<&Item>) -> Result<Option<Value>>,
    ) -> Result<(Option<Item>, Option<Item>)> {
        check_key(table, pk, sk)?;
        for _ in 0..RACE_RETRIES {
            if let Some(done) = self.try_write(table, pk, sk, cond, &new_data).await? {
                return Ok(done);
            }
        }
        Err(StoreError::Backend(
            "write kept racing with concurrent creates of the same key".into(),
        ))
    }

    /// One attempt. `FOR UPDATE` locks an existing row until commit, so the
    /// condition cannot go stale; a missing row cannot be locked, so its
    /// insert uses `ON CONFLICT DO NOTHING` and reports a lost race as
    /// `None` (the caller retries and then sees the winner's row).
    async fn try_write(
        &self,
        table: &str,
        pk: &str,
        sk: &str,
        cond: &Condition,
        new_data: &impl Fn(Option<&Item>) -> Result<Option<Value>>,
    ) -> Result<Option<(Option<Item>, Option<Item>)>> {
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "SELECT {ITEM_COLS} FROM items WHERE tbl = $1 AND pk = $2 AND sk = $3 FOR UPDATE"
        );
        let cur = sqlx::query(AssertSqlSafe(sql))
            .bind(table)
            .bind(pk)
            .bind(sk)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| row_item(table, &r))
            .transpose()?;
        if let Some(f) = precheck(cond, cur.as_ref())? {
            let ok: bool = query(condition_sql(Dialect::Postgres, cur.as_ref(), f)?)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
            if !ok {
                return Err(StoreError::ConditionFailed);
            }
        }
        let written = match (new_data(cur.as_ref())?, &cur) {
            (None, None) => None,
            (None, Some(_)) => {
                sqlx::query("DELETE FROM items WHERE tbl = $1 AND pk = $2 AND sk = $3")
                    .bind(table)
                    .bind(pk)
                    .bind(sk)
                    .execute(&mut *tx)
                    .await?;
                None
            }
            (Some(data), Some(c)) => {
                let now = now_ms();
                let version: i64 = sqlx::query_scalar(
                    "UPDATE items SET item = $4, version = nextval('item_version_seq'), updated_at = $5 \
                     WHERE tbl = $1 AND pk = $2 AND sk = $3 RETURNING version",
                )
                .bind(table)
                .bind(pk)
                .bind(sk)
                .bind(Json(&data))
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                Some(Item {
                    version,
                    updated_at: now,
                    data,
                    ..c.clone()
                })
            }
            (Some(data), None) => {
                let now = now_ms();
                let version: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO items (tbl, pk, sk, item, version, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, nextval('item_version_seq'), $5, $5) \
                     ON CONFLICT (tbl, pk, sk) DO NOTHING RETURNING version",
                )
                .bind(table)
                .bind(pk)
                .bind(sk)
                .bind(Json(&data))
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(version) = version else {
                    return Ok(None); // lost a race with a concurrent create
                };
                Some(Item {
                    table: table.into(),
                    pk: pk.into(),
                    sk: sk.into(),
                    data,
                    version,
                    created_at: now,
                    updated_at: now,
                })
            }
        };
        tx.commit().await?;
        Ok(Some((cur, written)))
    }
}

#[async_trait]
impl Store for PgStore {
    fn engine(&self) -> Engine {
        Engine::Postgres
    }

    async fn get(&self, table: &str, pk: &str, sk: &str) -> Result<Option<Item>> {
        let sql = format!("SELECT {ITEM_COLS} FROM items WHERE tbl = $1 AND pk = $2 AND sk = $3");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(table)
            .bind(pk)
            .bind(sk)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| row_item(table, &r)).transpose()
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
        let (_, new) = self
            .write(table, pk, sk, cond, |_| Ok(Some(data.clone())))
            .await?;
        new.ok_or_else(|| StoreError::Backend("put wrote nothing".into()))
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
            .write(table, pk, sk, cond, |cur| apply_patch(cur, patch).map(Some))
            .await?;
        new.ok_or_else(|| StoreError::Backend("update wrote nothing".into()))
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
        let mut plan = plan_query(Dialect::Postgres, table, spec)?;
        let sql = std::mem::replace(&mut plan.sql, Sql::new(Dialect::Postgres));
        let rows = query(sql).fetch_all(&self.pool).await?;
        let items = rows
            .iter()
            .map(|r| row_item(table, r))
            .collect::<Result<Vec<_>>>()?;
        Ok(plan.finish(items))
    }

    async fn ensure_index(&self, table: &str, name: &str, index: &IndexKey) -> Result<()> {
        check_index(table, index)?;
        let fields = serde_json::to_string(index)?;
        let sql_name = index_sql_name(table, name);
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "SELECT pg_advisory_xact_lock(hashtext('ampstack-index:' || current_schema()))",
        )
        .execute(&mut *tx)
        .await?;
        let existing: Option<String> =
            sqlx::query_scalar("SELECT fields FROM item_indexes WHERE tbl = $1 AND name = $2")
                .bind(table)
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
        if existing.as_deref() != Some(fields.as_str()) {
            // Built inside the transaction (not CONCURRENTLY): it blocks
            // writers to `items` while it builds, acceptable at deploy time.
            sqlx::raw_sql(AssertSqlSafe(format!("DROP INDEX IF EXISTS {sql_name}")))
                .execute(&mut *tx)
                .await?;
            sqlx::raw_sql(AssertSqlSafe(index_ddl(
                Dialect::Postgres,
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
                (Some(Json(v.clone())), None)
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
        let rows = sqlx::query(
            "SELECT key, json, bytes FROM kv WHERE ns = $1 AND key >= $2 AND starts_with(key, $2) ORDER BY key",
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
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_migrations")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    fn postgres_pool(&self) -> Option<sqlx::PgPool> {
        Some(self.pool.clone())
    }
}

fn kv_value(r: &PgRow) -> Result<KvValue> {
    if let Some(b) = r.try_get::<Option<Vec<u8>>, _>("bytes")? {
        return Ok(KvValue::Bytes(b));
    }
    let j: Option<Json<Value>> = r.try_get("json")?;
    Ok(KvValue::Json(j.map(|j| j.0).unwrap_or(Value::Null)))
}
