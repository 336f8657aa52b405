//! Token boundaries (issue 11, item 8): a token with a distinctive prefix or a checksum is
//! found wherever it touches a word character — after `%3D` or `%22` in URL-encoded text,
//! after a `\n` escape inside a JSON string, glued to a variable name (`MY_TOKEN_…`) or to a
//! suffix (`…_prod`) — while a wrong checksum, or a longer run of the token's alphabet, is
//! still not reported. Runs the real binary on generated fakes; no token literal is stored.

mod common;

#[allow(dead_code)]
#[path = "corpus/gen.rs"]
mod gen;

use common::{scan_json, str_field, Tree};
use gen::{CorpusRng, Rng, ALNUM, B64URL, BASE62, HEX, LETTERS};
use leakscan::engine::validate::make_crc32_token;
use serde_json::Value;
use std::collections::BTreeMap;

const BASE36: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
/// The bech32 alphabet in upper case, as age writes secret keys.
const BECH32: &[u8] = b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";

/// One token format under test.
struct Family {
    rule: &'static str,
    token: String,
    /// The same token with its checksum broken (checksummed formats only).
    broken: Option<String>,
    /// The format has a fixed length, so 5 more base62 characters make a longer run that
    /// is not this token.
    fixed: bool,
    /// `_` may follow the token (it is not in the alphabet of the token's last part).
    underscore_after: bool,
}

fn family(rule: &'static str, token: String) -> Family {
    Family {
        rule,
        token,
        broken: None,
        fixed: true,
        underscore_after: true,
    }
}

/// A checksummed token: its last character, which the checksum covers, is moved on by one
/// in `alphabet`, so the format still holds and only the checksum fails.
fn checksummed(rule: &'static str, token: String, alphabet: &[u8]) -> Family {
    let last = *token.as_bytes().last().expect("non-empty token");
    let at = alphabet
        .iter()
        .position(|&c| c == last)
        .expect("last character in the alphabet");
    let mut broken = token[..token.len() - 1].to_string();
    broken.push(char::from(alphabet[(at + 1) % alphabet.len()]));
    let broken = Some(broken);
    Family {
        broken,
        ..family(rule, token)
    }
}

/// The neighbours of issue 11, item 8, each around a token.
fn contexts(tok: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "urlenc",
            format!("GET /cb?state=1&t=%3D{tok}%26next=%2Fhome\n"),
        ),
        ("urlquote", format!("q=%7B%22token%22%3A%22{tok}%22%7D\n")),
        ("jsonnl", format!("{{\"log\": \"line1\\n{tok}\"}}\n")),
        ("varname", format!("MY_TOKEN_{tok}\n")),
        ("suffix", format!("{tok}_prod\n")),
    ]
}

/// Five base62 characters that make a fixed-length token a longer run.
fn five_more(r: &mut Rng) -> String {
    r.s(BASE62, 5)
}

fn families(r: &mut Rng) -> Vec<Family> {
    let mut v = Vec::new();
    for (rule, prefix) in [
        ("github-pat-classic", "ghp_"),
        ("github-oauth-token", "gho_"),
        ("github-app-user-token", "ghu_"),
        ("github-app-installation-token", "ghs_"),
        ("github-refresh-token", "ghr_"),
        ("npm-access-token", "npm_"),
    ] {
        v.push(checksummed(
            rule,
            make_crc32_token(prefix, &r.s(BASE62, 30)),
            BASE62,
        ));
    }
    let fine = format!("github_pat_{}_{}", r.s(ALNUM, 22), r.s(ALNUM, 59));
    v.push(family("github-pat-fine-grained", fine));
    for versioned in [true, false] {
        let t = gen::gitlab_routable(r, "glpat-", versioned);
        v.push(checksummed("gitlab-pat-routable", t, BASE36));
    }
    let t = gen::gitlab_routable(r, "gldt-", true);
    v.push(checksummed("gitlab-routable-token", t, BASE36));
    let bot = format!("xoxb-{}-{}-{}", r.digits(12), r.digits(13), r.s(ALNUM, 24));
    v.push(Family {
        fixed: false,
        ..family("slack-bot-token", bot)
    });
    let user = format!(
        "xoxp-{}-{}-{}-{}",
        r.digits(12),
        r.digits(12),
        r.digits(13),
        r.s(HEX, 32)
    );
    v.push(Family {
        fixed: false,
        ..family("slack-user-token", user)
    });
    v.push(Family {
        fixed: false,
        ..family("stripe-secret-key", format!("sk_live_{}", r.s(ALNUM, 24)))
    });
    v.push(family(
        "huggingface-token",
        format!("hf_{}", r.s(LETTERS, 34)),
    ));
    let oai = format!("sk-{}T3BlbkFJ{}", r.s(ALNUM, 20), r.s(ALNUM, 20));
    v.push(family("openai-api-key-legacy", oai));
    v.push(checksummed("age-secret-key", gen::age_key(r), BECH32));
    v.push(checksummed(
        "atlassian-api-token",
        gen::atlassian(r, "ATATT3xFfGF0"),
        b"0123456789ABCDEF",
    ));
    // Formats whose alphabet holds `_`: a `_` after them continues the run.
    let ant = format!("sk-ant-api03-{}AA", r.s(B64URL, 93));
    v.push(Family {
        underscore_after: false,
        ..family("anthropic-api-key", ant)
    });
    v.push(Family {
        fixed: false,
        underscore_after: false,
        ..family("pypi-upload-token", gen::pypi(r))
    });
    v
}

/// Findings of one scan, by path.
fn scan_by_path(tree: &Tree) -> BTreeMap<String, Vec<Value>> {
    let (code, findings, stderr) = scan_json(tree.path(), &[]);
    assert!(matches!(code, 0 | 1), "leakscan failed ({code}): {stderr}");
    let mut by_path: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for f in findings {
        by_path.entry(str_field(&f, "path")).or_default().push(f);
    }
    by_path
}

fn describe(findings: &[Value]) -> Vec<(String, String)> {
    findings
        .iter()
        .map(|f| (str_field(f, "rule_id"), str_field(f, "secret")))
        .collect()
}

#[test]
fn tokens_touching_word_characters_are_found_exactly() {
    let mut r = Rng::new(0xb0_0da7);
    let fams = families(&mut r);
    let tree = Tree::new();
    let mut expected = Vec::new();
    for (i, f) in fams.iter().enumerate() {
        for (ctx, text) in contexts(&f.token) {
            if ctx == "suffix" && !f.underscore_after {
                continue;
            }
            let path = format!("f{i:02}-{}-{ctx}.txt", f.rule);
            tree.write(&path, text);
            expected.push((path, f.rule, f.token.clone()));
        }
    }
    let by_path = scan_by_path(&tree);
    let mut failures = Vec::new();
    for (path, rule, token) in &expected {
        let got = by_path.get(path).map(Vec::as_slice).unwrap_or(&[]);
        let want = vec![(rule.to_string(), token.clone())];
        if describe(got) != want {
            failures.push(format!("{path}: found {:?}", describe(got)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} placements not found exactly once:\n{}",
        failures.len(),
        expected.len(),
        failures.join("\n")
    );
}

#[test]
fn wrong_checksums_and_longer_runs_are_not_reported() {
    let mut r = Rng::new(0x10_96e5);
    let fams = families(&mut r);
    let tree = Tree::new();
    let mut planted = Vec::new();
    for (i, f) in fams.iter().enumerate() {
        let mut variants = Vec::new();
        if let Some(b) = &f.broken {
            variants.push(("badsum", b.clone()));
        }
        if f.fixed {
            variants.push(("long", format!("{}{}", f.token, five_more(&mut r))));
        }
        for (what, tok) in variants {
            for (ctx, text) in contexts(&tok) {
                let path = format!("f{i:02}-{}-{what}-{ctx}.txt", f.rule);
                tree.write(&path, text);
                planted.push(path);
            }
        }
    }
    assert!(planted.len() > 100, "{} placements", planted.len());
    let by_path = scan_by_path(&tree);
    let reported: Vec<String> = planted
        .iter()
        .filter_map(|p| by_path.get(p).map(|f| format!("{p}: {:?}", describe(f))))
        .collect();
    assert!(
        reported.is_empty(),
        "{} of {} placements reported:\n{}",
        reported.len(),
        planted.len(),
        reported.join("\n")
    );
}

#[test]
fn neighbouring_tokens_one_separator_apart_are_all_found() {
    let mut r = Rng::new(0x2_70c5);
    let a = families(&mut r);
    let b = families(&mut r);
    let tree = Tree::new();
    let mut expected = Vec::new();
    for (i, (fa, fb)) in a.iter().zip(&b).enumerate() {
        let (x, y) = (&fa.token, &fb.token);
        for (sep, text) in [
            ("space", format!("{x} {y}\n")),
            ("comma", format!("[{x},{y}]\n")),
            ("jsonnl", format!("\"{x}\\n{y}\"\n")),
            ("urlenc", format!("a={x}%26b%3D{y}\n")),
            ("urlamp", format!("t={x}%26{y}\n")),
        ] {
            let path = format!("f{i:02}-{}-{sep}.txt", fa.rule);
            tree.write(&path, text);
            expected.push((path, fa.rule, [x.clone(), y.clone()]));
        }
    }
    let by_path = scan_by_path(&tree);
    let mut failures = Vec::new();
    for (path, rule, [x, y]) in &expected {
        let got = by_path.get(path).map(Vec::as_slice).unwrap_or(&[]);
        let want = vec![(rule.to_string(), x.clone()), (rule.to_string(), y.clone())];
        let mut have = describe(got);
        have.sort_by_key(|(_, s)| (s != x, s.clone()));
        if have != want {
            failures.push(format!("{path}: found {have:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} pairs not both found:\n{}",
        failures.len(),
        expected.len(),
        failures.join("\n")
    );
}

#[test]
fn classic_gitlab_tokens_touching_word_characters_before_them_are_found() {
    // glpat- + 20 characters of [0-9A-Za-z_-]: a `_` or `-` after it continues the run (and
    // begins one in every 64 routable glpat- tokens), so only the leading side is relaxed.
    let mut r = Rng::new(0x91_a7);
    const GLB: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ123456789";
    let tree = Tree::new();
    let mut expected = Vec::new();
    let mut rejected = Vec::new();
    for i in 0..4 {
        let tok = format!("glpat-{}", r.s(GLB, 20));
        for (ctx, text) in contexts(&tok) {
            let path = format!("t{i}-{ctx}.txt");
            tree.write(&path, text);
            if ctx == "suffix" {
                rejected.push(path);
            } else {
                expected.push((path, tok.clone()));
            }
        }
        let long = format!("{tok}{}", five_more(&mut r));
        for (ctx, text) in contexts(&long) {
            let path = format!("t{i}-long-{ctx}.txt");
            tree.write(&path, text);
            rejected.push(path);
        }
    }
    let by_path = scan_by_path(&tree);
    let mut failures = Vec::new();
    for (path, tok) in &expected {
        let got = by_path.get(path).map(Vec::as_slice).unwrap_or(&[]);
        if describe(got) != vec![("gitlab-pat".to_string(), tok.clone())] {
            failures.push(format!("{path}: found {:?}", describe(got)));
        }
    }
    for path in &rejected {
        if let Some(got) = by_path.get(path) {
            failures.push(format!("{path}: reported {:?}", describe(got)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn word_tails_are_not_token_starts_for_short_prefixes() {
    // `sk_live_`, `rk_live_`, `sk_test_` and `hf_` can end an ordinary word (`task_live_…`,
    // `network_live_…`, `disk_test_…`); a letter or digit right before them still rules the
    // match out, where `_`, `%XX` and `\n` do not.
    let mut r = Rng::new(0x7a_11);
    let tree = Tree::new();
    let mut planted = Vec::new();
    for (i, word) in [
        "task_live_",
        "network_live_",
        "disk_test_",
        "work_test_",
        "chf_",
    ]
    .iter()
    .enumerate()
    {
        let tail = if word.ends_with("hf_") {
            r.s(LETTERS, 34)
        } else {
            r.s(ALNUM, 30)
        };
        let path = format!("w{i}.txt");
        tree.write(&path, format!("call({word}{tail})\n"));
        planted.push(path);
    }
    let by_path = scan_by_path(&tree);
    let reported: Vec<String> = planted
        .iter()
        .filter_map(|p| by_path.get(p).map(|f| format!("{p}: {:?}", describe(f))))
        .collect();
    assert!(reported.is_empty(), "{}", reported.join("\n"));
}
