//! The one-line summary on stderr: what was scanned, found, suppressed and skipped.

use crate::finding::Severity;
use crate::source::SourceStats;
use crate::triage::Outcome;
use std::time::Duration;

/// The summary of an outcome that took `elapsed`.
pub fn line(o: &Outcome, elapsed: Duration) -> String {
    let g = SourceStats::get;
    let s = &o.stats;
    let by_sev: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|sev| {
            let n = o.findings.iter().filter(|f| f.severity == *sev).count();
            (n > 0).then(|| format!("{n} {sev}"))
        })
        .collect();
    let findings = match o.findings.len() {
        0 => "no findings".to_string(),
        1 => format!("1 finding ({})", by_sev.join(", ")),
        n => format!("{n} findings ({})", by_sev.join(", ")),
    };
    format!(
        "leakscan: {findings} in {} {} ({}) in {:.2}s; suppressed: {} allowlist, {} inline, {} baseline; skipped: {} binary, {} too large, {} unreadable, {} allowlisted paths",
        g(&s.files),
        if g(&s.files) == 1 { "file" } else { "files" },
        indicatif::HumanBytes(g(&s.bytes)),
        elapsed.as_secs_f64(),
        o.suppressed.allowlist,
        o.suppressed.inline,
        o.suppressed.baseline,
        g(&s.skipped_binary),
        g(&s.skipped_large),
        g(&s.unreadable),
        g(&s.allowlisted_paths),
    )
}
