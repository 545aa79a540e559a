//! Declared secondary indexes: name validation, stable SQL names, and the
//! partial expression index DDL. The expressions come from `Loc::order_exprs`,
//! the same ones `plan.rs` filters, orders and seeks by, so the planner of
//! either engine can match them.

use crate::error::{invalid, Result};
use crate::path::FieldPath;
use crate::sql::{quote_literal, Dialect, Loc};
use crate::types::IndexKey;

/// Index fields and the table name are inlined into SQL, so they must be
/// identifier-like.
pub(crate) fn check_index(table: &str, ix: &IndexKey) -> Result<()> {
    if table.is_empty() || !table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(invalid(format!(
            "indexed table name {table:?} must be [A-Za-z0-9_]+"
        )));
    }
    ix.partition.validate_inline()?;
    ix.sort.iter().try_for_each(FieldPath::validate_inline)
}

/// Stable SQL name for a declared index: readable prefix + hash of
/// (table, name) so distinct pairs never collide and stay under 63 chars.
pub(crate) fn index_sql_name(table: &str, name: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in table.bytes().chain([0u8]).chain(name.bytes()) {
        h = (h ^ b as u64).wrapping_mul(0x100000001b3);
    }
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(20)
            .collect::<String>()
            .to_lowercase()
    };
    format!("ix_{}_{}_{h:016x}", clean(table), clean(name))
}

/// `CREATE INDEX` for a declared secondary index: a partial expression index
/// over exactly the expressions `plan_query` orders and seeks by.
pub(crate) fn index_ddl(d: Dialect, table: &str, sql_name: &str, ix: &IndexKey) -> String {
    let mut cols = Vec::new();
    for f in std::iter::once(&ix.partition).chain(&ix.sort) {
        cols.extend(
            Loc::literal(d, "item", f)
                .order_exprs()
                .into_iter()
                .map(|e| format!("({e})")),
        );
    }
    cols.push("pk".into());
    cols.push("sk".into());
    format!(
        "CREATE INDEX IF NOT EXISTS {sql_name} ON items ({}) WHERE tbl = {}",
        cols.join(", "),
        quote_literal(table)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_are_stable_and_distinct() {
        assert_eq!(
            index_sql_name("Todo", "byStatus"),
            index_sql_name("Todo", "byStatus")
        );
        assert_ne!(
            index_sql_name("Todo", "byStatus"),
            index_sql_name("Todox", "byStatus")
        );
        assert!(index_sql_name(&"x".repeat(200), &"y".repeat(200)).len() < 63);
    }
}
