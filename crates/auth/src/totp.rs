//! TOTP (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) as authenticator apps and Cognito use
//! it, with the base32 secrets AssociateSoftwareToken hands out.

use ring::hmac;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const STEP: u64 = 30;

/// RFC 4648 base32 without padding.
pub fn base32_encode(data: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in data {
        buf = (buf << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes base32 (case-insensitive, padding and spaces ignored).
pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.chars().filter(|c| *c != '=' && !c.is_whitespace()) {
        let v = ALPHABET.iter().position(|a| *a as char == c.to_ascii_uppercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buf >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// A fresh 160-bit secret, base32 (32 characters).
pub fn new_secret() -> String {
    base32_encode(&crate::crypto::random_bytes(20))
}

/// The 6-digit code for `secret` at time step `counter`.
pub fn code_at(secret: &[u8], counter: u64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &counter.to_be_bytes());
    let h = tag.as_ref();
    let off = (h[h.len() - 1] & 0x0f) as usize;
    let bin = ((h[off] as u32 & 0x7f) << 24) | ((h[off + 1] as u32) << 16) | ((h[off + 2] as u32) << 8) | h[off + 3] as u32;
    format!("{:06}", bin % 1_000_000)
}

/// Whether `code` is valid for `secret_b32` at `now_s`, allowing one step of clock drift.
pub fn verify(secret_b32: &str, code: &str, now_s: u64) -> bool {
    verify_step(secret_b32, code, now_s, 0).is_some()
}

/// The time step `code` matches (one step of drift allowed), if it is later than `used`, the
/// last step already accepted for this secret (a code is good once).
pub fn verify_step(secret_b32: &str, code: &str, now_s: u64, used: u64) -> Option<u64> {
    let secret = base32_decode(secret_b32)?;
    let code = code.trim();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let t = now_s / STEP;
    [t.saturating_sub(1), t, t + 1].into_iter().find(|c| *c > used && crate::crypto::ct_eq(code_at(&secret, *c).as_bytes(), code.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B (SHA-1 key "12345678901234567890"), last 6 digits.
        let key = b"12345678901234567890";
        assert_eq!(code_at(key, 59 / 30), "287082");
        assert_eq!(code_at(key, 1111111109 / 30), "081804");
        assert_eq!(code_at(key, 1234567890 / 30), "005924");
        assert_eq!(code_at(key, 20000000000 / 30), "353130");
    }

    #[test]
    fn base32_roundtrip_and_verify() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("mzxw6ytboi======").unwrap(), b"foobar");
        let s = new_secret();
        assert_eq!(s.len(), 32);
        let now = 1_800_000_000;
        let code = code_at(&base32_decode(&s).unwrap(), now / 30);
        assert!(verify(&s, &code, now));
        assert!(verify(&s, &code, now + 30));
        assert!(!verify(&s, &code, now + 90));
        assert!(!verify(&s, "12345", now));
        assert_eq!(verify_step(&s, &code, now, 0), Some(now / 30));
        assert_eq!(verify_step(&s, &code, now, now / 30), None, "a code is good once");
    }
}
