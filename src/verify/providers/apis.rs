//! npm, Slack, OpenAI, Anthropic, Hugging Face, Stripe, SendGrid and DigitalOcean: one
//! identity request each.

use super::{
    alnum, bearer, get, scope_list, shaped, text_at, usual, utc, word, Host, Plan, Secret, Verdict,
    Verifier,
};
use crate::verify::Status;

pub const NPM: Verifier = Verifier {
    id: "npm",
    rules: &["npm-access-token", "npm-legacy-auth-token"],
    // The public npm registry.
    host: Host::fixed(concat!("registry.", "npmjs.org")),
    endpoints: &[("GET", "/-/whoami")],
    revokes: &[],
    plan: |a| {
        let (rule, secret) = (a.rule, a.secret);
        if rule == "npm-legacy-auth-token" {
            // npm revoked every classic token on 2025-12-09; the UUID form is one.
            return Some(Plan::Skip(Status::Revoked, "policy"));
        }
        let rest = secret.strip_prefix("npm_")?;
        shaped(rest, 36..=36, alnum).then(|| get(a.to, "/-/whoami", bearer(secret)))
    },
    classify: |_, r| {
        match r.status {
            // npm answers 403 as well as 401 to a token it does not know.
            403 => Verdict::new(Status::Invalid, "unauthorized"),
            _ => usual(r, |r| {
                Verdict::live().account(r.json().and_then(|b| text_at(&b, &["username"])))
            }),
        }
    },
};

pub const SLACK: Verifier = Verifier {
    id: "slack",
    rules: &["slack-bot-token", "slack-user-token", "slack-app-token"],
    host: Host::fixed("slack.com"),
    endpoints: &[("POST", "/api/auth.test")],
    revokes: &[("POST", "/api/auth.revoke")],
    plan: |a| {
        let secret = a.secret;
        let ok = ["xoxb-", "xoxp-", "xapp-"].iter().any(|p| {
            secret
                .strip_prefix(p)
                .is_some_and(|r| shaped(r, 20..=200, word))
        });
        ok.then(|| {
            // auth.test takes no body and changes nothing; it is a POST by Slack's design.
            Plan::Send(a.to.request("POST", "/api/auth.test", bearer(secret)))
        })
    },
    classify: |_, r| {
        if r.status != 200 {
            return usual(r, |_| Verdict::new(Status::Unknown, "unexpected_status"));
        }
        let Some(b) = r.json() else {
            return Verdict::new(Status::Unknown, "unexpected_body");
        };
        if b.get("ok").and_then(|v| v.as_bool()) == Some(true) {
            let team = text_at(&b, &["team"]);
            let user = text_at(&b, &["user"]);
            let account = match (user, team) {
                (Some(u), Some(t)) => Some(format!("{u} in {t}")),
                (u, t) => u.or(t),
            };
            return Verdict::live()
                .account(account)
                .scopes(r.header("x-oauth-scopes").map(scope_list));
        }
        match text_at(&b, &["error"]).as_deref() {
            Some("invalid_auth" | "not_authed") => Verdict::new(Status::Invalid, "unauthorized"),
            Some("token_revoked" | "account_inactive") => Verdict::new(Status::Revoked, "provider"),
            Some("token_expired") => Verdict::new(Status::Expired, "provider"),
            Some("ratelimited") => Verdict::new(Status::Unknown, "rate_limited"),
            _ => Verdict::new(Status::Unknown, "unexpected_body"),
        }
    },
};

pub const OPENAI: Verifier = Verifier {
    id: "openai",
    rules: &["openai-api-key", "openai-api-key-legacy"],
    host: Host::fixed("api.openai.com"),
    endpoints: &[("GET", "/v1/models")],
    revokes: &[],
    plan: |a| {
        let secret = a.secret;
        if secret.starts_with("sk-admin-") {
            // Admin keys cannot list models; their own endpoint is not documented well enough
            // to rely on.
            return Some(Plan::Skip(Status::Skipped, "no_verifier"));
        }
        let rest = secret.strip_prefix("sk-")?;
        (shaped(rest, 40..=420, word) && secret.contains("T3BlbkFJ"))
            .then(|| get(a.to, "/v1/models", bearer(secret)))
    },
    classify: |_, r| {
        let body = r.json();
        let message = body
            .as_ref()
            .and_then(|b| text_at(b, &["error", "message"]))
            .unwrap_or_default();
        let code = body.as_ref().and_then(|b| text_at(b, &["error", "code"]));
        match r.status {
            // A restricted key is valid: OpenAI names the scopes it lacks.
            401 | 403 if message.contains("Missing scopes") => {
                Verdict::new(Status::Live, "restricted")
            }
            429 if code.as_deref() == Some("insufficient_quota") => {
                Verdict::new(Status::Live, "no_quota")
            }
            _ => usual(r, |_| Verdict::live()),
        }
    },
};

pub const ANTHROPIC: Verifier = Verifier {
    id: "anthropic",
    rules: &["anthropic-api-key", "anthropic-admin-key"],
    host: Host::fixed("api.anthropic.com"),
    endpoints: &[
        ("GET", "/v1/models"),
        ("GET", "/v1/organizations/api_keys?limit=1"),
    ],
    revokes: &[],
    plan: |a| {
        let secret = a.secret;
        let path = if secret.starts_with("sk-ant-admin01-") {
            "/v1/organizations/api_keys?limit=1"
        } else if secret.starts_with("sk-ant-api03-") {
            "/v1/models"
        } else {
            return None;
        };
        shaped(secret, 100..=130, word).then(|| {
            let mut r =
                a.to.request("GET", path, ("x-api-key", Secret(secret.to_string())));
            r.headers
                .push(("anthropic-version", "2023-06-01".to_string()));
            Plan::Send(r)
        })
    },
    classify: |_, r| match r.status {
        403 => Verdict::new(Status::Live, "restricted"),
        529 => Verdict::new(Status::Unknown, "server_error"),
        _ => usual(r, |_| Verdict::live()),
    },
};

pub const HUGGINGFACE: Verifier = Verifier {
    id: "huggingface",
    rules: &["huggingface-token", "huggingface-org-token"],
    host: Host::fixed("huggingface.co"),
    endpoints: &[("GET", "/api/whoami-v2")],
    revokes: &[],
    plan: |a| {
        let secret = a.secret;
        let rest = secret
            .strip_prefix("hf_")
            .or_else(|| secret.strip_prefix("api_org_"))?;
        shaped(rest, 34..=34, alnum).then(|| get(a.to, "/api/whoami-v2", bearer(secret)))
    },
    classify: |_, r| {
        usual(r, |r| {
            let Some(b) = r.json() else {
                return Verdict::new(Status::Unknown, "unexpected_body");
            };
            let token = b.get("auth").and_then(|a| a.get("accessToken"));
            let role = token.and_then(|t| text_at(t, &["role"]));
            // A fine-grained token lists its permissions per entity: `model.write on acme`.
            let mut scopes: Vec<String> = role.iter().map(|r| format!("role:{r}")).collect();
            let scoped = token
                .and_then(|t| t.get("fineGrained"))
                .and_then(|f| f.get("scoped"))
                .and_then(|s| s.as_array());
            for entry in scoped.into_iter().flatten() {
                let entity = text_at(entry, &["entity", "name"]).unwrap_or_default();
                let perms = entry.get("permissions").and_then(|p| p.as_array());
                for p in perms.into_iter().flatten().filter_map(|p| p.as_str()) {
                    scopes.push(format!("{p} on {entity}"));
                }
            }
            let mut v = Verdict::live()
                .account(text_at(&b, &["name"]))
                .scopes(Some(scopes));
            v.expires_at = token
                .and_then(|t| text_at(t, &["expiration"]))
                .or_else(|| text_at(&b, &["auth", "expiresAt"]))
                .and_then(|e| utc(&e));
            v
        })
    },
};

pub const STRIPE: Verifier = Verifier {
    id: "stripe",
    rules: &[
        "stripe-secret-key",
        "stripe-restricted-key",
        "stripe-test-key",
    ],
    host: Host::fixed("api.stripe.com"),
    endpoints: &[("GET", "/v1/account")],
    revokes: &[],
    plan: |a| {
        let secret = a.secret;
        let ok = ["sk_live_", "rk_live_", "sk_test_", "rk_test_"]
            .iter()
            .any(|p| {
                secret
                    .strip_prefix(p)
                    .is_some_and(|r| shaped(r, 24..=247, alnum))
            });
        ok.then(|| get(a.to, "/v1/account", bearer(secret)))
    },
    classify: |_, r| {
        let code = r.json().and_then(|b| text_at(&b, &["error", "code"]));
        match r.status {
            // A restricted key without the Account permission is still a key.
            403 => Verdict::new(Status::Live, "restricted"),
            401 if code.as_deref() == Some("api_key_expired") => {
                Verdict::new(Status::Expired, "provider")
            }
            _ => usual(r, |r| {
                Verdict::live().account(r.json().and_then(|b| text_at(&b, &["id"])))
            }),
        }
    },
};

pub const SENDGRID: Verifier = Verifier {
    id: "sendgrid",
    rules: &["sendgrid-api-key"],
    host: Host::fixed("api.sendgrid.com"),
    endpoints: &[("GET", "/v3/scopes")],
    revokes: &[],
    plan: |a| {
        let secret = a.secret;
        let rest = secret.strip_prefix("SG.")?;
        let (id, key) = rest.split_once('.')?;
        (shaped(id, 22..=22, word) && shaped(key, 43..=43, word))
            .then(|| get(a.to, "/v3/scopes", bearer(secret)))
    },
    classify: |_, r| match r.status {
        // A key without the scopes permission is still a key.
        403 => Verdict::new(Status::Live, "restricted"),
        _ => usual(r, |r| {
            let scopes = r.json().and_then(|b| {
                b.get("scopes")?.as_array().map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
            });
            Verdict::live().scopes(scopes)
        }),
    },
};

pub const DIGITALOCEAN: Verifier = Verifier {
    id: "digitalocean",
    rules: &[
        "digitalocean-pat",
        "digitalocean-oauth-token",
        "digitalocean-refresh-token",
    ],
    host: Host::fixed("api.digitalocean.com"),
    endpoints: &[("GET", "/v2/account")],
    revokes: &[],
    plan: |a| {
        let secret = a.secret;
        if secret.starts_with("dor_v1_") {
            // A refresh token is spent by the only check there is.
            return Some(Plan::Skip(Status::Skipped, "side_effect"));
        }
        let rest = secret
            .strip_prefix("dop_v1_")
            .or_else(|| secret.strip_prefix("doo_v1_"))?;
        shaped(rest, 64..=64, |b| b.is_ascii_hexdigit())
            .then(|| get(a.to, "/v2/account", bearer(secret)))
    },
    classify: |_, r| {
        usual(r, |r| {
            let b = r.json();
            let uuid = b.as_ref().and_then(|b| text_at(b, &["account", "uuid"]));
            let status = b.as_ref().and_then(|b| text_at(b, &["account", "status"]));
            Verdict::live().account(match (uuid, status) {
                (Some(u), Some(s)) => Some(format!("{u} ({s})")),
                (u, _) => u,
            })
        })
    },
};
