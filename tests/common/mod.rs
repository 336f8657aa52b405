//! Shared helpers for the integration tests: fake tokens made at run time, temp trees, and
//! the real binary run as a process.
#![allow(dead_code)]

/// A provider stand-in on 127.0.0.1, for `--verify` and `revoke`.
pub mod fake;
/// Real git repositories built in temp dirs, for the history and staged tests.
pub mod git;
/// The shipped YAML, read strictly.
pub mod yaml;

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;

/// The string field `key` of a JSON object; panics naming the field when it is missing or
/// not a string, so that an absent field never passes for a value.
pub fn str_field(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => panic!("field `{key}` is not a string but {other} in {v}"),
        None => panic!("field `{key}` is missing from {v}"),
    }
}

/// The unsigned integer field `key` of a JSON object; panics naming the field when it is
/// missing or not an unsigned integer.
pub fn u64_field(v: &Value, key: &str) -> u64 {
    match v.get(key) {
        Some(n) => n
            .as_u64()
            .unwrap_or_else(|| panic!("field `{key}` is not an unsigned integer but {n} in {v}")),
        None => panic!("field `{key}` is missing from {v}"),
    }
}

/// The exit code of a finished process; panics when a signal ended it instead.
pub fn exit_code(status: &ExitStatus) -> i32 {
    status
        .code()
        .unwrap_or_else(|| panic!("the process was killed by a signal ({status})"))
}

/// A finished process's exit code and its stdout then stderr, as one text (what a CI log
/// shows).
pub fn code_and_log(out: &std::process::Output) -> (i32, String) {
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (exit_code(&out.status), log)
}

/// A deterministic 30-character base62 payload for seed `n`.
pub fn payload(n: u64) -> String {
    leakscan::testing::Rng::new(n).base62(30)
}

/// A fake classic GitHub PAT with a valid checksum.
pub fn github_pat(n: u64) -> String {
    leakscan::engine::validate::make_crc32_token("ghp_", &payload(n))
}

/// The same token with its last checksum character changed.
pub fn broken_checksum(token: &str) -> String {
    let mut t = token.to_string();
    let last = t.pop().expect("non-empty token");
    t.push(if last == 'a' { 'b' } else { 'a' });
    t
}

/// A temp dir with files written into it.
pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    pub fn new() -> Tree {
        Tree {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create dirs");
        }
        std::fs::write(&p, content).expect("write file");
        p
    }
}

/// The binary, with a clean environment for colour.
pub fn leakscan() -> Command {
    let mut c = Command::cargo_bin("leakscan").expect("binary built");
    c.env_remove("NO_COLOR").env_remove("LEAKSCAN_CONFIG");
    c
}

/// Runs `leakscan scan DIR --format json --show-secrets <extra>`; returns (exit code,
/// findings, stderr).
pub fn scan_json(dir: &Path, extra: &[&str]) -> (i32, Vec<Value>, String) {
    let out = leakscan()
        .arg("scan")
        .arg(dir)
        .args(["--format", "json", "--show-secrets"])
        .args(extra)
        .output()
        .expect("run leakscan");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let findings: Vec<Value> = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not a JSON array ({e}): {stdout}"));
    (
        exit_code(&out.status),
        findings,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The official SARIF 2.1.0 schema, vendored byte for byte from the OASIS SARIF TC's
/// repository (source, version and licence in `tests/data/README.md`).
const SARIF_SCHEMA: &str = include_str!("../data/sarif-schema-2.1.0.json");

/// SHA-256 of the vendored file, as recorded in `tests/data/README.md`.
const SARIF_SCHEMA_SHA256: &str =
    "ad6db49878699b091f3eeb765b6e29e92a34bad4da88664d000c923b549c3a25";

pub fn sarif_schema() -> Value {
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(SARIF_SCHEMA.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        digest, SARIF_SCHEMA_SHA256,
        "tests/data/sarif-schema-2.1.0.json changed: update tests/data/README.md and this hash"
    );
    let mut schema: Value = serde_json::from_str(SARIF_SCHEMA).expect("schema json");
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    // The official schema's `language` patterns have a stray `]`, which ECMA-262 reads as a
    // literal but jsonschema's check of the schema itself rejects. Escape it (same meaning);
    // nothing else is touched, and leakscan does not emit `language`.
    fn escape_stray_bracket(v: &mut Value, fixed: &mut usize) {
        match v {
            Value::Object(m) => {
                for (k, child) in m.iter_mut() {
                    if k == "pattern" && child == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" {
                        *child = Value::from("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$");
                        *fixed += 1;
                    } else {
                        escape_stray_bracket(child, fixed);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|c| escape_stray_bracket(c, fixed)),
            _ => {}
        }
    }
    let mut fixed = 0;
    escape_stray_bracket(&mut schema, &mut fixed);
    assert_eq!(fixed, 2, "the known erratum changed: review this repair");
    schema
}

/// Standard base64 with padding (tests build encoded content with it).
pub fn base64(bytes: &[u8]) -> String {
    leakscan::testing::base64(bytes, false, true)
}
