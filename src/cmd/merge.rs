//! `leakscan merge REPORT...`: JSONL reports (an audit's shards, or any leakscan runs) into
//! one report in any format, each finding once per repository and fingerprint, in the order
//! one unsharded run would have written them.
//!
//! A report written without `--show-secrets` holds only redacted secrets, and merging cannot
//! bring them back. One written with them keeps them only if the merge is asked for them too;
//! otherwise they are redacted here, snippet and all.

use crate::cli::MergeCmd;
use crate::finding::{is_redacted, redact, Finding, Snippet};
use crate::report::{self, read, Format};
use crate::source;
use anyhow::{bail, Context, Result};
use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, Write};

pub fn merge(cmd: MergeCmd) -> Result<u8> {
    let mut findings: Vec<Finding> = Vec::new();
    let mut seen: HashSet<(Option<String>, String)> = HashSet::new();
    // The last status record of each repository (a later report wins: a rerun shard).
    let mut statuses: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let mut duplicates = 0usize;
    for path in &cmd.reports {
        let file = std::fs::File::open(path)
            .with_context(|| format!("{}: cannot open", path.display()))?;
        for (n, text) in std::io::BufReader::new(file).lines().enumerate() {
            let text = text.with_context(|| format!("{}:{}", path.display(), n + 1))?;
            if text.trim().is_empty() {
                continue;
            }
            let line = read::line(&text).map_err(|e| {
                anyhow::anyhow!(
                    "{}:{}: {e}; merge reads JSONL reports (`-f jsonl`)",
                    path.display(),
                    n + 1
                )
            })?;
            match line {
                read::Line::Finding(f) => {
                    let mut f = *f;
                    if !seen.insert((f.repository.clone(), f.fingerprint.clone())) {
                        duplicates += 1;
                        continue;
                    }
                    if !cmd.show_secrets {
                        redact_finding(&mut f);
                    }
                    findings.push(f);
                }
                read::Line::Other(v) => {
                    if let Some(repo) = v.get("repository").and_then(|r| r.as_str()) {
                        let repo = repo.to_string();
                        statuses.insert(repo, v);
                    }
                }
            }
        }
    }
    restore_help(&mut findings);
    crate::triage::sort_and_dedup(&mut findings);
    let opts = report::Options {
        // Every secret is already as it must be shown: redacted above unless asked for.
        show_secrets: true,
        color: false,
        started_at: jiff::Timestamp::now().as_second(),
    };
    let mut out: Box<dyn Write> = match &cmd.output {
        // Private (0600) when it holds secrets, as every report does.
        Some(p) => {
            let file = super::session::open_output(p, cmd.show_secrets)?;
            super::session::truncate(&file, p)?;
            Box::new(file)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = std::io::BufWriter::new(&mut out);
    report::write(&mut w, cmd.format, &findings, opts, &mut |m| {
        source::warn(&m)
    })?;
    if cmd.format == Format::Jsonl {
        for status in statuses.values() {
            serde_json::to_writer(&mut w, status)?;
            w.write_all(b"\n")?;
        }
    }
    w.flush()?;
    let failed: Vec<&String> = statuses
        .iter()
        .filter(|(_, s)| s.get("status").and_then(|v| v.as_str()) != Some("ok"))
        .map(|(r, _)| r)
        .collect();
    if !cmd.quiet {
        eprintln!(
            "leakscan: merge: {} reports, {} findings ({duplicates} duplicates dropped), {} repositories with a status, {} failed or stale",
            cmd.reports.len(),
            findings.len(),
            statuses.len(),
            failed.len()
        );
    }
    for r in &failed {
        eprintln!("leakscan: merge: {r}: not audited in full (see its status record)");
    }
    if !statuses.is_empty() && failed.len() == statuses.len() {
        bail!("no repository in these reports was audited");
    }
    Ok(if !failed.is_empty() {
        super::audit::PARTIAL
    } else if findings.is_empty() {
        0
    } else {
        cmd.exit_code
    })
}

/// Redacts a secret that a report carried in full, with its snippet (other secrets on its
/// line may be in it too, and cannot be told from text).
fn redact_finding(f: &mut Finding) {
    if !is_redacted(&f.secret) {
        f.secret = redact(&f.secret);
        f.snippet = Snippet::default();
    }
}

/// The reference URL of each finding's rule, which the JSON contract leaves out and SARIF
/// shows (`helpUri`), from the built-in rules.
fn restore_help(findings: &mut [Finding]) {
    let Ok(rules) = crate::rules::builtin() else {
        return;
    };
    let help: BTreeMap<&str, &str> = rules
        .iter()
        .filter_map(|r| Some((r.id.as_str(), r.references.first()?.as_str())))
        .collect();
    for f in findings {
        if f.help_uri.is_none() {
            f.help_uri = help.get(f.rule_id.as_str()).map(|u| u.to_string());
        }
    }
}
