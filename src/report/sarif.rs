//! SARIF 2.1.0 in the shape GitHub code scanning accepts: one run, a `rules` entry for each
//! rule that reports (with remediation as help text and markdown), results with a relative
//! `artifactLocation` under `%SRCROOT%`, a region, and `partialFingerprints` carrying the
//! finding's stable fingerprint. Messages never contain the secret unless asked.
//!
//! GitHub rejects a run of more than 25,000 results and shows only the top 5,000 by severity;
//! we keep the most severe 25,000 and say so on stderr when a limit is hit.

use super::Options;
use crate::finding::{Confidence, Finding, Severity};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{self, Write};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/leakscan/leakscan";
/// GitHub code scanning's hard limit of results per run.
pub const MAX_RESULTS: usize = 25_000;
/// What GitHub displays of a run.
pub const DISPLAYED_RESULTS: usize = 5_000;
/// GitHub's limit on an upload (gzip-compressed).
pub const MAX_UPLOAD_BYTES: usize = 10 << 20;

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    results: Vec<SarifResult<'a>>,
    column_kind: &'static str,
    original_uri_base_ids: BTreeMap<&'static str, Value>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor<'a> {
    id: &'a str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<&'a str>,
    default_configuration: DefaultConfiguration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct DefaultConfiguration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    precision: &'static str,
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, &'a str>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
    #[serde(skip_serializing_if = "Option::is_none")]
    context_region: Option<ContextRegion>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ContextRegion {
    start_line: usize,
    snippet: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    repository: Option<&'a str>,
    severity: Severity,
    confidence: Confidence,
    #[serde(skip_serializing_if = "Option::is_none")]
    checksum: Option<crate::finding::Checksum>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a crate::finding::CommitInfo>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    decoded: &'a [&'static str],
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<&'a crate::facts::Token>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<&'a crate::verify::Verification>,
}

/// A result's level: a token its provider called live is an error whatever the rule's
/// severity; a dead one a note.
fn result_level(f: &crate::finding::Finding) -> &'static str {
    match f.verification.as_ref().map(|v| v.status) {
        Some(crate::verify::Status::Live) => "error",
        Some(s) if s.dead() => "note",
        _ => level(f.severity),
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub's `security-severity` score: critical > 9.0, high 7.0-8.9, medium 4.0-6.9.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

fn precision(c: Confidence, checksummed: bool) -> &'static str {
    match (c, checksummed) {
        (Confidence::High, true) => "very-high",
        (Confidence::High, false) => "high",
        (Confidence::Medium, _) => "medium",
        (Confidence::Low, _) => "low",
    }
}

/// `github-pat-classic` -> `GithubPatClassic`: SARIF's `name` is an identifier.
fn pascal(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut cs = p.chars();
            cs.next()
                .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A path as a relative URI reference: percent-encode what URIs do not allow.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn rule_descriptor(f: &Finding, checksummed: bool) -> ReportingDescriptor<'_> {
    let what = format!("{} ({} credential)", f.rule_name, f.provider);
    let reference = f
        .help_uri
        .as_deref()
        .map(|u| format!("\n\nProvider documentation: {u}"))
        .unwrap_or_default();
    let reference_md = f
        .help_uri
        .as_deref()
        .map(|u| format!("\n\n[Provider documentation]({u})"))
        .unwrap_or_default();
    let mut tags = vec!["security".to_string(), "secret".to_string()];
    let provider_tag = f.provider.to_ascii_lowercase().replace(' ', "-");
    if !provider_tag.is_empty() && !tags.contains(&provider_tag) {
        tags.push(provider_tag);
    }
    ReportingDescriptor {
        id: &f.rule_id,
        name: pascal(&f.rule_id),
        short_description: Text {
            text: format!("{} leaked in source", f.rule_name),
        },
        full_description: Text {
            text: format!(
                "A {what} is committed in the repository. Anyone who can read the code can use it until it is revoked."
            ),
        },
        help: Help {
            text: format!(
                "{}\n\nRevoke the credential first: deleting it from the code does not make it safe, since it stays in git history.{reference}\nFalse alarm? Add `leakscan:allow` in a comment on the line, or an allowlist entry in .leakscan.toml.",
                f.remediation
            ),
            markdown: format!(
                "**{what}**\n\n{}\n\nRevoke the credential first: deleting it from the code does not make it safe, since it stays in git history.{reference_md}\n\nFalse alarm? Add `leakscan:allow` in a comment on the line, or an allowlist entry in `.leakscan.toml`.",
                f.remediation
            ),
        },
        help_uri: f.help_uri.as_deref(),
        default_configuration: DefaultConfiguration {
            level: level(f.severity),
        },
        properties: RuleProperties {
            tags,
            security_severity: security_severity(f.severity),
            precision: precision(f.confidence, checksummed),
            problem_severity: match f.severity {
                Severity::Critical | Severity::High => "error",
                Severity::Medium => "warning",
                Severity::Low => "recommendation",
            },
        },
    }
}

/// Writes one SARIF log. `warn` receives messages about upload limits.
pub fn write(
    out: &mut dyn Write,
    findings: &[Finding],
    opts: Options,
    warn: &mut dyn FnMut(String),
) -> io::Result<()> {
    // Keep the most severe results when over the limit, in report order otherwise.
    let mut kept: Vec<&Finding> = findings.iter().collect();
    if kept.len() > MAX_RESULTS {
        kept.sort_by_key(|f| std::cmp::Reverse(f.severity));
        kept.truncate(MAX_RESULTS);
        kept.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
        warn(format!(
            "SARIF: {} results exceed GitHub code scanning's limit of {MAX_RESULTS} a run; the {MAX_RESULTS} most severe are kept",
            findings.len()
        ));
    } else if kept.len() > DISPLAYED_RESULTS {
        warn(format!(
            "SARIF: {} results; GitHub code scanning displays only the top {DISPLAYED_RESULTS} by severity",
            kept.len()
        ));
    }

    let mut rule_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut order: Vec<&Finding> = Vec::new();
    for f in &kept {
        if !rule_index.contains_key(f.rule_id.as_str()) {
            rule_index.insert(&f.rule_id, 0);
            order.push(f);
        }
    }
    order.sort_by(|a, b| a.rule_id.cmp(&b.rule_id));
    for (i, f) in order.iter().enumerate() {
        rule_index.insert(&f.rule_id, i);
    }
    let rules = order
        .iter()
        .map(|f| {
            let checksummed = kept
                .iter()
                .any(|g| g.rule_id == f.rule_id && g.checksum.is_some());
            rule_descriptor(f, checksummed)
        })
        .collect();

    let results = kept
        .iter()
        .map(|f| {
            let text = super::message(f, opts.show_secrets);
            SarifResult {
                rule_id: &f.rule_id,
                rule_index: rule_index.get(f.rule_id.as_str()).copied().unwrap_or(0),
                level: result_level(f),
                message: Text { text },
                locations: vec![Location {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation {
                            uri: uri(&f.path),
                            uri_base_id: "%SRCROOT%",
                        },
                        region: Region {
                            start_line: f.line,
                            start_column: f.char_column,
                            end_line: f.end_line,
                            end_column: f.end_char_column,
                        },
                        context_region: Some(ContextRegion {
                            start_line: f.line,
                            snippet: Text {
                                text: f.shown_snippet(opts.show_secrets),
                            },
                        }),
                    },
                }],
                partial_fingerprints: BTreeMap::from([("leakscan/v1", f.fingerprint.as_str())]),
                properties: ResultProperties {
                    repository: f.repository.as_deref(),
                    severity: f.severity,
                    confidence: f.confidence,
                    checksum: f.checksum,
                    commit: f.commit.as_ref(),
                    decoded: &f.decoded,
                    token: f.token.as_ref(),
                    verification: f.verification.as_ref(),
                },
            }
        })
        .collect();

    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "leakscan",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            results,
            column_kind: "unicodeCodePoints",
            original_uri_base_ids: BTreeMap::from([(
                "%SRCROOT%",
                serde_json::json!({"description": {"text": "The root of the scanned tree or repository."}}),
            )]),
        }],
    };
    let bytes = serde_json::to_vec_pretty(&log).map_err(io::Error::other)?;
    if bytes.len() > MAX_UPLOAD_BYTES {
        warn(format!(
            "SARIF: the log is {} bytes; GitHub code scanning rejects uploads over {MAX_UPLOAD_BYTES} bytes after gzip, so check its compressed size",
            bytes.len()
        ));
    }
    out.write_all(&bytes)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(pascal("github-pat-classic"), "GithubPatClassic");
        assert_eq!(uri("dir/a b#c.py"), "dir/a%20b%23c.py");
    }
}
