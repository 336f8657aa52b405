//! The keyword prefilter: one Aho-Corasick automaton over every rule's keywords, so a blob
//! runs only the regexes whose keywords occur in it (and most blobs run none).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use std::collections::HashMap;

pub struct Prefilter {
    automaton: Option<AhoCorasick>,
    /// For each automaton pattern, the rules that use it as a keyword.
    pattern_rules: Vec<Vec<usize>>,
    /// Rules with no keyword: they run on every blob.
    always: Vec<usize>,
    rule_count: usize,
}

impl Prefilter {
    /// `keywords[i]` are the keywords of rule `i`. Keywords match ASCII case-insensitively.
    pub fn new(keywords: &[&[String]]) -> Self {
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut pattern_rules: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        for (rule, kws) in keywords.iter().enumerate() {
            if kws.is_empty() {
                always.push(rule);
            }
            for kw in kws.iter() {
                let key = kw.as_bytes().to_ascii_lowercase();
                let id = *index.entry(key.clone()).or_insert_with(|| {
                    patterns.push(key);
                    pattern_rules.push(Vec::new());
                    patterns.len() - 1
                });
                if !pattern_rules[id].contains(&rule) {
                    pattern_rules[id].push(rule);
                }
            }
        }
        let automaton = if patterns.is_empty() {
            None
        } else {
            // Standard semantics so that overlapping keywords all report. A full DFA: with a
            // couple of hundred case-insensitive keywords no literal prefilter applies, and
            // the DFA scans real code 2.6x faster than the NFA the builder picks by default
            // (675 vs 255 MB/s a core on cargo's sources); it costs a few hundred KiB.
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&patterns)
                .ok()
        };
        Prefilter {
            automaton,
            pattern_rules,
            always,
            rule_count: keywords.len(),
        }
    }

    /// Marks in `selected` (one flag a rule) the rules to run on `bytes`, and returns how many.
    pub fn select(&self, bytes: &[u8], selected: &mut Vec<bool>) -> usize {
        selected.clear();
        selected.resize(self.rule_count, false);
        let mut n = 0;
        for &r in &self.always {
            selected[r] = true;
            n += 1;
        }
        let Some(ac) = &self.automaton else {
            return n;
        };
        let mut seen = vec![false; self.pattern_rules.len()];
        let mut remaining = self.pattern_rules.len();
        for m in ac.find_overlapping_iter(bytes) {
            let p = m.pattern().as_usize();
            if seen[p] {
                continue;
            }
            seen[p] = true;
            for &r in &self.pattern_rules[p] {
                if !selected[r] {
                    selected[r] = true;
                    n += 1;
                }
            }
            remaining -= 1;
            if remaining == 0 {
                break;
            }
        }
        n
    }

    /// True when any keyword occurs in `bytes` (the cheapest possible test).
    pub fn any_match(&self, bytes: &[u8]) -> bool {
        !self.always.is_empty() || self.automaton.as_ref().is_some_and(|ac| ac.is_match(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_rules_by_keyword_case_insensitively() {
        let k0 = vec!["ghp_".to_string()];
        let k1 = vec!["password".to_string(), "ghp_".to_string()];
        let k2: Vec<String> = vec![];
        let pf = Prefilter::new(&[&k0, &k1, &k2]);
        let mut sel = Vec::new();
        assert_eq!(pf.select(b"nothing here", &mut sel), 1);
        assert_eq!(sel, vec![false, false, true]);
        assert_eq!(pf.select(b"my PASSWORD", &mut sel), 2);
        assert_eq!(sel, vec![false, true, true]);
        assert_eq!(pf.select(b"ghp_", &mut sel), 3);
    }
}
