//! The checks behind the fuzz targets, one function a target (`fuzz_targets/<target>.rs` only
//! calls it). Each panics when leakscan breaks a promise on its input, and a panic is what
//! libFuzzer reports as a crash.
//!
//! `tests/fuzz_regressions.rs` in the main crate includes this file by path and runs the same
//! checks over the saved crash inputs (`tests/fuzz_regressions/<target>-*.bin`) and the seeds
//! (`fuzz/seeds/<target>/`), so that a crash found by fuzzing becomes a test. Keep it to the
//! dependencies the main crate has too (`leakscan`, `aho-corasick`).

use aho_corasick::AhoCorasick;
use leakscan::config::Config;
use leakscan::decode::{Decoder, Limits};
use leakscan::engine::prefilter::Prefilter;
use leakscan::engine::{BlobScan, Engine, Scratch};
use leakscan::finding::{self, Finding};
use leakscan::rules::{self, LoadError, LoadPolicy, Rule};
use leakscan::source::{Origin, SourceStats};
use leakscan::triage::{self, Baseline};
use std::cell::RefCell;
use std::sync::OnceLock;

/// The display path the scanned blob gets.
const PATH: &str = "fuzz/input";
/// The file name config and rule text is parsed as.
const FILE: &str = "fuzz.toml";

/// The default engine: every built-in rule, built once a process.
fn builtin_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(rules::builtin().expect("built-in rules load")))
}

thread_local! {
    /// Reused across inputs, as a scanning thread reuses it across blobs.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Target `engine`: arbitrary bytes through the default engine. No panic; every finding's
/// span, line, column, secret and fingerprint agree with the bytes; a reused [`Scratch`] gives
/// the same result as a fresh one.
pub fn check_engine(bytes: &[u8]) {
    let engine = builtin_engine();
    let scan = SCRATCH.with(|s| engine.scan(bytes, &mut s.borrow_mut()));
    check_scan(engine, bytes, &scan);
    let fresh = engine.scan(bytes, &mut Scratch::default());
    assert_eq!(
        spans(&scan),
        spans(&fresh),
        "a reused Scratch changed the findings"
    );
    assert_eq!(scan.inline_allowed, fresh.inline_allowed);
}

fn spans(scan: &BlobScan) -> Vec<(usize, usize, usize)> {
    scan.matches
        .iter()
        .map(|m| (m.rule, m.start, m.end))
        .collect()
}

/// The matches of a scan labelled as findings of a file at [`PATH`].
fn labelled(engine: &Engine, scan: &BlobScan) -> Vec<Finding> {
    let origin = Origin::File {
        path: PATH,
        legacy: None,
    };
    scan.matches
        .iter()
        .map(|m| triage::label(&engine.rules()[m.rule], m, &origin))
        .collect()
}

/// What the findings of `engine` on `bytes` must satisfy: each one sound, and one finding a
/// span, in the order of the spans.
fn check_scan(engine: &Engine, bytes: &[u8], scan: &BlobScan) {
    let mut prev: Option<(usize, usize)> = None;
    for f in &labelled(engine, scan) {
        check_finding(engine, bytes, f);
        if let Some(p) = prev {
            assert!(
                p < (f.start, f.end),
                "findings out of order or repeated: {p:?} then {f:?}"
            );
        }
        prev = Some((f.start, f.end));
    }
}

fn check_finding(engine: &Engine, bytes: &[u8], f: &Finding) {
    assert!(
        f.start < f.end && f.end <= bytes.len(),
        "span {}..{} out of bounds (or empty) in {} bytes: {f:?}",
        f.start,
        f.end,
        bytes.len()
    );
    assert!(
        engine.rules().iter().any(|r| r.id == f.rule_id),
        "unknown rule id {:?}",
        f.rule_id
    );
    assert_eq!(f.path, PATH);
    assert_eq!(f.secret, String::from_utf8_lossy(&bytes[f.start..f.end]));
    assert_eq!(
        (f.line, f.column),
        line_column(bytes, f.start),
        "start of {f:?}"
    );
    assert_eq!(
        (f.end_line, f.end_column),
        line_column(bytes, f.end),
        "end of {f:?}"
    );
    assert!((f.end_line, f.end_column) > (f.line, f.column), "{f:?}");
    assert_eq!(f.char_column, char_column(bytes, f.start), "{f:?}");
    assert_eq!(f.end_char_column, char_column(bytes, f.end), "{f:?}");
    assert!(f.char_column <= f.column && f.end_char_column <= f.end_column);
    assert!(
        f.entropy.is_finite() && (0.0..=8.0).contains(&f.entropy),
        "entropy {} of {f:?}",
        f.entropy
    );
    assert_eq!(
        f.fingerprint,
        finding::fingerprint(&f.rule_id, &f.path, f.secret.as_bytes())
    );
    // The snippet is one line of context with control characters escaped, so that scanned
    // text cannot drive a terminal.
    for show in [false, true] {
        let snippet = f.shown_snippet(show);
        assert!(
            !snippet.chars().any(char::is_control),
            "raw control character in snippet {snippet:?}"
        );
        if !show {
            // Redacted: no other secret of the blob appears in it whole.
            // (Secrets with invalid UTF-8 are left out: two different byte strings can print
            // the same after lossy decoding, and masking works on bytes.)
            for m in &scan_secrets(engine, bytes) {
                if m.len() >= 16 && !m.contains('\u{FFFD}') {
                    assert!(!snippet.contains(m.as_str()), "secret {m:?} in {snippet:?}");
                }
            }
        }
    }
}

/// Every secret the engine finds in `bytes`.
fn scan_secrets(engine: &Engine, bytes: &[u8]) -> Vec<String> {
    let scan = engine.scan(bytes, &mut Scratch::default());
    scan.matches.into_iter().map(|m| m.secret).collect()
}

/// 1-based line and byte column of `offset`, counted the slow way.
fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (line, offset - line_start + 1)
}

/// 1-based column of `offset` in code points: bytes that do not continue a UTF-8 sequence.
fn char_column(bytes: &[u8], offset: usize) -> usize {
    let before = &bytes[..offset];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    before[line_start..]
        .iter()
        .filter(|&&b| b & 0xC0 != 0x80)
        .count()
        + 1
}

/// Target `config`: text through the config parser and the rule-file loader (both policies).
/// No panic; an error names the file and a line and column inside the text; rules that load
/// scan the text itself soundly.
pub fn check_config(text: &str) {
    match Config::parse(FILE, text) {
        Ok(mut cfg) => {
            let _ = cfg.allowlist.path_allowed(text);
            let _ = cfg.allowlist.secret_allowed(text);
            for (id, (line, column)) in &cfg.disabled_rules {
                assert!(
                    *line >= 1 && *column >= 1,
                    "disabled rule {id:?} at {line}:{column}"
                );
            }
            match cfg.rule_set(Vec::new()) {
                Ok(rules) => scan_with(rules, text),
                Err(e) => assert!(e.line >= 1 && e.column >= 1, "{e}"),
            }
        }
        Err(e) => check_load_error(text, &e),
    }
    // Rule files: examples required and regexes compiled at load (a user's rule file),
    // neither (regexes checked at load, compiled on first use, in the engine), and trusted
    // as the built-in set is (not even checked at load).
    let policies = [
        LoadPolicy {
            eager: true,
            require_examples: true,
            trusted: false,
        },
        LoadPolicy {
            eager: false,
            require_examples: false,
            trusted: false,
        },
        LoadPolicy {
            eager: false,
            require_examples: false,
            trusted: true,
        },
    ];
    for policy in policies {
        match rules::parse_rule_file(FILE, text, policy) {
            Ok(rules) => {
                for r in &rules {
                    assert!(r.origin.starts_with("fuzz.toml:"), "origin {:?}", r.origin);
                }
                if !policy.eager && rules::check_unique(&rules).is_ok() {
                    scan_with(rules, text);
                }
            }
            Err(e) => check_load_error(text, &e),
        }
    }
}

/// Runs loaded rules over the text they came from.
fn scan_with(rules: Vec<Rule>, text: &str) {
    if rules.is_empty() {
        return;
    }
    let engine = Engine::new(rules);
    let scan = engine.scan(text.as_bytes(), &mut Scratch::default());
    check_scan(&engine, text.as_bytes(), &scan);
}

/// A load error names the file, and a line and column that exist in the text (a column may
/// be one past the line's last character).
///
/// Not checked: that the message is non-empty. The `toml` crate gives no message for some
/// errors (a control character in a comment: `#\x02`), and leakscan passes that on as is;
/// `tests/fuzz_regressions.rs` keeps that case as an ignored test until `src/` mends it.
fn check_load_error(text: &str, e: &LoadError) {
    assert_eq!(e.file, FILE, "{e}");
    assert!(
        !e.message.trim().is_empty(),
        "an error that says nothing: {e:?}"
    );
    assert!(e.to_string().starts_with("fuzz.toml:"), "{e}");
    let Some(line) = e.line.checked_sub(1).and_then(|i| text.split('\n').nth(i)) else {
        panic!(
            "error on line {} of a text of {} lines: {e}",
            e.line,
            text.split('\n').count()
        );
    };
    assert!(
        e.column >= 1 && e.column <= line.chars().count() + 1,
        "error at column {} of a line of {} characters: {e}",
        e.column,
        line.chars().count()
    );
}

/// Target `baseline`: text through the baseline parser (JSON array, JSON lines, SARIF). No
/// panic; blank text is the empty baseline (no error, no fingerprint); an error says something.
pub fn check_baseline(text: &str) {
    // A JSONL report, line by line, as `leakscan merge` reads it: a finding, another record,
    // or a clear error, never a panic.
    for line in text.lines() {
        match leakscan::report::read::line(line) {
            Ok(leakscan::report::read::Line::Finding(f)) => {
                let _ = (f.shown_snippet(false), f.shown_secret(false));
            }
            Ok(leakscan::report::read::Line::Other(_)) => {}
            Err(e) => assert!(!e.is_empty(), "empty error message"),
        }
    }
    // The same bytes as a history state file: a verdict or a clear error.
    if let Err(e) = leakscan::source::git::known::parse(text.as_bytes(), "k") {
        assert!(!e.is_empty());
    }
    match Baseline::parse(text) {
        Ok(b) => assert!(
            b.is_empty() || !text.trim().is_empty(),
            "{} fingerprints from blank text",
            b.len()
        ),
        Err(e) => {
            assert!(
                !text.trim().is_empty(),
                "blank text is the empty baseline: {e}"
            );
            assert!(!e.is_empty(), "empty error message");
        }
    }
}

/// Target `prefilter`, differential: the keyword prefilter against an Aho-Corasick oracle.
///
/// Input: one byte giving the number of rules (`b % 8 + 1`), then the keyword section up to
/// the first NUL byte, then the haystack (all the rest). The keyword section is split on
/// `0x01`; each piece's first byte picks the rule (`b % rules`) and the rest is a keyword
/// (lossy UTF-8; a piece of one byte adds the empty keyword, which selects its rule always).
///
/// `Prefilter::select` promises an exact answer: rule `i` is selected if and only if it has
/// no keyword, has an empty one, or one of its keywords occurs in the haystack, matched ASCII
/// case-insensitively anywhere, overlapping occurrences included; it returns how many rules
/// it selected. (Its one superset, every rule for a keyword set too big for an Aho-Corasick
/// DFA, is out of reach of inputs of fuzzing size.) Checked on the haystack and on it cut
/// short by up to 8 bytes at either end, which moves every occurrence across the 8-byte
/// blocks and the tail the 4-gram scan treats apart.
pub fn check_prefilter(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let rule_count = usize::from(first % 8) + 1;
    let (spec, haystack) = match rest.iter().position(|&b| b == 0) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let mut rules: Vec<Vec<String>> = vec![Vec::new(); rule_count];
    for piece in spec.split(|&b| b == 1) {
        if let Some((&r, kw)) = piece.split_first() {
            rules[usize::from(r) % rule_count].push(String::from_utf8_lossy(kw).into_owned());
        }
    }
    let refs: Vec<&[String]> = rules.iter().map(Vec::as_slice).collect();
    let prefilter = Prefilter::new(&refs);
    let oracle = Oracle::new(&rules);
    // Left over from a previous blob, as in a Scratch: select must reset it.
    let mut selected = vec![true; rule_count + 3];
    let n = haystack.len();
    let cuts = (0..=n.min(8))
        .map(|k| (k, n))
        .chain((1..=n.min(8)).map(|k| (0, n - k)));
    for (from, to) in cuts {
        let hay = &haystack[from..to];
        let want = oracle.select(hay);
        let count = prefilter.select(hay, &mut selected);
        assert_eq!(
            selected,
            want,
            "rules {rules:?} on haystack {:?} (bytes {from}..{to} of the input's)",
            hay.escape_ascii().to_string()
        );
        assert_eq!(count, want.iter().filter(|&&s| s).count(), "count");
    }
}

/// The reference answer for [`check_prefilter`], from the `aho-corasick` crate's
/// default automaton (not the DFA the prefilter may fall back to).
struct Oracle {
    always: Vec<bool>,
    /// For each pattern, the rule it belongs to.
    owner: Vec<usize>,
    ac: Option<AhoCorasick>,
}

impl Oracle {
    fn new(rules: &[Vec<String>]) -> Self {
        let always: Vec<bool> = rules
            .iter()
            .map(|kws| kws.is_empty() || kws.iter().any(String::is_empty))
            .collect();
        let mut patterns = Vec::new();
        let mut owner = Vec::new();
        for (r, kws) in rules.iter().enumerate() {
            if !always[r] {
                for kw in kws {
                    patterns.push(kw.as_bytes());
                    owner.push(r);
                }
            }
        }
        let ac = (!patterns.is_empty()).then(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(&patterns)
                .expect("oracle automaton builds")
        });
        Oracle { always, owner, ac }
    }

    fn select(&self, haystack: &[u8]) -> Vec<bool> {
        let mut sel = self.always.clone();
        if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(haystack) {
                sel[self.owner[m.pattern().as_usize()]] = true;
            }
        }
        sel
    }
}

/// Target `decode`: arbitrary bytes through the decoding stage (archives, UTF-16, base64,
/// escapes) with every built-in rule, within small expansion limits. No panic; every match
/// in the blob itself (not in a member, not transcoded) lies inside the bytes and is located
/// at its start, and one found in the bytes as they are is exactly those bytes.
pub fn check_decode(bytes: &[u8]) {
    let engine = builtin_engine();
    let stats = SourceStats::default();
    let limits = Limits {
        archive_bytes: 8 << 20,
        total_archive_bytes: 64 << 20,
        ..Limits::default()
    };
    let decoder = Decoder::new(engine, limits, &stats);
    let parts = SCRATCH.with(|s| decoder.scan(PATH, bytes, &mut s.borrow_mut()));
    for part in &parts {
        for m in &part.scan.matches {
            assert!(m.start <= m.end, "span {}..{}", m.start, m.end);
            assert!(!m.secret.is_empty(), "an empty secret");
            let transcoded = m.decoded.first().is_some_and(|d| d.starts_with("utf-16"));
            if part.member.is_some() || transcoded {
                continue;
            }
            assert!(
                m.end <= bytes.len(),
                "span {}..{} past the blob",
                m.start,
                m.end
            );
            assert_eq!((m.line, m.column), line_column(bytes, m.start));
            if m.decoded.is_empty() {
                assert_eq!(m.secret, String::from_utf8_lossy(&bytes[m.start..m.end]));
            }
        }
    }
}

/// Target `facts`: arbitrary text through the offline token decoders (JWT, PyPI macaroon,
/// SAS, AWS key id) and arbitrary answers through every verifier's reading. No panic; what
/// they keep from the input is capped and free of control characters, so it can be printed.
pub fn check_facts(bytes: &[u8]) {
    use leakscan::facts;
    use leakscan::verify::providers::{self, Response, VERIFIERS};
    let text = String::from_utf8_lossy(bytes);
    let printable = |s: &str| {
        assert!(
            s.chars().count() <= 300,
            "a kept string is not capped: {s:?}"
        );
        assert!(
            !s.chars().any(char::is_control),
            "a control character kept: {s:?}"
        );
    };
    if let Some(j) = facts::jwt::claims(&text) {
        j.iss.as_deref().map(printable);
        j.role.as_deref().map(printable);
    }
    let _ = facts::macaroon::pypi(&text);
    let _ = facts::macaroon::pypi(&format!("pypi-{text}"));
    let _ = facts::sas::parse(&text);
    let _ = facts::aws::account_id(&text);
    for rule in [
        "jwt",
        "pypi-upload-token",
        "azure-sas-token",
        "aws-access-key-id",
    ] {
        if let Some(t) = facts::offline(rule, &text, bytes, 1_800_000_000) {
            t.scope.as_deref().map(printable);
            t.issuer.as_deref().map(printable);
            assert_eq!(t.expired.is_some(), t.expires_at.is_some());
        }
    }
    // The first two bytes are the status; the rest is the body, also offered as headers.
    let status = match bytes {
        [a, b, ..] => 100 + u16::from_le_bytes([*a, *b]) % 500,
        _ => 200,
    };
    let body = bytes.get(2..).unwrap_or_default().to_vec();
    let value = String::from_utf8_lossy(&body).into_owned();
    let r = Response {
        status,
        headers: [
            "x-oauth-scopes",
            "github-authentication-token-expiration",
            "retry-after",
        ]
        .iter()
        .map(|h| (h.to_string(), value.clone()))
        .collect(),
        body,
    };
    for v in VERIFIERS {
        for rule in v.rules {
            let verdict = providers::classify(v, rule, &r);
            verdict.account.as_deref().map(printable);
            for s in verdict.scopes.iter().flatten() {
                printable(s);
            }
        }
    }
}
