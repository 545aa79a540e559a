//! Versioned schema migrations, one numbered list per engine, applied at
//! open inside one transaction and recorded in `schema_migrations`.
//! Re-running is a no-op; a database newer than this binary is refused
//! rather than silently misread. Steps are append-only: never edit one that
//! has shipped, add a new number instead (both lists move together).

use sqlx::{PgPool, SqlitePool};

use crate::error::{Result, StoreError};
use crate::types::now_ms;

/// Latest schema version this build knows; both engines share the numbering.
pub const SCHEMA_VERSION: i64 = 1;

type Step = (i64, &'static str, &'static str);

const SQLITE_STEPS: &[Step] = &[(
    1,
    "items, index registry, version counter, kv",
    r#"
    CREATE TABLE items (
        tbl TEXT NOT NULL,
        pk TEXT NOT NULL,
        sk TEXT NOT NULL DEFAULT '',
        item TEXT NOT NULL CHECK (json_valid(item)),
        version INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (tbl, pk, sk)
    );
    CREATE TABLE item_indexes (
        tbl TEXT NOT NULL,
        name TEXT NOT NULL,
        sql_name TEXT NOT NULL,
        fields TEXT NOT NULL,
        PRIMARY KEY (tbl, name)
    );
    CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO counters (name, value) VALUES ('item_version', 0);
    CREATE TABLE kv (
        ns TEXT NOT NULL,
        key TEXT NOT NULL,
        json TEXT,
        bytes BLOB,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (ns, key)
    );
    "#,
)];

// Key columns use COLLATE "C" so ordering and range conditions are by bytes
// whatever the database locale, matching SQLite and DynamoDB.
const PG_STEPS: &[Step] = &[(
    1,
    "items, index registry, version sequence, kv",
    r#"
    CREATE TABLE items (
        tbl TEXT COLLATE "C" NOT NULL,
        pk TEXT COLLATE "C" NOT NULL,
        sk TEXT COLLATE "C" NOT NULL DEFAULT '',
        item JSONB NOT NULL,
        version BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (tbl, pk, sk)
    );
    CREATE TABLE item_indexes (
        tbl TEXT NOT NULL,
        name TEXT NOT NULL,
        sql_name TEXT NOT NULL,
        fields TEXT NOT NULL,
        PRIMARY KEY (tbl, name)
    );
    CREATE SEQUENCE item_version_seq;
    CREATE TABLE kv (
        ns TEXT COLLATE "C" NOT NULL,
        key TEXT COLLATE "C" NOT NULL,
        json JSONB,
        bytes BYTEA,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (ns, key)
    );
    "#,
)];

const TRACKING: &str = "CREATE TABLE IF NOT EXISTS schema_migrations \
    (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

fn pending(applied: &[i64], steps: &'static [Step]) -> Result<Vec<&'static Step>> {
    if let Some(max) = applied.iter().max().filter(|m| **m > SCHEMA_VERSION) {
        return Err(StoreError::Backend(format!(
            "database schema version {max} is newer than this build supports ({SCHEMA_VERSION})"
        )));
    }
    Ok(steps.iter().filter(|s| !applied.contains(&s.0)).collect())
}

pub(crate) async fn sqlite(pool: &SqlitePool) -> Result<()> {
    // IMMEDIATE takes the write lock up front so two processes opening the
    // same file cannot both decide a step is pending.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::raw_sql(TRACKING).execute(&mut *tx).await?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
        .fetch_all(&mut *tx)
        .await?;
    for (version, name, ddl) in pending(&applied, SQLITE_STEPS)? {
        sqlx::raw_sql(*ddl).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(version)
        .bind(name)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tracing::info!(version, name, "applied sqlite migration");
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn postgres(pool: &PgPool) -> Result<()> {
    let mut tx = pool.begin().await?;
    // Serialises concurrent openers of the same schema (DDL is transactional
    // in Postgres, but `CREATE TABLE IF NOT EXISTS` itself can race).
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('ampstack-migrate:' || current_schema()))")
        .execute(&mut *tx)
        .await?;
    sqlx::raw_sql(TRACKING).execute(&mut *tx).await?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
        .fetch_all(&mut *tx)
        .await?;
    for (version, name, ddl) in pending(&applied, PG_STEPS)? {
        sqlx::raw_sql(*ddl).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(version)
        .bind(name)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tracing::info!(version, name, "applied postgres migration");
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_lists_agree_and_are_ordered() {
        for steps in [SQLITE_STEPS, PG_STEPS] {
            let versions: Vec<i64> = steps.iter().map(|s| s.0).collect();
            let expected: Vec<i64> = (1..=SCHEMA_VERSION).collect();
            assert_eq!(versions, expected);
        }
        assert!(pending(&[SCHEMA_VERSION + 1], SQLITE_STEPS).is_err());
        assert!(pending(&[1], SQLITE_STEPS).unwrap().is_empty());
    }
}
