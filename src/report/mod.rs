//! Reporters take the final, sorted findings and write one format. Each format has its own
//! wire structs; none of them prints a secret unless asked.

pub mod gitlab;
pub mod json;
pub mod read;
pub mod sarif;
pub mod summary;
pub mod text;

use crate::finding::Finding;
use std::io::{self, Write};

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: one block a finding, with the fix.
    Text,
    /// One JSON array.
    Json,
    /// One JSON object a line.
    Jsonl,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitLab's secret-detection report, for `artifacts:reports:secret_detection`.
    Gitlab,
}

/// How to render.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub show_secrets: bool,
    pub color: bool,
    /// When the run began, in seconds since the epoch (reports that carry scan times).
    pub started_at: i64,
}

/// Writes `findings` in `format`; `warn` receives notes about format limits.
pub fn write(
    out: &mut dyn Write,
    format: Format,
    findings: &[Finding],
    opts: Options,
    warn: &mut dyn FnMut(String),
) -> io::Result<()> {
    match format {
        Format::Text => text::write(out, findings, opts),
        Format::Json => json::write(out, findings, opts, false),
        Format::Jsonl => json::write(out, findings, opts, true),
        Format::Sarif => sarif::write(out, findings, opts, warn),
        Format::Gitlab => gitlab::write(out, findings, opts),
    }?;
    out.flush()
}

/// One sentence a finding for reports read by people in another tool (SARIF, GitLab): what
/// it is, how sure, what to do, and where it came from; the secret redacted unless `show`.
pub(crate) fn message(f: &Finding, show: bool) -> String {
    use crate::finding::Confidence;
    let sure = match f.checksum {
        Some(_) => "its checksum is valid",
        None => match f.confidence {
            Confidence::High => "high confidence",
            Confidence::Medium => "medium confidence",
            Confidence::Low => "low confidence",
        },
    };
    let mut text = format!(
        "{} `{}` found ({sure}). Revoke and rotate it, then load it from the environment or a secret store.",
        f.rule_name,
        f.shown_secret(show)
    );
    if let Some(note) = f.decoded_note() {
        text.push_str(&format!(" It was {note}."));
    }
    if let Some(c) = &f.commit {
        let short: String = c.id.chars().take(12).collect();
        text.push_str(&format!(" Introduced in commit {short} by {}.", c.author));
    }
    if let Some(r) = &f.repository {
        text.push_str(&format!(" Repository: {r}."));
    }
    if let Some(v) = &f.verification {
        text = format!("Verified {}. {text}", v.describe());
    }
    text
}
