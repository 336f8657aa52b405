//! Issue 11: the inline marker allows only the finding next to it, in a comment; lower-cased
//! rules run over windows of the blob (the same matches, a bounded copy); baselines store
//! fingerprints compactly and keep matching them as before.

mod common;

use common::github_pat;
use leakscan::engine::{BlobScan, Engine, Scratch};
use leakscan::rules;

fn engine() -> Engine {
    Engine::new(rules::builtin().expect("built-in rules"))
}

fn scan(text: &str) -> BlobScan {
    engine().scan(text.as_bytes(), &mut Scratch::default())
}

/// The secrets reported, in order.
fn secrets(r: &BlobScan) -> Vec<&str> {
    r.matches.iter().map(|m| m.secret.as_str()).collect()
}

// ---- (9) the inline marker ---------------------------------------------------------------

#[test]
fn marker_in_a_trailing_comment_still_allows_its_line() {
    for text in [
        format!("key = \"{}\" # leakscan:allow\n", github_pat(1)),
        format!("const key = \"{}\"; // leakscan:allow\n", github_pat(1)),
        format!("<!-- leakscan:allow --> <meta k=\"{}\">\n", github_pat(1)),
    ] {
        let r = scan(&text);
        assert!(r.matches.is_empty(), "{text}: {:?}", secrets(&r));
        assert_eq!(r.inline_allowed, 1, "{text}");
    }
}

#[test]
fn marker_at_one_end_of_a_minified_line_does_not_allow_tokens_far_away() {
    // One line of minified JavaScript: a licence comment with the marker at its start, then
    // tens of kilobytes of code with tokens in it. Before: every token on the line allowed.
    let mut js = String::from("/*! lib v1 | leakscan:allow */");
    let mut planted = Vec::new();
    for i in 0..40u64 {
        for j in 0..50 {
            js.push_str(&format!("var a{i}_{j}=b.c(\"d{j}\");"));
        }
        let t = github_pat(100 + i);
        js.push_str(&format!("e.t=\"{t}\";"));
        planted.push(t);
    }
    js.push_str("/* leakscan:allow */");
    let r = scan(&js);
    assert_eq!(secrets(&r), planted, "every token is reported");
    assert_eq!(r.inline_allowed, 0);
}

#[test]
fn marker_in_a_string_literal_is_not_a_comment() {
    let t = github_pat(2);
    for text in [
        format!("x = \"leakscan:allow\"; t = \"{t}\"\n"),
        format!("t = \"{t}\"; x = \"leakscan:allow\"\n"),
        format!("t = '{t}'; x = 'leakscan:allow'\n"),
    ] {
        let r = scan(&text);
        assert_eq!(secrets(&r), [t.as_str()], "{text}");
        assert_eq!(r.inline_allowed, 0, "{text}");
    }
}

#[test]
fn marker_after_the_first_of_two_findings_leaves_the_far_one_reported() {
    let (t1, t2) = (github_pat(3), github_pat(4));
    let filler = "f(x);".repeat(60); // 300 bytes: beyond the 200-byte reach
    let text = format!("a = \"{t1}\"; /* leakscan:allow */ {filler} b = \"{t2}\";\n");
    let r = scan(&text);
    assert_eq!(secrets(&r), [t2.as_str()]);
    assert_eq!(r.inline_allowed, 1);
}

// ---- (14) lower-cased rules run over windows ---------------------------------------------

/// Counts the bytes this thread has allocated and not freed, and their peak, so a test can
/// bound what one call holds at once (other tests' threads do not disturb it).
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    pub struct Counting;

    thread_local! {
        static LIVE: Cell<isize> = const { Cell::new(0) };
        static PEAK: Cell<isize> = const { Cell::new(0) };
    }

    fn note(delta: isize) {
        let _ = LIVE.try_with(|live| {
            let now = live.get() + delta;
            live.set(now);
            let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
        });
    }

    // SAFETY: every call goes to `System` unchanged; only counters are updated around it.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let p = unsafe { System.alloc(layout) };
            if !p.is_null() {
                note(layout.size() as isize);
            }
            p
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            let p = unsafe { System.alloc_zeroed(layout) };
            if !p.is_null() {
                note(layout.size() as isize);
            }
            p
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            unsafe { System.dealloc(ptr, layout) };
            note(-(layout.size() as isize));
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let p = unsafe { System.realloc(ptr, layout, new_size) };
            if !p.is_null() {
                // Growing may briefly hold both blocks: count the old one at the peak too.
                note(new_size as isize);
                note(-(layout.size() as isize));
            }
            p
        }
    }

    /// The peak of this thread's live heap bytes while `f` runs, above what was live before,
    /// and what `f` left allocated (its result included).
    pub fn measure<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
        let before = LIVE.with(Cell::get);
        PEAK.with(|p| p.set(before));
        let out = f();
        let peak = PEAK.with(Cell::get) - before;
        let kept = LIVE.with(Cell::get) - before;
        (out, peak.max(0) as usize, kept.max(0) as usize)
    }
}

#[global_allocator]
static ALLOC: counting::Counting = counting::Counting;

#[test]
fn a_large_blob_is_not_copied_for_lowercase_rules() {
    // 64 MiB of long lines with a secret for the generic (lowercase) rule near the end.
    // Before: a lower-cased copy of the whole blob (64 MiB more); now a window of about 1 MiB.
    let line = format!("{}\n", "let value = compute(input, limit); ".repeat(28));
    let mut blob = line.repeat((64 << 20) / line.len()).into_bytes();
    blob.extend_from_slice(b"DB_PASSWORD = \"Ul4bR2hRzAt8kQa5ih1P\"\n"); // leakscan:allow (a generated fake)
    let e = engine();
    let mut scratch = Scratch::default();
    let (r, peak, _) = counting::measure(|| e.scan(&blob, &mut scratch));
    assert_eq!(secrets(&r), ["Ul4bR2hRzAt8kQa5ih1P"]);
    eprintln!("peak heap while scanning: {peak} bytes");
    assert!(
        peak < 8 << 20,
        "scanning a {} MiB blob allocated up to {:.1} MiB",
        blob.len() >> 20,
        peak as f64 / f64::from(1 << 20)
    );
}

/// Two lower-cased rules without filters (beyond the shared placeholder filter): the
/// generic rule's pattern, and one with look-around (`^` of a line, `\b`) and `$`.
const WINDOW_RULES: &str = r#"
[[rule]]
id = "assigned"
name = "A"
keywords = ["password", "token", "secret", "api"]
lowercase = true
regex = '''(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|private[_-]?key|credentials?)[\w.-]{0,20}["']?\s{0,3}(?:=>|:=|[:=])\s{0,3}["'`]?(?P<secret>[A-Za-z0-9+/=_.~!@#%^*-]{12,128})(?:["'`&]|[\s,;)]|$)'''
severity = "low"
confidence = "low"
remediation = "r"

[[rule]]
id = "line-pass"
name = "L"
keywords = ["pass"]
lowercase = true
regex = '''(?m)^[ \t]{0,4}pass[ \t]{0,2}=[ \t]{0,2}(?P<secret>[a-z0-9]{8,40})\b(?:$|[ ;])'''
severity = "low"
confidence = "high"
remediation = "r"
"#;

const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const VALUE_CHARS: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_.~!@#%^*-";

/// Seeded code-like text with assignments of random values in any case planted densely,
/// so that many straddle the edges of small windows.
fn planted_text(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = leakscan::testing::Rng::new(seed);
    let names = [
        "password",
        "PASSWORD",
        "Db_Password",
        "token",
        "API_KEY",
        "apiKey",
        "secret",
        "pass",
        "PASS",
        "credentials",
        "Access-Key",
    ];
    let seps = [" = ", "=", ": ", " := ", " => ", "  =\t"];
    let quotes = ["\"", "'", "`", ""];
    let filler = ["let ", "x", "(y)", " ", "\n", "tokenize", "pass", "="];
    let mut s = String::new();
    while s.len() < len {
        match rng.below(5) {
            0 | 1 => {
                let q = *rng.pick(&quotes);
                let n = 8 + rng.below(40);
                s.push_str(&format!(
                    "{}{}{q}{}{q}{}",
                    rng.pick(&names),
                    rng.pick(&seps),
                    rng.string(VALUE_CHARS, n),
                    rng.pick(&["\n", ";", " ", ")", ",", ""]),
                ));
            }
            2 => {
                let n = 6 + rng.below(40);
                s.push_str(&format!("pass = {}\n", rng.string(LOWER_ALNUM, n)));
            }
            _ => {
                for _ in 0..rng.below(12) {
                    let word = *rng.pick(&filler);
                    s.push_str(word);
                }
            }
        }
    }
    s.into_bytes()
}

/// (rule id, start, end) of every match.
fn spans(e: &Engine, r: &BlobScan) -> Vec<(String, usize, usize)> {
    r.matches
        .iter()
        .map(|m| (e.rules()[m.rule].id.clone(), m.start, m.end))
        .collect()
}

/// An engine of the rules in `toml`, loaded as a user's rule file.
fn engine_of(toml: &str) -> Engine {
    let policy = rules::LoadPolicy {
        eager: true,
        require_examples: false,
        trusted: false,
    };
    Engine::new(rules::parse_rule_file("w.toml", toml, policy).expect("rules"))
}

/// Scans `blob` with each window length and compares with the old approach: each rule's
/// regex over a lower-cased copy of the whole blob, secrets taken from the original bytes,
/// the more confident rule keeping a span two rules match. Returns how many matches.
fn same_as_whole_blob(e: &Engine, blob: &[u8], windows: &[usize], what: &str) -> usize {
    let lower = blob.to_ascii_lowercase();
    let mut want = Vec::new();
    for rule in e.rules() {
        let c = rule.compiled().expect("compiles");
        for caps in c.regex.captures_iter(&lower) {
            let m = caps.get(c.secret_group).expect("secret group");
            if !m.is_empty() && !leakscan::engine::allow::is_placeholder(&blob[m.range()]) {
                want.push((rule.confidence, rule.id.clone(), m.start(), m.end()));
            }
        }
    }
    want.sort_by(|a, b| (a.2, a.3, b.0).cmp(&(b.2, b.3, a.0)));
    want.dedup_by(|b, a| (a.2, a.3) == (b.2, b.3));
    let want: Vec<_> = want.into_iter().map(|(_, id, s, e)| (id, s, e)).collect();
    for &window in windows {
        let got = e.scan(blob, &mut Scratch::with_lower_window(window));
        assert_eq!(spans(e, &got), want, "{what}, window {window}");
    }
    want.len()
}

#[test]
fn windows_give_the_matches_of_one_pass_over_the_whole_lowered_blob() {
    let e = engine_of(WINDOW_RULES);
    let mut total = 0;
    for seed in 0..12u64 {
        // Tiny windows (a byte long at the extreme) cost a search each: on shorter text.
        let (len, windows): (usize, &[usize]) = if seed < 4 {
            (4_000, &[1, 7, 64, 173])
        } else {
            (30_000 + 3_000 * seed as usize, &[173, 509, 4096, 1 << 20])
        };
        let n = same_as_whole_blob(
            &e,
            &planted_text(seed, len),
            windows,
            &format!("seed {seed}"),
        );
        assert!(n > 20, "seed {seed}: the text plants enough ({n})");
        total += n;
    }
    assert!(total > 1500, "{total}");
}

#[test]
fn a_rule_without_a_longest_match_reads_a_generous_reach_past_each_window() {
    // `\s*` has no maximum length: matches up to 64 KiB long are still found as before.
    let e = engine_of(
        r#"
[[rule]]
id = "spaced"
name = "S"
keywords = ["secret"]
lowercase = true
regex = '''secret\s*[:=]\s*(?P<secret>[a-z0-9+/=_.~!@#%^*-]{8,40})'''
severity = "low"
confidence = "low"
remediation = "r"
"#,
    );
    let mut blob = planted_text(42, 150_000);
    blob.extend_from_slice(format!("SECRET{}= abcdef123456", " ".repeat(5000)).as_bytes());
    let n = same_as_whole_blob(&e, &blob, &[1000, 4096, 100_000], "unbounded");
    assert!(n > 15, "{n}");
    let r = e.scan(&blob, &mut Scratch::with_lower_window(1000));
    let last = r.matches.last().expect("matches");
    assert_eq!(
        (last.secret.as_str(), last.end),
        ("abcdef123456", blob.len())
    );
}

#[test]
fn builtin_rules_find_the_same_across_window_edges() {
    let e = engine();
    for seed in 100..104u64 {
        let mut blob = planted_text(seed, 300_000);
        // Tokens of other rules too, and a multi-megabyte blob at the default window.
        for i in 0..50u64 {
            let at = (i as usize * 5_987) % blob.len();
            blob.splice(
                at..at,
                format!(" t=\"{}\" ", github_pat(seed * 100 + i)).into_bytes(),
            );
        }
        let whole = e.scan(&blob, &mut Scratch::with_lower_window(usize::MAX));
        assert!(whole.matches.len() > 1000, "{}", whole.matches.len());
        for window in [97, 1000, 65_536] {
            let got = e.scan(&blob, &mut Scratch::with_lower_window(window));
            assert_eq!(
                spans(&e, &got),
                spans(&e, &whole),
                "seed {seed}, window {window}"
            );
        }
    }
    let big = planted_text(7, 5 << 20);
    let whole = e.scan(&big, &mut Scratch::with_lower_window(usize::MAX));
    let windowed = e.scan(&big, &mut Scratch::default());
    assert!(whole.matches.len() > 10_000);
    assert_eq!(spans(&e, &windowed), spans(&e, &whole));
}

// ---- (15) baselines are stored compactly -------------------------------------------------

#[test]
fn a_large_baseline_costs_a_few_dozen_bytes_a_fingerprint() {
    // 200,000 findings as `leakscan baseline` writes them (fewer fields). Before: a JSON tree
    // of the whole file while parsing (about 800 bytes a finding), then a String a fingerprint.
    let n = 200_000u32;
    let mut text = String::from("[\n");
    for i in 0..n {
        let fp = leakscan::finding::fingerprint("generic-secret", "src/app.py", &i.to_le_bytes());
        text.push_str(&format!(
            "  {{\"rule_id\": \"generic-secret\", \"path\": \"src/app.py\", \"line\": {i}, \"secret\": \"Xk9m********\", \"fingerprint\": \"{fp}\", \"commit\": null}}{}\n",
            if i + 1 < n { "," } else { "" }
        ));
    }
    text.push(']');
    let (b, peak, kept) = counting::measure(|| leakscan::triage::Baseline::parse(&text));
    let b = b.expect("parses");
    assert_eq!(b.len(), n as usize);
    let per = |bytes: usize| bytes as f64 / f64::from(n);
    eprintln!(
        "baseline of {n}: peak {:.1} B, kept {:.1} B a fingerprint",
        per(peak),
        per(kept)
    );
    assert!(
        per(kept) <= 20.0,
        "kept {:.1} bytes a fingerprint",
        per(kept)
    );
    assert!(
        per(peak) <= 64.0,
        "peaked at {:.1} bytes a fingerprint",
        per(peak)
    );
    let fp = leakscan::finding::fingerprint("generic-secret", "src/app.py", &7u32.to_le_bytes());
    assert!(b.contains(&fp));
}
