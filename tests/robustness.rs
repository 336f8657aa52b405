//! No panic on any input: seeded random and mutated inputs through the default engine (spans
//! in bounds, lines and columns consistent) and through the rule and config loaders (errors,
//! never panics). A stand-in for the fuzz targets, cheap enough for every `cargo test`.

use leakscan::config::Config;
use leakscan::engine::{validate::make_crc32_token, Engine, Scratch};
use leakscan::rules::{self, LoadPolicy};
use leakscan::testing::Rng;

/// Pieces that steer random input into the rules' keywords and regexes.
const PIECES: &[&str] = &[
    "ghp_",
    "github_pat_",
    "glpat-",
    "npm_",
    "AKIA",
    "xoxb-",
    "-----BEGIN ",
    "PRIVATE KEY-----",
    "-----END ",
    "password",
    "token",
    " = \"",
    "\"",
    "\n",
    "\r\n",
    "https://",
    "u:p@",
    "eyJ",
    "${",
    "}",
    "sk_live_",
    "AIza",
    "SG.",
    "hf_",
    "pypi-AgEIcHlwaS5vcmc",
    "Q~",
    "\\n",
    "\0",
    "\u{e9}",
    "\u{1F600}",
    "leakscan:allow",
];

fn random_blob(rng: &mut Rng) -> Vec<u8> {
    let mut v = Vec::new();
    for _ in 0..rng.below(60) {
        match rng.below(4) {
            0 => v.extend_from_slice(rng.pick(PIECES).as_bytes()),
            1 => {
                let n = rng.below(50);
                v.extend_from_slice(rng.string(b"AZaz09+/=_-.~", n).as_bytes());
            }
            2 => {
                let n = rng.below(20);
                v.extend(rng.bytes(n));
            }
            _ => v.extend_from_slice(make_crc32_token("ghp_", &rng.base62(30)).as_bytes()),
        }
    }
    v
}

#[test]
fn engine_survives_random_input_with_spans_in_bounds() {
    let engine = Engine::new(rules::builtin().expect("built-in rules"));
    let mut scratch = Scratch::default();
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    let mut found = 0;
    for _ in 0..3000 {
        let blob = random_blob(&mut rng);
        for f in engine.scan(&blob, &mut scratch).matches {
            found += 1;
            assert!(f.start < f.end && f.end <= blob.len(), "{f:?}");
            assert_eq!(f.secret, String::from_utf8_lossy(&blob[f.start..f.end]));
            assert!(
                f.line >= 1 && f.column >= 1 && (f.end_line, f.end_column) > (f.line, f.column)
            );
            let line_start = blob[..f.start]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            assert_eq!(f.column, f.start - line_start + 1);
            assert_eq!(
                f.line,
                blob[..f.start].iter().filter(|&&b| b == b'\n').count() + 1
            );
        }
    }
    assert!(
        found > 100,
        "the generator must reach the rules ({found} findings)"
    );
}

#[test]
fn loaders_return_errors_not_panics_on_mutated_toml() {
    let (_, rule_text) = rules::BUILTIN_RULE_FILES[0];
    let config_text = "disabled_rules = [\"npm-access-token\"]\n[allowlist]\npaths = [\"a/\"]\nregexes = ['^x']\nstopwords = [\"s\"]\n[limits]\nmax_file_size = 10\n";
    let policy = LoadPolicy {
        eager: true,
        require_examples: true,
        trusted: false,
    };
    let mut rng = Rng::new(0x1234_5678_9abc_def1);
    let mut errors = 0;
    for i in 0..600 {
        let base = if i % 2 == 0 { rule_text } else { config_text };
        let mut bytes = base.as_bytes().to_vec();
        for _ in 0..1 + rng.below(4) {
            // Any offset of a non-empty text; 0 once a mutation has emptied it.
            let at = rng.below(bytes.len().max(1));
            match rng.below(3) {
                0 if !bytes.is_empty() => {
                    bytes.remove(at);
                }
                1 => bytes.insert(at, *rng.pick(b"[]{}=\"'\\,\n#(?P<x>)*+a0")),
                _ => bytes.truncate(at),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let result = if i % 2 == 0 {
            rules::parse_rule_file("mutated.toml", &text, policy).map(|_| ())
        } else {
            Config::parse("mutated.toml", &text).map(|_| ())
        };
        if let Err(e) = result {
            errors += 1;
            assert!(e.line >= 1 && e.column >= 1, "{e}");
            assert!(e.to_string().starts_with("mutated.toml:"), "{e}");
        }
    }
    assert!(errors > 100, "mutations must produce errors ({errors})");
}
