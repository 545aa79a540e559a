//! Plain data types of the store API: items, write conditions, patches,
//! queries, cursors and key-value entries. No I/O lives here.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Result, StoreError};
use crate::filter::Filter;
use crate::path::FieldPath;

/// One stored item, exactly as committed. Writes return it so the caller can
/// publish a realtime event after the commit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub table: String,
    pub pk: String,
    /// Empty string when the model has no sort key.
    pub sk: String,
    /// The whole item, always a JSON object.
    pub data: Value,
    /// Store-wide monotonically increasing write stamp (never reused, even
    /// after delete + re-create, so `VersionIs` cannot suffer ABA).
    pub version: i64,
    /// Milliseconds since the Unix epoch of the first write of this item.
    pub created_at: i64,
    /// Milliseconds since the Unix epoch of the latest write.
    pub updated_at: i64,
}

/// Precondition of a write, checked atomically with it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Condition {
    #[default]
    None,
    MustNotExist,
    MustExist,
    /// The item exists and its `version` equals this.
    VersionIs(i64),
    /// Evaluated against the current item; a missing item is evaluated as
    /// `{}` (DynamoDB semantics: `attribute_not_exists(id)` holds for it).
    Filter(Filter),
}

/// Top-level changes for [`crate::Store::update`]. `set` values replace the
/// stored attribute (a JSON `null` stores null, as AppSync's SET does);
/// `remove` deletes attributes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Patch {
    pub set: Map<String, Value>,
    pub remove: Vec<String>,
}

/// A secondary index: the partition attribute then zero or more sort attributes.
/// Items lacking any of them (or holding null) are not in the index, like a
/// sparse DynamoDB GSI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexKey {
    pub partition: FieldPath,
    pub sort: Vec<FieldPath>,
}

impl IndexKey {
    pub fn new(partition: impl Into<FieldPath>, sort: Vec<FieldPath>) -> Self {
        IndexKey {
            partition: partition.into(),
            sort,
        }
    }
}

/// Key condition on the sort key. Values are a prefix of the sort key tuple:
/// one string for the primary `sk`; for an index, up to one value per sort
/// field, compared as a tuple (lexicographically, field by field).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SortCondition {
    Eq(Vec<Value>),
    Lt(Vec<Value>),
    Le(Vec<Value>),
    Gt(Vec<Value>),
    Ge(Vec<Value>),
    Between(Vec<Value>, Vec<Value>),
    /// All but the last value must be equal; the last is a string prefix.
    BeginsWith(Vec<Value>),
}

/// What to read. With no `partition` the whole table (or index) is scanned
/// in key order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QuerySpec {
    /// Query a secondary index instead of the primary (pk, sk) key.
    pub index: Option<IndexKey>,
    /// Partition equality: a string for the primary key, any string or
    /// number for an index partition field.
    pub partition: Option<Value>,
    pub sort: Option<SortCondition>,
    pub filter: Option<Filter>,
    pub descending: bool,
    /// Maximum number of *matching* items (counted after the filter).
    pub limit: Option<usize>,
    pub cursor: Option<Cursor>,
}

/// Opaque resume point: the key (and index key values) of the last item
/// returned. The API layer signs/encrypts it before handing it out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    pub pk: String,
    pub sk: String,
    /// Index ordering values of the last item (empty for primary-key queries).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub index_values: Vec<Value>,
}

impl Cursor {
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn decode(s: &str) -> Result<Self> {
        serde_json::from_str(s).map_err(|e| StoreError::BadCursor(e.to_string()))
    }
}

/// One page of query results.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
    /// Present only when more matching items may follow.
    pub cursor: Option<Cursor>,
}

/// A value in the key-value area: JSON documents or raw bytes (keys, blobs).
#[derive(Clone, Debug, PartialEq)]
pub enum KvValue {
    Json(Value),
    Bytes(Vec<u8>),
}

/// Which engine a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
