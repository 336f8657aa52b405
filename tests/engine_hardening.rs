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
