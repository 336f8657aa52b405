//! `--verify`: one request per distinct secret to its own provider, asking whether the token
//! is live, what it may do and when it expires.
//!
//! Off unless a command-line flag asks (a scanned repository's config can never turn it on);
//! `LEAKSCAN_VERIFY=never` forces it off. A secret goes only to the compiled-in https host of
//! the provider whose token shape it has, in a header, never in a URL; no redirect is
//! followed; only requests without side effects are made. "Could not tell" is `unknown`,
//! never dead. The network code ([`http`]) is behind the `verify` cargo feature; the plans and
//! the reading of answers ([`providers`]) are pure and always built.

pub mod hosts;
#[cfg(feature = "verify")]
pub mod http;
#[cfg(feature = "verify")]
mod pool;
pub mod providers;
pub mod revoke;
mod run;
pub mod sigv4;

pub use run::{run, Summary};

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What a check concluded.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The provider accepted the credential.
    Live,
    /// The provider said it expired, or a signed expiry inside it has passed.
    Expired,
    /// The provider said it was revoked, or a documented policy revoked its whole class.
    Revoked,
    /// The provider rejected it without saying why.
    Invalid,
    /// A request was made but gave no conclusion (rate limit, timeout, 5xx, odd answer).
    Unknown,
    /// Deliberately not checked.
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::Expired => "expired",
            Status::Revoked => "revoked",
            Status::Invalid => "invalid",
            Status::Unknown => "unknown",
            Status::Skipped => "skipped",
        }
    }

    /// Expired, revoked or invalid.
    pub fn dead(self) -> bool {
        matches!(self, Status::Expired | Status::Revoked | Status::Invalid)
    }
}

/// A finding's `verification` object (JSON, SARIF properties, a text line). It never holds
/// the secret, a response body, or personal data beyond an account identifier.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Verification {
    pub status: Status,
    /// Why: `ok`, `restricted`, `unauthorized`, `rate_limited`, `timeout`, `no_verifier`, ...
    pub reason: &'static str,
    /// The verifier that decided (`github`, `gitlab`, ...), if one applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<&'static str>,
    /// The request sent, as `GET https://host/path` (never the secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// The scopes or permissions the provider reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// RFC 3339, UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// The account the token belongs to: a login, an id, a team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// When the answer came (RFC 3339, UTC); absent when nothing was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<String>,
    /// The request went to `LEAKSCAN_VERIFY_ENDPOINT`, not to the provider.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub test_endpoint: bool,
}

impl Verification {
    /// A verdict reached without a request.
    pub fn without_request(status: Status, reason: &'static str) -> Verification {
        Verification {
            status,
            reason,
            provider: None,
            request: None,
            scopes: None,
            expires_at: None,
            account: None,
            checked_at: None,
            test_endpoint: false,
        }
    }

    /// One line for the text report and SARIF message: `live: octocat; scopes repo,
    /// workflow; expires 2027-03-30T15:00:00Z`.
    pub fn describe(&self) -> String {
        let mut s = format!("{} ({})", self.status.as_str(), self.reason);
        if let Some(a) = &self.account {
            s.push_str(&format!(": {a}"));
        }
        if let Some(p) = self.provider {
            if self.request.is_some() {
                s.push_str(&format!(" [{p}]"));
            }
        }
        match &self.scopes {
            Some(sc) if sc.is_empty() => s.push_str("; no scopes"),
            Some(sc) => s.push_str(&format!("; scopes {}", sc.join(", "))),
            None => {}
        }
        if let Some(e) = &self.expires_at {
            s.push_str(&format!("; expires {e}"));
        }
        s
    }
}

/// How verification runs: from the command line and the environment only.
#[derive(Clone, Debug)]
pub struct Options {
    /// Print the planned requests and send nothing.
    pub dry_run: bool,
    /// Per request (connect included).
    pub timeout: Duration,
    /// For the whole verification; checks not started by then are `unknown`.
    pub budget: Duration,
    pub workers: usize,
    /// `LEAKSCAN_VERIFY_ENDPOINT`: every request goes there instead (loopback only).
    pub test_endpoint: Option<String>,
    /// `--verify-host`: a verifier's own server (GitHub Enterprise Server, self-managed
    /// GitLab), by verifier id; its tokens then go there only.
    pub hosts: Vec<(String, providers::Target)>,
    /// `--verify-logins`: checks that are a login may be made (Docker Hub).
    pub logins: bool,
}

/// The environment variable that forces verification off (`never`).
pub const ENV_SWITCH: &str = "LEAKSCAN_VERIFY";
/// The environment variable that sends every request to a loopback test server.
pub const ENV_ENDPOINT: &str = "LEAKSCAN_VERIFY_ENDPOINT";

/// True when the environment forbids verification (`LEAKSCAN_VERIFY=never`, any case).
pub fn forbidden_by_env() -> bool {
    std::env::var(ENV_SWITCH).is_ok_and(|v| v.trim().eq_ignore_ascii_case("never"))
}

/// Checks `LEAKSCAN_VERIFY_ENDPOINT`: only `http://` to an IPv4 loopback literal or `[::1]`
/// with a port, nothing after it. A host name or any other address is refused: the variable
/// must never send secrets anywhere but to a server on this machine.
pub fn test_endpoint(value: &str) -> Result<String, String> {
    let refuse = || {
        format!(
            "{ENV_ENDPOINT}={value:?} is refused: it must be http://127.0.0.1:PORT (any 127.x.y.z) or http://[::1]:PORT, a test server on this machine; unset it to verify against the providers"
        )
    };
    let rest = value.strip_prefix("http://").ok_or_else(refuse)?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = match rest.strip_prefix("[::1]:") {
        Some(port) => ("::1", port),
        None => rest.rsplit_once(':').ok_or_else(refuse)?,
    };
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || port.parse::<u16>().is_err()
    {
        return Err(refuse());
    }
    let loopback = host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        return Err(refuse());
    }
    Ok(format!("http://{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_endpoint_is_loopback_only() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "http://127.9.9.9:1",
            "http://[::1]:99",
        ] {
            assert!(test_endpoint(ok).is_ok(), "{ok}");
        }
        for bad in [
            "https://127.0.0.1:8080",
            "http://localhost:8080",
            "http://10.0.0.1:80",
            "http://169.254.169.254:80",
            "http://127.0.0.1",
            "http://127.0.0.1:80/x",
            "http://user@127.0.0.1:80",
            "http://127.0.0.1:99999",
            "http://[::2]:80",
            "http://127.0.0.1.example.com:80",
        ] {
            assert!(test_endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn describe_names_what_was_learnt() {
        let mut v = Verification::without_request(Status::Live, "ok");
        v.account = Some("octocat".into());
        v.scopes = Some(vec!["repo".into(), "workflow".into()]);
        v.expires_at = Some("2027-03-30T15:00:00Z".into());
        assert_eq!(
            v.describe(),
            "live (ok): octocat; scopes repo, workflow; expires 2027-03-30T15:00:00Z"
        );
    }
}
