//! Repository-anchored identity: the same secret in the same file gets the same path and
//! fingerprint whichever directory is scanned or current and whichever command finds it, and
//! the repository's `.leakscan.toml` applies in each. Every source gives the same bytes the
//! same treatment (binary, size limit).

mod common;

use common::git::{leakscan, leakscan_json, token, Repo, Run};
use common::{str_field, u64_field};
use serde_json::Value;
use std::io::Write;
use std::process::Stdio;

/// (path, line, rule, fingerprint) of every finding, in report order.
fn ids(run: &Run) -> Vec<(String, u64, String, String)> {
    run.json
        .iter()
        .map(|f| {
            (
                str_field(f, "path"),
                u64_field(f, "line"),
                str_field(f, "rule_id"),
                str_field(f, "fingerprint"),
            )
        })
        .collect()
}

/// A repository whose root config allowlists `sub/allowed/`, with one secret there and
/// one in `sub/app.env`.
fn repo() -> (Repo, String) {
    let r = Repo::new();
    let live = token("live");
    r.write(
        ".leakscan.toml",
        "[allowlist]\npaths = [\"sub/allowed/\", \"!sub/allowed/kept.env\"]\n",
    );
    r.write("sub/app.env", format!("# app\nGITHUB_TOKEN={live}\n"));
    r.write(
        "sub/allowed/x.env",
        format!("GITHUB_TOKEN={}\n", token("allowed")),
    );
    (r, live)
}

#[test]
fn every_command_and_directory_gives_the_same_identity() {
    let (r, live) = repo();
    r.git(&["add", "-A"]);
    // Staged before the first commit: everything in the index is new.
    let staged = leakscan_json(&r.dir, &["staged"]);
    r.commit("add config");
    let sub = r.dir.join("sub");
    let runs = [
        (
            "scan sub from the root",
            leakscan_json(&r.dir, &["scan", "sub"]),
        ),
        (
            "scan . from the root",
            leakscan_json(&r.dir, &["scan", "."]),
        ),
        ("scan . from sub", leakscan_json(&sub, &["scan", "."])),
        ("scan with no path from sub", leakscan_json(&sub, &["scan"])),
        (
            "scan the file by path",
            leakscan_json(&sub, &["scan", "app.env"]),
        ),
        (
            "scan by absolute path",
            leakscan_json(
                std::path::Path::new("/"),
                &["scan", &sub.display().to_string()],
            ),
        ),
        ("history from sub", leakscan_json(&sub, &["history"])),
        ("history of the root", leakscan_json(&r.dir, &["history"])),
        ("staged", staged),
    ];
    let expected = ids(&runs[0].1);
    assert_eq!(expected.len(), 1, "{:?}", runs[0].1.json);
    assert_eq!(expected[0].0, "sub/app.env");
    assert_eq!(expected[0].1, 2);
    assert_eq!(runs[0].1.json[0]["secret"], Value::from(live.as_str()));
    // The fingerprint hashes the repository-relative path.
    assert_eq!(
        expected[0].3,
        leakscan::finding::fingerprint("github-pat-classic", "sub/app.env", live.as_bytes())
    );
    for (what, run) in &runs {
        assert_eq!(run.code, 1, "{what}: {}", run.stderr);
        assert_eq!(ids(run), expected, "{what}");
    }
}

#[test]
fn the_nearest_config_wins_and_its_patterns_are_rooted_where_it_lies() {
    let (r, _) = repo();
    // A config of its own in sub/ governs sub/: its anchored pattern is rooted at sub/.
    r.write(
        "sub/.leakscan.toml",
        "[allowlist]\npaths = [\"/app.env\"]\n",
    );
    let run = leakscan_json(&r.dir.join("sub"), &["scan"]);
    let paths: Vec<String> = run.json.iter().map(|f| str_field(f, "path")).collect();
    assert_eq!(paths, ["sub/allowed/x.env"], "{}", run.stderr);
    // From the root, the root config applies to the whole tree.
    let run = leakscan_json(&r.dir, &["scan"]);
    let paths: Vec<String> = run.json.iter().map(|f| str_field(f, "path")).collect();
    assert_eq!(paths, ["sub/app.env"], "{}", run.stderr);
}

#[test]
fn negated_allowlist_paths_are_scanned() {
    let (r, _) = repo();
    r.write("sub/allowed/kept.env", format!("T={}\n", token("kept")));
    let run = leakscan_json(&r.dir, &["scan", "sub"]);
    let paths: Vec<String> = run.json.iter().map(|f| str_field(f, "path")).collect();
    assert_eq!(paths, ["sub/allowed/kept.env", "sub/app.env"]);
}

#[test]
fn config_from_flag_and_environment_override_the_search() {
    let (r, _) = repo();
    r.write("other.toml", "[allowlist]\npaths = [\"app.env\"]\n");
    let run = leakscan_json(&r.dir, &["scan", "sub", "--config", "other.toml"]);
    let paths: Vec<String> = run.json.iter().map(|f| str_field(f, "path")).collect();
    assert_eq!(paths, ["sub/allowed/x.env"]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_leakscan"))
        .current_dir(&r.dir)
        .env("LEAKSCAN_CONFIG", r.dir.join("other.toml"))
        .args(["scan", "sub", "--format", "json"])
        .output()
        .expect("run");
    let json: Vec<Value> = serde_json::from_slice(&out.stdout).expect("json");
    let paths: Vec<String> = json.iter().map(|f| str_field(f, "path")).collect();
    assert_eq!(paths, ["sub/allowed/x.env"]);
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_leakscan"))
        .current_dir(&r.dir)
        .env("LEAKSCAN_CONFIG", r.dir.join("missing.toml"))
        .args(["scan", "sub"])
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("missing.toml"));
}

#[test]
fn baselines_written_before_anchoring_still_match() {
    let (r, live) = repo();
    // Before 0.2, `scan sub` hashed the path relative to the argument: `app.env`.
    let old = leakscan::finding::fingerprint("github-pat-classic", "app.env", live.as_bytes());
    r.write(
        "old-baseline.json",
        format!("[{{\"fingerprint\": \"{old}\"}}]"),
    );
    let run = leakscan_json(&r.dir, &["scan", "sub", "--baseline", "old-baseline.json"]);
    assert_eq!((run.code, run.json.len()), (0, 0), "{}", run.stderr);
    assert!(run.stderr.contains("1 baseline"), "{}", run.stderr);
    // A fingerprint of another path is no match.
    let other = leakscan::finding::fingerprint("github-pat-classic", "b.env", live.as_bytes());
    r.write(
        "other-baseline.json",
        format!("[{{\"fingerprint\": \"{other}\"}}]"),
    );
    let run = leakscan_json(
        &r.dir,
        &["scan", "sub", "--baseline", "other-baseline.json"],
    );
    assert_eq!((run.code, run.json.len()), (1, 1));
}

/// Runs `leakscan scan ARGS` with `input` on stdin; returns (code, stderr).
fn scan_stdin(args: &[&str], input: &[u8]) -> (i32, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_leakscan"))
        .env_remove("LEAKSCAN_CONFIG")
        .current_dir(std::env::temp_dir())
        .arg("scan")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    // Write from a thread: the binary may stop reading at the size limit.
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait");
    writer.join().expect("writer");
    (
        common::exit_code(&out.status),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn stdin_and_files_get_the_same_binary_and_size_treatment() {
    let t = common::Tree::new();
    let mut bytes = format!("GITHUB_TOKEN={}\n", token("bin")).into_bytes();
    bytes.extend_from_slice(&[0u8; 16]);
    let file = t.write("blob.bin", &bytes);
    let file = file.display().to_string();
    let (code, err) = scan_stdin(&["-"], &bytes);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("skipped: 1 binary"), "{err}");
    let (code, err) = scan_stdin(&[&file], b"");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("skipped: 1 binary"), "{err}");

    let text = format!("GITHUB_TOKEN={}\n", token("big"));
    let file = t.write("big.env", &text).display().to_string();
    let limit = ["--max-file-size", "20"];
    let (code, err) = scan_stdin(&["-", limit[0], limit[1]], text.as_bytes());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("1 too large"), "{err}");
    let (code, err) = scan_stdin(&[&file, limit[0], limit[1]], b"");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("1 too large"), "{err}");
    // Named inputs that could not be scanned are exit 2, alike. Within the limit, both find it.
    assert_eq!(scan_stdin(&["-"], text.as_bytes()).0, 1);
    assert_eq!(scan_stdin(&[&file], b"").0, 1);
}

#[test]
fn flags_that_mean_nothing_are_refused() {
    let r = Repo::new();
    let run = leakscan(&r.dir, &["scan", "--exit-code", "2"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("could not be done"), "{}", run.stderr);
    assert_eq!(leakscan(&r.dir, &["scan", "--exit-code", "3"]).code, 0);
    for flag in [
        &["--format", "sarif"][..],
        &["--show-secrets"],
        &["--baseline", "x.json"],
        &["--exit-code", "1"],
    ] {
        let mut args = vec!["baseline"];
        args.extend_from_slice(flag);
        let run = leakscan(&r.dir, &args);
        assert_eq!(run.code, 2, "baseline {flag:?}: {}", run.stderr);
        assert!(run.stderr.contains("unexpected argument"), "{}", run.stderr);
    }
}
