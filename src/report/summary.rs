//! The one-line summary on stderr, and the same as JSON for `--stats FILE`: what was
//! scanned, found, suppressed and skipped (skipped blobs by name).

use crate::finding::Severity;
use crate::source::SourceStats;
use crate::triage::Outcome;
use serde_json::{json, Value};
use std::time::Duration;

/// The summary as a JSON object, with every skipped blob named.
pub fn json(o: &Outcome, elapsed: Duration) -> Value {
    let g = SourceStats::get;
    let s = &o.stats;
    let by_sev: serde_json::Map<String, Value> = Severity::ALL
        .iter()
        .map(|sev| {
            let n = o.findings.iter().filter(|f| f.severity == *sev).count();
            (sev.to_string(), Value::from(n))
        })
        .collect();
    let skipped_files: Vec<Value> = s
        .skipped_sorted()
        .into_iter()
        .map(|(path, reason)| json!({"path": path, "reason": reason}))
        .collect();
    json!({
        "files": g(&s.files),
        "bytes": g(&s.bytes),
        "findings": o.findings.len(),
        "by_severity": by_sev,
        "suppressed": {
            "allowlist": o.suppressed.allowlist,
            "inline": o.suppressed.inline,
            "baseline": o.suppressed.baseline,
        },
        "skipped": {
            "binary": g(&s.skipped_binary),
            "too_large": g(&s.skipped_large),
            "unreadable": g(&s.unreadable),
            "allowlisted_paths": g(&s.allowlisted_paths),
        },
        "archives": {
            "members": g(&s.archive_members),
            "warnings": g(&s.archive_warnings),
        },
        "skipped_files": skipped_files,
        "seconds": (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
    })
}

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
    let archives = match (g(&s.archive_members), g(&s.archive_warnings)) {
        (0, 0) => String::new(),
        (members, warnings) => format!(
            "; archives: {members} {} scanned, {warnings} {} (see above)",
            if members == 1 { "member" } else { "members" },
            if warnings == 1 { "warning" } else { "warnings" },
        ),
    };
    format!(
        "leakscan: {findings} in {} {} ({}) in {:.2}s; suppressed: {} allowlist, {} inline, {} baseline; skipped: {} binary, {} too large, {} unreadable, {} allowlisted paths{archives}",
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
