use super::*;
use crate::testing::github_token;

fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
    Response {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
            .collect(),
        body: body.as_bytes().to_vec(),
    }
}

/// The plan of `v` for a secret with `parts`, sent to the verifier's compiled-in host (or, for
/// a host from the content, to the part named as its host).
fn plan_of(v: &Verifier, rule: &str, secret: &str, parts: &[(String, String)]) -> Option<Plan> {
    let to = match v.host {
        Host::Fixed { host, .. } => Target {
            host: host.to_string(),
            base: String::new(),
        },
        Host::Content { part, .. } => Target {
            host: super::part(parts, part).unwrap_or_default().to_string(),
            base: String::new(),
        },
    };
    (v.plan)(&Ask {
        rule,
        secret,
        parts,
        to: &to,
        logins: true,
    })
}

fn verdict(rule: &str, r: &Response) -> Verdict {
    let v = for_rule(rule).expect("a verifier");
    classify(v, rule, r)
}

/// One generated, well-formed secret per verifier rule that sends a request.
fn samples() -> Vec<(&'static str, String)> {
    let a36 = "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
    vec![
        ("github-pat-classic", github_token("ghp_", 7)),
        ("github-oauth-token", github_token("gho_", 8)),
        ("github-app-user-token", github_token("ghu_", 9)),
        ("github-app-installation-token", github_token("ghs_", 10)),
        (
            "github-pat-fine-grained",
            format!("github_pat_{}_{}", &a36[..22], "x".repeat(59)),
        ),
        ("gitlab-pat", format!("glpat-{}", &a36[..20])),
        ("npm-access-token", format!("npm_{a36}")),
        (
            "slack-bot-token",
            "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx".to_string(),
        ),
        (
            "openai-api-key",
            format!("sk-proj-{}T3BlbkFJ{}", "a".repeat(30), "b".repeat(30)),
        ),
        (
            "anthropic-api-key",
            format!("sk-ant-api03-{}AA", "c".repeat(93)),
        ),
        (
            "anthropic-admin-key",
            format!("sk-ant-admin01-{}AA", "d".repeat(93)),
        ),
        ("huggingface-token", format!("hf_{}", &a36[..34])),
        ("stripe-secret-key", format!("sk_live_{}", &a36[..24])),
        (
            "sendgrid-api-key",
            format!("SG.{}.{}", "e".repeat(22), "f".repeat(43)),
        ),
        ("digitalocean-pat", format!("dop_v1_{}", "0a".repeat(32))),
    ]
}

#[test]
fn every_request_is_allowed_keeps_the_secret_out_of_the_url_and_sends_it_in_one_header() {
    for (rule, secret) in samples() {
        let v = for_rule(rule).expect(rule);
        let Some(Plan::Send(r)) = plan_of(v, rule, &secret, &[]) else {
            panic!("{rule}: no request planned");
        };
        assert!(v.endpoints.contains(&(r.method, r.path)), "{rule}");
        assert_eq!(r.host, v.host.shown(), "{rule}");
        assert!(!r.shown().contains(&secret), "{rule}: secret in the URL");
        assert!(r.shown().starts_with(&format!("{} https://", r.method)));
        assert!(
            r.auth.len() == 1 && r.auth[0].1 .0.contains(&secret) && r.body.is_none(),
            "{rule}: secret not in its one header"
        );
        assert!(
            r.headers.iter().all(|(_, v)| !v.contains(&secret)),
            "{rule}: secret in another header"
        );
        assert!(
            !format!("{r:?}").contains(&secret),
            "{rule}: Debug shows the secret"
        );
        assert!(matches!(r.method, "GET") || r.path == "/api/auth.test");
    }
}

#[test]
fn a_secret_without_the_providers_exact_shape_is_never_sent() {
    for (rule, secret) in samples() {
        let v = for_rule(rule).expect(rule);
        for bad in [
            format!("{secret} "),
            format!("{secret}\n"),
            secret[..8].to_string(),
            format!("{}/{}", &secret[..12], &secret[13..]),
            format!("x{secret}"),
        ] {
            assert!(
                plan_of(v, rule, &bad, &[]).is_none(),
                "{rule}: {bad} would be sent"
            );
        }
    }
}

#[test]
fn refresh_tokens_and_classic_npm_tokens_are_not_sent() {
    let skip = |rule: &str, secret: &str| match for_rule(rule)
        .and_then(|v| plan_of(v, rule, secret, &[]))
    {
        Some(Plan::Skip(s, why)) => (s, why),
        other => panic!("{rule}: {other:?}"),
    };
    assert_eq!(
        skip("github-refresh-token", &github_token("ghr_", 3)),
        (Status::Skipped, "side_effect")
    );
    assert_eq!(
        skip(
            "digitalocean-refresh-token",
            &format!("dor_v1_{}", "1".repeat(64))
        ),
        (Status::Skipped, "side_effect")
    );
    assert_eq!(
        skip(
            "npm-legacy-auth-token",
            "0b1c2d3e-0000-4000-8000-000000000000"
        ),
        (Status::Revoked, "policy")
    );
}

#[test]
fn github_answers() {
    let rule = "github-pat-classic";
    let live = verdict(
        rule,
        &answer(
            200,
            &[
                ("X-OAuth-Scopes", "repo, workflow"),
                (
                    "GitHub-Authentication-Token-Expiration",
                    "2027-03-31 00:00:00 +0900",
                ),
            ],
            r#"{"login":"octocat","id":1,"type":"User","email":"o@example.com"}"#,
        ),
    );
    assert_eq!(live.status, Status::Live);
    assert_eq!(live.scopes, Some(vec!["repo".into(), "workflow".into()]));
    assert_eq!(live.expires_at.as_deref(), Some("2027-03-30T15:00:00Z"));
    assert_eq!(live.account.as_deref(), Some("octocat (User)"));
    let utc = verdict(
        rule,
        &answer(
            200,
            &[(
                "github-authentication-token-expiration",
                "2021-10-07 19:07:53 UTC",
            )],
            "{}",
        ),
    );
    assert_eq!(utc.expires_at.as_deref(), Some("2021-10-07T19:07:53Z"));
    let r = |status, headers: &[(&str, &str)], body| verdict(rule, &answer(status, headers, body));
    assert_eq!(
        r(401, &[], r#"{"message":"Bad credentials"}"#).status,
        Status::Invalid
    );
    let limited = r(403, &[("x-ratelimit-remaining", "0")], "{}");
    assert_eq!(
        (limited.status, limited.reason),
        (Status::Unknown, "rate_limited")
    );
    let secondary = r(
        403,
        &[],
        r#"{"message":"You have exceeded a secondary rate limit"}"#,
    );
    assert_eq!(secondary.reason, "rate_limited");
    assert_eq!(r(429, &[("retry-after", "60")], "").reason, "rate_limited");
    assert_eq!(r(403, &[], "{}").reason, "unexpected_status");
    assert_eq!(
        r(302, &[("location", "http://169.254.169.254/")], "").reason,
        "redirect"
    );
    assert_eq!(r(502, &[], "").reason, "server_error");
    // A fine-grained token's empty scopes header claims nothing.
    let fine = verdict(
        "github-pat-fine-grained",
        &answer(200, &[("x-oauth-scopes", "")], "{}"),
    );
    assert_eq!(fine.scopes, None);
    let inst = verdict(
        "github-app-installation-token",
        &answer(
            200,
            &[],
            r#"{"total_count":3,"repository_selection":"selected"}"#,
        ),
    );
    assert_eq!(
        inst.account.as_deref(),
        Some("installation: 3 repositories selected")
    );
}

#[test]
fn gitlab_tells_expired_from_revoked() {
    let rule = "gitlab-pat";
    let r = |status, body| verdict(rule, &answer(status, &[], body));
    let live = r(
        200,
        r#"{"id":1,"revoked":false,"active":true,"scopes":["api","read_user"],"user_id":42,"expires_at":"2027-01-31"}"#,
    );
    assert_eq!(live.status, Status::Live);
    assert_eq!(live.scopes, Some(vec!["api".into(), "read_user".into()]));
    assert_eq!(live.expires_at.as_deref(), Some("2027-01-31T00:00:00Z"));
    assert_eq!(live.account.as_deref(), Some("user 42"));
    let expired = r(
        401,
        r#"{"error":"invalid_token","error_description":"Token is expired. You can either do re-authorization or token refresh."}"#,
    );
    assert_eq!(expired.status, Status::Expired);
    let revoked = r(
        401,
        r#"{"error":"invalid_token","error_description":"Token was revoked. You have to re-authorize from the user."}"#,
    );
    assert_eq!(revoked.status, Status::Revoked);
    assert_eq!(
        r(401, r#"{"message":"401 Unauthorized"}"#).status,
        Status::Invalid
    );
    let restricted = r(403, r#"{"error":"insufficient_scope"}"#);
    assert_eq!(
        (restricted.status, restricted.reason),
        (Status::Live, "restricted")
    );
}

#[test]
fn the_other_providers_answers() {
    let r = |rule, status, headers: &[(&str, &str)], body| {
        let v = verdict(rule, &answer(status, headers, body));
        (v.status, v.reason)
    };
    use Status::*;
    assert_eq!(
        r("npm-access-token", 200, &[], r#"{"username":"me"}"#),
        (Live, "ok")
    );
    assert_eq!(
        r("npm-access-token", 403, &[], "{}"),
        (Invalid, "unauthorized")
    );
    let slack = verdict(
        "slack-bot-token",
        &answer(
            200,
            &[("x-oauth-scopes", "chat:write,channels:read")],
            r#"{"ok":true,"team":"Acme","user":"bot"}"#,
        ),
    );
    assert_eq!(
        slack.scopes,
        Some(vec!["chat:write".into(), "channels:read".into()])
    );
    assert_eq!(slack.account.as_deref(), Some("bot in Acme"));
    assert_eq!(
        r(
            "slack-bot-token",
            200,
            &[],
            r#"{"ok":false,"error":"invalid_auth"}"#
        ),
        (Invalid, "unauthorized")
    );
    assert_eq!(
        r(
            "slack-bot-token",
            200,
            &[],
            r#"{"ok":false,"error":"token_revoked"}"#
        ),
        (Revoked, "provider")
    );
    assert_eq!(
        r("slack-bot-token", 200, &[], "not json"),
        (Unknown, "unexpected_body")
    );
    assert_eq!(
        r(
            "openai-api-key",
            401,
            &[],
            r#"{"error":{"message":"You have insufficient permissions for this operation. Missing scopes: model.read."}}"#
        ),
        (Live, "restricted")
    );
    assert_eq!(
        r(
            "openai-api-key",
            401,
            &[],
            r#"{"error":{"code":"invalid_api_key"}}"#
        ),
        (Invalid, "unauthorized")
    );
    assert_eq!(
        r(
            "openai-api-key",
            429,
            &[],
            r#"{"error":{"code":"insufficient_quota"}}"#
        ),
        (Live, "no_quota")
    );
    assert_eq!(
        r(
            "openai-api-key",
            429,
            &[],
            r#"{"error":{"code":"rate_limit_exceeded"}}"#
        ),
        (Unknown, "rate_limited")
    );
    assert_eq!(r("anthropic-api-key", 403, &[], "{}"), (Live, "restricted"));
    assert_eq!(
        r("anthropic-api-key", 529, &[], "{}"),
        (Unknown, "server_error")
    );
    let hf = verdict(
        "huggingface-token",
        &answer(
            200,
            &[],
            r#"{"name":"me","email":"x@example.com","auth":{"accessToken":{"role":"fineGrained","fineGrained":{"scoped":[{"entity":{"name":"acme"},"permissions":["repo.write"]}]}}}}"#,
        ),
    );
    assert_eq!(
        hf.scopes,
        Some(vec!["role:fineGrained".into(), "repo.write on acme".into()])
    );
    assert_eq!(hf.account.as_deref(), Some("me"));
    assert_eq!(r("stripe-secret-key", 403, &[], "{}"), (Live, "restricted"));
    assert_eq!(
        r(
            "stripe-secret-key",
            401,
            &[],
            r#"{"error":{"code":"api_key_expired"}}"#
        ),
        (Expired, "provider")
    );
    assert_eq!(
        r(
            "stripe-secret-key",
            401,
            &[],
            r#"{"error":{"code":"other"}}"#
        ),
        (Invalid, "unauthorized")
    );
    let sg = verdict(
        "sendgrid-api-key",
        &answer(200, &[], r#"{"scopes":["mail.send","stats.read"]}"#),
    );
    assert_eq!(
        sg.scopes,
        Some(vec!["mail.send".into(), "stats.read".into()])
    );
    let d = verdict(
        "digitalocean-pat",
        &answer(
            200,
            &[],
            r#"{"account":{"uuid":"u-1","status":"active","email":"x@example.com"}}"#,
        ),
    );
    assert_eq!(d.account.as_deref(), Some("u-1 (active)"));
}

#[test]
fn no_personal_data_beyond_an_account_id_is_kept() {
    let hf = verdict(
        "huggingface-token",
        &answer(
            200,
            &[],
            r#"{"name":"me","email":"secret-mail@example.com","auth":{"accessToken":{"role":"read"}}}"#,
        ),
    );
    assert!(!format!("{hf:?}").contains("secret-mail"));
}

#[test]
fn endpoints_name_every_host() {
    let list = endpoints();
    for v in VERIFIERS {
        assert!(
            list.contains(&format!("https://{}", v.host.shown())),
            "{}",
            v.id
        );
    }
}

#[test]
fn hosts_from_content_are_plain_names_under_the_providers_domain() {
    for good in [
        "acme.myshopify.com",
        "acme-shop-2.myshopify.com",
        "a.b.myshopify.com",
    ] {
        assert!(content_host(good, ".myshopify.com"), "{good}");
    }
    for bad in [
        ".myshopify.com",
        "myshopify.com",
        "acme.myshopify.com.evil.example",
        "evil.example",
        "127.0.0.1",
        "acme.myshopify.com:8443",
        "user@acme.myshopify.com",
        "Acme.myshopify.com",
        "-acme.myshopify.com",
        "acme..myshopify.com",
        "acme_x.myshopify.com",
        "[::1].myshopify.com",
    ] {
        assert!(!content_host(bad, ".myshopify.com"), "{bad}");
    }
    let long = format!("{}.myshopify.com", "a".repeat(64));
    assert!(
        !content_host(&long, ".myshopify.com"),
        "a label over 63 bytes"
    );
}

#[test]
fn a_part_is_read_before_the_secret_else_after_it() {
    let p = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let both = p(&[
        ("shop_after", "b.myshopify.com"),
        ("shop", "a.myshopify.com"),
    ]);
    assert_eq!(part(&both, "shop"), Some("a.myshopify.com"));
    let after = p(&[("shop_after", "b.myshopify.com")]);
    assert_eq!(part(&after, "shop"), Some("b.myshopify.com"));
    assert_eq!(part(&after, "site"), None);
}
