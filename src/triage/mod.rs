//! What happens between the engine and the reporters: a match is labelled with its origin
//! once (path, fingerprint, commit: [`label`]), then the user's allowlists, the baseline,
//! de-duplication, and the stable order every report uses. [`Outcome`] is what a scanning
//! command hands to the reporters.

mod baseline;

pub use baseline::Baseline;

use crate::config::Allowlist;
pub use crate::decode::member_path;
use crate::decode::Part;
use crate::engine::{BlobScan, Engine, Match};
use crate::finding::{self, Finding};
use crate::rules::Rule;
use crate::source::{Origin, SourceStats};
use std::sync::Mutex;

/// Everything a scanning command found, before reporting.
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub suppressed: Suppressed,
    pub stats: SourceStats,
}

impl Outcome {
    /// The labelled findings less those the config's allowlists drop; `inline` counts the
    /// matches the inline marker already suppressed.
    pub fn new(
        mut findings: Vec<Finding>,
        inline: u64,
        stats: SourceStats,
        allow: &Allowlist,
    ) -> Outcome {
        let mut suppressed = Suppressed {
            inline,
            ..Suppressed::default()
        };
        apply_allowlist(&mut findings, allow, &mut suppressed);
        Outcome {
            findings,
            suppressed,
            stats,
        }
    }
}

/// Labels and gathers the findings of many blobs, from any number of threads.
pub struct Collector<'e> {
    engine: &'e Engine,
    found: Mutex<(Vec<Finding>, u64)>,
}

impl<'e> Collector<'e> {
    pub fn new(engine: &'e Engine) -> Self {
        Collector {
            engine,
            found: Mutex::new((Vec::new(), 0)),
        }
    }

    /// Labels the matches of one blob with its origin.
    pub fn add(&self, scan: BlobScan, origin: &Origin) {
        self.add_where(scan, origin, |_| true);
    }

    /// Labels the matches of one blob that `keep` keeps (e.g. those on lines a commit adds).
    pub fn add_where(&self, scan: BlobScan, origin: &Origin, keep: impl Fn(&Match) -> bool) {
        if scan.matches.is_empty() && scan.inline_allowed == 0 {
            return;
        }
        let labelled: Vec<Finding> = scan
            .matches
            .iter()
            .filter(|m| keep(m))
            .map(|m| label(&self.engine.rules()[m.rule], m, origin))
            .collect();
        let mut found = self.found.lock().unwrap_or_else(|p| p.into_inner());
        found.0.extend(labelled);
        found.1 += scan.inline_allowed as u64;
    }

    /// Labels the matches of the parts of one blob (see [`crate::decode`]): a member's with
    /// the member's path inside the blob's.
    pub fn add_parts(&self, parts: Vec<Part>, origin: &Origin) {
        self.add_parts_where(parts, origin, |_| true);
    }

    /// [`Collector::add_parts`], keeping the matches that `keep` keeps.
    pub fn add_parts_where(
        &self,
        parts: Vec<Part>,
        origin: &Origin,
        keep: impl Fn(&Match) -> bool,
    ) {
        for part in parts {
            match &part.member {
                Some(m) => {
                    let path = member_path(origin.path(), m);
                    self.add_where(part.scan, &origin.member(&path), &keep);
                }
                None => self.add_where(part.scan, origin, &keep),
            }
        }
    }

    /// The gathered findings, less what the allowlists drop.
    pub fn outcome(self, stats: SourceStats, allow: &Allowlist) -> Outcome {
        let (findings, inline) = self.found.into_inner().unwrap_or_else(|p| p.into_inner());
        Outcome::new(findings, inline, stats, allow)
    }
}

/// Turns a match of `rule` into a finding at `origin`: the one place where a finding's path,
/// fingerprint and commit are set.
pub fn label(rule: &Rule, m: &Match, origin: &Origin) -> Finding {
    let path = origin.path();
    let fingerprint = finding::fingerprint(&rule.id, path, m.secret.as_bytes());
    let legacy_fingerprint = match origin {
        Origin::File {
            legacy: Some(old), ..
        } => Some(finding::fingerprint(&rule.id, old, m.secret.as_bytes())),
        _ => None,
    };
    let commit = match origin {
        Origin::History { commit, .. } | Origin::Message { commit } => Some((*commit).clone()),
        _ => None,
    };
    Finding {
        rule_id: rule.id.clone(),
        rule_name: rule.name.clone(),
        provider: rule.provider.clone(),
        severity: rule.severity,
        confidence: rule.confidence,
        remediation: rule.remediation.clone(),
        help_uri: rule.references.first().cloned(),
        repository: None,
        path: path.to_string(),
        line: m.line,
        column: m.column,
        end_line: m.end_line,
        end_column: m.end_column,
        char_column: m.char_column,
        end_char_column: m.end_char_column,
        start: m.start,
        end: m.end,
        secret: m.secret.clone(),
        checksum: m.checksum,
        entropy: m.entropy,
        snippet: m.snippet.clone(),
        fingerprint,
        legacy_fingerprint,
        commit,
        occurrences: None,
        decoded: m.decoded.clone(),
        token: m.token.clone(),
        verification: None,
        parts: m.parts.clone(),
    }
}

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
            &a.repository,
            &a.path,
            a.line,
            a.column,
            &a.rule_id,
            a.end_line,
            a.end_column,
        )
            .cmp(&(
                &b.repository,
                &b.path,
                b.line,
                b.column,
                &b.rule_id,
                b.end_line,
                b.end_column,
            ))
    });
    findings.dedup_by(|b, a| {
        a.repository == b.repository
            && a.path == b.path
            && a.start == b.start
            && a.end == b.end
            && a.rule_id == b.rule_id
            && a.commit == b.commit
    });
}

/// A history finding tied to one introduction of its blob: `order` is the position of the
/// introducing commit in the walk (oldest first), `blob` identifies the blob's content.
pub struct Introduced {
    pub finding: Finding,
    pub order: u32,
    pub blob: u32,
}

/// History: one finding per distinct (rule, secret, path), the one from the earliest commit
/// (then the first line and column), with `occurrences` set to the number of distinct blobs
/// at that path that carry the secret. Returns each kept finding with its commit order, so
/// that the caller can attach the commit.
pub fn first_introductions(items: Vec<Introduced>) -> Vec<(Finding, u32)> {
    use std::collections::{HashMap, HashSet};
    struct Kept {
        finding: Finding,
        order: u32,
        blobs: HashSet<u32>,
    }
    let mut kept: HashMap<(String, String, String), Kept> = HashMap::new();
    for it in items {
        let f = it.finding;
        let key = (f.rule_id.clone(), f.secret.clone(), f.path.clone());
        match kept.get_mut(&key) {
            Some(k) => {
                k.blobs.insert(it.blob);
                if (it.order, f.line, f.column) < (k.order, k.finding.line, k.finding.column) {
                    k.finding = f;
                    k.order = it.order;
                }
            }
            None => {
                kept.insert(
                    key,
                    Kept {
                        finding: f,
                        order: it.order,
                        blobs: HashSet::from([it.blob]),
                    },
                );
            }
        }
    }
    kept.into_values()
        .map(|mut k| {
            k.finding.occurrences = Some(k.blobs.len());
            (k.finding, k.order)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::engine::{validate, Engine, Scratch};

    fn finding(path: &str, line: usize) -> Finding {
        let t = validate::make_crc32_token("ghp_", "StZsxnTSWsbCBpWUedoB6SJ95Ypuie");
        let text = format!("{}k = \"{t}\"\n", "\n".repeat(line - 1));
        let engine = Engine::new(crate::rules::builtin().expect("built-in rules"));
        let m = engine
            .scan(text.as_bytes(), &mut Scratch::default())
            .matches
            .pop()
            .expect("one match");
        let origin = Origin::Staged { path };
        label(&engine.rules()[m.rule], &m, &origin)
    }

    #[test]
    fn first_introduction_wins_and_blobs_are_counted() {
        let items = vec![
            Introduced {
                finding: finding("a", 5),
                order: 7,
                blob: 1,
            },
            Introduced {
                finding: finding("a", 2),
                order: 3,
                blob: 2,
            },
            Introduced {
                finding: finding("a", 9),
                order: 3,
                blob: 2,
            },
            Introduced {
                finding: finding("b", 1),
                order: 9,
                blob: 1,
            },
        ];
        let mut kept = first_introductions(items);
        kept.sort_by(|x, y| x.0.path.cmp(&y.0.path));
        assert_eq!(kept.len(), 2);
        assert_eq!(
            (kept[0].0.line, kept[0].1, kept[0].0.occurrences),
            (2, 3, Some(2))
        );
        assert_eq!((kept[1].0.path.as_str(), kept[1].1), ("b", 9));
        assert_eq!(kept[1].0.occurrences, Some(1));
    }
}
