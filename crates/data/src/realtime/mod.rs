//! Realtime: AppSync's GraphQL subscriptions over WebSockets, at `<data url>/realtime`.
//!
//! Module map: [`protocol`] parses and renders the `graphql-ws` messages the aws-amplify client
//! speaks; [`socket`] runs one connection (handshake, authorization, keep-alives, limits, one task
//! per subscription); [`subscription`] is the `Subscription` field resolver (authorization, owner
//! arguments, server-side filters) and the publication hook the `Mutation` fields run after their
//! write is durable; [`matcher`] evaluates filters on an event's item in memory; [`bus`] fans
//! events out to every subscriber on this node and, over PostgreSQL, on the other nodes.
//!
//! Each subscription is executed with async-graphql's `execute_stream` over the same executable
//! schema as `POST /graphql`, with the subscriber as the caller, so selection sets, variables and
//! field-level rules behave as they do for queries.

pub mod bus;
pub mod enhanced;
pub mod matcher;
pub mod protocol;
pub mod socket;
pub mod subscription;

use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use context::ServiceContext;
use tokio::sync::{broadcast, Mutex};

use bus::{Event, EventBus, LocalBus, PgBus};

pub use subscription::{publish_after, redacts_relation, subscription_field, SubscriptionSpec};

/// Limits and timings of the realtime endpoint (AppSync's where it documents them).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Open connections per node; more are refused with a retryable `LimitExceededError`.
    pub max_connections: usize,
    /// Subscriptions per connection (AppSync: 100); more get `MaxSubscriptionsReachedError`.
    pub max_subscriptions: usize,
    /// Sent in `connection_ack`: the client drops the connection after this long without `ka`.
    pub connection_timeout_ms: u64,
    /// Interval of `ka` messages.
    pub keep_alive_ms: u64,
    /// A connection without `connection_init` (or without any subscription) this long is closed.
    pub idle_timeout_ms: u64,
    /// Largest client message accepted (bytes).
    pub max_message_bytes: usize,
}

impl Limits {
    /// Defaults, overridable with `AMPSTACK_REALTIME_MAX_CONNECTIONS`,
    /// `AMPSTACK_REALTIME_KEEPALIVE_MS` and `AMPSTACK_REALTIME_IDLE_MS`.
    pub fn from_env() -> Limits {
        let env = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Limits {
            max_connections: env("AMPSTACK_REALTIME_MAX_CONNECTIONS", 100_000) as usize,
            max_subscriptions: 100,
            connection_timeout_ms: 300_000,
            keep_alive_ms: env("AMPSTACK_REALTIME_KEEPALIVE_MS", 60_000),
            idle_timeout_ms: env("AMPSTACK_REALTIME_IDLE_MS", 300_000),
            max_message_bytes: 256 * 1024,
        }
    }
}

/// Stripes of the per-record publication lock.
const STRIPES: usize = 256;

/// The realtime service of one node: its event bus, connection count and limits.
pub struct Realtime {
    bus: Arc<dyn EventBus>,
    /// Writes to one record and their publication run under its stripe, so events of one record
    /// leave this node in commit order.
    stripes: Vec<Mutex<()>>,
    pub connections: AtomicUsize,
    pub limits: Limits,
}

impl Realtime {
    /// The bus fitting the store: PostgreSQL `LISTEN/NOTIFY` between nodes sharing a PostgreSQL
    /// database (scoped to this sandbox's ids), an in-process broadcast otherwise.
    pub fn for_context(ctx: &ServiceContext) -> Realtime {
        let bus: Arc<dyn EventBus> = match ctx.store.postgres_pool() {
            Some(pool) => {
                let scope = ring::digest::digest(
                    &ring::digest::SHA256,
                    format!("{}|{}", ctx.ids.user_pool_id, ctx.ids.api_key).as_bytes(),
                );
                let hex: String = scope.as_ref()[..8]
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                Arc::new(PgBus::new(
                    pool,
                    ctx.store.clone(),
                    format!("ampstack_rt_{hex}"),
                ))
            }
            None => Arc::new(LocalBus::default()),
        };
        Realtime::with_bus(bus, Limits::from_env())
    }

    pub fn with_bus(bus: Arc<dyn EventBus>, limits: Limits) -> Realtime {
        Realtime {
            bus,
            stripes: (0..STRIPES).map(|_| Mutex::new(())).collect(),
            connections: AtomicUsize::new(0),
            limits,
        }
    }

    pub async fn publish(&self, event: Event) {
        self.bus.publish(Arc::new(event)).await;
    }

    pub async fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.bus.subscribe().await
    }

    fn stripe(&self, record: &str) -> &Mutex<()> {
        let h = ring::digest::digest(&ring::digest::SHA256, record.as_bytes());
        &self.stripes[h.as_ref()[0] as usize % STRIPES]
    }
}
