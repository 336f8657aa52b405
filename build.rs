//! Embeds every `rules/*.toml` into the binary, so the built-in rule set is the rule files
//! themselves and adding a file needs no code change.
//!
//! Two forms are written: the files' text (`BUILTIN_RULE_FILES`, for `rules check`, the tests,
//! and anyone who wants the rules as written), and the same rules as a table of Rust values
//! (`BUILTIN_RULES`), with what the engine derives from each pattern worked out here once: its
//! window and lead around a keyword, its keyword tail, and the literal starts of its secret.
//! A scan then starts without parsing 591 rules and their examples as TOML, or their patterns
//! (about 190 M instructions a start). `rules::tests` checks that the table equals what
//! loading the files at run time gives.
use serde::Deserialize;
use std::{env, fmt::Write as _, fs, path::Path};

#[allow(dead_code)] // the build uses the analyses; the rest of the module serves the crate
#[path = "src/rules/lint.rs"]
mod lint;

/// A rule as written, read leniently: the run-time loader is the strict one, and the test
/// suite compares the two.
#[derive(Deserialize)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<Spec>,
}

#[derive(Deserialize)]
struct Spec {
    id: toml::Spanned<String>,
    name: String,
    provider: Option<String>,
    #[serde(default)]
    keywords: Vec<String>,
    no_keywords_reason: Option<String>,
    regex: String,
    #[serde(default)]
    lowercase: bool,
    #[serde(default)]
    spans_lines: bool,
    entropy: Option<f64>,
    validator: Option<String>,
    severity: String,
    confidence: String,
    remediation: String,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    negative_examples: Vec<String>,
}

fn main() {
    println!("cargo:rerun-if-changed=rules");
    println!("cargo:rerun-if-changed=src/rules/lint.rs");
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("rules");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("rules/ directory is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = String::from("pub const BUILTIN_RULE_FILES: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().expect("file name").to_string_lossy();
        out.push_str(&format!(
            "    (\"rules/{name}\", include_str!({:?})),\n",
            f.display().to_string()
        ));
    }
    out.push_str("];\n\npub static BUILTIN_RULES: &[BuiltinRule] = &[\n");
    for f in &files {
        let name = f.file_name().expect("file name").to_string_lossy();
        let text = fs::read_to_string(f).unwrap_or_else(|e| panic!("read {}: {e}", f.display()));
        let parsed: RuleFile = toml::from_str(&text)
            .unwrap_or_else(|e| panic!("rules/{name} is not a valid rule file: {e}"));
        for spec in parsed.rule {
            table_entry(&mut out, &format!("rules/{name}"), &text, spec);
        }
    }
    out.push_str("];\n");
    let dest =
        Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtin_rules.rs");
    fs::write(dest, out).expect("write builtin_rules.rs");
}

/// One `BuiltinRule { … }` literal.
fn table_entry(out: &mut String, file: &str, text: &str, spec: Spec) {
    let line = text[..spec.id.span().start].matches('\n').count() + 1;
    let id = spec.id.into_inner();
    let reason = spec.no_keywords_reason.filter(|r| !r.trim().is_empty());
    let (near, prefixes) = derived(&spec.regex, &spec.keywords, reason.is_some());
    let validator = spec.validator.map_or("None".to_string(), |v| {
        format!("Some(Validator::{})", camel(&v))
    });
    let prefixes: Vec<String> = prefixes.iter().map(|p| format!("&{p:?}")).collect();
    let fields = [
        ("origin", format!("{:?}", format!("{file}:{line}"))),
        ("id", format!("{id:?}")),
        ("name", format!("{:?}", spec.name)),
        ("provider", format!("{:?}", spec.provider)),
        ("keywords", format!("&{:?}", spec.keywords)),
        ("no_keywords_reason", format!("{reason:?}")),
        ("regex", format!("{:?}", spec.regex)),
        ("lowercase", spec.lowercase.to_string()),
        ("spans_lines", spec.spans_lines.to_string()),
        ("entropy", format!("{:?}", spec.entropy)),
        ("validator", validator),
        ("severity", format!("Severity::{}", camel(&spec.severity))),
        (
            "confidence",
            format!("Confidence::{}", camel(&spec.confidence)),
        ),
        ("remediation", format!("{:?}", spec.remediation)),
        ("references", format!("&{:?}", spec.references)),
        ("examples", format!("&{:?}", spec.examples)),
        (
            "negative_examples",
            format!("&{:?}", spec.negative_examples),
        ),
        ("near", near),
        ("secret_prefixes", format!("&[{}]", prefixes.join(", "))),
    ];
    out.push_str("    BuiltinRule {\n");
    for (field, value) in fields {
        let _ = writeln!(out, "        {field}: {value},");
    }
    out.push_str("    },\n");
}

/// The rule's window, lead and keyword tail (as `Option<(usize, usize, Option<usize>)>` source
/// text), and its secret's literal starts, as the engine would derive them.
fn derived(regex: &str, keywords: &[String], no_keywords: bool) -> (String, Vec<Vec<u8>>) {
    let prefixes = lint::secret_prefixes(regex);
    let near = lint::parse(regex)
        .filter(|_| !no_keywords)
        .and_then(|hir| {
            let w = lint::window_of(&hir, keywords, lint::MAX_WINDOW)?;
            let tail = lint::tail_of(&hir, keywords);
            Some(format!("Some(({}, {}, {tail:?}))", w.window, w.lead))
        })
        .unwrap_or_else(|| "None".to_string());
    (near, prefixes)
}

/// `crc32-base62` → `Crc32Base62`, `high` → `High`: the enum variant a kebab-case name in a
/// rule file deserializes to.
fn camel(kebab: &str) -> String {
    kebab
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}
