//! Lists: every filter operator, and/or/not, limit after the filter, signed nextTokens, index
//! query fields with key conditions.

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Api, Db};

async fn seed(api: &Api) {
    let rows = [
        json!({ "id": "t1", "content": "alpha", "priority": 1, "score": 0.5, "done": true, "status": "OPEN", "tags": ["red", "blue"], "batch": "b1" }),
        json!({ "id": "t2", "content": "beta", "priority": 2, "score": 1.5, "done": false, "status": "DONE", "tags": ["red"], "batch": "b1" }),
        json!({ "id": "t3", "content": "alphabet", "priority": 3, "done": false, "tags": [], "batch": "b1" }),
        json!({ "id": "t4", "content": "gamma", "priority": 4, "score": 9.0, "status": "OPEN", "batch": "b2" }),
        json!({ "id": "t5", "content": "delta", "priority": 5, "score": null, "done": true, "batch": "b1" }),
    ];
    for r in rows {
        api.ok("mutation ($i: CreateTodoInput!) { createTodo(input: $i) { id } }", json!({ "i": r })).await;
    }
}

async fn ids(api: &Api, filter: Value) -> Vec<String> {
    let v = api.ok("query ($f: ModelTodoFilterInput) { listTodos(filter: $f) { items { id } nextToken } }", json!({ "f": filter })).await;
    let mut ids: Vec<String> = v["listTodos"]["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect();
    ids.sort();
    ids
}

both!(every_filter_operator, |db: Db| async move {
    let api = Api::start(db).await;
    seed(&api).await;
    let cases = [
        (json!({ "content": { "eq": "beta" } }), vec!["t2"]),
        (json!({ "content": { "ne": "beta" } }), vec!["t1", "t3", "t4", "t5"]),
        (json!({ "priority": { "le": 2 } }), vec!["t1", "t2"]),
        (json!({ "priority": { "lt": 2 } }), vec!["t1"]),
        (json!({ "priority": { "ge": 4 } }), vec!["t4", "t5"]),
        (json!({ "priority": { "gt": 4 } }), vec!["t5"]),
        (json!({ "priority": { "between": [2, 4] } }), vec!["t2", "t3", "t4"]),
        (json!({ "score": { "between": [0.5, 1.5] } }), vec!["t1", "t2"]),
        (json!({ "content": { "beginsWith": "alpha" } }), vec!["t1", "t3"]),
        (json!({ "content": { "contains": "ph" } }), vec!["t1", "t3"]),
        (json!({ "content": { "notContains": "a" } }), vec![]),
        (json!({ "tags": { "contains": "blue" } }), vec!["t1"]),
        (json!({ "tags": { "notContains": "red" } }), vec!["t3", "t4", "t5"]),
        (json!({ "score": { "attributeExists": false } }), vec!["t3"]),
        (json!({ "score": { "attributeExists": true } }), vec!["t1", "t2", "t4", "t5"]),
        (json!({ "score": { "attributeType": "_null" } }), vec!["t5"]),
        (json!({ "tags": { "attributeType": "list" } }), vec!["t1", "t2", "t3"]),
        (json!({ "content": { "size": { "gt": 5 } } }), vec!["t3"]),
        (json!({ "content": { "size": { "between": [4, 5] } } }), vec!["t1", "t2", "t4", "t5"]),
        (json!({ "done": { "eq": true } }), vec!["t1", "t5"]),
        (json!({ "done": { "ne": true } }), vec!["t2", "t3", "t4"]),
        (json!({ "status": { "eq": "OPEN" } }), vec!["t1", "t4"]),
        (json!({ "status": { "ne": "OPEN" } }), vec!["t2", "t3", "t5"]),
        (json!({ "id": { "beginsWith": "t" }, "priority": { "gt": 3 } }), vec!["t4", "t5"]),
        (json!({ "or": [{ "priority": { "eq": 1 } }, { "content": { "eq": "gamma" } }] }), vec!["t1", "t4"]),
        (json!({ "and": [{ "done": { "eq": false } }, { "priority": { "gt": 2 } }] }), vec!["t3", "t4"]),
        (json!({ "not": { "content": { "beginsWith": "alpha" } } }), vec!["t2", "t4", "t5"]),
        (json!({ "and": [{ "or": [{ "batch": { "eq": "b2" } }, { "done": { "eq": true } }] }, { "not": { "priority": { "eq": 5 } } }] }), vec!["t1", "t4"]),
    ];
    for (filter, want) in cases {
        assert_eq!(ids(&api, filter.clone()).await, want, "{filter}");
    }
    // A filter value of the wrong type is refused.
    let v = api.gql("query ($f: ModelTodoFilterInput) { listTodos(filter: $f) { items { id } } }", json!({ "f": { "priority": { "eq": "one" } } })).await;
    assert_eq!(v["errors"][0]["errorType"], "ValidationError", "{v}");
    api.finish().await;
});

both!(pagination_counts_matches_and_signs_tokens, |db: Db| async move {
    let api = Api::start(db).await;
    for i in 0..120 {
        let batch = if i % 3 == 0 { "keep" } else { "skip" };
        api.ok("mutation ($i: CreateTodoInput!) { createTodo(input: $i) { id } }", json!({ "i": { "id": format!("p{i:03}"), "content": "x", "batch": batch, "priority": i } })).await;
    }
    let q = "query ($f: ModelTodoFilterInput, $l: Int, $t: String) { listTodos(filter: $f, limit: $l, nextToken: $t) { items { id } nextToken } }";
    let filter = json!({ "batch": { "eq": "keep" } });
    let mut seen = Vec::new();
    let mut token = Value::Null;
    let mut pages = 0;
    loop {
        let v = api.ok(q, json!({ "f": filter, "l": 7, "t": token })).await;
        let items = v["listTodos"]["items"].as_array().unwrap().clone();
        token = v["listTodos"]["nextToken"].clone();
        pages += 1;
        if token.is_null() {
            assert!(items.len() <= 7);
        } else {
            assert_eq!(items.len(), 7, "limit counts matching items");
        }
        seen.extend(items.into_iter().map(|i| i["id"].as_str().unwrap().to_string()));
        if token.is_null() {
            break;
        }
    }
    assert_eq!(seen.len(), 40);
    assert_eq!(pages, 6);
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), 40);
    // Default limit 100.
    let v = api.ok("{ listTodos { items { id } nextToken } }", json!({})).await;
    assert_eq!(v["listTodos"]["items"].as_array().unwrap().len(), 100);
    let t = v["listTodos"]["nextToken"].as_str().unwrap().to_string();
    assert!(!t.contains("p099") && !t.contains("\"pk\""), "opaque: {t}");
    // Tampered, foreign and garbage tokens are clear errors.
    let (payload, sig) = t.split_once('.').unwrap();
    let mut chars: Vec<char> = payload.chars().collect();
    chars[3] = if chars[3] == 'A' { 'B' } else { 'A' };
    let tampered: String = chars.into_iter().collect::<String>() + "." + sig;
    for bad in [tampered.as_str(), "garbage", "eyJ9.AAAA"] {
        let v = api.gql(q, json!({ "t": bad })).await;
        assert_eq!(v["errors"][0]["errorType"], "InvalidNextTokenException", "{v}");
        assert!(v["errors"][0]["message"].as_str().unwrap().starts_with("Invalid nextToken"), "{v}");
        assert_eq!(v["data"]["listTodos"], Value::Null);
    }
    let v = api.gql("query ($t: String) { listProducts(nextToken: $t) { items { sku } } }", json!({ "t": t })).await;
    assert_eq!(v["errors"][0]["message"], "Invalid nextToken: it belongs to another query", "{v}");
    let v = api.gql(q, json!({ "l": 0 })).await;
    assert_eq!(v["errors"][0]["errorType"], "ValidationError", "{v}");
    api.finish().await;
});

both!(index_query_fields, |db: Db| async move {
    let api = Api::start(db).await;
    seed(&api).await;
    let q = "query ($b: String!, $p: ModelIntKeyConditionInput, $d: ModelSortDirection, $f: ModelTodoFilterInput, $l: Int, $t: String) {
        todosByBatch(batch: $b, priority: $p, sortDirection: $d, filter: $f, limit: $l, nextToken: $t) { items { id } nextToken } }";
    let ids = |v: Value| -> Vec<String> { v["todosByBatch"]["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect() };
    assert_eq!(ids(api.ok(q, json!({ "b": "b1" })).await), ["t1", "t2", "t3", "t5"]);
    assert_eq!(ids(api.ok(q, json!({ "b": "b1", "d": "DESC" })).await), ["t5", "t3", "t2", "t1"]);
    assert_eq!(ids(api.ok(q, json!({ "b": "b1", "p": { "ge": 2 } })).await), ["t2", "t3", "t5"]);
    assert_eq!(ids(api.ok(q, json!({ "b": "b1", "p": { "between": [2, 3] } })).await), ["t2", "t3"]);
    assert_eq!(ids(api.ok(q, json!({ "b": "b1", "p": { "lt": 3 } })).await), ["t1", "t2"]);
    assert_eq!(ids(api.ok(q, json!({ "b": "b1", "p": { "eq": 5 } })).await), ["t5"]);
    assert_eq!(ids(api.ok(q, json!({ "b": "b1", "f": { "done": { "eq": false } } })).await), ["t2", "t3"]);
    let p1 = api.ok(q, json!({ "b": "b1", "l": 3 })).await;
    assert_eq!(ids(p1.clone()), ["t1", "t2", "t3"]);
    let p2 = api.ok(q, json!({ "b": "b1", "l": 3, "t": p1["todosByBatch"]["nextToken"] })).await;
    assert_eq!(ids(p2.clone()), ["t5"]);
    assert_eq!(p2["todosByBatch"]["nextToken"], Value::Null);
    api.finish().await;
});
