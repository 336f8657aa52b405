//! Reading leakscan's own JSON and JSONL reports back into findings, for `leakscan merge`:
//! the fields of the findings contract (see `json.rs`), each finding as it was reported.
//!
//! The words a report repeats from a fixed vocabulary (a token's kind, a verdict's reason)
//! are `&'static str` in a finding; read back, each distinct one is interned once for the
//! life of the process, so a merge of any size keeps one copy of each.

use crate::facts::Token;
use crate::finding::{Checksum, CommitInfo, Confidence, Finding, Piece, Severity, Snippet};
use crate::verify::Verification;
use serde::{Deserialize, Deserializer};
use std::collections::HashSet;
use std::sync::Mutex;

static INTERNED: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);

/// The one `'static` copy of `s`.
pub fn intern(s: &str) -> &'static str {
    let mut guard = INTERNED.lock().unwrap_or_else(|p| p.into_inner());
    let set = guard.get_or_insert_with(HashSet::new);
    if let Some(&known) = set.get(s) {
        return known;
    }
    let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
    set.insert(leaked);
    leaked
}

fn opt(s: Option<String>) -> Option<&'static str> {
    s.map(|s| intern(&s))
}

/// A `token` object as reported.
#[derive(Deserialize)]
struct TokenWire {
    kind: String,
    lifetime: Option<String>,
    expires_at: Option<String>,
    expired: Option<bool>,
    expires_source: Option<String>,
    #[serde(default)]
    expires_bound: bool,
    scope: Option<String>,
    permissions: Option<Vec<String>>,
    account: Option<String>,
    issuer: Option<String>,
    revoke_url: Option<String>,
}

fn token<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Token>, D::Error> {
    Ok(Option::<TokenWire>::deserialize(d)?.map(|t| Token {
        kind: intern(&t.kind),
        lifetime: opt(t.lifetime),
        expires_at: t.expires_at,
        expired: t.expired,
        expires_source: opt(t.expires_source),
        bound: t.expires_bound,
        scope: t.scope,
        permissions: t.permissions.map(|p| p.iter().map(|s| intern(s)).collect()),
        account: t.account,
        issuer: t.issuer,
        revoke_url: opt(t.revoke_url),
    }))
}

/// A `verification` object as reported.
#[derive(Deserialize)]
struct VerificationWire {
    status: crate::verify::Status,
    reason: String,
    provider: Option<String>,
    request: Option<String>,
    scopes: Option<Vec<String>>,
    expires_at: Option<String>,
    account: Option<String>,
    checked_at: Option<String>,
    #[serde(default)]
    test_endpoint: bool,
}

fn verification<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Verification>, D::Error> {
    Ok(
        Option::<VerificationWire>::deserialize(d)?.map(|v| Verification {
            status: v.status,
            reason: intern(&v.reason),
            provider: opt(v.provider),
            request: v.request,
            scopes: v.scopes,
            expires_at: v.expires_at,
            account: v.account,
            checked_at: v.checked_at,
            test_endpoint: v.test_endpoint,
        }),
    )
}

/// One finding as a JSON report holds it.
#[derive(Deserialize)]
struct Reported {
    rule_id: String,
    rule_name: String,
    provider: String,
    severity: Severity,
    confidence: Confidence,
    #[serde(default)]
    repository: Option<String>,
    path: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    secret: String,
    fingerprint: String,
    #[serde(default)]
    checksum: Option<Checksum>,
    #[serde(default)]
    entropy: f64,
    #[serde(default)]
    snippet: String,
    #[serde(default)]
    remediation: String,
    #[serde(default)]
    commit: Option<CommitInfo>,
    #[serde(default)]
    occurrences: Option<usize>,
    #[serde(default)]
    decoded: Vec<String>,
    #[serde(default, deserialize_with = "token")]
    token: Option<Token>,
    #[serde(default, deserialize_with = "verification")]
    verification: Option<Verification>,
}

/// A line of a JSONL report: a finding (it has a `rule_id`), or something else (an audit's
/// repository status), handed back as it is.
pub enum Line {
    Finding(Box<Finding>),
    Other(serde_json::Value),
}

/// Reads one JSONL line.
pub fn line(text: &str) -> Result<Line, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    if value.get("rule_id").is_none() {
        return Ok(Line::Other(value));
    }
    finding(value).map(|f| Line::Finding(Box::new(f)))
}

/// A finding from its JSON object.
pub fn finding(value: serde_json::Value) -> Result<Finding, String> {
    let r: Reported = serde_json::from_value(value).map_err(|e| format!("not a finding: {e}"))?;
    // Columns in code points are not in the contract; the byte columns stand in (equal for
    // ASCII lines, which reports re-rendered from a report show as they are).
    let snippet = split_snippet(&r.snippet, &r.secret);
    Ok(Finding {
        rule_id: r.rule_id,
        rule_name: r.rule_name,
        provider: r.provider,
        severity: r.severity,
        confidence: r.confidence,
        remediation: r.remediation,
        help_uri: None,
        repository: r.repository,
        path: r.path,
        line: r.line,
        column: r.column,
        end_line: r.end_line,
        end_column: r.end_column,
        char_column: r.column,
        end_char_column: r.end_column,
        start: 0,
        end: 0,
        secret: r.secret,
        checksum: r.checksum,
        entropy: r.entropy,
        snippet,
        fingerprint: r.fingerprint,
        legacy_fingerprint: None,
        commit: r.commit,
        occurrences: r.occurrences,
        decoded: r.decoded.iter().map(|d| intern(d)).collect(),
        token: r.token,
        verification: r.verification,
        parts: Vec::new(),
    })
}

/// The snippet around the secret as reported: the text before and after its first
/// occurrence (the whole line before it, when the secret is not in it).
fn split_snippet(snippet: &str, secret: &str) -> Snippet {
    match snippet.find(secret).filter(|_| !secret.is_empty()) {
        Some(at) => Snippet {
            before: vec![Piece::Text(snippet[..at].to_string())],
            after: vec![Piece::Text(snippet[at + secret.len()..].to_string())],
        },
        None => Snippet {
            before: vec![Piece::Text(format!("{snippet} "))],
            after: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interned_words_are_shared() {
        let a = intern("bot token");
        let b = intern(&String::from("bot token"));
        assert!(std::ptr::eq(a, b));
    }

    #[test]
    fn lines_are_findings_or_other_records() {
        let f = r#"{"rule_id":"x","rule_name":"X","provider":"P","severity":"high","confidence":"high","path":"a","line":1,"column":2,"end_line":1,"end_column":9,"secret":"ghp_****","fingerprint":"ab","snippet":"k = ghp_**** # c","decoded":["base64"],"token":{"kind":"classic personal access token","revoke_url":"https://x"},"verification":{"status":"live","reason":"ok","provider":"github"}}"#;
        match line(f) {
            Ok(Line::Finding(f)) => {
                assert_eq!(f.shown_snippet(true), "k = ghp_**** # c");
                assert_eq!(f.decoded, ["base64"]);
                assert_eq!(
                    f.token.as_ref().map(|t| t.kind),
                    Some("classic personal access token")
                );
                assert_eq!(f.verification.as_ref().map(|v| v.reason), Some("ok"));
            }
            _ => panic!("not a finding"),
        }
        assert!(matches!(
            line(r#"{"repository":"r","status":"ok"}"#),
            Ok(Line::Other(_))
        ));
        assert!(line("not json").is_err());
        assert!(
            line(r#"{"rule_id":"x"}"#).is_err(),
            "a finding missing its fields"
        );
    }
}
