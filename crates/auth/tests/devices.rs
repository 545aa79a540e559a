//! Device SRP through the operation handlers over a real store (SQLite, and PostgreSQL when
//! AMPSTACK_TEST_DATABASE_URL is set): what the real-client test cannot provoke — a wrong device
//! password, a DEVICE_KEY that does not match the challenge, a stale TIMESTAMP, an unconfirmed
//! device — is refused, and the right proof signs in bound to the device without a new one.

use std::collections::BTreeMap;
use std::sync::Arc;

use auth::crypto::{b64, b64_decode_any, random_bytes};
use auth::pool::{now_s, Pool};
use auth::protocol::UserPoolOp;
use auth::srp;
use context::{SandboxIds, ServiceContext};
use definition::ir::{Auth, Backend, DeviceTracking, LoginWith, Mfa, MfaMode, PasswordPolicy, UserAttribute};
use num_bigint::BigUint;
use serde_json::{json, Value};

async fn context(url: &str) -> (ServiceContext, tempfile::TempDir) {
    let mut user_attributes = BTreeMap::new();
    user_attributes.insert("email".into(), UserAttribute { name: "email".into(), required: true, mutable: true, data_type: "String".into(), ..Default::default() });
    let backend = Backend {
        auth: Some(Auth {
            login_with: LoginWith { email: true, ..Default::default() },
            username_attributes: vec!["email".into()],
            user_attributes,
            groups: vec![],
            mfa: Mfa { mode: MfaMode::Off, totp: false, sms: false, email: false },
            password_policy: PasswordPolicy::default(),
            account_recovery: None,
            allow_unauthenticated_identities: true,
            triggers: BTreeMap::new(),
            access: BTreeMap::new(),
            extra: Value::Null,
            device_tracking: Some(DeviceTracking { challenge_required_on_new_device: false, device_only_remembered_on_user_prompt: false }),
            pre_token_generation_version: None,
        }),
        ..Default::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let target = if url.is_empty() { dir.path().join("ampstack.db").to_string_lossy().into_owned() } else { url.to_string() };
    let store = store::open(&target).await.unwrap();
    let (tx, rx) = tokio::sync::watch::channel(Arc::new(backend));
    std::mem::forget(tx);
    (ServiceContext::new(store, rx, SandboxIds::generate("us-east-1"), "https://127.0.0.1:20002".into(), dir.path().to_path_buf()), dir)
}

async fn call(ctx: &ServiceContext, op: &str, req: Value) -> Result<Value, auth::AuthError> {
    auth::ops::dispatch(&Pool::new(ctx), UserPoolOp::parse(op).unwrap(), &req).await
}

fn hex_b64(h: &str) -> String {
    b64(&hex::decode(h).unwrap())
}

async fn scenario(url: &str) {
    let (ctx, _dir) = context(url).await;
    let client = ctx.ids.user_pool_client_id.clone();
    let email = format!("dev.{}@example.com", uuid::Uuid::new_v4().simple());
    call(&ctx, "SignUp", json!({ "ClientId": client, "Username": email, "Password": "Secret#123", "UserAttributes": [{ "Name": "email", "Value": email }] })).await.unwrap();
    let code = auth::codes::outbox(&Pool::new(&ctx), &email).await.unwrap()[0]["code"].as_str().unwrap().to_string();
    call(&ctx, "ConfirmSignUp", json!({ "ClientId": client, "Username": email, "ConfirmationCode": code })).await.unwrap();
    let password_auth = |device: Option<&str>| {
        let mut p = json!({ "USERNAME": email, "PASSWORD": "Secret#123" });
        if let Some(d) = device {
            p["DEVICE_KEY"] = json!(d);
        }
        json!({ "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": p })
    };

    // First sign-in: a new device; ConfirmDevice with the verifier of a random device password.
    let first = call(&ctx, "InitiateAuth", password_auth(None)).await.unwrap();
    let meta = first["AuthenticationResult"]["NewDeviceMetadata"].clone();
    let (key, group) = (meta["DeviceKey"].as_str().unwrap().to_string(), meta["DeviceGroupKey"].as_str().unwrap().to_string());
    let access = first["AuthenticationResult"]["AccessToken"].as_str().unwrap().to_string();
    // An unconfirmed device is not used: the next sign-in just gets another new device.
    let again = call(&ctx, "InitiateAuth", password_auth(Some(&key))).await.unwrap();
    assert!(again["AuthenticationResult"]["NewDeviceMetadata"]["DeviceKey"].is_string());
    let device_password = b64(&random_bytes(40));
    let v = srp::Verifier::new(&group, &key, &device_password);
    let confirmed = call(&ctx, "ConfirmDevice", json!({ "AccessToken": access, "DeviceKey": key, "DeviceName": "test", "DeviceSecretVerifierConfig": { "Salt": hex_b64(&v.salt), "PasswordVerifier": hex_b64(&v.verifier) } })).await.unwrap();
    assert_eq!(confirmed, json!({ "UserConfirmationNecessary": false }));
    let listed = call(&ctx, "ListDevices", json!({ "AccessToken": access })).await.unwrap();
    assert_eq!(listed["Devices"].as_array().unwrap().len(), 1, "only the confirmed device is listed");

    // Runs the device step with `password`, `device_key` in the answer and `timestamp`.
    let device_step = |password: String, answer_key: String, timestamp: String| {
        let ctx = ctx.clone();
        let (client, key, group, pw_auth) = (client.clone(), key.clone(), group.clone(), password_auth(Some(&key)));
        async move {
            let start = call(&ctx, "InitiateAuth", pw_auth).await.unwrap();
            assert_eq!(start["ChallengeName"], "DEVICE_SRP_AUTH");
            let a = BigUint::from_bytes_be(&random_bytes(128));
            let big_a = srp::client_public(&a);
            let srp_step = call(&ctx, "RespondToAuthChallenge", json!({ "ClientId": client, "ChallengeName": "DEVICE_SRP_AUTH", "Session": start["Session"], "ChallengeResponses": { "USERNAME": start["ChallengeParameters"]["USERNAME"], "SRP_A": big_a, "DEVICE_KEY": key } })).await.unwrap();
            assert_eq!(srp_step["ChallengeName"], "DEVICE_PASSWORD_VERIFIER");
            let p = &srp_step["ChallengeParameters"];
            let (_, k) = srp::client_key(&group, &key, &password, &a, p["SALT"].as_str().unwrap(), p["SRP_B"].as_str().unwrap()).unwrap();
            let block = p["SECRET_BLOCK"].as_str().unwrap();
            let sig = srp::claim_signature(&k, &group, &key, &b64_decode_any(block).unwrap(), &timestamp);
            call(&ctx, "RespondToAuthChallenge", json!({ "ClientId": client, "ChallengeName": "DEVICE_PASSWORD_VERIFIER", "Session": srp_step["Session"], "ChallengeResponses": { "USERNAME": p["USERNAME"], "PASSWORD_CLAIM_SECRET_BLOCK": block, "PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": timestamp, "DEVICE_KEY": answer_key } })).await
        }
    };
    let now = srp::format_timestamp(now_s());
    let wrong = device_step("not the device password".into(), key.clone(), now.clone()).await.unwrap_err();
    assert_eq!(wrong.code(), "NotAuthorizedException");
    let other_key = device_step(device_password.clone(), "us-east-1_someone-else".into(), now.clone()).await.unwrap_err();
    assert_eq!(other_key.code(), "NotAuthorizedException");
    let stale = device_step(device_password.clone(), key.clone(), srp::format_timestamp(now_s() - 3600)).await.unwrap_err();
    assert_eq!(stale.code(), "NotAuthorizedException");
    let ok = device_step(device_password.clone(), key.clone(), now).await.unwrap();
    let result = &ok["AuthenticationResult"];
    assert!(result["NewDeviceMetadata"].is_null(), "a known device gets no new one");
    let claims = auth::verify_token(&ctx, result["AccessToken"].as_str().unwrap()).await.unwrap();
    assert_eq!(claims.raw["device_key"], json!(key));

    // ForgetDevice: the key is no longer a device; sign-in falls back to a new device.
    call(&ctx, "ForgetDevice", json!({ "AccessToken": access, "DeviceKey": key })).await.unwrap();
    let after = call(&ctx, "InitiateAuth", password_auth(Some(&key))).await.unwrap();
    assert!(after["AuthenticationResult"]["NewDeviceMetadata"]["DeviceKey"].is_string());
    assert_eq!(call(&ctx, "ForgetDevice", json!({ "AccessToken": access, "DeviceKey": key })).await.unwrap_err().message(), "Device does not exist.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_on_sqlite() {
    scenario("").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_on_postgres() {
    match std::env::var("AMPSTACK_TEST_DATABASE_URL") {
        Ok(url) => scenario(&url).await,
        Err(_) => eprintln!("AMPSTACK_TEST_DATABASE_URL not set: PostgreSQL variant not run"),
    }
}
