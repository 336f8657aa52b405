//! A finding's `token` object: what the token itself says, with no network. Its kind and
//! lifetime class (from the rule and the prefix), its expiry where it is signed inside it
//! (JWT `exp`, PyPI caveats, SAS `se`), its scope where it is written in it, the AWS account
//! of a key id, and where a person revokes it.

use super::{aws, iso, jwt, macaroon, sas};
use serde::Serialize;

/// Offline facts of one token. Never holds the secret or any part of it.
#[derive(Serialize, Clone, Debug, PartialEq, Default)]
pub struct Token {
    /// What kind of token: `classic personal access token`, `bot token`, `test mode key`.
    pub kind: &'static str,
    /// How long such a token lives: `1 hour`, `long-lived until revoked`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifetime: Option<&'static str>,
    /// RFC 3339, UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Whether `expires_at` has passed (at scan time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired: Option<bool>,
    /// Where `expires_at` comes from: `jwt-exp`, `pypi-caveat`, `sas-se`, or
    /// `policy:max-lifetime` for a bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_source: Option<&'static str>,
    /// `expires_at` is an upper bound (the commit that introduced the token plus the
    /// provider's maximum lifetime), not a date the token carries.
    #[serde(rename = "expires_bound", skip_serializing_if = "std::ops::Not::not")]
    pub bound: bool,
    /// What it may reach, where the token says: `project-scoped: a, b`, `account-wide`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Permissions written in it (a SAS's `sp`): `read`, `write`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<&'static str>>,
    /// The account it belongs to, where the token encodes it (an AWS key id's account).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The issuer a JWT names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Where a person revokes this kind of token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoke_url: Option<&'static str>,
}

impl Token {
    fn new(kind: &'static str, lifetime: &'static str) -> Token {
        Token {
            kind,
            lifetime: Some(lifetime),
            ..Token::default()
        }
    }

    /// Sets a signed expiry, judged against `now`.
    fn expires(&mut self, at: i64, source: &'static str, now: i64) {
        self.expires_at = Some(iso(at));
        self.expired = Some(at <= now);
        self.expires_source = Some(source);
        self.bound = false;
    }

    /// One line for the text report: `token: classic personal access token (expiry
    /// optional); revoke at https://github.com/settings/tokens`.
    pub fn describe(&self) -> String {
        let mut s = self.kind.to_string();
        if let Some(l) = self.lifetime {
            s.push_str(&format!(" ({l})"));
        }
        if let Some(a) = &self.account {
            s.push_str(&format!("; account {a}"));
        }
        if let Some(sc) = &self.scope {
            s.push_str(&format!("; {sc}"));
        }
        if let Some(p) = &self.permissions {
            s.push_str(&format!("; permissions {}", p.join(", ")));
        }
        if let Some(e) = &self.expires_at {
            let word = match (self.expired, self.bound) {
                (Some(true), false) => "expired",
                (Some(true), true) => "expired at the latest",
                (_, true) => "expires at the latest",
                _ => "expires",
            };
            s.push_str(&format!("; {word} {e}"));
        }
        if let Some(u) = self.revoke_url {
            s.push_str(&format!("; revoke at {u}"));
        }
        s
    }
}

/// The offline facts of a match of rule `rule` whose secret is `secret`; `before` is the text
/// of its line before the secret (a SAS's parameters, a stateless `ghs_` token's head).
pub fn offline(rule: &str, secret: &str, before: &[u8], now: i64) -> Option<Token> {
    let mut t = kind(rule, secret)?;
    t.revoke_url = revoke_url(rule);
    match rule {
        "jwt" | "github-app-installation-token-stateless" => {
            if let Some(c) = jwt::claims(secret) {
                if let Some(exp) = c.exp {
                    t.expires(exp, "jwt-exp", now);
                }
                t.issuer = c.iss;
                if let Some(role) = c.role {
                    t.scope = Some(format!("role {role}"));
                }
            }
            if rule != "jwt" {
                t.account = stateless_app_id(before).map(|id| format!("app {id}"));
            }
        }
        "pypi-upload-token" => {
            if let Some(p) = macaroon::pypi(secret) {
                if let Some(exp) = p.expires_at {
                    t.expires(exp, "pypi-caveat", now);
                }
                t.scope = Some(pypi_scope(&p.scope));
            }
        }
        "azure-sas-token" => {
            let line = String::from_utf8_lossy(before);
            let from = line.rfind("sv=").unwrap_or(0);
            if let Some(s) = sas::parse(&format!("{}{secret}", &line[from..])) {
                if let Some(exp) = s.expires_at {
                    t.expires(exp, "sas-se", now);
                } else if s.stored_policy {
                    t.scope = Some("expiry kept in a stored access policy".to_string());
                }
                if !s.permission_names.is_empty() {
                    t.permissions = Some(s.permission_names);
                }
            }
        }
        "aws-access-key-id" => t.account = aws::account_id(secret),
        _ => {}
    }
    Some(t)
}

/// The app id of a stateless installation token, from the `ghs_<id>_` just before its JWT.
fn stateless_app_id(before: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(before).ok()?;
    let head = text.strip_suffix('_')?;
    let at = head.rfind("ghs_")?;
    let id = &head[at + 4..];
    (!id.is_empty() && id.len() <= 12 && id.bytes().all(|b| b.is_ascii_digit()))
        .then(|| id.to_string())
}

fn pypi_scope(s: &macaroon::PypiScope) -> String {
    use macaroon::PypiScope as S;
    match s {
        S::Account => "account-wide (every project of the user)".to_string(),
        S::Unrestricted => "account-wide (no scoping caveat)".to_string(),
        S::Projects(p) => format!("project-scoped: {}", p.join(", ")),
        S::ProjectIds(p) => format!("project-scoped (ids): {}", p.join(", ")),
        S::TrustedPublisher => "trusted publisher (short-lived)".to_string(),
    }
}

/// The kind and lifetime class of a rule's token (some by prefix); `None` for rules that
/// find passwords, keys and URLs rather than tokens of a known kind.
fn kind(rule: &str, secret: &str) -> Option<Token> {
    let t = Token::new;
    Some(match rule {
        "github-pat-classic" => t("classic personal access token", "expiry optional"),
        "github-pat-fine-grained" => t(
            "fine-grained personal access token",
            "expires when its owner chose, up to a year, or never",
        ),
        "github-oauth-token" => t("OAuth app user token", "long-lived until revoked"),
        "github-app-user-token" => t("GitHub App user token", "8 hours"),
        "github-app-installation-token" | "github-app-installation-token-stateless" => {
            t("GitHub App installation token", "1 hour")
        }
        "github-refresh-token" => t("GitHub App refresh token", "6 months, single use"),
        "gitlab-pat" | "gitlab-pat-routable" => t(
            "personal, project or group access token",
            "expires when its owner chose (at most a year on GitLab.com)",
        ),
        "gitlab-ci-job-token" => t("CI job token", "dies with its CI job"),
        "gitlab-deploy-token" => t("deploy token", "expiry optional"),
        "gitlab-runner-token" | "gitlab-runner-registration-token" => {
            t("runner token", "long-lived until the runner is removed")
        }
        "gitlab-pipeline-trigger-token" => t("pipeline trigger token", "long-lived until revoked"),
        "gitlab-feed-token" => t("feed token", "long-lived until reset"),
        "npm-access-token" => t(
            "granular or classic access token",
            "write access at most 90 days; classic tokens revoked on 2025-12-09",
        ),
        "npm-legacy-auth-token" => t(
            "classic token (legacy form)",
            "revoked by npm with every classic token on 2025-12-09",
        ),
        "slack-bot-token" => t(
            "bot token",
            "long-lived unless token rotation is on (12 hours)",
        ),
        "slack-user-token" => t(
            "user token",
            "long-lived unless token rotation is on (12 hours)",
        ),
        "slack-app-token" => t("app-level token", "long-lived until revoked"),
        "slack-config-access-token" => t("configuration access token", "12 hours"),
        "slack-config-refresh-token" => t("configuration refresh token", "single use"),
        "slack-webhook-url" => t("incoming webhook", "until the app is removed"),
        "openai-api-key" if secret.starts_with("sk-admin-") => {
            t("admin API key", "long-lived until revoked")
        }
        "openai-api-key" if secret.starts_with("sk-svcacct-") => {
            t("service account API key", "long-lived until revoked")
        }
        "openai-api-key" => t("project API key", "long-lived until revoked"),
        "openai-api-key-legacy" => t("user API key (legacy)", "long-lived until revoked"),
        "anthropic-api-key" => t("API key", "long-lived until revoked"),
        "anthropic-admin-key" => t("Admin API key", "long-lived until revoked"),
        "huggingface-token" => t("user access token", "expiry optional"),
        "huggingface-org-token" => t("organization API token (legacy)", "long-lived"),
        "stripe-secret-key" => t("live secret key (unrestricted)", "long-lived until rolled"),
        "stripe-restricted-key" => t("live restricted key", "long-lived until rolled"),
        "stripe-test-key" => t("test mode key", "long-lived; test data only"),
        "stripe-webhook-secret" => t("webhook signing secret", "long-lived until rolled"),
        "sendgrid-api-key" => t("API key", "long-lived until deleted"),
        "digitalocean-pat" => t("personal access token", "expires when its owner chose"),
        "digitalocean-oauth-token" => t("OAuth access token", "30 days"),
        "digitalocean-refresh-token" => t("OAuth refresh token", "single use"),
        "aws-access-key-id" => {
            let (kind, life) = aws::key_class(secret)?;
            t(kind, life)
        }
        "aws-secret-access-key" | "aws-secret-key-paired" => {
            t("secret access key", "as long as its access key id")
        }
        "aws-session-token" => t("STS session token", "temporary (up to 36 hours)"),
        "aws-bedrock-api-key" => t("Bedrock long-term API key", "expires when its owner chose"),
        "pypi-upload-token" => t("API token", "long-lived until deleted"),
        "jwt" => t("JSON Web Token", "until its exp claim"),
        "azure-sas-token" => t("shared access signature", "until its se parameter"),
        "atlassian-api-token" => t("API token", "at most 1 year"),
        "dockerhub-pat" => t("personal access token", "expiry optional"),
        "dockerhub-org-token" => t("organization access token", "expiry optional"),
        "gcp-api-key" => t("API key", "long-lived until deleted"),
        "gcp-oauth-access-token" => t("OAuth access token", "1 hour"),
        _ => return None,
    })
}

/// Where a person revokes a rule's token.
fn revoke_url(rule: &str) -> Option<&'static str> {
    let (_, url) = REVOKE.iter().find(|(prefix, _)| rule.starts_with(prefix))?;
    Some(url)
}

/// Rule id prefixes and revocation pages, most specific first.
const REVOKE: &[(&str, &str)] = &[
    ("github-pat-classic", "https://github.com/settings/tokens"),
    (
        "github-pat-fine-grained",
        "https://github.com/settings/personal-access-tokens",
    ),
    (
        "github-oauth-token",
        "https://github.com/settings/applications",
    ),
    (
        "github-app",
        "https://github.com/settings/apps/authorizations",
    ),
    (
        "github-refresh-token",
        "https://github.com/settings/apps/authorizations",
    ),
    (
        "gitlab-",
        "https://gitlab.com/-/user_settings/personal_access_tokens",
    ),
    ("npm-", "https://www.npmjs.com/settings/~/tokens"),
    ("pypi-", "https://pypi.org/manage/account/#api-tokens"),
    ("slack-", "https://api.slack.com/apps"),
    ("openai-", "https://platform.openai.com/api-keys"),
    ("anthropic-", "https://console.anthropic.com/settings/keys"),
    ("huggingface-", "https://huggingface.co/settings/tokens"),
    ("stripe-", "https://dashboard.stripe.com/apikeys"),
    ("sendgrid-", "https://app.sendgrid.com/settings/api_keys"),
    (
        "digitalocean-",
        "https://cloud.digitalocean.com/account/api/tokens",
    ),
    (
        "aws-",
        "https://console.aws.amazon.com/iam/home#/security_credentials",
    ),
    ("gcp-", "https://console.cloud.google.com/apis/credentials"),
    (
        "atlassian-",
        "https://id.atlassian.com/manage-profile/security/api-tokens",
    ),
    (
        "dockerhub-",
        "https://app.docker.com/settings/personal-access-tokens",
    ),
    (
        "azure-devops",
        "https://dev.azure.com/_usersSettings/tokens",
    ),
];

/// History: bounds the expiry of a token first committed at `committed` (seconds) by its
/// provider's maximum lifetime, where there is one, unless the token carries its own expiry.
pub fn bound_by_commit(t: &mut Token, rule: &str, committed: i64, now: i64) {
    if t.expires_at.is_some() && !t.bound {
        return;
    }
    let Some(bound) = max_lifetime_bound(rule, committed) else {
        return;
    };
    t.expires_at = Some(iso(bound));
    t.expired = Some(bound <= now);
    t.expires_source = Some("policy:max-lifetime");
    t.bound = true;
}

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

/// The latest expiry a token of `rule` that existed at `committed` can have.
fn max_lifetime_bound(rule: &str, committed: i64) -> Option<i64> {
    let lifetime = match rule {
        "github-app-installation-token" | "github-app-installation-token-stateless" => HOUR,
        "github-app-user-token" => 8 * HOUR,
        // `refresh_token_expires_in`: 15,897,600 s, about six months.
        "github-refresh-token" => 15_897_600,
        "slack-config-access-token" => 12 * HOUR,
        "gcp-oauth-access-token" => HOUR,
        "atlassian-api-token" => {
            // Tokens made before 2024-12-15 were given expiry dates up to 2026-05-12; later
            // ones live at most 365 days.
            const CUT_OVER: i64 = 1_734_220_800; // 2024-12-15T00:00:00Z
            const FINAL: i64 = 1_778_630_400; // 2026-05-13T00:00:00Z
            return Some(if committed < CUT_OVER {
                FINAL
            } else {
                (committed + 365 * DAY).max(FINAL)
            });
        }
        _ => return None,
    };
    Some(committed.saturating_add(lifetime))
}

#[cfg(test)]
mod tests;
