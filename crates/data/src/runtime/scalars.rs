//! AppSync's scalars: which input values each accepts (as AppSync documents them), and how stored
//! values are shaped on the way in and out.
//!
//! - `AWSDate` `YYYY-MM-DD`, `AWSTime` `hh:mm[:ss[.sss]]`, `AWSDateTime` date `T` time; each
//!   takes an optional zone (`Z` or `±hh:mm[:ss]`), which `AWSDateTime` requires.
//! - `AWSTimestamp` an integer (seconds since the epoch), `AWSEmail` `local@domain`,
//!   `AWSJSON` a string holding JSON (stored parsed, returned as a string again),
//!   `AWSPhone` digits with optional `+`, spaces, hyphens, dots and parentheses,
//!   `AWSURL` `scheme:rest`, `AWSIPAddress` IPv4 or IPv6, optionally with a `/prefix`.

use async_graphql::Value as GqlValue;
use serde_json::Value;

/// The AWS scalars the runtime registers (the GraphQL built-ins come with async-graphql).
pub const AWS_SCALARS: [&str; 9] =
    ["AWSDate", "AWSTime", "AWSDateTime", "AWSTimestamp", "AWSEmail", "AWSJSON", "AWSPhone", "AWSURL", "AWSIPAddress"];

/// Whether `v` is a valid input value for the AWS scalar `name`.
pub fn valid(name: &str, v: &GqlValue) -> bool {
    match (name, v) {
        ("AWSTimestamp", GqlValue::Number(n)) => n.is_i64() || n.is_u64(),
        ("AWSTimestamp", _) => false,
        (_, GqlValue::String(s)) => valid_str(name, s),
        _ => false,
    }
}

fn valid_str(name: &str, s: &str) -> bool {
    match name {
        "AWSDate" => date_with_zone(s),
        "AWSTime" => time_with_zone(s),
        "AWSDateTime" => date_time(s),
        "AWSEmail" => email(s),
        "AWSJSON" => serde_json::from_str::<Value>(s).is_ok(),
        "AWSPhone" => phone(s),
        "AWSURL" => url(s),
        "AWSIPAddress" => ip(s),
        _ => false,
    }
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

fn date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(y), Some(m), Some(d)) = (digits(&s[..4], 4), digits(&s[5..7], 2), digits(&s[8..], 2)) else { return false };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// `hh:mm[:ss[.fraction]]`.
fn time(s: &str) -> bool {
    let (main, frac) = match s.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (s, None),
    };
    let parts: Vec<&str> = main.split(':').collect();
    let ok = match parts.as_slice() {
        [h, m] => digits(h, 2).is_some_and(|h| h < 24) && digits(m, 2).is_some_and(|m| m < 60) && frac.is_none(),
        [h, m, sec] => {
            digits(h, 2).is_some_and(|h| h < 24) && digits(m, 2).is_some_and(|m| m < 60) && digits(sec, 2).is_some_and(|s| s < 61)
        }
        _ => false,
    };
    ok && frac.is_none_or(|f| !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()))
}

/// Splits off a zone designator (`Z`, `±hh:mm`, `±hh:mm:ss`), checking it.
fn split_zone(s: &str) -> Option<(&str, bool)> {
    if let Some(rest) = s.strip_suffix('Z') {
        return Some((rest, true));
    }
    if let Some(i) = s.rfind(['+', '-']) {
        // A `-` inside the date part is not a zone.
        let zone = &s[i + 1..];
        let parts: Vec<&str> = zone.split(':').collect();
        let zone_ok = match parts.as_slice() {
            [h, m] => digits(h, 2).is_some_and(|h| h < 24) && digits(m, 2).is_some_and(|m| m < 60),
            [h, m, sec] => digits(h, 2).is_some_and(|h| h < 24) && digits(m, 2).is_some_and(|m| m < 60) && digits(sec, 2).is_some_and(|x| x < 60),
            _ => false,
        };
        if zone_ok && i >= 5 {
            return Some((&s[..i], true));
        }
    }
    Some((s, false))
}

fn date_with_zone(s: &str) -> bool {
    if date(s) {
        return true;
    }
    matches!(split_zone(s), Some((d, true)) if date(d))
}

fn time_with_zone(s: &str) -> bool {
    if time(s) {
        return true;
    }
    matches!(split_zone(s), Some((t, true)) if time(t))
}

fn date_time(s: &str) -> bool {
    let Some((rest, true)) = split_zone(s) else { return false };
    let Some((d, t)) = rest.split_once('T') else { return false };
    date(d) && time(t)
}

fn email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else { return false };
    let atom = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c);
    !local.is_empty()
        && local.chars().all(atom)
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !domain.is_empty()
        && domain.split('.').all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') && !l.starts_with('-'))
}

fn phone(s: &str) -> bool {
    let body = s.strip_prefix('+').unwrap_or(s);
    let n_digits = body.chars().filter(char::is_ascii_digit).count();
    (4..=20).contains(&n_digits) && body.chars().all(|c| c.is_ascii_digit() || " -.()".contains(c))
}

fn url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else { return false };
    let mut cs = scheme.chars();
    cs.next().is_some_and(|c| c.is_ascii_alphabetic())
        && cs.all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        && !rest.is_empty()
        && !s.chars().any(char::is_whitespace)
}

fn ip(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let max = if addr.parse::<std::net::Ipv4Addr>().is_ok() {
        32
    } else if addr.parse::<std::net::Ipv6Addr>().is_ok() {
        128
    } else {
        return false;
    };
    prefix.is_none_or(|p| p.parse::<u32>().is_ok_and(|n| n <= max) && !p.starts_with('+'))
}

/// The stored form of an input value of scalar `name`: `AWSJSON` strings are parsed (AppSync
/// stores the JSON itself), `ID`s are strings; everything else as given.
pub fn to_stored(name: &str, v: Value) -> Value {
    match (name, v) {
        ("AWSJSON", Value::String(s)) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
        ("ID", Value::Number(n)) => Value::String(n.to_string()),
        (_, v) => v,
    }
}

/// The output form of a stored value of scalar `name` (`AWSJSON` back to a JSON string).
pub fn to_output(name: &str, v: &Value) -> GqlValue {
    match name {
        "AWSJSON" => GqlValue::String(v.to_string()),
        _ => GqlValue::from_json(v.clone()).unwrap_or(GqlValue::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> GqlValue {
        GqlValue::String(v.into())
    }

    #[test]
    fn dates_and_times() {
        for ok in ["2024-02-29", "1970-01-01Z", "2024-12-31+01:00", "2024-12-31-05:30:10"] {
            assert!(valid("AWSDate", &s(ok)), "{ok}");
        }
        for bad in ["2023-02-29", "2024-13-01", "2024-1-01", "20240101", "2024-01-01T00:00Z", ""] {
            assert!(!valid("AWSDate", &s(bad)), "{bad}");
        }
        for ok in ["12:30", "12:30:15", "12:30:15.123", "23:59:59.999Z", "08:00:00+05:30"] {
            assert!(valid("AWSTime", &s(ok)), "{ok}");
        }
        for bad in ["24:00", "12:60", "12:30:15.", "1230", "12:30.5"] {
            assert!(!valid("AWSTime", &s(bad)), "{bad}");
        }
        for ok in ["2024-05-01T12:30:00Z", "2024-05-01T12:30:00.123Z", "2024-05-01T12:30+02:00", "2024-05-01T12:30:00-07:00"] {
            assert!(valid("AWSDateTime", &s(ok)), "{ok}");
        }
        for bad in ["2024-05-01T12:30:00", "2024-05-01 12:30:00Z", "2024-05-01Z", "yesterday"] {
            assert!(!valid("AWSDateTime", &s(bad)), "{bad}");
        }
    }

    #[test]
    fn other_scalars() {
        assert!(valid("AWSTimestamp", &GqlValue::from(1_700_000_000)));
        assert!(!valid("AWSTimestamp", &GqlValue::from(1.5)));
        assert!(!valid("AWSTimestamp", &s("1700000000")));
        assert!(valid("AWSEmail", &s("a.b+c@example.co.uk")));
        for bad in ["a@", "@b.com", "a b@c.com", "a@b..com", "plain"] {
            assert!(!valid("AWSEmail", &s(bad)), "{bad}");
        }
        assert!(valid("AWSJSON", &s(r#"{"a":[1,2]}"#)));
        assert!(valid("AWSJSON", &s("3")));
        assert!(!valid("AWSJSON", &s("{a:1}")));
        assert!(!valid("AWSJSON", &GqlValue::from(3)));
        for ok in ["+1 555-123-4567", "(555) 123.4567", "+447911123456"] {
            assert!(valid("AWSPhone", &s(ok)), "{ok}");
        }
        for bad in ["phone", "12", "+1 555 abc 4567"] {
            assert!(!valid("AWSPhone", &s(bad)), "{bad}");
        }
        for ok in ["https://example.com/x?y=1", "mailto:a@b.c", "ftp://h"] {
            assert!(valid("AWSURL", &s(ok)), "{ok}");
        }
        for bad in ["example.com", "http:", "1http://x", "http://a b"] {
            assert!(!valid("AWSURL", &s(bad)), "{bad}");
        }
        for ok in ["127.0.0.1", "10.0.0.0/8", "::1", "2001:db8::/32"] {
            assert!(valid("AWSIPAddress", &s(ok)), "{ok}");
        }
        for bad in ["256.0.0.1", "10.0.0.0/33", "::1/129", "host"] {
            assert!(!valid("AWSIPAddress", &s(bad)), "{bad}");
        }
    }

    #[test]
    fn stored_and_output_forms() {
        assert_eq!(to_stored("AWSJSON", Value::String(r#"{"a":1}"#.into())), serde_json::json!({"a": 1}));
        assert_eq!(to_stored("ID", serde_json::json!(5)), serde_json::json!("5"));
        assert_eq!(to_output("AWSJSON", &serde_json::json!({"a": 1})), GqlValue::String(r#"{"a":1}"#.into()));
    }
}
