//! Commit metadata and dates: the author, date and message a history finding names, and the
//! `--since` argument. Dates are `jiff`'s: git records seconds and a UTC offset, reports
//! show RFC 3339 in the author's offset.

use crate::finding::{escape_control, CommitInfo};
use anyhow::{anyhow, Result};
use jiff::civil::{Date, DateTime};
use jiff::tz::{Offset, TimeZone};
use jiff::{Span, Timestamp, Zoned};

/// What a report says of a commit, escaped for terminals: anyone can write anything in a
/// commit, and it is printed.
pub fn commit_info(c: &git2::Commit) -> CommitInfo {
    let author = c.author();
    let msg = c.message_bytes();
    let first = msg.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let text = |b: &[u8]| escape_control(String::from_utf8_lossy(b).trim());
    CommitInfo {
        id: c.id().to_string(),
        author: text(author.name_bytes()),
        email: text(author.email_bytes()),
        date: rfc3339(author.when().seconds(), author.when().offset_minutes()),
        message: text(first),
        time: author.when().seconds().max(c.committer().when().seconds()),
    }
}

/// RFC 3339 in the given offset from UTC, as git records author dates. Out-of-range input
/// (a forged commit can hold any number) is shown in UTC, or as the raw seconds.
pub fn rfc3339(secs: i64, offset_minutes: i32) -> String {
    let Ok(ts) = Timestamp::from_second(secs) else {
        return format!("@{secs}");
    };
    let offset = Offset::from_seconds(offset_minutes.saturating_mul(60)).unwrap_or(Offset::UTC);
    ts.to_zoned(TimeZone::fixed(offset))
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// The `--since` flag of `history` and `audit`, if given, as seconds since the epoch.
pub fn since_flag(flag: Option<&str>) -> Result<Option<i64>> {
    flag.map(|s| parse_since(s, Timestamp::now())).transpose()
}

/// Parses `--since` as seconds since the epoch, relative to `now`. Accepts what `git log
/// --since` users write most: a day (`2024-01-31`, midnight UTC), a time
/// (`2024-01-31T12:00:00Z`, `2024-01-31 12:00` in UTC, or with an offset), `now`, `today`,
/// `yesterday`, and a relative age (`2 weeks ago`, `3 days`, `1 year 2 months ago`, `90m`).
pub fn parse_since(s: &str, now: Timestamp) -> Result<i64> {
    let t = s.trim();
    let bad = || {
        anyhow!(
            "--since {s:?}: expected a date (2024-01-31), a time (2024-01-31T12:00:00Z) or an age (2 weeks ago)"
        )
    };
    if t.is_empty() {
        return Err(bad());
    }
    let today = || {
        now.to_zoned(TimeZone::UTC)
            .date()
            .to_zoned(TimeZone::UTC)
            .map(|z| z.timestamp())
    };
    let ts = match t.to_ascii_lowercase().as_str() {
        "now" => Ok(now),
        "today" | "midnight" => today(),
        "yesterday" => today().and_then(|d| d.checked_sub(Span::new().hours(24))),
        _ => {
            if let Ok(ts) = t.parse::<Timestamp>() {
                Ok(ts)
            } else if let Ok(z) = t.parse::<Zoned>() {
                Ok(z.timestamp())
            } else if let Ok(dt) = t.parse::<DateTime>() {
                // Before `Date`, which would accept a time and drop it.
                dt.to_zoned(TimeZone::UTC).map(|z| z.timestamp())
            } else if let Ok(d) = t.parse::<Date>() {
                d.to_zoned(TimeZone::UTC).map(|z| z.timestamp())
            } else {
                let age: Span = t
                    .trim_end_matches("ago")
                    .trim()
                    .parse()
                    .map_err(|_| bad())?;
                now.to_zoned(TimeZone::UTC)
                    .checked_sub(age.abs())
                    .map(|z| z.timestamp())
            }
        }
    };
    ts.map(|ts| ts.as_second()).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_and_print() {
        let now: Timestamp = "2024-03-10T15:30:00Z".parse().expect("timestamp");
        let since = |s: &str| parse_since(s, now).ok();
        assert_eq!(since("1970-01-01"), Some(0));
        assert_eq!(since("2024-02-29"), Some(1_709_164_800));
        assert_eq!(since("2024-02-29T01:00:00Z"), Some(1_709_168_400));
        assert_eq!(since("2024-02-29T01:00:00+01:00"), Some(1_709_164_800));
        assert_eq!(since("2024-02-29 01:00"), Some(1_709_168_400));
        assert_eq!(since("yesterday"), Some(1_709_942_400));
        assert_eq!(since("today"), Some(1_710_028_800));
        assert_eq!(since("2 days ago"), Some(1_710_084_600 - 2 * 86_400));
        assert_eq!(since("2 days"), since("2 days ago"));
        assert_eq!(since("1 month ago"), Some(1_707_579_000));
        assert_eq!(since("1h30m ago"), Some(1_710_084_600 - 5_400));
        assert!(since("2023-02-29").is_none());
        assert!(since("2024-1-01").is_none());
        assert!(since("last tuesday-ish").is_none());
        assert!(since("").is_none());
        assert_eq!(rfc3339(1_709_164_800, 0), "2024-02-29T00:00:00+00:00");
        assert_eq!(rfc3339(1_709_164_800, -330), "2024-02-28T18:30:00-05:30");
        assert_eq!(rfc3339(1_112_911_993, 120), "2005-04-08T00:13:13+02:00");
        assert_eq!(rfc3339(i64::MAX, 0), format!("@{}", i64::MAX));
    }
}
