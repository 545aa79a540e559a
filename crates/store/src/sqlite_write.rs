//! The SQLite item-write path: one writer thread that commits concurrent writes together
//! (group commit).
//!
//! Why: with `synchronous=FULL` every commit is one fsync of the WAL, and SQLite admits one
//! writer at a time, so one transaction per write caps the rate at one write per fsync however
//! many requests wait — and the waiters sleep in SQLite's busy handler, which is where long tail
//! latencies came from. Here each write is queued; the writer thread takes everything queued,
//! runs each write inside its own `SAVEPOINT` (a failed condition or a bad patch rolls back that
//! write alone) and commits the batch with one fsync. No caller is answered before the commit
//! that holds its write returns, so "acknowledged means durable" still holds, and readers (the
//! read pool) see a write as soon as its caller does.
//!
//! Writes are applied in queue order, so each one sees the effects of the writes before it, as
//! with one transaction per write. Other writers (index builds, kv, another process such as
//! `ampstack users`) take the database lock between batches through SQLite's busy timeout.

use std::path::Path;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde_json::Value;
use tokio::sync::oneshot;

use crate::error::{Result, StoreError};
use crate::sql::Dialect;
use crate::types::{now_ms, Condition, Item};
use crate::write::{check_key, condition_sql, precheck};

/// Computes an item's new data from its current state (`None` deletes it).
pub(crate) type NewData = Box<dyn FnOnce(Option<&Item>) -> Result<Option<Value>> + Send>;

/// The previous and the written item of one write.
pub(crate) type WriteOutcome = (Option<Item>, Option<Item>);

/// Most writes committed by one transaction; bounds the latency a batch adds to its first write.
const MAX_BATCH: usize = 256;

struct Job {
    table: String,
    pk: String,
    sk: String,
    cond: Condition,
    new_data: NewData,
    reply: oneshot::Sender<Result<WriteOutcome>>,
}

/// Handle to the writer thread; dropping it lets the thread finish the queue and exit.
pub(crate) struct GroupWriter {
    jobs: Sender<Job>,
}

impl GroupWriter {
    /// Opens a read-write connection to `path` and starts the writer thread.
    pub fn start(path: &Path) -> Result<GroupWriter> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let (jobs, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(conn, rx))
            .map_err(|e| {
                StoreError::Backend(format!("cannot start the SQLite writer thread: {e}"))
            })?;
        Ok(GroupWriter { jobs })
    }

    /// Queues one conditional write and waits until the transaction holding it has committed.
    pub async fn write(
        &self,
        table: &str,
        pk: &str,
        sk: &str,
        cond: &Condition,
        new_data: NewData,
    ) -> Result<WriteOutcome> {
        check_key(table, pk, sk)?;
        let (reply, done) = oneshot::channel();
        let job = Job {
            table: table.to_string(),
            pk: pk.to_string(),
            sk: sk.to_string(),
            cond: cond.clone(),
            new_data,
            reply,
        };
        self.jobs
            .send(job)
            .map_err(|_| StoreError::Backend("the SQLite writer thread has stopped".into()))?;
        done.await
            .map_err(|_| StoreError::Backend("the SQLite writer thread has stopped".into()))?
    }
}

fn run(mut conn: Connection, rx: Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(&mut conn, batch);
    }
}

/// Applies every job of `batch` in one transaction and answers each once it has committed.
fn commit_batch(conn: &mut Connection, batch: Vec<Job>) {
    let tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            let msg = format!("sqlite: {e}");
            for job in batch {
                let _ = job.reply.send(Err(StoreError::Backend(msg.clone())));
            }
            return;
        }
    };
    let mut answered = Vec::with_capacity(batch.len());
    for job in batch {
        let outcome = apply_in_savepoint(&tx, job.table, job.pk, job.sk, &job.cond, job.new_data);
        answered.push((job.reply, outcome));
    }
    match tx.commit() {
        Ok(()) => {
            for (reply, outcome) in answered {
                let _ = reply.send(outcome);
            }
        }
        Err(e) => {
            // Nothing of the batch is durable: every write fails, including ones that had succeeded.
            let msg = format!("sqlite: commit failed: {e}");
            for (reply, _) in answered {
                let _ = reply.send(Err(StoreError::Backend(msg.clone())));
            }
        }
    }
}

fn apply_in_savepoint(
    conn: &Connection,
    table: String,
    pk: String,
    sk: String,
    cond: &Condition,
    new_data: NewData,
) -> Result<WriteOutcome> {
    conn.execute_batch("SAVEPOINT item_write")?;
    let outcome = apply(conn, &table, &pk, &sk, cond, new_data);
    if outcome.is_err() {
        conn.execute_batch("ROLLBACK TO item_write")?;
    }
    conn.execute_batch("RELEASE item_write")?;
    outcome
}

/// One write: read the current item, check the condition, then replace or delete it.
fn apply(
    conn: &Connection,
    table: &str,
    pk: &str,
    sk: &str,
    cond: &Condition,
    new_data: NewData,
) -> Result<WriteOutcome> {
    let cur = conn
        .prepare_cached(&format!(
            "SELECT {} FROM items WHERE tbl = ?1 AND pk = ?2 AND sk = ?3",
            crate::plan::ITEM_COLS
        ))?
        .query_row((table, pk, sk), |r| {
            Ok(crate::sqlite_read::row_item(table, r))
        })
        .optional()?
        .transpose()?;
    if let Some(f) = precheck(cond, cur.as_ref())? {
        let check = condition_sql(Dialect::Sqlite, cur.as_ref(), f)?;
        let ok: bool = crate::sqlite_read::query_one(conn, &check, |r| Ok(r.get::<_, bool>(0)?))?;
        if !ok {
            return Err(StoreError::ConditionFailed);
        }
    }
    let written = match new_data(cur.as_ref())? {
        None => {
            if cur.is_some() {
                conn.prepare_cached("DELETE FROM items WHERE tbl = ?1 AND pk = ?2 AND sk = ?3")?
                    .execute((table, pk, sk))?;
            }
            None
        }
        Some(data) => {
            let version: i64 = conn
                .prepare_cached("UPDATE counters SET value = value + 1 WHERE name = 'item_version' RETURNING value")?
                .query_row([], |r| r.get(0))?;
            let now = now_ms();
            let item = Item {
                table: table.into(),
                pk: pk.into(),
                sk: sk.into(),
                data,
                version,
                created_at: cur.as_ref().map_or(now, |c| c.created_at),
                updated_at: now,
            };
            conn.prepare_cached(
                "INSERT INTO items (tbl, pk, sk, item, version, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (tbl, pk, sk) DO UPDATE SET \
                 item = excluded.item, version = excluded.version, updated_at = excluded.updated_at",
            )?
            .execute((table, pk, sk, item.data.to_string(), item.version, item.created_at, item.updated_at))?;
            Some(item)
        }
    };
    Ok((cur, written))
}
