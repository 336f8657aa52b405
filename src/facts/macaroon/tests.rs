//! Unit tests of `macaroon`. Every token is built here, field by field.

use super::*;
use crate::testing::{base64, macaroon_field as field, pypi_macaroon as macaroon};

fn token(bytes: &[u8]) -> String {
    format!("pypi-{}", base64(bytes, true, false))
}

fn facts(caveats: &[&str]) -> Option<Pypi> {
    let caveats: Vec<&[u8]> = caveats.iter().map(|c| c.as_bytes()).collect();
    pypi(&token(&macaroon(&caveats)))
}

fn scope(caveats: &[&str]) -> PypiScope {
    facts(caveats).unwrap().scope
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn no_caveat_is_unrestricted() {
    let none = Pypi {
        scope: PypiScope::Unrestricted,
        expires_at: None,
        not_before: None,
    };
    assert_eq!(facts(&[]), Some(none));
}

#[test]
fn reads_each_modern_caveat() {
    let expiry = facts(&["[0, 1767225600, 1767222000]"]).unwrap();
    assert_eq!(expiry.scope, PypiScope::Unrestricted);
    assert_eq!(expiry.expires_at, Some(1_767_225_600));
    assert_eq!(expiry.not_before, Some(1_767_222_000));
    let names = scope(&[r#"[1, ["proj-a", "proj-b"]]"#]);
    assert_eq!(names, PypiScope::Projects(strings(&["proj-a", "proj-b"])));
    let ids = scope(&[r#"[2, ["6f0c1c2e-4b7a-4e59-9a57-3c1f3f0e2a10"]]"#]);
    let id = "6f0c1c2e-4b7a-4e59-9a57-3c1f3f0e2a10";
    assert_eq!(ids, PypiScope::ProjectIds(strings(&[id])));
    assert_eq!(scope(&[r#"[3, "0d6a3b1c-user"]"#]), PypiScope::Account);
    assert_eq!(
        scope(&[r#"[4, "publisher-id"]"#]),
        PypiScope::TrustedPublisher
    );
    let with_claims = r#"[4, "publisher-id", {"repository": "o/r", "ref": "refs/tags/v1"}]"#;
    assert_eq!(scope(&[with_claims]), PypiScope::TrustedPublisher);
}

#[test]
fn reads_each_legacy_caveat() {
    assert_eq!(
        scope(&[r#"{"version": 1, "permissions": "user"}"#]),
        PypiScope::Account
    );
    let projects = r#"{"version": 1, "permissions": {"projects": ["a", "b"]}}"#;
    assert_eq!(
        scope(&[projects]),
        PypiScope::Projects(strings(&["a", "b"]))
    );
    let expiry = facts(&[r#"{"exp": 1700000000, "nbf": 1699990000}"#]).unwrap();
    assert_eq!(
        (expiry.expires_at, expiry.not_before),
        (Some(1_700_000_000), Some(1_699_990_000))
    );
    assert_eq!(
        scope(&[r#"{"project_ids": ["x1", "x2"]}"#]),
        PypiScope::ProjectIds(strings(&["x1", "x2"]))
    );
    // Forms warehouse does not adapt limit nothing.
    for odd in [
        r#"{"version": 2, "permissions": "user"}"#,
        r#"{"version": 1, "permissions": "everything"}"#,
        r#"{"version": 1}"#,
        r#"{"exp": 1700000000}"#,
    ] {
        assert_eq!(facts(&[odd]), facts(&[]), "{odd}");
    }
}

#[test]
fn combines_caveats_to_the_narrowest() {
    // A trusted publisher's token: publisher, project ids, a short expiry.
    let publisher = facts(&[
        r#"[4, "publisher-id"]"#,
        r#"[2, ["id-1"]]"#,
        "[0, 1767226500, 1767225600]",
    ])
    .unwrap();
    assert_eq!(publisher.scope, PypiScope::TrustedPublisher);
    assert_eq!(publisher.expires_at, Some(1_767_226_500));
    // Projects over the account, in either order; names over ids.
    let user_then_project = [r#"[3, "u"]"#, r#"[1, ["one"]]"#];
    assert_eq!(
        scope(&user_then_project),
        PypiScope::Projects(strings(&["one"]))
    );
    let project_then_user = [
        r#"[1, ["one"]]"#,
        r#"{"version": 1, "permissions": "user"}"#,
    ];
    assert_eq!(
        scope(&project_then_user),
        PypiScope::Projects(strings(&["one"]))
    );
    let ids_and_names = [r#"[1, ["one"]]"#, r#"[2, ["id-1"]]"#];
    assert_eq!(
        scope(&ids_and_names),
        PypiScope::Projects(strings(&["one"]))
    );
    // Two lists of one kind: only the names in both.
    let two = [r#"[1, ["a", "b", "c"]]"#, r#"[1, ["c", "a", "z"]]"#];
    assert_eq!(scope(&two), PypiScope::Projects(strings(&["a", "c"])));
    // Two expiries: the earliest end, the latest start.
    let both = facts(&[
        "[0, 2000, 100]",
        r#"{"exp": 1500, "nbf": 50}"#,
        "[0, 1800, 300]",
    ]);
    let both = both.unwrap();
    assert_eq!((both.expires_at, both.not_before), (Some(1500), Some(300)));
}

#[test]
fn caps_names_and_caveats() {
    let many: Vec<String> = (0..30).map(|i| format!("\"p{i}\"")).collect();
    let long = format!("\"{}\\u0000\\n\"", "n".repeat(500));
    let caveat = format!("[1, [{long}, {}]]", many.join(", "));
    let PypiScope::Projects(names) = scope(&[&caveat]) else {
        panic!("not project-scoped");
    };
    assert_eq!(names.len(), MAX_NAMES);
    assert_eq!(names[0], "n".repeat(MAX_NAME));
    assert_eq!(names[1], "p0");
    let at_cap = vec!["[0, 5, 1]"; MAX_CAVEATS];
    assert_eq!(facts(&at_cap).unwrap().expires_at, Some(5));
    let over = vec!["[0, 5, 1]"; MAX_CAVEATS + 1];
    assert_eq!(facts(&over), None);
}

#[test]
fn skips_what_it_cannot_read() {
    let skipped = [
        "not json",
        "[9, 1]",
        "[]",
        "\"a string\"",
        r#"[0, "soon", 1.5]"#,
        r#"[1, "proj-a"]"#,
        "[1, [2, 3]]",
        "[\"0\", 5, 1]",
        r#"[1, ["a""#,
    ];
    for caveat in skipped {
        let f = facts(&[caveat, "[0, 10, 1]"]).unwrap();
        assert_eq!(f.expires_at, Some(10), "{caveat}");
        assert!(
            matches!(f.scope, PypiScope::Unrestricted | PypiScope::Projects(_)),
            "{caveat}"
        );
    }
    assert_eq!(scope(&["[1, [2, 3]]"]), PypiScope::Projects(vec![]));
    // Bytes that are not UTF-8 are not JSON.
    let bad = macaroon(&[b"[3, \"\xff\xfe\"]", b"[1, [\"ok\"]]"]);
    assert_eq!(
        pypi(&token(&bad)).unwrap().scope,
        PypiScope::Projects(strings(&["ok"]))
    );
    // A third-party caveat (location, identifier, vid) is skipped.
    let mut m = vec![2];
    field(&mut m, IDENTIFIER, b"root");
    m.push(0);
    field(&mut m, LOCATION, b"https://third.party.test");
    field(&mut m, IDENTIFIER, br#"[3, "u"]"#);
    field(&mut m, VID, &[7; 48]);
    m.push(0);
    field(&mut m, IDENTIFIER, br#"[1, ["a"]]"#);
    m.extend([0, 0]);
    field(&mut m, SIGNATURE, &[1; 32]);
    assert_eq!(
        pypi(&token(&m)).unwrap().scope,
        PypiScope::Projects(strings(&["a"]))
    );
}

#[test]
fn malformed_macaroons_are_refused() {
    let good = macaroon(&[br#"[1, ["a"]]"#, b"[0, 10, 1]"]);
    assert!(pypi(&token(&good)).is_some());
    for end in 0..good.len() {
        assert_eq!(pypi(&token(&good[..end])), None, "cut at {end}");
    }
    let mut trailing = good.clone();
    trailing.push(0);
    let mut version = good.clone();
    version[0] = 1;
    let mut unknown_tag = vec![2];
    field(&mut unknown_tag, 3, b"x");
    let mut no_identifier = vec![2];
    field(&mut no_identifier, LOCATION, b"pypi.org");
    no_identifier.extend([0, 0]);
    field(&mut no_identifier, SIGNATURE, &[0; 32]);
    let mut reordered = vec![2];
    field(&mut reordered, IDENTIFIER, b"id");
    field(&mut reordered, LOCATION, b"pypi.org");
    let mut huge_len = vec![2, IDENTIFIER as u8];
    huge_len.extend([0xff; 9]);
    huge_len.push(0x01);
    let mut too_long_varint = vec![2, IDENTIFIER as u8];
    too_long_varint.extend([0x80; 10]);
    too_long_varint.push(0);
    let mut overflow = vec![2, IDENTIFIER as u8];
    overflow.extend([0xff; 9]);
    overflow.push(0x02);
    let unterminated = vec![2, IDENTIFIER as u8, 0x80];
    for bad in [
        trailing,
        version,
        unknown_tag,
        no_identifier,
        reordered,
        huge_len,
        too_long_varint,
        overflow,
        unterminated,
        vec![2, 0, 0, 0],
        vec![0xff; 64],
    ] {
        assert_eq!(pypi(&token(&bad)), None, "{bad:?}");
    }
}

#[test]
fn text_that_is_not_a_token_is_refused() {
    let good = token(&macaroon(&[]));
    let body = good.strip_prefix("pypi-").unwrap();
    for bad in [
        String::new(),
        "pypi-".to_string(),
        "pypi".to_string(),
        body.to_string(),
        format!("pypi-{body}!"),
        format!("pypi-{body}====="),
        format!("PYPI-{body}"),
        format!("pypi-{}", "A".repeat(1 << 20)),
        format!("pypi-{}", "é".repeat(1 << 19)),
        "pypi-AgE".to_string(),
    ] {
        assert_eq!(pypi(&bad), None, "{:.40}", bad);
    }
    assert!(pypi(&format!("  {good}\n")).is_some());
    // A caveat as big as the cap allows still decodes.
    let big = format!(r#"[1, ["{}"]]"#, "b".repeat(40_000));
    assert_eq!(
        scope(&[&big]),
        PypiScope::Projects(vec!["b".repeat(MAX_NAME)])
    );
}
