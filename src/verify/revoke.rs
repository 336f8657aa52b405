//! `leakscan revoke`: how each selected token is revoked, and what the answers mean. Pure:
//! the command sends the requests through the same transport as `--verify`, so the same
//! rules hold (https only, no redirects, the provider's own host, `LEAKSCAN_VERIFY=never`).
//!
//! - GitHub's public revocation API takes classic and fine-grained PATs, OAuth and App user
//!   and refresh tokens, up to 1000 a request, with no authentication; its answer does not
//!   say which were valid, so they are `submitted`.
//! - A GitLab access token, a Slack token and a GitHub App installation token revoke
//!   themselves.
//! - Anything else is revoked by hand, where its provider says.

use super::providers::{self, git::github_shape, Request, Response, Secret, Target, Verifier};
use super::run::{allowed, target};
use super::Options;
use crate::finding::Finding;

/// GitHub's revocation API takes at most this many credentials a request.
pub const BATCH: usize = 1000;

/// How one token is revoked.
#[derive(Debug)]
pub enum How {
    /// In a batch to GitHub's revocation API.
    GithubBatch,
    /// A request of its own: the token revokes itself.
    Own(&'static Verifier, Request),
    /// By hand: where, and why not by leakscan.
    Manual(String),
}

/// What came of a revocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The provider confirmed it.
    Revoked,
    /// GitHub accepted it (its answer does not say whether the token was valid).
    Submitted,
    /// The provider says the token was not valid any more.
    AlreadyDead,
    /// The request failed: a reason code.
    Failed(&'static str),
    /// Not sent (`--dry-run`, or the time budget ran out).
    NotSent(&'static str),
    /// Not revocable by leakscan: revoke it by hand where this says.
    Manual(String),
}

impl Outcome {
    /// True when nothing is left for the user to do.
    pub fn done(&self) -> bool {
        matches!(
            self,
            Outcome::Revoked | Outcome::Submitted | Outcome::AlreadyDead
        )
    }

    /// A line's worth, without the token.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Revoked => "revoked".to_string(),
            Outcome::Submitted => {
                "submitted to GitHub's revocation API (GitHub does not say whether it was valid)"
                    .to_string()
            }
            Outcome::AlreadyDead => {
                "already invalid: the provider no longer accepts it".to_string()
            }
            Outcome::Failed(why) => {
                format!("NOT revoked: the request failed ({why}); revoke it by hand")
            }
            Outcome::NotSent(why) => format!("not sent ({why})"),
            Outcome::Manual(how) => format!("NOT revoked: leakscan cannot revoke this kind; {how}"),
        }
    }
}

/// How `f` is revoked.
pub fn how(f: &Finding, opts: &Options) -> How {
    let manual = || {
        How::Manual(match f.token.as_ref().and_then(|t| t.revoke_url) {
            Some(url) => format!("revoke it at {url}"),
            None => format!("{} ({})", f.remediation, f.provider),
        })
    };
    let Some(verifier) = providers::for_rule(&f.rule_id) else {
        return manual();
    };
    let Ok(to) = target(verifier, &f.parts, opts) else {
        return manual();
    };
    let s = f.secret.as_str();
    let public =
        |t: &Target| matches!(verifier.host, providers::Host::Fixed { host, .. } if host == t.host);
    let own = |method, path, auth| {
        let mut r = to.request(method, path, auth);
        if verifier.id == "github" {
            r.headers = github_headers();
        }
        r
    };
    let request = match verifier.id {
        "github" if github_shape(s) && s.starts_with("ghs_") => own(
            "DELETE",
            "/installation/token",
            ("Authorization", Secret(format!("Bearer {s}"))),
        ),
        "github" if github_shape(s) && public(&to) => return How::GithubBatch,
        "github" if github_shape(s) => {
            // GitHub Enterprise Server's revocation API needs an admin's authentication.
            return How::Manual(format!(
                "revoke it at https://{}/settings/tokens (the server's revocation API needs an administrator)",
                to.host
            ));
        }
        "gitlab" if s.starts_with("glpat-") => own(
            "DELETE",
            "/api/v4/personal_access_tokens/self",
            ("PRIVATE-TOKEN", Secret(s.to_string())),
        ),
        "slack" if s.starts_with("xoxb-") || s.starts_with("xoxp-") => own(
            "POST",
            "/api/auth.revoke",
            ("Authorization", Secret(format!("Bearer {s}"))),
        ),
        _ => return manual(),
    };
    if allowed(verifier.revokes, &request, &to, s) {
        How::Own(verifier, request)
    } else {
        manual()
    }
}

fn github_headers() -> Vec<(&'static str, String)> {
    vec![
        ("Accept", "application/vnd.github+json".to_string()),
        ("X-GitHub-Api-Version", "2022-11-28".to_string()),
    ]
}

/// GitHub's revocation requests for `secrets`: at most [`BATCH`] a request, the tokens in the
/// JSON body, and no `Authorization` header (GitHub refuses authenticated ones).
pub fn github_batches(secrets: &[&str]) -> Vec<Request> {
    secrets
        .chunks(BATCH)
        .map(|chunk| {
            let mut headers = github_headers();
            headers.push(("Content-Type", "application/json".to_string()));
            Request {
                method: "POST",
                host: "api.github.com".to_string(),
                base: String::new(),
                path: "/credentials/revoke",
                headers,
                auth: Vec::new(),
                body: Some(Secret(
                    serde_json::json!({ "credentials": chunk }).to_string(),
                )),
            }
        })
        .collect()
}

/// What GitHub's answer to a batch means for each of its tokens.
pub fn read_batch(r: &Response) -> Outcome {
    match r.status {
        202 | 200 | 204 => Outcome::Submitted,
        422 => Outcome::Failed("validation_failed_or_rate_limited"),
        403 => Outcome::Failed("forbidden"),
        429 => Outcome::Failed("rate_limited"),
        500..=599 => Outcome::Failed("server_error"),
        _ => Outcome::Failed("unexpected_status"),
    }
}

/// What a provider's answer to a token's own revocation means.
pub fn read_own(verifier: &Verifier, r: &Response) -> Outcome {
    match (verifier.id, r.status) {
        ("slack", 200) => {
            let Some(b) = r.json() else {
                return Outcome::Failed("unexpected_body");
            };
            let flag = |k: &str| b.get(k).and_then(|v| v.as_bool());
            match (flag("ok"), flag("revoked")) {
                (Some(true), Some(true)) => Outcome::Revoked,
                (Some(false), _) => match b.get("error").and_then(|e| e.as_str()) {
                    Some("invalid_auth" | "not_authed" | "token_revoked" | "account_inactive") => {
                        Outcome::AlreadyDead
                    }
                    Some("ratelimited") => Outcome::Failed("rate_limited"),
                    _ => Outcome::Failed("provider_error"),
                },
                _ => Outcome::Failed("unexpected_body"),
            }
        }
        (_, 204 | 200) => Outcome::Revoked,
        (_, 401) => Outcome::AlreadyDead,
        (_, 403) => Outcome::Failed("forbidden"),
        (_, 429) => Outcome::Failed("rate_limited"),
        (_, 500..=599) => Outcome::Failed("server_error"),
        _ => Outcome::Failed("unexpected_status"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_batches_carry_no_authorization_and_at_most_1000_tokens() {
        let tokens: Vec<String> = (0..1001).map(|i| format!("ghp_{i:036}")).collect();
        let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
        let batches = github_batches(&refs);
        assert_eq!(batches.len(), 2);
        for b in &batches {
            assert!(b.auth.is_empty());
            assert!(b
                .headers
                .iter()
                .all(|(k, _)| !k.eq_ignore_ascii_case("authorization")));
            assert_eq!(b.shown(), "POST https://api.github.com/credentials/revoke");
            assert!(b.url_free_of(&tokens[0]));
        }
        let body = |i: usize| -> serde_json::Value {
            let text = batches[i]
                .body
                .as_ref()
                .map(|b| b.0.clone())
                .unwrap_or_default();
            serde_json::from_str(&text).unwrap_or_default()
        };
        assert_eq!(body(0)["credentials"].as_array().map(Vec::len), Some(1000));
        assert_eq!(body(1)["credentials"][0], tokens[1000].as_str());
    }

    #[test]
    fn answers_are_read_per_provider() {
        let answer = |status: u16, body: &str| Response {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        };
        assert_eq!(read_batch(&answer(202, "")), Outcome::Submitted);
        assert!(!read_batch(&answer(422, "{}")).done());
        let slack = providers::for_rule("slack-bot-token").expect("slack");
        let gitlab = providers::for_rule("gitlab-pat").expect("gitlab");
        assert_eq!(
            read_own(slack, &answer(200, r#"{"ok":true,"revoked":true}"#)),
            Outcome::Revoked
        );
        assert_eq!(
            read_own(
                slack,
                &answer(200, r#"{"ok":false,"error":"invalid_auth"}"#)
            ),
            Outcome::AlreadyDead
        );
        assert_eq!(read_own(gitlab, &answer(204, "")), Outcome::Revoked);
        assert_eq!(read_own(gitlab, &answer(401, "{}")), Outcome::AlreadyDead);
        assert!(!read_own(gitlab, &answer(302, "")).done());
    }
}
