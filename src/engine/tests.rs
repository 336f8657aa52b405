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
    let text = b"DB_PASSWORD = \"Ul4bR2hRzAt8kQa5ih1P\"\n"; // leakscan:allow (a generated fake)
    let e = engine();
    let r = e.scan(text, &mut Scratch::default());
    let f = r
        .matches
        .iter()
        .find(|f| e.rules()[f.rule].id == "generic-password")
        .expect("generic password rule (lowercase = true) matches upper-case names");
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
        trusted: false,
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
        trusted: false,
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

#[test]
fn token_prefixes_come_from_the_rules() {
    let prefixes = token_prefixes(engine().rules());
    // The starts the generic rule was once kept off by a hand-kept list: each must now be
    // derived from some rule's pattern (as it is, or as the token's longer real start:
    // `pypi-AgE`).
    for p in [
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
        "github_pat_",
        "glpat-",
        "gldt-",
        "glrt-",
        "glft-",
        "glptt-",
        "gloas-",
        "glimt-",
        "glagent-",
        "glcbt-",
        "glsoat-",
        "glffct-",
        "npm_",
        "pypi-",
        "rubygems_",
        "dckr_pat_",
        "dckr_oat_",
        "AKIA",
        "ASIA",
        "ABSK",
        "AIza",
        "GOCSPX-",
        "ya29.",
        "xoxb-",
        "xoxp-",
        "xapp-",
        "sk_live_",
        "sk_test_",
        "rk_live_",
        "whsec_",
        "SG.",
        "shpat_",
        "shpca_",
        "shppa_",
        "shpss_",
        "ATATT3",
        "lin_api_",
        "ntn_",
        "sntrys_",
        "NRAK-",
        "glc_",
        "glsa_",
        "hvs.",
        "dp.pt.",
        "PMAK-",
        "dop_v1_",
        "doo_v1_",
        "dor_v1_",
        "HRKU-",
        "nfp_",
        "sbp_",
        "pscale_",
        "sk-",
        "hf_",
        "r8_",
        "eyJ",
        "AGE-SECRET-KEY-",
        "-----BEGIN",
    ] {
        assert!(
            prefixes
                .iter()
                .any(|d| p.as_bytes().starts_with(d) || d.starts_with(p.as_bytes())),
            "{p} is not derived: {:?}",
            prefixes
                .iter()
                .map(|d| String::from_utf8_lossy(d))
                .collect::<Vec<_>>()
        );
    }
    // Free-form and name-anchored rules claim nothing.
    assert!(!prefixes.iter().any(|d| d.len() < 3));
}

#[test]
fn generic_rule_leaves_prefixed_tokens_to_their_rules() {
    let e = engine();
    // A classic PAT with a broken checksum: its own rule rejects it, and the generic rule
    // must not report it in its place.
    let mut bad = token();
    bad.pop();
    bad.push('x');
    let text = format!("api_token = \"{bad}\"\n");
    assert!(e
        .scan(text.as_bytes(), &mut Scratch::default())
        .matches
        .is_empty());
    // A start alone claims nothing: Mailgun's keys are `key-` and 32 hex.
    for value in ["Xk9mQ2vT7pLw4RzN8sJdQ3", "key-Xk9mQ2vT7pLw4RzN8s"] {
        let text = format!("api_token = \"{value}\"\n");
        let r = e.scan(text.as_bytes(), &mut Scratch::default());
        assert_eq!(r.matches.len(), 1, "{value}");
        assert_eq!(e.rules()[r.matches[0].rule].id, "generic-secret");
    }
}

#[test]
fn values_public_by_design_are_not_reported() {
    let e = engine();
    let key = format!("AIza{}", "Sy9kQm2vT7pLw4RzN8sJdQ3xB5nH1cF6gK0");
    let firebase = format!(
        "const firebaseConfig = {{\n  apiKey: \"{key}\",\n  authDomain: \"acme-app.firebaseapp.com\",\n  projectId: \"acme-app\"\n}};\n"
    );
    assert!(e
        .scan(firebase.as_bytes(), &mut Scratch::default())
        .matches
        .is_empty());
    // The same key outside a Firebase config is a Google API key.
    let plain = format!("GOOGLE_MAPS_KEY={key}\n");
    assert_eq!(
        e.scan(plain.as_bytes(), &mut Scratch::default())
            .matches
            .len(),
        1
    );
    for public in [
        "publishable_key = \"pk_live_51Hq8ZtKc2vT7pLw4RzN8sJdQ3xB5nH1cF6gK0aB\"",
        "accessToken: \"pk.eyJ1IjoiYWNtZSIsImEiOiJjbHF4eTEyMzQifQ.Qm7vX2pL9kT4nQw8zPcR1s\"",
        "AZURE_STORAGE_KEY=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    ] {
        let r = e.scan(public.as_bytes(), &mut Scratch::default());
        assert!(r.matches.is_empty(), "{public}: {:?}", r.matches.iter().map(|m| &e.rules()[m.rule].id).collect::<Vec<_>>());
    }
}

/// Searching only near keyword occurrences finds exactly what a search of the whole blob
/// finds: the built-in rules as they run, against the same rules made to run over every
/// blob whole (a `no_keywords_reason` turns the windows off), on texts glued together from
/// every rule's examples and negatives, keywords and noise, with matches next to each other
/// and keywords close together.
#[test]
fn searching_near_keywords_equals_searching_the_whole_blob() {
    let windowed = engine();
    let mut whole_rules = rules::builtin().expect("built-in rules");
    for r in &mut whole_rules {
        r.no_keywords_reason = Some("test: search the whole blob".into());
    }
    let whole = Engine::new(whole_rules);
    assert!(
        windowed
            .rules()
            .iter()
            .filter(|r| r.near().is_some())
            .count()
            > 500,
        "most rules are searched near their keywords"
    );
    assert!(whole.rules().iter().all(|r| r.near().is_none()));
    let mut pieces: Vec<String> = Vec::new();
    for r in windowed.rules() {
        pieces.extend(r.examples.iter().cloned());
        pieces.extend(r.negative_examples.iter().cloned());
        pieces.extend(r.keywords.iter().cloned());
    }
    let glue: Vec<&str> = vec![
        "", " ", "\n", "\r\n", " = ", ": ", "\"", "'", "=", "\t", ",", "x", "_", "-", "/",
    ];
    let mut rng = crate::testing::Rng::new(0x5eed_0001);
    let mut compared = 0;
    for _ in 0..400 {
        let mut text = String::new();
        for _ in 0..rng.range(1, 12) {
            let g: &&str = rng.pick(&glue[..]);
            text.push_str(g);
            if rng.below(4) == 0 {
                let n = rng.range(4, 48) as usize;
                text.push_str(&rng.base62(n));
            } else {
                let p: &String = rng.pick(&pieces[..]);
                text.push_str(p);
            }
        }
        let spans = |e: &Engine| -> Vec<(String, usize, usize)> {
            e.scan(text.as_bytes(), &mut Scratch::default())
                .matches
                .iter()
                .map(|m| (e.rules()[m.rule].id.clone(), m.start, m.end))
                .collect()
        };
        let found = spans(&windowed);
        assert_eq!(found, spans(&whole), "in {text:?}");
        compared += found.len();
    }
    assert!(
        compared > 300,
        "the texts hold findings to compare: {compared}"
    );
}

/// A keyword that also occurs inside a token, where the token's tail does not hold, must not
/// hide the token: its first occurrence (where the tail holds) still opens the window.
#[test]
fn a_keyword_inside_a_token_does_not_hide_it() {
    let e = engine();
    let hex = crate::testing::Rng::new(0x7a11).string(b"0123456789abcdef", 64);
    for body in [
        "patQx7Lm2Rt9Kw4Zq",
        "patXpatYpatZpat12",
        "patpatpatpatpatpa",
    ] {
        let token = format!("{body}.{hex}");
        let text = format!("AIRTABLE_TOKEN={token}\n");
        let found: Vec<_> = e
            .scan(text.as_bytes(), &mut Scratch::default())
            .matches
            .iter()
            .map(|m| (e.rules()[m.rule].id.clone(), m.secret.clone()))
            .collect();
        assert!(
            found.contains(&("airtable-personal-access-token".to_string(), token.clone())),
            "{token}: {found:?}"
        );
    }
}
