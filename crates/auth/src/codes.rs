//! Verification codes and the development outbox.
//!
//! A code is six digits, stored only as a hash, expires, is single-use, and is voided after
//! five wrong tries. In sandbox mode every message "sent" goes to the outbox: printed on the
//! sandbox's stderr and readable at `GET /_ampstack/outbox?to=ADDRESS` (newest first), unless
//! SMTP is configured ([`crate::mail`]).

use serde_json::{json, Value};
use store::{Condition, QuerySpec};

use crate::crypto::{b64url, ct_eq, random_code, sha256};
use crate::error::AuthError;
use crate::pool::{now_ms, tables, Pool};

/// Wrong tries before a code is voided.
const MAX_TRIES: i64 = 5;

/// Lifetimes (seconds), Cognito's: sign-up and attribute codes 24 h, password reset 1 h, MFA and
/// sign-in OTP codes 3 min. `AMPSTACK_CODE_TTL_SECONDS` replaces all of them (tests use it to see
/// codes expire).
pub const TTL_CONFIRM: i64 = 24 * 3600;
pub const TTL_RESET: i64 = 3600;
pub const TTL_OTP: i64 = 180;

/// The lifetime a code of `default_s` seconds gets, given the `AMPSTACK_CODE_TTL_SECONDS` value.
fn lifetime(default_s: i64, override_s: Option<&str>) -> i64 {
    override_s.and_then(|v| v.trim().parse::<i64>().ok()).filter(|v| *v > 0).unwrap_or(default_s)
}

fn hash(code: &str) -> String {
    b64url(&sha256(code.trim().as_bytes()))
}

/// Creates (replacing any previous) code for `purpose` of user `sub` and sends it to `to`.
/// `body` contains `{####}` where the code goes. Returns the code.
pub async fn send(pool: &Pool, purpose: &str, sub: &str, to: &str, subject: &str, body: &str, ttl_s: i64) -> Result<String, AuthError> {
    let code = random_code(6);
    let ttl_s = lifetime(ttl_s, std::env::var("AMPSTACK_CODE_TTL_SECONDS").ok().as_deref());
    let data = json!({ "hash": hash(&code), "expires": now_ms() + ttl_s * 1000, "tries": 0, "to": to });
    pool.store().put(tables::CODES, pool.id(), &format!("{purpose}#{sub}"), data, &Condition::None).await?;
    deliver(pool, to, subject, &body.replace("{####}", &code), Some(&code)).await?;
    Ok(code)
}

/// Checks and consumes a code. Wrong: `CodeMismatchException`; expired, used or voided:
/// `ExpiredCodeException`.
pub async fn check(pool: &Pool, purpose: &str, sub: &str, code: &str) -> Result<(), AuthError> {
    let key = format!("{purpose}#{sub}");
    let expired = || AuthError::ExpiredCode("Invalid code provided, please request a code again.".into());
    let Some(item) = pool.store().get(tables::CODES, pool.id(), &key).await? else {
        return Err(expired());
    };
    let d = &item.data;
    if d.get("expires").and_then(Value::as_i64).unwrap_or(0) <= now_ms() {
        pool.store().delete(tables::CODES, pool.id(), &key, &Condition::None).await?;
        return Err(expired());
    }
    let want = d.get("hash").and_then(Value::as_str).unwrap_or_default();
    if ct_eq(hash(code).as_bytes(), want.as_bytes()) {
        // Single use: only the request that deletes this exact version wins.
        return match pool.store().delete(tables::CODES, pool.id(), &key, &Condition::VersionIs(item.version)).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) | Err(store::StoreError::ConditionFailed) => Err(expired()),
            Err(e) => Err(e.into()),
        };
    }
    let tries = d.get("tries").and_then(Value::as_i64).unwrap_or(0) + 1;
    if tries >= MAX_TRIES {
        pool.store().delete(tables::CODES, pool.id(), &key, &Condition::None).await?;
    } else {
        let mut next = d.clone();
        next["tries"] = json!(tries);
        let _ = pool.store().put(tables::CODES, pool.id(), &key, next, &Condition::VersionIs(item.version)).await;
    }
    Err(AuthError::CodeMismatch("Invalid verification code provided, please try again.".into()))
}

/// Whether a pending code exists (used to tell "never requested" from "wrong").
pub async fn pending(pool: &Pool, purpose: &str, sub: &str) -> Result<bool, AuthError> {
    Ok(pool.store().get(tables::CODES, pool.id(), &format!("{purpose}#{sub}")).await?.is_some())
}

fn outbox_pk(pool: &Pool, to: &str) -> String {
    format!("{}|{}", pool.id(), to.trim().to_lowercase())
}

/// Delivers a message: by SMTP when configured, else to the outbox (printed on stderr) in sandbox
/// mode; production mode never uses the outbox (see [`crate::mail`]).
pub async fn deliver(pool: &Pool, to: &str, subject: &str, body: &str, code: Option<&str>) -> Result<(), AuthError> {
    match crate::mail::delivery_for(to) {
        crate::mail::Delivery::Smtp { url, from } => {
            crate::mail::send_smtp(&url, &from, to, subject, body).await?;
            eprintln!("[ampstack] message to {to} sent by SMTP: {subject}");
            Ok(())
        }
        crate::mail::Delivery::Unavailable => {
            Err(AuthError::CodeDeliveryFailure(format!("No delivery is configured for {} (set AMPSTACK_SMTP_URL).", crate::users::mask(to))))
        }
        crate::mail::Delivery::Outbox => to_outbox(pool, to, subject, body, code).await,
    }
}

/// Puts a message in the development outbox and prints it on stderr.
async fn to_outbox(pool: &Pool, to: &str, subject: &str, body: &str, code: Option<&str>) -> Result<(), AuthError> {
    let now = now_ms();
    let msg = json!({ "to": to, "subject": subject, "body": body, "code": code, "sentAt": rfc3339(now) });
    let sk = format!("{now:015}#{}", uuid::Uuid::new_v4().simple());
    pool.store().put(tables::OUTBOX, &outbox_pk(pool, to), &sk, msg, &Condition::None).await?;
    eprintln!("[ampstack] message to {to}: {subject}: {body}");
    Ok(())
}

/// Messages sent to `to`, newest first.
pub async fn outbox(pool: &Pool, to: &str) -> Result<Vec<Value>, AuthError> {
    let spec = QuerySpec { partition: Some(Value::String(outbox_pk(pool, to))), descending: true, limit: Some(100), ..Default::default() };
    Ok(pool.store().query(tables::OUTBOX, &spec).await?.items.into_iter().map(|i| i.data).collect())
}

/// `2026-11-03T07:08:26.123Z` for epoch milliseconds.
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z", rem / 3600, rem % 3600 / 60, rem % 60, ms.rem_euclid(1000))
}

#[cfg(test)]
mod tests {
    #[test]
    fn code_lifetime_override() {
        assert_eq!(super::lifetime(super::TTL_CONFIRM, None), 86_400);
        assert_eq!(super::lifetime(super::TTL_OTP, Some("2")), 2);
        assert_eq!(super::lifetime(super::TTL_RESET, Some("0")), 3600);
        assert_eq!(super::lifetime(super::TTL_RESET, Some("soon")), 3600);
    }

    #[test]
    fn rfc3339_dates() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::rfc3339(1_795_849_706_123), "2026-11-28T07:08:26.123Z");
        assert_eq!(super::rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
