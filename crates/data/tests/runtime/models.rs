//! Model operations over the store: CRUD, identifiers, defaults, timestamps, validation.

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Api, Db};

const TODO_FIELDS: &str = "id content priority score done status tags meta due alarm when stamp email phone site ip address { street zip meta } batch createdAt updatedAt __typename";

both!(create_get_update_delete, |db: Db| async move {
    let api = Api::start(db).await;
    let q = format!("mutation ($input: CreateTodoInput!) {{ createTodo(input: $input) {{ {TODO_FIELDS} }} }}");
    let input = json!({
        "content": "write tests", "score": 1.5, "status": "OPEN", "tags": ["a", "b"], "meta": "{\"x\":[1,2]}",
        "due": "2024-02-29", "alarm": "08:30:00", "when": "2024-05-01T12:30:00.000Z", "stamp": 1700000000,
        "email": "a@example.com", "phone": "+1 555-123-4567", "site": "https://example.com", "ip": "10.0.0.1",
        "address": { "street": "Main", "zip": "12345", "meta": "{\"floor\":2}" }
    });
    let created = api.ok(&q, json!({ "input": input })).await["createTodo"].clone();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "generated uuid: {created}");
    // Defaults, typename, JSON round trip, timestamps.
    assert_eq!(created["priority"], 3);
    assert_eq!(created["done"], false);
    assert_eq!(created["__typename"], "Todo");
    assert_eq!(serde_json::from_str::<Value>(created["meta"].as_str().unwrap()).unwrap(), json!({"x": [1, 2]}));
    assert_eq!(serde_json::from_str::<Value>(created["address"]["meta"].as_str().unwrap()).unwrap(), json!({"floor": 2}));
    let ts = created["createdAt"].as_str().unwrap();
    assert!(ts.ends_with('Z') && ts.len() == 24, "{ts}");
    assert_eq!(created["createdAt"], created["updatedAt"]);
    for (k, v) in input.as_object().unwrap() {
        if k != "meta" && k != "address" {
            assert_eq!(&created[k], v, "{k}");
        }
    }

    let get = format!("query ($id: ID!) {{ getTodo(id: $id) {{ {TODO_FIELDS} }} }}");
    assert_eq!(api.ok(&get, json!({ "id": id })).await["getTodo"], created);
    assert_eq!(api.ok(&get, json!({ "id": "nope" })).await["getTodo"], Value::Null);

    // Partial update: untouched fields stay, null removes, updatedAt moves.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let upd = "mutation ($input: UpdateTodoInput!) { updateTodo(input: $input) { id content priority score tags createdAt updatedAt } }";
    let u = api.ok(upd, json!({ "input": { "id": id, "priority": 7, "score": null } })).await["updateTodo"].clone();
    assert_eq!(u["content"], "write tests");
    assert_eq!(u["priority"], 7);
    assert_eq!(u["score"], Value::Null);
    assert_eq!(u["createdAt"], created["createdAt"]);
    assert!(u["updatedAt"].as_str() > created["updatedAt"].as_str(), "{u}");
    let stored = api.raw.get("Todo", &id, "").await.unwrap().unwrap().data;
    assert!(stored.get("score").is_none(), "null removes the attribute: {stored}");
    // A required field cannot be removed; a missing item cannot be updated.
    let v = api.gql(upd, json!({ "input": { "id": id, "content": null } })).await;
    assert_eq!(v["errors"][0]["errorType"], "ValidationError", "{v}");
    let v = api.gql(upd, json!({ "input": { "id": "missing", "priority": 1 } })).await;
    assert_eq!(v["errors"][0]["errorType"], "DynamoDB:ConditionalCheckFailedException", "{v}");
    assert_eq!(v["data"]["updateTodo"], Value::Null);
    assert_eq!(v["errors"][0]["path"], json!(["updateTodo"]));
    assert!(api.raw.get("Todo", "missing", "").await.unwrap().is_none());

    let del = "mutation ($input: DeleteTodoInput!) { deleteTodo(input: $input) { id content priority } }";
    let d = api.ok(del, json!({ "input": { "id": id } })).await["deleteTodo"].clone();
    assert_eq!(d, json!({ "id": id, "content": "write tests", "priority": 7 }));
    assert_eq!(api.ok(&get, json!({ "id": id })).await["getTodo"], Value::Null);
    let v = api.gql(del, json!({ "input": { "id": id } })).await;
    assert_eq!(v["errors"][0]["errorType"], "DynamoDB:ConditionalCheckFailedException", "{v}");

    // A client-chosen id; creating it twice fails.
    let mk = "mutation ($input: CreateTodoInput!) { createTodo(input: $input) { id } }";
    api.ok(mk, json!({ "input": { "id": "mine", "content": "x" } })).await;
    let v = api.gql(mk, json!({ "input": { "id": "mine", "content": "y" } })).await;
    assert_eq!(v["errors"][0]["errorType"], "DynamoDB:ConditionalCheckFailedException", "{v}");
    api.finish().await;
});

both!(conditions, |db: Db| async move {
    let api = Api::start(db).await;
    api.ok("mutation { createTodo(input: {id: \"c1\", content: \"x\", priority: 1}) { id } }", json!({})).await;
    let upd = "mutation ($c: ModelTodoConditionInput) { updateTodo(input: {id: \"c1\", priority: 2}, condition: $c) { priority } }";
    let v = api.gql(upd, json!({ "c": { "priority": { "eq": 5 } } })).await;
    assert_eq!(v["errors"][0]["errorType"], "DynamoDB:ConditionalCheckFailedException", "{v}");
    assert_eq!(api.ok(upd, json!({ "c": { "priority": { "eq": 1 } } })).await["updateTodo"]["priority"], 2);
    let del = "mutation ($c: ModelTodoConditionInput) { deleteTodo(input: {id: \"c1\"}, condition: $c) { id } }";
    let v = api.gql(del, json!({ "c": { "content": { "beginsWith": "z" } } })).await;
    assert_eq!(v["errors"][0]["errorType"], "DynamoDB:ConditionalCheckFailedException", "{v}");
    api.ok(del, json!({ "c": { "content": { "eq": "x" }, "priority": { "gt": 1 } } })).await;
    api.finish().await;
});

both!(wrong_types_and_unknown_fields_are_refused, |db: Db| async move {
    let api = Api::start(db).await;
    let mk = "mutation ($input: CreateTodoInput!) { createTodo(input: $input) { id } }";
    let bad = [
        json!({ "content": "x", "priority": "high" }),
        json!({ "content": "x", "score": "1.5" }),
        json!({ "content": "x", "done": "yes" }),
        json!({ "content": "x", "status": "LATER" }),
        json!({ "content": "x", "due": "2023-02-29" }),
        json!({ "content": "x", "alarm": "25:00" }),
        json!({ "content": "x", "when": "2024-05-01T12:30:00" }),
        json!({ "content": "x", "stamp": "now" }),
        json!({ "content": "x", "email": "not-an-email" }),
        json!({ "content": "x", "meta": "{not json" }),
        json!({ "content": "x", "phone": "call me" }),
        json!({ "content": "x", "site": "example.com" }),
        json!({ "content": "x", "ip": "300.1.1.1" }),
        json!({ "content": "x", "unknown": 1 }),
        json!({ "content": "x", "address": { "street": "a", "floor": 3 } }),
        json!({ "priority": 1 }),
        json!({ "content": null }),
    ];
    for input in bad {
        let v = api.gql(mk, json!({ "input": input })).await;
        assert_eq!(v["data"], Value::Null, "{input} → {v}");
        let e = &v["errors"][0];
        assert_eq!(e["errorType"], "ValidationError", "{input} → {v}");
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()) && e.get("locations").is_some() && e["errorInfo"].is_null(), "{v}");
    }
    assert!(api.ok("{ listTodos { items { id } } }", json!({})).await["listTodos"]["items"].as_array().unwrap().is_empty());
    // Syntax errors and unknown fields in the document.
    let v = api.gql("{ listTodos { items { id } ", json!({})).await;
    assert_eq!(v["errors"][0]["errorType"], "InvalidSyntax", "{v}");
    let v = api.gql("{ listTodos { items { nope } } }", json!({})).await;
    assert_eq!(v["errors"][0]["errorType"], "ValidationError", "{v}");
    // A malformed body is a 400 the client can name, never a 500.
    let (status, et, _) = api.post(&[("x-api-key", &api.ids.api_key)], "{not json").await;
    assert_eq!((status, et.as_deref()), (400, Some("MalformedHttpRequestException")));
    api.finish().await;
});

both!(custom_and_composite_identifiers, |db: Db| async move {
    let api = Api::start(db).await;
    let p = api.ok("mutation { createProduct(input: {sku: \"S-1\", name: \"pen\"}) { sku name createdAt } }", json!({})).await;
    assert_eq!(p["createProduct"]["sku"], "S-1");
    assert_eq!(api.ok("{ getProduct(sku: \"S-1\") { name } }", json!({})).await["getProduct"]["name"], "pen");
    api.ok("mutation { updateProduct(input: {sku: \"S-1\", name: \"pencil\"}) { sku } }", json!({})).await;
    assert_eq!(api.ok("{ listProducts(sku: \"S-1\") { items { name } } }", json!({})).await["listProducts"]["items"], json!([{"name": "pencil"}]));
    api.ok("mutation { deleteProduct(input: {sku: \"S-1\"}) { sku } }", json!({})).await;

    for (g, n) in [("g1", "b"), ("g1", "a"), ("g1", "ab"), ("g1", "c"), ("g2", "a")] {
        api.ok("mutation ($i: CreateStoreBranchInput!) { createStoreBranch(input: $i) { geoId } }", json!({ "i": { "geoId": g, "name": n, "city": format!("{g}{n}") } })).await;
    }
    let get = api.ok("{ getStoreBranch(geoId: \"g1\", name: \"ab\") { city } }", json!({})).await;
    assert_eq!(get["getStoreBranch"]["city"], "g1ab");
    let list = "query ($g: ID, $n: ModelStringKeyConditionInput, $d: ModelSortDirection) { listStoreBranches(geoId: $g, name: $n, sortDirection: $d) { items { name } } }";
    let names = |v: Value| -> Vec<String> { v["listStoreBranches"]["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_string()).collect() };
    assert_eq!(names(api.ok(list, json!({ "g": "g1" })).await), ["a", "ab", "b", "c"]);
    assert_eq!(names(api.ok(list, json!({ "g": "g1", "d": "DESC" })).await), ["c", "b", "ab", "a"]);
    assert_eq!(names(api.ok(list, json!({ "g": "g1", "n": { "beginsWith": "a" } })).await), ["a", "ab"]);
    assert_eq!(names(api.ok(list, json!({ "g": "g1", "n": { "between": ["ab", "b"] } })).await), ["ab", "b"]);
    assert_eq!(names(api.ok(list, json!({ "g": "g1", "n": { "gt": "ab" } })).await), ["b", "c"]);
    assert_eq!(names(api.ok(list, json!({ "g": "g1", "n": { "le": "ab" } })).await), ["a", "ab"]);
    assert_eq!(names(api.ok(list, json!({ "g": "g1", "n": { "lt": "ab" } })).await), ["a"]);
    assert_eq!(names(api.ok(list, json!({ "g": "g1", "n": { "ge": "c" } })).await), ["c"]);
    assert_eq!(names(api.ok(list, json!({ "g": "g1", "n": { "eq": "b" } })).await), ["b"]);
    assert_eq!(names(api.ok(list, json!({})).await).len(), 5);
    api.ok("mutation { deleteStoreBranch(input: {geoId: \"g1\", name: \"a\"}) { name } }", json!({})).await;
    assert_eq!(names(api.ok(list, json!({ "g": "g1" })).await), ["ab", "b", "c"]);

    // A numeric sort key compares as a number (2 < 10 < 100), not as text.
    for at in [100, 2, 10, 55] {
        api.ok("mutation ($i: CreateReadingInput!) { createReading(input: $i) { at } }", json!({ "i": { "sensor": "t", "at": at, "value": 1.0 } })).await;
    }
    let q = "query ($c: ModelIntKeyConditionInput) { listReadings(sensor: \"t\", at: $c) { items { at } } }";
    let ats = |v: Value| -> Vec<i64> { v["listReadings"]["items"].as_array().unwrap().iter().map(|i| i["at"].as_i64().unwrap()).collect() };
    assert_eq!(ats(api.ok(q, json!({})).await), [2, 10, 55, 100]);
    assert_eq!(ats(api.ok(q, json!({ "c": { "gt": 5 } })).await), [10, 55, 100]);
    assert_eq!(ats(api.ok(q, json!({ "c": { "between": [3, 60] } })).await), [10, 55]);
    assert_eq!(api.ok("{ getReading(sensor: \"t\", at: 10) { value } }", json!({})).await["getReading"]["value"], 1.0);
    api.finish().await;
});

both!(introspection_is_the_generated_schema, |db: Db| async move {
    let api = Api::start(db).await;
    let q = "{ __schema { queryType { name } mutationType { name } subscriptionType { name } types { name kind fields { name args { name type { ...T } } type { ...T } } inputFields { name type { ...T } } enumValues { name } } } }
             fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";
    let v = api.ok(q, json!({})).await;
    let backend = crate::harness::project();
    let data = backend.data.as_ref().unwrap();
    let sdl = data::appsync_schema::appsync_schema(&data.schema, &data.authorization_modes);
    let doc = async_graphql_parser::parse_schema(&sdl).unwrap();
    let types: std::collections::HashMap<String, &Value> =
        v["__schema"]["types"].as_array().unwrap().iter().map(|t| (t["name"].as_str().unwrap().to_string(), t)).collect();
    fn render(t: &Value) -> String {
        match t["kind"].as_str().unwrap() {
            "NON_NULL" => format!("{}!", render(&t["ofType"])),
            "LIST" => format!("[{}]", render(&t["ofType"])),
            _ => t["name"].as_str().unwrap().to_string(),
        }
    }
    let mut checked = 0;
    for def in doc.definitions {
        let async_graphql_parser::types::TypeSystemDefinition::Type(t) = def else { continue };
        let name = t.node.name.node.to_string();
        // async-graphql's introspection lists only the types reachable from the root types; the
        // one input the transformer declares but nothing uses is the only such type here.
        let Some(got) = types.get(&name) else {
            assert_eq!(name, "AmplifyAIConversationTurnErrorInput", "type {name} missing from introspection");
            continue;
        };
        use async_graphql_parser::types::TypeKind;
        match &t.node.kind {
            TypeKind::Object(o) => {
                let fields: Vec<String> = o.fields.iter().map(|f| {
                    let args: Vec<String> = f.node.arguments.iter().map(|a| format!("{}: {}", a.node.name.node, a.node.ty.node)).collect();
                    format!("{}({}): {}", f.node.name.node, args.join(", "), f.node.ty.node)
                }).collect();
                let introspected: Vec<String> = got["fields"].as_array().unwrap().iter().map(|f| {
                    let args: Vec<String> = f["args"].as_array().unwrap().iter().map(|a| format!("{}: {}", a["name"].as_str().unwrap(), render(&a["type"]))).collect();
                    format!("{}({}): {}", f["name"].as_str().unwrap(), args.join(", "), render(&f["type"]))
                }).collect();
                assert_eq!(introspected, fields, "type {name}");
            }
            TypeKind::InputObject(io) => {
                let fields: Vec<String> = io.fields.iter().map(|f| format!("{}: {}", f.node.name.node, f.node.ty.node)).collect();
                let introspected: Vec<String> = got["inputFields"].as_array().unwrap().iter().map(|f| format!("{}: {}", f["name"].as_str().unwrap(), render(&f["type"]))).collect();
                assert_eq!(introspected, fields, "input {name}");
            }
            TypeKind::Enum(e) => {
                let values: Vec<String> = e.values.iter().map(|v| v.node.value.node.to_string()).collect();
                let introspected: Vec<String> = got["enumValues"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap().to_string()).collect();
                assert_eq!(introspected, values, "enum {name}");
            }
            _ => {}
        }
        checked += 1;
    }
    assert!(checked > 50, "{checked}");
    assert_eq!(v["__schema"]["subscriptionType"]["name"], "Subscription");
    for s in ["AWSDate", "AWSJSON", "AWSDateTime", "AWSIPAddress"] {
        assert_eq!(types[s]["kind"], "SCALAR");
    }
    // Subscriptions are not served over HTTP.
    let v = api.gql("subscription { onCreateTodo { id } }", json!({})).await;
    assert!(v["errors"].is_array(), "{v}");
    api.finish().await;
});

both!(the_schema_follows_the_backend, |db: Db| async move {
    let api = Api::start(db).await;
    let v = api.gql("{ listTodos { items { id extra } } }", json!({})).await;
    assert_eq!(v["errors"][0]["errorType"], "ValidationError");
    let mut b = (*crate::harness::project()).clone();
    let schema = &mut b.data.as_mut().unwrap().schema;
    let todo = schema.models.iter_mut().find(|m| m.name == "Todo").unwrap();
    let mut extra = todo.field("content").unwrap().clone();
    extra.name = "extra".into();
    extra.ty.required = false;
    todo.fields.push(extra);
    api.backend_tx.send_replace(std::sync::Arc::new(b));
    api.ok("mutation { createTodo(input: {content: \"a\", extra: \"b\"}) { id } }", json!({})).await;
    assert_eq!(api.ok("{ listTodos { items { extra } } }", json!({})).await["listTodos"]["items"], json!([{"extra": "b"}]));
    api.finish().await;
});

both!(depth_and_size_limits, |db: Db| async move {
    let api = Api::start(db).await;
    let mut q = String::from("id");
    for _ in 0..8 {
        q = format!("posts {{ items {{ author {{ {q} }} }} }}");
    }
    let v = api.gql(&format!("{{ listAuthors {{ items {{ {q} }} }} }}"), json!({})).await;
    assert_eq!(v["data"], Value::Null, "{v}");
    assert_eq!(v["errors"][0]["errorType"], "ValidationError", "{v}");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("too deep"), "{v}");
    let huge = format!("{{ listTodos {{ items {{ {} }} }} }}", "id ".repeat(100_000));
    let (status, et, _) = api.post(&[("x-api-key", &api.ids.api_key)], &json!({ "query": huge }).to_string()).await;
    assert_eq!((status, et.as_deref()), (400, Some("BadRequestException")));
    api.finish().await;
});
