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

/// `token` with `change` applied to its claims, signed again with the user pool's current key:
/// the signature verifies, so only the claim checks can refuse it.
async fn resigned(api: &Api, token: &str, change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (header, mut claims) = auth::tokens::decode_unverified(token).expect("a JWT");
    change(&mut claims);
    let signing = format!("{}.{}", b64.encode(header.to_string()), b64.encode(Value::Object(claims).to_string()));
    let keys = auth::keys::keyset(&auth::pool::Pool::new(&api.ctx)).await.unwrap();
    assert_eq!(header["kid"], keys.current().kid, "the token was signed with the current key");
    format!("{signing}.{}", b64.encode(keys.current().sign(signing.as_bytes())))
}

both!(user_pool_tokens_are_verified_expiry_and_client, |db: Db| async move {
    let api = Api::start(db).await;
    let (token, _) = api.user("erin@example.com", &[]).await;
    let body = json!({ "query": "{ listNotes { items { id } } }" }).to_string();
    // Re-signing with unchanged claims is accepted: the refusals below are the claims'.
    let same = resigned(&api, &token, |_| {}).await;
    let (status, _, v) = api.post(&[("authorization", &same)], &body).await;
    assert_eq!(status, 200, "{v}");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let expired = resigned(&api, &token, |c| {
        c.insert("exp".into(), json!(now - 10));
    })
    .await;
    let (status, et, v) = api.post(&[("authorization", &expired)], &body).await;
    assert_eq!((status, et.as_deref()), (401, Some("UnauthorizedException")), "expired: {v}");
    let other_client = resigned(&api, &token, |c| {
        c.insert("client_id".into(), json!("someotherappclient0000000"));
    })
    .await;
    let (status, et, v) = api.post(&[("authorization", &other_client)], &body).await;
    assert_eq!((status, et.as_deref()), (401, Some("UnauthorizedException")), "other client: {v}");
    api.finish().await;
});
