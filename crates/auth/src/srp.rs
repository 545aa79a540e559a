//! SRP-6a exactly as the aws-amplify client computes it (Cognito's variant).
//!
//! Group: the 3072-bit MODP prime of RFC 3526 with g = 2; SHA-256 throughout. `PAD(x)` is the
//! Java `BigInteger.toByteArray` hex convention (even length, `00` prefix when the top bit is
//! set), and hashing "over hex" hashes the bytes the hex decodes to.
//!
//! - x = H(PAD(salt) ‖ H(poolName ‖ userId ‖ ":" ‖ password)), v = g^x
//! - k = H(PAD(N) ‖ PAD(g)), B = k·v + g^b, u = H(PAD(A) ‖ PAD(B)), S = (A·v^u)^b
//! - key = first 16 bytes of HMAC(HMAC(PAD(u), PAD(S)), "Caldera Derived Key" ‖ 0x01)
//! - signature = base64 HMAC(key, poolName ‖ userId ‖ secretBlock ‖ timestamp)
//!
//! Device SRP uses the same math with poolName := DeviceGroupKey, userId := DeviceKey.

use std::sync::LazyLock;

use num_bigint::BigUint;
use num_traits::Zero;

use crate::crypto::{b64, ct_eq, hmac_sha256, random_bytes, sha256};

const N_HEX: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

struct Group {
    n: BigUint,
    g: BigUint,
    k: BigUint,
}

static GROUP: LazyLock<Group> = LazyLock::new(|| {
    let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("N");
    let g = BigUint::from(2u32);
    let k = hash_hex_int(&format!("{}{}", pad_hex(&n), pad_hex(&g)));
    Group { n, g, k }
});

/// Hex of `x` left-padded to even length, with `00` prepended when the top bit is set.
pub fn pad_hex(x: &BigUint) -> String {
    let mut h = x.to_str_radix(16);
    if h.len() % 2 == 1 {
        h.insert(0, '0');
    }
    if matches!(h.as_bytes()[0], b'8'..=b'9' | b'a'..=b'f') {
        h.insert_str(0, "00");
    }
    h
}

fn hex_bytes(h: &str) -> Vec<u8> {
    hex::decode(h).expect("even-length hex")
}

fn hash_hex_int(h: &str) -> BigUint {
    BigUint::from_bytes_be(&sha256(&hex_bytes(h)))
}

/// Parses client-supplied hex (any case, odd length allowed).
pub fn parse_hex(h: &str) -> Option<BigUint> {
    if h.is_empty() || h.len() > 2048 {
        return None;
    }
    BigUint::parse_bytes(h.as_bytes(), 16)
}

/// x = H(PAD(salt) ‖ hex(H(poolName ‖ userId ‖ ":" ‖ password))).
pub fn compute_x(pool_name: &str, user_id: &str, password: &str, salt: &BigUint) -> BigUint {
    let inner = hex::encode(sha256(format!("{pool_name}{user_id}:{password}").as_bytes()));
    hash_hex_int(&format!("{}{}", pad_hex(salt), inner))
}

/// What the server stores instead of a password: the salt and v = g^x, as hex.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Verifier {
    /// `PAD(salt)`, sent to the client as `SALT`.
    pub salt: String,
    /// Hex of v.
    pub verifier: String,
}

impl Verifier {
    /// A verifier with a fresh 16-byte salt.
    pub fn new(pool_name: &str, user_id: &str, password: &str) -> Verifier {
        let salt = BigUint::from_bytes_be(&random_bytes(16));
        Verifier::with_salt(pool_name, user_id, password, &salt)
    }

    pub fn with_salt(pool_name: &str, user_id: &str, password: &str, salt: &BigUint) -> Verifier {
        let x = compute_x(pool_name, user_id, password, salt);
        let v = GROUP.g.modpow(&x, &GROUP.n);
        Verifier { salt: pad_hex(salt), verifier: pad_hex(&v) }
    }

    /// A device verifier as sent by ConfirmDevice (`Salt`, `PasswordVerifier`, both base64).
    pub fn from_device_config(salt_b64: &str, verifier_b64: &str) -> Option<Verifier> {
        let salt = crate::crypto::b64_decode_any(salt_b64)?;
        let v = crate::crypto::b64_decode_any(verifier_b64)?;
        if salt.is_empty() || v.is_empty() {
            return None;
        }
        Some(Verifier { salt: pad_hex(&BigUint::from_bytes_be(&salt)), verifier: pad_hex(&BigUint::from_bytes_be(&v)) })
    }

    fn v(&self) -> BigUint {
        parse_hex(&self.verifier).unwrap_or_default()
    }
}

/// The server's half of one exchange: secret `b` and public `B`, as hex (stored with the session).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ServerKey {
    pub b: String,
    pub big_b: String,
}

impl ServerKey {
    /// Fresh b (64 random bytes) and B = k·v + g^b mod N for `verifier`.
    pub fn new(verifier: &Verifier) -> ServerKey {
        loop {
            let b = BigUint::from_bytes_be(&random_bytes(64));
            let key = ServerKey::with_b(verifier, &b);
            if !parse_hex(&key.big_b).unwrap_or_default().is_zero() {
                return key;
            }
        }
    }

    pub fn with_b(verifier: &Verifier, b: &BigUint) -> ServerKey {
        let g = &*GROUP;
        let big_b = (&g.k * verifier.v() + g.g.modpow(b, &g.n)) % &g.n;
        ServerKey { b: b.to_str_radix(16), big_b: big_b.to_str_radix(16) }
    }
}

/// The 16-byte HKDF key both sides derive, or `None` when A is invalid (A ≡ 0 mod N, u = 0).
pub fn password_key(verifier: &Verifier, server: &ServerKey, a_hex: &str) -> Option<[u8; 16]> {
    let g = &*GROUP;
    let a = parse_hex(a_hex)?;
    if (&a % &g.n).is_zero() {
        return None;
    }
    let b = parse_hex(&server.b)?;
    let big_b = parse_hex(&server.big_b)?;
    let u = hash_hex_int(&format!("{}{}", pad_hex(&a), pad_hex(&big_b)));
    if u.is_zero() {
        return None;
    }
    let s = ((&a * verifier.v().modpow(&u, &g.n)) % &g.n).modpow(&b, &g.n);
    let prk = hmac_sha256(&hex_bytes(&pad_hex(&u)), &hex_bytes(&pad_hex(&s)));
    let okm = hmac_sha256(&prk, b"Caldera Derived Key\x01");
    let mut key = [0u8; 16];
    key.copy_from_slice(&okm[..16]);
    Some(key)
}

/// `PASSWORD_CLAIM_SIGNATURE` for the given inputs (base64).
pub fn claim_signature(key: &[u8; 16], pool_name: &str, user_id: &str, secret_block: &[u8], timestamp: &str) -> String {
    let mut msg = Vec::with_capacity(pool_name.len() + user_id.len() + secret_block.len() + timestamp.len());
    msg.extend_from_slice(pool_name.as_bytes());
    msg.extend_from_slice(user_id.as_bytes());
    msg.extend_from_slice(secret_block);
    msg.extend_from_slice(timestamp.as_bytes());
    b64(&hmac_sha256(key, &msg))
}

/// Everything the client sent in answer to a PASSWORD_VERIFIER (or DEVICE_PASSWORD_VERIFIER).
pub struct Claim<'a> {
    pub pool_name: &'a str,
    pub user_id: &'a str,
    pub a_hex: &'a str,
    pub secret_block: &'a [u8],
    pub timestamp: &'a str,
    pub signature: &'a str,
}

/// Whether the client proved knowledge of the password (constant-time comparison).
pub fn verify_claim(verifier: &Verifier, server: &ServerKey, claim: &Claim) -> bool {
    let Some(key) = password_key(verifier, server, claim.a_hex) else {
        return false;
    };
    let want = claim_signature(&key, claim.pool_name, claim.user_id, claim.secret_block, claim.timestamp);
    ct_eq(want.as_bytes(), claim.signature.trim().as_bytes())
}

/// Largest difference between a claim's `TIMESTAMP` and the server clock (AWS's usual 5 minutes).
pub const MAX_CLOCK_SKEW_S: i64 = 300;

/// Parses the client's `TIMESTAMP` (`Tue Nov 3 07:08:26 UTC 2026`, day not zero-padded, English
/// names) into epoch seconds.
pub fn parse_timestamp(ts: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    let parts: Vec<&str> = ts.split_whitespace().collect();
    let [dow, mon, day, hms, "UTC", year] = parts.as_slice() else { return None };
    let m = MONTHS.iter().position(|x| x == mon)? as i64 + 1;
    let d: i64 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    let y: i64 = year.parse().ok().filter(|y| (1970..=9999).contains(y))?;
    let hms: Vec<i64> = hms.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [h, mi, se] = hms.as_slice() else { return None };
    if *h > 23 || *mi > 59 || *se > 60 {
        return None;
    }
    // Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    let (yy, mm) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    if DAYS[(days + 4).rem_euclid(7) as usize] != *dow {
        return None;
    }
    Some(days * 86_400 + h * 3600 + mi * 60 + se)
}

/// Refuses a malformed `TIMESTAMP` or one more than [`MAX_CLOCK_SKEW_S`] from `now_s` (a replayed
/// or badly skewed claim), as Cognito does.
pub fn check_timestamp_at(ts: &str, now_s: i64) -> Result<(), crate::error::AuthError> {
    let t = parse_timestamp(ts).ok_or_else(|| crate::error::AuthError::InvalidParameter("TIMESTAMP format is invalid: expected 'EEE MMM d HH:mm:ss UTC yyyy'.".into()))?;
    if (t - now_s).abs() > MAX_CLOCK_SKEW_S {
        return Err(crate::error::AuthError::NotAuthorized("TIMESTAMP is more than 5 minutes from the server's time; check the device clock.".into()));
    }
    Ok(())
}

/// Formats epoch seconds as the client's `TIMESTAMP` (the inverse of [`parse_timestamp`]).
pub fn format_timestamp(t: i64) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    let iso = crate::codes::rfc3339(t * 1000);
    let (y, m, d) = (&iso[0..4], iso[5..7].parse::<usize>().unwrap_or(1), iso[8..10].parse::<u32>().unwrap_or(1));
    format!("{} {} {d} {} UTC {y}", DAYS[t.div_euclid(86_400).rem_euclid(7) as usize], MONTHS[m - 1], &iso[11..19])
}

pub fn check_timestamp(ts: &str) -> Result<(), crate::error::AuthError> {
    check_timestamp_at(ts, crate::pool::now_s())
}

/// A = g^a mod N as the client sends it (`SRP_A`: lowercase hex, unpadded).
pub fn client_public(a: &BigUint) -> String {
    GROUP.g.modpow(a, &GROUP.n).to_str_radix(16)
}

/// The client's side (A = g^a and the key from B), used by tests and the admin tooling.
pub fn client_key(pool_name: &str, user_id: &str, password: &str, a: &BigUint, salt_hex: &str, big_b_hex: &str) -> Option<(String, [u8; 16])> {
    let g = &*GROUP;
    let big_a = g.g.modpow(a, &g.n);
    let big_b = parse_hex(big_b_hex)?;
    let salt = parse_hex(salt_hex)?;
    let u = hash_hex_int(&format!("{}{}", pad_hex(&big_a), pad_hex(&big_b)));
    let x = compute_x(pool_name, user_id, password, &salt);
    let kgx = (&g.k * g.g.modpow(&x, &g.n)) % &g.n;
    let base = (&big_b + &g.n - kgx) % &g.n;
    let s = base.modpow(&(a + &u * &x), &g.n);
    let prk = hmac_sha256(&hex_bytes(&pad_hex(&u)), &hex_bytes(&pad_hex(&s)));
    let okm = hmac_sha256(&prk, b"Caldera Derived Key\x01");
    let mut key = [0u8; 16];
    key.copy_from_slice(&okm[..16]);
    Some((big_a.to_str_radix(16), key))
}

#[cfg(test)]
#[path = "srp_tests.rs"]
mod tests;
