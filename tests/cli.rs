//! The scan command end to end: the real binary on real temp trees.

mod common;

use common::{
    broken_checksum, exit_code, github_pat, leakscan, scan_json, str_field, u64_field, Tree,
};
use serde_json::Value;

fn only(findings: &[Value]) -> &Value {
    assert_eq!(
        findings.len(),
        1,
        "exactly one finding expected: {findings:#?}"
    );
    &findings[0]
}

#[test]
fn classic_pat_is_found_with_location_and_checksum() {
    let token = github_pat(1);
    let t = Tree::new();
    t.write(
        "app/config.py",
        format!("import os\n\nGITHUB_TOKEN = \"{token}\"\nDEBUG = True\n"),
    );
    let (code, findings, _) = scan_json(t.path(), &[]);
    assert_eq!(code, 1);
    let f = only(&findings);
    assert!(str_field(f, "rule_id").starts_with("github"), "{f}");
    assert_eq!(f["path"], "app/config.py");
    assert_eq!(f["line"], 3);
    assert_eq!(f["column"], 17);
    assert_eq!(f["end_line"], 3);
    assert_eq!(f["end_column"], 57);
    assert_eq!(f["secret"], token.as_str());
    assert_eq!(f["checksum"], "valid");
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["commit"], Value::Null);
    for field in [
        "rule_name",
        "confidence",
        "fingerprint",
        "entropy",
        "snippet",
        "remediation",
    ] {
        assert!(!f[field].is_null(), "{field} missing in {f}");
    }
}

#[test]
fn broken_checksum_is_not_a_finding() {
    let t = Tree::new();
    t.write(
        "app/config.py",
        format!(
            "\n\nGITHUB_TOKEN = \"{}\"\n",
            broken_checksum(&github_pat(1))
        ),
    );
    let (code, findings, _) = scan_json(t.path(), &[]);
    assert_eq!(code, 0);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn secrets_are_redacted_in_every_format() {
    let token = github_pat(2);
    let t = Tree::new();
    t.write(".env", format!("TOKEN={token}\n"));
    for format in ["text", "json", "jsonl"] {
        let out = leakscan()
            .args(["scan", "--format", format])
            .arg(t.path())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{format}");
        let all = [out.stdout, out.stderr].concat();
        let all = String::from_utf8_lossy(&all);
        assert!(all.contains("ghp_********"), "{format}: {all}");
        assert!(!all.contains(&token), "{format} leaks the secret: {all}");
        assert!(
            !all.contains(&token[4..20]),
            "{format} leaks part of the secret"
        );
    }
}

#[test]
fn awkward_encodings_and_layouts_keep_exact_positions() {
    let t = Tree::new();
    let tok = |n| github_pat(n);
    // Latin-1: é is one byte (0xE9), so the column counts bytes.
    let mut latin1 = b"# caf\xe9\nname = \"J\xfcrgen\"; t = ".to_vec();
    latin1.extend_from_slice(tok(10).as_bytes());
    latin1.extend_from_slice(b"\n");
    t.write("latin1.txt", &latin1);
    t.write(
        "crlf.ini",
        format!("[a]\r\nx = 1\r\ntoken = {}\r\n", tok(11)),
    );
    // A 5 MB single minified line with the token deep inside.
    let mut minified = "var a=1;".repeat(400_000);
    minified.push_str(&format!("var t=\"{}\";", tok(12)));
    minified.push_str(&"b(2);".repeat(400_000));
    t.write("bundle.min.js", &minified);
    // The token ends at the very last byte, with no newline.
    t.write("last.txt", format!("line one\nk={}", tok(13)));

    let (code, findings, _) = scan_json(t.path(), &[]);
    assert_eq!(code, 1);
    let got: Vec<(String, u64, u64, String)> = findings
        .iter()
        .map(|f| {
            (
                str_field(f, "path"),
                u64_field(f, "line"),
                u64_field(f, "column"),
                str_field(f, "secret"),
            )
        })
        .collect();
    let want = vec![
        ("bundle.min.js".to_string(), 1, 3_200_008, tok(12)),
        ("crlf.ini".to_string(), 3, 9, tok(11)),
        ("last.txt".to_string(), 2, 3, tok(13)),
        ("latin1.txt".to_string(), 2, 22, tok(10)),
    ];
    assert_eq!(got, want);
    let crlf = &findings[1];
    assert_eq!(crlf["end_column"], 49, "CR is not part of the secret");
}

#[test]
fn malformed_config_is_exit_2_with_position() {
    let t = Tree::new();
    t.write("a.txt", "hello\n");
    t.write(".leakscan.toml", "[allowlist]\npaths = [\"ok\",\n  42]\n");
    let out = leakscan().arg("scan").arg(t.path()).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(".leakscan.toml:3:3:"), "{err}");

    t.write(".leakscan.toml", "disabled_rules = [\"no-such-rule\"]\n");
    let out = leakscan().arg("scan").arg(t.path()).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(".leakscan.toml:1:19: disabled_rules names \"no-such-rule\""),
        "{err}"
    );
}

#[test]
fn bad_custom_rule_names_file_line_column() {
    let t = Tree::new();
    t.write(
        "custom.toml",
        "[[rule]]\nid = \"acme\"\nname = \"Acme\"\nkeywords = [\"acme_\"]\nregex = '''acme_[a-z]{8}'''\nseverity = \"high\"\nconfidence = \"high\"\nremediation = \"r\"\n",
    );
    let out = leakscan()
        .arg("scan")
        .arg(t.path())
        .arg("--config")
        .arg(t.path().join("custom.toml"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("custom.toml:5:9: rule acme: regex has no named group `secret`"),
        "{err}"
    );
}

/// Runs `leakscan` as an unprivileged user when we are root, so that a mode-000 file really
/// is unreadable (root reads anything).
fn unprivileged(cmd: &mut std::process::Command) -> bool {
    let euid = std::process::Command::new("id").arg("-u").output();
    let is_root = euid.map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false);
    if !is_root {
        return true;
    }
    let prog = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
    let mut wrapped = std::process::Command::new("setpriv");
    wrapped
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(prog)
        .args(args);
    *cmd = wrapped;
    true
}

#[test]
fn unreadable_file_is_warned_and_counted_and_the_rest_scanned() {
    use std::os::unix::fs::PermissionsExt;
    let t = Tree::new();
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let token = github_pat(3);
    t.write("ok/a.py", format!("t = \"{token}\"\n"));
    let locked = t.write("locked.py", format!("t = \"{}\"\n", github_pat(4)));
    std::fs::set_permissions(t.path().join("ok"), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let bin = assert_cmd::cargo::cargo_bin("leakscan");
    let mut cmd = std::process::Command::new(&bin);
    cmd.arg("scan")
        .arg(t.path())
        .args(["--format", "json", "--show-secrets"]);
    assert!(unprivileged(&mut cmd));
    let out = cmd.output().expect("run leakscan");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("locked.py: cannot read"), "{err}");
    assert!(err.contains("1 unreadable"), "{err}");
    let findings: Vec<Value> = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(only(&findings)["path"], "ok/a.py");
}

#[test]
fn walk_honours_ignore_files_hidden_files_and_never_git() {
    let t = Tree::new();
    t.write(".gitignore", "build/\n");
    t.write("build/out.txt", format!("{}\n", github_pat(20)));
    t.write(".env", format!("GH={}\n", github_pat(21)));
    t.write(".npmrc", format!("//r/:_authToken={}\n", github_pat(22)));
    t.write(".git/config", format!("{}\n", github_pat(23)));
    t.write(
        "bin.dat",
        // Binary: more NULs than the few strays text may hold.
        [[0u8; 16].as_slice(), github_pat(24).as_bytes()].concat(),
    );
    let (_, findings, stderr) = scan_json(t.path(), &[]);
    let paths: Vec<String> = findings.iter().map(|f| str_field(f, "path")).collect();
    assert_eq!(paths, vec![".env", ".npmrc"]);
    assert!(stderr.contains("1 binary"), "{stderr}");

    let (_, findings, _) = scan_json(t.path(), &["--no-ignore"]);
    let paths: Vec<String> = findings.iter().map(|f| str_field(f, "path")).collect();
    assert_eq!(paths, vec![".env", ".npmrc", "build/out.txt"]);
}

#[test]
fn oversized_files_are_skipped_with_a_warning() {
    let t = Tree::new();
    t.write(
        "big.txt",
        format!("{}\n{}", "x".repeat(2000), github_pat(30)),
    );
    t.write("small.txt", format!("{}\n", github_pat(31)));
    let (code, findings, stderr) = scan_json(t.path(), &["--max-file-size", "1000"]);
    assert_eq!(code, 1);
    assert_eq!(only(&findings)["path"], "small.txt");
    assert!(
        stderr.contains("big.txt: 2041 bytes is over --max-file-size 1000"),
        "{stderr}"
    );
    assert!(stderr.contains("1 too large"), "{stderr}");
}

#[test]
fn stdin_is_scanned_as_dash() {
    let token = github_pat(40);
    let out = leakscan()
        .args(["scan", "-", "--format", "jsonl", "--show-secrets"])
        .write_stdin(format!("a\nb {token}\n"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let line = String::from_utf8_lossy(&out.stdout);
    let f: Value = serde_json::from_str(line.trim()).expect("one json line");
    assert_eq!(f["path"], "-");
    assert_eq!(f["line"], 2);
    assert_eq!(f["column"], 3);
    assert_eq!(f["secret"], token.as_str());
}

#[test]
fn suppression_by_inline_marker_allowlists_and_disabled_rules() {
    let t = Tree::new();
    t.write(
        "a.py",
        format!("t = \"{}\"  # leakscan:allow\n", github_pat(50)),
    );
    t.write("fixtures/b.py", format!("t = \"{}\"\n", github_pat(51)));
    t.write("c.py", format!("t = \"{}\"\n", github_pat(52)));
    t.write("d.py", format!("aws = \"AKIA{}\"\n", "QX3VTN7RLBM2WKPE"));
    let stop = &payload_of(&github_pat(52))[..12];
    t.write(
        ".leakscan.toml",
        format!(
            "disabled_rules = [\"aws-access-key-id\"]\n[allowlist]\npaths = [\"fixtures/\"]\nstopwords = [\"{stop}\"]\n"
        ),
    );
    let (code, findings, stderr) = scan_json(t.path(), &[]);
    assert_eq!(code, 0, "{findings:#?}");
    assert!(
        stderr.contains("suppressed: 1 allowlist, 1 inline, 0 baseline"),
        "{stderr}"
    );
    assert!(stderr.contains("1 allowlisted paths"), "{stderr}");
}

fn payload_of(token: &str) -> String {
    token[4..34].to_string()
}

#[test]
fn custom_rules_from_config_run() {
    let t = Tree::new();
    t.write("x.txt", "key: acme_qwertzuiopasdfgh\n");
    t.write(
        ".leakscan.toml",
        "[[rule]]\nid = \"acme-key\"\nname = \"Acme key\"\nkeywords = [\"acme_\"]\nregex = '''\\b(?P<secret>acme_[a-z]{16})\\b'''\nentropy = 3.0\nseverity = \"medium\"\nconfidence = \"medium\"\nremediation = \"Rotate it in the Acme console.\"\n",
    );
    let (code, findings, _) = scan_json(t.path(), &[]);
    assert_eq!(code, 1);
    let f = only(&findings);
    assert_eq!(f["rule_id"], "acme-key");
    assert_eq!(f["checksum"], Value::Null);
    assert_eq!(f["column"], 6);
}

#[test]
fn exit_code_flag_and_deterministic_order() {
    let t = Tree::new();
    for (i, name) in ["z.txt", "a/b.txt", "m.txt", "a/a.txt"].iter().enumerate() {
        t.write(
            name,
            format!(
                "x\n{} {}\n",
                github_pat(60 + i as u64),
                github_pat(70 + i as u64)
            ),
        );
    }
    let run = |threads: &str| {
        let out = leakscan()
            .args([
                "scan",
                "--format",
                "jsonl",
                "-j",
                threads,
                "--exit-code",
                "7",
            ])
            .arg(t.path())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(7));
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    let order: Vec<(String, u64)> = String::from_utf8_lossy(&one)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("json line");
            (str_field(&v, "path"), u64_field(&v, "column"))
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    assert_eq!(order.len(), 8);
}

#[test]
fn colour_only_when_asked_and_never_with_no_color() {
    let t = Tree::new();
    t.write("a.txt", format!("{}\n", github_pat(80)));
    let out = leakscan().arg("scan").arg(t.path()).output().expect("run");
    assert!(!out.stdout.contains(&0x1b), "no colour when piped");
    let out = leakscan()
        .args(["scan", "--color", "always"])
        .arg(t.path())
        .output()
        .expect("run");
    assert!(out.stdout.contains(&0x1b));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("fix: Revoke it"), "{text}");
    // CLICOLOR_FORCE colours a pipe under `auto`; NO_COLOR still wins over it.
    let run = |env: &[(&str, &str)]| {
        let mut c = leakscan();
        c.env_remove("CLICOLOR_FORCE").env_remove("CLICOLOR");
        for (k, v) in env {
            c.env(k, v);
        }
        c.arg("scan").arg(t.path()).output().expect("run").stdout
    };
    assert!(run(&[("CLICOLOR_FORCE", "1")]).contains(&0x1b));
    assert!(!run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains(&0x1b));
    assert!(!run(&[("TERM", "dumb")]).contains(&0x1b));
}

#[test]
fn missing_path_and_bad_flag_are_exit_2() {
    let out = leakscan()
        .args(["scan", "/definitely/not/here"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file or directory"));
    let out = leakscan()
        .args(["scan", "--format", "xml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn terminal_escapes_in_scanned_text_are_neutralised() {
    let t = Tree::new();
    t.write(
        "a.txt",
        format!("\x1b[2J\x07 {} \x1b]0;pwned\x07\n", github_pat(90)),
    );
    let out = leakscan().arg("scan").arg(t.path()).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(!out.stdout.contains(&0x1b), "raw ESC reached the terminal");
    assert!(!out.stdout.contains(&0x07));
}

#[test]
fn every_builtin_rule_example_passes() {
    let rules = leakscan::rules::builtin().expect("built-in rules load");
    let failures = leakscan::cmd::rules::example_failures(rules);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let out = leakscan().args(["rules", "check"]).output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains(" 0 failed"));
}

#[test]
fn rules_check_fails_on_a_missed_example() {
    let t = Tree::new();
    let f = t.write(
        "r.toml",
        "[[rule]]\nid = \"acme\"\nname = \"Acme\"\nkeywords = [\"acme_\"]\nregex = '''(?P<secret>acme_[a-z]{8})'''\nseverity = \"high\"\nconfidence = \"high\"\nremediation = \"r\"\nexamples = [\"acme_ABCDEFGH\"]\nnegative_examples = [\"acme_qwertzui\"]\n",
    );
    let out = leakscan()
        .args(["rules", "check"])
        .arg(&f)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("acme") && err.contains("example not found"),
        "{err}"
    );
    assert!(err.contains("negative example reported by acme"), "{err}");
}

#[test]
fn rules_check_runs_the_whole_set_and_lints_patterns() {
    let t = Tree::new();
    let rule = |id: &str, keywords: &str, regex: &str, confidence: &str, ex: &str, neg: &str| {
        format!(
            "[[rule]]\nid = \"{id}\"\nname = \"{id}\"\nkeywords = [{keywords}]\nregex = '''{regex}'''\nseverity = \"high\"\nconfidence = \"{confidence}\"\nremediation = \"r\"\nexamples = [\"{ex}\"]\nnegative_examples = [\"{neg}\"]\n"
        )
    };
    let text = [
        // Can cross a line break between name and value.
        rule(
            "spans",
            "\"acme_key\"",
            r"acme_key\s{0,3}=\s{0,3}(?P<secret>[a-z]{8})",
            "high",
            "acme_key = qwertzui",
            "acme_key =",
        ),
        // A keyword the pattern never holds.
        rule(
            "context",
            "\"globex\"",
            r"\b(?P<secret>GX[0-9]{8})\b",
            "high",
            "GX58203917 globex",
            "GX1234",
        ),
        // Its example is won by the rule above (same span, higher confidence), and its
        // negative example is that rule's example.
        rule(
            "loser",
            "\"gx\"",
            r"\b(?P<secret>GX[0-9]{8})\b",
            "low",
            "GX73920461 globex",
            "GX58203917 globex",
        ),
    ]
    .concat();
    let f = t.write("r.toml", text);
    let out = leakscan()
        .args(["rules", "check"])
        .arg(&f)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("spans (") && err.contains("can match a line break"),
        "{err}"
    );
    assert!(
        err.contains("context (") && err.contains("does not require any of its keywords"),
        "{err}"
    );
    assert!(
        err.contains("loser (") && err.contains("example not found (reported instead by context)"),
        "{err}"
    );
    assert!(
        err.contains("negative example reported by context"),
        "{err}"
    );
}

#[test]
fn rules_list_shows_provider_severity_reference() {
    let out = leakscan().args(["rules", "list"]).output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("github-pat-classic "))
        .expect("rule listed");
    assert!(line.contains("GitHub") && line.contains("critical") && line.contains("https://"));
}

#[test]
fn the_project_scans_itself_clean() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = leakscan()
        .args(["scan", "--format", "json"])
        .arg(root)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn the_demo_fixture_reports_exactly_its_planted_secrets() {
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let (code, findings, _) = scan_json(&demo, &[]);
    assert_eq!(code, 1);
    let got: Vec<(String, u64, String, Value)> = findings
        .iter()
        .map(|f| {
            (
                str_field(f, "path"),
                u64_field(f, "line"),
                str_field(f, "rule_id"),
                f["checksum"].clone(),
            )
        })
        .collect();
    let valid = Value::from("valid");
    assert_eq!(
        got,
        vec![
            (
                "fixtures/demo/.npmrc".into(),
                1,
                "npm-access-token".into(),
                valid.clone()
            ),
            (
                "fixtures/demo/app/config.py".into(),
                4,
                "github-pat-classic".into(),
                valid
            ),
            (
                "fixtures/demo/deploy/values.yaml".into(),
                2,
                "aws-access-key-id".into(),
                Value::Null
            ),
            (
                "fixtures/demo/deploy/values.yaml".into(),
                3,
                "aws-secret-access-key".into(),
                Value::Null
            ),
        ]
    );
}

/// Every subcommand and every long flag the binary accepts is documented in the README.
#[test]
fn every_command_and_flag_is_in_the_readme() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let help = |args: &[&str]| {
        let out = leakscan()
            .args(args)
            .arg("--help")
            .output()
            .expect("run leakscan");
        assert!(out.status.success(), "{args:?} --help");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let commands = [
        vec!["scan"],
        vec!["history"],
        vec!["staged"],
        vec!["install-hook"],
        vec!["baseline"],
        vec!["revoke"],
        vec!["rules", "list"],
        vec!["rules", "check"],
        vec!["verify"],
        vec!["audit"],
        vec!["merge"],
        vec!["completions"],
        vec!["man"],
    ];
    let mut checked = 0;
    for cmd in &commands {
        assert!(
            readme.contains(&format!("leakscan {}", cmd.join(" "))),
            "README does not document `leakscan {}`",
            cmd.join(" ")
        );
        for word in help(cmd).split_whitespace() {
            let flag = word.trim_end_matches([',', '.', ')', ':']);
            let Some(name) = flag.strip_prefix("--") else {
                continue;
            };
            if name.is_empty()
                || name == "help"
                || !name.chars().all(|c| c.is_ascii_lowercase() || c == '-')
            {
                continue;
            }
            let flag = flag.split('=').next().unwrap_or(flag);
            // The flag itself, not a longer one it begins.
            let named = readme.match_indices(flag).any(|(at, _)| {
                !readme[at + flag.len()..].starts_with(|c: char| c.is_ascii_lowercase() || c == '-')
            });
            assert!(
                named,
                "README does not document {flag} of `leakscan {}`",
                cmd.join(" ")
            );
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} flags found in the help texts");
}

#[test]
fn rules_are_chosen_on_the_command_line() {
    let t = Tree::new();
    let gh = github_pat(140);
    let npm = leakscan::engine::validate::make_crc32_token("npm_", &common::payload(141));
    t.write("a.txt", format!("{gh}\n{npm}\n"));
    let ids = |extra: &[&str]| -> Vec<String> {
        let (code, findings, stderr) = scan_json(t.path(), extra);
        assert!(code == 0 || code == 1, "{stderr}");
        let mut ids: Vec<String> = findings.iter().map(|f| str_field(f, "rule_id")).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&[]), ["github-pat-classic", "npm-access-token"]);
    assert_eq!(
        ids(&["--rule", "github-pat-classic"]),
        ["github-pat-classic"]
    );
    assert_eq!(ids(&["--rule", "npm-*"]), ["npm-access-token"]);
    assert_eq!(
        ids(&["--disable-rule", "github-pat-classic"]),
        ["npm-access-token"]
    );
    assert_eq!(
        ids(&[
            "--rule",
            "github-*",
            "--rule",
            "npm-access-token",
            "--disable-rule",
            "github-pat-classic"
        ]),
        ["npm-access-token"]
    );
    // A typo is an error, not a scan with no rules or all of them.
    for bad in [
        &["--rule", "github-pat-clasic"][..],
        &["--disable-rule", "nope-*"][..],
        &["--rule", "npm-access-token", "--disable-rule", "npm-*"][..],
    ] {
        let out = leakscan()
            .args(["scan"])
            .arg(t.path())
            .args(bad)
            .output()
            .expect("run");
        assert_eq!(exit_code(&out.status), 2, "{bad:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("rule"),
            "{bad:?}"
        );
    }
}
