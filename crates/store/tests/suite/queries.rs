//! Key conditions, ordering, limits after filtering, cursor pagination
//! (also under concurrent inserts) and secondary index queries.

use std::collections::HashSet;

use serde_json::{json, Value};
use store::{
    Condition, Cursor, FieldPath, Filter, IndexKey, Op, QuerySpec, SortCondition, StoreError,
};

use crate::harness::{pks, put, query_all, sks, Harness};

fn part(p: &str) -> QuerySpec {
    QuerySpec {
        partition: Some(json!(p)),
        ..Default::default()
    }
}

fn one(v: &str) -> Vec<Value> {
    vec![json!(v)]
}

async fn sort_key_conditions(h: &Harness) {
    let s = &h.store;
    for sk in ["a", "ab", "abc", "b", "B", "c", "é"] {
        put(s, "S", "p", sk, json!({"sk": sk})).await;
    }
    put(s, "S", "q", "a", json!({})).await;
    put(s, "S", "o", "z", json!({})).await;
    let q = |sc: SortCondition| QuerySpec {
        sort: Some(sc),
        ..part("p")
    };
    let cases: Vec<(QuerySpec, Vec<&str>)> = vec![
        (part("p"), vec!["B", "a", "ab", "abc", "b", "c", "é"]),
        (
            QuerySpec {
                descending: true,
                ..part("p")
            },
            vec!["é", "c", "b", "abc", "ab", "a", "B"],
        ),
        (q(SortCondition::Eq(one("ab"))), vec!["ab"]),
        (q(SortCondition::Lt(one("b"))), vec!["B", "a", "ab", "abc"]),
        (
            q(SortCondition::Le(one("b"))),
            vec!["B", "a", "ab", "abc", "b"],
        ),
        (q(SortCondition::Gt(one("ab"))), vec!["abc", "b", "c", "é"]),
        (
            q(SortCondition::Ge(one("ab"))),
            vec!["ab", "abc", "b", "c", "é"],
        ),
        (
            q(SortCondition::Between(one("a"), one("b"))),
            vec!["a", "ab", "abc", "b"],
        ),
        (q(SortCondition::BeginsWith(one("ab"))), vec!["ab", "abc"]),
        (q(SortCondition::BeginsWith(one("zz"))), vec![]),
        (
            QuerySpec {
                descending: true,
                ..q(SortCondition::BeginsWith(one("a")))
            },
            vec!["abc", "ab", "a"],
        ),
    ];
    for (spec, want) in cases {
        assert_eq!(sks(&query_all(s, "S", &spec).await), want, "{spec:?}");
    }
    // No partition: the whole table in (pk, sk) order.
    let all = query_all(s, "S", &QuerySpec::default()).await;
    let keys: Vec<(String, String)> = all.iter().map(|i| (i.pk.clone(), i.sk.clone())).collect();
    assert_eq!(keys.len(), 9);
    assert_eq!(keys[0], ("o".into(), "z".into()));
    assert_eq!(keys[8], ("q".into(), "a".into()));
    let bad = QuerySpec {
        sort: Some(SortCondition::Eq(one("a"))),
        ..Default::default()
    };
    assert!(matches!(
        s.query("S", &bad).await,
        Err(StoreError::InvalidInput(_))
    ));
}

async fn limit_counts_matches_after_filter(h: &Harness) {
    let s = &h.store;
    for i in 0..100 {
        let tag = if i % 10 == 0 { "hit" } else { "miss" };
        put(s, "L", "p", &format!("{i:03}"), json!({"i": i, "tag": tag})).await;
    }
    let hits = Filter::cmp("tag", Op::Eq(json!("hit")));
    let spec = QuerySpec {
        filter: Some(hits.clone()),
        limit: Some(3),
        ..part("p")
    };
    let page = s.query("L", &spec).await.unwrap();
    assert_eq!(
        sks(&page.items),
        vec!["000", "010", "020"],
        "limit applies to matching items"
    );
    assert!(page.cursor.is_some());
    let all = query_all(s, "L", &spec).await;
    assert_eq!(
        sks(&all),
        (0..10)
            .map(|i| format!("{:03}", i * 10))
            .collect::<Vec<_>>()
    );
    // Exactly `limit` matches left: no dangling cursor.
    let exact = QuerySpec {
        limit: Some(10),
        ..spec.clone()
    };
    let page = s.query("L", &exact).await.unwrap();
    assert_eq!(page.items.len(), 10);
    assert_eq!(page.cursor, None);
    // Descending with a cursor.
    let desc = QuerySpec {
        descending: true,
        limit: Some(4),
        ..spec
    };
    let all = query_all(s, "L", &desc).await;
    assert_eq!(all.first().unwrap().sk, "090");
    assert_eq!(all.len(), 10);
    // Cursors survive encode/decode (the API layer signs the string).
    let page = s
        .query(
            "L",
            &QuerySpec {
                limit: Some(1),
                ..part("p")
            },
        )
        .await
        .unwrap();
    let c = Cursor::decode(&page.cursor.unwrap().encode()).unwrap();
    let next = s
        .query(
            "L",
            &QuerySpec {
                limit: Some(1),
                cursor: Some(c),
                ..part("p")
            },
        )
        .await
        .unwrap();
    assert_eq!(sks(&next.items), vec!["001"]);
    assert!(
        matches!(s.query("L", &QuerySpec { limit: Some(0), ..part("p") }).await, Ok(p) if p.items.is_empty())
    );
}

async fn pagination_stable_under_inserts(h: &Harness) {
    let s = &h.store;
    let ix = IndexKey::new("owner", vec![FieldPath::field("rank")]);
    s.ensure_index("P", "byOwner", &ix).await.unwrap();
    for r in (10..=90).step_by(10) {
        put(
            s,
            "P",
            &format!("k{r}"),
            "",
            json!({"owner": "o", "rank": r}),
        )
        .await;
    }
    for (index, descending) in [(None, false), (Some(ix.clone()), false), (Some(ix), true)] {
        let by_index = index.is_some();
        let mut spec = QuerySpec {
            index,
            descending,
            limit: Some(3),
            ..Default::default()
        };
        if by_index {
            spec.partition = Some(json!("o"));
        }
        let mut seen: Vec<String> = Vec::new();
        let mut round = 0;
        loop {
            let page = s.query("P", &spec).await.unwrap();
            seen.extend(pks(&page.items));
            round += 1;
            if round == 1 {
                // Between pages: insert on both sides of the boundary, delete ahead.
                put(s, "P", "k05", "", json!({"owner": "o", "rank": 5})).await;
                put(s, "P", "k95", "", json!({"owner": "o", "rank": 95})).await;
                put(s, "P", "k55", "", json!({"owner": "o", "rank": 55})).await;
                s.delete("P", "k60", "", &Condition::None).await.unwrap();
            }
            match page.cursor {
                Some(c) => spec.cursor = Some(c),
                None => break,
            }
        }
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "no duplicates: {seen:?}");
        for k in ["k10", "k20", "k30", "k40", "k50", "k70", "k80", "k90"] {
            assert!(seen.contains(&k.to_string()), "{k} skipped: {seen:?}");
        }
        let ranks: Vec<i64> = seen.iter().map(|k| k[1..].parse().unwrap()).collect();
        let mut sorted = ranks.clone();
        sorted.sort();
        if descending {
            sorted.reverse();
        }
        assert_eq!(ranks, sorted, "pages stay in order");
        // Reset for the next variant.
        for k in ["k05", "k95", "k55"] {
            s.delete("P", k, "", &Condition::None).await.unwrap();
        }
        put(s, "P", "k60", "", json!({"owner": "o", "rank": 60})).await;
    }
}

async fn index_queries(h: &Harness) {
    let s = &h.store;
    let by_status = IndexKey::new("status", vec![FieldPath::field("createdAt")]);
    s.ensure_index("Todo", "byStatus", &by_status)
        .await
        .unwrap();
    s.ensure_index("Todo", "byStatus", &by_status)
        .await
        .unwrap(); // idempotent
    let rows = [
        (
            "t1",
            json!({"status": "open", "createdAt": "2024-01-02", "pri": 10}),
        ),
        (
            "t2",
            json!({"status": "open", "createdAt": "2024-01-01", "pri": 9}),
        ),
        (
            "t3",
            json!({"status": "done", "createdAt": "2024-01-03", "pri": 2.5}),
        ),
        ("t4", json!({"status": "open", "pri": -1})),
        ("t5", json!({"createdAt": "2024-01-09"})),
        ("t6", json!({"status": "open", "createdAt": null})),
        ("t7", json!({"status": 1, "createdAt": "2024-01-05"})),
        (
            "t8",
            json!({"status": "open", "createdAt": "2024-02-01", "pri": 10}),
        ),
        ("t9", json!({"status": "case", "createdAt": "a"})),
        ("tA", json!({"status": "case", "createdAt": "B"})),
    ];
    for (pk, data) in rows {
        put(s, "Todo", pk, "", data).await;
    }
    put(
        s,
        "NotTodo",
        "x",
        "",
        json!({"status": "open", "createdAt": "2024-01-01"}),
    )
    .await;
    let ix = |p: Value, sort: Option<SortCondition>| QuerySpec {
        index: Some(by_status.clone()),
        partition: Some(p),
        sort,
        ..Default::default()
    };
    let cases: Vec<(QuerySpec, Vec<&str>)> = vec![
        (ix(json!("open"), None), vec!["t2", "t1", "t8"]),
        (
            QuerySpec {
                descending: true,
                ..ix(json!("open"), None)
            },
            vec!["t8", "t1", "t2"],
        ),
        (
            ix(json!("open"), Some(SortCondition::Gt(one("2024-01-01")))),
            vec!["t1", "t8"],
        ),
        (
            ix(
                json!("open"),
                Some(SortCondition::BeginsWith(one("2024-01"))),
            ),
            vec!["t2", "t1"],
        ),
        (
            ix(
                json!("open"),
                Some(SortCondition::Between(one("2024-01-02"), one("2024-12"))),
            ),
            vec!["t1", "t8"],
        ),
        (ix(json!(1), None), vec!["t7"]),
        // Byte order, whatever the database collation: "B" < "a".
        (ix(json!("case"), None), vec!["tA", "t9"]),
        (
            ix(json!("case"), Some(SortCondition::Lt(one("a")))),
            vec!["tA"],
        ),
        (ix(json!("1"), None), vec![]),
        // Scan: ordered by partition (numbers before strings), then sort key.
        (
            QuerySpec {
                index: Some(by_status.clone()),
                ..Default::default()
            },
            vec!["t7", "tA", "t9", "t3", "t2", "t1", "t8"],
        ),
        (
            QuerySpec {
                filter: Some(Filter::cmp("pri", Op::Ge(json!(10)))),
                limit: Some(1),
                ..ix(json!("open"), None)
            },
            vec!["t1", "t8"],
        ),
    ];
    for (spec, want) in cases {
        assert_eq!(pks(&query_all(s, "Todo", &spec).await), want, "{spec:?}");
    }

    // Numeric sort keys order numerically; an undeclared index works too.
    let by_pri = IndexKey::new("status", vec![FieldPath::field("pri")]);
    let q = |sort| QuerySpec {
        index: Some(by_pri.clone()),
        partition: Some(json!("open")),
        sort,
        ..Default::default()
    };
    assert_eq!(
        pks(&query_all(s, "Todo", &q(None)).await),
        vec!["t4", "t2", "t1", "t8"]
    );
    assert_eq!(
        pks(&query_all(s, "Todo", &q(Some(SortCondition::Lt(vec![json!(10)])))).await),
        vec!["t4", "t2"]
    );

    // Composite sort keys compare as tuples.
    let comp = IndexKey::new("kind", vec![FieldPath::field("st"), FieldPath::field("at")]);
    s.ensure_index("Todo", "composite", &by_pri).await.unwrap();
    s.ensure_index("Todo", "composite", &comp).await.unwrap(); // redefinition rebuilds
    for (pk, st, at) in [
        ("c1", "open", 2),
        ("c2", "open", 1),
        ("c3", "done", 5),
        ("c4", "wip", 0),
    ] {
        put(s, "Todo", pk, "", json!({"kind": "k", "st": st, "at": at})).await;
    }
    let q = |sc| QuerySpec {
        index: Some(comp.clone()),
        partition: Some(json!("k")),
        sort: Some(sc),
        ..Default::default()
    };
    let cases: Vec<(SortCondition, Vec<&str>)> = vec![
        (SortCondition::Eq(vec![json!("open")]), vec!["c2", "c1"]),
        (SortCondition::Eq(vec![json!("open"), json!(2)]), vec!["c1"]),
        (
            SortCondition::Lt(vec![json!("open"), json!(2)]),
            vec!["c3", "c2"],
        ),
        (
            SortCondition::Ge(vec![json!("open"), json!(2)]),
            vec!["c1", "c4"],
        ),
        (
            SortCondition::Le(vec![json!("open")]),
            vec!["c3", "c2", "c1"],
        ),
        (
            SortCondition::Between(vec![json!("done"), json!(6)], vec![json!("wip")]),
            vec!["c2", "c1", "c4"],
        ),
        (
            SortCondition::BeginsWith(vec![json!("o")]),
            vec!["c2", "c1"],
        ),
    ];
    for (sc, want) in cases {
        assert_eq!(
            pks(&query_all(s, "Todo", &q(sc.clone())).await),
            want,
            "{sc:?}"
        );
    }
    let bad = q(SortCondition::Eq(vec![json!("a"), json!(1), json!(2)]));
    assert!(matches!(
        s.query("Todo", &bad).await,
        Err(StoreError::InvalidInput(_))
    ));
    let wrong_cursor = QuerySpec {
        cursor: Some(Cursor {
            pk: "a".into(),
            sk: "".into(),
            index_values: vec![],
        }),
        ..q(SortCondition::Eq(vec![json!("open")]))
    };
    assert!(matches!(
        s.query("Todo", &wrong_cursor).await,
        Err(StoreError::BadCursor(_))
    ));
}

store_test_suite!(
    sort_key_conditions,
    limit_counts_matches_after_filter,
    pagination_stable_under_inserts,
    index_queries
);
