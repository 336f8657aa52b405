//! Offline token facts, with no network: a JWT's `exp`, a PyPI token's scope, an AWS key id's
//! account, a SAS's expiry and permissions, and in `history` the bound from the commit.

mod common;

use common::git::{leakscan_json, Repo};
use common::{scan_json, Tree};
use leakscan::testing::{base64, pypi_token, Rng};
use serde_json::Value;

/// A JWT with `payload` (JSON) and a random signature.
fn jwt(payload: &str, seed: u64) -> String {
    let part = |s: &str| base64(s.as_bytes(), true, false);
    let sig = base64(&Rng::new(seed).bytes(32), true, false);
    format!(
        "{}.{}.{sig}",
        part(r#"{"alg":"HS256","typ":"JWT"}"#),
        part(payload)
    )
}

fn only(findings: &[Value], rule: &str) -> Value {
    let of: Vec<&Value> = findings.iter().filter(|f| f["rule_id"] == rule).collect();
    assert_eq!(of.len(), 1, "{rule}: {findings:?}");
    of[0].clone()
}

#[test]
fn a_jwt_past_its_exp_is_expired_and_a_pypi_token_shows_its_scope() {
    let tree = Tree::new();
    let old = jwt(
        r#"{"sub":"svc","iss":"https://auth.example.test","exp":1600000000}"#,
        1,
    );
    tree.write("web/config.js", format!("const token = \"{old}\";\n"));
    let project = pypi_token(&[r#"[1,["sampleproject"]]"#]);
    tree.write("ci/.pypirc", format!("[pypi]\npassword = {project}\n"));
    let account = pypi_token(&[r#"{"version": 1, "permissions": "user"}"#]);
    tree.write("ci/upload.env", format!("TWINE_PASSWORD={account}\n"));
    let (code, findings, stderr) = scan_json(tree.path(), &[]);
    assert_eq!(code, 1, "{stderr}");

    let t = &only(&findings, "jwt")["token"];
    assert_eq!(t["kind"], "JSON Web Token");
    assert_eq!(t["expires_at"], "2020-09-13T12:26:40Z");
    assert_eq!(t["expired"], true);
    assert_eq!(t["expires_source"], "jwt-exp");
    assert_eq!(t["issuer"], "https://auth.example.test");
    assert!(t.get("expires_bound").is_none());

    let pypi_tokens: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule_id"] == "pypi-upload-token")
        .collect();
    assert_eq!(pypi_tokens.len(), 2, "{findings:?}");
    let scope_of = |path: &str| {
        pypi_tokens
            .iter()
            .find(|f| f["path"] == path)
            .map(|f| f["token"]["scope"].as_str().unwrap_or("").to_string())
            .unwrap_or_default()
    };
    assert_eq!(scope_of("ci/.pypirc"), "project-scoped: sampleproject");
    assert!(
        scope_of("ci/upload.env").starts_with("account-wide"),
        "{}",
        scope_of("ci/upload.env")
    );
}

#[test]
fn a_future_exp_is_not_expired_and_the_text_report_says_what_the_token_says() {
    let tree = Tree::new();
    let fresh = jwt(r#"{"sub":"svc","exp":4102444800}"#, 4);
    tree.write("a.js", format!("const token = \"{fresh}\";\n"));
    let (_, findings, _) = scan_json(tree.path(), &[]);
    let t = &only(&findings, "jwt")["token"];
    assert_eq!(t["expires_at"], "2100-01-01T00:00:00Z");
    assert_eq!(t["expired"], false);
    let out = common::leakscan()
        .arg("scan")
        .arg(tree.path())
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "= token: JSON Web Token (until its exp claim); expires 2100-01-01T00:00:00Z"
        ),
        "{text}"
    );
    assert!(!text.contains(&fresh));
}

#[test]
fn an_aws_key_id_names_its_account_and_a_sas_its_expiry_and_permissions() {
    let tree = Tree::new();
    // Made here, so the source holds no whole key id.
    let key_id = format!("{}{}", "AKIA", "QYLPMN5HQ3K7WZ2R");
    tree.write("aws.env", format!("AWS_ACCESS_KEY_ID={key_id}\n"));
    let sig = base64(&Rng::new(5).bytes(32), false, true)
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    tree.write(
        "blob.txt",
        format!("https://acct.blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2021-01-01T00:00:00Z&spr=https&sig={sig}\n"),
    );
    let (_, findings, stderr) = scan_json(tree.path(), &[]);
    let aws = only(&findings, "aws-access-key-id");
    assert_eq!(aws["token"]["account"], "052310077263", "{stderr}");
    assert_eq!(aws["token"]["kind"], "long-term access key");
    let sas = only(&findings, "azure-sas-token");
    assert_eq!(sas["token"]["expires_at"], "2021-01-01T00:00:00Z");
    assert_eq!(sas["token"]["expired"], true);
    assert_eq!(
        sas["token"]["permissions"],
        serde_json::json!(["read", "list"])
    );
}

#[test]
fn history_bounds_an_installation_token_by_its_commit() {
    let repo = Repo::new();
    let token = leakscan::testing::github_token("ghs_", 11);
    repo.write("deploy.env", format!("GH_TOKEN={token}\n"));
    repo.commit("add deploy token");
    let committed: i64 = repo
        .git(&["show", "-s", "--format=%ct", "HEAD"])
        .parse()
        .expect("commit time");
    let run = leakscan_json(&repo.dir, &["history"]);
    let t = &only(&run.json, "github-app-installation-token")["token"];
    assert_eq!(t["expires_bound"], true, "{t}");
    assert_eq!(t["expires_source"], "policy:max-lifetime");
    assert_eq!(t["lifetime"], "1 hour");
    let bound = jiff::Timestamp::from_second(committed + 3600).expect("time");
    assert_eq!(t["expires_at"], bound.to_string());
    // The test repository's commits are years old: the bound has passed.
    assert_eq!(t["expired"], true);
}
