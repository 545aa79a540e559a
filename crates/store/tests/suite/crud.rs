//! Item CRUD, write conditions, update semantics, concurrency and input
//! validation.

use serde_json::{json, Map};
use store::{Condition, Cursor, FieldPath, Filter, Op, Patch, QuerySpec, StoreError};

use crate::harness::{put, Harness};

fn cf<T: std::fmt::Debug>(r: Result<T, StoreError>) {
    assert!(
        matches!(r, Err(StoreError::ConditionFailed)),
        "expected ConditionFailed, got {r:?}"
    );
}

fn invalid<T: std::fmt::Debug>(r: Result<T, StoreError>) {
    assert!(
        matches!(r, Err(StoreError::InvalidInput(_))),
        "expected InvalidInput, got {r:?}"
    );
}

fn patch(set: serde_json::Value, remove: &[&str]) -> Patch {
    let set: Map<String, serde_json::Value> = serde_json::from_value(set).unwrap();
    Patch {
        set,
        remove: remove.iter().map(|s| s.to_string()).collect(),
    }
}

async fn crud_round_trip(h: &Harness) {
    let s = &h.store;
    let data = json!({
        "id": "a", "n": 1.5, "big": 9007199254740993i64, "neg": -7, "s": "héllo ✓ \"q\" 'x'",
        "nested": {"l": [1, "x", null, true, {"k": []}]}, "nil": null
    });
    let a = s
        .put("Todo", "a", "", data.clone(), &Condition::None)
        .await
        .unwrap();
    assert_eq!(
        (a.table.as_str(), a.pk.as_str(), a.sk.as_str()),
        ("Todo", "a", "")
    );
    assert_eq!(a.data, data);
    assert!(a.version > 0);
    assert_eq!(a.created_at, a.updated_at);
    assert_eq!(s.get("Todo", "a", "").await.unwrap(), Some(a.clone()));
    // Tables and sort keys are separate key spaces.
    assert_eq!(s.get("Other", "a", "").await.unwrap(), None);
    assert_eq!(s.get("Todo", "a", "x").await.unwrap(), None);
    put(s, "Todo", "a", "x", json!({"other": true})).await;
    assert_eq!(s.get("Todo", "a", "").await.unwrap().unwrap().data, data);

    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    let b = s
        .put(
            "Todo",
            "a",
            "",
            json!({"id": "a", "v": 2}),
            &Condition::None,
        )
        .await
        .unwrap();
    assert!(b.version > a.version);
    assert_eq!(
        b.created_at, a.created_at,
        "replace keeps the creation time"
    );
    assert!(b.updated_at > a.updated_at);
    assert_eq!(
        s.get("Todo", "a", "").await.unwrap().unwrap().data,
        json!({"id": "a", "v": 2}),
        "put replaces"
    );

    let deleted = s.delete("Todo", "a", "", &Condition::None).await.unwrap();
    assert_eq!(deleted, Some(b.clone()));
    assert_eq!(s.get("Todo", "a", "").await.unwrap(), None);
    assert_eq!(
        s.delete("Todo", "a", "", &Condition::None).await.unwrap(),
        None
    );
    assert!(
        s.get("Todo", "a", "x").await.unwrap().is_some(),
        "sibling sort key untouched"
    );

    let c = put(s, "Todo", "a", "", json!({})).await;
    assert!(
        c.version > b.version,
        "versions never repeat, even after delete"
    );
}

async fn conditions(h: &Harness) {
    let s = &h.store;
    let a = put(s, "T", "a", "", json!({"n": 1, "s": "x"})).await;
    cf(
        s.put("T", "a", "", json!({"n": 2}), &Condition::MustNotExist)
            .await,
    );
    assert_eq!(
        s.get("T", "a", "").await.unwrap().unwrap(),
        a,
        "failed write changed nothing"
    );
    s.put("T", "b", "", json!({}), &Condition::MustNotExist)
        .await
        .unwrap();
    cf(s.put("T", "c", "", json!({}), &Condition::MustExist).await);
    assert_eq!(s.get("T", "c", "").await.unwrap(), None);

    cf(s.put(
        "T",
        "a",
        "",
        json!({"n": 2}),
        &Condition::VersionIs(a.version + 1000),
    )
    .await);
    let a2 = s
        .put(
            "T",
            "a",
            "",
            json!({"n": 2, "s": "x"}),
            &Condition::VersionIs(a.version),
        )
        .await
        .unwrap();
    cf(s.put(
        "T",
        "a",
        "",
        json!({"n": 3}),
        &Condition::VersionIs(a.version),
    )
    .await);
    cf(
        s.put("T", "zz", "", json!({}), &Condition::VersionIs(a.version))
            .await,
    );

    let n_is = |n: i64| Condition::Filter(Filter::cmp("n", Op::Eq(json!(n))));
    cf(s.put("T", "a", "", json!({"n": 9}), &n_is(1)).await);
    let a3 = s
        .put("T", "a", "", json!({"n": 3, "s": "x"}), &n_is(2))
        .await
        .unwrap();
    assert!(a3.version > a2.version);

    // A missing item is evaluated as {}: attribute_not_exists holds, eq does not.
    let not_exists = Condition::Filter(Filter::cmp("id", Op::AttributeExists(false)));
    s.put("T", "d", "", json!({"id": "d"}), &not_exists)
        .await
        .unwrap();
    cf(s.put("T", "d", "", json!({"id": "d"}), &not_exists).await);
    cf(s.put("T", "e", "", json!({}), &n_is(1)).await);
    assert_eq!(s.get("T", "e", "").await.unwrap(), None);
    let ne = Condition::Filter(Filter::cmp("n", Op::Ne(json!(1))));
    s.put("T", "f", "", json!({}), &ne).await.unwrap();

    // Deletes honour conditions too.
    let big = Condition::Filter(Filter::cmp("n", Op::Gt(json!(5))));
    cf(s.delete("T", "a", "", &big).await);
    assert!(s.get("T", "a", "").await.unwrap().is_some());
    cf(s.delete("T", "a", "", &Condition::VersionIs(a2.version))
        .await);
    assert_eq!(
        s.delete("T", "a", "", &Condition::VersionIs(a3.version))
            .await
            .unwrap(),
        Some(a3)
    );
    cf(s.delete("T", "a", "", &Condition::MustExist).await);
    assert_eq!(s.delete("T", "a", "", &not_exists).await.unwrap(), None);

    cf(s.update(
        "T",
        "nope",
        "",
        &patch(json!({"x": 1}), &[]),
        &Condition::MustExist,
    )
    .await);
    assert_eq!(s.get("T", "nope", "").await.unwrap(), None);
}

async fn update_semantics(h: &Harness) {
    let s = &h.store;
    let a = put(s, "T", "a", "s", json!({"a": 1, "b": 2, "c": {"d": 3}})).await;
    let u = s
        .update(
            "T",
            "a",
            "s",
            &patch(json!({"a": null, "e": [1]}), &["b", "missing"]),
            &Condition::None,
        )
        .await
        .unwrap();
    assert_eq!(u.data, json!({"a": null, "c": {"d": 3}, "e": [1]}));
    assert!(u.version > a.version);
    assert_eq!(u.created_at, a.created_at);
    assert_eq!(s.get("T", "a", "s").await.unwrap(), Some(u.clone()));

    // null is stored: the attribute exists with type NULL.
    let null_a = Filter::And(vec![
        Filter::cmp("a", Op::AttributeExists(true)),
        Filter::cmp("a", Op::AttributeType(store::AttrType::Null)),
        Filter::cmp("b", Op::AttributeExists(false)),
    ]);
    let u2 = s
        .update(
            "T",
            "a",
            "s",
            &patch(json!({"c": 5}), &[]),
            &Condition::Filter(null_a),
        )
        .await
        .unwrap();
    assert_eq!(
        u2.data,
        json!({"a": null, "c": 5, "e": [1]}),
        "top-level fields are replaced, not deep-merged"
    );

    // Like DynamoDB UpdateItem, an unconditional update creates the item.
    let n = s
        .update(
            "T",
            "new",
            "",
            &patch(json!({"x": 1}), &[]),
            &Condition::None,
        )
        .await
        .unwrap();
    assert_eq!(n.data, json!({"x": 1}));
    invalid(
        s.update(
            "T",
            "a",
            "s",
            &patch(json!({"x": 1}), &["x"]),
            &Condition::None,
        )
        .await,
    );
    assert_eq!(s.get("T", "a", "s").await.unwrap(), Some(u2));
}

async fn concurrent_writers(h: &Harness) {
    let s = &h.store;
    put(s, "C", "counter", "", json!({"n": 0})).await;
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = 0;
            while done < 5 {
                let cur = s.get("C", "counter", "").await.unwrap().unwrap();
                let n = cur.data["n"].as_i64().unwrap();
                let p = patch(json!({"n": n + 1}), &[]);
                match s
                    .update("C", "counter", "", &p, &Condition::VersionIs(cur.version))
                    .await
                {
                    Ok(_) => done += 1,
                    Err(StoreError::ConditionFailed) => {}
                    Err(e) => panic!("{e}"),
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        s.get("C", "counter", "").await.unwrap().unwrap().data["n"],
        json!(30),
        "no lost update"
    );

    let mut racers = Vec::new();
    for i in 0..8 {
        let s = s.clone();
        racers.push(tokio::spawn(async move {
            s.put(
                "C",
                "race",
                "",
                json!({"winner": i}),
                &Condition::MustNotExist,
            )
            .await
        }));
    }
    let mut wins = 0;
    for r in racers {
        match r.await.unwrap() {
            Ok(_) => wins += 1,
            Err(StoreError::ConditionFailed) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(wins, 1, "exactly one create wins");
}

/// Many writes in flight at once, half of them failing their condition or their patch: each
/// failure must undo only its own write (SQLite commits concurrent writes together).
async fn failures_among_concurrent_writes(h: &Harness) {
    let s = &h.store;
    for i in 0..40 {
        put(s, "G", &format!("k{i}"), "", json!({"i": i, "v": "old"})).await;
    }
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let pk = format!("k{i}");
            match i % 4 {
                // Fails: the item exists.
                0 => s
                    .put("G", &pk, "", json!({"v": "new"}), &Condition::MustNotExist)
                    .await
                    .map(|_| ()),
                // Fails: a patch that sets and removes the same attribute is invalid.
                1 => s
                    .update(
                        "G",
                        &pk,
                        "",
                        &patch(json!({"v": "new"}), &["v"]),
                        &Condition::None,
                    )
                    .await
                    .map(|_| ()),
                // Succeed.
                2 => s
                    .update(
                        "G",
                        &pk,
                        "",
                        &patch(json!({"v": "new"}), &[]),
                        &Condition::MustExist,
                    )
                    .await
                    .map(|_| ()),
                _ => s
                    .put(
                        "G",
                        &format!("fresh{i}"),
                        "",
                        json!({"v": "new"}),
                        &Condition::MustNotExist,
                    )
                    .await
                    .map(|_| ()),
            }
        }));
    }
    let results: Vec<_> = futures_join(tasks).await;
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r.is_ok(), i % 4 >= 2, "write {i}: {r:?}");
    }
    for i in 0..40 {
        let item = s.get("G", &format!("k{i}"), "").await.unwrap().unwrap();
        let want = if i % 4 == 2 { "new" } else { "old" };
        assert_eq!(item.data["v"], json!(want), "k{i}");
        assert_eq!(
            s.get("G", &format!("fresh{i}"), "")
                .await
                .unwrap()
                .is_some(),
            i % 4 == 3,
            "fresh{i}"
        );
    }
}

async fn futures_join<T: Send + 'static>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

async fn bad_input_is_an_error_not_a_panic(h: &Harness) {
    let s = &h.store;
    invalid(s.put("T", "a", "", json!([1, 2]), &Condition::None).await);
    invalid(s.put("T", "a", "", json!("x"), &Condition::None).await);
    invalid(s.put("T", "a\u{0}", "", json!({}), &Condition::None).await);
    invalid(
        s.put("T", "a", "", json!({"s": "nul\u{0}"}), &Condition::None)
            .await,
    );
    invalid(s.put("", "a", "", json!({}), &Condition::None).await);
    let q = |f: Filter| QuerySpec {
        filter: Some(f),
        ..Default::default()
    };
    invalid(
        s.query("T", &q(Filter::cmp("a", Op::Lt(json!(true)))))
            .await,
    );
    invalid(
        s.query("T", &q(Filter::cmp("we\"ird", Op::Eq(json!(1)))))
            .await,
    );
    invalid(
        s.query("T", &q(Filter::cmp(FieldPath(vec![]), Op::Eq(json!(1)))))
            .await,
    );
    let cond = Condition::Filter(Filter::cmp("a", Op::Between(json!(1), json!("b"))));
    invalid(s.put("T", "a", "", json!({}), &cond).await);
    assert!(matches!(
        Cursor::decode("not a cursor"),
        Err(StoreError::BadCursor(_))
    ));
    // Quotes and SQL in keys and values are just data.
    let evil = "'; DROP TABLE items; --";
    put(s, evil, evil, evil, json!({evil: evil})).await;
    assert_eq!(
        s.get(evil, evil, evil).await.unwrap().unwrap().data,
        json!({evil: evil})
    );
    let f = Filter::cmp(evil, Op::Eq(json!(evil)));
    assert_eq!(s.query(evil, &q(f)).await.unwrap().items.len(), 1);
}

store_test_suite!(
    crud_round_trip,
    conditions,
    update_semantics,
    concurrent_writers,
    failures_among_concurrent_writes,
    bad_input_is_an_error_not_a_panic
);
