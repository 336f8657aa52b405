//! Baselines: fingerprints of accepted, known findings, read from any report leakscan
//! writes (a JSON array, JSON lines, or a SARIF log).
//!
//! A baseline can list millions of findings, so it is read without building a JSON tree (only
//! the fingerprints are taken as the parser goes) and kept compactly: a fingerprint leakscan
//! writes is 32 lower-case hex digits, stored as its 16 bytes in a sorted array. Any other
//! string (a hand-edited or foreign baseline) is kept as written, and matches as before.

mod stream;

use super::Suppressed;
use crate::finding::Finding;
use serde::de::DeserializeSeed;
use std::collections::HashSet;
use std::path::Path;
use stream::{Document, Seed, FINDING};

/// Fingerprints of accepted, known findings: a repository adopts the gate with its old leaks
/// listed here, and only new ones fail the build.
#[derive(Debug, Default)]
pub struct Baseline {
    /// Fingerprints of 32 lower-case hex digits, as bytes: sorted, without duplicates.
    hex: Vec<[u8; 16]>,
    /// Every other fingerprint, as written.
    other: HashSet<String>,
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
        let mut whole = Collect::default();
        let parsed = {
            let mut de = serde_json::Deserializer::from_str(trimmed);
            Seed(Document(&mut whole))
                .deserialize(&mut de)
                .and_then(|()| de.end())
        };
        let collected = match parsed {
            Ok(()) => whole,
            // Not one JSON document: JSON lines, each a finding.
            Err(whole_error) => {
                let mut lines = Collect::default();
                for (i, line) in trimmed.lines().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let mut de = serde_json::Deserializer::from_str(line);
                    let fp = Seed(FINDING)
                        .deserialize(&mut de)
                        .and_then(|fp| de.end().map(|()| fp))
                        .map_err(|_| whole_error.to_string())?;
                    match fp {
                        Some(fp) => lines.add(fp),
                        None => {
                            return Err(format!("line {} has no \"fingerprint\" string", i + 1))
                        }
                    }
                }
                lines
            }
        };
        collected.finish()
    }

    pub fn len(&self) -> usize {
        self.hex.len() + self.other.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when the baseline lists `fingerprint` (compared as a string).
    pub fn contains(&self, fingerprint: &str) -> bool {
        match parse_hex(fingerprint) {
            Some(bytes) => self.hex.binary_search(&bytes).is_ok(),
            None => self.other.contains(fingerprint),
        }
    }

    /// Drops findings the baseline knows, counting them. A finding also matches by the
    /// fingerprint a release before 0.2 gave it (see [`Finding::legacy_fingerprint`]).
    /// Returns the findings it dropped (`--verify-baseline` checks them too).
    pub fn apply(&self, findings: &mut Vec<Finding>, counts: &mut Suppressed) -> Vec<Finding> {
        let known: Vec<Finding> = findings
            .extract_if(.., |f| {
                self.contains(&f.fingerprint)
                    || f.legacy_fingerprint
                        .as_ref()
                        .is_some_and(|old| self.contains(old))
            })
            .collect();
        counts.baseline += known.len() as u64;
        known
    }
}

/// The 16 bytes of a fingerprint of exactly 32 lower-case hex digits (what
/// [`crate::finding::fingerprint`] writes); `None` for any other string, which is then kept as
/// written so that it matches only itself, as before.
fn parse_hex(s: &str) -> Option<[u8; 16]> {
    let s = s.as_bytes();
    if s.len() != 32 {
        return None;
    }
    let digit = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    };
    let mut out = [0; 16];
    for (o, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        *o = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// A fingerprint as read: compact when it can be.
enum Fingerprint {
    Hex([u8; 16]),
    Other(String),
}

impl Fingerprint {
    fn new(s: &str) -> Fingerprint {
        parse_hex(s).map_or_else(|| Fingerprint::Other(s.to_string()), Fingerprint::Hex)
    }
}

/// What a parse gathers: the fingerprints, and the first thing wrong with the document's
/// shape (reported once the whole text is known to be JSON, as a tree parse would).
#[derive(Default)]
struct Collect {
    hex: Vec<[u8; 16]>,
    other: HashSet<String>,
    error: Option<String>,
}

impl Collect {
    fn add(&mut self, fp: Fingerprint) {
        match fp {
            Fingerprint::Hex(b) => self.hex.push(b),
            Fingerprint::Other(s) => {
                self.other.insert(s);
            }
        }
    }

    fn fail(&mut self, message: impl FnOnce() -> String) {
        if self.error.is_none() {
            self.error = Some(message());
        }
    }

    fn finish(self) -> Result<Baseline, String> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut hex = self.hex;
        hex.sort_unstable();
        hex.dedup();
        hex.shrink_to_fit();
        Ok(Baseline {
            hex,
            other: self.other,
        })
    }
}

#[cfg(test)]
mod tests;
