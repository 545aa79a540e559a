//! `defineFunction({ schedule })`: Amplify's schedule expressions and the sandbox's scheduler.
//!
//! Amplify turns every schedule into an EventBridge cron in UTC: `every 5m` → minute `*/5`,
//! `every 2h` → minute 0, hour `*/2`, `every day` → 00:00, `every week` → Sunday 00:00,
//! `every month` → the 1st at 00:00, `every year` → January 1st at 00:00; cron strings are AWS's
//! `minutes hours day-of-month month day-of-week [year]` (day-of-week 1-7 = SUN-SAT, `?` in one of
//! the day fields, `L`, `#`). The scheduler wakes at each UTC minute and invokes, asynchronously,
//! every function with a schedule matching that minute, with EventBridge's scheduled-event shape.

use std::collections::BTreeSet;

/// A parsed schedule: the minutes it fires at.
#[derive(Debug, Clone, PartialEq)]
pub struct Cron {
    minutes: BTreeSet<u32>,
    hours: BTreeSet<u32>,
    months: BTreeSet<u32>,
    years: Option<BTreeSet<u32>>,
    days: DayRule,
}

#[derive(Debug, Clone, PartialEq)]
enum DayRule {
    /// Day-of-month values; `last` for `L`.
    OfMonth { days: BTreeSet<u32>, last: bool },
    /// Day-of-week values (1 = Sunday); `nth` for `d#k`.
    OfWeek { days: BTreeSet<u32>, nth: Vec<(u32, u32)> },
}

/// A UTC calendar minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Minute {
    pub year: u32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    /// 1 = Sunday … 7 = Saturday (EventBridge's numbering).
    pub weekday: u32,
}

impl Minute {
    /// The minute containing `epoch_seconds`.
    pub fn from_epoch(epoch_seconds: i64) -> Minute {
        let days = epoch_seconds.div_euclid(86_400);
        let secs = epoch_seconds.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        Minute {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs / 60 % 60,
            weekday: ((days + 4).rem_euclid(7) + 1) as u32,
        }
    }
}

/// Parses one schedule as Amplify accepts it (`every 5m`, `every day`, `0 9 ? * MON-FRI *`).
pub fn parse(expression: &str) -> Result<Cron, String> {
    let e = expression.trim();
    if let Some(rate) = e.strip_prefix("every ") {
        return parse_rate(rate.trim()).map_err(|m| format!("schedule `{expression}`: {m}"));
    }
    parse_cron(e).map_err(|m| format!("schedule `{expression}`: {m}"))
}

fn parse_rate(rate: &str) -> Result<Cron, String> {
    let digits: String = rate.chars().take_while(|c| c.is_ascii_digit()).collect();
    let unit = &rate[digits.len()..];
    let n: u32 = if digits.is_empty() {
        1
    } else {
        digits.parse().map_err(|_| "the rate is not a number")?
    };
    if n == 0 {
        return Err("the rate must be a positive whole number".into());
    }
    let cron = match unit {
        "m" => format!("*/{n} * * * ?"),
        "h" => format!("0 */{n} * * ?"),
        "day" => "0 0 * * ?".into(),
        "week" => "0 0 ? * 1".into(),
        "month" => "0 0 1 * ?".into(),
        "year" => "0 0 1 1 ?".into(),
        _ => return Err("use `every <n>m`, `every <n>h`, `every day`, `every week`, `every month` or `every year`".into()),
    };
    parse_cron(&cron)
}

fn parse_cron(e: &str) -> Result<Cron, String> {
    let parts: Vec<&str> = e.split_whitespace().collect();
    if parts.len() != 5 && parts.len() != 6 {
        return Err("a cron expression has 5 or 6 fields: minutes hours day-of-month month day-of-week [year]".into());
    }
    let minutes = field(parts[0], 0, 59, &[], "minutes")?;
    let hours = field(parts[1], 0, 23, &[], "hours")?;
    let months = field(parts[3], 1, 12, &MONTHS, "month")?;
    let years = match parts.get(5) {
        Some(&"*") | None => None,
        Some(y) => Some(field(y, 1970, 2199, &[], "year")?),
    };
    let (dom, dow) = (parts[2], parts[4]);
    if dom != "?" && dow != "?" && dom != "*" && dow != "*" {
        return Err("cron expressions cannot have both day-of-month and day-of-week defined; use ? in one of them".into());
    }
    // As Amplify does: day-of-week applies only when day-of-month is `?`.
    let days = if dom == "?" {
        let mut nth = Vec::new();
        let mut plain = Vec::new();
        for item in dow.split(',') {
            if let Some((d, k)) = item.split_once('#') {
                let d = value(d, 1, 7, &WEEKDAYS, "day-of-week")?;
                let k: u32 = k.parse().ok().filter(|k| (1..=5).contains(k)).ok_or("day-of-week `#` takes 1-5")?;
                nth.push((d, k));
            } else {
                plain.push(item);
            }
        }
        let days = if plain.is_empty() {
            BTreeSet::new()
        } else {
            field(&plain.join(","), 1, 7, &WEEKDAYS, "day-of-week")?
        };
        DayRule::OfWeek { days, nth }
    } else {
        let last = dom.split(',').any(|i| i == "L");
        let rest: Vec<&str> = dom.split(',').filter(|i| *i != "L").map(|i| i.trim_end_matches('W')).collect();
        let days = if rest.is_empty() {
            BTreeSet::new()
        } else {
            field(&rest.join(","), 1, 31, &[], "day-of-month")?
        };
        DayRule::OfMonth { days, last }
    };
    Ok(Cron {
        minutes,
        hours,
        months,
        years,
        days,
    })
}

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn value(s: &str, min: u32, max: u32, names: &[&str], what: &str) -> Result<u32, String> {
    let v = match names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
        Some(i) => i as u32 + min,
        None => s.parse::<u32>().map_err(|_| format!("`{s}` is not a valid {what} value"))?,
    };
    if v < min || v > max {
        return Err(format!("cron field for {what} must be a whole number between {min} and {max}"));
    }
    Ok(v)
}

/// One cron field: `*`, `?`, `a`, `a-b`, `*/n`, `a/n`, `a-b/n`, comma lists.
fn field(s: &str, min: u32, max: u32, names: &[&str], what: &str) -> Result<BTreeSet<u32>, String> {
    let mut out = BTreeSet::new();
    for item in s.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, st)) => (
                r,
                st.parse::<u32>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("cron step values for {what} must be positive whole numbers"))?,
            ),
            None => (item, 1),
        };
        let (lo, hi) = match range {
            "*" | "?" => (min, max),
            r => match r.split_once('-') {
                Some((a, b)) => (value(a, min, max, names, what)?, value(b, min, max, names, what)?),
                None => {
                    let v = value(r, min, max, names, what)?;
                    (v, if item.contains('/') { max } else { v })
                }
            },
        };
        if lo > hi {
            return Err(format!("cron range for {what} must go from low to high"));
        }
        out.extend((lo..=hi).step_by(step as usize));
    }
    Ok(out)
}

impl Cron {
    /// Whether the schedule fires in minute `m`.
    pub fn matches(&self, m: &Minute) -> bool {
        if !self.minutes.contains(&m.minute) || !self.hours.contains(&m.hour) || !self.months.contains(&m.month) {
            return false;
        }
        if self.years.as_ref().is_some_and(|y| !y.contains(&m.year)) {
            return false;
        }
        match &self.days {
            DayRule::OfMonth { days, last } => days.contains(&m.day) || (*last && m.day == days_in_month(m.year, m.month)),
            DayRule::OfWeek { days, nth } => days.contains(&m.weekday) || nth.iter().any(|(d, k)| *d == m.weekday && (m.day - 1) / 7 + 1 == *k),
        }
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (u32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as u32;
    (y, m, d)
}

/// `2024-05-01T09:30:00Z`.
pub fn format_rfc3339(epoch_seconds: i64) -> String {
    let m = Minute::from_epoch(epoch_seconds);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        m.year,
        m.month,
        m.day,
        m.hour,
        m.minute,
        epoch_seconds.rem_euclid(60)
    )
}

/// The event EventBridge delivers for a schedule firing at `epoch_seconds`.
pub fn scheduled_event(function: &str, index: usize, region: &str, epoch_seconds: i64) -> serde_json::Value {
    serde_json::json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": crate::env::ACCOUNT_ID,
        "time": format_rfc3339(epoch_seconds - epoch_seconds.rem_euclid(60)),
        "region": region,
        "resources": [format!("arn:aws:events:{region}:{}:rule/{function}-schedule-{index}", crate::env::ACCOUNT_ID)],
        "detail": {}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: u32, mo: u32, d: u32, h: u32, mi: u32) -> Minute {
        // Find the epoch of that date by scanning days (tests only).
        let mut days = 0i64;
        while civil_from_days(days) != (y, mo, d) {
            days += 1;
        }
        Minute::from_epoch(days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60)
    }

    #[test]
    fn epoch_to_calendar() {
        let m = Minute::from_epoch(1_700_000_000); // 2023-11-14T22:13:20Z, a Tuesday
        assert_eq!((m.year, m.month, m.day, m.hour, m.minute, m.weekday), (2023, 11, 14, 22, 13, 3));
        assert_eq!(format_rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn rates_follow_amplify() {
        let five = parse("every 5m").unwrap();
        assert!(five.matches(&at(2024, 3, 1, 10, 35)));
        assert!(!five.matches(&at(2024, 3, 1, 10, 36)));
        let two_h = parse("every 2h").unwrap();
        assert!(two_h.matches(&at(2024, 3, 1, 14, 0)) && !two_h.matches(&at(2024, 3, 1, 15, 0)) && !two_h.matches(&at(2024, 3, 1, 14, 1)));
        assert!(parse("every day").unwrap().matches(&at(2024, 3, 9, 0, 0)));
        let week = parse("every week").unwrap();
        assert!(week.matches(&at(2024, 3, 10, 0, 0)), "2024-03-10 is a Sunday");
        assert!(!week.matches(&at(2024, 3, 11, 0, 0)));
        assert!(parse("every month").unwrap().matches(&at(2024, 4, 1, 0, 0)));
        assert!(parse("every year").unwrap().matches(&at(2025, 1, 1, 0, 0)));
        assert!(parse("every 0m").is_err());
        assert!(parse("every 5s").is_err());
    }

    #[test]
    fn cron_expressions() {
        let weekdays = parse("0 9 ? * MON-FRI *").unwrap();
        assert!(weekdays.matches(&at(2024, 3, 11, 9, 0)));
        assert!(!weekdays.matches(&at(2024, 3, 10, 9, 0)));
        let last = parse("30 23 L * ? *").unwrap();
        assert!(last.matches(&at(2024, 2, 29, 23, 30)) && !last.matches(&at(2024, 2, 28, 23, 30)));
        let nth = parse("0 12 ? * 2#1").unwrap();
        assert!(nth.matches(&at(2024, 3, 4, 12, 0)) && !nth.matches(&at(2024, 3, 11, 12, 0)));
        let list = parse("0,15,30-31 * * * ?").unwrap();
        assert!(list.matches(&at(2024, 1, 1, 5, 31)) && !list.matches(&at(2024, 1, 1, 5, 32)));
        assert!(parse("0 9 * * ? 2023").unwrap().matches(&at(2023, 6, 1, 9, 0)));
        assert!(!parse("0 9 * * ? 2023").unwrap().matches(&at(2024, 6, 1, 9, 0)));
        assert!(parse("61 * * * ?").unwrap_err().contains("between 0 and 59"));
        assert!(parse("0 9 1 * MON").unwrap_err().contains("both day-of-month and day-of-week"));
        assert!(parse("0 9 * *").is_err());
    }
}
