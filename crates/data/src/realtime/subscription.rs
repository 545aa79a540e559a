//! The `Subscription` field resolver and the `Mutation` publication hook.
//!
//! A subscription field listens to the mutations named in its `@aws_subscribe(mutations: …)`
//! directive (model `onCreate/onUpdate/onDelete*` and custom `a.subscription().for(…)`). When a
//! subscriber starts, its caller is authorized for `listen` as AppSync's generated resolvers do:
//! denied → `Unauthorized`; allowed only for their own items (owner / dynamic group rules) → each
//! event is checked against that restriction, and an `owner`-style argument must name the caller.
//! The client never sends the owner: the server derives it. The `filter` argument
//! (`ModelSubscription*FilterInput`) and any other argument naming a field of the result (AppSync's
//! argument matching) are evaluated against every event's item on the server.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use async_graphql::dynamic::{
    FieldValue, ResolverContext, SubscriptionField, SubscriptionFieldFuture, TypeRef,
};
use definition::ir::{AuthRule, AuthStrategy, Handler, Relationship};
use serde_json::{Map, Value};
use store::{Filter, Op};
use tokio::sync::broadcast::error::RecvError;

use super::bus::Event;
use super::matcher::eval;
use super::Realtime;
use crate::runtime::auth::{self, Access};
use crate::runtime::error::DataError;
use crate::runtime::filter::to_filter;
use crate::runtime::plan::ModelPlan;
use crate::runtime::request::{req, RequestCtx};
use crate::runtime::values::args_json;

/// Present in the request data of a subscription started on the realtime endpoint: the resolver
/// signals through it that the subscriber is registered (so `start_ack` follows), and relational
/// fields are redacted while it is present.
#[derive(Default)]
pub struct Delivery {
    ack: std::sync::Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
}

impl Delivery {
    pub fn new() -> (Delivery, tokio::sync::oneshot::Receiver<()>) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        (
            Delivery {
                ack: std::sync::Mutex::new(Some(tx)),
            },
            rx,
        )
    }

    fn acknowledge(&self) {
        if let Some(tx) = self.ack.lock().ok().and_then(|mut a| a.take()) {
            let _ = tx.send(());
        }
    }
}

/// What the schema knows about one `Subscription` field.
#[derive(Clone)]
pub struct SubscriptionSpec {
    pub name: String,
    /// The Mutation fields whose results it receives.
    pub sources: Vec<String>,
    /// The model it returns, for model subscriptions (its rules decide who listens).
    pub model: Option<Arc<ModelPlan>>,
    /// The rules of a custom subscription.
    pub rules: Vec<AuthRule>,
    /// Fields of the returned type (arguments with these names filter by equality).
    pub result_fields: HashSet<String>,
}

/// The resolver of one `Subscription` field.
pub fn subscription_field(spec: SubscriptionSpec, ty: TypeRef) -> SubscriptionField {
    let spec = Arc::new(spec);
    SubscriptionField::new(spec.name.clone(), ty, move |ctx| {
        let spec = spec.clone();
        SubscriptionFieldFuture::new(async move {
            let r = req(&ctx)?.clone();
            let hub = ctx.data::<Arc<Realtime>>().map_err(|_| DataError::validation("Subscriptions are served over the realtime WebSocket endpoint, not over HTTP"))?.clone();
            let args = args_json(&ctx.args);
            let mut accept = acceptance(&r, &spec, &args)?;
            if let Some(f) = handler_filter(&r, &spec.name, args).await? {
                accept.filters.push(f);
            }
            let accept = Arc::new(accept);
            let rx = hub.subscribe().await;
            if let Some(d) = ctx.data_opt::<Arc<Delivery>>() {
                d.acknowledge();
            }
            let stream = futures_util::stream::unfold(rx, move |mut rx| {
                let accept = accept.clone();
                async move {
                    loop {
                        match rx.recv().await {
                            Ok(e) if accept.accepts(&e) => {
                                return Some((
                                    Ok::<_, async_graphql::Error>(FieldValue::owned_any(
                                        e.value.clone(),
                                    )),
                                    rx,
                                ))
                            }
                            Ok(_) => {}
                            Err(RecvError::Lagged(n)) => {
                                tracing::warn!("realtime: a slow subscriber missed {n} events")
                            }
                            Err(RecvError::Closed) => return None,
                        }
                    }
                }
            });
            Ok(stream)
        })
    })
}

/// Runs a custom subscription's JS handlers (`a.handler.custom`, the seeds' `receive.js`) when a
/// client subscribes: a handler error refuses the subscription, and the filter it sets with
/// `extensions.setSubscriptionFilter` narrows what the subscriber receives.
async fn handler_filter(r: &RequestCtx, name: &str, args: Map<String, Value>) -> Result<Option<Filter>, DataError> {
    let Some(op) = r.backend.data.as_ref().and_then(|d| d.schema.subscriptions.iter().find(|o| o.name == name)) else {
        return Ok(None);
    };
    if op.handlers.is_empty() || !op.handlers.iter().all(|h| matches!(h, Handler::Custom { .. })) {
        return Ok(None);
    }
    match crate::runtime::appsync_js::subscription_filter(r, op, args).await {
        Ok(Some(v)) => super::enhanced::to_store_filter(&v).map(Some),
        Ok(None) => Ok(None),
        Err(e) => Err(DataError::new(e.error_type.unwrap_or_else(|| "Unauthorized".into()), e.message)),
    }
}

/// Which events one subscriber receives.
#[derive(Debug)]
pub struct Acceptance {
    sources: Vec<String>,
    /// The subscriber's owner/group restriction, the `filter` argument and argument equalities.
    filters: Vec<Filter>,
}

impl Acceptance {
    pub fn accepts(&self, e: &Event) -> bool {
        self.sources.iter().any(|s| s == &e.mutation)
            && self.filters.iter().all(|f| eval(f, &e.value))
    }
}

/// Authorizes the subscriber and compiles what it will receive.
pub fn acceptance(
    r: &RequestCtx,
    spec: &SubscriptionSpec,
    args: &Map<String, Value>,
) -> Result<Acceptance, DataError> {
    let rules = spec.model.as_ref().map(|m| m.auth()).unwrap_or(&spec.rules);
    let restriction = match auth::decide(&r.caller, rules, "listen") {
        Access::All => None,
        Access::Items(f) => Some(f),
        Access::Denied => return Err(DataError::unauthorized(&spec.name, "Subscription")),
    };
    let mut filters = Vec::new();
    for (name, v) in args.iter().filter(|(_, v)| !v.is_null()) {
        if name == "filter" {
            filters.push(to_filter(v)?);
            continue;
        }
        // An owner argument restricted by the caller's owner rules must name the caller.
        if restriction.is_some() {
            for rule in rules.iter().filter(|x| {
                x.strategy == AuthStrategy::Owner && x.field.as_deref().unwrap_or("owner") == name
            }) {
                let mine = r.caller.owner_values(rule.effective_identity_claim());
                if !v.as_str().is_some_and(|s| mine.iter().any(|m| m == s)) {
                    return Err(DataError::unauthorized(&spec.name, "Subscription"));
                }
            }
        }
        if spec.result_fields.contains(name) {
            filters.push(Filter::cmp(name.as_str(), Op::Eq(v.clone())));
        }
    }
    filters.extend(restriction);
    Ok(Acceptance {
        sources: spec.sources.clone(),
        filters,
    })
}

/// The record a model mutation writes, when its input names it (the key of the publication
/// stripe). Creates without a client-chosen key write a fresh record and need no ordering.
pub fn record_key(plan: &ModelPlan, args: &Map<String, Value>) -> Option<String> {
    let input = args.get("input")?.as_object()?;
    let (pk, sk) = plan.key_of(input).ok()?;
    Some(format!("{}#{pk}#{sk}", plan.name))
}

/// Runs a `Mutation` field and, once its write is committed, publishes the field's result to the
/// subscribers of that mutation. Writes to one record and their publication are serialized on
/// this node, so its events leave in commit order.
pub async fn publish_after<F>(
    ctx: &ResolverContext<'_>,
    field: &str,
    record: Option<String>,
    run: F,
) -> Result<Value, DataError>
where
    F: Future<Output = Result<Value, DataError>>,
{
    let Some(hub) = ctx.data_opt::<Arc<Realtime>>() else {
        return run.await;
    };
    let _guard = match &record {
        Some(k) => Some(hub.stripe(k).lock().await),
        None => None,
    };
    let result = run.await;
    if let Ok(v) = &result {
        if !v.is_null() {
            hub.publish(Event {
                mutation: field.to_string(),
                value: v.clone(),
            })
            .await;
        }
    }
    result
}

/// Whether a relational field of a delivered item is redacted (null): as Amplify's subscriptions
/// do when the related model is not protected by the same rules as the parent.
pub fn redacts_relation(
    ctx: &ResolverContext<'_>,
    r: &RequestCtx,
    plan: &ModelPlan,
    rel: &Relationship,
) -> bool {
    if ctx.data_opt::<Arc<Delivery>>().is_none() {
        return false;
    }
    match r.plan(&rel.related_model) {
        Some(related) => related.auth() != plan.auth(),
        None => true,
    }
}
