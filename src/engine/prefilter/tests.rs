//! Unit tests of `prefilter`.

use super::*;
use crate::testing::Rng;

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

/// The reference: lower-case everything and look for each keyword at every offset.
fn naive(rules: &[Vec<String>], bytes: &[u8]) -> Vec<bool> {
    let hay = bytes.to_ascii_lowercase();
    rules
        .iter()
        .map(|kws| {
            kws.is_empty()
                || kws.iter().any(|k| {
                    let k = k.as_bytes().to_ascii_lowercase();
                    k.is_empty() || hay.windows(k.len()).any(|w| w == k.as_slice())
                })
        })
        .collect()
}

/// Random case for ASCII letters.
fn jumble(rng: &mut Rng, k: &[u8]) -> Vec<u8> {
    k.iter()
        .map(|&c| {
            if rng.below(2) == 0 {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

fn haystack(rng: &mut Rng, keywords: &[Vec<u8>]) -> Vec<u8> {
    const NOISE: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.~=:/ \n\"'^@[]{}\x00\x7f\xc1\xe1\xff";
    let len = match rng.below(4) {
        0 => rng.below(8),
        1 => rng.below(40),
        2 => rng.below(100),
        _ => rng.below(300),
    };
    let mut h: Vec<u8> = (0..len).map(|_| *rng.pick(NOISE)).collect();
    for _ in 0..rng.below(6) {
        let pick = rng.pick(keywords);
        let mut k = jumble(rng, pick);
        if rng.below(4) == 0 {
            // A near miss: cut off or with a changed last byte.
            let n = k.len();
            if rng.below(2) == 0 {
                k.truncate(n - 1);
            } else {
                k[n - 1] ^= 0x01;
            }
        }
        let at = match rng.below(6) {
            0 => 0,
            1 => h.len().saturating_sub(k.len()),
            // Straddling the 16- and 32-byte block boundaries.
            2 => (16 * (1 + rng.below(8))).saturating_sub(rng.below(k.len() + 1)),
            _ => rng.below(h.len() + 1),
        };
        // Overwrite, growing the haystack if it runs past the end (or cutting it short).
        let at = at.min(h.len());
        if rng.below(8) == 0 {
            h.truncate((at + k.len()).saturating_sub(rng.below(3)));
        }
        for (j, &c) in k.iter().enumerate() {
            if at + j < h.len() {
                h[at + j] = c;
            } else {
                h.push(c);
            }
        }
        if rng.below(3) == 0 {
            // Another keyword overlapping this one.
            let pick = rng.pick(keywords);
            let k2 = jumble(rng, pick);
            let at2 = at + rng.below(k.len() + 1);
            for (j, &c) in k2.iter().enumerate() {
                if at2 + j < h.len() {
                    h[at2 + j] = c;
                } else {
                    h.push(c);
                }
            }
        }
    }
    h
}

fn check_against_naive(rules: &[Vec<String>], rounds: usize, seed: u64) {
    let refs: Vec<&[String]> = rules.iter().map(|r| r.as_slice()).collect();
    let pf = Prefilter::new(&refs);
    let mut keywords: Vec<Vec<u8>> = rules
        .iter()
        .flatten()
        .filter(|k| !k.is_empty())
        .map(|k| k.as_bytes().to_vec())
        .collect();
    keywords.sort();
    keywords.dedup();
    let mut rng = Rng::new(seed);
    let mut sel = Vec::new();
    let mut hits = 0;
    for round in 0..rounds {
        let h = haystack(&mut rng, &keywords);
        let want = naive(rules, &h);
        let mut found = Hits::default();
        let n = pf.select_hits(&h, &mut sel, &mut found);
        assert_eq!(
            sel,
            want,
            "round {round}: {:?}",
            String::from_utf8_lossy(&h)
        );
        // Every occurrence of every keyword, overlapping ones included, at its start.
        let mut got: Vec<(usize, Vec<u8>)> = found
            .list
            .iter()
            .map(|hit| (hit.at, pf.keyword(hit.keyword).to_vec()))
            .collect();
        got.sort();
        let mut occurrences: Vec<(usize, Vec<u8>)> = Vec::new();
        for k in &keywords {
            let k = k.to_ascii_lowercase();
            for at in 0..h.len() {
                if h[at..].len() >= k.len() && h[at..at + k.len()].eq_ignore_ascii_case(&k) {
                    occurrences.push((at, k.clone()));
                }
            }
        }
        occurrences.sort();
        occurrences.dedup();
        assert_eq!(got, occurrences, "round {round}");
        assert!(!found.dense);
        assert_eq!(n, want.iter().filter(|&&s| s).count());
        hits += n;
    }
    assert!(hits > rounds, "the planted keywords should select rules");
}

#[test]
fn matches_naive_reference_on_builtin_keywords() {
    let rules = crate::rules::builtin().expect("built-in rules load");
    let rules: Vec<Vec<String>> = rules.into_iter().map(|r| r.keywords).collect();
    let pf = Prefilter::new(&rules.iter().map(|r| r.as_slice()).collect::<Vec<_>>());
    assert!(
        matches!(pf.search, Search::Grams(_)),
        "built-ins use the 4-gram filter"
    );
    check_against_naive(&rules, 20_000, 0x5EED_0001);
}

#[test]
fn matches_naive_reference_on_short_and_odd_keywords() {
    let kw = |ks: &[&str]| ks.iter().map(|k| k.to_string()).collect::<Vec<_>>();
    let rules = vec![
        kw(&["q~", "x"]),
        kw(&["abc", "abcd"]),
        kw(&["abcdef", "cde"]),
        kw(&["bcd"]),
        kw(&["\u{e9}t\u{e9}", "Z_"]),
        kw(&["_~^", "^^^^"]),
        kw(&[]),
        kw(&["aaaa", "aaaaaaaa"]),
        kw(&["0123456789abcdef0123"]),
    ];
    check_against_naive(&rules, 20_000, 0x5EED_0002);
    // Enough one- and two-byte keywords to take the DFA.
    let mut many = rules.clone();
    many.push(kw(&["y", "z", "@@", "-"]));
    let refs: Vec<&[String]> = many.iter().map(|r| r.as_slice()).collect();
    assert!(matches!(Prefilter::new(&refs).search, Search::Dfa(_)));
    check_against_naive(&many, 5_000, 0x5EED_0003);
}

#[test]
fn empty_keyword_selects_always() {
    let k0 = vec![String::new()];
    let k1 = vec!["abcd".to_string()];
    let pf = Prefilter::new(&[&k0, &k1]);
    let mut sel = Vec::new();
    assert_eq!(pf.select(b"", &mut sel), 1);
    assert_eq!(sel, vec![true, false]);
    let none = Prefilter::new(&[&k1]);
    assert_eq!(none.select(b"abc", &mut sel), 0);
    assert_eq!(none.select(b"xxABCD", &mut sel), 1);
    assert_eq!(none.select(b"", &mut sel), 0);
}

#[test]
fn keywords_are_keyed_on_a_gram_rare_in_code() {
    // `file` and `pack` start words of every codebase; the joints of the names do not.
    assert_eq!(rare_gram(b"fileio"), 2); // "leio"
    assert!(rare_gram(b"packagecloud") >= 4, "not a gram of `package`");
    assert!(rare_gram(b"github_pat_") >= 3, "not a gram of `github`");
    assert_eq!(rare_gram(b"abcd"), 0);
}
