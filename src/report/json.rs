//! `json` (one array) and `jsonl` (one object a line): the findings contract of DESIGN.md.
//! Fields may be added, never renamed.

use super::Options;
use crate::facts::Token;
use crate::finding::{Checksum, CommitInfo, Confidence, Finding, Severity};
use crate::verify::Verification;
use serde::Serialize;
use std::io::{self, Write};

/// One finding on the wire.
#[derive(Serialize)]
pub struct JsonFinding<'a> {
    pub rule_id: &'a str,
    pub rule_name: &'a str,
    pub provider: &'a str,
    pub severity: Severity,
    pub confidence: Confidence,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<&'a str>,
    pub path: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub secret: String,
    pub fingerprint: &'a str,
    pub checksum: Option<Checksum>,
    pub entropy: f64,
    pub snippet: String,
    pub remediation: &'a str,
    pub commit: Option<&'a CommitInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurrences: Option<usize>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub decoded: &'a [&'static str],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<&'a Token>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<&'a Verification>,
}

impl<'a> JsonFinding<'a> {
    pub fn new(f: &'a Finding, opts: Options) -> Self {
        JsonFinding {
            rule_id: &f.rule_id,
            rule_name: &f.rule_name,
            provider: &f.provider,
            severity: f.severity,
            confidence: f.confidence,
            repository: f.repository.as_deref(),
            path: &f.path,
            line: f.line,
            column: f.column,
            end_line: f.end_line,
            end_column: f.end_column,
            secret: f.shown_secret(opts.show_secrets),
            fingerprint: &f.fingerprint,
            checksum: f.checksum,
            entropy: f.entropy,
            snippet: f.shown_snippet(opts.show_secrets),
            remediation: &f.remediation,
            commit: f.commit.as_ref(),
            occurrences: f.occurrences,
            decoded: &f.decoded,
            token: f.token.as_ref(),
            verification: f.verification.as_ref(),
        }
    }
}

pub fn write(
    out: &mut dyn Write,
    findings: &[Finding],
    opts: Options,
    lines: bool,
) -> io::Result<()> {
    let wire: Vec<JsonFinding> = findings.iter().map(|f| JsonFinding::new(f, opts)).collect();
    if lines {
        for w in &wire {
            serde_json::to_writer(&mut *out, w)?;
            out.write_all(b"\n")?;
        }
    } else {
        serde_json::to_writer_pretty(&mut *out, &wire)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
