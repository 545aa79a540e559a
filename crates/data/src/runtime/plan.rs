//! What the runtime needs to know about each model, derived once per backend from the IR: its
//! table, key fields and how they become the store's `pk`/`sk`, its indexes, managed timestamps
//! and field types.
//!
//! Storage layout: table = model name; `pk` = the partition key value as a string; `sk` = the
//! sort key values joined with `#` (Amplify's composite-key convention), empty without a sort key;
//! the item = every attribute as JSON (plus `__typename`, as AppSync stores it). A model with sort
//! keys also gets a `__primary` secondary index over its typed key fields, so key conditions
//! compare numbers as numbers and composite keys field by field.

use std::collections::HashMap;

use definition::ir::{AuthRule, BaseType, FieldOrigin, Model, SecondaryIndex, TypeRef};
use serde_json::{Map, Value};
use store::{FieldPath, IndexKey};

use super::error::DataError;
use crate::appsync_schema::model::Ops;

/// The name of the secondary index that orders a model's items by their typed primary key.
pub const PRIMARY_INDEX: &str = "__primary";

#[derive(Debug, Clone)]
pub struct ModelPlan {
    pub name: String,
    pub ir: Model,
    pub partition_key: String,
    pub sort_keys: Vec<String>,
    /// The key is the implicit `id` (generated when the client sends none).
    pub implicit_id: bool,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub ops: Ops,
    /// Served by the store (DynamoDB-backed in Amplify); SQL models are not.
    pub managed: bool,
}

impl ModelPlan {
    pub fn new(m: &Model) -> ModelPlan {
        let (created_at, updated_at) = timestamps(m);
        ModelPlan {
            name: m.name.clone(),
            ir: m.clone(),
            partition_key: m.primary_key.first().cloned().unwrap_or_else(|| "id".into()),
            sort_keys: m.primary_key.iter().skip(1).cloned().collect(),
            implicit_id: m.field(m.primary_key.first().map(String::as_str).unwrap_or("id")).is_none_or(|f| f.origin == FieldOrigin::ImplicitId),
            created_at,
            updated_at,
            ops: Ops::for_model(m),
            managed: m.database == "dynamodb",
        }
    }

    pub fn auth(&self) -> &[AuthRule] {
        &self.ir.auth
    }

    pub fn field_type(&self, name: &str) -> Option<&TypeRef> {
        self.ir.field(name).map(|f| &f.ty)
    }

    /// The GraphQL scalar (or enum/custom type) name of a field.
    pub fn base_name(&self, name: &str) -> Option<&str> {
        self.field_type(name).map(|t| t.base.name())
    }

    pub fn key_fields(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.partition_key).chain(&self.sort_keys)
    }

    /// The store key (`pk`, `sk`) of the item or key arguments in `values`.
    pub fn key_of(&self, values: &Map<String, Value>) -> Result<(String, String), DataError> {
        let part = |f: &String| -> Result<String, DataError> {
            match values.get(f) {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(Value::Number(n)) => Ok(n.to_string()),
                Some(Value::Bool(b)) => Ok(b.to_string()),
                _ => Err(DataError::validation(format!("the key field `{f}` of {} is required", self.name))),
            }
        };
        let pk = part(&self.partition_key)?;
        let sk = self.sort_keys.iter().map(part).collect::<Result<Vec<_>, _>>()?.join("#");
        Ok((pk, sk))
    }

    /// The typed index over the primary key, for models with sort keys.
    pub fn primary_index(&self) -> Option<IndexKey> {
        (!self.sort_keys.is_empty())
            .then(|| IndexKey::new(self.partition_key.as_str(), self.sort_keys.iter().map(|s| FieldPath::field(s.as_str())).collect()))
    }

    /// Every secondary index to declare in the store: `(name, key)`.
    pub fn store_indexes(&self) -> Vec<(String, IndexKey)> {
        let mut out: Vec<(String, IndexKey)> = self.primary_index().map(|k| (PRIMARY_INDEX.to_string(), k)).into_iter().collect();
        for idx in &self.ir.indexes {
            out.push((idx.name.clone(), index_key(idx)));
        }
        out
    }

    pub fn index(&self, name: &str) -> Option<&SecondaryIndex> {
        self.ir.indexes.iter().find(|i| i.name == name)
    }

    /// Whether `ty` names this model's object type.
    pub fn is_model_type(&self, ty: &TypeRef) -> bool {
        matches!(&ty.base, BaseType::Model(n) if *n == self.name)
    }
}

pub fn index_key(idx: &SecondaryIndex) -> IndexKey {
    IndexKey::new(idx.partition_key.as_str(), idx.sort_keys.iter().map(|s| FieldPath::field(s.as_str())).collect())
}

/// `createdAt`/`updatedAt` names, after `@model(timestamps: ...)`; none for SQL models.
fn timestamps(m: &Model) -> (Option<String>, Option<String>) {
    if m.database != "dynamodb" || !m.timestamps {
        return (None, None);
    }
    let config = m.model_args.as_ref().and_then(|a| a.get("timestamps"));
    if config.is_some_and(Value::is_null) {
        return (None, None);
    }
    let name = |k: &str| match config.and_then(|c| c.get(k)) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) => None,
        _ => Some(k.to_string()),
    };
    (name("createdAt"), name("updatedAt"))
}

/// The plans of a backend's models, by name.
pub fn plans(schema: &definition::ir::Schema) -> HashMap<String, std::sync::Arc<ModelPlan>> {
    schema.models.iter().map(|m| (m.name.clone(), std::sync::Arc::new(ModelPlan::new(m)))).collect()
}

/// Now as AppSync's `$util.time.nowISO8601()`: UTC with milliseconds.
pub fn now_iso() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    iso_from_millis(now.as_millis() as i64)
}

pub fn iso_from_millis(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso_from_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_from_millis(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(iso_from_millis(1_735_689_599_999), "2024-12-31T23:59:59.999Z");
    }
}
