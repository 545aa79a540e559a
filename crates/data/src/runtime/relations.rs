//! Relationship fields (hasMany, hasOne, belongsTo; many-to-many is two of them through a join
//! model), resolved lazily when selected and batched: every parent of one selection set asks the
//! request's [`DataLoader`], which turns all their keys into one store query per relationship.
//!
//! - hasMany / hasOne: the related items whose reference fields equal the parent's primary key,
//!   over a `__rel_*` index of the related model; one query for all parents (`refs IN keys`),
//!   split per parent, each page limited and given its own signed nextToken. A client-supplied
//!   nextToken (one parent's later page) is a plain key query.
//! - belongsTo: the parents whose primary key equals the child's reference fields, one query.
//!
//! The related model's rules apply: a denied read is AppSync's Unauthorized error on the field;
//! owner/group rules filter hasMany results instead of failing them.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use definition::ir::{Relationship, RelationshipKind};
use serde_json::{json, Map, Value};
use store::{Cursor, FieldPath, Filter, IndexKey, Op, QuerySpec, SortCondition, Store};

use super::auth::{self, Access};
use super::error::DataError;
use super::filter::to_filter;
use super::ops::{combine, DEFAULT_LIMIT, MAX_LIMIT};
use super::plan::ModelPlan;
use super::request::RequestCtx;
use super::token::TokenSigner;

/// The per-request loaders.
pub struct Loaders {
    pub rel: DataLoader<RelLoader>,
}

impl Loaders {
    pub fn new(store: Arc<dyn Store>, plans: Arc<HashMap<String, Arc<ModelPlan>>>, signer: Arc<TokenSigner>) -> Loaders {
        Loaders { rel: DataLoader::new(RelLoader { store, plans, signer }, tokio::spawn) }
    }
}

/// The index a related model gets for the reference fields of a hasMany/hasOne pointing at it.
pub fn rel_index(references: &[String]) -> (String, IndexKey) {
    let name = format!("__rel_{}", references.join("_"));
    let key = IndexKey::new(references[0].as_str(), references[1..].iter().map(|s| FieldPath::field(s.as_str())).collect());
    (name, key)
}

/// One parent's request: which relationship, with which (canonical) arguments and restriction,
/// for which key values.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RelKey {
    /// `Model.field`.
    pub rel: Arc<str>,
    /// Canonical JSON of `{filter, limit, sortDirection, restrict}`.
    pub args: Arc<str>,
    /// The key values (JSON text) to match on the other side.
    pub values: Vec<String>,
}

pub struct RelLoader {
    store: Arc<dyn Store>,
    plans: Arc<HashMap<String, Arc<ModelPlan>>>,
    signer: Arc<TokenSigner>,
}

impl Loader<RelKey> for RelLoader {
    type Value = Value;
    type Error = DataError;

    async fn load(&self, keys: &[RelKey]) -> Result<HashMap<RelKey, Value>, DataError> {
        let mut groups: HashMap<(Arc<str>, Arc<str>), Vec<&RelKey>> = HashMap::new();
        for k in keys {
            groups.entry((k.rel.clone(), k.args.clone())).or_default().push(k);
        }
        let mut out = HashMap::new();
        for ((rel, args), ks) in groups {
            let (model, field) = rel.split_once('.').unwrap_or_default();
            let plan = self.plans.get(model).ok_or_else(|| DataError::internal("unknown model"))?;
            let r = plan.ir.field(field).and_then(|f| f.relationship.clone()).ok_or_else(|| DataError::internal("unknown relationship"))?;
            let args: Map<String, Value> = serde_json::from_str(&args).unwrap_or_default();
            match r.kind {
                RelationshipKind::BelongsTo => self.load_parents(&r, &args, &ks, &mut out).await?,
                _ => self.load_children(&r, &args, &ks, &mut out).await?,
            }
        }
        Ok(out)
    }
}

fn parse_values(k: &RelKey) -> Vec<Value> {
    k.values.iter().map(|v| serde_json::from_str(v).unwrap_or(Value::Null)).collect()
}

/// `fields = values` for one key tuple, or `fields[0] IN [...]` for many single keys.
fn key_filter(fields: &[String], tuples: &[Vec<Value>]) -> Filter {
    if fields.len() == 1 {
        return Filter::cmp(FieldPath::field(fields[0].as_str()), Op::In(tuples.iter().map(|t| t[0].clone()).collect()));
    }
    Filter::Or(
        tuples
            .iter()
            .map(|t| Filter::And(fields.iter().zip(t).map(|(f, v)| Filter::cmp(FieldPath::field(f.as_str()), Op::Eq(v.clone()))).collect()))
            .collect(),
    )
}

fn restriction(args: &Map<String, Value>) -> Result<Option<Filter>, DataError> {
    match args.get("restrict") {
        Some(v) if !v.is_null() => serde_json::from_value(v.clone()).map(Some).map_err(|_| DataError::internal("bad restriction")),
        _ => Ok(None),
    }
}

impl RelLoader {
    async fn load_parents(&self, r: &Relationship, args: &Map<String, Value>, ks: &[&RelKey], out: &mut HashMap<RelKey, Value>) -> Result<(), DataError> {
        let parent = self.plans.get(&r.related_model).ok_or_else(|| DataError::internal("unknown related model"))?;
        let fields: Vec<String> = parent.key_fields().cloned().collect();
        let tuples: Vec<Vec<Value>> = ks.iter().map(|k| parse_values(k)).collect();
        let filter = combine([Some(key_filter(&fields, &tuples)), restriction(args)?].into_iter().flatten().collect());
        let spec = QuerySpec { filter, limit: Some(ks.len()), ..Default::default() };
        let page = self.store.query(&parent.name, &spec).await?;
        let by_key: HashMap<Vec<String>, Value> = page
            .items
            .into_iter()
            .map(|i| (fields.iter().map(|f| i.data.get(f).map(Value::to_string).unwrap_or_default()).collect(), i.data))
            .collect();
        for k in ks {
            out.insert((*k).clone(), by_key.get(&k.values).cloned().unwrap_or(Value::Null));
        }
        Ok(())
    }

    async fn load_children(&self, r: &Relationship, args: &Map<String, Value>, ks: &[&RelKey], out: &mut HashMap<RelKey, Value>) -> Result<(), DataError> {
        let child = self.plans.get(&r.related_model).ok_or_else(|| DataError::internal("unknown related model"))?;
        let limit = args.get("limit").and_then(Value::as_i64).unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) as usize;
        let descending = args.get("sortDirection").and_then(Value::as_str) == Some("DESC");
        let mut filters = vec![];
        if let Some(f) = args.get("filter").filter(|v| !v.is_null()) {
            filters.push(to_filter(f)?);
        }
        filters.extend(restriction(args)?);
        let tuples: Vec<Vec<Value>> = ks.iter().map(|k| parse_values(k)).collect();
        let (_, index) = rel_index(&r.references);
        let budget = (ks.len() * (limit + 1)).min(5000);
        let mut all = filters.clone();
        all.push(key_filter(&r.references, &tuples));
        let spec = QuerySpec { index: Some(index.clone()), filter: combine(all), descending, limit: Some(budget), ..Default::default() };
        let page = self.store.query(&child.name, &spec).await?;
        let truncated = page.cursor.is_some();
        let mut grouped: HashMap<Vec<String>, Vec<store::Item>> = HashMap::new();
        for item in page.items {
            let key: Vec<String> = r.references.iter().map(|f| item.data.get(f).map(Value::to_string).unwrap_or_default()).collect();
            grouped.entry(key).or_default().push(item);
        }
        for k in ks {
            let mut items = grouped.remove(&k.values).unwrap_or_default();
            if truncated && items.len() <= limit {
                // The shared page ran out before this parent's items: ask for them alone.
                let v = child_page(self.store.as_ref(), &self.signer, child, r, &parse_values(k), filters.clone(), descending, limit, None).await?;
                out.insert((*k).clone(), v);
                continue;
            }
            let next = if items.len() > limit {
                items.truncate(limit);
                items.last().map(|last| {
                    let cursor = Cursor { pk: last.pk.clone(), sk: last.sk.clone(), index_values: r.references[1..].iter().map(|f| last.data.get(f).cloned().unwrap_or(Value::Null)).collect() };
                    Value::String(self.signer.sign(&child_scope(child, r, &parse_values(k)), &cursor))
                })
            } else {
                None
            };
            out.insert((*k).clone(), json!({ "items": items.into_iter().map(|i| i.data).collect::<Vec<_>>(), "nextToken": next.unwrap_or(Value::Null) }));
        }
        Ok(())
    }
}

fn child_scope(child: &ModelPlan, r: &Relationship, values: &[Value]) -> String {
    format!("{}#{}#{}", child.name, rel_index(&r.references).0, Value::Array(values.to_vec()))
}

/// One parent's page of related items (a client's nextToken, or a parent the batch could not fill).
#[allow(clippy::too_many_arguments)]
async fn child_page(
    store: &dyn Store,
    signer: &TokenSigner,
    child: &ModelPlan,
    r: &Relationship,
    values: &[Value],
    filters: Vec<Filter>,
    descending: bool,
    limit: usize,
    next_token: Option<&str>,
) -> Result<Value, DataError> {
    let (_, index) = rel_index(&r.references);
    let scope = child_scope(child, r, values);
    let sort = (values.len() > 1).then(|| SortCondition::Eq(values[1..].to_vec()));
    let cursor = next_token.map(|t| signer.verify(&scope, t)).transpose()?;
    let spec = QuerySpec { index: Some(index), partition: values.first().cloned(), sort, filter: combine(filters), descending, limit: Some(limit), cursor };
    let page = store.query(&child.name, &spec).await?;
    let next = page.cursor.map(|c| Value::String(signer.sign(&scope, &c))).unwrap_or(Value::Null);
    Ok(json!({ "items": page.items.into_iter().map(|i| i.data).collect::<Vec<_>>(), "nextToken": next }))
}

/// Resolves relationship `field` of `parent` (an item of `plan`).
pub async fn resolve(r: &RequestCtx, plan: &ModelPlan, field: &str, rel: &Relationship, parent: &Value, args: &Map<String, Value>) -> Result<Value, DataError> {
    let related = r.plan(&rel.related_model).ok_or_else(|| DataError::internal("unknown related model"))?;
    let op = if rel.kind == RelationshipKind::HasMany { "list" } else { "get" };
    let restrict = match auth::decide(&r.caller, related.auth(), op) {
        Access::All => None,
        Access::Items(f) => Some(f),
        Access::Denied => return Err(DataError::unauthorized(field, &plan.name)),
    };
    // The values to match on the other side: this item's key (has*), or its references (belongsTo).
    let own: Vec<&String> = match rel.kind {
        RelationshipKind::BelongsTo => rel.references.iter().collect(),
        _ => plan.key_fields().collect(),
    };
    let values: Vec<Value> = own.iter().map(|f| parent.get(f.as_str()).cloned().unwrap_or(Value::Null)).collect();
    if values.iter().any(Value::is_null) {
        return Ok(if rel.kind == RelationshipKind::HasMany { json!({ "items": [], "nextToken": null }) } else { Value::Null });
    }
    if rel.kind == RelationshipKind::HasMany {
        if let Some(t) = args.get("nextToken").and_then(Value::as_str).filter(|t| !t.is_empty()) {
            let mut filters = vec![];
            if let Some(f) = args.get("filter").filter(|v| !v.is_null()) {
                filters.push(to_filter(f)?);
            }
            filters.extend(restrict);
            let limit = match args.get("limit") {
                None | Some(Value::Null) => DEFAULT_LIMIT,
                Some(v) => v.as_i64().filter(|n| *n >= 1).ok_or_else(|| DataError::validation("limit must be a positive integer"))?,
            };
            let desc = args.get("sortDirection").and_then(Value::as_str) == Some("DESC");
            return child_page(r.store(), &r.signer, related, rel, &values, filters, desc, limit.min(MAX_LIMIT) as usize, Some(t)).await;
        }
        if let Some(l) = args.get("limit").filter(|v| !v.is_null()) {
            if l.as_i64().is_none_or(|n| n < 1) {
                return Err(DataError::validation("limit must be a positive integer"));
            }
        }
    }
    let mut canon = Map::new();
    for k in ["filter", "limit", "sortDirection"] {
        if let Some(v) = args.get(k).filter(|v| !v.is_null()) {
            canon.insert(k.into(), v.clone());
        }
    }
    if rel.kind == RelationshipKind::HasOne {
        canon.insert("limit".into(), json!(1));
    }
    if let Some(f) = &restrict {
        canon.insert("restrict".into(), serde_json::to_value(f).map_err(|e| DataError::internal(e.to_string()))?);
    }
    let key = RelKey { rel: format!("{}.{}", plan.name, field).into(), args: Value::Object(canon).to_string().into(), values: values.iter().map(Value::to_string).collect() };
    let v = r.loaders.rel.load_one(key).await?.unwrap_or(Value::Null);
    Ok(match rel.kind {
        RelationshipKind::HasOne => v.get("items").and_then(|i| i.get(0)).cloned().unwrap_or(Value::Null),
        _ => v,
    })
}
