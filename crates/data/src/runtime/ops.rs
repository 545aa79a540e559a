//! The model operations Amplify's resolvers implement, over the store: get, list (with key
//! conditions and index queries), create, update and delete, each authorized first.
//!
//! Semantics follow Amplify's generated resolvers: create fills a missing `id`, defaults and
//! timestamps and fails if the key exists; update is partial (an explicit `null` removes the
//! attribute), sets `updatedAt`, and fails when the item does not exist; delete returns the
//! deleted item. `condition` inputs and owner restrictions become store conditions, checked
//! atomically with the write. Unlike DynamoDB, `limit` counts items *after* the filter.

use definition::ir::SecondaryIndex;
use serde_json::{Map, Value};
use store::{Condition, FieldPath, Filter, Op, Patch, QuerySpec, SortCondition};

use super::auth::{self, Access};
use super::error::DataError;
use super::filter::{composite_key_condition, key_condition, to_filter};
use super::plan::{index_key, now_iso, ModelPlan, PRIMARY_INDEX};
use super::request::RequestCtx;
use super::scalars;
use super::values::{key_value, missing_required, to_stored};
use crate::appsync_schema::inputs::camel_case;

/// Items per page when the client gives no `limit`, as AppSync's list resolvers.
pub const DEFAULT_LIMIT: i64 = 100;
/// The most items one page returns (DynamoDB caps a page at 1 MB; we cap the count).
pub const MAX_LIMIT: i64 = 1000;

/// Checks the model's rules for `op`; `Some(filter)` when only matching items are allowed.
pub fn authorize(r: &RequestCtx, plan: &ModelPlan, op: &str, field: &str, parent: &str) -> Result<Option<Filter>, DataError> {
    match auth::decide(&r.caller, plan.auth(), op) {
        Access::All => Ok(None),
        Access::Items(f) => Ok(Some(f)),
        Access::Denied => Err(DataError::unauthorized(field, parent)),
    }
}

/// `getX(<key fields>)`.
pub async fn get(r: &RequestCtx, plan: &ModelPlan, field: &str, args: &Map<String, Value>) -> Result<Option<Value>, DataError> {
    let restrict = authorize(r, plan, "get", field, "Query")?;
    let (pk, sk) = plan.key_of(args)?;
    let Some(item) = r.store().get(&plan.name, &pk, &sk).await? else { return Ok(None) };
    if restrict.as_ref().is_some_and(|f| !auth::matches(f, &item.data)) {
        return Err(DataError::unauthorized(field, "Query"));
    }
    Ok(Some(item.data))
}

/// How a list reads: the whole table, one partition of the primary key, or an index.
pub struct ListTarget<'a> {
    pub index: Option<&'a SecondaryIndex>,
}

/// `listXs(...)` and index query fields: `{items, nextToken}`.
pub async fn list(r: &RequestCtx, plan: &ModelPlan, field: &str, args: &Map<String, Value>, target: ListTarget<'_>) -> Result<Value, DataError> {
    let restrict = authorize(r, plan, "list", field, "Query")?;
    let mut spec = QuerySpec { descending: args.get("sortDirection").and_then(Value::as_str) == Some("DESC"), ..Default::default() };
    let scope_index = match target.index {
        Some(idx) => {
            let v = args.get(&idx.partition_key).filter(|v| !v.is_null()).ok_or_else(|| DataError::validation(format!("`{}` is required", idx.partition_key)))?;
            spec.index = Some(index_key(idx));
            spec.partition = Some(typed_key(plan, &idx.partition_key, v)?);
            spec.sort = sort_condition(plan, &idx.sort_keys, args)?;
            idx.name.clone()
        }
        None => match args.get(&plan.partition_key).filter(|v| !v.is_null()) {
            Some(v) if plan.sort_keys.is_empty() => {
                let (pk, _) = plan.key_of(&Map::from_iter([(plan.partition_key.clone(), v.clone())]))?;
                spec.partition = Some(Value::String(pk));
                String::new()
            }
            Some(v) => {
                spec.index = plan.primary_index();
                spec.partition = Some(typed_key(plan, &plan.partition_key, v)?);
                spec.sort = sort_condition(plan, &plan.sort_keys, args)?;
                PRIMARY_INDEX.to_string()
            }
            None => {
                if plan.sort_keys.iter().any(|k| args.get(k).is_some_and(|v| !v.is_null())) {
                    return Err(DataError::validation(format!("a sort key condition needs `{}`", plan.partition_key)));
                }
                String::new()
            }
        },
    };
    let mut filters = Vec::new();
    if let Some(f) = args.get("filter").filter(|v| !v.is_null()) {
        filters.push(to_filter(f)?);
    }
    filters.extend(restrict);
    spec.filter = combine(filters);
    let scope = format!("{}#{}#{}", plan.name, scope_index, spec.partition.as_ref().map(Value::to_string).unwrap_or_default());
    page(r, spec, &scope, args).await
}

/// Runs `spec` with the `limit`/`nextToken` arguments; returns the connection value.
pub async fn page(r: &RequestCtx, mut spec: QuerySpec, scope: &str, args: &Map<String, Value>) -> Result<Value, DataError> {
    let limit = match args.get("limit") {
        None | Some(Value::Null) => DEFAULT_LIMIT,
        Some(v) => v.as_i64().filter(|n| *n >= 1).ok_or_else(|| DataError::validation("limit must be a positive integer"))?,
    };
    spec.limit = Some(limit.min(MAX_LIMIT) as usize);
    if let Some(t) = args.get("nextToken").and_then(Value::as_str).filter(|t| !t.is_empty()) {
        spec.cursor = Some(r.signer.verify(scope, t)?);
    }
    let table = scope.split('#').next().unwrap_or_default();
    let page = r.store().query(table, &spec).await?;
    let next = page.cursor.map(|c| Value::String(r.signer.sign(scope, &c))).unwrap_or(Value::Null);
    Ok(serde_json::json!({ "items": page.items.into_iter().map(|i| i.data).collect::<Vec<_>>(), "nextToken": next }))
}

pub fn combine(mut filters: Vec<Filter>) -> Option<Filter> {
    match filters.len() {
        0 => None,
        1 => filters.pop(),
        _ => Some(Filter::And(filters)),
    }
}

/// A key value typed as the stored attribute (IDs as strings, numbers as numbers).
fn typed_key(plan: &ModelPlan, field: &str, v: &Value) -> Result<Value, DataError> {
    let v = key_value(v)?;
    Ok(match plan.base_name(field) {
        Some(s) => scalars::to_stored(s, v),
        None => v,
    })
}

/// The sort key condition argument of a key query (one key, or the composite input).
fn sort_condition(plan: &ModelPlan, sort_keys: &[String], args: &Map<String, Value>) -> Result<Option<SortCondition>, DataError> {
    let cond = match sort_keys {
        [] => None,
        [one] => match args.get(one) {
            Some(v) if !v.is_null() => key_condition(one, v)?,
            _ => None,
        },
        many => {
            let names: Vec<&str> = many.iter().map(String::as_str).collect();
            let arg = camel_case(&names);
            match args.get(&arg) {
                Some(v) if !v.is_null() => composite_key_condition(&arg, many, v)?,
                _ => None,
            }
        }
    };
    let typed = |vals: Vec<Value>| -> Result<Vec<Value>, DataError> {
        vals.iter().zip(sort_keys).map(|(v, k)| typed_key(plan, k, v)).collect()
    };
    Ok(match cond {
        None => None,
        Some(SortCondition::Eq(v)) => Some(SortCondition::Eq(typed(v)?)),
        Some(SortCondition::Lt(v)) => Some(SortCondition::Lt(typed(v)?)),
        Some(SortCondition::Le(v)) => Some(SortCondition::Le(typed(v)?)),
        Some(SortCondition::Gt(v)) => Some(SortCondition::Gt(typed(v)?)),
        Some(SortCondition::Ge(v)) => Some(SortCondition::Ge(typed(v)?)),
        Some(SortCondition::Between(a, b)) => Some(SortCondition::Between(typed(a)?, typed(b)?)),
        Some(SortCondition::BeginsWith(v)) => Some(SortCondition::BeginsWith(v)),
    })
}

fn input_of(args: &Map<String, Value>) -> Result<&Map<String, Value>, DataError> {
    args.get("input").and_then(Value::as_object).ok_or_else(|| DataError::validation("`input` is required"))
}

fn user_condition(args: &Map<String, Value>) -> Result<Option<Filter>, DataError> {
    args.get("condition").filter(|v| !v.is_null()).map(to_filter).transpose()
}

fn exists(plan: &ModelPlan, yes: bool) -> Filter {
    Filter::cmp(FieldPath::field(plan.partition_key.as_str()), Op::AttributeExists(yes))
}

/// `createX(input, condition)`.
pub async fn create(r: &RequestCtx, plan: &ModelPlan, field: &str, args: &Map<String, Value>) -> Result<Value, DataError> {
    let restrict = authorize(r, plan, "create", field, "Mutation")?;
    let input = input_of(args)?;
    let field_restrictions = auth::check_field_writes(r, plan, input.keys(), "create")?;
    let schema = r.schema();
    let mut item = Map::new();
    for (k, v) in input {
        let f = plan.ir.field(k).ok_or_else(|| DataError::validation(format!("The variables input contains a field name '{k}' that is not defined for input object type 'Create{}Input'", plan.name)))?;
        item.insert(k.clone(), to_stored(schema, f, v.clone()));
    }
    if plan.implicit_id && item.get("id").is_none_or(Value::is_null) {
        item.insert("id".into(), Value::String(uuid::Uuid::new_v4().to_string()));
    }
    for f in plan.ir.fields.iter().filter(|f| f.default.is_some()) {
        if !item.contains_key(&f.name) {
            let d = f.default.clone().unwrap_or(Value::Null);
            item.insert(f.name.clone(), to_stored(schema, f, d));
        }
    }
    let now = now_iso();
    for ts in [&plan.created_at, &plan.updated_at].into_iter().flatten() {
        if item.get(ts).is_none_or(Value::is_null) {
            item.insert(ts.clone(), Value::String(now.clone()));
        }
    }
    // As Amplify's resolvers: owner fields are filled only for callers that the owner rules
    // (not a static group or a public/private rule) authorize.
    if restrict.is_some() {
        auth::fill_owner_fields(&r.caller, plan, &mut item);
    }
    let missing = missing_required(plan.ir.fields.iter(), &item);
    if !missing.is_empty() {
        return Err(DataError::validation(format!("Missing required field(s) for {}: {}", plan.name, missing.join(", "))));
    }
    item.insert("__typename".into(), Value::String(plan.name.clone()));
    let new_item = Value::Object(item.clone());
    if restrict.iter().chain(&field_restrictions).any(|f| !auth::matches(f, &new_item)) {
        return Err(DataError::unauthorized(field, "Mutation"));
    }
    let (pk, sk) = plan.key_of(&item)?;
    let cond = match user_condition(args)? {
        None => Condition::MustNotExist,
        Some(c) => Condition::Filter(Filter::And(vec![exists(plan, false), c])),
    };
    let stored = r.store().put(&plan.name, &pk, &sk, Value::Object(item), &cond).await?;
    Ok(stored.data)
}

/// `updateX(input, condition)`.
pub async fn update(r: &RequestCtx, plan: &ModelPlan, field: &str, args: &Map<String, Value>) -> Result<Value, DataError> {
    let restrict = authorize(r, plan, "update", field, "Mutation")?;
    let input = input_of(args)?;
    let (pk, sk) = plan.key_of(input)?;
    let keys: Vec<&String> = plan.key_fields().collect();
    let field_restrictions = auth::check_field_writes(r, plan, input.keys().filter(|k| !keys.contains(k)), "update")?;
    let schema = r.schema();
    let mut patch = Patch::default();
    for (k, v) in input.iter().filter(|(k, _)| !keys.contains(k)) {
        let f = plan.ir.field(k).ok_or_else(|| DataError::validation(format!("The variables input contains a field name '{k}' that is not defined for input object type 'Update{}Input'", plan.name)))?;
        if v.is_null() {
            if f.ty.required && !f.ty.list && f.default.is_none() {
                return Err(DataError::validation(format!("`{k}` of {} is required and cannot be removed", plan.name)));
            }
            patch.remove.push(k.clone());
        } else {
            patch.set.insert(k.clone(), to_stored(schema, f, v.clone()));
        }
    }
    if let Some(ts) = &plan.updated_at {
        if !patch.set.contains_key(ts) {
            patch.remove.retain(|k| k != ts);
            patch.set.insert(ts.clone(), Value::String(now_iso()));
        }
    }
    // The stored item must satisfy the model's and the written fields' owner/group rules.
    let restrict = combine(restrict.into_iter().chain(field_restrictions).collect());
    let mut conds = vec![exists(plan, true)];
    conds.extend(restrict.clone());
    conds.extend(user_condition(args)?);
    let result = r.store().update(&plan.name, &pk, &sk, &patch, &Condition::Filter(Filter::And(conds))).await;
    match result {
        Ok(item) => Ok(item.data),
        Err(store::StoreError::ConditionFailed) => Err(explain_failure(r, plan, &pk, &sk, restrict.as_ref(), field).await),
        Err(e) => Err(e.into()),
    }
}

/// `deleteX(input, condition)`: the deleted item.
pub async fn delete(r: &RequestCtx, plan: &ModelPlan, field: &str, args: &Map<String, Value>) -> Result<Value, DataError> {
    let restrict = authorize(r, plan, "delete", field, "Mutation")?;
    let input = input_of(args)?;
    let (pk, sk) = plan.key_of(input)?;
    let mut conds = vec![exists(plan, true)];
    conds.extend(restrict.clone());
    conds.extend(user_condition(args)?);
    match r.store().delete(&plan.name, &pk, &sk, &Condition::Filter(Filter::And(conds))).await {
        Ok(Some(item)) => Ok(item.data),
        Ok(None) => Err(DataError::condition_failed()),
        Err(store::StoreError::ConditionFailed) => Err(explain_failure(r, plan, &pk, &sk, restrict.as_ref(), field).await),
        Err(e) => Err(e.into()),
    }
}

/// A failed write condition is an authorization failure when the item exists but is not the
/// caller's; otherwise AppSync's conditional-check failure.
async fn explain_failure(r: &RequestCtx, plan: &ModelPlan, pk: &str, sk: &str, restrict: Option<&Filter>, field: &str) -> DataError {
    if let (Some(f), Ok(Some(item))) = (restrict, r.store().get(&plan.name, pk, sk).await) {
        if !auth::matches(f, &item.data) {
            return DataError::unauthorized(field, "Mutation");
        }
    }
    DataError::condition_failed()
}
