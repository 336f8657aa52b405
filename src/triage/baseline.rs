//! Baselines: fingerprints of accepted, known findings, read from any report leakscan
//! writes (a JSON array, JSON lines, or a SARIF log).

use super::Suppressed;
use crate::finding::Finding;
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;

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

    /// Drops findings the baseline knows, counting them. A finding also matches by the
    /// fingerprint a release before 0.2 gave it (see [`Finding::legacy_fingerprint`]).
    pub fn apply(&self, findings: &mut Vec<Finding>, counts: &mut Suppressed) {
        let before = findings.len();
        findings.retain(|f| {
            !self.fingerprints.contains(&f.fingerprint)
                && !f
                    .legacy_fingerprint
                    .as_ref()
                    .is_some_and(|old| self.fingerprints.contains(old))
        });
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
}
