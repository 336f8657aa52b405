//! Fuzz inputs as tests, on stable and without cargo-fuzz: every saved crash input
//! `tests/fuzz_regressions/<target>-<name>.bin` (minimised) and every seed in
//! `fuzz/seeds/<target>/` goes through the same check as its fuzz target. The checks are the
//! fuzz crate's own (`fuzz/src/lib.rs`, included here by path), so a crash found by fuzzing
//! becomes a test of the main crate.
//!
//! `regenerate_seeds` (ignored) rewrites `fuzz/seeds/` and `fuzz/dicts/engine.dict`:
//! `cargo test --test fuzz_regressions -- --ignored regenerate_seeds`.

#[path = "../fuzz/src/lib.rs"]
mod checks;

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

const TARGETS: &[&str] = &[
    "engine",
    "config",
    "baseline",
    "prefilter",
    "decode",
    "facts",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `bytes` through the check of `target`, as the fuzz target does.
fn check(target: &str, bytes: &[u8]) {
    match target {
        "engine" => checks::check_engine(bytes),
        "config" => checks::check_config(&String::from_utf8_lossy(bytes)),
        "baseline" => checks::check_baseline(&String::from_utf8_lossy(bytes)),
        "prefilter" => checks::check_prefilter(bytes),
        "decode" => checks::check_decode(bytes),
        "facts" => checks::check_facts(bytes),
        _ => panic!("no fuzz target {target:?} (known: {TARGETS:?})"),
    }
}

/// Checks every input, and fails naming each one whose check panicked.
fn check_all(inputs: &[(String, PathBuf)]) {
    let failed: Vec<String> = inputs
        .iter()
        .filter(|(target, path)| {
            let bytes = fs::read(path).expect("read input");
            catch_unwind(AssertUnwindSafe(|| check(target, &bytes))).is_err()
        })
        .map(|(target, path)| format!("{target}: {}", path.display()))
        .collect();
    assert!(failed.is_empty(), "checks failed on: {failed:#?}");
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.expect("read dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

#[test]
fn saved_crash_inputs_pass_their_checks() {
    let inputs: Vec<(String, PathBuf)> = files(&root().join("tests/fuzz_regressions"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let target = name.split_once('-').map_or("", |(t, _)| t).to_string();
            assert!(
                TARGETS.contains(&target.as_str()),
                "{name}: name it <target>-<short>.bin, target one of {TARGETS:?}"
            );
            (target, p)
        })
        .collect();
    check_all(&inputs);
}

#[test]
fn seeds_pass_their_checks() {
    let mut inputs = Vec::new();
    for target in TARGETS {
        let seeds = files(&root().join("fuzz/seeds").join(target));
        assert!(!seeds.is_empty(), "fuzz/seeds/{target}/ has no seeds");
        inputs.extend(seeds.into_iter().map(|p| (target.to_string(), p)));
    }
    check_all(&inputs);
}

/// Found by the `config` target: for a control character in a TOML comment the `toml` crate's
/// error has an empty message, and leakscan reported `.leakscan.toml:1:2: ` with no reason.
#[test]
fn config_errors_say_what_is_wrong() {
    let text = fs::read(root().join("tests/fuzz_regressions/config-comment-control-char.bin"))
        .expect("saved input");
    let text = String::from_utf8_lossy(&text);
    let e = leakscan::config::Config::parse("c.toml", &text).unwrap_err();
    assert!(!e.message.trim().is_empty(), "config error {e:?}");
    let policy = leakscan::rules::LoadPolicy {
        eager: true,
        require_examples: true,
        trusted: false,
    };
    let e = leakscan::rules::parse_rule_file("r.toml", &text, policy).unwrap_err();
    assert!(!e.message.trim().is_empty(), "rule file error {e:?}");
}

/// Writes the seed corpus and the engine's dictionary. Every token in them is a fake made
/// with `make_crc32_token`; nothing else in them has the shape of a credential.
#[test]
#[ignore = "writes fuzz/seeds/ and fuzz/dicts/engine.dict; run by hand to regenerate them"]
fn regenerate_seeds() {
    use leakscan::engine::validate::make_crc32_token;
    use leakscan::engine::{Engine, Scratch};
    use leakscan::report::{self, Format, Options};

    let seeds = root().join("fuzz/seeds");
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = seeds.join(target);
        fs::create_dir_all(&dir).expect("seed dir");
        fs::write(dir.join(name), bytes).expect("write seed");
    };
    for target in TARGETS {
        let _ = fs::remove_dir_all(seeds.join(target));
    }
    // 30 base62 characters from a seeded xorshift: random-looking, like a real payload.
    let payload = |n: u64| -> String {
        const A: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xF022_5EED_0000_0000;
        (0..30)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                A[(x % 62) as usize] as char
            })
            .collect()
    };
    let ghp = make_crc32_token("ghp_", &payload(1));
    let npm = make_crc32_token("npm_", &payload(2));
    let gho = make_crc32_token("gho_", &payload(3));
    let mut broken = ghp.clone();
    broken.pop();
    broken.push(if ghp.ends_with('A') { 'B' } else { 'A' });

    // engine: tokens in context, an inline allow, a broken checksum, Latin-1 and CRLF.
    let blobs: Vec<(&str, Vec<u8>)> = vec![
        (
            "github-token.py",
            format!("GITHUB_TOKEN = \"{ghp}\"\n").into_bytes(),
        ),
        (
            "npmrc",
            format!("//registry.npmjs.org/:_authToken={npm}\n").into_bytes(),
        ),
        (
            "url.txt",
            format!("git clone https://x-access-token:{gho}@github.com/acme/app.git\n")
                .into_bytes(),
        ),
        (
            "inline-allow.txt",
            format!("key = \"{ghp}\" # leakscan:allow\n").into_bytes(),
        ),
        (
            "broken-checksum.txt",
            format!("OLD_TOKEN = \"{broken}\"\n").into_bytes(),
        ),
        ("latin1-crlf.txt", {
            let mut b = b"caf\xe9 = \"".to_vec();
            b.extend_from_slice(ghp.as_bytes());
            b.extend_from_slice(b"\"\r\nnext = ${DB_PASSWORD}\r\n");
            b
        }),
        ("token-at-end.txt", ghp.clone().into_bytes()),
        (
            "placeholders.env",
            b"password = \"changeme\"\napi_key=${API_KEY}\ntoken: <your-token-here>\n\
              -----BEGIN OPENSSH PRIVATE KEY-----\n...\n-----END OPENSSH PRIVATE KEY-----\n"
                .to_vec(),
        ),
    ];
    for (name, bytes) in &blobs {
        write("engine", name, bytes);
    }

    // config: the repository's own, every section, custom rules, and errors the loader names.
    let own = fs::read(root().join(".leakscan.toml")).expect(".leakscan.toml");
    write("config", "leakscan.toml", &own);
    let acme = make_crc32_token("acme_", &payload(4));
    let rule = format!(
        "[[rule]]\nid = \"acme.api-key\"\nname = \"Acme API key\"\nprovider = \"Acme\"\n\
         keywords = [\"acme_\"]\nregex = '''\\b(?P<secret>acme_[0-9A-Za-z]{{36}})\\b'''\n\
         entropy = 3.5\nvalidator = \"crc32-base62\"\nseverity = \"high\"\nconfidence = \"high\"\n\
         remediation = \"Revoke it, then load the new key from the environment.\"\n\
         references = [\"https://acme.example/docs/api-keys\"]\n\
         examples = ['ACME_KEY = \"{acme}\"']\nnegative_examples = [\"acme_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"]\n"
    );
    let full = format!(
        "disabled_rules = [\"slack-user-token\", \"acme.api-key\"]\n\n[allowlist]\n\
         paths = [\"fixtures/**\", \"*.lock\", \"/docs/\", \"./a/b\"]\n\
         regexes = ['''^AKIA[A-Z2-7]{{12}}TEST$''']\nstopwords = [\"notasecret\"]\n\n\
         [limits]\nmax_file_size = 10_000_000\n\n{rule}\n# the rule's example: {acme}\n"
    );
    write("config", "full.toml", full.as_bytes());
    write("config", "rule-file.toml", rule.as_bytes());
    let custom = format!("[allowlist]\nstopwords = [\"example\"]\n\n{rule}");
    write("config", "custom-rule.toml", custom.as_bytes());
    let lowercase = "[[rule]]\nid = \"x_lower\"\nname = \"Lower\"\nkeywords = [\"secret_key\"]\n\
                     no_keywords_reason = \"\"\nlowercase = true\n\
                     regex = '''secret_key\\s*=\\s*\"(?P<secret>[a-z0-9]{8,})\"'''\n\
                     severity = \"low\"\nconfidence = \"low\"\nremediation = \"r\"\n\
                     examples = ['SECRET_KEY = \"q7w8e9r0t1y2\"'] # leakscan:allow (fake)\n";
    write("config", "lowercase-rule.toml", lowercase.as_bytes());
    let errors: &[(&str, &str)] = &[
        ("unknown-disabled.toml", "\ndisabled_rules = [\"nope\"]\n"),
        ("empty-glob.toml", "[allowlist]\npaths = [\"\"]\n"),
        ("bad-regex.toml", "[allowlist]\nregexes = ['(']\n"),
        ("unknown-field.toml", "[allowlist]\npath = []\n"),
        (
            "no-secret-group.toml",
            "[[rule]]\nid = \"t\"\nname = \"T\"\nkeywords = [\"t_\"]\nregex = 't_[a-z]{8}'\n\
             severity = \"high\"\nconfidence = \"high\"\nremediation = \"r\"\nexamples = [\"t_abcdefgh\"]\n",
        ),
        (
            "bad-validator.toml",
            "[[rule]]\nid = \"t\"\nname = \"T\"\nkeywords = [\"t_\"]\nregex = '(?P<secret>t_[a-z]{8})'\n\
             validator = \"nope\"\nentropy = 9.5\nseverity = \"high\"\nconfidence = \"high\"\n\
             remediation = \"r\"\nexamples = [\"t_abcdefgh\"]\n",
        ),
        ("unicode.toml", "# caf\u{e9} \u{1F600}\n[allowlist]\nstopwords = [\"\u{e9}t\u{e9}\"]\n"),
    ];
    for (name, text) in errors {
        write("config", name, text.as_bytes());
    }

    // baseline: what leakscan writes (json, jsonl, sarif; redacted), and hand-made variants.
    let engine = Engine::new(leakscan::rules::builtin().expect("built-in rules"));
    let text = format!("a = \"{ghp}\"\nb = \"{npm}\"\n");
    let origin = leakscan::source::Origin::File {
        path: "app/config.py",
        legacy: None,
    };
    let findings: Vec<_> = engine
        .scan(text.as_bytes(), &mut Scratch::default())
        .matches
        .iter()
        .map(|m| leakscan::triage::label(&engine.rules()[m.rule], m, &origin))
        .collect();
    assert_eq!(findings.len(), 2, "both fake tokens are found");
    for (name, format) in [
        ("baseline.json", Format::Json),
        ("baseline.jsonl", Format::Jsonl),
        ("baseline.sarif", Format::Sarif),
    ] {
        let mut out = Vec::new();
        report::write(&mut out, format, &findings, Options::default(), &mut |_| {})
            .expect("write report");
        assert!(!String::from_utf8_lossy(&out).contains(&ghp), "redacted");
        write("baseline", name, &out);
    }
    let fp = &findings[0].fingerprint;
    let hand: &[(&str, String)] = &[
        ("object.json", format!("{{\"fingerprint\":\"{fp}\"}}")),
        ("empty-array.json", "[]".to_string()),
        ("blank.txt", " \n\t\n".to_string()),
        (
            "missing.json",
            "[{\"fingerprint\":\"aa\"},{\"rule\":\"x\"}]".to_string(),
        ),
        (
            "sarif-min.json",
            "{\"runs\":[{\"results\":[{\"partialFingerprints\":{\"leakscan/v1\":\"dd\"}}]}]}"
                .to_string(),
        ),
        (
            "jsonl-gap.jsonl",
            format!("{{\"fingerprint\":\"{fp}\"}}\n\n{{\"fingerprint\":\"cc\"}}\n"),
        ),
    ];
    for (name, text) in hand {
        write("baseline", name, text.as_bytes());
    }

    // prefilter: [rules byte][(rule byte, keyword) pieces split by 0x01] 0x00 [haystack].
    let spec = |rules: u8, kws: &[(u8, &str)], hay: &[u8]| {
        let mut v = vec![rules];
        for (i, (r, k)) in kws.iter().enumerate() {
            if i > 0 {
                v.push(1);
            }
            v.push(*r);
            v.extend_from_slice(k.as_bytes());
        }
        v.push(0);
        v.extend_from_slice(hay);
        v
    };
    let three: Vec<String> = (0..40).map(|i| format!("k{:02}", i)).collect();
    let three_kws: Vec<(u8, &str)> = three.iter().map(|k| (0u8, k.as_str())).collect();
    let prefilter: Vec<(&str, Vec<u8>)> = vec![
        (
            "builtin-like",
            spec(
                3,
                &[(0, "ghp_"), (1, "password"), (1, "ghp_"), (2, "xoxb-")],
                b"my PASSWORD is in GHP_ and xOxB-... ghp",
            ),
        ),
        (
            "short-and-odd",
            spec(
                6,
                &[
                    (0, "q~"),
                    (0, "x"),
                    (1, "abc"),
                    (1, "abcd"),
                    (2, "cde"),
                    (3, "\u{e9}t\u{e9}"),
                ],
                "zzzzzzzABCzzQ~zz\u{c9}T\u{c9} \u{e9}t\u{e9}abcde".as_bytes(),
            ),
        ),
        ("empty-keyword", spec(2, &[(0, ""), (1, "abcd")], b"xxABCD")),
        (
            "dfa-tiny",
            spec(
                4,
                &[
                    (0, "y"),
                    (1, "z"),
                    (2, "@@"),
                    (3, "-"),
                    (0, "q~"),
                    (1, "long-keyword"),
                ],
                b"...@@...LONG-KEYWORD...",
            ),
        ),
        ("dfa-bitmap", spec(2, &three_kws, b"__K07__k39k4")),
    ];
    for (name, bytes) in &prefilter {
        write("prefilter", name, bytes);
    }

    // decode: each encoding and archive format once, with a token inside.
    let b64 = |b: &[u8]| leakscan::testing::base64(b, false, true);
    let env = format!("GITHUB_TOKEN={ghp}\n");
    let zip = {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file("config/.env", opts).expect("zip member");
        w.write_all(env.as_bytes()).expect("zip write");
        w.finish().expect("zip").into_inner()
    };
    let tgz = {
        use std::io::Write;
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(env.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, "app/.env", env.as_bytes())
            .expect("tar");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&b.into_inner().expect("tar")).expect("gzip");
        gz.finish().expect("gzip")
    };
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(
        format!("$t = \"{npm}\"\r\n")
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    let escaped: String = gho
        .chars()
        .map(|c| {
            if c == 'g' {
                "\\u0067".to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    let decode: Vec<(&str, Vec<u8>)> = vec![
        (
            "secret.yaml",
            format!("data:\n  token: {}\n", b64(ghp.as_bytes())).into_bytes(),
        ),
        (
            "config.json",
            format!(
                "{{\"auth\": \"{}\"}}\n",
                b64(format!("ci:{npm}").as_bytes())
            )
            .into_bytes(),
        ),
        (
            "package.json",
            format!("{{\"token\": \"{escaped}\"}}\n").into_bytes(),
        ),
        (
            "url.txt",
            format!("https://ci:{}@example.com/\n", gho.replace('_', "%5F")).into_bytes(),
        ),
        ("script.ps1", utf16),
        ("bundle.zip", zip),
        ("app.tgz", tgz),
    ];
    for (name, bytes) in &decode {
        write("decode", name, bytes);
    }

    // Token facts: a JWT, a PyPI macaroon with current and legacy caveats, a SAS query, an
    // AWS key id, and a provider's answer (two status bytes, then the body).
    let url64 = |b: &[u8]| leakscan::testing::base64(b, true, false);
    let jwt = format!(
        "{}.{}.{}",
        url64(br#"{"alg":"HS256"}"#),
        url64(br#"{"exp":1600000000,"iss":"https://issuer.test","role":"service_role"}"#),
        url64(&[7; 32])
    );
    let macaroon = leakscan::testing::pypi_macaroon(&[
        br#"[0,1700000000,1690000000]"#,
        br#"[1,["sample"]]"#,
        br#"{"version": 1, "permissions": "user"}"#,
    ]);
    let facts: Vec<(&str, Vec<u8>)> = vec![
        ("jwt.txt", jwt.into_bytes()),
        ("pypi.txt", format!("pypi-{}", url64(&macaroon)).into_bytes()),
        (
            "sas.txt",
            b"sv=2022-11-02&ss=b&srt=co&sp=rwdl&se=2026-01-01T00:00:00Z&st=2025-12-01T00%3A00Z&si=p&sig=c2ln".to_vec(),
        ),
        ("aws.txt", format!("{}{}", "AKIA", "QYLPMN5HQ3K7WZ2R").into_bytes()),
        (
            "answer.bin",
            [&[100u8, 0][..], br#"{"login":"octocat","ok":true,"scopes":["a"],"auth":{"accessToken":{"role":"read"}}}"#].concat(),
        ),
    ];
    for (name, bytes) in &facts {
        write("facts", name, bytes);
    }

    // The engine's dictionary: every built-in keyword, so that libFuzzer plants them.
    let mut keywords: Vec<String> = engine
        .rules()
        .iter()
        .flat_map(|r| r.keywords.iter().cloned())
        .collect();
    keywords.sort();
    keywords.dedup();
    let mut dict = String::from(
        "# Every built-in rule's keyword (written by tests/fuzz_regressions.rs, regenerate_seeds).\n",
    );
    for (i, k) in keywords.iter().enumerate() {
        // libFuzzer's dictionary syntax: only \\, \" and \xNN escapes.
        let escaped: String = k
            .bytes()
            .map(|b| match b {
                b'\\' | b'"' => format!("\\{}", b as char),
                0x20..=0x7e => (b as char).to_string(),
                _ => format!("\\x{b:02X}"),
            })
            .collect();
        dict.push_str(&format!("kw{i}=\"{escaped}\"\n"));
    }
    dict.push_str("allow=\"leakscan:allow\"\n");
    fs::create_dir_all(root().join("fuzz/dicts")).expect("dict dir");
    fs::write(root().join("fuzz/dicts/engine.dict"), dict).expect("write dict");
}
