//! Unit tests of the engine.

use super::*;
use crate::finding::Piece;
use crate::rules;

fn engine() -> Engine {
    Engine::new(rules::builtin().expect("built-in rules"))
}

fn token() -> String {
    validate::make_crc32_token("ghp_", "StZsxnTSWsbCBpWUedoB6SJ95Ypuie")
}

#[test]
fn finds_and_locates_a_token() {
    let text = format!("a\nb\n  key = \"{}\"\n", token());
    let e = engine();
    let r = e.scan(text.as_bytes(), &mut Scratch::default());
    assert_eq!(r.matches.len(), 1);
    let f = &r.matches[0];
    assert_eq!((f.line, f.column, f.end_line, f.end_column), (3, 10, 3, 50));
    assert_eq!(e.rules()[f.rule].id, "github-pat-classic");
    assert_eq!(f.checksum, Some(Checksum::Valid));
    assert_eq!(f.snippet.before, [Piece::Text("  key = \"".into())]);
    assert_eq!(f.snippet.after, [Piece::Text("\"".into())]);
}

#[test]
fn lowercase_rules_match_any_case_and_keep_the_secret_as_written() {
    let text = b"DB_PASSWORD = \"Ul4bR2hRzAt8kQa5ih1P\"\n";
    let e = engine();
    let r = e.scan(text, &mut Scratch::default());
    let f = r
        .matches
        .iter()
        .find(|f| e.rules()[f.rule].id == "generic-secret")
        .expect("generic rule (lowercase = true) matches upper-case names");
    assert_eq!(f.secret, "Ul4bR2hRzAt8kQa5ih1P");
    assert_eq!((f.line, f.column), (1, 16));
}

#[test]
fn a_lazily_compiled_rule_that_fails_is_reported_not_skipped() {
    // Valid syntax (so loading accepts it) but a program far over the size limit: the
    // failure only shows at the first compile, and the engine must remember it.
    let text = r#"[[rule]]
id = "huge"
name = "H"
keywords = ["huge_"]
regex = '(?P<secret>huge_(?:[a-z]{1,1000}){1,1000})'
severity = "low"
confidence = "low"
remediation = "r"
examples = ["huge_abc"]
"#;
    let lazy = rules::LoadPolicy {
        eager: false,
        require_examples: true,
    };
    let rules = rules::parse_rule_file("h.toml", text, lazy).expect("loads lazily");
    let e = Engine::new(rules);
    assert!(e.broken_rules().is_empty());
    let r = e.scan(b"x = huge_abcdef\n", &mut Scratch::default());
    assert!(r.matches.is_empty());
    assert_eq!(e.broken_rules(), ["huge"]);
    let eager = rules::LoadPolicy {
        eager: true,
        require_examples: true,
    };
    let err = rules::parse_rule_file("h.toml", text, eager).unwrap_err();
    assert!(err.message.contains("invalid regex"), "{err}");
}

#[test]
fn inline_marker_suppresses() {
    let text = format!("key = \"{}\" # leakscan:allow\n", token());
    let r = engine().scan(text.as_bytes(), &mut Scratch::default());
    assert!(r.matches.is_empty());
    assert_eq!(r.inline_allowed, 1);
}

#[test]
fn token_at_last_byte_and_in_latin1() {
    let mut bytes = b"caf\xe9 = ".to_vec();
    bytes.extend_from_slice(token().as_bytes());
    let r = engine().scan(&bytes, &mut Scratch::default());
    assert_eq!(r.matches.len(), 1);
    assert_eq!((r.matches[0].line, r.matches[0].column), (1, 8));
    assert_eq!(r.matches[0].end, bytes.len());
}
