//! Static checks of a rule's regex, run by `leakscan rules check` (and so by the test suite):
//! what a rule promises by its fields must hold of its pattern.
//!
//! - A rule may match across a line break only when it says its format spans lines
//!   (`spans_lines = true`, as armoured keys do): a value on the next line is another
//!   assignment's, not this one's.
//! - Every match must contain one of the rule's keywords (ASCII case-insensitively): the
//!   prefilter runs a rule only where a keyword occurs, so a match without one would be found
//!   or missed by accident of what else the file holds.
//!
//! Both read the pattern as the engine runs it (bytes, Unicode off).

use regex_syntax::hir::{Class, Hir, HirKind};

/// Longest match for which a rule is searched near its keywords only; a longer (or
/// unbounded) pattern runs over the whole blob.
pub const MAX_WINDOW: usize = 4096;

/// Parses `src` as the engine does.
pub fn parse(src: &str) -> Option<Hir> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(src)
        .ok()
}

/// True when some match of the pattern can hold a line feed between two parts of its text.
/// A one-byte delimiter at either end of the pattern (`(?:[^0-9A-Za-z]|$)` after a token) may
/// be the line feed that ends the line: that joins nothing to the next line.
pub fn can_match_newline(src: &str) -> bool {
    let Some(hir) = parse(src) else {
        return false;
    };
    let HirKind::Concat(hs) = hir.kind() else {
        return hir_newline(&hir);
    };
    let edge = |h: &Hir| h.properties().maximum_len().is_some_and(|n| n <= 1);
    hs.iter().enumerate().any(|(i, h)| {
        let at_edge = (i == 0 || i + 1 == hs.len()) && edge(h);
        !at_edge && hir_newline(h)
    })
}

fn hir_newline(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Literal(l) => l.0.contains(&b'\n'),
        HirKind::Class(Class::Bytes(c)) => c
            .ranges()
            .iter()
            .any(|r| r.start() <= b'\n' && b'\n' <= r.end()),
        HirKind::Class(Class::Unicode(c)) => c
            .ranges()
            .iter()
            .any(|r| r.start() <= '\n' && '\n' <= r.end()),
        HirKind::Capture(c) => hir_newline(&c.sub),
        HirKind::Repetition(r) => r.max != Some(0) && hir_newline(&r.sub),
        HirKind::Concat(hs) | HirKind::Alternation(hs) => hs.iter().any(hir_newline),
        HirKind::Empty | HirKind::Look(_) => false,
    }
}

/// Largest set of strings a sub-pattern's language is expanded into when looking for a
/// keyword (`(?i)datadog` is 128 spellings, lower-cased to one).
const EXPAND_LIMIT: usize = 512;

/// True when every match of the pattern contains one of `keywords` (compared lower-cased).
/// Conservative: `false` means the check could not prove it, which `rules check` reports.
pub fn requires_keyword(src: &str, keywords: &[String]) -> bool {
    let kws: Vec<Vec<u8>> = keywords
        .iter()
        .map(|k| k.to_ascii_lowercase().into_bytes())
        .collect();
    parse(src).is_some_and(|h| Req { kws: &kws }.ok(&h))
}

/// Where the prefilter's keyword hits say a match of a pattern can be: `window` is the longest
/// match, and `lead` bounds how far before a keyword occurrence inside it the match starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub window: usize,
    pub lead: usize,
}

/// `Some` when every match of the pattern contains one of `keywords` and is at most `max`
/// bytes long. The engine then searches only around the keywords' occurrences, not the whole
/// blob: from `lead` bytes before an occurrence (`window` less the keyword's length, when
/// the pattern's shape gives no closer bound).
pub fn keyword_window(src: &str, keywords: &[String], max: usize) -> Option<Window> {
    window_of(&parse(src)?, keywords, max)
}

/// [`keyword_window`] of a parsed pattern.
pub fn window_of(hir: &Hir, keywords: &[String], max: usize) -> Option<Window> {
    let longest = hir.properties().maximum_len().filter(|&n| n <= max)?;
    let kws: Vec<Vec<u8>> = keywords
        .iter()
        .map(|k| k.to_ascii_lowercase().into_bytes())
        .collect();
    let req = Req { kws: &kws };
    req.ok(hir).then(|| Window {
        window: longest,
        lead: req.lead(hir).map_or(longest, |l| l.min(longest)),
    })
}

/// The part of a pattern from its keyword on, as a pattern of its own: every match of `src`
/// holds an occurrence of one of `keywords` (compared lower-cased) where `tail` matches,
/// anchored. The engine tries it at each keyword occurrence before it searches a window
/// there, and most occurrences fail it within a few bytes (`pat` in `path`, `token` as an
/// identifier), where a search would read the whole window.
///
/// Found by flattening the pattern's top-level sequence (groups dissolved) and taking the
/// longest run of its last elements whose every match starts with a keyword ([`starts`]).
/// `None` when no such run exists (the keyword may fall anywhere in a repetition).
pub fn keyword_tail(src: &str, keywords: &[String]) -> Option<Hir> {
    let hir = parse(src)?;
    tail_of(&hir, keywords).map(|from| tail_from(&hir, from))
}

/// Where [`keyword_tail`] starts in a parsed pattern: the index into its flattened sequence.
/// (An index, not the tail written out: `Hir`'s printer writes `(?:x{20})?` as `x{20}?`,
/// which reads back as a lazy `{20}`.)
pub fn tail_of(hir: &Hir, keywords: &[String]) -> Option<usize> {
    let kws: Vec<Vec<u8>> = keywords
        .iter()
        .map(|k| k.to_ascii_lowercase().into_bytes())
        .filter(|k| !k.is_empty())
        .collect();
    let mut parts = Vec::new();
    flatten(hir, &mut parts);
    (0..parts.len()).find(|&j| {
        let cover = starts(&Hir::concat(parts[j..].to_vec()));
        !cover.is_empty()
            && cover
                .iter()
                .all(|(s, _)| kws.iter().any(|k| s.starts_with(k)))
    })
}

/// The tail of a parsed pattern from element `from` of its flattened sequence on.
pub fn tail_from(hir: &Hir, from: usize) -> Hir {
    let mut parts = Vec::new();
    flatten(hir, &mut parts);
    Hir::concat(parts.get(from..).unwrap_or_default().to_vec())
}

/// A cover of the starts of `hir`'s matches, lower-cased: every match begins with one of the
/// strings, and a string marked `true` is a whole match (what follows in a sequence may
/// extend it). At worst `[("", false)]`, which says nothing.
fn starts(hir: &Hir) -> Vec<(Vec<u8>, bool)> {
    if let Some(set) = exact(hir) {
        return set.into_iter().map(|s| (s, true)).collect();
    }
    let open = |set: Vec<(Vec<u8>, bool)>| set.into_iter().map(|(s, _)| (s, false)).collect();
    match hir.kind() {
        HirKind::Capture(c) => starts(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => open(starts(&r.sub)),
        HirKind::Alternation(hs) => {
            let mut out = Vec::new();
            for h in hs {
                out.extend(starts(h));
                if out.len() > EXPAND_LIMIT {
                    return vec![(Vec::new(), false)];
                }
            }
            out
        }
        HirKind::Concat(hs) => {
            let mut acc = vec![(Vec::new(), true)];
            for h in hs {
                if !acc.iter().any(|(_, whole)| *whole) {
                    break;
                }
                let next = starts(h);
                let mut grown = Vec::new();
                for (s, whole) in &acc {
                    if !whole {
                        grown.push((s.clone(), false));
                        continue;
                    }
                    for (t, t_whole) in &next {
                        let mut st = s.clone();
                        st.extend_from_slice(t);
                        grown.push((st, *t_whole));
                    }
                }
                if grown.len() > EXPAND_LIMIT {
                    return open(acc);
                }
                acc = grown;
            }
            acc
        }
        _ => vec![(Vec::new(), false)],
    }
}

/// The pattern as one sequence: groups dissolved into their parent's sequence (a tail needs
/// no captures).
fn flatten(hir: &Hir, out: &mut Vec<Hir>) {
    match hir.kind() {
        HirKind::Capture(c) => flatten(&c.sub, out),
        HirKind::Concat(hs) => hs.iter().for_each(|h| flatten(h, out)),
        _ => out.push(hir.clone()),
    }
}

struct Req<'a> {
    kws: &'a [Vec<u8>],
}

impl Req<'_> {
    fn contains_kw(&self, s: &[u8]) -> bool {
        self.kws
            .iter()
            .any(|k| !k.is_empty() && s.windows(k.len()).any(|w| w == k.as_slice()))
    }

    fn all_contain(&self, set: &[Vec<u8>]) -> bool {
        !set.is_empty() && set.iter().all(|s| self.contains_kw(s))
    }

    /// Whether every match of `hir` contains a keyword.
    fn ok(&self, hir: &Hir) -> bool {
        if let Some(set) = exact(hir) {
            if self.all_contain(&set) {
                return true;
            }
        }
        match hir.kind() {
            HirKind::Capture(c) => self.ok(&c.sub),
            HirKind::Repetition(r) => r.min >= 1 && self.ok(&r.sub),
            HirKind::Alternation(hs) => hs.iter().all(|h| self.ok(h)),
            HirKind::Concat(hs) => {
                if hs.iter().any(|h| self.ok(h)) {
                    return true;
                }
                if self.runs_ok(hs) {
                    return true;
                }
                // A keyword may also be spelled across an alternation and what follows it
                // (`(?:datadog[\w.-]{0,10}|dd[_-]?)api`): try each branch in its place.
                let Some(k) = hs
                    .iter()
                    .position(|h| matches!(h.kind(), HirKind::Alternation(_)))
                else {
                    return false;
                };
                let HirKind::Alternation(branches) = hs[k].kind() else {
                    return false;
                };
                branches.len() <= 16
                    && branches.iter().all(|b| {
                        let mut parts = hs[..k].to_vec();
                        parts.push(b.clone());
                        parts.extend(hs[k + 1..].iter().cloned());
                        self.ok(&Hir::concat(parts))
                    })
            }
            _ => false,
        }
    }

    /// Where the first keyword occurrence of a string of `set` starts, at the latest.
    fn first_kw_at(&self, set: &[Vec<u8>]) -> Option<usize> {
        if !self.all_contain(set) {
            return None;
        }
        set.iter()
            .map(|s| {
                (0..s.len())
                    .find(|&i| {
                        self.kws
                            .iter()
                            .any(|k| !k.is_empty() && s[i..].starts_with(k))
                    })
                    .unwrap_or(0)
            })
            .max()
    }

    /// A bound on how many bytes of a match of `hir` come before the start of a keyword
    /// occurrence that lies inside the match: `None` when the shape gives none.
    fn lead(&self, hir: &Hir) -> Option<usize> {
        if let Some(at) = exact(hir).and_then(|set| self.first_kw_at(&set)) {
            return Some(at);
        }
        match hir.kind() {
            HirKind::Capture(c) => self.lead(&c.sub),
            HirKind::Repetition(r) if r.min >= 1 => self.lead(&r.sub),
            HirKind::Alternation(hs) => hs
                .iter()
                .map(|h| self.lead(h))
                .try_fold(0, |a, l| Some(a.max(l?))),
            HirKind::Concat(hs) => {
                // The first child, or run of children, that always spells a keyword, after
                // children of bounded length.
                let mut before = 0usize;
                for start in 0..hs.len() {
                    if let Some(l) = self.lead(&hs[start]) {
                        return Some(before + l);
                    }
                    let mut acc: Vec<Vec<u8>> = vec![Vec::new()];
                    for h in &hs[start..] {
                        let Some(next) = exact(h).and_then(|set| product(&acc, &set)) else {
                            break;
                        };
                        acc = next;
                        if let Some(at) = self.first_kw_at(&acc) {
                            return Some(before + at);
                        }
                    }
                    before = before.checked_add(hs[start].properties().maximum_len()?)?;
                }
                None
            }
            _ => None,
        }
    }

    /// Whether a run of consecutive children with a small exact language always spells a
    /// keyword.
    fn runs_ok(&self, hs: &[Hir]) -> bool {
        for start in 0..hs.len() {
            let mut acc: Vec<Vec<u8>> = vec![Vec::new()];
            for h in &hs[start..] {
                let Some(set) = exact(h) else { break };
                let Some(next) = product(&acc, &set) else {
                    break;
                };
                acc = next;
                if self.all_contain(&acc) {
                    return true;
                }
            }
        }
        false
    }
}

/// The lower-cased language of `hir` when it is finite and small, else `None`.
fn exact(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let set = match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![Vec::new()],
        HirKind::Literal(l) => vec![l.0.to_ascii_lowercase()],
        HirKind::Class(class) => {
            let mut bytes: Vec<u8> = Vec::new();
            let mut push_range = |lo: u32, hi: u32| -> Option<()> {
                if hi - lo > 16 {
                    return None;
                }
                for b in lo..=hi {
                    let b = u8::try_from(b).ok()?.to_ascii_lowercase();
                    if !bytes.contains(&b) {
                        bytes.push(b);
                    }
                }
                Some(())
            };
            match class {
                Class::Bytes(c) => {
                    for r in c.ranges() {
                        push_range(u32::from(r.start()), u32::from(r.end()))?;
                    }
                }
                Class::Unicode(c) => {
                    for r in c.ranges() {
                        push_range(u32::from(r.start()), u32::from(r.end()))?;
                    }
                }
            }
            if bytes.len() > 8 {
                return None;
            }
            bytes.into_iter().map(|b| vec![b]).collect()
        }
        HirKind::Capture(c) => exact(&c.sub)?,
        HirKind::Concat(hs) => {
            let mut acc = vec![Vec::new()];
            for h in hs {
                acc = product(&acc, &exact(h)?)?;
            }
            acc
        }
        HirKind::Alternation(hs) => {
            let mut out = Vec::new();
            for h in hs {
                out.extend(exact(h)?);
                if out.len() > EXPAND_LIMIT {
                    return None;
                }
            }
            out
        }
        HirKind::Repetition(r) => {
            let max = r.max?;
            if max > 4 {
                return None;
            }
            let sub = exact(&r.sub)?;
            let mut out = Vec::new();
            let mut acc = vec![Vec::new()];
            for n in 0..=max {
                if n >= r.min {
                    out.extend(acc.iter().cloned());
                }
                if n < max {
                    acc = product(&acc, &sub)?;
                }
            }
            out
        }
    };
    let mut set = set;
    set.sort();
    set.dedup();
    (set.len() <= EXPAND_LIMIT).then_some(set)
}

/// Every `a` followed by every `b`, or `None` past [`EXPAND_LIMIT`].
fn product(a: &[Vec<u8>], b: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if a.len().saturating_mul(b.len()) > EXPAND_LIMIT {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut s = x.clone();
            s.extend_from_slice(y);
            out.push(s);
        }
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// Literal prefixes every secret of the rule starts with (case as written), when the
/// `secret` group begins with one: `ghp_` for `(?P<secret>ghp_[0-9A-Za-z]{36})`, `sk-proj-`
/// and `sk-` for `(?P<secret>sk-(?:proj-)?…)`. Empty when the secret has no literal start.
pub fn secret_prefixes(src: &str) -> Vec<Vec<u8>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let Some(hir) = parse(src) else {
        return Vec::new();
    };
    let Some(secret) = find_group(&hir, "secret") else {
        return Vec::new();
    };
    let mut ex = Extractor::new();
    ex.kind(ExtractKind::Prefix).limit_class(4).limit_total(64);
    let seq = ex.extract(secret);
    let Some(lits) = seq.literals() else {
        return Vec::new();
    };
    let mut out: Vec<Vec<u8>> = lits.iter().map(|l| l.as_bytes().to_vec()).collect();
    // Every secret must start with one of them: an empty literal means some do not.
    if out.iter().any(Vec::is_empty) {
        return Vec::new();
    }
    out.sort();
    out.dedup();
    out
}

/// The `secret` group's sub-pattern, written out as a regex (as the engine reads it).
pub fn secret_pattern(src: &str) -> Option<String> {
    let hir = parse(src)?;
    find_group(&hir, "secret").map(|h| h.to_string())
}

fn find_group<'h>(hir: &'h Hir, name: &str) -> Option<&'h Hir> {
    match hir.kind() {
        HirKind::Capture(c) if c.name.as_deref() == Some(name) => Some(&c.sub),
        HirKind::Capture(c) => find_group(&c.sub, name),
        HirKind::Repetition(r) => find_group(&r.sub, name),
        HirKind::Concat(hs) | HirKind::Alternation(hs) => {
            hs.iter().find_map(|h| find_group(h, name))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kws(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn newline_classes_are_seen() {
        assert!(can_match_newline(r"a\s{0,3}b"));
        assert!(can_match_newline(r#"a[^"]+b"#));
        assert!(can_match_newline(r"(?s)a.b"));
        assert!(can_match_newline(r"a\nb"));
        assert!(!can_match_newline(r#"a[ \t]{0,3}[^"\s]+b"#));
        assert!(!can_match_newline(r"a.b\w+"));
        // A delimiter at either end may be the line's end; in the middle it joins two lines.
        assert!(!can_match_newline(
            r"(?:^|[^\w])ghp_[0-9A-Za-z]{36}(?:[^0-9A-Za-z]|$)"
        ));
        assert!(can_match_newline(r"key=[^a-z]ghp_[0-9A-Za-z]{36}"));
    }

    #[test]
    fn keyword_requirement() {
        assert!(requires_keyword(
            r"\b(?P<secret>ghp_[0-9A-Za-z]{36})",
            &kws(&["ghp_"])
        ));
        assert!(requires_keyword(
            r"(?i:finnhub)[\w.-]{0,20}=(?P<secret>[a-z0-9]{20})",
            &kws(&["finnhub"])
        ));
        // Spelled across children: `dd`, an optional separator, `api`.
        assert!(requires_keyword(
            r"(?i:dd)[_-]?(?i:api)[_-]?key=(?P<secret>[a-f0-9]{32})",
            &kws(&[
                "ddapikey",
                "dd_api_key",
                "dd-api-key",
                "dd_apikey",
                "ddapi_key",
                "dd-apikey",
                "ddapi-key",
                "dd_api-key",
                "dd-api_key"
            ])
        ));
        assert!(!requires_keyword(
            r"(?i:dd)[_-]?api[_-]?key=(?P<secret>[a-f0-9]{32})",
            &kws(&["dd_api_key"])
        ));
        // Spelled across an alternation and what follows it.
        assert!(requires_keyword(
            r"(?i:(?:datadog[\w.-]{0,10}|dd[_-]?)api[_-]?key)=(?P<secret>[a-f0-9]{32})",
            &kws(&["datadog", "dd_api", "dd-api", "ddapi"])
        ));
        assert!(!requires_keyword(
            r"(?i:(?:datadog[\w.-]{0,10}|dd[\w.-]{0,10})api[_-]?key)=(?P<secret>[a-f0-9]{32})",
            &kws(&["datadog", "dd_api", "dd-api", "ddapi"])
        ));
        // Alternation: each branch needs one.
        assert!(requires_keyword(
            r"(?:password|secret)=(?P<secret>\w{8,})",
            &kws(&["password", "secret"])
        ));
        assert!(!requires_keyword(
            r"(?:password|pwd)=(?P<secret>\w{8,})",
            &kws(&["password"])
        ));
        // An optional keyword is not required; a keyword outside the regex never is.
        assert!(!requires_keyword(
            r"(?:twilio)?(?P<secret>SK[0-9a-f]{32})",
            &kws(&["twilio"])
        ));
        assert!(!requires_keyword(
            r"\b(?P<secret>SK[0-9a-f]{32})\b",
            &kws(&["twilio"])
        ));
    }

    #[test]
    fn prefixes_of_the_secret() {
        assert_eq!(
            secret_prefixes(r"\b(?P<secret>ghp_[0-9A-Za-z]{36})"),
            vec![b"ghp_".to_vec()]
        );
        let p = secret_prefixes(r"(?P<secret>sk-(?:proj-|svcacct-)?[A-Za-z0-9]{20})");
        assert!(p.contains(&b"sk-".to_vec()), "{p:?}");
        assert!(secret_prefixes(r"key=(?P<secret>[a-f0-9]{32})").is_empty());
        assert!(secret_prefixes(r"(?P<secret>(?:ab)?[a-f0-9]{32})").is_empty());
    }
}
