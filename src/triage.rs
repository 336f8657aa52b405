//! What happens to findings between the engine and the reporters: the user's allowlists,
//! de-duplication, and the stable order every report uses.

use crate::config::Allowlist;
use crate::finding::Finding;
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;

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

/// Fingerprints of accepted, known findings: a repository adopts the gate with its old leaks
/// listed here, and only new ones fail the build.
#[derive(Debug, Default)]
pub struct Baseline {
    fingerprints: HashSet<String>,
}

impl Baseline {
    /// Reads a baseline: the JSON array of `scan --format json` / `leakscan baseline`, JSON
    /// lines of `--format jsonl`, or a SARIF log of leakscan's.
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| {
            format!(
                "{} is not a valid baseline: {e}; write one with `leakscan baseline -o FILE` or `leakscan scan --format json -o FILE`",
                path.display()
            )
        })
    }

    pub fn parse(text: &str) -> Result<Baseline, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(Baseline::default());
        }
        let fingerprints = match serde_json::from_str::<Value>(trimmed) {
            Ok(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    fingerprint_of(v)
                        .map(str::to_string)
                        .ok_or_else(|| format!("finding {} has no \"fingerprint\" string", i + 1))
                })
                .collect::<Result<_, _>>()?,
            Ok(Value::Object(log)) if log.contains_key("runs") => sarif_fingerprints(&log)?,
            Ok(Value::Object(obj)) => {
                let v = Value::Object(obj);
                std::iter::once(
                    fingerprint_of(&v)
                        .ok_or("the object has no \"fingerprint\" string")?
                        .to_string(),
                )
                .collect()
            }
            Ok(_) => return Err("expected a JSON array of findings".to_string()),
            Err(whole) => trimmed
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(i, l)| {
                    let v: Value = serde_json::from_str(l).map_err(|_| whole.to_string())?;
                    fingerprint_of(&v)
                        .map(str::to_string)
                        .ok_or_else(|| format!("line {} has no \"fingerprint\" string", i + 1))
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(Baseline { fingerprints })
    }

    pub fn len(&self) -> usize {
        self.fingerprints.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty()
    }

    /// Drops findings the baseline knows, counting them.
    pub fn apply(&self, findings: &mut Vec<Finding>, counts: &mut Suppressed) {
        let before = findings.len();
        findings.retain(|f| !self.fingerprints.contains(&f.fingerprint));
        counts.baseline += (before - findings.len()) as u64;
    }
}

fn fingerprint_of(v: &Value) -> Option<&str> {
    v.get("fingerprint")?.as_str().filter(|s| !s.is_empty())
}

fn sarif_fingerprints(log: &serde_json::Map<String, Value>) -> Result<HashSet<String>, String> {
    let runs = log["runs"]
        .as_array()
        .ok_or("SARIF `runs` is not an array")?;
    let mut out = HashSet::new();
    for run in runs {
        for r in run["results"].as_array().into_iter().flatten() {
            let fp = r["partialFingerprints"]["leakscan/v1"]
                .as_str()
                .ok_or("a SARIF result has no partialFingerprints.\"leakscan/v1\"")?;
            out.insert(fp.to_string());
        }
    }
    Ok(out)
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

    #[test]
    fn baseline_formats() {
        let b = Baseline::parse(r#"[{"fingerprint":"aa"},{"fingerprint":"bb"}]"#).expect("array");
        assert_eq!(b.len(), 2);
        let b =
            Baseline::parse("{\"fingerprint\":\"aa\"}\n{\"fingerprint\":\"cc\"}\n").expect("jsonl");
        assert_eq!(b.len(), 2);
        let b = Baseline::parse(
            r#"{"runs":[{"results":[{"partialFingerprints":{"leakscan/v1":"dd"}}]}]}"#,
        )
        .expect("sarif");
        assert_eq!(b.len(), 1);
        assert!(Baseline::parse("").expect("empty").is_empty());
    }

    #[test]
    fn invalid_baselines_say_why() {
        let e = Baseline::parse(r#"[{"fingerprint":"aa"},{"rule":"x"}]"#).unwrap_err();
        assert!(e.contains("finding 2 has no"), "{e}");
        let e = Baseline::parse("not json at all").unwrap_err();
        assert!(e.contains("line 1 column 2"), "{e}");
        assert!(Baseline::parse("42").is_err());
    }

    use crate::engine::{validate, Engine, Scratch};

    fn finding(path: &str, line: usize) -> Finding {
        let t = validate::make_crc32_token("ghp_", "StZsxnTSWsbCBpWUedoB6SJ95Ypuie");
        let text = format!("{}k = \"{t}\"\n", "\n".repeat(line - 1));
        let engine = Engine::new(crate::rules::builtin().expect("built-in rules"));
        let mut f = engine
            .scan(text.as_bytes(), path, &mut Scratch::default())
            .findings;
        f.pop().expect("one finding")
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
