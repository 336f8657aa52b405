//! What happens to findings between the engine and the reporters: the user's allowlists,
//! de-duplication, and the stable order every report uses.

use crate::config::Allowlist;
use crate::finding::Finding;

/// Counts of findings that were dropped, by reason.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Suppressed {
    pub allowlist: u64,
    pub inline: u64,
    pub baseline: u64,
}

/// Drops allowlisted findings (path globs, secret regexes, stopwords), counting them.
pub fn apply_allowlist(findings: &mut Vec<Finding>, allow: &Allowlist, counts: &mut Suppressed) {
    let before = findings.len();
    findings.retain(|f| !allow.path_allowed(&f.path) && !allow.secret_allowed(&f.secret));
    counts.allowlist += (before - findings.len()) as u64;
}

/// Sorts by path, line, column, rule id (the order of every report) and drops exact
/// repeats of one rule at one place (the same blob reached twice).
pub fn sort_and_dedup(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| {
        (
            &a.path,
            a.line,
            a.column,
            &a.rule_id,
            a.end_line,
            a.end_column,
        )
            .cmp(&(
                &b.path,
                b.line,
                b.column,
                &b.rule_id,
                b.end_line,
                b.end_column,
            ))
    });
    findings.dedup_by(|b, a| {
        a.path == b.path
            && a.start == b.start
            && a.end == b.end
            && a.rule_id == b.rule_id
            && a.commit == b.commit
    });
}
