//! `--verify` for credentials that need a second part the rule captures beside the secret
//! (an AWS key pair, a Shopify token and its shop, an Atlassian token with its site and
//! e-mail, a Docker Hub token and its username), self-hosted servers (`--verify-host`), and
//! baselined findings (`--verify-baseline`, `--exit-code-live`), against a server on 127.0.0.1
//! (never the internet).

mod common;
#[allow(dead_code)]
#[path = "corpus/gen.rs"]
mod gen;

use common::fake::{bearer, header, json, leaks_none, ok, run, status, to, Fake, Run, Seen};
use common::{github_pat, str_field, Tree};
use gen::{CorpusRng, HEX};
use leakscan::testing::{aws_key_id, Rng};
use serde_json::Value;

/// The verification of the finding of `secret` in `path` (the report shows the secret
/// redacted: its first characters, then stars).
fn verification(findings: &[Value], path: &str, secret: &str) -> (String, String, Value) {
    let f = findings
        .iter()
        .find(|f| {
            let shown = str_field(f, "secret");
            let head = shown.trim_end_matches('*');
            f["path"] == path && !head.is_empty() && secret.starts_with(head)
        })
        .unwrap_or_else(|| panic!("no finding in {path}: {findings:#?}"));
    let v = &f["verification"];
    (str_field(v, "status"), str_field(v, "reason"), v.clone())
}

/// `leakscan scan . --verify -f json <extra>` against `fake`: the run (findings, exit 1) and
/// its findings.
fn verified(tree: &Tree, fake: &Fake, extra: &[&str]) -> (Run, Vec<Value>) {
    let mut args = vec!["scan", ".", "--verify", "-f", "json"];
    args.extend(extra);
    let out = run(tree, Some(fake), &args, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let findings = json(&out);
    (out, findings)
}

const STS: &str = "/sts.amazonaws.com/";

/// The access key id a SigV4 `Authorization` header names.
fn signed_by(s: &Seen) -> String {
    header(&s.headers, "authorization")
        .strip_prefix("AWS4-HMAC-SHA256 Credential=")
        .and_then(|c| c.split('/').next())
        .unwrap_or("")
        .to_string()
}

#[test]
fn aws_key_pairs_are_signed_for_sts_and_canary_keys_are_never_sent() {
    let mut r = Rng::new(71);
    let key = |r: &mut Rng, account: u64| (aws_key_id("AKIA", account, r.next_u64()), r.base62(40));
    let user = key(&mut r, 123_456_789_012);
    let root = key(&mut r, 210_987_654_321);
    let gone = key(&mut r, 111_122_223_333);
    // An account of a canary-token service: any call with its keys raises an alarm.
    let canary = key(&mut r, 52_310_077_262);
    let lone_id = aws_key_id("AKIA", 444_455_556_666, r.next_u64());
    let fake = {
        let (user, root) = (user.0.clone(), root.0.clone());
        Fake::start(move |url, headers| {
            let seen = Seen {
                method: String::new(),
                url: url.to_string(),
                headers: headers.to_vec(),
                body: String::new(),
            };
            let id = signed_by(&seen);
            match url {
                STS if id == user => ok(
                    r#"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"123456789012","Arn":"arn:aws:iam::123456789012:user/ci-deploy","UserId":"AIDAEXAMPLEUSERID"}}}"#,
                    vec![],
                ),
                STS if id == root => ok(
                    "<GetCallerIdentityResponse><GetCallerIdentityResult>\
                     <Arn>arn:aws:iam::210987654321:root</Arn><Account>210987654321</Account>\
                     </GetCallerIdentityResult></GetCallerIdentityResponse>",
                    vec![],
                ),
                _ => status(
                    403,
                    "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>\
                     <Message>The security token included in the request is invalid.</Message>\
                     </Error></ErrorResponse>",
                    vec![],
                ),
            }
        })
    };
    let tree = Tree::new();
    for (name, (id, secret)) in [
        ("user", &user),
        ("root", &root),
        ("gone", &gone),
        ("canary", &canary),
    ] {
        tree.write(
            &format!("{name}/credentials"),
            format!("[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"),
        );
    }
    tree.write("lone.env", format!("AWS_ACCESS_KEY_ID={lone_id}\n"));
    let (out, findings) = verified(&tree, &fake, &[]);

    let (s, reason, v) = verification(&findings, "user/credentials", &user.1);
    assert_eq!((s.as_str(), reason.as_str()), ("live", "ok"), "{v}");
    assert_eq!(
        v["account"], "arn:aws:iam::123456789012:user/ci-deploy (account 123456789012)",
        "{v}"
    );
    assert_eq!(v["request"], "POST https://sts.amazonaws.com/");
    let (s, reason, v) = verification(&findings, "root/credentials", &root.1);
    assert_eq!((s.as_str(), reason.as_str()), ("live", "root_key"), "{v}");
    let (s, reason, _) = verification(&findings, "gone/credentials", &gone.1);
    assert_eq!((s.as_str(), reason.as_str()), ("invalid", "unknown_key_id"));
    let (s, reason, _) = verification(&findings, "canary/credentials", &canary.1);
    assert_eq!((s.as_str(), reason.as_str()), ("skipped", "canary"));
    let (s, reason, _) = verification(&findings, "lone.env", &lone_id);
    assert_eq!((s.as_str(), reason.as_str()), ("skipped", "needs_pair"));

    let seen = fake.seen();
    let sts = to(&seen, STS);
    assert_eq!(
        sts.len(),
        3,
        "one request per pair, none for the canary: {seen:?}"
    );
    assert_eq!(seen.len(), 3, "{seen:?}");
    let mut signers: Vec<String> = sts.iter().map(|s| signed_by(s)).collect();
    signers.sort();
    let mut want = vec![user.0.clone(), root.0.clone(), gone.0.clone()];
    want.sort();
    assert_eq!(signers, want);
    for s in &sts {
        assert_eq!(s.method, "POST");
        assert_eq!(s.body, "Action=GetCallerIdentity&Version=2011-06-15");
        let auth = header(&s.headers, "authorization");
        assert!(
            auth.contains("/us-east-1/sts/aws4_request, SignedHeaders=")
                && auth.contains(", Signature="),
            "{auth}"
        );
        let date = header(&s.headers, "x-amz-date");
        assert!(date.len() == 16 && date.ends_with('Z'), "{date}");
        for (_, secret) in [&user, &root, &gone, &canary] {
            let all = format!("{} {:?} {}", s.url, s.headers, s.body);
            assert!(
                !all.contains(secret.as_str()),
                "the secret key was sent: {s:?}"
            );
        }
    }
    leaks_none(&out, &[&user.1, &root.1, &gone.1, &canary.1]);
}

fn shpat(r: &mut Rng) -> String {
    format!("shpat_{}", r.s(HEX, 32))
}

#[test]
fn a_shopify_token_goes_only_to_its_own_shop_under_myshopify_com() {
    let mut r = Rng::new(72);
    let [named, bare, evil, ip, alone] = std::array::from_fn(|_| shpat(&mut r));
    let fake = Fake::start(|url, headers| {
        match (url, header(headers, "x-shopify-access-token").is_empty()) {
            ("/acme.myshopify.com/admin/oauth/access_scopes.json", false) => ok(
                r#"{"access_scopes":[{"handle":"read_products"},{"handle":"write_orders"}]}"#,
                vec![],
            ),
            _ => status(
                401,
                r#"{"errors":"[API] Invalid API key or access token"}"#,
                vec![],
            ),
        }
    });
    let tree = Tree::new();
    tree.write(
        "named.env",
        format!("SHOPIFY_SHOP=acme.myshopify.com\nSHOPIFY_ACCESS_TOKEN={named}\n"),
    );
    tree.write(
        "bare.env",
        format!("SHOPIFY_SHOP_NAME=bare-shop\nSHOPIFY_ACCESS_TOKEN={bare}\n"),
    );
    // A host the scanned content names is never a target unless it is a shop's own.
    tree.write(
        "evil.env",
        format!("SHOPIFY_STORE_URL=https://evil.example\nSHOPIFY_ACCESS_TOKEN={evil}\n"),
    );
    tree.write("ip.yml", format!("shop: 127.0.0.1\ntoken: {ip}\n"));
    tree.write("alone.env", format!("SHOPIFY_ACCESS_TOKEN={alone}\n"));
    let (out, findings) = verified(&tree, &fake, &[]);
    let (s, reason, v) = verification(&findings, "named.env", &named);
    assert_eq!((s.as_str(), reason.as_str()), ("live", "ok"), "{v}");
    assert_eq!(
        v["scopes"],
        serde_json::json!(["read_products", "write_orders"])
    );
    assert_eq!(
        v["request"],
        "GET https://acme.myshopify.com/admin/oauth/access_scopes.json"
    );
    let (s, reason, _) = verification(&findings, "bare.env", &bare);
    assert_eq!((s.as_str(), reason.as_str()), ("invalid", "unauthorized"));
    for (path, t) in [("evil.env", &evil), ("ip.yml", &ip)] {
        let (s, reason, _) = verification(&findings, path, t);
        assert_eq!((s.as_str(), reason.as_str()), ("skipped", "host_refused"));
    }
    let (s, reason, _) = verification(&findings, "alone.env", &alone);
    assert_eq!((s.as_str(), reason.as_str()), ("skipped", "needs_pair"));

    let seen = fake.seen();
    let mut urls: Vec<&str> = seen.iter().map(|s| s.url.as_str()).collect();
    urls.sort_unstable();
    assert_eq!(
        urls,
        [
            "/acme.myshopify.com/admin/oauth/access_scopes.json",
            "/bare-shop.myshopify.com/admin/oauth/access_scopes.json",
        ]
    );
    leaks_none(&out, &[&named, &bare, &evil, &ip, &alone]);
}

#[test]
fn an_atlassian_token_signs_in_with_its_e_mail_at_its_site() {
    let mut r = Rng::new(73);
    let token = gen::atlassian(&mut r, "ATATT3");
    let fake = Fake::start(|url, headers| {
        let basic = header(headers, "authorization").starts_with("Basic ");
        match url {
            "/acme.atlassian.net/rest/api/3/myself" if basic => ok(
                r#"{"accountId":"5b10ac8d82e05b22cc7d4ef5","emailAddress":"dev@acme.example","displayName":"Dev"}"#,
                vec![],
            ),
            _ => status(401, "", vec![]),
        }
    });
    let tree = Tree::new();
    tree.write(
        "jira.env",
        format!(
            "JIRA_URL=https://acme.atlassian.net\nJIRA_EMAIL=dev@acme.example\nJIRA_API_TOKEN={token}\n"
        ),
    );
    let (out, findings) = verified(&tree, &fake, &[]);
    let (s, reason, v) = verification(&findings, "jira.env", &token);
    assert_eq!((s.as_str(), reason.as_str()), ("live", "ok"), "{v}");
    assert_eq!(
        v["account"], "5b10ac8d82e05b22cc7d4ef5",
        "only the account id is kept"
    );
    let seen = fake.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let auth = header(&seen[0].headers, "authorization");
    let want = format!(
        "Basic {}",
        common::base64(format!("dev@acme.example:{token}").as_bytes())
    );
    assert_eq!(auth, want);
    assert!(
        !out.stdout.contains("dev@acme.example\""),
        "no e-mail kept: {}",
        out.stdout
    );
    leaks_none(&out, &[&token]);
}

#[test]
fn a_docker_hub_token_is_exchanged_for_a_session_only_with_verify_logins() {
    let mut r = Rng::new(74);
    let token = format!("dckr_pat_{}", r.s(gen::B64URL, 27));
    let fake = Fake::start(|url, _| match url {
        "/hub.docker.com/v2/auth/token" => ok(r#"{"access_token":"session-not-kept"}"#, vec![]),
        _ => status(401, "", vec![]),
    });
    let tree = Tree::new();
    tree.write(
        ".github/workflows/push.yml",
        format!("env:\n  DOCKERHUB_USERNAME: octo-ci\n  DOCKERHUB_TOKEN: {token}\n"),
    );
    let (out, findings) = verified(&tree, &fake, &[]);
    let (s, reason, _) = verification(&findings, ".github/workflows/push.yml", &token);
    assert_eq!(
        (s.as_str(), reason.as_str()),
        ("skipped", "login_not_allowed")
    );
    leaks_none(&out, &[&token]);
    assert!(fake.seen().is_empty(), "{:?}", fake.seen());

    let (out, findings) = verified(&tree, &fake, &["--verify-logins"]);
    let (s, reason, _) = verification(&findings, ".github/workflows/push.yml", &token);
    assert_eq!((s.as_str(), reason.as_str()), ("live", "ok"));
    let seen = fake.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].method, "POST");
    let body: Value = serde_json::from_str(&seen[0].body).expect("a JSON body");
    assert_eq!(body["identifier"], "octo-ci");
    assert_eq!(body["secret"], token.as_str());
    assert!(!out.stdout.contains("session-not-kept"), "{}", out.stdout);
    leaks_none(&out, &[&token]);
}

#[test]
fn a_self_hosted_server_is_the_only_target_of_its_tokens() {
    let t = github_pat(75);
    let fake = Fake::start(|url, _| match url {
        "/ghe.corp.example/api/v3/user" => ok(r#"{"login":"octo","type":"User"}"#, vec![]),
        _ => status(401, "", vec![]),
    });
    let tree = Tree::new();
    tree.write("a.env", format!("GH_TOKEN={t}\n"));
    for (args, env) in [
        (
            vec![
                "scan",
                ".",
                "--verify",
                "--verify-host",
                "github=https://ghe.corp.example",
                "-f",
                "json",
            ],
            vec![],
        ),
        (
            vec!["scan", ".", "--verify", "-f", "json"],
            vec![("LEAKSCAN_VERIFY_HOST", "github=https://ghe.corp.example")],
        ),
    ] {
        let out = run(&tree, Some(&fake), &args, &env);
        assert_eq!(out.code, 1, "{}", out.stderr);
        let (s, _, v) = verification(&json(&out), "a.env", &t);
        assert_eq!(s, "live", "{v}");
        assert_eq!(v["request"], "GET https://ghe.corp.example/api/v3/user");
        leaks_none(&out, &[&t]);
    }
    let seen = fake.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(
        seen.iter()
            .all(|s| s.url == "/ghe.corp.example/api/v3/user"),
        "{seen:?}"
    );
    assert!(seen.iter().all(|s| bearer(&s.headers) == t));

    // Plain HTTP, user info, an unknown provider: refused before anything is sent.
    for bad in [
        "github=http://ghe.corp.example",
        "github=https://me:pw@ghe.corp.example",
        "nosuch=https://x.corp.example",
        "github",
    ] {
        let out = run(
            &tree,
            Some(&fake),
            &["scan", ".", "--verify", "--verify-host", bad],
            &[],
        );
        assert_eq!(out.code, 2, "{bad}: {}", out.stderr);
        assert!(
            out.stderr.contains("--verify-host"),
            "{bad}: {}",
            out.stderr
        );
    }
    assert_eq!(fake.seen().len(), 2);
}

#[test]
fn baselined_findings_that_are_still_live_are_said_and_can_fail_the_run() {
    let (live, dead) = (github_pat(76), github_pat(77));
    let fake = {
        let live = live.clone();
        Fake::start(move |url, headers| match url {
            "/api.github.com/user" if bearer(headers) == live => {
                ok(r#"{"login":"octo","type":"User"}"#, vec![])
            }
            _ => status(401, "", vec![]),
        })
    };
    let tree = Tree::new();
    tree.write("old.env", format!("GH_TOKEN={live}\nOTHER={dead}\n"));
    let r = run(&tree, None, &["baseline", ".", "-o", "baseline.json"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    let base = ["scan", ".", "--baseline", "baseline.json"];
    // Without --verify-baseline, baselined findings are not checked.
    let mut args = base.to_vec();
    args.push("--verify");
    let out = run(&tree, Some(&fake), &args, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(fake.seen().is_empty(), "{:?}", fake.seen());

    args.push("--verify-baseline");
    let out = run(&tree, Some(&fake), &args, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("verify-baseline: 1 of 2 baselined findings still live"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("leakscan revoke --fingerprint"),
        "{}",
        out.stderr
    );
    assert_eq!(fake.seen().len(), 2);

    args.extend(["--exit-code-live", "7"]);
    let out = run(&tree, Some(&fake), &args, &[]);
    assert_eq!(out.code, 7, "{}", out.stderr);
    leaks_none(&out, &[&live, &dead]);

    // Once the live token is revoked, nothing baselined is live and the run passes.
    tree.write("old.env", format!("OTHER={dead}\n"));
    let out = run(&tree, Some(&fake), &args, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("none of 1 baselined findings is live"),
        "{}",
        out.stderr
    );

    // --exit-code-live and --verify-baseline need --verify.
    for flag in [&["--exit-code-live", "7"][..], &["--verify-baseline"][..]] {
        let mut args = base.to_vec();
        args.extend(flag);
        let out = run(&tree, Some(&fake), &args, &[]);
        assert_eq!(out.code, 2, "{flag:?}: {}", out.stderr);
    }
}

#[test]
fn a_twilio_auth_token_signs_in_with_the_account_sid_beside_it() {
    let mut r = Rng::new(78);
    let sid = format!("AC{}", r.s(HEX, 32));
    let [before, after, alone] = std::array::from_fn(|_| r.s(HEX, 32));
    let want = {
        let (sid, before) = (sid.clone(), before.clone());
        common::base64(format!("{sid}:{before}").as_bytes())
    };
    let fake = {
        let sid = sid.clone();
        Fake::start(move |url, headers| {
            let auth = header(headers, "authorization");
            let auth = auth.trim_start_matches("Basic ");
            match url {
                "/api.twilio.com/2010-04-01/Accounts.json" if auth == want => ok(
                    &format!(
                        r#"{{"accounts":[{{"sid":"{sid}","status":"active","friendly_name":"Acme"}}]}}"#
                    ),
                    vec![],
                ),
                _ => status(401, r#"{"code":20003,"message":"Authenticate"}"#, vec![]),
            }
        })
    };
    let tree = Tree::new();
    tree.write(
        "before.env",
        format!("TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={before}\n"),
    );
    tree.write(
        "after.yml",
        format!("env:\n  TWILIO_AUTH_TOKEN: \"{after}\"\n  TWILIO_ACCOUNT_SID: {sid}\n"),
    );
    tree.write("alone.env", format!("TWILIO_AUTH_TOKEN={alone}\n"));
    let (out, findings) = verified(&tree, &fake, &[]);
    let (s, reason, v) = verification(&findings, "before.env", &before);
    assert_eq!((s.as_str(), reason.as_str()), ("live", "ok"), "{v}");
    assert_eq!(v["account"], sid.as_str());
    assert_eq!(
        v["request"],
        "GET https://api.twilio.com/2010-04-01/Accounts.json"
    );
    // Sent with the SID after it too; this fake knows only the first token.
    let (s, reason, _) = verification(&findings, "after.yml", &after);
    assert_eq!((s.as_str(), reason.as_str()), ("invalid", "unauthorized"));
    let (s, reason, _) = verification(&findings, "alone.env", &alone);
    assert_eq!((s.as_str(), reason.as_str()), ("skipped", "needs_pair"));
    let mut sent: Vec<String> = fake
        .seen()
        .iter()
        .map(|s| header(&s.headers, "authorization").to_string())
        .collect();
    sent.sort();
    let mut both: Vec<String> = [&before, &after]
        .iter()
        .map(|t| format!("Basic {}", common::base64(format!("{sid}:{t}").as_bytes())))
        .collect();
    both.sort();
    assert_eq!(
        sent, both,
        "each token with its account SID, the lone one not at all"
    );
    leaks_none(&out, &[&before, &after, &alone]);
}
