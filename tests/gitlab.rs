//! `--format gitlab` (GitLab's secret-detection report) against the report's required
//! fields, with no secret in it, and the CI template `ci/leakscan.gitlab-ci.yml` run as a
//! GitLab runner would: its shell lines in a real repository, with the release download
//! served from a local directory.

mod common;

use common::git::{token, Repo};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const SCHEMA: &str = include_str!("data/gitlab-secret-detection.schema.json");

fn check(report: &Value) {
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{report:#}");
}

fn report_of(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// `leakscan COMMAND --format gitlab` in `dir` (findings, exit 1): the run, its checked
/// report, and the report's vulnerabilities.
fn gitlab_report(dir: &std::path::Path, command: &str) -> (common::git::Run, Value, Vec<Value>) {
    let args: &[&str] = if command == "scan" {
        &["scan", ".", "--format", "gitlab"]
    } else {
        &["history", "--format", "gitlab"]
    };
    let out = common::git::leakscan(dir, args);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = report_of(&out.stdout);
    check(&report);
    let v = report["vulnerabilities"]
        .as_array()
        .expect("vulnerabilities")
        .clone();
    (out, report, v)
}

/// A repository with a token in its first commit and another added in its second.
fn repo() -> (Repo, [String; 2], [String; 2]) {
    let r = Repo::new();
    let (old, new) = (token("gitlab-old"), token("gitlab-new"));
    r.write("README.md", "demo\n");
    r.write("config/app.env", format!("GH_TOKEN={old}\n"));
    let first = r.commit("first");
    r.write("deploy/ci.yml", format!("env:\n  token: {new}\n"));
    let second = r.commit("add deploy");
    (r, [old, new], [first, second])
}

#[test]
fn scan_and_history_reports_carry_every_required_field_and_no_secret() {
    let (r, secrets, commits) = repo();
    let (out, report, v) = gitlab_report(&r.dir, "scan");
    assert_eq!(v.len(), 2, "{report:#}");
    let mut files: Vec<&str> = v
        .iter()
        .filter_map(|x| x["location"]["file"].as_str())
        .collect();
    files.sort_unstable();
    assert_eq!(files, ["config/app.env", "deploy/ci.yml"]);
    for x in v {
        assert_eq!(x["severity"], "Critical");
        assert_eq!(x["identifiers"][0]["value"], "github-pat-classic");
        assert_eq!(
            x["location"]["commit"]["sha"], "0000000",
            "no commit outside history"
        );
        assert!(x["solution"].as_str().is_some_and(|s| s.contains("Revoke")));
    }
    assert_eq!(report["scan"]["type"], "secret_detection");
    assert_eq!(
        report["scan"]["analyzer"]["version"],
        env!("CARGO_PKG_VERSION")
    );
    for s in &secrets {
        assert!(!out.stdout.contains(s.as_str()), "a secret in the report");
    }

    // In a pipeline, findings on disk belong to the pipeline's commit.
    let out = Command::new(assert_cmd::cargo::cargo_bin("leakscan"))
        .current_dir(&r.dir)
        .env("CI_COMMIT_SHA", &commits[1])
        .args(["scan", ".", "--format", "gitlab"])
        .output()
        .expect("run");
    let report = report_of(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(
        report["vulnerabilities"][0]["location"]["commit"]["sha"],
        commits[1].as_str()
    );

    // History: each finding names the commit that introduced it.
    let (out, report, v) = gitlab_report(&r.dir, "history");
    let commit_of = |file: &str| {
        v.iter()
            .find(|x| x["location"]["file"] == file)
            .map(|x| x["location"]["commit"].clone())
            .unwrap_or_else(|| panic!("no finding in {file}: {report:#}"))
    };
    assert_eq!(commit_of("config/app.env")["sha"], commits[0].as_str());
    assert_eq!(commit_of("deploy/ci.yml")["sha"], commits[1].as_str());
    assert_eq!(commit_of("deploy/ci.yml")["author"], "Ada Tester");
    for s in &secrets {
        assert!(!out.stdout.contains(s.as_str()), "a secret in the report");
    }

    // Ids are stable from run to run (GitLab tracks a vulnerability by them).
    let again =
        report_of(&common::git::leakscan(&r.dir, &["history", "--format", "gitlab"]).stdout);
    assert_eq!(again["vulnerabilities"], report["vulnerabilities"]);

    // A clean tree is a valid, empty report.
    let clean = tempfile::tempdir().expect("tmp");
    let out = common::git::leakscan(clean.path(), &["scan", ".", "--format", "gitlab"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = report_of(&out.stdout);
    check(&report);
    assert_eq!(report["vulnerabilities"], serde_json::json!([]));
}

/// The template's job, parsed.
fn template() -> serde_yaml_ng::Value {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("ci/leakscan.gitlab-ci.yml"),
    )
    .expect("ci/leakscan.gitlab-ci.yml");
    serde_yaml_ng::from_str(&text).expect("the template is YAML")
}

fn lines(job: &serde_yaml_ng::Value, key: &str) -> Vec<String> {
    job[key]
        .as_sequence()
        .unwrap_or_else(|| panic!("{key} is a list"))
        .iter()
        .map(|l| l.as_str().expect("a shell line").to_string())
        .collect()
}

/// A release directory as the release workflow lays it out, its archive launching the binary
/// under test.
fn release(dir: &Path, version: &str) -> PathBuf {
    let target = match std::env::consts::ARCH {
        "aarch64" => "aarch64-unknown-linux-musl",
        _ => "x86_64-unknown-linux-musl",
    };
    let name = format!("leakscan-{version}-{target}");
    let stage = dir.join("stage").join(&name);
    std::fs::create_dir_all(&stage).expect("mkdir");
    // The binary under test, behind a launcher (a debug build is too big to pack quickly).
    let launcher = stage.join("leakscan");
    std::fs::write(
        &launcher,
        format!(
            "#!/bin/sh\nexec '{}' \"$@\"\n",
            assert_cmd::cargo::cargo_bin("leakscan").display()
        ),
    )
    .expect("write launcher");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let tag = dir.join("releases").join(format!("v{version}"));
    std::fs::create_dir_all(&tag).expect("mkdir");
    let archive = format!("{name}.tar.gz");
    let ok = Command::new("tar")
        .current_dir(dir.join("stage"))
        .args(["-czf", tag.join(&archive).to_str().expect("utf-8"), &name])
        .status()
        .expect("tar");
    assert!(ok.success());
    let sum = Command::new("sha256sum")
        .current_dir(&tag)
        .arg(&archive)
        .output()
        .expect("sha256sum");
    std::fs::write(tag.join("SHA256SUMS"), &sum.stdout).expect("write sums");
    dir.join("releases")
}

/// Runs the job's `before_script` and `script` with bash in `repo`, with the variables a
/// runner sets; returns (exit code, output).
fn run_job(repo: &Path, vars: &[(&str, String)]) -> (i32, String) {
    let t = template();
    let job = &t["leakscan"];
    assert_eq!(
        job["artifacts"]["reports"]["secret_detection"],
        "gl-secret-detection-report.json"
    );
    assert_eq!(
        job["variables"]["GIT_DEPTH"], "0",
        "history needs every commit"
    );
    let mut script = lines(job, "before_script");
    script.extend(lines(job, "script"));
    let mut c = Command::new("bash");
    c.current_dir(repo)
        .arg("-e")
        .arg("-c")
        .arg(script.join("\n"))
        .env("CI_PROJECT_DIR", repo)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    for (k, v) in t["variables"].as_mapping().expect("variables") {
        c.env(k.as_str().expect("name"), v.as_str().expect("value"));
    }
    for (k, v) in vars {
        c.env(k, v);
    }
    let out = c.output().expect("bash");
    common::code_and_log(&out)
}

#[test]
fn the_ci_template_downloads_a_checked_release_and_publishes_the_report() {
    let t = template();
    let version = t["variables"]["LEAKSCAN_VERSION"]
        .as_str()
        .expect("version");
    assert_eq!(
        version,
        env!("CARGO_PKG_VERSION"),
        "the template names this release"
    );
    let (r, secrets, commits) = repo();
    let tmp = tempfile::tempdir().expect("tmp");
    let releases = release(tmp.path(), version);
    let url = format!("file://{}", releases.display());

    // A merge request pipeline with `history`: only the commit the MR adds.
    let (code, log) = run_job(
        &r.dir,
        &[
            ("LEAKSCAN_RELEASE_URL", url.clone()),
            ("LEAKSCAN_COMMAND", "history".into()),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", commits[0].clone()),
        ],
    );
    assert_eq!(code, 1, "{log}");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(r.dir.join("gl-secret-detection-report.json")).expect("report"),
    )
    .expect("JSON");
    check(&report);
    let v = report["vulnerabilities"].as_array().expect("list");
    assert_eq!(v.len(), 1, "{report:#}");
    assert_eq!(v[0]["location"]["file"], "deploy/ci.yml");
    for s in &secrets {
        assert!(!log.contains(s.as_str()), "a secret in the job log");
    }

    // A clean tree passes.
    let clean = Repo::new();
    clean.write("README.md", "nothing\n");
    clean.commit("init");
    let (code, log) = run_job(&clean.dir, &[("LEAKSCAN_RELEASE_URL", url.clone())]);
    assert_eq!(code, 0, "{log}");

    // A tampered archive is refused before it runs.
    let sums = releases.join(format!("v{version}")).join("SHA256SUMS");
    let text = std::fs::read_to_string(&sums).expect("sums");
    std::fs::write(&sums, format!("{}{}", "0".repeat(64), &text[64..])).expect("write");
    let _ = std::fs::remove_file(clean.dir.join("gl-secret-detection-report.json"));
    let (code, log) = run_job(&clean.dir, &[("LEAKSCAN_RELEASE_URL", url)]);
    assert_ne!(code, 0, "{log}");
    assert!(log.contains("FAILED"), "sha256sum's verdict: {log}");
    assert!(!clean.dir.join("gl-secret-detection-report.json").exists());
}
