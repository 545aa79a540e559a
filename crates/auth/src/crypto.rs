//! Small cryptographic helpers shared by the service: randomness, encodings, hashes, constant-time
//! comparison, and the slow password hash (Argon2id) kept beside the SRP verifier.
//!
//! Passwords are never stored in a recoverable form: the user record holds the SRP verifier
//! `g^x mod N` (for USER_SRP_AUTH) and an Argon2id hash (for USER_PASSWORD_AUTH, ChangePassword).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// `n` bytes from the operating system's CSPRNG.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    SystemRandom::new().fill(&mut buf).expect("the system RNG failed");
    buf
}

/// A random string over `alphabet` (uniform, by rejection sampling).
pub fn random_string(len: usize, alphabet: &[u8]) -> String {
    let limit = 256 - (256 % alphabet.len());
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in random_bytes(len * 2) {
            if (b as usize) < limit && out.len() < len {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

/// A numeric verification code of `digits` digits (Cognito sends 6).
pub fn random_code(digits: usize) -> String {
    random_string(digits, b"0123456789")
}

pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes standard or URL-safe base64, with or without padding.
pub fn b64_decode_any(s: &str) -> Option<Vec<u8>> {
    let cleaned: String = s.trim_end_matches('=').chars().map(|c| match c {
        '+' => '-',
        '/' => '_',
        c => c,
    }).collect();
    URL_SAFE_NO_PAD.decode(cleaned.as_bytes()).ok()
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    let tag = ring::hmac::sign(&k, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

/// Constant-time equality of two byte strings (length may leak, content does not).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// An Argon2id password hash with its parameters, as stored in the user record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PasswordHash {
    /// Base64 salt (16 bytes).
    pub salt: String,
    /// Base64 hash (32 bytes).
    pub hash: String,
    /// Memory in KiB, iterations, lanes.
    pub m: u32,
    pub t: u32,
    pub p: u32,
}

/// OWASP's minimum Argon2id configuration (19 MiB, 2 iterations, 1 lane).
const ARGON_M: u32 = 19 * 1024;
const ARGON_T: u32 = 2;
const ARGON_P: u32 = 1;

fn argon2(password: &str, salt: &[u8], m: u32, t: u32, p: u32) -> [u8; 32] {
    let params = argon2::Params::new(m, t, p, Some(32)).expect("valid argon2 parameters");
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = [0u8; 32];
    a.hash_password_into(password.as_bytes(), salt, &mut out).expect("argon2 hashing");
    out
}

impl PasswordHash {
    /// Hashes `password` with a fresh salt (slow: call off the async runtime).
    pub fn new(password: &str) -> PasswordHash {
        let salt = random_bytes(16);
        let hash = argon2(password, &salt, ARGON_M, ARGON_T, ARGON_P);
        PasswordHash { salt: b64(&salt), hash: b64(&hash), m: ARGON_M, t: ARGON_T, p: ARGON_P }
    }

    /// Whether `password` matches (slow, constant-time comparison).
    pub fn verify(&self, password: &str) -> bool {
        let (Some(salt), Some(want)) = (b64_decode_any(&self.salt), b64_decode_any(&self.hash)) else {
            return false;
        };
        let got = argon2(password, &salt, self.m, self.t, self.p);
        ct_eq(&got, &want)
    }
}

/// Runs a CPU-heavy closure on the blocking pool.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("blocking crypto task panicked")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_roundtrip() {
        let h = PasswordHash::new("Secret#123");
        assert!(h.verify("Secret#123"));
        assert!(!h.verify("Secret#124"));
        assert_ne!(PasswordHash::new("Secret#123").salt, h.salt);
    }

    #[test]
    fn base64_variants() {
        let bytes = random_bytes(40);
        assert_eq!(b64_decode_any(&b64(&bytes)).unwrap(), bytes);
        assert_eq!(b64_decode_any(&b64url(&bytes)).unwrap(), bytes);
    }

    #[test]
    fn codes_are_digits() {
        let c = random_code(6);
        assert_eq!(c.len(), 6);
        assert!(c.chars().all(|c| c.is_ascii_digit()));
    }
}
