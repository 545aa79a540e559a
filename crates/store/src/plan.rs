//! Turns a [`QuerySpec`] into one SQL statement (key conditions, index
//! guards, filter, keyset seek, order, limit) and turns the fetched rows back
//! into a [`Page`]. Pure: engines only execute what this produces.
//!
//! Pagination is keyset-based on (index ordering values..., pk, sk), a
//! unique total order, so a page boundary never moves when items are
//! inserted or deleted between pages (no duplicates, no skips). One extra
//! row is fetched to know whether a cursor is needed.

use serde_json::Value;

use crate::compile::compile;
use crate::error::{invalid, Result, StoreError};
use crate::path::FieldPath;
use crate::sql::{num_bind, quote_literal, Bind, Dialect, Loc, Sql};
use crate::types::{Cursor, Item, Page, QuerySpec, SortCondition};

pub(crate) const ITEM_COLS: &str = "pk, sk, item, version, created_at, updated_at";

pub(crate) struct QueryPlan {
    pub sql: Sql,
    limit: Option<usize>,
    /// Fields whose values go into the cursor (index queries only).
    order_fields: Vec<FieldPath>,
}

pub(crate) fn plan_query(d: Dialect, table: &str, spec: &QuerySpec) -> Result<QueryPlan> {
    let mut sql = Sql::new(d);
    let mut conds: Vec<String> = Vec::new();
    let mut order: Vec<String> = Vec::new();
    let mut order_fields = Vec::new();
    if spec.sort.is_some() && spec.partition.is_none() {
        return Err(invalid("a sort key condition needs a partition key value"));
    }
    match &spec.index {
        None => {
            conds.push(format!("tbl = {}", sql.bind(Bind::Text(table.into()))));
            if let Some(p) = &spec.partition {
                let p = p
                    .as_str()
                    .ok_or_else(|| invalid("the partition key value must be a string"))?;
                conds.push(format!("pk = {}", sql.bind(Bind::Text(p.into()))));
            }
            if let Some(sc) = &spec.sort {
                conds.push(primary_sort(&mut sql, sc)?);
            }
            if spec
                .cursor
                .as_ref()
                .is_some_and(|c| !c.index_values.is_empty())
            {
                return Err(StoreError::BadCursor(
                    "index cursor used on a primary key query".into(),
                ));
            }
        }
        Some(ix) => {
            crate::index::check_index(table, ix)?;
            // Inlined (not bound) so SQLite/Postgres can match the partial
            // expression index created by `index_ddl`.
            conds.push(format!("tbl = {}", quote_literal(table)));
            let ploc = Loc::literal(d, "item", &ix.partition);
            let sort_locs: Vec<Loc> = ix.sort.iter().map(|f| Loc::literal(d, "item", f)).collect();
            for loc in std::iter::once(&ploc).chain(&sort_locs) {
                // Sparse index: items lacking a key attribute are not in it.
                conds.push(format!("COALESCE({}, 'null') <> 'null'", loc.typ()));
            }
            match &spec.partition {
                Some(v) => conds.push(key_cmp(&mut sql, &ploc, "=", v)?),
                None => {
                    order.extend(ploc.order_exprs());
                    order_fields.push(ix.partition.clone());
                }
            }
            if let Some(sc) = &spec.sort {
                conds.push(tuple_cond(&mut sql, &sort_locs, sc)?);
            }
            for (loc, f) in sort_locs.iter().zip(&ix.sort) {
                order.extend(loc.order_exprs());
                order_fields.push(f.clone());
            }
        }
    }
    order.push("pk".into());
    order.push("sk".into());
    if let Some(f) = &spec.filter {
        conds.push(compile(&mut sql, "item", f)?);
    }
    if let Some(c) = &spec.cursor {
        conds.push(seek(&mut sql, &order, &order_fields, c, spec.descending)?);
    }
    let dir = if spec.descending { " DESC" } else { "" };
    let order_by: Vec<String> = order.iter().map(|e| format!("{e}{dir}")).collect();
    let mut text = format!(
        "SELECT {ITEM_COLS} FROM items WHERE {} ORDER BY {}",
        conds.join(" AND "),
        order_by.join(", ")
    );
    if let Some(n) = spec.limit {
        text.push_str(&format!(" LIMIT {}", sql.bind(Bind::Int(n as i64 + 1))));
    }
    sql.text = text;
    Ok(QueryPlan {
        sql,
        limit: spec.limit,
        order_fields,
    })
}

/// Condition on the primary `sk` column (TEXT, byte-ordered in both engines).
fn primary_sort(sql: &mut Sql, sc: &SortCondition) -> Result<String> {
    let one = |vals: &[Value]| -> Result<String> {
        match vals {
            [Value::String(s)] => Ok(s.clone()),
            _ => Err(invalid(
                "a primary sort key condition takes exactly one string",
            )),
        }
    };
    let mut cmp = |op: &str, vals: &[Value]| -> Result<String> {
        Ok(format!("sk {op} {}", sql.bind(Bind::Text(one(vals)?))))
    };
    Ok(match sc {
        SortCondition::Eq(v) => cmp("=", v)?,
        SortCondition::Lt(v) => cmp("<", v)?,
        SortCondition::Le(v) => cmp("<=", v)?,
        SortCondition::Gt(v) => cmp(">", v)?,
        SortCondition::Ge(v) => cmp(">=", v)?,
        SortCondition::Between(lo, hi) => format!("{} AND {}", cmp(">=", lo)?, cmp("<=", hi)?),
        SortCondition::BeginsWith(v) => {
            let p = sql.bind(Bind::Text(one(v)?));
            // The `>=` bound lets the primary key index start at the prefix.
            match sql.d {
                Dialect::Sqlite => format!("sk >= {p} AND substr(sk, 1, length({p})) = {p}"),
                Dialect::Postgres => format!("sk >= {p} AND starts_with(sk, {p})"),
            }
        }
    })
}

/// Typed comparison of an index key field, written with the same
/// expressions as the index so the planner can use it.
fn key_cmp(sql: &mut Sql, loc: &Loc, op: &str, v: &Value) -> Result<String> {
    let e = loc.order_exprs();
    Ok(match (sql.d, v) {
        (Dialect::Sqlite, Value::String(s)) => {
            format!(
                "({} = 'text' AND {} {op} {})",
                loc.typ(),
                e[0],
                sql.bind(Bind::Text(s.clone()))
            )
        }
        (Dialect::Sqlite, Value::Number(n)) => {
            format!(
                "({} IN ('integer','real') AND {} {op} {})",
                loc.typ(),
                e[0],
                sql.bind(num_bind(n))
            )
        }
        (Dialect::Postgres, Value::String(s)) => {
            let mut c = format!(
                "({} = 'string' AND {} {op} {}",
                e[0],
                e[1],
                sql.bind(Bind::Text(s.clone()))
            );
            if op == "=" {
                // Pin the jsonb column too, so all three index columns are
                // equality-bound and the index also yields the ORDER BY.
                c.push_str(&format!(
                    " AND {} = {}",
                    e[2],
                    sql.bind(Bind::Json(v.clone()))
                ));
            }
            c.push(')');
            c
        }
        (Dialect::Postgres, Value::Number(_)) => format!(
            "({} = 'number' AND {} = '' AND {} {op} {})",
            e[0],
            e[1],
            e[2],
            sql.bind(Bind::Json(v.clone()))
        ),
        _ => {
            return Err(invalid(format!(
                "index key values must be strings or numbers, got {v}"
            )))
        }
    })
}

fn key_begins(sql: &mut Sql, loc: &Loc, v: &Value) -> Result<String> {
    let s = v
        .as_str()
        .ok_or_else(|| invalid("begins_with needs a string"))?;
    let p = sql.bind(Bind::Text(s.into()));
    let e = loc.order_exprs();
    Ok(match sql.d {
        Dialect::Sqlite => format!(
            "({} = 'text' AND {e0} >= {p} AND substr({e0}, 1, length({p})) = {p})",
            loc.typ(),
            e0 = e[0]
        ),
        Dialect::Postgres => {
            format!(
                "({} = 'string' AND {e1} >= {p} AND starts_with({e1}, {p}))",
                e[0],
                e1 = e[1]
            )
        }
    })
}

/// A sort condition over a prefix of the index sort fields, compared as a
/// tuple: `(a, b) < (x, y)` means `a < x OR (a = x AND b < y)`.
fn tuple_cond(sql: &mut Sql, locs: &[Loc], sc: &SortCondition) -> Result<String> {
    let check = |vals: &[Value]| -> Result<()> {
        if vals.is_empty() || vals.len() > locs.len() {
            return Err(invalid(format!(
                "sort condition has {} values but the index has {} sort fields",
                vals.len(),
                locs.len()
            )));
        }
        Ok(())
    };
    let eq_prefix = |sql: &mut Sql, vals: &[Value]| -> Result<Vec<String>> {
        vals.iter()
            .zip(locs)
            .map(|(v, l)| key_cmp(sql, l, "=", v))
            .collect()
    };
    // strict `less`/`greater`, optionally OR-ing in full equality.
    let lex = |sql: &mut Sql, vals: &[Value], op: &str, or_equal: bool| -> Result<String> {
        check(vals)?;
        let mut alts = Vec::new();
        for j in 0..vals.len() {
            let mut parts = eq_prefix(sql, &vals[..j])?;
            parts.push(key_cmp(sql, &locs[j], op, &vals[j])?);
            alts.push(format!("({})", parts.join(" AND ")));
        }
        if or_equal {
            alts.push(format!("({})", eq_prefix(sql, vals)?.join(" AND ")));
        }
        Ok(format!("({})", alts.join(" OR ")))
    };
    Ok(match sc {
        SortCondition::Eq(v) => {
            check(v)?;
            format!("({})", eq_prefix(sql, v)?.join(" AND "))
        }
        SortCondition::Lt(v) => lex(sql, v, "<", false)?,
        SortCondition::Le(v) => lex(sql, v, "<", true)?,
        SortCondition::Gt(v) => lex(sql, v, ">", false)?,
        SortCondition::Ge(v) => lex(sql, v, ">", true)?,
        SortCondition::Between(lo, hi) => {
            format!(
                "({} AND {})",
                lex(sql, lo, ">", true)?,
                lex(sql, hi, "<", true)?
            )
        }
        SortCondition::BeginsWith(v) => {
            check(v)?;
            let k = v.len() - 1;
            let mut parts = eq_prefix(sql, &v[..k])?;
            parts.push(key_begins(sql, &locs[k], &v[k])?);
            format!("({})", parts.join(" AND "))
        }
    })
}

/// `(order exprs...) > (cursor values...)` (or `<` when descending).
fn seek(
    sql: &mut Sql,
    order: &[String],
    fields: &[FieldPath],
    c: &Cursor,
    desc: bool,
) -> Result<String> {
    if c.index_values.len() != fields.len() {
        return Err(StoreError::BadCursor(
            "cursor does not match this query".into(),
        ));
    }
    let mut binds = Vec::new();
    for v in &c.index_values {
        let b = Loc::order_binds(sql.d, v)
            .ok_or_else(|| StoreError::BadCursor("cursor holds a null key value".into()))?;
        binds.extend(b);
    }
    binds.push(Bind::Text(c.pk.clone()));
    binds.push(Bind::Text(c.sk.clone()));
    debug_assert_eq!(binds.len(), order.len());
    let ps: Vec<String> = binds.into_iter().map(|b| sql.bind(b)).collect();
    let op = if desc { "<" } else { ">" };
    Ok(format!("({}) {op} ({})", order.join(", "), ps.join(", ")))
}

impl QueryPlan {
    /// Trims the look-ahead row and builds the next cursor.
    pub fn finish(self, mut items: Vec<Item>) -> Page {
        let more = matches!(self.limit, Some(n) if items.len() > n);
        if let Some(n) = self.limit {
            items.truncate(n);
        }
        let cursor = match items.last() {
            Some(last) if more => Some(Cursor {
                pk: last.pk.clone(),
                sk: last.sk.clone(),
                index_values: self
                    .order_fields
                    .iter()
                    .map(|f| f.get(&last.data).cloned().unwrap_or(Value::Null))
                    .collect(),
            }),
            _ => None,
        };
        Page { items, cursor }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::index_ddl;
    use crate::types::IndexKey;
    use serde_json::json;

    fn ix() -> IndexKey {
        IndexKey::new("status", vec![FieldPath::field("createdAt")])
    }

    #[test]
    fn primary_query_with_cursor_and_limit() {
        let spec = QuerySpec {
            partition: Some(json!("p1")),
            sort: Some(SortCondition::BeginsWith(vec![json!("a")])),
            limit: Some(10),
            cursor: Some(Cursor {
                pk: "p1".into(),
                sk: "a1".into(),
                index_values: vec![],
            }),
            ..Default::default()
        };
        let p = plan_query(Dialect::Sqlite, "Todo", &spec).unwrap();
        assert_eq!(
            p.sql.text,
            "SELECT pk, sk, item, version, created_at, updated_at FROM items WHERE tbl = $1 AND pk = $2 \
             AND sk >= $3 AND substr(sk, 1, length($3)) = $3 AND (pk, sk) > ($4, $5) ORDER BY pk, sk LIMIT $6"
        );
        assert_eq!(p.sql.binds.last(), Some(&Bind::Int(11)));
    }

    #[test]
    fn index_query_orders_by_index_exprs() {
        let spec = QuerySpec {
            index: Some(ix()),
            descending: true,
            ..Default::default()
        };
        let p = plan_query(Dialect::Sqlite, "Todo", &spec).unwrap();
        assert!(p.sql.text.contains("WHERE tbl = 'Todo'"), "{}", p.sql.text);
        assert!(p.sql.text.ends_with(
            "ORDER BY json_extract(item, '$.\"status\"') DESC, json_extract(item, '$.\"createdAt\"') DESC, pk DESC, sk DESC"
        ), "{}", p.sql.text);
        let ddl = index_ddl(Dialect::Sqlite, "Todo", "ix", &ix());
        assert!(
            ddl.contains("(json_extract(item, '$.\"status\"'))"),
            "{ddl}"
        );
        let pg = index_ddl(Dialect::Postgres, "Todo", "ix", &ix());
        assert_eq!(pg.matches("COLLATE \"C\"").count(), 4, "{pg}");
    }

    #[test]
    fn tuple_conditions_expand_lexicographically() {
        let two = IndexKey::new("p", vec![FieldPath::field("a"), FieldPath::field("b")]);
        let spec = QuerySpec {
            index: Some(two),
            partition: Some(json!("x")),
            sort: Some(SortCondition::Lt(vec![json!(1), json!("k")])),
            ..Default::default()
        };
        let p = plan_query(Dialect::Sqlite, "T", &spec).unwrap();
        // a < 1 OR (a = 1 AND b < 'k')
        assert!(p.sql.text.contains(" OR ("), "{}", p.sql.text);
        assert_eq!(
            p.sql.binds,
            vec![
                Bind::Text("x".into()),
                Bind::Int(1),
                Bind::Int(1),
                Bind::Text("k".into())
            ]
        );
    }

    #[test]
    fn rejects_bad_shapes() {
        let bad = [
            QuerySpec {
                sort: Some(SortCondition::Eq(vec![json!("a")])),
                ..Default::default()
            },
            QuerySpec {
                partition: Some(json!(1)),
                ..Default::default()
            },
            QuerySpec {
                partition: Some(json!("p")),
                sort: Some(SortCondition::Eq(vec![json!("a"), json!("b")])),
                ..Default::default()
            },
            QuerySpec {
                index: Some(ix()),
                partition: Some(json!(true)),
                ..Default::default()
            },
            QuerySpec {
                index: Some(ix()),
                partition: Some(json!("x")),
                sort: Some(SortCondition::Eq(vec![json!(1), json!(2)])),
                ..Default::default()
            },
            QuerySpec {
                index: Some(IndexKey::new("a b", vec![])),
                ..Default::default()
            },
        ];
        for spec in &bad {
            assert!(
                matches!(
                    plan_query(Dialect::Postgres, "T", spec),
                    Err(StoreError::InvalidInput(_))
                ),
                "{spec:?}"
            );
        }
        let c = Cursor {
            pk: "a".into(),
            sk: "".into(),
            index_values: vec![json!(1)],
        };
        let spec = QuerySpec {
            cursor: Some(c.clone()),
            ..Default::default()
        };
        assert!(matches!(
            plan_query(Dialect::Sqlite, "T", &spec),
            Err(StoreError::BadCursor(_))
        ));
        let spec = QuerySpec {
            index: Some(ix()),
            cursor: Some(c),
            ..Default::default()
        };
        assert!(matches!(
            plan_query(Dialect::Sqlite, "T", &spec),
            Err(StoreError::BadCursor(_))
        ));
    }
}
