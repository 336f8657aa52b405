//! GitHub (every token kind, each on an endpoint that works for it) and GitLab (personal,
//! project and group access tokens, which tell expired from revoked).

use super::{
    alnum, bearer, clip, get, scope_list, shaped, text_at, usual, utc, word, Ask, Host, Plan,
    Response, Verdict, Verifier,
};
use crate::verify::Status;

pub const GITHUB: Verifier = Verifier {
    id: "github",
    rules: &[
        "github-pat-classic",
        "github-pat-fine-grained",
        "github-oauth-token",
        "github-app-user-token",
        "github-app-installation-token",
        "github-app-installation-token-stateless",
        "github-refresh-token",
    ],
    host: Host::Fixed {
        host: "api.github.com",
        self_hosted: Some("/api/v3"),
    },
    endpoints: &[
        ("GET", "/user"),
        ("GET", "/installation/repositories?per_page=1"),
    ],
    revokes: &[
        ("POST", "/credentials/revoke"),
        ("DELETE", "/installation/token"),
    ],
    plan: github_plan,
    classify: github_classify,
};

/// `gh?_` and 36 letters and digits, or `github_pat_`, 22, `_`, 59.
pub(crate) fn github_shape(s: &str) -> bool {
    if let Some(rest) = s.strip_prefix("github_pat_") {
        return rest.len() == 82
            && rest.as_bytes().get(22) == Some(&b'_')
            && rest.bytes().enumerate().all(|(i, b)| i == 22 || alnum(b));
    }
    let len = if s.starts_with("ghr_") {
        36..=76
    } else {
        36..=36
    };
    matches!(s.get(..4), Some("ghp_" | "gho_" | "ghu_" | "ghs_" | "ghr_"))
        && shaped(&s[4..], len.clone(), alnum)
        && (s.len() - 4 == *len.start() || s.len() - 4 == *len.end())
}

fn github_plan(a: &Ask) -> Option<Plan> {
    let (rule, secret) = (a.rule, a.secret);
    if rule == "github-app-installation-token-stateless" {
        // The rule captures the JWT without its `ghs_<app id>_` head, so the token cannot be
        // sent whole; its expiry is read offline instead.
        return Some(Plan::Skip(Status::Skipped, "partial_token"));
    }
    if !github_shape(secret) {
        return None;
    }
    if secret.starts_with("ghr_") {
        // A refresh token can only be checked by spending it.
        return Some(Plan::Skip(Status::Skipped, "side_effect"));
    }
    let mut plan = if secret.starts_with("ghs_") {
        // An installation token gets 403 from /user.
        get(
            a.to,
            "/installation/repositories?per_page=1",
            bearer(secret),
        )
    } else {
        get(a.to, "/user", bearer(secret))
    };
    if let Plan::Send(r) = &mut plan {
        r.headers = vec![("Accept", "application/vnd.github+json".to_string())];
    }
    Some(plan)
}

fn github_classify(rule: &str, r: &Response) -> Verdict {
    usual(r, |r| {
        let body = r.json();
        let mut v = Verdict::live();
        if let Some(b) = &body {
            v = v.account(
                text_at(b, &["login"]).map(|login| match text_at(b, &["type"]) {
                    Some(t) => format!("{login} ({t})"),
                    None => login,
                }),
            );
            if let Some(n) = text_at(b, &["total_count"]) {
                let sel = text_at(b, &["repository_selection"]).unwrap_or_default();
                v.account = Some(clip(&format!("installation: {n} repositories {sel}")));
            }
        }
        // Fine-grained and App tokens send no scopes header, or an empty one: GitHub exposes
        // no introspection of their permissions, so none is claimed.
        let scoped = matches!(rule, "github-pat-classic" | "github-oauth-token");
        if scoped {
            v = v.scopes(r.header("x-oauth-scopes").map(scope_list));
        }
        v.expires_at = r
            .header("github-authentication-token-expiration")
            .and_then(utc);
        v
    })
}

pub const GITLAB: Verifier = Verifier {
    id: "gitlab",
    rules: &["gitlab-pat", "gitlab-pat-routable"],
    host: Host::Fixed {
        host: "gitlab.com",
        self_hosted: Some(""),
    },
    endpoints: &[("GET", "/api/v4/personal_access_tokens/self")],
    revokes: &[("DELETE", "/api/v4/personal_access_tokens/self")],
    plan: gitlab_plan,
    classify: gitlab_classify,
};

fn gitlab_plan(a: &Ask) -> Option<Plan> {
    let secret = a.secret;
    let rest = secret.strip_prefix("glpat-")?;
    if !shaped(rest, 20..=320, |b| word(b) || b == b'.') {
        return None;
    }
    Some(get(
        a.to,
        "/api/v4/personal_access_tokens/self",
        ("PRIVATE-TOKEN", super::Secret(secret.to_string())),
    ))
}

fn gitlab_classify(_rule: &str, r: &Response) -> Verdict {
    let body = r.json();
    let field = |k: &[&str]| body.as_ref().and_then(|b| text_at(b, k));
    match r.status {
        200 => {
            let b = body.as_ref();
            let flag = |k: &str| b.and_then(|b| b.get(k)).and_then(|v| v.as_bool());
            let mut v = if flag("revoked") == Some(true) {
                Verdict::new(Status::Revoked, "provider")
            } else if flag("active") == Some(false) {
                Verdict::new(Status::Expired, "provider")
            } else {
                Verdict::live()
            };
            v = v.scopes(b.and_then(|b| b.get("scopes")).and_then(|s| {
                s.as_array().map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
            }));
            v.expires_at = field(&["expires_at"]).and_then(|e| utc(&e));
            v.account(field(&["user_id"]).map(|u| format!("user {u}")))
        }
        401 => {
            let why = field(&["error_description"]).unwrap_or_default();
            if why.contains("Token is expired") {
                Verdict::new(Status::Expired, "provider")
            } else if why.contains("Token was revoked") {
                Verdict::new(Status::Revoked, "provider")
            } else {
                Verdict::new(Status::Invalid, "unauthorized")
            }
        }
        403 if field(&["error"]).as_deref() == Some("insufficient_scope") => {
            Verdict::new(Status::Live, "restricted")
        }
        _ => Verdict::new(Status::Unknown, "unexpected_status"),
    }
}
