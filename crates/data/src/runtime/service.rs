//! The data service's long-lived state: the executable schema of the backend being served
//! (built once per backend, rebuilt when the context's watch channel carries a new one), the
//! store indexes it needs, the nextToken signer and the API key's age.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dynamic::Schema;
use context::ServiceContext;
use definition::ir::{Backend, RelationshipKind};
use store::KvValue;
use tokio::sync::{OnceCell, RwLock};

use super::error::DataError;
use super::plan::{plans, ModelPlan};
use super::relations::rel_index;
use super::token::TokenSigner;

/// The schema and model plans of one backend.
pub struct Built {
    pub backend: Arc<Backend>,
    /// `Err` when the backend has no executable schema (the message says why).
    pub schema: Result<Schema, String>,
    pub plans: Arc<HashMap<String, Arc<ModelPlan>>>,
}

pub struct DataService {
    pub ctx: ServiceContext,
    /// Subscriptions and the event bus mutations publish to.
    pub realtime: Arc<crate::realtime::Realtime>,
    built: RwLock<Option<Arc<Built>>>,
    signer: OnceCell<Arc<TokenSigner>>,
    api_key_created_ms: OnceCell<i64>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl DataService {
    pub fn new(ctx: ServiceContext) -> DataService {
        let realtime = Arc::new(crate::realtime::Realtime::for_context(&ctx));
        DataService { ctx, realtime, built: RwLock::new(None), signer: OnceCell::new(), api_key_created_ms: OnceCell::new() }
    }

    /// The schema of the backend being served now, building it on first use after a change.
    pub async fn current(&self) -> Arc<Built> {
        let backend = self.ctx.backend();
        if let Some(b) = self.built.read().await.as_ref() {
            if Arc::ptr_eq(&b.backend, &backend) {
                return b.clone();
            }
        }
        let mut slot = self.built.write().await;
        if let Some(b) = slot.as_ref() {
            if Arc::ptr_eq(&b.backend, &backend) {
                return b.clone();
            }
        }
        let plans = Arc::new(plans(backend.data.as_ref().map(|d| &d.schema).unwrap_or(&Default::default())));
        let schema = match super::schema::build(&backend, &plans) {
            Ok(Some(s)) => Ok(s),
            Ok(None) => Err("This backend defines no data API (amplify/data/resource.ts).".to_string()),
            Err(e) => {
                tracing::error!("data: {e}");
                Err(e)
            }
        };
        self.ensure_indexes(&plans).await;
        let built = Arc::new(Built { backend, schema, plans });
        *slot = Some(built.clone());
        built
    }

    /// Declares every index the resolvers query: `__primary` for sort keys, `@index`es, and the
    /// reference fields of hasMany/hasOne relationships on the related model.
    async fn ensure_indexes(&self, plans: &HashMap<String, Arc<ModelPlan>>) {
        let mut wanted = Vec::new();
        for p in plans.values().filter(|p| p.managed) {
            for (name, key) in p.store_indexes() {
                wanted.push((p.name.clone(), name, key));
            }
            for f in &p.ir.fields {
                let Some(rel) = &f.relationship else { continue };
                if matches!(rel.kind, RelationshipKind::HasMany | RelationshipKind::HasOne) && !rel.references.is_empty() {
                    let (name, key) = rel_index(&rel.references);
                    wanted.push((rel.related_model.clone(), name, key));
                }
            }
        }
        for (table, name, key) in wanted {
            if let Err(e) = self.ctx.store.ensure_index(&table, &name, &key).await {
                tracing::warn!("data: cannot create index {name} on {table}: {e}");
            }
        }
    }

    pub async fn signer(&self) -> Result<Arc<TokenSigner>, DataError> {
        self.signer.get_or_try_init(|| async { TokenSigner::load(self.ctx.store.as_ref()).await.map(Arc::new) }).await.cloned()
    }

    /// Whether the sandbox's API key is older than `apiKeyAuthorizationMode.expiresInDays`. Its
    /// age counts from when this store first served it (kept in the store's key-value area).
    pub async fn api_key_expired(&self) -> bool {
        let days = self.ctx.backend().data.as_ref().map(|d| d.authorization_modes.api_key_expires_in_days).unwrap_or(7);
        let created = self
            .api_key_created_ms
            .get_or_init(|| async {
                let key = format!("api-key-created:{}", self.ctx.ids.api_key);
                match self.ctx.store.kv_get("data", &key).await {
                    Ok(Some(KvValue::Json(v))) if v.as_i64().is_some() => v.as_i64().unwrap_or_else(now_ms),
                    _ => {
                        let now = now_ms();
                        if let Err(e) = self.ctx.store.kv_put("data", &key, &KvValue::Json(now.into())).await {
                            tracing::warn!("data: cannot record the API key's creation: {e}");
                        }
                        now
                    }
                }
            })
            .await;
        now_ms() > created + i64::from(days) * 86_400_000
    }
}
