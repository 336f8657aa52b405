//! The verifiers: for each provider, which rules it checks, the exact token shape it accepts,
//! the one request it makes, and how it reads the answer. All pure: the transport is
//! elsewhere, so every plan and every answer can be tested without a network.

mod apis;
pub(crate) mod git;
mod paired;

use super::Status;
use std::fmt;

/// A secret that never prints: `Debug` and `Display` show only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({} bytes, redacted)", self.0.len())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

/// One planned request. The credential travels only in `auth` (headers) or `body`; `path`
/// is one of the verifier's fixed endpoints and holds no part of it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: &'static str,
    /// `host[:port]`: the verifier's compiled-in host, a `--verify-host` server, or a host
    /// under the provider's own domain taken from the content.
    pub host: String,
    /// A path before the endpoint: `/api/v3` on GitHub Enterprise Server, else empty.
    pub base: String,
    pub path: &'static str,
    /// Other headers (never secret).
    pub headers: Vec<(&'static str, String)>,
    /// The credential headers: name and value (`Bearer <token>`, or the token). Empty for
    /// a request that carries its credentials in the body (GitHub's revocation API).
    pub auth: Vec<(&'static str, Secret)>,
    /// A body, which may hold credentials.
    pub body: Option<Secret>,
}

impl Request {
    /// `GET https://api.github.com/user`, as reports and the dry run show it.
    pub fn shown(&self) -> String {
        format!(
            "{} https://{}{}{}",
            self.method, self.host, self.base, self.path
        )
    }

    /// True when no part of `secret` is in the URL.
    pub fn url_free_of(&self, secret: &str) -> bool {
        !secret.is_empty()
            && !self.host.contains(secret)
            && !self.base.contains(secret)
            && !self.path.contains(secret)
    }
}

/// Where a verifier's requests go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub base: String,
}

impl Target {
    /// A request to `path` here with the credential header `auth` and no body.
    pub fn request(
        &self,
        method: &'static str,
        path: &'static str,
        auth: (&'static str, Secret),
    ) -> Request {
        Request {
            method,
            host: self.host.clone(),
            base: self.base.clone(),
            path,
            headers: vec![("Accept", "application/json".to_string())],
            auth: vec![auth],
            body: None,
        }
    }
}

/// Where a verifier may send: its compiled-in host, or a host named next to the secret.
#[derive(Clone, Copy, Debug)]
pub enum Host {
    /// A compiled-in host. `self_hosted` is the API's path on a server given with
    /// `--verify-host` (GitHub Enterprise Server's `/api/v3`), `None` when the provider has
    /// no self-hosted form.
    Fixed {
        host: &'static str,
        self_hosted: Option<&'static str>,
    },
    /// A host taken from the rule's part `part` (a Shopify shop, an Atlassian site; see
    /// [`part`]), accepted only when it is a plain DNS name ending with `suffix`.
    Content {
        part: &'static str,
        suffix: &'static str,
    },
}

impl Host {
    /// A compiled-in host that cannot be moved.
    pub const fn fixed(host: &'static str) -> Host {
        Host::Fixed {
            host,
            self_hosted: None,
        }
    }

    /// The host as `--list-endpoints` shows it: `api.github.com`, `*.myshopify.com`.
    pub fn shown(&self) -> String {
        match self {
            Host::Fixed { host, .. } => host.to_string(),
            Host::Content { suffix, .. } => format!("*{suffix}"),
        }
    }
}

/// What a plan is made from: the finding's rule, secret and parts, and where it may go.
pub struct Ask<'a> {
    pub rule: &'a str,
    pub secret: &'a str,
    /// The rule's other named groups (`key_id`, `username`).
    pub parts: &'a [(String, String)],
    pub to: &'a Target,
    /// `--verify-logins`: checks that are a login (Docker Hub) may be made.
    pub logins: bool,
}

impl Ask<'_> {
    /// The value of part `name`, if the rule captured it (see [`part`]).
    pub fn part(&self, name: &str) -> Option<&str> {
        part(self.parts, name)
    }
}

/// The value of the rule's part `name`: the group `name` (written before the secret), else
/// `name_after` (a regex cannot repeat a group name, so a rule that also finds the part
/// after the secret calls that group `<name>_after`).
pub fn part<'p>(parts: &'p [(String, String)], name: &str) -> Option<&'p str> {
    let after = format!("{name}_after");
    let named = |n: &str| parts.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    named(name).or_else(|| named(&after))
}

/// True when `host` (from scanned content) is a plain DNS name under `suffix`
/// (`.myshopify.com`): lower-case letters, digits and hyphens in dot-separated labels, no
/// port, no user info, no IP literal, and something before the suffix.
pub fn content_host(host: &str, suffix: &str) -> bool {
    let Some(name) = host.strip_suffix(suffix) else {
        return false;
    };
    !name.is_empty()
        && host.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// An answer, as far as a verifier reads it: the status, the headers it may look at (names
/// lower-cased), and at most [`MAX_BODY`] bytes of body.
#[derive(Clone, Debug, Default)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Bodies are read up to 64 KiB; identity answers are far smaller.
pub const MAX_BODY: u64 = 64 << 10;

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// `Retry-After` in seconds, when given as a number.
    pub fn retry_after(&self) -> Option<u64> {
        self.header("retry-after")?.trim().parse().ok()
    }
}

/// What a verifier read from an answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub status: Status,
    pub reason: &'static str,
    pub scopes: Option<Vec<String>>,
    pub expires_at: Option<String>,
    pub account: Option<String>,
}

impl Verdict {
    pub fn new(status: Status, reason: &'static str) -> Verdict {
        Verdict {
            status,
            reason,
            scopes: None,
            expires_at: None,
            account: None,
        }
    }

    fn live() -> Verdict {
        Verdict::new(Status::Live, "ok")
    }

    fn account(mut self, a: Option<String>) -> Verdict {
        self.account = a.map(|s| clip(&s));
        self
    }

    fn scopes(mut self, s: Option<Vec<String>>) -> Verdict {
        self.scopes = s.map(|v| v.iter().take(100).map(|x| clip(x)).collect());
        self
    }
}

/// What to do with one secret.
#[derive(Debug)]
pub enum Plan {
    Send(Request),
    /// Not checked, and why (`side_effect`, `policy`, ...), with the status to report.
    Skip(Status, &'static str),
}

/// One provider's verifier.
pub struct Verifier {
    /// `github`, `gitlab`, ...
    pub id: &'static str,
    /// The rules whose findings it checks.
    pub rules: &'static [&'static str],
    /// The only host it contacts, or the only domain.
    pub host: Host,
    /// Every (method, path) it may send, for `--list-endpoints` and the transport's check.
    pub endpoints: &'static [(&'static str, &'static str)],
    /// The (method, path) `leakscan revoke` may send, and nothing else ever does.
    pub revokes: &'static [(&'static str, &'static str)],
    /// The plan for a secret of one of `rules`: `None` when the secret does not have the
    /// provider's exact token shape (it is then never sent).
    pub plan: fn(&Ask) -> Option<Plan>,
    /// Reads an answer to the plan's request (after [`common`] found nothing to say).
    pub classify: fn(rule: &str, r: &Response) -> Verdict,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Verifier({})", self.id)
    }
}

/// Every verifier the binary has.
pub static VERIFIERS: &[Verifier] = &[
    git::GITHUB,
    git::GITLAB,
    apis::NPM,
    apis::SLACK,
    apis::OPENAI,
    apis::ANTHROPIC,
    apis::HUGGINGFACE,
    apis::STRIPE,
    apis::SENDGRID,
    apis::DIGITALOCEAN,
    paired::AWS,
    paired::SHOPIFY,
    paired::ATLASSIAN,
    paired::TWILIO,
    paired::DOCKERHUB,
];

/// Every endpoint the binary can contact, a line each (`leakscan verify --list-endpoints`).
pub fn endpoints() -> String {
    let mut out = String::new();
    for v in VERIFIERS {
        for (method, path) in v.endpoints {
            out.push_str(&format!(
                "{:<13} {method:<6} https://{}{path}\n",
                v.id,
                v.host.shown()
            ));
        }
        for (method, path) in v.revokes {
            out.push_str(&format!(
                "{:<13} {method:<6} https://{}{path}  (leakscan revoke only)\n",
                v.id,
                v.host.shown()
            ));
        }
    }
    if !cfg!(feature = "verify") {
        out.push_str("(this build has no network code: --verify cannot send any of these)\n");
    }
    out
}

/// The verifier for a rule, if there is one.
pub fn for_rule(rule: &str) -> Option<&'static Verifier> {
    VERIFIERS.iter().find(|v| v.rules.contains(&rule))
}

/// What every provider's answer means before its own reading: a redirect, a rate limit or a
/// server error is never a verdict on the token.
pub fn common(r: &Response) -> Option<Verdict> {
    let limited = r.status == 429
        || (r.status == 403
            && (r.header("x-ratelimit-remaining").map(str::trim) == Some("0")
                || r.header("retry-after").is_some()
                || String::from_utf8_lossy(&r.body)
                    .to_ascii_lowercase()
                    .contains("rate limit")));
    if limited {
        return Some(Verdict::new(Status::Unknown, "rate_limited"));
    }
    match r.status {
        300..=399 => Some(Verdict::new(Status::Unknown, "redirect")),
        500..=599 => Some(Verdict::new(Status::Unknown, "server_error")),
        _ => None,
    }
}

/// The verdict on an answer: [`common`] first, then the verifier. A 429 that a verifier
/// reads as a definite verdict is one (OpenAI's `insufficient_quota` answers a valid key
/// without credit); any other 429 is a rate limit.
pub fn classify(v: &Verifier, rule: &str, r: &Response) -> Verdict {
    if r.status == 429 {
        let own = (v.classify)(rule, r);
        if own.status != Status::Unknown {
            return own;
        }
    }
    common(r).unwrap_or_else(|| (v.classify)(rule, r))
}

/// A bearer credential header.
fn bearer(secret: &str) -> (&'static str, Secret) {
    ("Authorization", Secret(format!("Bearer {secret}")))
}

/// A plain GET with a credential header.
fn get(to: &Target, path: &'static str, auth: (&'static str, Secret)) -> Plan {
    Plan::Send(to.request("GET", path, auth))
}

/// The usual reading of an answer: 2xx live (with what `live` takes from it), 401 invalid,
/// anything else unknown.
fn usual(r: &Response, live: impl FnOnce(&Response) -> Verdict) -> Verdict {
    match r.status {
        200..=299 => live(r),
        401 => Verdict::new(Status::Invalid, "unauthorized"),
        _ => Verdict::new(Status::Unknown, "unexpected_status"),
    }
}

/// A JSON string field at `path` (`["auth", "accessToken", "role"]`).
fn text_at(v: &serde_json::Value, path: &[&str]) -> Option<String> {
    let mut v = v;
    for k in path {
        v = v.get(k)?;
    }
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A comma-separated scopes header as a list (`repo, workflow`).
fn scope_list(h: &str) -> Vec<String> {
    h.split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Values from answers are cut to 100 characters and stripped of control characters, as
/// values from tokens are.
fn clip(s: &str) -> String {
    crate::facts::clean(s, 100)
}

/// True when every byte of `s` is in `ok` and its length is in `len`.
fn shaped(s: &str, len: std::ops::RangeInclusive<usize>, ok: impl Fn(u8) -> bool) -> bool {
    len.contains(&s.len()) && s.bytes().all(ok)
}

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

fn word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// An answer's date as RFC 3339 UTC: the forms tokens use too (`2027-03-31`,
/// `2027-03-31T00:00:00Z`), and GitHub's expiry header (`2021-10-07 19:07:53 UTC`,
/// `2027-03-31 00:00:00 +0900`).
fn utc(s: &str) -> Option<String> {
    let s = s.trim();
    let secs = crate::facts::parse_time(s).or_else(|| {
        let s = s.replace(" UTC", " +0000");
        let t = jiff::fmt::strtime::parse("%Y-%m-%d %H:%M:%S %z", &s).ok()?;
        Some(t.to_timestamp().ok()?.as_second())
    })?;
    Some(crate::facts::iso(secs))
}

#[cfg(test)]
mod tests;
