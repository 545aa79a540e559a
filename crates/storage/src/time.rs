//! Clock and the two date formats S3 writes: ISO 8601 in XML, RFC 7231 in headers.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub fn now_s() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// `2026-11-23T09:05:01.123Z`.
pub fn iso8601(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
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

/// `Mon, 23 Nov 2026 09:05:01 GMT`.
pub fn http_date(ms: i64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(ms.max(0) as u64 / 1000))
}

/// Seconds since the epoch of an HTTP date.
pub fn parse_http_date(s: &str) -> Option<i64> {
    httpdate::parse_http_date(s).ok()?.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats() {
        assert_eq!(super::iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::iso8601(1_440_938_160_123), "2015-08-30T12:36:00.123Z");
        assert_eq!(super::http_date(1_440_938_160_000), "Sun, 30 Aug 2015 12:36:00 GMT");
        assert_eq!(super::parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT"), Some(1_440_938_160));
    }
}
