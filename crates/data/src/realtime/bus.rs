//! Fan-out of mutation events to every subscriber, on this node and on the others.
//!
//! [`EventBus`] is what the realtime service needs: publish an event (after its write is durable)
//! and receive every event published anywhere. [`LocalBus`] is an in-process broadcast channel
//! (one node, SQLite). [`PgBus`] adds PostgreSQL `LISTEN/NOTIFY`, chosen automatically when the
//! store is PostgreSQL, so several `ampstack` processes on one database deliver each other's
//! events: a node delivers its own events locally at once and NOTIFYs the others; notifications
//! carry the event inline when it fits PostgreSQL's 8000-byte payload limit, otherwise a pointer
//! to a copy kept briefly in the store's key-value area, which receivers fetch.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{broadcast, OnceCell};

/// One mutation's result, as subscribers receive it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Event {
    /// The Mutation field that produced it (`createTodo`, a custom mutation's name).
    pub mutation: String,
    /// The field's result (the stored item for model mutations).
    pub value: Value,
}

/// Events buffered per receiver before a slow one starts missing events.
pub const CHANNEL_CAPACITY: usize = 4096;

#[async_trait]
pub trait EventBus: Send + Sync {
    /// Delivers `event` to every subscriber of every node.
    async fn publish(&self, event: Arc<Event>);
    /// A receiver of every event published from now on (on any node, once it returns).
    async fn subscribe(&self) -> broadcast::Receiver<Arc<Event>>;
}

/// In-process broadcast: every subscriber of this process.
pub struct LocalBus {
    tx: broadcast::Sender<Arc<Event>>,
}

impl Default for LocalBus {
    fn default() -> Self {
        LocalBus {
            tx: broadcast::channel(CHANNEL_CAPACITY).0,
        }
    }
}

#[async_trait]
impl EventBus for LocalBus {
    async fn publish(&self, event: Arc<Event>) {
        // No receivers is not an error: nobody is subscribed.
        let _ = self.tx.send(event);
    }

    async fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }
}

/// Largest NOTIFY payload we send inline (PostgreSQL's limit is 8000 bytes).
pub const INLINE_LIMIT: usize = 7800;
/// How long a large event's copy stays in the key-value area for other nodes to fetch.
const SPILL_TTL_MS: i64 = 120_000;
const KV_NS: &str = "realtime";

/// What travels in a NOTIFY payload.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    /// The publishing node (its own notifications are skipped: it delivered locally).
    node: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event: Option<Event>,
    /// Key of the event's copy in the store's key-value area (events over [`INLINE_LIMIT`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    spilled: Option<String>,
}

/// PostgreSQL LISTEN/NOTIFY between nodes, plus local delivery.
pub struct PgBus {
    local: LocalBus,
    pool: sqlx::PgPool,
    store: Arc<dyn store::Store>,
    channel: String,
    node: String,
    listening: OnceCell<()>,
}

impl PgBus {
    /// `channel` scopes the events (nodes of one sandbox share it; other sandboxes on the same
    /// database use their own).
    pub fn new(pool: sqlx::PgPool, store: Arc<dyn store::Store>, channel: String) -> PgBus {
        PgBus {
            local: LocalBus::default(),
            pool,
            store,
            channel,
            node: uuid::Uuid::new_v4().simple().to_string(),
            listening: OnceCell::new(),
        }
    }

    /// Starts LISTENing (once); returns when the channel is being listened to.
    async fn listen(&self) {
        let res = self
            .listening
            .get_or_try_init(|| async {
                let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
                listener.listen(&self.channel).await?;
                let (tx, store, node) =
                    (self.local.tx.clone(), self.store.clone(), self.node.clone());
                tokio::spawn(receive(listener, tx, store, node));
                Ok::<(), sqlx::Error>(())
            })
            .await;
        if let Err(e) = res {
            tracing::warn!("realtime: cannot LISTEN on PostgreSQL (events of other nodes will not arrive): {e}");
        }
    }

    async fn notify(&self, event: &Event) -> Result<(), String> {
        let inline = serde_json::to_string(&Envelope {
            node: self.node.clone(),
            event: Some(event.clone()),
            spilled: None,
        })
        .map_err(|e| e.to_string())?;
        let payload = if inline.len() <= INLINE_LIMIT {
            inline
        } else {
            let now = store_now_ms();
            let key = format!("evt:{now:015}:{}", uuid::Uuid::new_v4().simple());
            let body = serde_json::to_value(event).map_err(|e| e.to_string())?;
            self.store
                .kv_put(KV_NS, &key, &store::KvValue::Json(body))
                .await
                .map_err(|e| e.to_string())?;
            self.sweep(now).await;
            serde_json::to_string(&Envelope {
                node: self.node.clone(),
                event: None,
                spilled: Some(key),
            })
            .map_err(|e| e.to_string())?
        };
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(&self.channel)
            .bind(payload)
            .execute(&self.pool)
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Deletes spilled events older than their time to live.
    async fn sweep(&self, now: i64) {
        let Ok(old) = self.store.kv_list(KV_NS, "evt:").await else {
            return;
        };
        let cutoff = format!("evt:{:015}", now - SPILL_TTL_MS);
        for (key, _) in old
            .into_iter()
            .take_while(|(k, _)| k.as_str() < cutoff.as_str())
        {
            let _ = self.store.kv_delete(KV_NS, &key).await;
        }
    }
}

fn store_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Forwards other nodes' notifications to local subscribers, in the order PostgreSQL delivers
/// them. `recv` reconnects by itself after a lost connection (events sent meanwhile are lost, as
/// with a dropped WebSocket).
async fn receive(
    mut listener: sqlx::postgres::PgListener,
    tx: broadcast::Sender<Arc<Event>>,
    store: Arc<dyn store::Store>,
    node: String,
) {
    loop {
        let n = match listener.recv().await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!("realtime: PostgreSQL listener: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let Ok(env) = serde_json::from_str::<Envelope>(n.payload()) else {
            tracing::warn!("realtime: ignoring a malformed notification");
            continue;
        };
        if env.node == node {
            continue;
        }
        let event = match (env.event, env.spilled) {
            (Some(e), _) => e,
            (None, Some(key)) => match store.kv_get(KV_NS, &key).await {
                Ok(Some(store::KvValue::Json(v))) => match serde_json::from_value(v) {
                    Ok(e) => e,
                    Err(_) => continue,
                },
                _ => {
                    tracing::warn!("realtime: a large event expired before it was fetched");
                    continue;
                }
            },
            (None, None) => continue,
        };
        let _ = tx.send(Arc::new(event));
    }
}

#[async_trait]
impl EventBus for PgBus {
    async fn publish(&self, event: Arc<Event>) {
        self.listen().await;
        self.local.publish(event.clone()).await;
        if let Err(e) = self.notify(&event).await {
            tracing::warn!("realtime: cannot NOTIFY other nodes: {e}");
        }
    }

    async fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.listen().await;
        self.local.subscribe().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_bus_delivers_to_every_receiver_in_order() {
        let bus = LocalBus::default();
        let (mut a, mut b) = (bus.subscribe().await, bus.subscribe().await);
        for i in 0..3 {
            bus.publish(Arc::new(Event {
                mutation: "createTodo".into(),
                value: serde_json::json!({"n": i}),
            }))
            .await;
        }
        for rx in [&mut a, &mut b] {
            for i in 0..3 {
                assert_eq!(rx.recv().await.unwrap().value["n"], i);
            }
        }
    }
}
