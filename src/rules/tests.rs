//! Unit tests of rule loading.

use super::*;

const EAGER: LoadPolicy = LoadPolicy {
    eager: true,
    require_examples: true,
    trusted: false,
};

fn rule_toml(extra: &str) -> String {
    format!(
        "[[rule]]\nid = \"t\"\nname = \"T\"\nkeywords = [\"t_\"]\nregex = '''(?P<secret>t_[a-z]{{8}})'''\nseverity = \"high\"\nconfidence = \"high\"\nremediation = \"r\"\nexamples = [\"t_abcdefgh\"]\n{extra}"
    )
}

#[test]
fn builtin_rules_load() {
    let rules = builtin().expect("built-in rules load");
    assert!(rules.iter().any(|r| r.id == "github-pat-classic"));
    for r in &rules {
        assert!(r.compiled().is_some(), "{} compiles", r.id);
    }
}

#[test]
fn unknown_validator_names_line_and_column() {
    let text = rule_toml("validator = \"nope\"\n");
    let e = parse_rule_file("x.toml", &text, EAGER).unwrap_err();
    assert_eq!((e.file.as_str(), e.line, e.column), ("x.toml", 10, 13));
    assert!(e.message.contains("unknown variant `nope`"), "{e}");
    assert!(e.message.contains("crc32-base62"), "{e}");
}

#[test]
fn missing_secret_group_is_an_error() {
    let text = rule_toml("").replace("(?P<secret>t_[a-z]{8})", "t_[a-z]{8}");
    let e = parse_rule_file("x.toml", &text, EAGER).unwrap_err();
    assert_eq!(e.line, 5);
    assert!(e.message.contains("no named group `secret`"), "{e}");
}

#[test]
fn bad_regex_is_an_error_in_both_policies() {
    let text = rule_toml("").replace("{8})", "{8}");
    for eager in [true, false] {
        let policy = LoadPolicy {
            eager,
            require_examples: true,
            trusted: false,
        };
        let e = parse_rule_file("x.toml", &text, policy).unwrap_err();
        assert!(e.message.contains("invalid regex"), "{e}");
    }
}

#[test]
fn keywordless_rule_needs_a_reason() {
    let text = rule_toml("").replace("keywords = [\"t_\"]\n", "");
    let e = parse_rule_file("x.toml", &text, EAGER).unwrap_err();
    assert!(e.message.contains("no_keywords_reason"), "{e}");
    let ok = format!("{text}no_keywords_reason = \"no fixed prefix\"\n");
    assert!(parse_rule_file("x.toml", &ok, EAGER).is_ok());
}

#[test]
fn unknown_field_and_syntax_errors_have_positions() {
    let e = parse_rule_file("x.toml", &rule_toml("colour = 1\n"), EAGER).unwrap_err();
    assert_eq!(e.line, 10);
    assert!(e.message.contains("unknown field `colour`"), "{e}");
    let e = parse_rule_file("x.toml", "[[rule]\nid = 1", EAGER).unwrap_err();
    assert_eq!((e.line, e.column), (1, 7));
}

#[test]
fn duplicate_ids_are_rejected() {
    let text = format!("{}{}", rule_toml(""), rule_toml(""));
    let rules = parse_rule_file("x.toml", &text, EAGER).expect("parses");
    let e = check_unique(&rules).unwrap_err();
    assert!(e.message.contains("duplicate rule id \"t\""), "{e}");
    assert_eq!(e.line, 11);
}

#[test]
fn keyword_window_bounds_the_lead_before_a_keyword() {
    use super::lint::{keyword_window, Window};
    let kw = |k: &str| vec![k.to_string()];
    // The match starts at its keyword, or up to three bytes before it.
    let w = keyword_window(
        r"(?:\b|%[0-9a-f]{2})(?P<secret>pat[a-z]{4})",
        &kw("pat"),
        4096,
    );
    assert_eq!(
        w,
        Some(Window {
            window: 10,
            lead: 3
        })
    );
    // A bounded name before the keyword: its longest length.
    let w = keyword_window(r"[a-z]{1,5}://(?P<secret>[a-z]{3})@", &kw("://"), 4096);
    assert_eq!(
        w,
        Some(Window {
            window: 12,
            lead: 5
        })
    );
    // A case-insensitive keyword spelled by classes.
    let w = keyword_window(r"(?i)x?tok(?P<secret>[0-9]{2})", &kw("tok"), 4096);
    assert_eq!(w, Some(Window { window: 6, lead: 1 }));
    // Unbounded before the keyword: the window less nothing known, i.e. the window.
    let w = keyword_window(r"[a-z]{0,9}=?(?P<secret>ab)", &kw("="), 4096);
    assert_eq!(w, None, "`=` is optional, so no keyword is required");
}

#[test]
fn keyword_tails_start_at_a_keyword_every_match_holds() {
    use super::lint::keyword_tail;
    let kw = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let anchored = |src: &str, kws: &[&str], hay: &str| -> Option<bool> {
        use regex_automata::{meta::Regex, Anchored, Input};
        let tail = keyword_tail(src, &kw(kws))?;
        let re = Regex::builder()
            .build_from_hir(&tail)
            .expect("a tail is a pattern");
        Some(re.is_match(Input::new(hay).anchored(Anchored::Yes)))
    };
    // A token with a literal start: the tail is the token itself, so `path` fails it.
    let token = r"(?:\b|_)(?P<secret>pat[A-Za-z0-9]{4}\.[0-9a-f]{4})\b";
    assert_eq!(anchored(token, &["pat"], "patAb12.00ff "), Some(true));
    assert_eq!(anchored(token, &["pat"], "path/to"), Some(false));
    // The keyword after a free-length name part: the tail starts at the keyword, and a
    // case-insensitive spelling is compared lower-cased.
    let named = r"[\w.-]{0,20}(?i:secret[_-]?key)[ \t]*=[ \t]*(?P<secret>[a-z0-9]{8})";
    let kws = ["secret_key", "secret-key", "secretkey"];
    assert_eq!(anchored(named, &kws, "SECRET_KEY = abcd1234"), Some(true));
    assert_eq!(anchored(named, &kws, "secret_key_rotation()"), Some(false));
    // An alternation whose branches are partly fixed, partly open: each gives its start.
    let alt = r"(?:datadog[\w.-]{0,10}|dd[_-]?)api_key=(?P<secret>[a-f0-9]{4})";
    assert!(anchored(
        alt,
        &["datadog", "dd_api", "ddapi", "dd-api"],
        "dd_api_key=00aa"
    )
    .unwrap());
    // No tail where a keyword need not start any part of the match (`dd` alone is not one),
    // or where no keyword is required at all.
    assert_eq!(
        anchored(alt, &["datadog", "dd_api"], "dd_api_key=00aa"),
        None
    );
    assert_eq!(
        anchored(r"(?P<secret>[a-z]{8})", &["abc"], "abcdefgh"),
        None
    );
}

#[test]
fn most_windowed_rules_have_a_keyword_tail() {
    let rules = builtin().expect("built-in rules load");
    let windowed: Vec<_> = rules.iter().filter(|r| r.near().is_some()).collect();
    let tailed = windowed.iter().filter(|r| r.tail().is_some()).count();
    assert!(
        tailed * 10 >= windowed.len() * 9,
        "{tailed} of {} windowed rules have a keyword tail",
        windowed.len()
    );
}

/// The table `build.rs` writes is what loading the rule files at run time gives, field by
/// field, with the same window, lead, keyword tail and secret starts derived from each pattern.
#[test]
fn the_builtin_table_equals_the_rule_files() {
    let table = builtin().expect("built-in table");
    let files = builtin_from_files().expect("built-in rule files load strictly");
    assert_eq!(table.len(), files.len());
    for (t, f) in table.iter().zip(&files) {
        let fields = |r: &Rule| {
            format!(
                "{} {} {} {:?} {:?} {} {} {} {:?} {:?} {:?} {:?} {} {:?} {:?} {:?} {}",
                r.id,
                r.name,
                r.provider,
                r.keywords,
                r.no_keywords_reason,
                r.regex_src,
                r.lowercase,
                r.spans_lines,
                r.entropy,
                r.validator,
                r.severity,
                r.confidence,
                r.remediation,
                r.references,
                r.examples,
                r.negative_examples,
                r.origin
            )
        };
        assert_eq!(fields(t), fields(f));
        let near = |r: &Rule| r.near().map(|n| (n.window, n.lead, n.tail_from));
        assert_eq!(near(t), near(f), "{}", t.id);
        assert_eq!(t.secret_prefixes(), f.secret_prefixes(), "{}", t.id);
    }
}
