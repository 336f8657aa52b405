//! `--verify` against a real HTTP server on 127.0.0.1 that answers like each provider (never
//! the internet): the statuses, the JSON / SARIF / text output, one request per distinct
//! secret, no request without `--verify`, the safety rules, and no secret in any output.

mod common;

use common::fake::{bearer, header, json, ok, run, status, Fake};
use common::{github_pat, sarif_schema, Tree};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// GitHub as the docs describe it: the `live` token has scopes and an expiry, `dead` gets a
/// 401, `limited` a rate-limited 403.
fn github(live: String, dead: String, limited: String) -> Fake {
    Fake::start(move |url, headers| {
        assert_eq!(url, "/api.github.com/user", "only /user is asked");
        let t = bearer(headers);
        if t == live {
            ok(
                r#"{"login":"octocat","id":1,"type":"User","email":"octo@example.com"}"#,
                vec![
                    ("X-OAuth-Scopes", "repo, workflow".to_string()),
                    (
                        "GitHub-Authentication-Token-Expiration",
                        "2027-03-31 00:00:00 +0900".to_string(),
                    ),
                ],
            )
        } else if t == dead {
            status(401, r#"{"message":"Bad credentials"}"#, vec![])
        } else if t == limited {
            status(
                403,
                r#"{"message":"API rate limit exceeded"}"#,
                vec![("x-ratelimit-remaining", "0".to_string())],
            )
        } else {
            status(500, "unexpected token", vec![])
        }
    })
}

/// Files `f<i>.env`, each with a classic token of its own, for `i` in `range`.
fn write_tokens(tree: &Tree, range: std::ops::Range<u64>) {
    for i in range {
        tree.write(
            &format!("f{i}.env"),
            format!("TOKEN={}\n", github_pat(9600 + i)),
        );
    }
}

fn by_secret<'a>(findings: &'a [Value], secret: &str) -> Vec<&'a Value> {
    findings.iter().filter(|f| f["secret"] == secret).collect()
}

#[test]
fn github_statuses_one_request_per_secret_and_every_format() {
    let (live, dead, limited) = (github_pat(9101), github_pat(9102), github_pat(9103));
    let fake = github(live.clone(), dead.clone(), limited.clone());
    let tree = Tree::new();
    for (i, f) in ["a.env", "b/c.env", "d.yml"].iter().enumerate() {
        tree.write(f, format!("GITHUB_TOKEN={live}\nline {i}\n"));
    }
    tree.write("dead.env", format!("TOKEN={dead}\n"));
    tree.write("limited.env", format!("TOKEN={limited}\n"));

    let r = run(
        &tree,
        Some(&fake),
        &["scan", ".", "--verify", "-f", "json", "--show-secrets"],
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let findings = json(&r);
    let lives = by_secret(&findings, &live);
    assert_eq!(lives.len(), 3);
    for f in &lives {
        let v = &f["verification"];
        assert_eq!(v["status"], "live", "{v}");
        assert_eq!(v["reason"], "ok");
        assert_eq!(v["scopes"], serde_json::json!(["repo", "workflow"]));
        assert_eq!(v["expires_at"], "2027-03-30T15:00:00Z");
        assert_eq!(v["account"], "octocat (User)");
        assert_eq!(v["provider"], "github");
        assert_eq!(v["request"], "GET https://api.github.com/user");
        assert_eq!(v["test_endpoint"], true);
        assert!(
            v["checked_at"].as_str().is_some_and(|s| s.ends_with('Z')),
            "{v}"
        );
        assert_eq!(f["token"]["kind"], "classic personal access token");
        assert_eq!(
            f["token"]["revoke_url"],
            "https://github.com/settings/tokens"
        );
    }
    let d = by_secret(&findings, &dead);
    assert_eq!(d[0]["verification"]["status"], "invalid");
    assert_eq!(d[0]["verification"]["reason"], "unauthorized");
    let l = by_secret(&findings, &limited);
    assert_eq!(l[0]["verification"]["status"], "unknown");
    assert_eq!(l[0]["verification"]["reason"], "rate_limited");
    // The same token in three files is checked once: three distinct secrets, three requests.
    let seen = fake.seen();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(
        seen.iter().filter(|s| bearer(&s.headers) == live).count(),
        1
    );
    for s in &seen {
        assert_eq!(s.method, "GET");
        assert!(!s.url.contains("ghp_"), "a secret in the URL: {}", s.url);
        let ua = s.headers.iter().find(|(k, _)| k == "user-agent");
        assert!(ua.is_some_and(|(_, v)| v.starts_with("leakscan/")), "{s:?}");
    }
    assert!(
        r.stderr.contains("verify: 3 distinct secrets: 1 live, 1 dead (1 invalid), 1 unknown (1 rate_limited), 0 skipped; 3 requests to 1 hosts (api.github.com 3)"),
        "{}",
        r.stderr
    );

    // SARIF: schema-valid, a live token is an error with its verification in properties.
    let r = run(
        &tree,
        Some(&fake),
        &["scan", ".", "--verify", "-f", "sarif"],
        &[],
    );
    let sarif: Value = serde_json::from_str(&r.stdout).expect("sarif json");
    let validator = jsonschema::validator_for(&sarif_schema()).expect("schema");
    assert!(validator.is_valid(&sarif), "SARIF fails the schema");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let live_results: Vec<&Value> = results
        .iter()
        .filter(|r| r["properties"]["verification"]["status"] == "live")
        .collect();
    assert_eq!(live_results.len(), 3);
    for res in &live_results {
        assert_eq!(res["level"], "error");
        let text = res["message"]["text"].as_str().expect("message");
        assert!(text.starts_with("Verified live (ok): octocat"), "{text}");
    }
    let dead_result = results
        .iter()
        .find(|r| r["properties"]["verification"]["status"] == "invalid")
        .expect("the dead one");
    assert_eq!(dead_result["level"], "note");

    // Text: a line per finding.
    let r = run(&tree, Some(&fake), &["scan", ".", "--verify"], &[]);
    assert!(
        r.stdout.contains("= verified: live (ok): octocat (User) [github]; scopes repo, workflow; expires 2027-03-30T15:00:00Z"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("= verified: invalid (unauthorized)"),
        "{}",
        r.stdout
    );
    for text in [&r.stdout, &r.stderr] {
        for secret in [&live, &dead, &limited] {
            assert!(!text.contains(secret.as_str()), "a secret in the output");
        }
    }
}

#[test]
fn nothing_is_sent_without_verify_with_never_or_in_a_dry_run() {
    let token = github_pat(9201);
    let fake = github(token.clone(), String::new(), String::new());
    let tree = Tree::new();
    tree.write("a.env", format!("TOKEN={token}\n"));
    let r = run(&tree, Some(&fake), &["scan", ".", "-f", "json"], &[]);
    assert_eq!(r.code, 1);
    assert!(json(&r)[0].get("verification").is_none());
    let r = run(
        &tree,
        Some(&fake),
        &["scan", ".", "--verify", "-f", "json"],
        &[("LEAKSCAN_VERIFY", "never")],
    );
    assert_eq!(r.code, 1);
    assert!(json(&r)[0].get("verification").is_none());
    assert!(
        r.stderr
            .contains("LEAKSCAN_VERIFY=never overrides --verify"),
        "{}",
        r.stderr
    );
    let r = run(
        &tree,
        Some(&fake),
        &["scan", ".", "--verify-dry-run", "-f", "json"],
        &[],
    );
    assert_eq!(json(&r)[0]["verification"]["status"], "skipped");
    assert_eq!(json(&r)[0]["verification"]["reason"], "dry_run");
    assert!(
        r.stderr.contains(
            "would send GET https://api.github.com/user (github, rule github-pat-classic)"
        ),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(&token));
    assert!(fake.seen().is_empty(), "{:?}", fake.seen());
}

#[test]
fn a_repository_cannot_turn_verification_on_and_staged_never_verifies() {
    let tree = Tree::new();
    tree.write(".leakscan.toml", "[verify]\nenabled = true\n");
    tree.write("a.env", format!("TOKEN={}\n", github_pat(9301)));
    let r = run(&tree, None, &["scan", "."], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("a [verify] table is not allowed"),
        "{}",
        r.stderr
    );
    let r = run(&tree, None, &["staged", "--verify"], &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--verify"), "{}", r.stderr);
    let r = run(&tree, None, &["baseline", "--verify"], &[]);
    assert_eq!(r.code, 2);
}

#[test]
fn the_test_endpoint_must_be_loopback() {
    let tree = Tree::new();
    tree.write("a.env", format!("TOKEN={}\n", github_pat(9401)));
    for bad in [
        "http://10.1.2.3:80",
        "http://localhost:8080",
        "https://127.0.0.1:443",
    ] {
        let r = run(
            &tree,
            None,
            &["scan", ".", "--verify"],
            &[("LEAKSCAN_VERIFY_ENDPOINT", bad)],
        );
        assert_eq!(r.code, 2, "{bad}: {}", r.stderr);
        assert!(r.stderr.contains("is refused"), "{}", r.stderr);
    }
}

#[test]
fn redirects_slow_answers_and_odd_bodies_are_unknown_and_leak_nothing() {
    let other = Fake::start(|_, _| ok("{}", vec![]));
    let target = format!("{}/api.github.com/user", other.endpoint());
    let (redirect, slow, odd, retry) = (
        github_pat(9501),
        github_pat(9502),
        github_pat(9503),
        github_pat(9504),
    );
    let tries = Arc::new(Mutex::new(0));
    let fake = {
        let (redirect, slow, odd, retry, tries) = (
            redirect.clone(),
            slow.clone(),
            odd.clone(),
            retry.clone(),
            tries.clone(),
        );
        Fake::start(move |_, headers| {
            let t = bearer(headers);
            if t == redirect {
                status(302, "", vec![("Location", target.clone())])
            } else if t == slow {
                (200, vec![], "{}".to_string(), Duration::from_secs(4))
            } else if t == odd {
                status(403, &format!("not json, echoing {t}"), vec![])
            } else if t == retry {
                let mut n = tries.lock().expect("tries");
                *n += 1;
                if *n == 1 {
                    status(429, "", vec![("Retry-After", "1".to_string())])
                } else {
                    ok(r#"{"login":"patient"}"#, vec![])
                }
            } else {
                status(500, "", vec![])
            }
        })
    };
    let tree = Tree::new();
    for (i, t) in [&redirect, &slow, &odd, &retry].iter().enumerate() {
        tree.write(&format!("f{i}.env"), format!("TOKEN={t}\n"));
    }
    let r = run(
        &tree,
        Some(&fake),
        &[
            "scan",
            ".",
            "--verify",
            "--verify-timeout",
            "2",
            "-f",
            "json",
        ],
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let findings = json(&r);
    let status_of = |i: usize| {
        let f = findings
            .iter()
            .find(|f| f["path"] == format!("f{i}.env").as_str())
            .unwrap_or_else(|| panic!("no finding in f{i}.env"));
        (
            f["verification"]["status"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            f["verification"]["reason"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        )
    };
    assert_eq!(status_of(0), ("unknown".into(), "redirect".into()));
    assert_eq!(status_of(1), ("unknown".into(), "timeout".into()));
    assert_eq!(status_of(2), ("unknown".into(), "unexpected_status".into()));
    assert_eq!(status_of(3), ("live".into(), "ok".into()));
    assert_eq!(*tries.lock().expect("tries"), 2, "one wait, then one retry");
    assert!(other.seen().is_empty(), "the redirect was followed");
    for secret in [&redirect, &slow, &odd, &retry] {
        assert!(!r.stdout.contains(secret.as_str()) && !r.stderr.contains(secret.as_str()));
    }
}

#[test]
fn list_endpoints_names_every_host() {
    let tree = Tree::new();
    let r = run(&tree, None, &["verify", "--list-endpoints"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for host in [
        "https://api.github.com/user",
        "https://gitlab.com/api/v4/personal_access_tokens/self",
        "https://slack.com/api/auth.test",
        "https://api.openai.com/v1/models",
        "https://api.anthropic.com/v1/models",
        "https://huggingface.co/api/whoami-v2",
        "https://api.stripe.com/v1/account",
        "https://api.sendgrid.com/v3/scopes",
        "https://api.digitalocean.com/v2/account",
    ] {
        assert!(r.stdout.contains(host), "{host}: {}", r.stdout);
    }
}

#[test]
fn at_most_two_requests_per_host_and_the_budget_bounds_the_run() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let fake = {
        let (now, most) = (now.clone(), most.clone());
        Fake::start(move |_, _| {
            let n = now.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(n, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(400));
            now.fetch_sub(1, Ordering::SeqCst);
            ok(r#"{"login":"x"}"#, vec![])
        })
    };
    let tree = Tree::new();
    write_tokens(&tree, 0..6);
    let r = run(
        &tree,
        Some(&fake),
        &[
            "scan",
            ".",
            "--verify",
            "--verify-workers",
            "6",
            "-f",
            "json",
        ],
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(json(&r)
        .iter()
        .all(|f| f["verification"]["status"] == "live"));
    assert_eq!(fake.seen().len(), 6);
    assert_eq!(
        most.load(Ordering::SeqCst),
        2,
        "requests in flight to one host"
    );

    // A budget of one second: two checks at a time, 400 ms each, so of twelve the last ones
    // never start and are unknown, not dead.
    write_tokens(&tree, 6..12);
    let r = run(
        &tree,
        Some(&fake),
        &[
            "scan",
            ".",
            "--verify",
            "--verify-budget",
            "1",
            "-f",
            "json",
        ],
        &[],
    );
    let findings = json(&r);
    let exhausted = findings
        .iter()
        .filter(|f| f["verification"]["reason"] == "budget_exhausted")
        .count();
    assert!(exhausted >= 1, "{findings:?}");
    // Only what was sent is counted.
    let sent = 12 - exhausted;
    assert!(
        r.stderr.contains(&format!(
            "; {sent} requests to 1 hosts (api.github.com {sent})"
        )),
        "{}",
        r.stderr
    );
    assert!(
        findings
            .iter()
            .all(|f| ["live", "unknown"]
                .contains(&f["verification"]["status"].as_str().unwrap_or("")))
    );
}

#[test]
fn history_verifies_each_distinct_secret_once() {
    let token = github_pat(9701);
    let fake = github(token.clone(), String::new(), String::new());
    let repo = common::git::Repo::new();
    repo.write("a.env", format!("T={token}\n"));
    repo.commit("one");
    repo.write("b.env", format!("T={token}\n"));
    repo.commit("two");
    let tree = Tree::new();
    let dir = repo.dir.to_string_lossy().into_owned();
    let r = run(
        &tree,
        Some(&fake),
        &["history", &dir, "--verify", "-f", "json"],
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let findings = json(&r);
    assert_eq!(findings.len(), 2);
    assert!(findings
        .iter()
        .all(|f| f["verification"]["status"] == "live"));
    assert_eq!(fake.seen().len(), 1);
}

#[test]
fn every_status_from_answers_like_gitlab_and_slack_give() {
    let rng = |seed| leakscan::testing::Rng::new(seed).base62(20);
    let (live, expired, revoked) = (
        format!("glpat-{}", rng(1)),
        format!("glpat-{}", rng(2)),
        format!("glpat-{}", rng(3)),
    );
    let slack_revoked = format!(
        "xoxb-{}-{}-{}",
        "3829104756",
        "5017263948",
        leakscan::testing::Rng::new(4).base62(24)
    );
    let refresh = leakscan::testing::github_token("ghr_", 5);
    let fake = {
        let (live, expired, revoked, slack_revoked) = (
            live.clone(),
            expired.clone(),
            revoked.clone(),
            slack_revoked.clone(),
        );
        Fake::start(move |url, headers| {
            let private = header(headers, "private-token");
            match url {
                "/gitlab.com/api/v4/personal_access_tokens/self" if private == live => ok(
                    r#"{"active":true,"revoked":false,"scopes":["api"],"user_id":7,"expires_at":"2027-02-01"}"#,
                    vec![],
                ),
                "/gitlab.com/api/v4/personal_access_tokens/self" if private == expired => status(
                    401,
                    r#"{"error":"invalid_token","error_description":"Token is expired. You can either do re-authorization or token refresh."}"#,
                    vec![],
                ),
                "/gitlab.com/api/v4/personal_access_tokens/self" if private == revoked => status(
                    401,
                    r#"{"error":"invalid_token","error_description":"Token was revoked. You have to re-authorize from the user."}"#,
                    vec![],
                ),
                "/slack.com/api/auth.test" if bearer(headers) == slack_revoked => {
                    ok(r#"{"ok":false,"error":"token_revoked"}"#, vec![])
                }
                _ => status(500, "", vec![]),
            }
        })
    };
    let tree = Tree::new();
    for (i, t) in [&live, &expired, &revoked, &slack_revoked, &refresh]
        .iter()
        .enumerate()
    {
        tree.write(&format!("f{i}.env"), format!("TOKEN={t}\n"));
    }
    let r = run(
        &tree,
        Some(&fake),
        &["scan", ".", "--verify", "-f", "json"],
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let findings = json(&r);
    let got = |i: usize| {
        let f = findings
            .iter()
            .find(|f| f["path"] == format!("f{i}.env").as_str())
            .unwrap_or_else(|| panic!("no finding in f{i}.env: {findings:?}"));
        let v = &f["verification"];
        (
            v["status"].as_str().unwrap_or("").to_string(),
            v["reason"].as_str().unwrap_or("").to_string(),
        )
    };
    assert_eq!(got(0), ("live".into(), "ok".into()));
    assert_eq!(got(1), ("expired".into(), "provider".into()));
    assert_eq!(got(2), ("revoked".into(), "provider".into()));
    assert_eq!(got(3), ("revoked".into(), "provider".into()));
    assert_eq!(got(4), ("skipped".into(), "side_effect".into()));
    let live_v = &findings.iter().find(|f| f["path"] == "f0.env").expect("f0")["verification"];
    assert_eq!(live_v["scopes"], serde_json::json!(["api"]));
    assert_eq!(live_v["expires_at"], "2027-02-01T00:00:00Z");
    // The refresh token was never sent: four requests, the POST without a body.
    let seen = fake.seen();
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert!(seen
        .iter()
        .any(|s| s.method == "POST" && s.url == "/slack.com/api/auth.test"));
    for t in [&live, &expired, &revoked, &slack_revoked, &refresh] {
        assert!(!r.stdout.contains(t.as_str()) && !r.stderr.contains(t.as_str()));
    }
}
