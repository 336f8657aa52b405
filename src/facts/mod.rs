//! Facts a token carries about itself, read offline: when it expires, what it may do, whose it
//! is. Each decoder takes the matched text, trusts none of it, and never asks the provider.
//!
//! - [`jwt`]: the time claims, issuer and role of a JSON Web Token. The signature is not read.
//! - [`macaroon`]: the scope and expiry of a PyPI API token, from its macaroon's caveats.
//! - [`sas`]: the expiry, permissions and limits of an Azure shared access signature.
//! - [`aws`]: the kind of an AWS access key id and the account it belongs to.
//! - `token`: a finding's `token` object built from them, with its kind, lifetime class,
//!   revocation page, and in `history` a bound on expiry from the introducing commit.
//!
//! A decoder returns `None` when the text is not what it decodes, and leaves a fact out when
//! the token does not hold it. Strings taken from a token are capped and have their control
//! characters removed, so a report can print them.

pub mod aws;
pub mod jwt;
pub mod macaroon;
pub mod sas;
mod token;

pub use jwt::Jwt;
pub use macaroon::{Pypi, PypiScope};
pub use sas::Sas;
pub use token::{bound_by_commit, offline, Token};

/// The longest time text [`parse_time`] reads. Longer text is not a time.
const MAX_TIME_LEN: usize = 64;

/// Seconds since the Unix epoch of an ISO 8601 time: `2026-01-01T00:00:00Z`, with an offset
/// (`+01:00`) or fractional seconds, without seconds (`2026-01-01T00:00Z`), or a date alone
/// (`2026-01-01`, taken as midnight UTC). A time without an offset is not read: its zone is
/// unknown. Azure SAS times use these forms.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() > MAX_TIME_LEN {
        return None;
    }
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts.as_second());
    }
    // jiff reads a date from a longer date-time too; only a bare date is one here.
    if s.len() != 10 {
        return None;
    }
    let date: jiff::civil::Date = s.parse().ok()?;
    let midnight = date.to_datetime(jiff::civil::Time::midnight());
    jiff::tz::TimeZone::UTC
        .to_timestamp(midnight)
        .ok()
        .map(|ts| ts.as_second())
}

/// `secs` since the Unix epoch as an RFC 3339 UTC time, `2026-01-01T00:00:00Z`: how reports
/// print the times these decoders find. A time outside the years jiff covers (-9999 to 9999)
/// is printed as `@secs`.
pub fn iso(secs: i64) -> String {
    match jiff::Timestamp::from_second(secs) {
        Ok(ts) => ts.to_string(),
        Err(_) => format!("@{secs}"),
    }
}

/// `s` without control characters, cut to at most `max` characters: a string taken from a
/// token, made safe to keep and print.
pub(crate) fn clean(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_iso_forms() {
        let new_year = 1_767_225_600;
        for s in [
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00Z",
            "2026-01-01",
            " 2026-01-01 ",
            "2026-01-01T00:00:00.0000000Z",
            "2026-01-01T01:00:00+01:00",
        ] {
            assert_eq!(parse_time(s), Some(new_year), "{s}");
        }
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_time("1969-12-31T23:59:59Z"), Some(-1));
    }

    #[test]
    fn rejects_what_is_not_a_time() {
        for s in [
            "",
            "2026",
            "2026-01-01T00:00:00",
            "2026-13-01",
            "2026-02-30",
            "2026-01-01T25:00:00Z",
            "tomorrow",
            "2026-01-01T00:00:00Zjunk",
            "9999-12-31T23:59:59Z",
            "２０２６-01-01",
        ] {
            assert_eq!(parse_time(s), None, "{s}");
        }
        let long = format!("2026-01-01T00:00:00{}Z", "0".repeat(1 << 20));
        assert_eq!(parse_time(&long), None);
    }

    #[test]
    fn prints_rfc3339_utc() {
        assert_eq!(iso(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(-1), "1969-12-31T23:59:59Z");
        assert_eq!(iso(i64::MAX), format!("@{}", i64::MAX));
        assert_eq!(iso(i64::MIN), format!("@{}", i64::MIN));
        for secs in [0, 86_399, 1_767_225_600, 253_402_207_200] {
            assert_eq!(parse_time(&iso(secs)), Some(secs));
        }
    }

    #[test]
    fn clean_drops_controls_and_caps() {
        assert_eq!(clean("a\u{1b}[31mb\nc\u{7f}", 10), "a[31mbc");
        assert_eq!(clean("ééééé", 3), "ééé");
        assert_eq!(clean("", 3), "");
    }
}
