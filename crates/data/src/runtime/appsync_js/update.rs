//! `UpdateItem` over the store: the update expression's actions (SET with `if_not_exists`,
//! `list_append` and arithmetic, REMOVE, ADD, DELETE) applied to the item.
//!
//! Plain top-level SET/REMOVE is one atomic store update. Anything that reads the item is an
//! optimistic read-modify-write: the write is conditioned on the attributes it read being
//! unchanged (plus the request's condition) and retried when another write won.

use serde_json::{json, Value};
use store::{Condition, FieldPath, Filter, Op, Patch, PathSeg};

use super::dynamodb::{condition, expression_object, invalid, placeholders, store_key};
use super::expr::{parse_update, top, Operand, SetValue, UpdateAction};
use super::values::map_values;
use crate::runtime::error::DataError;
use crate::runtime::plan::ModelPlan;
use crate::runtime::request::RequestCtx;

pub async fn update(r: &RequestCtx, plan: &ModelPlan, req: &Value) -> Result<Value, DataError> {
    let (pk, sk) = store_key(plan, req)?;
    let key = map_values(&req["key"]);
    let upd = expression_object(req.get("update").unwrap_or(&Value::Null))?.ok_or_else(|| invalid("UpdateItem needs an `update` expression"))?;
    let text = upd.get("expression").and_then(Value::as_str).unwrap_or_default();
    let actions = parse_update(text, &placeholders(&upd)).map_err(|e| invalid(format!("Invalid UpdateExpression: {e}")))?;
    let user = condition(req)?;
    let reads_item = actions.iter().any(|a| match a {
        UpdateAction::Set(p, v) => p.0.len() > 1 || reads(v),
        UpdateAction::Remove(p) => p.0.len() > 1,
        UpdateAction::Add(..) | UpdateAction::Delete(..) => true,
    });
    if !reads_item {
        // Plain SET/REMOVE of top-level attributes: one atomic store update.
        let mut patch = Patch::default();
        for (k, v) in &key {
            patch.set.insert(k.clone(), v.clone());
        }
        for a in &actions {
            match a {
                UpdateAction::Set(p, SetValue::Operand(Operand::Value(v))) => {
                    patch.set.insert(top(p).to_string(), v.clone());
                }
                UpdateAction::Remove(p) => patch.remove.push(top(p).to_string()),
                _ => {}
            }
        }
        let cond = user.map(Condition::Filter).unwrap_or_default();
        return Ok(r.store().update(&plan.name, &pk, &sk, &patch, &cond).await?.data);
    }
    for _ in 0..8 {
        let old = r.store().get(&plan.name, &pk, &sk).await?.map(|i| i.data).unwrap_or_else(|| json!({}));
        let mut new = old.clone();
        let mut touched: Vec<String> = Vec::new();
        for (k, v) in &key {
            new[k.as_str()] = v.clone();
        }
        for a in &actions {
            apply(a, &old, &mut new)?;
            let p = match a {
                UpdateAction::Set(p, _) | UpdateAction::Remove(p) | UpdateAction::Add(p, _) | UpdateAction::Delete(p, _) => p,
            };
            touched.push(top(p).to_string());
        }
        let mut patch = Patch::default();
        for k in key.keys().chain(&touched) {
            match new.get(k) {
                Some(v) => {
                    patch.set.insert(k.clone(), v.clone());
                }
                None => patch.remove.push(k.clone()),
            }
        }
        // The write holds only if what it read is unchanged.
        let guards: Vec<Filter> = touched.iter().map(|k| guard(k, old.get(k))).collect();
        let mut all = guards.clone();
        all.extend(user.clone());
        match r.store().update(&plan.name, &pk, &sk, &patch, &Condition::Filter(Filter::And(all))).await {
            Ok(item) => return Ok(item.data),
            Err(store::StoreError::ConditionFailed) => {
                let now = r.store().get(&plan.name, &pk, &sk).await?.map(|i| i.data).unwrap_or_else(|| json!({}));
                let unchanged = touched.iter().all(|k| now.get(k) == old.get(k));
                if unchanged {
                    return Err(DataError::condition_failed());
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(DataError::new(
        "DynamoDB:TransactionConflictException",
        "The item was changed by other writes too often; try again",
    ))
}

fn reads(v: &SetValue) -> bool {
    match v {
        SetValue::Operand(Operand::Value(_)) => false,
        _ => true,
    }
}

/// The condition that a top-level attribute still holds what was read.
fn guard(k: &str, old: Option<&Value>) -> Filter {
    let path = FieldPath::field(k);
    match old {
        None => Filter::cmp(path, Op::AttributeExists(false)),
        Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => Filter::cmp(path, Op::Eq(v.clone())),
        Some(Value::Array(a)) => Filter::cmp(path, Op::Size(Box::new(Op::Eq(json!(a.len()))))),
        Some(Value::Object(o)) => Filter::cmp(path, Op::Size(Box::new(Op::Eq(json!(o.len()))))),
        Some(Value::Null) => Filter::cmp(path, Op::AttributeType(store::AttrType::Null)),
    }
}

fn eval(v: &SetValue, old: &Value) -> Result<Value, DataError> {
    Ok(match v {
        SetValue::Operand(Operand::Value(v)) => v.clone(),
        SetValue::Operand(Operand::Path(p)) => p
            .get(old)
            .cloned()
            .ok_or_else(|| invalid("The provided expression refers to an attribute that does not exist in the item"))?,
        SetValue::Operand(Operand::Size(_)) => return Err(invalid("size() cannot be used in an update expression")),
        SetValue::IfNotExists(p, d) => match p.get(old) {
            Some(v) => v.clone(),
            None => eval(d, old)?,
        },
        SetValue::ListAppend(a, b) => {
            let (a, b) = (eval(a, old)?, eval(b, old)?);
            match (a, b) {
                (Value::Array(mut x), Value::Array(y)) => {
                    x.extend(y);
                    Value::Array(x)
                }
                _ => return Err(invalid("list_append needs two lists")),
            }
        }
        SetValue::Plus(a, b) => arith(&eval(a, old)?, &eval(b, old)?, 1.0)?,
        SetValue::Minus(a, b) => arith(&eval(a, old)?, &eval(b, old)?, -1.0)?,
    })
}

fn arith(a: &Value, b: &Value, sign: f64) -> Result<Value, DataError> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Ok(json!(if sign > 0.0 { x + y } else { x - y }));
    }
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => Ok(json!(x + sign * y)),
        _ => Err(invalid("An operand in the update expression has an incorrect data type")),
    }
}

fn apply(a: &UpdateAction, old: &Value, new: &mut Value) -> Result<(), DataError> {
    match a {
        UpdateAction::Set(p, v) => {
            let v = eval(v, old)?;
            set_path(new, p, v)
        }
        UpdateAction::Remove(p) => {
            remove_path(new, p);
            Ok(())
        }
        UpdateAction::Add(p, v) => {
            let cur = p.get(new).cloned();
            let next = match (cur, v) {
                (None, v) => v.clone(),
                (Some(Value::Array(mut set)), Value::Array(add)) => {
                    for x in add {
                        if !set.contains(x) {
                            set.push(x.clone());
                        }
                    }
                    Value::Array(set)
                }
                (Some(c), v) => arith(&c, v, 1.0)?,
            };
            set_path(new, p, next)
        }
        UpdateAction::Delete(p, v) => {
            if let (Some(Value::Array(set)), Value::Array(del)) = (p.get(new).cloned(), v) {
                let kept: Vec<Value> = set.into_iter().filter(|x| !del.contains(x)).collect();
                if kept.is_empty() {
                    remove_path(new, p);
                } else {
                    set_path(new, p, Value::Array(kept))?;
                }
            }
            Ok(())
        }
    }
}

fn set_path(root: &mut Value, p: &FieldPath, v: Value) -> Result<(), DataError> {
    let mut cur = root;
    for (i, seg) in p.0.iter().enumerate() {
        let last = i + 1 == p.0.len();
        cur = match seg {
            PathSeg::Key(k) => {
                let obj = cur
                    .as_object_mut()
                    .ok_or_else(|| invalid("The document path provided in the update expression is invalid for update"))?;
                if last {
                    obj.insert(k.clone(), v);
                    return Ok(());
                }
                obj.entry(k.clone()).or_insert_with(|| json!({}))
            }
            PathSeg::Index(n) => {
                let arr = cur
                    .as_array_mut()
                    .ok_or_else(|| invalid("The document path provided in the update expression is invalid for update"))?;
                let n = (*n).min(arr.len());
                if last {
                    if n == arr.len() {
                        arr.push(v);
                    } else {
                        arr[n] = v;
                    }
                    return Ok(());
                }
                if n == arr.len() {
                    arr.push(json!({}));
                }
                &mut arr[n]
            }
        };
    }
    Ok(())
}

fn remove_path(root: &mut Value, p: &FieldPath) {
    let Some((last, parents)) = p.0.split_last() else { return };
    let mut cur = root;
    for seg in parents {
        let next = match seg {
            PathSeg::Key(k) => cur.get_mut(k.as_str()),
            PathSeg::Index(i) => cur.get_mut(*i),
        };
        match next {
            Some(n) => cur = n,
            None => return,
        }
    }
    match (last, cur) {
        (PathSeg::Key(k), Value::Object(o)) => {
            o.remove(k);
        }
        (PathSeg::Index(i), Value::Array(a)) if *i < a.len() => {
            a.remove(*i);
        }
        _ => {}
    }
}
