//! The filter expression AST shared by query filters and write conditions.
//! It only describes *what* to match; `compile.rs` owns turning it into SQL.
//! Semantics follow DynamoDB condition expressions (see `compile.rs`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::path::FieldPath;

/// A boolean expression over an item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Filter {
    /// All must hold; empty = true.
    And(Vec<Filter>),
    /// Any must hold; empty = false.
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Compare {
        path: FieldPath,
        op: Op,
    },
}

/// A test on one attribute.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Op {
    /// Same type and equal value (numbers numerically).
    Eq(Value),
    /// DynamoDB `<>`: also true when the attribute is missing or of another type.
    Ne(Value),
    /// Ordering operators take a string (byte order) or number operand.
    Lt(Value),
    Le(Value),
    Gt(Value),
    Ge(Value),
    /// Inclusive; both bounds of the same type (string or number).
    Between(Value, Value),
    BeginsWith(String),
    /// Substring of a string attribute, or element of a list attribute.
    Contains(Value),
    NotContains(Value),
    AttributeExists(bool),
    AttributeType(AttrType),
    /// Compare the attribute's size (string chars, list/map entries) using a
    /// numeric `Eq/Ne/Lt/Le/Gt/Ge/Between`; false when it has no size.
    Size(Box<Op>),
    In(Vec<Value>),
    NotIn(Vec<Value>),
}

/// DynamoDB attribute type names. JSON has no sets or binary, so `SS`, `NS`,
/// `BS` and `B` never match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttrType {
    S,
    N,
    #[serde(rename = "BOOL")]
    Bool,
    L,
    M,
    #[serde(rename = "NULL")]
    Null,
    SS,
    NS,
    B,
    BS,
}

impl AttrType {
    /// Parses the DynamoDB spelling (`"S"`, `"BOOL"`, ...).
    pub fn parse(s: &str) -> Option<AttrType> {
        Some(match s {
            "S" => AttrType::S,
            "N" => AttrType::N,
            "BOOL" => AttrType::Bool,
            "L" => AttrType::L,
            "M" => AttrType::M,
            "NULL" => AttrType::Null,
            "SS" => AttrType::SS,
            "NS" => AttrType::NS,
            "B" => AttrType::B,
            "BS" => AttrType::BS,
            _ => return None,
        })
    }
}

impl Filter {
    /// `path op` on a top-level or nested attribute.
    pub fn cmp(path: impl Into<FieldPath>, op: Op) -> Filter {
        Filter::Compare {
            path: path.into(),
            op,
        }
    }

    #[allow(clippy::should_implement_trait)]
    pub fn not(f: Filter) -> Filter {
        Filter::Not(Box::new(f))
    }
}
