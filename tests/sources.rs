//! The same content through every source — files, stdin, git history, staged changes — gives
//! the same findings: same rules, lines, columns and secrets, and (for the same path) the
//! same fingerprints, so a baseline written by one command holds for the others.

mod common;

use common::git::{leakscan_json, Repo};
use common::{github_pat, leakscan, str_field, u64_field};
use serde_json::Value;

fn key(f: &Value) -> (String, u64, u64, u64, u64, String) {
    (
        str_field(f, "rule_id"),
        u64_field(f, "line"),
        u64_field(f, "column"),
        u64_field(f, "end_line"),
        u64_field(f, "end_column"),
        str_field(f, "secret"),
    )
}

fn fingerprints(findings: &[Value]) -> Vec<String> {
    findings
        .iter()
        .map(|f| str_field(f, "fingerprint"))
        .collect()
}

#[test]
fn files_stdin_history_and_staged_agree() {
    let mut content = b"# caf\xe9 settings\r\n".to_vec();
    content.extend_from_slice(
        format!(
            "GH = \"{}\"\r\nAWS = \"AKIA{}\"\r\nlast={}",
            github_pat(300),
            "QX3VTN7RLBM2WKPE",
            github_pat(301)
        )
        .as_bytes(),
    );
    let repo = Repo::new();
    repo.write("conf/app.env", &content);

    // Staged, before the first commit: the whole file is added.
    repo.git(&["add", "-A"]);
    let staged = leakscan_json(&repo.dir, &["staged"]);
    assert_eq!(staged.code, 1, "{}", staged.stderr);
    repo.commit("add settings");
    let files = leakscan_json(&repo.dir, &["scan", "."]);
    let history = leakscan_json(&repo.dir, &["history"]);
    let out = leakscan()
        .args(["scan", "-", "--format", "json", "--show-secrets"])
        .write_stdin(content.clone())
        .output()
        .expect("run");
    let stdin: Vec<Value> = serde_json::from_slice(&out.stdout).expect("json");

    let want: Vec<_> = files.json.iter().map(key).collect();
    assert_eq!(want.len(), 3, "{:#?}", files.json);
    for (name, got) in [
        ("stdin", &stdin),
        ("history", &history.json),
        ("staged", &staged.json),
    ] {
        assert_eq!(got.iter().map(key).collect::<Vec<_>>(), want, "{name}");
    }
    assert_eq!(fingerprints(&history.json), fingerprints(&files.json));
    assert_eq!(fingerprints(&staged.json), fingerprints(&files.json));
    assert!(history.json.iter().all(|f| f["path"] == "conf/app.env"));
}
