//! The per-request state every resolver reads: the caller, the backend being served, the store
//! and the nextToken signer. Shared as `Arc<RequestCtx>` in async-graphql's request data.

use std::collections::HashMap;
use std::sync::Arc;

use context::ServiceContext;
use definition::ir::Backend;

use super::auth::Caller;
use super::plan::ModelPlan;
use super::relations::Loaders;
use super::token::TokenSigner;

pub struct RequestCtx {
    pub svc: ServiceContext,
    pub caller: Caller,
    pub backend: Arc<Backend>,
    pub plans: Arc<HashMap<String, Arc<ModelPlan>>>,
    pub signer: Arc<TokenSigner>,
    pub loaders: Loaders,
}

impl RequestCtx {
    /// One request's context for `caller` over the built backend (HTTP and realtime alike).
    pub fn new(svc: &ServiceContext, caller: Caller, built: &super::service::Built, signer: Arc<TokenSigner>) -> Arc<RequestCtx> {
        Arc::new(RequestCtx {
            svc: svc.clone(),
            caller,
            backend: built.backend.clone(),
            plans: built.plans.clone(),
            signer: signer.clone(),
            loaders: Loaders::new(svc.store.clone(), built.plans.clone(), signer),
        })
    }

    pub fn store(&self) -> &dyn store::Store {
        self.svc.store.as_ref()
    }

    pub fn schema(&self) -> &definition::ir::Schema {
        static EMPTY: std::sync::OnceLock<definition::ir::Schema> = std::sync::OnceLock::new();
        self.backend.data.as_ref().map(|d| &d.schema).unwrap_or_else(|| EMPTY.get_or_init(Default::default))
    }

    pub fn plan(&self, model: &str) -> Option<&Arc<ModelPlan>> {
        self.plans.get(model)
    }
}

/// The request state from a resolver's context.
pub fn req<'a>(ctx: &async_graphql::Context<'a>) -> async_graphql::Result<&'a Arc<RequestCtx>> {
    ctx.data::<Arc<RequestCtx>>()
}
