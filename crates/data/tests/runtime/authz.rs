//! Credentials and API key rules: 401s as AppSync sends them, deny by default, `.to([...])`.

use serde_json::{json, Value};
use store::KvValue;

use crate::both;
use crate::harness::{project, Api, Db};

both!(credentials_are_checked_before_graphql, |db: Db| async move {
    let api = Api::start(db).await;
    let body = json!({ "query": "{ listTodos { items { id } } }" }).to_string();
    for headers in [vec![], vec![("x-api-key", "da2-wrong")], vec![("authorization", "not-a-jwt")], vec![("authorization", "AWS4-HMAC-SHA256 Credential=AKIAUNKNOWN/20240101/us-east-1/appsync/aws4_request, SignedHeaders=host, Signature=00")]] {
        let (status, et, v) = api.post(&headers, &body).await;
        assert_eq!((status, et.as_deref()), (401, Some("UnauthorizedException")), "{headers:?}: {v}");
        assert_eq!(v["errors"][0]["errorType"], "UnauthorizedException");
    }
    let (status, _, _) = api.post(&[("x-api-key", &api.ids.api_key)], &body).await;
    assert_eq!(status, 200);
    api.finish().await;
});

both!(an_expired_api_key_is_refused, |db: Db| async move {
    let api = Api::start_with(db, project(), |store| async move {
        // Nothing to age yet: the key is recorded on first use; age it after startup below.
        let _ = store;
    })
    .await;
    let key = format!("api-key-created:{}", api.ids.api_key);
    // 31 days ago, beyond the project's expiresInDays: 30. A fresh service reads it.
    let old = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64 - 31 * 86_400_000;
    api.raw.kv_put("data", &key, &KvValue::Json(json!(old))).await.unwrap();
    let body = json!({ "query": "{ listTodos { items { id } } }" }).to_string();
    let (status, et, v) = api.post(&[("x-api-key", &api.ids.api_key)], &body).await;
    assert_eq!((status, et.as_deref()), (401, Some("UnauthorizedException")), "{v}");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("expired"), "{v}");
    api.finish().await;
});

both!(api_key_rules_deny_by_default, |db: Db| async move {
    let api = Api::start(db).await;
    // Note: owner + publicApiKey read. The API key reads but cannot write.
    let v = api.gql("mutation { createNote(input: {text: \"x\"}) { id } }", json!({})).await;
    assert_eq!(v["data"]["createNote"], Value::Null);
    assert_eq!(v["errors"][0]["errorType"], "Unauthorized", "{v}");
    assert_eq!(v["errors"][0]["message"], "Not Authorized to access createNote on type Mutation");
    assert_eq!(v["errors"][0]["path"], json!(["createNote"]));
    api.raw.put("Note", "n1", "", json!({ "id": "n1", "text": "hi", "secret": "s", "owner": "u::u", "__typename": "Note" }), &store::Condition::None).await.unwrap();
    let v = api.ok("{ listNotes { items { id text } } getNote(id: \"n1\") { text } }", json!({})).await;
    assert_eq!(v["listNotes"]["items"], json!([{ "id": "n1", "text": "hi" }]));
    assert_eq!(v["getNote"]["text"], "hi");
    // Field-level rules replace the model's: the API key may not read `secret`.
    let v = api.gql("{ getNote(id: \"n1\") { text secret } }", json!({})).await;
    assert_eq!(v["data"]["getNote"], json!({ "text": "hi", "secret": null }));
    assert_eq!(v["errors"][0]["message"], "Not Authorized to access secret on type Note", "{v}");
    assert_eq!(v["errors"][0]["path"], json!(["getNote", "secret"]));
    for op in ["updateNote(input: {id: \"n1\", text: \"y\"}) { id }", "deleteNote(input: {id: \"n1\"}) { id }"] {
        let v = api.gql(&format!("mutation {{ {op} }}"), json!({})).await;
        assert_eq!(v["errors"][0]["errorType"], "Unauthorized", "{v}");
    }
    // Draft: owner + group only; nothing for the API key.
    for q in ["{ listDrafts { items { id } } }", "{ getDraft(id: \"x\") { id } }"] {
        let v = api.gql(q, json!({})).await;
        assert_eq!(v["errors"][0]["errorType"], "Unauthorized", "{v}");
    }
    api.finish().await;
});

both!(user_pool_tokens_are_verified_signature_and_revocation, |db: Db| async move {
    let api = Api::start(db).await;
    let (token, owner) = api.user("dora@example.com", &[]).await;
    let body = json!({ "query": "{ listNotes { items { id } } }" }).to_string();
    let (status, _, v) = api.post(&[("authorization", &token)], &body).await;
    assert_eq!(status, 200, "{v}");
    // A token whose signature does not verify is AppSync's 401.
    let (head, sig) = token.rsplit_once('.').unwrap();
    let flipped = format!("{head}.{}{}", if sig.starts_with('A') { 'B' } else { 'A' }, &sig[1..]);
    let (status, et, _) = api.post(&[("authorization", &flipped)], &body).await;
    assert_eq!((status, et.as_deref()), (401, Some("UnauthorizedException")));
    // Signed out everywhere (GlobalSignOut): the access token stops working.
    let sub = owner.split("::").next().unwrap();
    auth::sessions::revoke_all(&auth::pool::Pool::new(&api.ctx), sub).await.unwrap();
    let (status, et, v) = api.post(&[("authorization", &token)], &body).await;
    assert_eq!((status, et.as_deref()), (401, Some("UnauthorizedException")), "{v}");
    api.finish().await;
});
