//! The engine: bytes in, located matches out. Built once from the rules and shared
//! read-only by every thread; each thread brings its own [`Scratch`]. It knows nothing of
//! files, git or paths: a [`Match`] says where in the blob, and `triage::label` turns it into
//! a finding with its origin.
//!
//! Per blob: keyword prefilter, then only the selected rules' regexes (near the keywords'
//! occurrences, and only those where the rule's keyword tail holds), then for each match
//! of the `secret` group the entropy floor, the shared placeholder filter, the rule's offline
//! validator, and the inline `leakscan:allow` marker.

pub mod allow;
pub mod entropy;
mod owned;
pub mod prefilter;
mod snippet;
pub mod validate;
pub use owned::token_prefixes;
pub use snippet::relocate;

use crate::blob::LineIndex;
use crate::finding::{Checksum, Snippet};
use crate::rules::{self, Rule, Validator};
use prefilter::Prefilter;
use regex_automata::{hybrid, Anchored, Input};
use snippet::locate;
use std::sync::{Mutex, OnceLock};
use validate::Verdict;

/// Bytes of context kept on each side of a secret in a snippet.
const SNIPPET_CONTEXT: usize = 60;

/// Rules with `lowercase = true` run over windows of the blob this long, each lower-cased
/// into [`Scratch`]'s buffer in turn, so a blob costs its size plus about this much, not
/// twice its size.
const LOWER_WINDOW: usize = 1 << 20;

/// How far past its window a lower-cased rule may read when its regex has no maximum match
/// length: matches up to this long are found exactly as on the whole blob.
const LOWER_REACH_FALLBACK: usize = 64 << 10;

/// Bytes before a window kept for the regex's look-behind (`\b`, `^` look at one byte).
const LOWER_LOOK_BEHIND: usize = 8;

pub struct Engine {
    rules: Vec<Rule>,
    prefilter: Prefilter,
    /// Rules whose regex failed its lazy compile (a program over the size limit): the scan
    /// is incomplete, and the command says so instead of going on without them.
    broken: Mutex<Vec<usize>>,
    /// The tokens that have a rule of their own (see [`token_prefixes`]), worked out on the
    /// first generic candidate.
    token_starts: OnceLock<owned::TokenStarts>,
}

/// How far around a candidate the public-value check looks (a Firebase config object).
const PUBLIC_CONTEXT: usize = 400;

/// How far before a secret its token facts may look (a SAS's parameters).
const FACTS_CONTEXT: usize = 600;

/// Per-thread reusable state.
#[derive(Default)]
pub struct Scratch {
    selected: Vec<bool>,
    /// A window of the blob lower-cased, for rules that ask for it (reused across blobs):
    /// at most [`LOWER_WINDOW`] plus the rules' reach.
    lower: Vec<u8>,
    /// The window length, when not [`LOWER_WINDOW`] (tests).
    lower_window: Option<usize>,
    /// The keyword occurrences of the blob being scanned.
    hits: prefilter::Hits,
    /// For rules searched near their keywords: `(rule, first, last)`, the range where a
    /// match holding one occurrence may start.
    starts: Vec<(usize, usize, usize)>,
    /// Per rule, the cache of its keyword tail's lazy DFA (see [`rules::Rule::tail`]).
    tails: Vec<Option<hybrid::dfa::Cache>>,
}

/// A rule's match in one blob: located, with its snippet, and nothing that depends on where
/// the blob came from.
#[derive(Clone, Debug)]
pub struct Match {
    /// Index of the rule in [`Engine::rules`].
    pub rule: usize,
    /// Byte offsets of the secret in its blob.
    pub start: usize,
    pub end: usize,
    /// 1-based; columns count bytes; `end_*` is exclusive.
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// Columns counted in Unicode code points.
    pub char_column: usize,
    pub end_char_column: usize,
    /// The secret as matched (lossy UTF-8).
    pub secret: String,
    pub checksum: Option<Checksum>,
    /// Shannon entropy of the secret, rounded to three decimals.
    pub entropy: f64,
    pub snippet: Snippet,
    /// The decodings applied to the blob's bytes to reach the secret, outermost first (set
    /// by `decode`; the engine itself only ever sees bytes).
    pub decoded: Vec<&'static str>,
    /// What the token itself says (kind, lifetime, expiry, scope), with no network.
    pub token: Option<crate::facts::Token>,
    /// What the rule's other named groups captured (`key_id`, `shop`, `username`): the
    /// second part a verifier needs. Never reported.
    pub parts: Vec<(String, String)>,
}

/// What one blob produced.
#[derive(Default, Debug)]
pub struct BlobScan {
    pub matches: Vec<Match>,
    /// Matches dropped because a `leakscan:allow` marker in a comment next to them allows
    /// them.
    pub inline_allowed: usize,
}

/// A match that passed the filters, before it is located.
struct Candidate {
    rule: usize,
    start: usize,
    end: usize,
    checksum: Option<Checksum>,
    entropy: f64,
    /// The rule's other named groups that matched: name and span.
    parts: Vec<(String, std::ops::Range<usize>)>,
}

impl Engine {
    pub fn new(rules: Vec<Rule>) -> Self {
        let keywords: Vec<&[String]> = rules.iter().map(|r| r.keywords.as_slice()).collect();
        let prefilter = Prefilter::new(&keywords);
        Engine {
            rules,
            prefilter,
            broken: Mutex::new(Vec::new()),
            token_starts: OnceLock::new(),
        }
    }

    /// Ids of the rules whose regex could not be compiled so far.
    pub fn broken_rules(&self) -> Vec<String> {
        let broken = self.broken.lock().unwrap_or_else(|p| p.into_inner());
        broken.iter().map(|&i| self.rules[i].id.clone()).collect()
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Runs the keyword prefilter alone and returns how many rules it selects (benchmarks).
    pub fn prefilter_select(&self, bytes: &[u8], scratch: &mut Scratch) -> usize {
        self.prefilter.select(bytes, &mut scratch.selected)
    }

    /// Scans one blob.
    pub fn scan(&self, bytes: &[u8], scratch: &mut Scratch) -> BlobScan {
        self.scan_with(bytes, scratch, None)
    }

    /// Scans one blob with rule `only` alone (still through its keywords): the one-rule
    /// detector that runs a rule's examples.
    pub fn scan_rule(&self, bytes: &[u8], only: usize) -> BlobScan {
        self.scan_with(bytes, &mut Scratch::default(), Some(only))
    }

    fn scan_with(&self, bytes: &[u8], scratch: &mut Scratch, only: Option<usize>) -> BlobScan {
        let mut out = BlobScan::default();
        if self
            .prefilter
            .select_hits(bytes, &mut scratch.selected, &mut scratch.hits)
            == 0
        {
            return out;
        }
        if let Some(only) = only {
            for (i, s) in scratch.selected.iter_mut().enumerate() {
                *s &= i == only;
            }
        }
        let mut candidates = Vec::new();
        let mut lower_rules = Vec::new();
        let mut near_keywords = false;
        // The selected rules in rule order (the order findings have always come in).
        let mut order = std::mem::take(&mut scratch.hits.rules);
        order.sort_unstable();
        for &i in &order {
            if !scratch.selected[i] {
                continue; // `only`
            }
            let rule = &self.rules[i];
            if rule.near().is_some() && !scratch.hits.dense {
                near_keywords = true;
                continue;
            }
            let Some(compiled) = self.compiled(i, rule) else {
                continue;
            };
            if rule.lowercase {
                lower_rules.push(i);
            } else {
                self.run_rule(i, rule, compiled, bytes, &mut candidates);
            }
        }
        scratch.hits.rules = order;
        if near_keywords {
            self.run_near_keywords(bytes, scratch, &mut candidates);
        }
        if !lower_rules.is_empty() {
            self.run_lowercase(&lower_rules, bytes, scratch, &mut candidates);
        }
        if candidates.is_empty() {
            return out;
        }
        // One finding per span: the most specific rule wins where several match the same bytes.
        candidates.sort_by(|a, b| {
            let (ra, rb) = (&self.rules[a.rule], &self.rules[b.rule]);
            (a.start, a.end)
                .cmp(&(b.start, b.end))
                .then(rb.confidence.cmp(&ra.confidence))
                .then(rb.severity.cmp(&ra.severity))
                .then(ra.id.cmp(&rb.id))
        });
        // The parts the losers captured go to the winner: a paired rule finds the key id of a
        // secret that a more specific rule reports.
        candidates.dedup_by(|b, a| {
            let same = a.start == b.start && a.end == b.end;
            if same {
                for p in b.parts.drain(..) {
                    if !a.parts.iter().any(|q| q.0 == p.0) {
                        a.parts.push(p);
                    }
                }
            }
            same
        });

        let lines = LineIndex::new(bytes);
        // Every span is masked in every other snippet, allowed ones too: a snippet must never
        // show a secret that is not its own.
        let spans: Vec<(usize, usize)> = candidates.iter().map(|c| (c.start, c.end)).collect();
        let masks = snippet::Masks::new(bytes, &spans);
        for c in candidates {
            if inline_allowed(bytes, &lines, c.start, c.end) {
                out.inline_allowed += 1;
                continue;
            }
            let mut m = locate(bytes, &lines, c, &masks);
            m.token = self.token_facts(bytes, &m);
            out.matches.push(m);
        }
        out
    }

    /// The offline facts of `m`'s token; the line before the secret is read too (a SAS's
    /// parameters precede its signature).
    fn token_facts(&self, bytes: &[u8], m: &Match) -> Option<crate::facts::Token> {
        let from = m.start.saturating_sub(FACTS_CONTEXT);
        let before = &bytes[from..m.start];
        let line = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(before, |i| &before[i + 1..]);
        let now = jiff::Timestamp::now().as_second();
        crate::facts::offline(&self.rules[m.rule].id, &m.secret, line, now)
    }

    /// True when `secret` is a token that a high-confidence rule of its own looks for: such a
    /// value is that rule's to report (or to reject by its checksum or length), never a
    /// generic secret.
    fn owned_by_a_token_rule(&self, secret: &[u8]) -> bool {
        self.token_starts
            .get_or_init(|| owned::TokenStarts::new(&self.rules))
            .claims(secret)
    }

    /// The rule's compiled regex, or `None` (remembered as broken) when it fails to compile.
    fn compiled<'r>(&self, idx: usize, rule: &'r Rule) -> Option<&'r rules::Compiled> {
        let compiled = rule.compiled();
        if compiled.is_none() {
            let mut broken = self.broken.lock().unwrap_or_else(|p| p.into_inner());
            if !broken.contains(&idx) {
                broken.push(idx);
            }
        }
        compiled
    }

    /// Runs one rule's regex over the blob and checks each secret.
    fn run_rule(
        &self,
        idx: usize,
        rule: &Rule,
        compiled: &rules::Compiled,
        bytes: &[u8],
        out: &mut Vec<Candidate>,
    ) {
        let mut locs = compiled.regex.capture_locations();
        let mut at = 0;
        while at <= bytes.len() {
            let Some(m) = compiled.regex.captures_read_at(&mut locs, bytes, at) else {
                break;
            };
            // As the regex's own iterator does: past an empty match by one byte.
            at = if m.end() > m.start() {
                m.end()
            } else {
                m.end() + 1
            };
            if let Some(resume) = self.take(idx, rule, compiled, bytes, &locs, 0, out) {
                at = resume;
            }
        }
    }

    /// Runs the selected rules that have a [`rules::Near`] window (each of whose matches holds
    /// one of its keywords and is at most `window` bytes long) only where a match can start: within
    /// `window` bytes before the end of a keyword occurrence, and not after its start, and only
    /// around occurrences where the rule's keyword tail matches ([`tail_holds`]). Each
    /// range is searched in a haystack cut `window` bytes past its last start (plus the byte
    /// a look-ahead reads), so a match that starts in the range is the one a search of the
    /// whole blob finds there, and no match starts between ranges: the matches are those of
    /// one search over the whole blob, at a cost that follows the keywords, not the blob.
    fn run_near_keywords(&self, bytes: &[u8], scratch: &mut Scratch, out: &mut Vec<Candidate>) {
        let mut starts = std::mem::take(&mut scratch.starts);
        starts.clear();
        let tails = &mut scratch.tails;
        if tails.len() < self.rules.len() {
            tails.resize_with(self.rules.len(), || None);
        }
        for hit in &scratch.hits.list {
            let len = self.prefilter.keyword(hit.keyword).len();
            for &r in self.prefilter.keyword_rules(hit.keyword) {
                let rule = &self.rules[r];
                let Some(near) = rule.near().filter(|_| scratch.selected[r]) else {
                    continue;
                };
                let (window, lead) = (near.window, near.lead);
                if let Some(tail) = rule.tail() {
                    let cache = tails[r].get_or_insert_with(|| tail.create_cache());
                    let end = bytes.len().min(hit.at + window + 2);
                    if !tail_holds(tail, cache, &bytes[..end], hit.at, rule.lowercase) {
                        continue;
                    }
                }
                let first = (hit.at + len).saturating_sub(window);
                starts.push((r, first.max(hit.at.saturating_sub(lead)), hit.at));
            }
        }
        starts.sort_unstable();
        let mut i = 0;
        while i < starts.len() {
            let idx = starts[i].0;
            let rule = &self.rules[idx];
            let window = self.window(idx).0;
            let Some(compiled) = self.compiled(idx, rule) else {
                i += 1;
                continue;
            };
            let mut locs = compiled.regex.capture_locations();
            let mut next = 0;
            while i < starts.len() && starts[i].0 == idx {
                // Ranges closer than a window share their haystack: search them as one.
                let (first, mut last) = (starts[i].1, starts[i].2);
                i += 1;
                while i < starts.len() && starts[i].0 == idx && starts[i].1 <= last + window {
                    last = last.max(starts[i].2);
                    i += 1;
                }
                let end = bytes.len().min(last + window + 2);
                let base = if rule.lowercase {
                    first.saturating_sub(LOWER_LOOK_BEHIND)
                } else {
                    0
                };
                let hay: &[u8] = if rule.lowercase {
                    scratch.lower.clear();
                    scratch
                        .lower
                        .extend(bytes[base..end].iter().map(u8::to_ascii_lowercase));
                    &scratch.lower
                } else {
                    &bytes[..end]
                };
                let mut at = next.max(first);
                while at <= last {
                    let Some(m) = compiled.regex.captures_read_at(&mut locs, hay, at - base) else {
                        break;
                    };
                    let (start, stop) = (base + m.start(), base + m.end());
                    if start > last {
                        break;
                    }
                    at = if stop > start { stop } else { stop + 1 };
                    if let Some(resume) = self.take(idx, rule, compiled, bytes, &locs, base, out) {
                        at = resume;
                    }
                }
                next = at;
            }
        }
        scratch.starts = starts;
    }

    /// The window and lead of a rule searched near its keywords (0 for any other).
    fn window(&self, idx: usize) -> (usize, usize) {
        self.rules[idx]
            .near()
            .map_or((0, 0), |n| (n.window, n.lead))
    }

    /// Runs the `lowercase` rules `idxs` over the blob lower-cased one window at a time, into
    /// the reused buffer of `scratch`, with the same matches (at the blob's offsets) as one
    /// pass over a lower-cased copy of the whole blob would give.
    ///
    /// Windows own consecutive ranges of [`LOWER_WINDOW`] bytes. A window's lower-cased text
    /// runs from a few bytes before its range (for look-behind) to the rules' reach after it:
    /// their longest possible match ([`lower_reach`]). A rule keeps the matches that start in
    /// the window's range, and the next window resumes its search where its last match ended,
    /// as one search over the whole blob would. A match that starts in the range ends before
    /// the text does, so the cut at the text's end (where `$` and `\b` would see the end of
    /// the haystack) cannot change it.
    fn run_lowercase(
        &self,
        idxs: &[usize],
        bytes: &[u8],
        scratch: &mut Scratch,
        out: &mut Vec<Candidate>,
    ) {
        let mut rules: Vec<(usize, &Rule, &rules::Compiled, usize)> = Vec::new();
        for &idx in idxs {
            let rule = &self.rules[idx];
            if let Some(compiled) = self.compiled(idx, rule) {
                // The next search position, in the blob's offsets.
                rules.push((idx, rule, compiled, 0));
            }
        }
        let window = scratch.lower_window.unwrap_or(LOWER_WINDOW);
        let reach = if bytes.len() <= window {
            0 // one window: the whole blob
        } else {
            rules.iter().map(|r| lower_reach(r.1)).max().unwrap_or(0)
        };
        let mut locs: Vec<_> = rules
            .iter()
            .map(|r| r.2.regex.capture_locations())
            .collect();
        let mut own = 0;
        loop {
            let own_end = bytes.len().min(own + window);
            let text = own.saturating_sub(LOWER_LOOK_BEHIND)..bytes.len().min(own_end + reach);
            scratch.lower.clear();
            scratch
                .lower
                .extend(bytes[text.clone()].iter().map(u8::to_ascii_lowercase));
            let last = own_end == bytes.len();
            for ((idx, rule, compiled, next), locs) in rules.iter_mut().zip(&mut locs) {
                let mut at = (*next).max(own);
                while at <= text.end {
                    let hay = &scratch.lower[..];
                    let Some(m) = compiled.regex.captures_read_at(locs, hay, at - text.start)
                    else {
                        break; // none starts before `own_end` either
                    };
                    let (start, end) = (text.start + m.start(), text.start + m.end());
                    if start >= own_end && !last {
                        break;
                    }
                    // As the regex's own iterator does: past an empty match by one byte.
                    at = if end > start { end } else { end + 1 };
                    if let Some(resume) =
                        self.take(*idx, rule, compiled, bytes, locs, text.start, out)
                    {
                        at = resume;
                    }
                }
                *next = at;
            }
            if last {
                return;
            }
            own = own_end;
        }
    }

    /// Takes one match (its groups in `locs`, at offsets `base` into the blob) as a candidate.
    /// Returns where the search should go on when the value was rejected but may hold the
    /// next assignment's name (`token = process.env.API_TOKEN || "…"`): from the byte before
    /// the value, the boundary a name starts after.
    #[allow(clippy::too_many_arguments)]
    fn take(
        &self,
        idx: usize,
        rule: &Rule,
        compiled: &rules::Compiled,
        bytes: &[u8],
        locs: &regex::bytes::CaptureLocations,
        base: usize,
        out: &mut Vec<Candidate>,
    ) -> Option<usize> {
        let (s, e) = locs.get(compiled.secret_group)?;
        let (start, secret) = (base + locs.get(0)?.0, base + s..base + e);
        let name = compiled
            .name_group
            .and_then(|g| locs.get(g))
            .map(|(s, e)| base + s..base + e);
        let named = name.is_some();
        let value_start = secret.start;
        let mut found = self.candidate(idx, rule, bytes, secret, name);
        if let Some(c) = found.as_mut() {
            c.parts = compiled
                .parts
                .iter()
                .filter_map(|(g, n)| locs.get(*g).map(|(s, e)| (n.clone(), base + s..base + e)))
                .collect();
        }
        let resume = (found.is_none() && named && value_start > start + 1).then(|| value_start - 1);
        out.extend(found);
        resume
    }

    /// The candidate for a match of rule `idx` whose secret is `bytes[start..end]`, if the
    /// secret passes the entropy floor, the placeholder filter and the rule's validator.
    fn candidate(
        &self,
        idx: usize,
        rule: &Rule,
        bytes: &[u8],
        span: std::ops::Range<usize>,
        name: Option<std::ops::Range<usize>>,
    ) -> Option<Candidate> {
        let (start, end) = (span.start, span.end);
        let secret = &bytes[span];
        if secret.is_empty() {
            return None;
        }
        let ent = entropy::shannon(secret);
        if rule.entropy.is_some_and(|min| ent < min) || allow::is_placeholder(secret) {
            return None;
        }
        let around =
            &bytes[start.saturating_sub(PUBLIC_CONTEXT)..(end + PUBLIC_CONTEXT).min(bytes.len())];
        if allow::is_public_value(secret, around) {
            return None;
        }
        let free_form = matches!(
            rule.validator,
            Some(Validator::GenericSecret | Validator::Password)
        );
        if free_form && self.owned_by_a_token_rule(secret) {
            return None;
        }
        // The name as written (a lower-cased rule matched a lower-cased copy at the same
        // offsets): camelCase tells its words apart.
        let name = name.map(|n| &bytes[n]);
        let checksum = match rule
            .validator
            .map(|v| validate::check_named(v, secret, name))
        {
            Some(Verdict::Rejected) => return None,
            Some(Verdict::ChecksumValid) => Some(Checksum::Valid),
            Some(Verdict::Plausible) | None => None,
        };
        Some(Candidate {
            rule: idx,
            start,
            end,
            checksum,
            entropy: ent,
            parts: Vec::new(),
        })
    }
}

/// Whether the keyword tail `tail` can match at `at` in `hay` (lower-cased byte by byte for a
/// `lowercase` rule, as its regex sees the blob). The DFA is walked by hand so that it stops
/// at the first byte no match can take, and a lower-cased rule needs no copy of the text.
/// `hay` ends past the longest match and its byte of look-ahead, or at the blob's end. Any
/// failure of the DFA itself (its cache given up) answers `true`: the window is searched.
fn tail_holds(
    tail: &hybrid::dfa::DFA,
    cache: &mut hybrid::dfa::Cache,
    hay: &[u8],
    at: usize,
    lowercase: bool,
) -> bool {
    let input = Input::new(hay).range(at..).anchored(Anchored::Yes);
    let Ok(mut sid) = tail.start_state_forward(cache, &input) else {
        return true;
    };
    for &b in &hay[at..] {
        let b = if lowercase { b.to_ascii_lowercase() } else { b };
        sid = match tail.next_state(cache, sid, b) {
            Ok(next) => next,
            Err(_) => return true,
        };
        if sid.is_tagged() {
            if sid.is_match() || sid.is_quit() {
                return true;
            }
            if sid.is_dead() {
                return false;
            }
        }
    }
    tail.next_eoi_state(cache, sid)
        .map_or(true, |s| s.is_match())
}

/// True when an inline allow marker in a comment next to the match allows it (see
/// [`allow::inline_marker_allows`]: near it on its first or last line, not anywhere on them).
fn inline_allowed(bytes: &[u8], lines: &LineIndex, start: usize, end: usize) -> bool {
    let (first, _) = lines.line_bounds(bytes, start);
    let (_, last) = lines.line_bounds(bytes, end.saturating_sub(1).max(start));
    allow::inline_marker_allows(&bytes[first..last.max(end)], start - first, end - first)
}

impl Scratch {
    /// Scratch whose lower-cased windows are `window` bytes long (at least 1), so that tests
    /// can put window edges anywhere. Not part of the supported API.
    #[doc(hidden)]
    pub fn with_lower_window(window: usize) -> Scratch {
        Scratch {
            lower_window: Some(window.max(1)),
            ..Scratch::default()
        }
    }
}

/// How far past a window's range a lower-cased rule must read: its regex's longest match, or
/// [`LOWER_REACH_FALLBACK`] when that is unbounded or longer. A match that starts before the
/// range's end then ends, and reads its byte of look-ahead, inside the window's text.
fn lower_reach(rule: &Rule) -> usize {
    let longest = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(&rule.regex_src)
        .ok()
        .and_then(|hir| hir.properties().maximum_len());
    longest.map_or(LOWER_REACH_FALLBACK, |n| n.min(LOWER_REACH_FALLBACK))
}

#[cfg(test)]
mod tests;
