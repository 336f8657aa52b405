//! Reporters take the final, sorted findings and write one format. Each format has its own
//! wire structs; none of them prints a secret unless asked.

pub mod json;
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
}

/// How to render.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub show_secrets: bool,
    pub color: bool,
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
    }?;
    out.flush()
}
