//! User-pool callers against owner, group, dynamic-group, private and field-level rules; owner
//! fields filled as Amplify fills them (`sub::username`), owner reassignment, lists filtered.

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Api, Db};

fn err(v: &Value) -> &str {
    v["errors"][0]["errorType"].as_str().unwrap_or("")
}

fn ids(v: &Value, field: &str) -> Vec<String> {
    let mut ids: Vec<String> = v["data"][field]["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect();
    ids.sort();
    ids
}

both!(owner_rules, |db: Db| async move {
    let api = Api::start(db).await;
    let (alice, alice_owner) = api.user("alice@example.com", &[]).await;
    let (bob, bob_owner) = api.user("bob@example.com", &[]).await;
    let mk = "mutation ($i: CreateNoteInput!) { createNote(input: $i) { id text secret owner } }";
    let v = api.as_user(&alice, mk, json!({ "i": { "id": "n1", "text": "hi", "secret": "s1" } })).await;
    assert_eq!(v["data"]["createNote"]["owner"], alice_owner.as_str(), "{v}");
    assert!(alice_owner.contains("::"));
    api.as_user(&bob, mk, json!({ "i": { "id": "n2", "text": "yo" } })).await;
    // Creating a record owned by someone else is refused.
    let v = api.as_user(&alice, mk, json!({ "i": { "id": "n3", "owner": bob_owner } })).await;
    assert_eq!(err(&v), "Unauthorized", "{v}");
    // Lists are filtered, not failed; the API key reads everything (publicApiKey read).
    let list = "{ listNotes { items { id } } }";
    assert_eq!(ids(&api.as_user(&alice, list, json!({})).await, "listNotes"), ["n1"]);
    assert_eq!(ids(&api.as_user(&bob, list, json!({})).await, "listNotes"), ["n2"]);
    assert_eq!(ids(&api.gql(list, json!({})).await, "listNotes"), ["n1", "n2"]);
    // Someone else's record: get, update and delete are Unauthorized; the owner's are fine.
    let v = api.as_user(&bob, "{ getNote(id: \"n1\") { id } }", json!({})).await;
    assert_eq!((err(&v), &v["data"]["getNote"]), ("Unauthorized", &Value::Null), "{v}");
    let upd = "mutation ($i: UpdateNoteInput!) { updateNote(input: $i) { id text owner } }";
    assert_eq!(err(&api.as_user(&bob, upd, json!({ "i": { "id": "n1", "text": "hacked" } })).await), "Unauthorized");
    assert_eq!(err(&api.as_user(&bob, "mutation { deleteNote(input: {id: \"n1\"}) { id } }", json!({})).await), "Unauthorized");
    let v = api.as_user(&alice, "{ getNote(id: \"n1\") { text secret } }", json!({})).await;
    assert_eq!(v["data"]["getNote"], json!({ "text": "hi", "secret": "s1" }), "{v}");
    // Owner reassignment: alice gives n1 to bob.
    let v = api.as_user(&alice, upd, json!({ "i": { "id": "n1", "owner": bob_owner } })).await;
    assert_eq!(v["data"]["updateNote"]["owner"], bob_owner.as_str(), "{v}");
    assert_eq!(err(&api.as_user(&alice, upd, json!({ "i": { "id": "n1", "text": "mine?" } })).await), "Unauthorized");
    assert_eq!(api.as_user(&bob, upd, json!({ "i": { "id": "n1", "text": "mine" } })).await["data"]["updateNote"]["text"], "mine");
    assert_eq!(api.as_user(&bob, "mutation { deleteNote(input: {id: \"n1\"}) { id } }", json!({})).await["data"]["deleteNote"]["id"], "n1");
    // The owner-only field `secret` cannot be written into a record for someone else either.
    let v = api.as_user(&alice, mk, json!({ "i": { "id": "n4", "text": "a", "owner": bob_owner, "secret": "x" } })).await;
    assert_eq!(err(&v), "Unauthorized", "{v}");
    // A model without rules for user pools: deny.
    assert_eq!(err(&api.as_user(&alice, "{ listTodos { items { id } } }", json!({})).await), "Unauthorized");
    api.finish().await;
});

both!(static_groups_private_and_multi_owner_rules, |db: Db| async move {
    let api = Api::start(db).await;
    let (alice, alice_owner) = api.user("alice@example.com", &[]).await;
    let (bob, bob_owner) = api.user("bob@example.com", &[]).await;
    let (admin, _) = api.user("admin@example.com", &["ADMINS"]).await;
    // Draft: owner or ADMINS.
    api.as_user(&alice, "mutation { createDraft(input: {id: \"d1\", text: \"a\"}) { id } }", json!({})).await;
    let list = "{ listDrafts { items { id } } }";
    assert_eq!(ids(&api.as_user(&bob, list, json!({})).await, "listDrafts"), Vec::<String>::new());
    assert_eq!(ids(&api.as_user(&admin, list, json!({})).await, "listDrafts"), ["d1"]);
    let v = api.as_user(&admin, "mutation { deleteDraft(input: {id: \"d1\"}) { id } }", json!({})).await;
    assert_eq!(v["data"]["deleteDraft"]["id"], "d1", "{v}");
    // Memo: any signed-in user reads; only the owner writes.
    api.as_user(&alice, "mutation { createMemo(input: {id: \"m1\", text: \"a\"}) { id } }", json!({})).await;
    assert_eq!(ids(&api.as_user(&bob, "{ listMemos { items { id } } }", json!({})).await, "listMemos"), ["m1"]);
    assert_eq!(api.as_user(&bob, "{ getMemo(id: \"m1\") { text } }", json!({})).await["data"]["getMemo"]["text"], "a");
    assert_eq!(err(&api.as_user(&bob, "mutation { updateMemo(input: {id: \"m1\", text: \"b\"}) { id } }", json!({})).await), "Unauthorized");
    assert_eq!(err(&api.gql("{ listMemos { items { id } } }", json!({})).await), "Unauthorized");
    // Doc: ownersDefinedIn('editors') — a list of owners.
    let v = api.as_user(&alice, "mutation { createDoc(input: {id: \"doc\", title: \"t\"}) { editors } }", json!({})).await;
    assert_eq!(v["data"]["createDoc"]["editors"], json!([alice_owner]), "{v}");
    assert_eq!(err(&api.as_user(&bob, "{ getDoc(id: \"doc\") { id } }", json!({})).await), "Unauthorized");
    api.as_user(&alice, "mutation ($e: [String]) { updateDoc(input: {id: \"doc\", editors: $e}) { id } }", json!({ "e": [alice_owner, bob_owner] })).await;
    assert_eq!(api.as_user(&bob, "mutation { updateDoc(input: {id: \"doc\", title: \"u\"}) { title } }", json!({})).await["data"]["updateDoc"]["title"], "u");
    api.finish().await;
});

both!(dynamic_groups, |db: Db| async move {
    let api = Api::start(db).await;
    let (admin, _) = api.user("admin@example.com", &["ADMINS"]).await;
    let (alice, _) = api.user("alice@example.com", &[]).await;
    let mk = "mutation ($i: CreateBoardInput!) { createBoard(input: $i) { id } }";
    assert!(api.as_user(&admin, mk, json!({ "i": { "id": "b1", "team": "ADMINS" } })).await.get("errors").is_none());
    assert_eq!(err(&api.as_user(&admin, mk, json!({ "i": { "id": "b2", "team": "OTHER" } })).await), "Unauthorized");
    assert_eq!(err(&api.as_user(&alice, mk, json!({ "i": { "id": "b3", "team": "ADMINS" } })).await), "Unauthorized");
    api.raw.put("Board", "b4", "", json!({ "id": "b4", "team": "OTHER", "teams": ["X", "ADMINS"], "__typename": "Board" }), &store::Condition::None).await.unwrap();
    api.raw.put("Board", "b5", "", json!({ "id": "b5", "team": "OTHER", "teams": ["X"], "__typename": "Board" }), &store::Condition::None).await.unwrap();
    assert_eq!(ids(&api.as_user(&admin, "{ listBoards { items { id } } }", json!({})).await, "listBoards"), ["b1", "b4"]);
    // teams grants read only.
    assert_eq!(err(&api.as_user(&admin, "mutation { updateBoard(input: {id: \"b4\", name: \"n\"}) { id } }", json!({})).await), "Unauthorized");
    api.finish().await;
});
