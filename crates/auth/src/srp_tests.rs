//! SRP checked against vectors computed by the aws-amplify client's own code
//! (`testdata/make_srp_vectors.mjs` → `testdata/srp_vectors.json`).

use super::*;
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("../testdata/srp_vectors.json")).unwrap()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap()
}

#[test]
fn k_matches_the_client() {
    let v = vectors();
    assert_eq!(GROUP.k.to_str_radix(16), s(&v["users"][0], "k"));
}

#[test]
fn user_vectors_from_the_client() {
    for c in vectors()["users"].as_array().unwrap() {
        let salt = parse_hex(s(c, "salt")).unwrap();
        let ver = Verifier::with_salt(s(c, "pool"), s(c, "userId"), s(c, "password"), &salt);
        assert_eq!(ver.salt, s(c, "salt"));
        assert_eq!(ver.verifier, s(c, "verifier"), "verifier for {}", s(c, "userId"));
        let server = ServerKey::with_b(&ver, &parse_hex(s(c, "b")).unwrap());
        assert_eq!(server.big_b, s(c, "B"));
        let key = password_key(&ver, &server, s(c, "A")).unwrap();
        assert_eq!(hex::encode(key), s(c, "key"));
        let block = crate::crypto::b64_decode_any(s(c, "secretBlock")).unwrap();
        let claim = Claim {
            pool_name: s(c, "pool"),
            user_id: s(c, "userId"),
            a_hex: s(c, "A"),
            secret_block: &block,
            timestamp: s(c, "timestamp"),
            signature: s(c, "signature"),
        };
        assert!(verify_claim(&ver, &server, &claim));
        // Any change breaks the proof.
        assert!(!verify_claim(&ver, &server, &Claim { timestamp: "Tue Nov 3 07:08:27 UTC 2026", ..claim }));
        let wrong = Verifier::with_salt(s(c, "pool"), s(c, "userId"), "not the password", &salt);
        assert!(!verify_claim(&wrong, &server, &claim));
        // Our own client side agrees with the client's A and key.
        let (a_hex, key2) = client_key(s(c, "pool"), s(c, "userId"), s(c, "password"), &parse_hex(s(c, "a")).unwrap(), s(c, "salt"), s(c, "B")).unwrap();
        assert_eq!(a_hex, s(c, "A"));
        assert_eq!(key2, key);
    }
}

#[test]
fn device_verifiers_from_the_client() {
    for d in vectors()["devices"].as_array().unwrap() {
        let given = Verifier::from_device_config(s(d, "salt"), s(d, "verifier")).unwrap();
        let salt = parse_hex(&given.salt).unwrap();
        let ours = Verifier::with_salt(s(d, "deviceGroupKey"), s(d, "deviceKey"), s(d, "password"), &salt);
        assert_eq!(ours, given);
    }
}

#[test]
fn fresh_exchange_roundtrip_and_invalid_a() {
    let ver = Verifier::new("Pool", "user-1", "Secret#1");
    let server = ServerKey::new(&ver);
    let a = BigUint::from_bytes_be(&random_bytes(128));
    let (a_hex, key) = client_key("Pool", "user-1", "Secret#1", &a, &ver.salt, &server.big_b).unwrap();
    assert_eq!(password_key(&ver, &server, &a_hex), Some(key));
    let n = GROUP.n.to_str_radix(16);
    assert_eq!(password_key(&ver, &server, &n), None, "A ≡ 0 mod N is refused");
    assert_eq!(password_key(&ver, &server, "0"), None);
    assert_eq!(password_key(&ver, &server, "zz"), None);
}

#[test]
fn pad_hex_convention() {
    assert_eq!(pad_hex(&BigUint::from(20u32)), "14");
    assert_eq!(pad_hex(&BigUint::from(236u32)), "00ec");
    assert_eq!(pad_hex(&BigUint::from(0x1ffu32)), "01ff");
}

#[test]
fn timestamps_as_the_client_formats_them() {
    // The vectors' TIMESTAMP came from the client's getNowString.
    let t = parse_timestamp(s(&vectors()["users"][0], "timestamp")).unwrap();
    assert_eq!(crate::codes::rfc3339(t * 1000), "2026-11-03T07:08:26.000Z");
    assert_eq!(parse_timestamp("Thu Jan 1 00:00:00 UTC 1970"), Some(0));
    assert_eq!(parse_timestamp("Tue Feb 29 12:00:00 UTC 2028"), Some(1_835_438_400));
    for bad in ["Wed Nov 3 07:08:26 UTC 2026", "Tue Nov 03 07:08:26 GMT 2026", "Tue Nov 3 25:08:26 UTC 2026", "", "Tue Nov 3 07:08 UTC 2026"] {
        assert_eq!(parse_timestamp(bad), None, "{bad}");
    }
    // A zero-padded day is tolerated (it is the same instant).
    assert_eq!(parse_timestamp("Tue Nov 03 07:08:26 UTC 2026"), Some(t));
    assert!(check_timestamp_at("Tue Nov 3 07:08:26 UTC 2026", t + MAX_CLOCK_SKEW_S).is_ok());
    assert!(check_timestamp_at("Tue Nov 3 07:08:26 UTC 2026", t - MAX_CLOCK_SKEW_S).is_ok());
    assert!(matches!(check_timestamp_at("Tue Nov 3 07:08:26 UTC 2026", t + MAX_CLOCK_SKEW_S + 1), Err(crate::error::AuthError::NotAuthorized(_))));
    assert_eq!(format_timestamp(t), "Tue Nov 3 07:08:26 UTC 2026");
    assert_eq!(parse_timestamp(&format_timestamp(1_835_438_400)), Some(1_835_438_400));
    assert!(matches!(check_timestamp_at("yesterday", t), Err(crate::error::AuthError::InvalidParameter(_))));
}
