//! GitLab's secret-detection report (`gl-secret-detection-report.json`), the file a job
//! publishes as `artifacts:reports:secret_detection` so that findings show in merge
//! requests, pipelines and the vulnerability report. Schema version 15.0.7, which GitLab 16
//! and 17 ingest alike (newer 15.x revisions are refused by older 17.x instances).
//!
//! The report carries no raw source extract: GitLab's own analyzer puts the matched line in
//! `raw_source_code_extract`, which would publish the secret as a pipeline artifact. The
//! description names the secret redacted unless `--show-secrets`.

use super::Options;
use crate::finding::{Finding, Severity};
use serde::Serialize;
use std::io::{self, Write};

/// The schema version written in `version`.
pub const SCHEMA_VERSION: &str = "15.0.7";
const URL: &str = "https://github.com/leakscan/leakscan";
/// The commit of a finding outside git history: the pipeline's (`CI_COMMIT_SHA`), else
/// GitLab's placeholder for "not known".
const NO_COMMIT: &str = "0000000";

#[derive(Serialize)]
struct Report<'a> {
    version: &'static str,
    scan: Scan,
    vulnerabilities: Vec<Vulnerability<'a>>,
}

#[derive(Serialize)]
struct Scan {
    analyzer: Tool,
    scanner: Tool,
    #[serde(rename = "type")]
    kind: &'static str,
    start_time: String,
    end_time: String,
    status: &'static str,
}

#[derive(Serialize)]
struct Tool {
    id: &'static str,
    name: &'static str,
    url: &'static str,
    version: &'static str,
    vendor: Vendor,
}

#[derive(Serialize)]
struct Vendor {
    name: &'static str,
}

#[derive(Serialize)]
struct Vulnerability<'a> {
    id: String,
    category: &'static str,
    name: &'a str,
    description: String,
    severity: &'static str,
    solution: &'a str,
    identifiers: Vec<Identifier<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<Link<'a>>,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Identifier<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
    value: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

#[derive(Serialize)]
struct Link<'a> {
    url: &'a str,
}

#[derive(Serialize)]
struct Location<'a> {
    file: &'a str,
    start_line: usize,
    end_line: usize,
    commit: Commit<'a>,
}

#[derive(Serialize)]
struct Commit<'a> {
    sha: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
}

fn tool() -> Tool {
    Tool {
        id: "leakscan",
        name: "leakscan",
        url: URL,
        version: env!("CARGO_PKG_VERSION"),
        vendor: Vendor { name: "leakscan" },
    }
}

/// GitLab's scan times: `2026-12-04T18:00:00`, UTC, no zone.
fn time(secs: i64) -> String {
    crate::facts::iso(secs).trim_end_matches('Z').to_string()
}

/// A token its provider called live is critical whatever the rule says.
fn severity(f: &Finding) -> &'static str {
    if f.verification
        .as_ref()
        .is_some_and(|v| v.status == crate::verify::Status::Live)
    {
        return "Critical";
    }
    match f.severity {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
    }
}

/// A stable id in UUID form from the finding's fingerprint (32 hex digits), so that the
/// same leak keeps its id from pipeline to pipeline.
fn id(fingerprint: &str) -> String {
    let hex: String = fingerprint
        .chars()
        .filter(char::is_ascii_hexdigit)
        .chain(std::iter::repeat('0'))
        .take(32)
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

pub fn write(out: &mut dyn Write, findings: &[Finding], opts: Options) -> io::Result<()> {
    let pipeline_commit = std::env::var("CI_COMMIT_SHA")
        .ok()
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()));
    let vulnerabilities = findings
        .iter()
        .map(|f| {
            let commit = match &f.commit {
                Some(c) => Commit {
                    sha: c.id.clone(),
                    author: Some(&c.author),
                    date: Some(&c.date),
                    message: Some(&c.message),
                },
                None => Commit {
                    sha: pipeline_commit
                        .clone()
                        .unwrap_or_else(|| NO_COMMIT.to_string()),
                    author: None,
                    date: None,
                    message: None,
                },
            };
            Vulnerability {
                id: id(&f.fingerprint),
                category: "secret_detection",
                name: &f.rule_name,
                description: super::message(f, opts.show_secrets),
                severity: severity(f),
                solution: &f.remediation,
                identifiers: vec![Identifier {
                    kind: "leakscan_rule_id",
                    name: format!("leakscan rule {}", f.rule_id),
                    value: &f.rule_id,
                    url: f.help_uri.as_deref(),
                }],
                links: f.help_uri.iter().map(|u| Link { url: u }).collect(),
                location: Location {
                    file: &f.path,
                    start_line: f.line,
                    end_line: f.end_line,
                    commit,
                },
            }
        })
        .collect();
    let now = jiff::Timestamp::now().as_second();
    let report = Report {
        version: SCHEMA_VERSION,
        scan: Scan {
            analyzer: tool(),
            scanner: tool(),
            kind: "secret_detection",
            start_time: time(if opts.started_at > 0 {
                opts.started_at
            } else {
                now
            }),
            end_time: time(now),
            status: "success",
        },
        vulnerabilities,
    };
    serde_json::to_writer_pretty(&mut *out, &report).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuid_shaped_and_times_have_no_zone() {
        assert_eq!(
            id("8dc1e1ba898a60f02d5644304666519d"),
            "8dc1e1ba-898a-60f0-2d56-44304666519d"
        );
        assert_eq!(id("").len(), 36);
        assert_eq!(time(1_800_000_000), "2027-01-15T08:00:00");
    }
}
