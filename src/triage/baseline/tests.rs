//! Unit tests of baselines.

use super::*;

#[test]
fn baseline_formats() {
    let b = Baseline::parse(r#"[{"fingerprint":"aa"},{"fingerprint":"bb"}]"#).expect("array");
    assert_eq!(b.len(), 2);
    let b = Baseline::parse("{\"fingerprint\":\"aa\"}\n{\"fingerprint\":\"cc\"}\n").expect("jsonl");
    assert_eq!(b.len(), 2);
    let b =
        Baseline::parse(r#"{"runs":[{"results":[{"partialFingerprints":{"leakscan/v1":"dd"}}]}]}"#)
            .expect("sarif");
    assert_eq!(b.len(), 1);
    assert!(Baseline::parse("").expect("empty").is_empty());
}

/// The tree parse this module used before it read baselines as a stream: the fingerprint
/// strings and error messages it gave are the reference.
fn tree_parse(text: &str) -> Result<HashSet<String>, String> {
    use serde_json::Value;
    fn fingerprint_of(v: &Value) -> Option<&str> {
        v.get("fingerprint")?.as_str().filter(|s| !s.is_empty())
    }
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(HashSet::new());
    }
    let no_fp = |what: &str, i: usize| format!("{what} {} has no \"fingerprint\" string", i + 1);
    match serde_json::from_str::<Value>(trimmed) {
        Ok(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                fingerprint_of(v)
                    .map(str::to_string)
                    .ok_or_else(|| no_fp("finding", i))
            })
            .collect(),
        Ok(Value::Object(log)) if log.contains_key("runs") => {
            let runs = log["runs"]
                .as_array()
                .ok_or("SARIF `runs` is not an array")?;
            let mut out = HashSet::new();
            for run in runs {
                for r in run["results"].as_array().into_iter().flatten() {
                    let fp = r["partialFingerprints"]["leakscan/v1"]
                        .as_str()
                        .ok_or("a SARIF result has no partialFingerprints.\"leakscan/v1\"")?;
                    out.insert(fp.to_string());
                }
            }
            Ok(out)
        }
        Ok(v @ Value::Object(_)) => Ok(std::iter::once(
            fingerprint_of(&v)
                .ok_or("the object has no \"fingerprint\" string")?
                .to_string(),
        )
        .collect()),
        Ok(_) => Err("expected a JSON array of findings".to_string()),
        Err(whole) => trimmed
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                let v: Value = serde_json::from_str(l).map_err(|_| whole.to_string())?;
                fingerprint_of(&v)
                    .map(str::to_string)
                    .ok_or_else(|| no_fp("line", i))
            })
            .collect(),
    }
}

#[test]
fn stream_parse_gives_what_the_tree_parse_gave() {
    let fp = |n: u8| crate::finding::fingerprint("r", "p", &[n]);
    let (a, b) = (fp(1), fp(2));
    let cases = [
        format!(
            r#"[{{"fingerprint":"{a}"}},{{"rule":"x","fingerprint":"{b}","n":[1,{{"a":null}}]}}]"#
        ),
        format!(r#"[{{"fingerprint":"{a}"}},{{"fingerprint":"{a}"}}]"#),
        format!(r#"[{{"fingerprint":"{a}","fingerprint":"{b}"}}]"#),
        format!(r#"[{{"fingerprint":"{a}","fingerprint":7}}]"#),
        format!(r#"[{{"fingerprint":"{a}"}},{{"rule":"x"}},{{"fingerprint":""}}]"#),
        format!(r#"[{{"fingerprint":"{a}"}}, 42, "s"]"#),
        r#"[{"fingerprint":"AA"},{"fingerprint":"x\u00e9\n"},{"fingerprint":"Ab"}]"#.to_string(),
        format!("[{{\"fingerprint\":\"{}\"}}]", a.to_uppercase()),
        format!("[{{\"fingerprint\":\"{}\"}}]", &a[..31]),
        format!("[{{\"fingerprint\":\"{a}0\"}}]"),
        format!(r#"{{"fingerprint":"{a}","line":3}}"#),
        r#"{"rule":"x"}"#.to_string(),
        format!("{{\"fingerprint\":\"{a}\"}}\n\n{{\"fingerprint\":\"{b}\"}}\n"),
        format!("{{\"fingerprint\":\"{a}\"}}\n{{\"rule\":1}}\n"),
        format!("{{\"fingerprint\":\"{a}\"}}\n[1,2\n"),
        format!(
            r#"{{"version":"2.1.0","runs":[{{"tool":{{}},"results":[{{"partialFingerprints":{{"leakscan/v1":"{a}","other/v1":"z"}}}},{{"partialFingerprints":{{"leakscan/v1":""}}}}]}},{{"results":null}},7]}}"#
        ),
        r#"{"runs":[{"results":[{"ruleId":"x"}]}]}"#.to_string(),
        r#"{"runs":[{"results":[{"partialFingerprints":{"leakscan/v1":3}}]}]}"#.to_string(),
        r#"{"runs":{"results":[]}}"#.to_string(),
        format!(r#"{{"fingerprint":"{a}","runs":[]}}"#),
        "42".to_string(),
        "\"x\"".to_string(),
        "null".to_string(),
        "true".to_string(),
        "not json at all".to_string(),
        "[1, 2".to_string(),
        "  \n ".to_string(),
    ];
    for text in &cases {
        let want = tree_parse(text);
        let got = Baseline::parse(text).map(|b| {
            let mut all: HashSet<String> = b.other.clone();
            all.extend(
                b.hex
                    .iter()
                    .map(|h| h.iter().map(|x| format!("{x:02x}")).collect()),
            );
            assert_eq!(all.len(), b.len(), "{text}");
            all
        });
        assert_eq!(got, want, "{text}");
    }
}

#[test]
fn fingerprints_are_stored_compactly_and_match_as_strings() {
    let a = crate::finding::fingerprint("r", "p", b"s");
    let text = format!(
        r#"[{{"fingerprint":"{a}"}},{{"fingerprint":"{a}"}},{{"fingerprint":"{}"}},{{"fingerprint":"custom-id"}}]"#,
        a.to_uppercase()
    );
    let b = Baseline::parse(&text).expect("parses");
    assert_eq!((b.hex.len(), b.other.len(), b.len()), (1, 2, 3));
    assert!(b.contains(&a));
    assert!(b.contains("custom-id"));
    // Upper-case hex is not what leakscan writes: it matches only itself, as before.
    assert!(b.contains(&a.to_uppercase()));
    assert!(!b.contains(&crate::finding::fingerprint("r", "p", b"t")));
    assert!(!b.contains(&a[..31]));
    assert!(!b.contains(""));
}

#[test]
fn apply_matches_current_and_legacy_fingerprints() {
    use crate::engine::{validate, Engine, Scratch};
    let t = validate::make_crc32_token("ghp_", "StZsxnTSWsbCBpWUedoB6SJ95Ypuie");
    let engine = Engine::new(crate::rules::builtin().expect("built-in rules"));
    let m = engine
        .scan(format!("k = \"{t}\"\n").as_bytes(), &mut Scratch::default())
        .matches
        .pop()
        .expect("one match");
    let origin = crate::source::Origin::Staged { path: "a" };
    let base = super::super::label(&engine.rules()[m.rule], &m, &origin);
    let fp = |n: &[u8]| crate::finding::fingerprint("r", "p", n);
    let with = |current: String, legacy: Option<String>| {
        let mut f = base.clone();
        f.fingerprint = current;
        f.legacy_fingerprint = legacy;
        f
    };
    let baseline = Baseline::parse(&format!(
        r#"[{{"fingerprint":"{}"}},{{"fingerprint":"{}"}},{{"fingerprint":"legacy-x"}}]"#,
        fp(b"known"),
        fp(b"old")
    ))
    .expect("parses");
    let mut findings = vec![
        with(fp(b"known"), None),
        with(fp(b"new"), Some(fp(b"old"))),
        with(fp(b"new2"), Some("legacy-x".to_string())),
        with(fp(b"new3"), Some(fp(b"other"))),
        with(fp(b"new4"), None),
    ];
    let mut counts = Suppressed::default();
    baseline.apply(&mut findings, &mut counts);
    let left: Vec<_> = findings.iter().map(|f| f.fingerprint.clone()).collect();
    assert_eq!(left, [fp(b"new3"), fp(b"new4")]);
    assert_eq!(counts.baseline, 3);
}

#[test]
fn invalid_baselines_say_why() {
    let e = Baseline::parse(r#"[{"fingerprint":"aa"},{"rule":"x"}]"#).unwrap_err();
    assert!(e.contains("finding 2 has no"), "{e}");
    let e = Baseline::parse("not json at all").unwrap_err();
    assert!(e.contains("line 1 column 2"), "{e}");
    assert!(Baseline::parse("42").is_err());
}
