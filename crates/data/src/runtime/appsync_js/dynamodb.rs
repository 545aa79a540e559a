//! The DynamoDB data source of AppSync resolvers over a model's table in the store: the request
//! objects `GetItem`, `PutItem`, `UpdateItem`, `DeleteItem`, `Query` and `Scan` (what
//! `@aws-appsync/utils/dynamodb` builds, or written by hand), with key conditions, filters and
//! write conditions pushed down into the store (so into SQL), and results shaped as AppSync's
//! (the item; `{items, nextToken, scannedCount}` for reads of many).
//!
//! `UpdateItem` is in [`super::update`]. Batch requests name tables: a model, or a table added
//! with `addDynamoDbDataSource`.

use serde_json::{json, Map, Value};
use store::{Condition, FieldPath, Filter, Op, QuerySpec, SortCondition};

use super::expr::{parse_condition, top, Placeholders};
use super::values::map_values;
use crate::runtime::error::DataError;
use crate::runtime::ops;
use crate::runtime::plan::{index_key, ModelPlan, PRIMARY_INDEX};
use crate::runtime::request::RequestCtx;

/// A table added with `backend.data.addDynamoDbDataSource` (stored in the store under its
/// DynamoDB table name). Its key attributes are the declared ones, else read from the request
/// (the `key` map's attributes in order; a Query's `=` attribute and the other one).
pub async fn external_plan(r: &RequestCtx, table: &str, pk: Option<&str>, sk: Option<&str>, req: &Value) -> ModelPlan {
    static SEEN: std::sync::Mutex<Option<std::collections::HashMap<String, Vec<String>>>> = std::sync::Mutex::new(None);
    let remembered = || {
        SEEN.lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert_with(Default::default)
            .get(table)
            .cloned()
    };
    let mut key: Vec<String> = pk
        .map(|p| std::iter::once(p.to_string()).chain(sk.map(str::to_string)).collect())
        .or_else(remembered)
        .unwrap_or_default();
    if key.is_empty() {
        if let Some(k) = req.get("key").and_then(Value::as_object) {
            key = k.keys().take(2).cloned().collect();
            // Later requests without a key map (batch puts, scans) use the same key attributes.
            SEEN.lock()
                .unwrap_or_else(|p| p.into_inner())
                .get_or_insert_with(Default::default)
                .insert(table.to_string(), key.clone());
        } else if let Some(item) = req.get("item").and_then(Value::as_object) {
            key = item.keys().take(1).cloned().collect();
        } else if let Ok(Some(kc)) = parse_expr(req.get("query").unwrap_or(&Value::Null), "key condition") {
            let parts = match kc {
                Filter::And(p) => p,
                one => vec![one],
            };
            let attr = |f: &Filter| match f {
                Filter::Compare { path, .. } => Some(top(path).to_string()),
                _ => None,
            };
            key.extend(
                parts
                    .iter()
                    .filter(|f| matches!(f, Filter::Compare { op: Op::Eq(_), .. }))
                    .take(1)
                    .filter_map(attr),
            );
            let sort: Option<String> = parts.iter().filter_map(attr).find(|a| !key.contains(a));
            key.extend(sort);
        }
    }
    if key.is_empty() {
        key.push("id".into());
    }
    let model = definition::ir::Model {
        name: table.to_string(),
        fields: vec![],
        primary_key: key,
        primary_key_declared: true,
        indexes: vec![],
        auth: vec![],
        disabled_operations: vec![],
        original_name: None,
        timestamps: false,
        model_args: None,
        database: "dynamodb".into(),
    };
    let plan = ModelPlan::new(&model);
    if let Some(idx) = plan.primary_index() {
        if let Err(e) = r.store().ensure_index(table, PRIMARY_INDEX, &idx).await {
            tracing::warn!("data: cannot index the external table {table}: {e}");
        }
    }
    plan
}

pub(super) fn invalid(m: impl Into<String>) -> DataError {
    DataError::new("DynamoDB:DynamoDbException", m)
}

/// Runs one request object against `plan`'s table; the value becomes `ctx.result`.
pub async fn execute(r: &RequestCtx, plan: &ModelPlan, req: &Value) -> Result<Value, DataError> {
    let op = req.get("operation").and_then(Value::as_str).unwrap_or_default();
    match op {
        "GetItem" => {
            let (pk, sk) = store_key(plan, req)?;
            Ok(r.store().get(&plan.name, &pk, &sk).await?.map(|i| i.data).unwrap_or(Value::Null))
        }
        "PutItem" => {
            let (pk, sk) = store_key(plan, req)?;
            let mut item = map_values(req.get("attributeValues").unwrap_or(&Value::Null));
            item.extend(map_values(&req["key"]));
            let cond = condition(req)?.map(Condition::Filter).unwrap_or_default();
            Ok(r.store().put(&plan.name, &pk, &sk, Value::Object(item), &cond).await?.data)
        }
        "DeleteItem" => {
            let (pk, sk) = store_key(plan, req)?;
            let cond = condition(req)?.map(Condition::Filter).unwrap_or_default();
            Ok(r.store().delete(&plan.name, &pk, &sk, &cond).await?.map(|i| i.data).unwrap_or(Value::Null))
        }
        "UpdateItem" => super::update::update(r, plan, req).await,
        "Query" | "Scan" => read_many(r, plan, req, op == "Query").await,
        "BatchGetItem" | "BatchPutItem" | "BatchDeleteItem" | "TransactGetItems" => batch(r, op, req).await,
        "" => Err(invalid(
            "The request object has no `operation` (GetItem, PutItem, UpdateItem, DeleteItem, Query or Scan)",
        )),
        other => Err(DataError::not_available(&format!("The DynamoDB operation `{other}`"))),
    }
}

/// The table a batch request names: a model (`Post`, or Amplify's `Post-<apiId>-<env>`) or a
/// table added with `addDynamoDbDataSource`.
async fn table_plan(r: &RequestCtx, name: &str, key: &Value, is_item: bool) -> Result<ModelPlan, DataError> {
    let model = r.plan(name).or_else(|| name.split('-').next().and_then(|m| r.plan(m))).filter(|p| p.managed);
    if let Some(p) = model {
        return Ok((**p).clone());
    }
    let sources = r.backend.data.as_ref().map(|d| d.data_sources.as_slice()).unwrap_or_default();
    for s in sources {
        if let definition::ir::DataSourceKind::DynamoDb {
            table,
            partition_key,
            sort_key,
        } = &s.kind
        {
            if table == name {
                let req = if is_item { json!({ "item": key }) } else { json!({ "key": key }) };
                return Ok(external_plan(r, table, partition_key.as_deref(), sort_key.as_deref(), &req).await);
            }
        }
    }
    Err(invalid(format!(
        "Requested resource not found: table {name} is neither a model nor a data source's table"
    )))
}

/// BatchGetItem, BatchPutItem, BatchDeleteItem (not atomic, as in DynamoDB) and TransactGetItems.
async fn batch(r: &RequestCtx, op: &str, req: &Value) -> Result<Value, DataError> {
    if op == "TransactGetItems" {
        let mut items = Vec::new();
        for t in req.get("transactItems").and_then(Value::as_array).into_iter().flatten() {
            let name = t.get("table").and_then(Value::as_str).unwrap_or_default();
            let plan = table_plan(r, name, &t["key"], false).await?;
            let (pk, sk) = store_key(&plan, t)?;
            items.push(r.store().get(&plan.name, &pk, &sk).await?.map(|i| i.data).unwrap_or(Value::Null));
        }
        return Ok(json!({ "items": items, "cancellationReasons": null }));
    }
    let tables = req
        .get("tables")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid(format!("{op} needs `tables`")))?;
    let mut data = Map::new();
    for (name, entries) in tables {
        let mut out = Vec::new();
        for entry in entries.as_array().into_iter().flatten() {
            let values = map_values(entry);
            let plan = table_plan(r, name, entry, op == "BatchPutItem").await?;
            // Batch entries are whole items (put) or keys (get, delete): the key is their key part.
            let key: Map<String, Value> = values
                .iter()
                .filter(|(k, _)| plan.key_fields().any(|f| f == *k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let (pk, sk) = plan.key_of(&key).map_err(|e| invalid(e.message))?;
            let v = match op {
                "BatchGetItem" => r.store().get(&plan.name, &pk, &sk).await?.map(|i| i.data),
                "BatchPutItem" => Some(r.store().put(&plan.name, &pk, &sk, Value::Object(values), &Condition::None).await?.data),
                _ => r.store().delete(&plan.name, &pk, &sk, &Condition::None).await?.map(|i| i.data),
            };
            if op != "BatchGetItem" || v.is_some() {
                out.push(v.unwrap_or(Value::Null));
            }
        }
        data.insert(name.clone(), Value::Array(out));
    }
    let unprocessed = if op == "BatchPutItem" { "unprocessedItems" } else { "unprocessedKeys" };
    let empty: Map<String, Value> = tables.keys().map(|k| (k.clone(), json!([]))).collect();
    Ok(json!({ "data": data, unprocessed: empty }))
}

pub(super) fn placeholders(v: &Value) -> Placeholders<'_> {
    Placeholders {
        names: v.get("expressionNames").and_then(Value::as_object),
        values: v.get("expressionValues").and_then(Value::as_object),
    }
}

/// An expression object (`{expression, expressionNames, expressionValues}`; its JSON text is
/// accepted too, as `util.transform` returns it).
pub(super) fn expression_object(v: &Value) -> Result<Option<Value>, DataError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => serde_json::from_str(s)
            .map(Some)
            .map_err(|e| invalid(format!("the expression object is not JSON: {e}"))),
        Value::Object(_) => Ok(Some(v.clone())),
        _ => Err(invalid("an expression must be an object {expression, expressionNames, expressionValues}")),
    }
}

fn parse_expr(v: &Value, what: &str) -> Result<Option<Filter>, DataError> {
    let Some(obj) = expression_object(v)? else { return Ok(None) };
    let Some(text) = obj.get("expression").and_then(Value::as_str).filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    parse_condition(text, &placeholders(&obj))
        .map(Some)
        .map_err(|e| invalid(format!("Invalid {what} expression: {e}")))
}

pub(super) fn condition(req: &Value) -> Result<Option<Filter>, DataError> {
    parse_expr(req.get("condition").unwrap_or(&Value::Null), "condition")
}

/// The store key of `req.key`, which must name exactly the table's key attributes.
pub(super) fn store_key(plan: &ModelPlan, req: &Value) -> Result<(String, String), DataError> {
    let mut key = map_values(req.get("key").ok_or_else(|| invalid("The request object has no `key`"))?);
    if plan.sort_keys.len() > 1 {
        let joined = plan.sort_keys.join("#");
        if let Some(Value::String(s)) = key.remove(&joined) {
            for (k, part) in plan.sort_keys.iter().zip(s.split('#')) {
                key.entry(k.clone()).or_insert_with(|| Value::String(part.to_string()));
            }
        }
    }
    if let Some(extra) = key.keys().find(|k| !plan.key_fields().any(|f| f == *k)) {
        return Err(invalid(format!(
            "The provided key element does not match the schema (`{extra}` is not a key attribute of {})",
            plan.name
        )));
    }
    plan.key_of(&key).map_err(|e| invalid(e.message))
}

async fn read_many(r: &RequestCtx, plan: &ModelPlan, req: &Value, is_query: bool) -> Result<Value, DataError> {
    let index_name = req.get("index").and_then(Value::as_str).filter(|s| !s.is_empty());
    let (partition_key, sort_keys, index) = match index_name {
        Some(n) => {
            let idx = plan.index(n).ok_or_else(|| {
                let names: Vec<&str> = plan.ir.indexes.iter().map(|i| i.name.as_str()).collect();
                invalid(format!(
                    "The table {} does not have the specified index: {n} (its indexes: {})",
                    plan.name,
                    names.join(", ")
                ))
            })?;
            (idx.partition_key.clone(), idx.sort_keys.clone(), Some(index_key(idx)))
        }
        None => (plan.partition_key.clone(), plan.sort_keys.clone(), None),
    };
    let mut spec = QuerySpec {
        descending: req.get("scanIndexForward").and_then(Value::as_bool) == Some(false),
        ..Default::default()
    };
    let mut scope_index = index_name.unwrap_or_default().to_string();
    if let Some(idx) = index {
        spec.index = Some(idx);
    }
    if is_query {
        let kc =
            parse_expr(req.get("query").unwrap_or(&Value::Null), "key condition")?.ok_or_else(|| invalid("Query needs a `query` key condition expression"))?;
        let mut parts = match kc {
            Filter::And(p) => p,
            other => vec![other],
        };
        let pos = parts
            .iter()
            .position(|f| matches!(f, Filter::Compare { path, op: Op::Eq(_) } if *path == FieldPath::field(partition_key.as_str())))
            .ok_or_else(|| {
                invalid(format!(
                    "Query key condition not supported: it must compare the partition key `{partition_key}` with ="
                ))
            })?;
        let Filter::Compare { op: Op::Eq(pv), .. } = parts.remove(pos) else {
            unreachable!()
        };
        if index_name.is_none() && sort_keys.is_empty() {
            let (pk, _) = plan.key_of(&Map::from_iter([(partition_key.clone(), pv)])).map_err(|e| invalid(e.message))?;
            spec.partition = Some(Value::String(pk));
        } else {
            if index_name.is_none() {
                spec.index = plan.primary_index();
                scope_index = PRIMARY_INDEX.to_string();
            }
            spec.partition = Some(pv);
        }
        let sort_attr = sort_keys.join("#");
        match parts.as_slice() {
            [] => {}
            [Filter::Compare { path, op }] if !sort_keys.is_empty() && *path == FieldPath::field(sort_attr.as_str()) => {
                spec.sort = Some(sort_condition(op, sort_keys.len())?);
            }
            _ => {
                return Err(invalid(format!(
                    "Query key condition not supported: only the sort key `{sort_attr}` may follow the partition key"
                )))
            }
        }
    }
    let filter = parse_expr(req.get("filter").unwrap_or(&Value::Null), "filter")?;
    spec.filter = filter;
    let mut args = Map::new();
    for k in ["limit", "nextToken"] {
        if let Some(v) = req.get(k).filter(|v| !v.is_null()) {
            args.insert(k.to_string(), v.clone());
        }
    }
    let scope = format!(
        "{}#js:{}#{}",
        plan.name,
        scope_index,
        spec.partition.as_ref().map(Value::to_string).unwrap_or_default()
    );
    let mut page = ops::page(r, spec, &scope, &args).await?;
    let count = page["items"].as_array().map(Vec::len).unwrap_or(0);
    page["scannedCount"] = json!(count);
    Ok(page)
}

/// A key condition on the (possibly composite, `a#b`) sort key.
fn sort_condition(op: &Op, n: usize) -> Result<SortCondition, DataError> {
    let split = |v: &Value| -> Vec<Value> {
        match v {
            Value::String(s) if n > 1 => s.split('#').map(|p| Value::String(p.to_string())).collect(),
            other => vec![other.clone()],
        }
    };
    Ok(match op {
        Op::Eq(v) => SortCondition::Eq(split(v)),
        Op::Lt(v) => SortCondition::Lt(split(v)),
        Op::Le(v) => SortCondition::Le(split(v)),
        Op::Gt(v) => SortCondition::Gt(split(v)),
        Op::Ge(v) => SortCondition::Ge(split(v)),
        Op::Between(a, b) => SortCondition::Between(split(a), split(b)),
        Op::BeginsWith(p) => SortCondition::BeginsWith(split(&Value::String(p.clone()))),
        _ => {
            return Err(invalid(
                "Query key condition not supported: the sort key allows =, <, <=, >, >=, BETWEEN and begins_with",
            ))
        }
    })
}
