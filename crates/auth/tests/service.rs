//! The auth service over a real store (SQLite, and PostgreSQL when AMPSTACK_TEST_DATABASE_URL is
//! set): sign-up with the outbox code, SRP and password sign-in through the operation handlers,
//! `verify_token`'s refusals (alg none, tampering, foreign key, audience, expiry, revocation),
//! and identity-pool credentials resolved by `credentials::lookup`.

use std::collections::BTreeMap;
use std::sync::Arc;

use auth::credentials::CallerKind;
use auth::crypto::{b64_decode_any, b64url};
use auth::pool::Pool;
use auth::protocol::{IdentityOp, UserPoolOp};
use context::{SandboxIds, ServiceContext};
use definition::ir::{Auth, Backend, LoginWith, Mfa, MfaMode, PasswordPolicy, UserAttribute};
use serde_json::{json, Value};

fn backend() -> Backend {
    let mut user_attributes = BTreeMap::new();
    user_attributes.insert("email".into(), UserAttribute { name: "email".into(), required: true, mutable: true, data_type: "String".into(), ..Default::default() });
    Backend {
        auth: Some(Auth {
            login_with: LoginWith { email: true, ..Default::default() },
            username_attributes: vec!["email".into()],
            user_attributes,
            groups: vec!["ADMINS".into()],
            mfa: Mfa { mode: MfaMode::Off, totp: false, sms: false, email: false },
            password_policy: PasswordPolicy::default(),
            account_recovery: None,
            allow_unauthenticated_identities: true,
            triggers: BTreeMap::new(),
            access: BTreeMap::new(),
            extra: Value::Null,
            device_tracking: None,
            pre_token_generation_version: None,
        }),
        ..Default::default()
    }
}

async fn context(url: &str) -> (ServiceContext, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let target = if url.is_empty() { dir.path().join("ampstack.db").to_string_lossy().into_owned() } else { url.to_string() };
    let store = store::open(&target).await.unwrap();
    let (_tx, rx) = tokio::sync::watch::channel(Arc::new(backend()));
    std::mem::forget(_tx);
    let ctx = ServiceContext::new(store, rx, SandboxIds::generate("us-east-1"), "https://127.0.0.1:20002".into(), dir.path().to_path_buf());
    (ctx, dir)
}

async fn call(ctx: &ServiceContext, op: &str, req: Value) -> Result<Value, auth::AuthError> {
    let pool = Pool::new(ctx);
    if let Some(op) = UserPoolOp::parse(op) {
        return auth::ops::dispatch(&pool, op, &req).await;
    }
    match IdentityOp::parse(op).unwrap() {
        IdentityOp::GetId => auth::identity::get_id(&pool, &req).await,
        IdentityOp::GetCredentialsForIdentity => auth::identity::get_credentials(&pool, &req).await,
    }
}

async fn sign_up(ctx: &ServiceContext, email: &str, password: &str) -> String {
    let client = ctx.ids.user_pool_client_id.clone();
    let r = call(ctx, "SignUp", json!({ "ClientId": client, "Username": email, "Password": password, "UserAttributes": [{ "Name": "email", "Value": email }] })).await.unwrap();
    let outbox = auth::codes::outbox(&Pool::new(ctx), email).await.unwrap();
    let code = outbox[0]["code"].as_str().unwrap().to_string();
    call(ctx, "ConfirmSignUp", json!({ "ClientId": client, "Username": email, "ConfirmationCode": code })).await.unwrap();
    r["UserSub"].as_str().unwrap().to_string()
}

/// Signs in with SRP exactly as the client does (A, then PASSWORD_CLAIM_SIGNATURE).
async fn srp_sign_in(ctx: &ServiceContext, email: &str, password: &str) -> Result<Value, auth::AuthError> {
    let client = ctx.ids.user_pool_client_id.clone();
    let a = num_bigint::BigUint::from_bytes_be(&auth::crypto::random_bytes(128));
    let pool_name = ctx.ids.user_pool_id.split_once('_').unwrap().1.to_string();
    let big_a = auth::srp::client_public(&a);
    let init = call(ctx, "InitiateAuth", json!({ "ClientId": client, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": { "USERNAME": email, "SRP_A": big_a } })).await?;
    assert_eq!(init["ChallengeName"], "PASSWORD_VERIFIER");
    let p = &init["ChallengeParameters"];
    let user_id = p["USER_ID_FOR_SRP"].as_str().unwrap();
    assert_eq!(p["USERNAME"], p["USER_ID_FOR_SRP"]);
    let (a_hex, key) = auth::srp::client_key(&pool_name, user_id, password, &a, p["SALT"].as_str().unwrap(), p["SRP_B"].as_str().unwrap()).unwrap();
    assert_eq!(a_hex, big_a);
    let ts = &auth::srp::format_timestamp(auth::pool::now_s());
    let block = p["SECRET_BLOCK"].as_str().unwrap();
    let sig = auth::srp::claim_signature(&key, &pool_name, user_id, &b64_decode_any(block).unwrap(), ts);
    let answer = json!({
        "ClientId": client, "ChallengeName": "PASSWORD_VERIFIER", "Session": init["Session"],
        "ChallengeResponses": { "USERNAME": user_id, "PASSWORD_CLAIM_SECRET_BLOCK": block, "TIMESTAMP": ts, "PASSWORD_CLAIM_SIGNATURE": sig },
    });
    // A tampered Session does not open.
    let mut forged = answer.clone();
    let mut s = forged["Session"].as_str().unwrap().to_string();
    let mid = s.len() / 2;
    let flipped = if &s[mid..mid + 1] == "A" { "B" } else { "A" };
    s.replace_range(mid..mid + 1, flipped);
    forged["Session"] = json!(s);
    assert_eq!(call(ctx, "RespondToAuthChallenge", forged).await.unwrap_err().code(), "NotAuthorizedException");
    let result = call(ctx, "RespondToAuthChallenge", answer.clone()).await?;
    // The Session is single-use: replaying the same proof is refused.
    let replay = call(ctx, "RespondToAuthChallenge", answer).await.unwrap_err();
    assert_eq!(replay.code(), "NotAuthorizedException");
    Ok(result)
}

/// Re-signs `claims` with the pool's current key and `header`.
async fn forge(ctx: &ServiceContext, header: Value, claims: Value) -> String {
    let set = auth::keys::keyset(&Pool::new(ctx)).await.unwrap();
    let input = format!("{}.{}", b64url(header.to_string().as_bytes()), b64url(claims.to_string().as_bytes()));
    format!("{input}.{}", b64url(&set.current().sign(input.as_bytes())))
}

fn payload(token: &str) -> Value {
    serde_json::from_slice(&b64_decode_any(token.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

async fn scenario(url: &str) {
    let (ctx, _dir) = context(url).await;
    let email = format!("bob.{}@example.com", uuid::Uuid::new_v4().simple());
    let sub = sign_up(&ctx, &email, "Secret#123").await;

    // SRP: right and wrong password.
    let ok = srp_sign_in(&ctx, &email, "Secret#123").await.unwrap();
    let access = ok["AuthenticationResult"]["AccessToken"].as_str().unwrap().to_string();
    let id = ok["AuthenticationResult"]["IdToken"].as_str().unwrap().to_string();
    assert_eq!(srp_sign_in(&ctx, &email, "Secret#124").await.unwrap_err().message(), "Incorrect username or password.");

    let claims = auth::verify_token(&ctx, &access).await.unwrap();
    assert_eq!(claims.token_use, auth::TokenUse::Access);
    assert_eq!(claims.sub, sub);
    assert_eq!(claims.username, sub, "email pools use the sub as Username");
    let idc = auth::verify_token(&ctx, &id).await.unwrap();
    assert_eq!(idc.token_use, auth::TokenUse::Id);
    assert_eq!(idc.raw["email"], json!(email));

    // Refusals.
    let (h, _) = access.split_once('.').unwrap();
    let header: Value = serde_json::from_slice(&b64_decode_any(h).unwrap()).unwrap();
    let mut claims_json = payload(&access);
    let none = format!("{}.{}.", b64url(br#"{"alg":"none"}"#), b64url(claims_json.to_string().as_bytes()));
    assert!(auth::verify_token(&ctx, &none).await.is_err(), "alg none");
    let parts: Vec<&str> = access.split('.').collect();
    let mut tampered = payload(&access);
    tampered["sub"] = json!("someone-else");
    let tampered = format!("{}.{}.{}", parts[0], b64url(tampered.to_string().as_bytes()), parts[2]);
    assert!(auth::verify_token(&ctx, &tampered).await.is_err(), "tampered payload");
    claims_json["client_id"] = json!("another-client");
    assert!(auth::verify_token(&ctx, &forge(&ctx, header.clone(), claims_json.clone()).await).await.is_err(), "wrong client");
    let mut wrong_iss = payload(&access);
    wrong_iss["iss"] = json!("https://evil.example/us-east-1_X");
    assert!(auth::verify_token(&ctx, &forge(&ctx, header.clone(), wrong_iss).await).await.is_err(), "wrong issuer");
    let mut expired = payload(&access);
    expired["exp"] = json!(1_000_000);
    let e = auth::verify_token(&ctx, &forge(&ctx, header.clone(), expired).await).await.unwrap_err();
    assert_eq!(e.message(), "Access Token has expired");
    // Signed by another pool's key (same store): refused with our kid, and with an unknown kid.
    let (other, _d2) = context(url).await;
    let foreign = forge(&other, header.clone(), payload(&access)).await;
    assert!(auth::verify_token(&ctx, &foreign).await.is_err(), "foreign key");
    let unknown_kid = forge(&ctx, json!({ "kid": "x", "alg": "RS256" }), payload(&access)).await;
    assert!(auth::verify_token(&ctx, &unknown_kid).await.is_err(), "unknown kid");
    let hs256 = forge(&ctx, json!({ "kid": header["kid"], "alg": "HS256" }), payload(&access)).await;
    assert!(auth::verify_token(&ctx, &hs256).await.is_err(), "alg HS256");

    // Keys persist: a fresh process (cache dropped by reading through another pool) still verifies.
    let jwks = auth::keys::keyset(&Pool::new(&ctx)).await.unwrap().jwks();
    assert_eq!(jwks["keys"][0]["kty"], "RSA");

    // Identity pool: guest, then authenticated with the same identity linked.
    let ipid = ctx.ids.identity_pool_id.clone();
    let guest = call(&ctx, "GetId", json!({ "IdentityPoolId": ipid, "Logins": {} })).await.unwrap();
    let gid = guest["IdentityId"].as_str().unwrap().to_string();
    let gc = call(&ctx, "GetCredentialsForIdentity", json!({ "IdentityId": gid })).await.unwrap();
    assert!(gc["Credentials"]["Expiration"].as_i64().unwrap() > 1_700_000_000);
    let caller = auth::credentials::lookup(&ctx, gc["Credentials"]["AccessKeyId"].as_str().unwrap()).await.unwrap().unwrap();
    assert_eq!(caller.kind, CallerKind::Guest);
    assert_eq!(caller.secret_access_key, gc["Credentials"]["SecretKey"].as_str().unwrap());
    let login_key = format!("127.0.0.1:20002/{}", ctx.ids.user_pool_id);
    let ac = call(&ctx, "GetCredentialsForIdentity", json!({ "IdentityId": gid, "Logins": { login_key.clone(): id } })).await.unwrap();
    assert_eq!(ac["IdentityId"], json!(gid), "the guest identity becomes the user's");
    let caller = auth::credentials::lookup(&ctx, ac["Credentials"]["AccessKeyId"].as_str().unwrap()).await.unwrap().unwrap();
    assert_eq!(caller.kind, CallerKind::Authenticated);
    assert_eq!(caller.sub.as_deref(), Some(sub.as_str()));
    let again = call(&ctx, "GetId", json!({ "IdentityPoolId": ipid, "Logins": { login_key.clone(): id } })).await.unwrap();
    assert_eq!(again["IdentityId"], json!(gid), "stable identity id per user");
    let access_as_login = call(&ctx, "GetId", json!({ "IdentityPoolId": ipid, "Logins": { login_key.clone(): access } })).await;
    assert_eq!(access_as_login.unwrap_err().code(), "NotAuthorizedException");
    assert!(auth::credentials::lookup(&ctx, "ASIANOTAKEY").await.unwrap().is_none());

    // Global sign-out revokes every token of every session.
    let second = call(&ctx, "InitiateAuth", json!({ "ClientId": ctx.ids.user_pool_client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": email, "PASSWORD": "Secret#123" } })).await.unwrap();
    let access2 = second["AuthenticationResult"]["AccessToken"].as_str().unwrap().to_string();
    let refresh2 = second["AuthenticationResult"]["RefreshToken"].as_str().unwrap().to_string();
    call(&ctx, "GlobalSignOut", json!({ "AccessToken": access })).await.unwrap();
    for t in [&access, &id, &access2] {
        assert_eq!(auth::verify_token(&ctx, t).await.unwrap_err().code(), "NotAuthorizedException");
    }
    let r = call(&ctx, "GetTokensFromRefreshToken", json!({ "ClientId": ctx.ids.user_pool_client_id, "RefreshToken": refresh2 })).await;
    assert_eq!(r.unwrap_err().message(), "Refresh Token has been revoked");

    // The janitor removes expired state and keeps live state.
    let pool = Pool::new(&ctx);
    let stale = json!({ "name": "PASSWORD_VERIFIER", "sub": sub, "userId": sub, "data": {}, "expires": 1 });
    pool.store().put(auth::pool::tables::CHALLENGES, pool.id(), "stale-session", stale, &store::Condition::None).await.unwrap();
    assert!(auth::janitor::run_once(&pool).await.unwrap() >= 1);
    assert!(pool.store().get(auth::pool::tables::CHALLENGES, pool.id(), "stale-session").await.unwrap().is_none());
    assert!(auth::credentials::lookup(&ctx, ac["Credentials"]["AccessKeyId"].as_str().unwrap()).await.unwrap().is_some());
    // Expired credentials resolve as expired (storage answers ExpiredToken) until the janitor
    // forgets them a day later.
    use auth::credentials::{resolve, Resolved, EXPIRED_KEPT};
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    for (key, expiration) in [("ASIAEXPIREDRECENTLY", now - 10), ("ASIAEXPIREDLONGAGO", now - EXPIRED_KEPT - 10)] {
        let item = json!({ "kind": "guest", "identityId": "x", "identityPoolId": ctx.ids.identity_pool_id, "secret": "s", "sessionToken": "t", "expiration": expiration });
        pool.store().put(auth::pool::tables::CREDENTIALS, key, "", item, &store::Condition::None).await.unwrap();
        assert_eq!(resolve(&ctx, key).await.unwrap(), Resolved::Expired);
    }
    assert!(auth::janitor::run_once(&pool).await.unwrap() >= 1);
    assert_eq!(resolve(&ctx, "ASIAEXPIREDRECENTLY").await.unwrap(), Resolved::Expired);
    assert_eq!(resolve(&ctx, "ASIAEXPIREDLONGAGO").await.unwrap(), Resolved::Unknown);
    assert!(auth::credentials::lookup(&ctx, "ASIAEXPIREDRECENTLY").await.unwrap().is_none());

    // Signing-key rotation: new tokens use the new key, old tokens keep verifying until their
    // key's tokens have all expired; then the next rotation drops that key.
    let password_auth = json!({ "ClientId": ctx.ids.user_pool_client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": email, "PASSWORD": "Secret#123" } });
    let kid_of = |t: &str| -> String { serde_json::from_slice::<Value>(&b64_decode_any(t.split('.').next().unwrap()).unwrap()).unwrap()["kid"].as_str().unwrap().to_string() };
    let before = call(&ctx, "InitiateAuth", password_auth.clone()).await.unwrap()["AuthenticationResult"]["AccessToken"].as_str().unwrap().to_string();
    let first_kid = kid_of(&before);
    let r1 = auth::keys::rotate(&ctx).await.unwrap();
    assert_eq!((r1.kept.clone(), r1.removed.clone()), (vec![first_kid.clone()], vec![]));
    let after = call(&ctx, "InitiateAuth", password_auth.clone()).await.unwrap()["AuthenticationResult"]["AccessToken"].as_str().unwrap().to_string();
    assert_eq!(kid_of(&after), r1.kid);
    assert!(auth::verify_token(&ctx, &before).await.is_ok(), "a token of the previous key still verifies");
    let kids: Vec<String> = auth::keys::keyset(&pool).await.unwrap().jwks()["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_string()).collect();
    assert!(kids.contains(&first_kid) && kids.contains(&r1.kid));
    // Make both keys look old, as after a token lifetime: rotating again removes the first key
    // (its successor is old) and keeps the second (its successor is brand new).
    for item in pool.store().query(auth::pool::tables::KEYS, &store::QuerySpec { partition: Some(json!(pool.id())), ..Default::default() }).await.unwrap().items {
        let mut d = item.data.clone();
        d["created"] = json!(d["created"].as_i64().unwrap() - (auth::tokens::token_ttl() + 3600) * 1000);
        pool.store().put(auth::pool::tables::KEYS, pool.id(), &item.sk, d, &store::Condition::None).await.unwrap();
    }
    let r2 = auth::keys::rotate(&ctx).await.unwrap();
    assert_eq!((r2.kept.clone(), r2.removed.clone()), (vec![r1.kid.clone()], vec![first_kid.clone()]));
    assert!(auth::verify_token(&ctx, &before).await.is_err(), "the removed key no longer verifies");
    assert!(auth::verify_token(&ctx, &after).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_on_sqlite() {
    scenario("").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_on_postgres() {
    match std::env::var("AMPSTACK_TEST_DATABASE_URL") {
        Ok(url) => scenario(&url).await,
        Err(_) => eprintln!("AMPSTACK_TEST_DATABASE_URL not set: PostgreSQL variant not run"),
    }
}
