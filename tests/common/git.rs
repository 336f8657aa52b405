//! Real git repositories in temp dirs, built with the git CLI under fixed identities and
//! dates, and the real `leakscan` binary run against them.
#![allow(dead_code)] // each test binary uses a different part

use assert_cmd::Command;
use serde_json::Value;
use std::cell::Cell;
use std::path::{Path, PathBuf};

/// A fake, well-formed GitHub classic PAT (valid checksum), different for each `seed`.
/// Built at run time so that no token is ever committed to this repository.
pub fn token(seed: &str) -> String {
    let base = "Zq8Kx3Lm9Np2Rt5Vw7Yb4Cd6Fg1Hj0Sa";
    let payload: String = seed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .chain(base.chars())
        .take(30)
        .collect();
    leakscan::engine::validate::make_crc32_token("ghp_", &payload)
}

/// Base of the fake clock: 2024-03-01T00:00:00Z.
const EPOCH: i64 = 1_709_251_200;

pub struct Repo {
    _tmp: Option<tempfile::TempDir>,
    pub dir: PathBuf,
    clock: Cell<i64>,
}

/// `git` with a clean, fixed environment (no user or system config).
pub fn git_cmd(dir: &Path) -> std::process::Command {
    let mut c = std::process::Command::new("git");
    c.current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ada Tester")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Ada Tester")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE");
    c
}

impl Repo {
    /// A fresh non-bare repository on branch `main`.
    pub fn new() -> Repo {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("repo");
        std::fs::create_dir(&dir).expect("mkdir repo");
        let r = Repo {
            _tmp: Some(tmp),
            dir,
            clock: Cell::new(EPOCH),
        };
        r.git(&["-c", "init.defaultBranch=main", "init", "-q"]);
        r
    }

    /// Another directory in the same temp dir (for clones).
    pub fn sibling(&self, name: &str) -> PathBuf {
        self.dir.parent().expect("temp parent").join(name)
    }

    /// Runs git with the next fixed date; panics (with git's stderr) on failure.
    pub fn git(&self, args: &[&str]) -> String {
        let t = self.clock.get() + 60;
        self.clock.set(t);
        let date = format!("{t} +0200");
        let out = git_cmd(&self.dir)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .args(args)
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let p = self.dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, content).expect("write file");
    }

    /// `git add -A` and commit; returns the commit id.
    pub fn commit(&self, msg: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", msg]);
        self.head()
    }

    pub fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"])
    }
}

/// The result of one run of the binary.
pub struct Run {
    pub code: i32,
    pub json: Vec<Value>,
    pub stderr: String,
    pub stdout: String,
}

/// Runs `leakscan ARGS... --format json --show-secrets` in `dir`.
pub fn leakscan_json(dir: &Path, args: &[&str]) -> Run {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--format", "json", "--show-secrets"]);
    let r = leakscan(dir, &all);
    let json = serde_json::from_str::<Vec<Value>>(&r.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not a JSON array ({e}): {}\n{}",
            r.stdout, r.stderr
        )
    });
    Run { json, ..r }
}

/// Runs `leakscan ARGS...` in `dir`.
pub fn leakscan(dir: &Path, args: &[&str]) -> Run {
    let out = Command::cargo_bin("leakscan")
        .expect("binary")
        .current_dir(dir)
        .env_remove("LEAKSCAN_CONFIG")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(args)
        .output()
        .expect("run leakscan");
    Run {
        code: super::exit_code(&out.status),
        json: Vec::new(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

/// The findings whose secret is `secret`.
pub fn with_secret<'a>(findings: &'a [Value], secret: &str) -> Vec<&'a Value> {
    findings.iter().filter(|f| f["secret"] == secret).collect()
}

/// (path, line, commit id) of a finding; the commit id is "-" for a finding with a null
/// `commit` (staged changes). A missing field panics.
pub fn where_(f: &Value) -> (String, u64, String) {
    let commit = match f.get("commit") {
        Some(Value::Null) => "-".to_string(),
        Some(c) => super::str_field(c, "id"),
        None => panic!("field `commit` is missing from {f}"),
    };
    (
        super::str_field(f, "path"),
        super::u64_field(f, "line"),
        commit,
    )
}
