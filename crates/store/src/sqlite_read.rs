//! The SQLite read path: a small pool of synchronous, read-only connections
//! used inline on the calling task.
//!
//! Why not sqlx for reads: its SQLite driver runs every statement on a
//! per-connection worker thread and wakes the caller through a channel, so a
//! point read that SQLite answers in microseconds pays two thread hand-offs.
//! Under load that hand-off, not SQLite, was the largest cost of a GraphQL
//! `get`. A WAL-mode read is short and never waits for the writer, so running
//! it on the async worker itself is cheaper than any hand-off. Writes stay on
//! sqlx (`BEGIN IMMEDIATE`, fsync per commit), and every read starts after the
//! writes it must see have committed, so read-your-writes holds.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OpenFlags, Row};

use crate::error::{Result, StoreError};
use crate::sql::{Bind, Sql};
use crate::types::Item;

/// Idle connections kept; more are opened on demand under bursts and dropped after.
const KEEP_IDLE: usize = 8;

pub(crate) struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Backend(format!("sqlite: {e}"))
    }
}

impl ReadPool {
    pub fn new(path: &Path) -> ReadPool {
        ReadPool {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(&self.path, flags)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        Ok(conn)
    }

    /// Runs `f` on an idle connection (opening one if none is idle) and returns it to the pool.
    pub fn with<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.idle.lock().expect("read pool lock").pop();
        let conn = match conn {
            Some(c) => c,
            None => self.open()?,
        };
        let out = f(&conn);
        let mut idle = self.idle.lock().expect("read pool lock");
        if idle.len() < KEEP_IDLE {
            idle.push(conn);
        }
        out
    }

    /// Runs `sql` and maps every row with `map`.
    pub fn rows<T>(&self, sql: &Sql, mut map: impl FnMut(&Row) -> Result<T>) -> Result<Vec<T>> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(&sql.text)?;
            bind_all(&mut stmt, &sql.binds)?;
            let mut rows = stmt.raw_query();
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(map(row)?);
            }
            Ok(out)
        })
    }
}

/// Runs `sql` on `conn` (the writer's connection) and maps its first row.
pub(crate) fn query_one<T>(
    conn: &Connection,
    sql: &Sql,
    map: impl FnOnce(&Row) -> Result<T>,
) -> Result<T> {
    let mut stmt = conn.prepare_cached(&sql.text)?;
    bind_all(&mut stmt, &sql.binds)?;
    let mut rows = stmt.raw_query();
    match rows.next()? {
        Some(row) => map(row),
        None => Err(StoreError::Backend("the query returned no row".into())),
    }
}

/// Binds `$n` placeholders by name: SQLite numbers parameters by first appearance in the text,
/// which need not be the order the builder created them in.
fn bind_all(stmt: &mut rusqlite::CachedStatement<'_>, binds: &[Bind]) -> Result<()> {
    for (i, b) in binds.iter().enumerate() {
        let Some(idx) = stmt.parameter_index(&format!("${}", i + 1))? else {
            continue;
        };
        let v = match b {
            Bind::Text(s) => SqlValue::Text(s.clone()),
            Bind::Int(n) => SqlValue::Integer(*n),
            Bind::Float(f) => SqlValue::Real(*f),
            Bind::Json(v) => SqlValue::Text(v.to_string()),
            Bind::TextArray(a) => SqlValue::Text(a.join(".")),
        };
        stmt.raw_bind_parameter(idx, v)?;
    }
    Ok(())
}

/// An item row (`ITEM_COLS`) of `table`.
pub(crate) fn row_item(table: &str, row: &Row) -> Result<Item> {
    let text: String = row.get("item")?;
    Ok(Item {
        table: table.to_string(),
        pk: row.get("pk")?,
        sk: row.get("sk")?,
        data: serde_json::from_str(&text)?,
        version: row.get("version")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}
