//! Baselines: fingerprints of accepted, known findings, read from any report leakscan
//! writes (a JSON array, JSON lines, or a SARIF log).
//!
//! A baseline can list millions of findings, so it is read without building a JSON tree (only
//! the fingerprints are taken as the parser goes) and kept compactly: a fingerprint leakscan
//! writes is 32 lower-case hex digits, stored as its 16 bytes in a sorted array. Any other
//! string (a hand-edited or foreign baseline) is kept as written, and matches as before.

use super::Suppressed;
use crate::finding::Finding;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::collections::HashSet;
use std::fmt;
use std::path::Path;

/// Fingerprints of accepted, known findings: a repository adopts the gate with its old leaks
/// listed here, and only new ones fail the build.
#[derive(Debug, Default)]
pub struct Baseline {
    /// Fingerprints of 32 lower-case hex digits, as bytes: sorted, without duplicates.
    hex: Vec<[u8; 16]>,
    /// Every other fingerprint, as written.
    other: HashSet<String>,
}

impl Baseline {
    /// Reads a baseline: the JSON array of `scan --format json` / `leakscan baseline`, JSON
    /// lines of `--format jsonl`, or a SARIF log of leakscan's.
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| {
            format!(
                "{} is not a valid baseline: {e}; write one with `leakscan baseline -o FILE` or `leakscan scan --format json -o FILE`",
                path.display()
            )
        })
    }

    pub fn parse(text: &str) -> Result<Baseline, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(Baseline::default());
        }
        let mut whole = Collect::default();
        let parsed = {
            let mut de = serde_json::Deserializer::from_str(trimmed);
            Seed(Document(&mut whole))
                .deserialize(&mut de)
                .and_then(|()| de.end())
        };
        let collected = match parsed {
            Ok(()) => whole,
            // Not one JSON document: JSON lines, each a finding.
            Err(whole_error) => {
                let mut lines = Collect::default();
                for (i, line) in trimmed.lines().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let mut de = serde_json::Deserializer::from_str(line);
                    let fp = Seed(FINDING)
                        .deserialize(&mut de)
                        .and_then(|fp| de.end().map(|()| fp))
                        .map_err(|_| whole_error.to_string())?;
                    match fp {
                        Some(fp) => lines.add(fp),
                        None => {
                            return Err(format!("line {} has no \"fingerprint\" string", i + 1))
                        }
                    }
                }
                lines
            }
        };
        collected.finish()
    }

    pub fn len(&self) -> usize {
        self.hex.len() + self.other.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when the baseline lists `fingerprint` (compared as a string).
    pub fn contains(&self, fingerprint: &str) -> bool {
        match parse_hex(fingerprint) {
            Some(bytes) => self.hex.binary_search(&bytes).is_ok(),
            None => self.other.contains(fingerprint),
        }
    }

    /// Drops findings the baseline knows, counting them. A finding also matches by the
    /// fingerprint a release before 0.2 gave it (see [`Finding::legacy_fingerprint`]).
    pub fn apply(&self, findings: &mut Vec<Finding>, counts: &mut Suppressed) {
        let before = findings.len();
        findings.retain(|f| {
            !self.contains(&f.fingerprint)
                && !f
                    .legacy_fingerprint
                    .as_ref()
                    .is_some_and(|old| self.contains(old))
        });
        counts.baseline += (before - findings.len()) as u64;
    }
}

/// The 16 bytes of a fingerprint of exactly 32 lower-case hex digits (what
/// [`crate::finding::fingerprint`] writes); `None` for any other string, which is then kept as
/// written so that it matches only itself, as before.
fn parse_hex(s: &str) -> Option<[u8; 16]> {
    let s = s.as_bytes();
    if s.len() != 32 {
        return None;
    }
    let digit = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    };
    let mut out = [0; 16];
    for (o, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        *o = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// A fingerprint as read: compact when it can be.
enum Fingerprint {
    Hex([u8; 16]),
    Other(String),
}

impl Fingerprint {
    fn new(s: &str) -> Fingerprint {
        parse_hex(s).map_or_else(|| Fingerprint::Other(s.to_string()), Fingerprint::Hex)
    }
}

/// What a parse gathers: the fingerprints, and the first thing wrong with the document's
/// shape (reported once the whole text is known to be JSON, as a tree parse would).
#[derive(Default)]
struct Collect {
    hex: Vec<[u8; 16]>,
    other: HashSet<String>,
    error: Option<String>,
}

impl Collect {
    fn add(&mut self, fp: Fingerprint) {
        match fp {
            Fingerprint::Hex(b) => self.hex.push(b),
            Fingerprint::Other(s) => {
                self.other.insert(s);
            }
        }
    }

    fn fail(&mut self, message: impl FnOnce() -> String) {
        if self.error.is_none() {
            self.error = Some(message());
        }
    }

    fn finish(self) -> Result<Baseline, String> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut hex = self.hex;
        hex.sort_unstable();
        hex.dedup();
        hex.shrink_to_fit();
        Ok(Baseline {
            hex,
            other: self.other,
        })
    }
}

/// A JSON value of a known role in a baseline, read as the parser goes (no tree is built):
/// objects go to `map`, arrays to `seq`, strings to `str`, and anything else, or an object or
/// array the role has no use for (skipped), to `other`.
trait Node: Sized {
    type Out;

    fn other(self) -> Self::Out;

    fn str(self, _: &str) -> Self::Out {
        self.other()
    }

    fn map<'de, A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Out, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(self.other())
    }

    fn seq<'de, A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Out, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(self.other())
    }
}

/// Reads one value of any type for a [`Node`].
struct Seed<N>(N);

impl<'de, N: Node> DeserializeSeed<'de> for Seed<N> {
    type Value = N::Out;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<N::Out, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, N: Node> Visitor<'de> for Seed<N> {
    type Value = N::Out;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<N::Out, E> {
        Ok(self.0.other())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<N::Out, E> {
        Ok(self.0.other())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<N::Out, E> {
        Ok(self.0.other())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<N::Out, E> {
        Ok(self.0.other())
    }

    fn visit_unit<E: de::Error>(self) -> Result<N::Out, E> {
        Ok(self.0.other())
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<N::Out, E> {
        Ok(self.0.str(s))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<N::Out, A::Error> {
        self.0.map(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<N::Out, A::Error> {
        self.0.seq(seq)
    }
}

/// An object key, read without copying it: its index in the names wanted, if there.
struct Key<'k>(&'k [&'k str]);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|&k| k == s))
    }
}

/// The whole document: an array of findings, a SARIF log (an object with `runs`), or one
/// finding.
struct Document<'c>(&'c mut Collect);

impl Node for Document<'_> {
    type Out = ();

    fn other(self) {
        self.0
            .fail(|| "expected a JSON array of findings".to_string());
    }

    fn seq<'de, A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut n = 0;
        while let Some(fp) = seq.next_element_seed(Seed(FINDING))? {
            n += 1;
            match fp {
                Some(fp) => self.0.add(fp),
                None => self
                    .0
                    .fail(|| format!("finding {n} has no \"fingerprint\" string")),
            }
        }
        Ok(())
    }

    fn map<'de, A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (mut sarif, mut single) = (false, None);
        while let Some(key) = map.next_key_seed(Key(&["runs", "fingerprint"]))? {
            match key {
                Some(0) => {
                    sarif = true;
                    map.next_value_seed(Seed(Runs(&mut *self.0)))?;
                }
                Some(_) => {
                    single = map.next_value_seed(Seed(FingerprintString { empty: false }))?
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !sarif {
            match single {
                Some(fp) => self.0.add(fp),
                None => self
                    .0
                    .fail(|| "the object has no \"fingerprint\" string".to_string()),
            }
        }
        Ok(())
    }
}

/// A finding: its `fingerprint`, a non-empty string.
const FINDING: InObject<FingerprintString> = InObject {
    key: "fingerprint",
    then: FingerprintString { empty: false },
};

/// A fingerprint's string (`empty`: an empty one counts).
#[derive(Clone, Copy)]
struct FingerprintString {
    empty: bool,
}

impl Node for FingerprintString {
    type Out = Option<Fingerprint>;

    fn other(self) -> Option<Fingerprint> {
        None
    }

    fn str(self, s: &str) -> Option<Fingerprint> {
        (self.empty || !s.is_empty()).then(|| Fingerprint::new(s))
    }
}

/// SARIF `runs`: an array of runs.
struct Runs<'c>(&'c mut Collect);

impl Node for Runs<'_> {
    type Out = ();

    fn other(self) {
        self.0.fail(|| "SARIF `runs` is not an array".to_string());
    }

    fn seq<'de, A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Seed(Run(&mut *self.0)))?.is_some() {}
        Ok(())
    }
}

/// A SARIF run: its `results`, when they are an array.
struct Run<'c>(&'c mut Collect);

impl Node for Run<'_> {
    type Out = ();

    fn other(self) {}

    fn map<'de, A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(Key(&["results"]))? {
            match key {
                Some(_) => map.next_value_seed(Seed(Results(&mut *self.0)))?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// SARIF results: each must carry `partialFingerprints."leakscan/v1"`.
struct Results<'c>(&'c mut Collect);

impl Node for Results<'_> {
    type Out = ();

    fn other(self) {}

    fn seq<'de, A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(fp) = seq.next_element_seed(Seed(InObject {
            key: "partialFingerprints",
            then: InObject {
                key: "leakscan/v1",
                then: FingerprintString { empty: true },
            },
        }))? {
            match fp {
                Some(fp) => self.0.add(fp),
                None => self.0.fail(|| {
                    "a SARIF result has no partialFingerprints.\"leakscan/v1\"".to_string()
                }),
            }
        }
        Ok(())
    }
}

/// The value at `key` of an object, read as `then` (the last, if the key repeats).
#[derive(Clone, Copy)]
struct InObject<N> {
    key: &'static str,
    then: N,
}

impl<N: Node<Out = Option<Fingerprint>> + Copy> Node for InObject<N> {
    type Out = Option<Fingerprint>;

    fn other(self) -> Option<Fingerprint> {
        None
    }

    fn map<'de, A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Fingerprint>, A::Error> {
        let mut fp = None;
        while let Some(key) = map.next_key_seed(Key(std::slice::from_ref(&self.key)))? {
            match key {
                Some(_) => fp = map.next_value_seed(Seed(self.then))?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(fp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_formats() {
        let b = Baseline::parse(r#"[{"fingerprint":"aa"},{"fingerprint":"bb"}]"#).expect("array");
        assert_eq!(b.len(), 2);
        let b =
            Baseline::parse("{\"fingerprint\":\"aa\"}\n{\"fingerprint\":\"cc\"}\n").expect("jsonl");
        assert_eq!(b.len(), 2);
        let b = Baseline::parse(
            r#"{"runs":[{"results":[{"partialFingerprints":{"leakscan/v1":"dd"}}]}]}"#,
        )
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
        let no_fp =
            |what: &str, i: usize| format!("{what} {} has no \"fingerprint\" string", i + 1);
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
            r#"[{"fingerprint":"AA"},{"fingerprint":"x\u00e9\n"},{"fingerprint":"Ab"}]"#
                .to_string(),
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
}
