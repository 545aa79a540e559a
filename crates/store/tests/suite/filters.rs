//! Every filter operator, with DynamoDB comparison semantics, run through
//! real queries on both engines against one fixture.

use serde_json::{json, Value};
use store::{AttrType, FieldPath, Filter, Op, QuerySpec};

use crate::harness::{pks, put, query_all, Harness};

async fn fixture(h: &Harness) {
    let items = [
        (
            "f01",
            json!({"s": "apple", "n": 10, "b": true, "l": ["x", 1, "apple pie"], "m": {"k": "v", "n": 2}, "nil": null}),
        ),
        (
            "f02",
            json!({"s": "Banana", "n": 9, "b": false, "l": [], "m": {}}),
        ),
        (
            "f03",
            json!({"s": "apple pie", "n": 9.5, "l": [2, 3], "m": {"k": "w"}}),
        ),
        ("f04", json!({"s": "é", "n": -1, "b": true})),
        ("f05", json!({"s": "10", "n": "10"})),
        ("f06", json!({})),
        (
            "f07",
            json!({"s": "", "n": 1e3, "l": [[1, 2], {"a": 1}], "m": {"deep": {"x": [5, 6]}}}),
        ),
    ];
    for (pk, data) in items {
        put(&h.store, "F", pk, "", data).await;
    }
    put(&h.store, "Other", "f99", "", json!({"s": "apple"})).await;
}

async fn ids(h: &Harness, f: Filter) -> Vec<String> {
    let spec = QuerySpec {
        filter: Some(f),
        ..Default::default()
    };
    pks(&query_all(&h.store, "F", &spec).await)
}

fn c(path: &str, op: Op) -> Filter {
    Filter::cmp(FieldPath::parse(path).unwrap(), op)
}

async fn check(h: &Harness, cases: Vec<(Filter, &[&str])>) {
    for (f, want) in cases {
        let got = ids(h, f.clone()).await;
        assert_eq!(got, want.to_vec(), "filter {f:?}");
    }
}

const ALL: &[&str] = &["f01", "f02", "f03", "f04", "f05", "f06", "f07"];

async fn equality_is_typed(h: &Harness) {
    fixture(h).await;
    check(
        h,
        vec![
            (c("s", Op::Eq(json!("apple"))), &["f01"]),
            (c("n", Op::Eq(json!(10))), &["f01"]),
            (c("n", Op::Eq(json!(10.0))), &["f01"]),
            (c("n", Op::Eq(json!("10"))), &["f05"]),
            (c("n", Op::Eq(json!(1000))), &["f07"]),
            (c("b", Op::Eq(json!(true))), &["f01", "f04"]),
            (c("b", Op::Eq(json!(false))), &["f02"]),
            (c("nil", Op::Eq(Value::Null)), &["f01"]),
            (c("l", Op::Eq(json!(["x", 1, "apple pie"]))), &["f01"]),
            (c("l", Op::Eq(json!([]))), &["f02"]),
            (c("m", Op::Eq(json!({"k": "w"}))), &["f03"]),
            (
                c("s", Op::Ne(json!("apple"))),
                &["f02", "f03", "f04", "f05", "f06", "f07"],
            ),
            (
                c("n", Op::Ne(json!(10))),
                &["f02", "f03", "f04", "f05", "f06", "f07"],
            ),
            (
                c("b", Op::Ne(json!(true))),
                &["f02", "f03", "f05", "f06", "f07"],
            ),
            (
                c("n", Op::In(vec![json!(9), json!(10), json!("10")])),
                &["f01", "f02", "f05"],
            ),
            (c("n", Op::In(vec![])), &[]),
            (
                c("s", Op::NotIn(vec![json!("apple"), json!("é")])),
                &["f02", "f03", "f05", "f06", "f07"],
            ),
        ],
    )
    .await;
}

async fn ordering_numbers_and_bytes(h: &Harness) {
    fixture(h).await;
    check(
        h,
        vec![
            (c("n", Op::Lt(json!(10))), &["f02", "f03", "f04"]),
            (c("n", Op::Le(json!(10))), &["f01", "f02", "f03", "f04"]),
            (c("n", Op::Gt(json!(9))), &["f01", "f03", "f07"]),
            (c("n", Op::Ge(json!(9.5))), &["f01", "f03", "f07"]),
            // Byte order: "" < "10" < "Banana" < "apple" < "apple pie" < "é".
            (c("s", Op::Lt(json!("a"))), &["f02", "f05", "f07"]),
            (c("s", Op::Gt(json!("apple"))), &["f03", "f04"]),
            (c("s", Op::Ge(json!("z"))), &["f04"]),
            (
                c("s", Op::Le(json!("apple"))),
                &["f01", "f02", "f05", "f07"],
            ),
            (c("n", Op::Lt(json!("9"))), &["f05"]),
            (
                c("n", Op::Between(json!(9), json!(10))),
                &["f01", "f02", "f03"],
            ),
            (
                c("s", Op::Between(json!("B"), json!("b"))),
                &["f01", "f02", "f03"],
            ),
            (c("n", Op::Between(json!(10), json!(9))), &[]),
        ],
    )
    .await;
}

async fn strings_and_lists(h: &Harness) {
    fixture(h).await;
    check(
        h,
        vec![
            (c("s", Op::BeginsWith("apple".into())), &["f01", "f03"]),
            (
                c("s", Op::BeginsWith("".into())),
                &["f01", "f02", "f03", "f04", "f05", "f07"],
            ),
            (c("n", Op::BeginsWith("1".into())), &["f05"]),
            (c("s", Op::Contains(json!("pie"))), &["f03"]),
            (c("s", Op::Contains(json!("a"))), &["f01", "f02", "f03"]),
            (c("l", Op::Contains(json!("apple pie"))), &["f01"]),
            (c("l", Op::Contains(json!("apple"))), &[]),
            (c("l", Op::Contains(json!(1))), &["f01"]),
            (c("l", Op::Contains(json!(3.0))), &["f03"]),
            (c("l", Op::Contains(json!([1, 2]))), &["f07"]),
            (c("l", Op::Contains(json!({"a": 1}))), &["f07"]),
            (c("m", Op::Contains(json!("v"))), &[]),
            (
                c("s", Op::NotContains(json!("a"))),
                &["f04", "f05", "f06", "f07"],
            ),
            (
                c("l", Op::NotContains(json!(1))),
                &["f02", "f03", "f04", "f05", "f06", "f07"],
            ),
        ],
    )
    .await;
}

async fn existence_types_and_size(h: &Harness) {
    fixture(h).await;
    let size = |p: &str, op: Op| c(p, Op::Size(Box::new(op)));
    check(
        h,
        vec![
            (c("nil", Op::AttributeExists(true)), &["f01"]),
            (
                c("b", Op::AttributeExists(false)),
                &["f03", "f05", "f06", "f07"],
            ),
            (c("m.k", Op::AttributeExists(true)), &["f01", "f03"]),
            (c("n", Op::AttributeType(AttrType::S)), &["f05"]),
            (
                c("n", Op::AttributeType(AttrType::N)),
                &["f01", "f02", "f03", "f04", "f07"],
            ),
            (
                c("b", Op::AttributeType(AttrType::Bool)),
                &["f01", "f02", "f04"],
            ),
            (
                c("l", Op::AttributeType(AttrType::L)),
                &["f01", "f02", "f03", "f07"],
            ),
            (
                c("m", Op::AttributeType(AttrType::M)),
                &["f01", "f02", "f03", "f07"],
            ),
            (c("nil", Op::AttributeType(AttrType::Null)), &["f01"]),
            (c("l", Op::AttributeType(AttrType::SS)), &[]),
            (size("s", Op::Eq(json!(5))), &["f01"]),
            (size("s", Op::Eq(json!(1))), &["f04"]),
            (size("l", Op::Gt(json!(1))), &["f01", "f03", "f07"]),
            (size("m", Op::Eq(json!(0))), &["f02"]),
            (size("m", Op::Ge(json!(1))), &["f01", "f03", "f07"]),
            (size("l", Op::Ne(json!(3))), &["f02", "f03", "f07"]),
            (size("s", Op::Between(json!(2), json!(5))), &["f01", "f05"]),
            (size("n", Op::Ge(json!(0))), &["f05"]),
        ],
    )
    .await;
}

async fn nested_paths_and_logic(h: &Harness) {
    fixture(h).await;
    let apple = || c("s", Op::BeginsWith("apple".into()));
    check(
        h,
        vec![
            (c("m.k", Op::Eq(json!("v"))), &["f01"]),
            (c("m.deep.x[1]", Op::Eq(json!(6))), &["f07"]),
            (c("m.deep.x", Op::Contains(json!(5))), &["f07"]),
            (c("l[0]", Op::Eq(json!("x"))), &["f01"]),
            (c("l[0][1]", Op::Eq(json!(2))), &["f07"]),
            (c("s.x", Op::AttributeExists(true)), &[]),
            (
                Filter::And(vec![apple(), c("n", Op::Lt(json!(10)))]),
                &["f03"],
            ),
            (
                Filter::Or(vec![
                    c("b", Op::Eq(json!(false))),
                    c("n", Op::Eq(json!(-1))),
                ]),
                &["f02", "f04"],
            ),
            (Filter::not(apple()), &["f02", "f04", "f05", "f06", "f07"]),
            (Filter::not(Filter::not(apple())), &["f01", "f03"]),
            (
                Filter::not(Filter::Or(vec![
                    apple(),
                    c("s", Op::AttributeExists(false)),
                ])),
                &["f02", "f04", "f05", "f07"],
            ),
            (
                Filter::Or(vec![
                    Filter::And(vec![
                        apple(),
                        Filter::not(c("b", Op::AttributeExists(true))),
                    ]),
                    Filter::And(vec![
                        c("n", Op::Ge(json!(100))),
                        c("l", Op::Contains(json!({"a": 1}))),
                    ]),
                ]),
                &["f03", "f07"],
            ),
            // A missing attribute under NOT: NOT (x = 1) holds (two-valued logic).
            (Filter::not(c("zz", Op::Eq(json!(1)))), ALL),
            (Filter::And(vec![]), ALL),
            (Filter::Or(vec![]), &[]),
            (Filter::And(vec![Filter::Or(vec![]), apple()]), &[]),
        ],
    )
    .await;
}

store_test_suite!(
    equality_is_typed,
    ordering_numbers_and_bytes,
    strings_and_lists,
    existence_types_and_size,
    nested_paths_and_logic
);
