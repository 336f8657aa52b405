//! `leakscan revoke` against a server on 127.0.0.1 that answers like GitHub, GitLab and Slack
//! (never the internet): one batched, unauthenticated request to GitHub's revocation API,
//! tokens that revoke themselves, what is left to revoke by hand, the confirmation, the dry
//! run, and no secret in any output.

mod common;

use common::fake::{bearer, header, json, leaks_none, ok, run, status, to, Fake, Seen};
use common::{github_pat, str_field, Tree};
use leakscan::testing::Rng;
use serde_json::Value;

/// The fingerprints of a plain scan's findings, by path.
fn fingerprints(tree: &Tree) -> Vec<(String, String)> {
    let r = run(tree, None, &["scan", ".", "-f", "json"], &[]);
    json(&r)
        .iter()
        .map(|f| (str_field(f, "path"), str_field(f, "fingerprint")))
        .collect()
}

fn fingerprint_of(tree: &Tree, path: &str) -> String {
    fingerprints(tree)
        .into_iter()
        .find(|(p, _)| p == path)
        .map(|(_, fp)| fp)
        .unwrap_or_else(|| panic!("no finding in {path}"))
}

const REVOKE_URL: &str = "/api.github.com/credentials/revoke";

/// GitHub: 202 to revocations, 401 to everything else (the revoked tokens re-verified).
fn github() -> Fake {
    Fake::start(|url, _| match url {
        REVOKE_URL => status(202, "", vec![]),
        _ => status(401, r#"{"message":"Bad credentials"}"#, vec![]),
    })
}

#[test]
fn fingerprints_are_revoked_in_one_unauthenticated_batch_after_yes() {
    let (a, b, c) = (github_pat(31), github_pat(32), github_pat(33));
    let tree = Tree::new();
    tree.write("a.env", format!("GH_TOKEN={a}\n"));
    tree.write("b/config.yml", format!("token: {b}\n"));
    tree.write("c.env", format!("GH_TOKEN={c}\n"));
    // The same token twice is one credential.
    tree.write("a-copy.env", format!("TOKEN={a}\n"));
    let fa = fingerprint_of(&tree, "a.env");
    let fb = fingerprint_of(&tree, "b/config.yml");
    let fake = github();
    let args = ["revoke", ".", "--fingerprint", &fa, "--fingerprint", &fb];

    // Not on a terminal and no --yes: refused, nothing sent.
    let r = run(&tree, Some(&fake), &args, &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--yes"), "{}", r.stderr);
    assert!(fake.seen().is_empty(), "{:?}", fake.seen());

    // A dry run lists and plans, and sends nothing.
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let r = run(&tree, Some(&fake), &dry, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("would send: POST https://api.github.com/credentials/revoke"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("a.env:1"), "{}", r.stdout);
    assert!(fake.seen().is_empty(), "{:?}", fake.seen());
    leaks_none(&r, &[&a, &b, &c]);

    let mut yes = args.to_vec();
    yes.push("--yes");
    let r = run(&tree, Some(&fake), &yes, &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let seen = fake.seen();
    let batches = to(&seen, REVOKE_URL);
    assert_eq!(batches.len(), 1, "{seen:?}");
    let batch = &batches[0];
    assert_eq!(batch.method, "POST");
    assert!(
        batch.headers.iter().all(|(k, _)| k != "authorization"),
        "{:?}",
        batch.headers
    );
    let body: Value = serde_json::from_str(&batch.body).expect("a JSON body");
    let mut sent: Vec<&str> = body["credentials"]
        .as_array()
        .expect("credentials")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    sent.sort_unstable();
    let mut want = vec![a.as_str(), b.as_str()];
    want.sort_unstable();
    assert_eq!(sent, want, "the selected tokens, each once, and not c");
    // Re-verified afterwards: GitHub now says 401.
    assert_eq!(to(&seen, "/api.github.com/user").len(), 2, "{seen:?}");
    assert!(r.stdout.contains("submitted"), "{}", r.stdout);
    assert!(r.stdout.contains("invalid (unauthorized)"), "{}", r.stdout);
    assert!(r.stdout.contains("a-copy.env:1"), "{}", r.stdout);
    leaks_none(&r, &[&a, &b, &c]);
}

#[test]
fn tokens_that_revoke_themselves_and_the_rest_by_hand() {
    let glpat = format!("glpat-{}", Rng::new(41).base62(20));
    let slack = format!(
        "xoxb-{}-{}-{}",
        "3829104756",
        "5017263948",
        Rng::new(42).base62(24)
    );
    let stripe = format!("sk_live_{}", Rng::new(43).base62(24));
    let fake = {
        let (glpat, slack) = (glpat.clone(), slack.clone());
        Fake::start(move |url, headers| {
            let private = header(headers, "private-token");
            match url {
                "/gitlab.corp.example/api/v4/personal_access_tokens/self" if private == glpat => {
                    status(204, "", vec![])
                }
                "/slack.com/api/auth.revoke" if bearer(headers) == slack => {
                    ok(r#"{"ok":true,"revoked":true}"#, vec![])
                }
                _ => status(401, "{}", vec![]),
            }
        })
    };
    let tree = Tree::new();
    tree.write("gitlab.env", format!("GITLAB_TOKEN={glpat}\n"));
    tree.write("slack.env", format!("SLACK_BOT_TOKEN={slack}\n"));
    tree.write("stripe.env", format!("STRIPE_KEY={stripe}\n"));
    let r = run(
        &tree,
        Some(&fake),
        &[
            "revoke",
            ".",
            "--rule",
            "gitlab-pat",
            "--rule",
            "slack-bot-token",
            "--rule",
            "stripe-secret-key",
            "--verify-host",
            "gitlab=https://gitlab.corp.example",
            "--yes",
        ],
        &[],
    );
    // The Stripe key is left to do by hand: exit 1.
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let seen = fake.seen();
    let deletes: Vec<&Seen> = seen.iter().filter(|s| s.method == "DELETE").collect();
    assert_eq!(deletes.len(), 1, "{seen:?}");
    assert_eq!(
        deletes[0].url, "/gitlab.corp.example/api/v4/personal_access_tokens/self",
        "a self-hosted GitLab's token goes to that server only"
    );
    assert!(
        seen.iter().all(|s| !s.url.starts_with("/gitlab.com/")),
        "{seen:?}"
    );
    assert_eq!(to(&seen, "/slack.com/api/auth.revoke").len(), 1, "{seen:?}");
    assert!(seen.iter().all(|s| !s.url.contains("stripe")), "{seen:?}");
    // The results: `N. <redacted> <path>:<line>: <outcome>`.
    let line = |path: &str| {
        r.stdout
            .lines()
            .find(|l| {
                l.starts_with(|c: char| c.is_ascii_digit()) && l.contains(&format!(" {path}:1: "))
            })
            .unwrap_or_else(|| panic!("no result for {path}: {}", r.stdout))
            .to_string()
    };
    assert!(line("gitlab.env").ends_with(": revoked"), "{}", r.stdout);
    assert!(line("slack.env").ends_with(": revoked"), "{}", r.stdout);
    assert!(
        line("stripe.env").contains("NOT revoked")
            && line("stripe.env").contains("https://dashboard.stripe.com/apikeys"),
        "{}",
        r.stdout
    );
    leaks_none(&r, &[&glpat, &slack, &stripe]);
}

#[test]
fn live_selects_what_verify_finds_live() {
    let (live, dead) = (github_pat(51), github_pat(52));
    let fake = {
        let live = live.clone();
        Fake::start(move |url, headers| match url {
            REVOKE_URL => status(202, "", vec![]),
            "/api.github.com/user" if bearer(headers) == live => {
                ok(r#"{"login":"octocat"}"#, vec![])
            }
            _ => status(401, "{}", vec![]),
        })
    };
    let tree = Tree::new();
    tree.write("live.env", format!("T={live}\n"));
    tree.write("dead.env", format!("T={dead}\n"));
    let r = run(
        &tree,
        Some(&fake),
        &["revoke", ".", "--live", "--verify", "--yes"],
        &[],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let seen = fake.seen();
    let batches = to(&seen, REVOKE_URL);
    assert_eq!(batches.len(), 1);
    let body: Value = serde_json::from_str(&batches[0].body).expect("JSON");
    assert_eq!(body["credentials"], serde_json::json!([live]));
    assert!(!r.stdout.contains("dead.env"), "{}", r.stdout);
    leaks_none(&r, &[&live, &dead]);
}

#[test]
fn nothing_is_revoked_without_a_selection_with_never_or_for_an_unknown_fingerprint() {
    let t = github_pat(61);
    let tree = Tree::new();
    tree.write("a.env", format!("T={t}\n"));
    let fp = fingerprint_of(&tree, "a.env");
    let fake = github();
    for (args, env) in [
        (vec!["revoke", ".", "--yes"], vec![]),
        (
            vec![
                "revoke",
                ".",
                "--fingerprint",
                "0123456789abcdef0123456789abcdef",
                "--yes",
            ],
            vec![],
        ),
        (
            vec!["revoke", ".", "--fingerprint", fp.as_str(), "--yes"],
            vec![("LEAKSCAN_VERIFY", "never")],
        ),
        // --live needs --verify (clap).
        (vec!["revoke", ".", "--live", "--yes"], vec![]),
    ] {
        let r = run(&tree, Some(&fake), &args, &env);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        leaks_none(&r, &[&t]);
    }
    assert!(fake.seen().is_empty(), "{:?}", fake.seen());
}
