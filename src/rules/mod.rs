//! Rules as data: the TOML schema of `rules/*.toml` (and of custom rules in the config file),
//! loading with errors that name file, line and column, and the built-in set compiled into
//! the binary.
//!
//! Regexes of built-in rules compile lazily, on the first blob whose keywords select them, so
//! that a pre-commit run pays only for the rules it needs; `rules check` (run by the test
//! suite) compiles and exercises every one of them. Rules from user files compile eagerly so a
//! bad pattern is reported at load time.

use crate::finding::{Confidence, Severity};
use regex::bytes::{Regex, RegexBuilder};
use regex_automata::hybrid::dfa::DFA;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;
use toml::Spanned;

mod builtin {
    use super::{BuiltinRule, Confidence, Severity, Validator};
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}
use builtin::BUILTIN_RULES;
pub use builtin::BUILTIN_RULE_FILES;

/// A built-in rule as `build.rs` writes it: the rule file's fields, and what the engine
/// derives from the pattern, worked out at build time.
struct BuiltinRule {
    origin: &'static str,
    id: &'static str,
    name: &'static str,
    provider: Option<&'static str>,
    keywords: &'static [&'static str],
    no_keywords_reason: Option<&'static str>,
    regex: &'static str,
    lowercase: bool,
    spans_lines: bool,
    entropy: Option<f64>,
    validator: Option<Validator>,
    severity: Severity,
    confidence: Confidence,
    remediation: &'static str,
    references: &'static [&'static str],
    examples: &'static [&'static str],
    negative_examples: &'static [&'static str],
    /// Window, lead and keyword tail ([`Near`]).
    near: Option<(usize, usize, Option<usize>)>,
    secret_prefixes: &'static [&'static [u8]],
}

mod error;
pub mod lint;
pub mod select;
pub use error::{line_col, toml_error, LoadError};

/// Offline checks a rule can name in `validator` (kebab-case names in rule files).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validator {
    /// GitHub / npm: last 6 characters are the base62 CRC32 of the 30 random ones before.
    Crc32Base62,
    /// The same checksum over a body of any length (GitHub refresh tokens: 70 random + 6).
    Crc32Base62Tail,
    /// PEM / OpenSSH armour: the body is base64 of a plausible key length.
    PemBody,
    /// GitLab routable tokens: base36 length of the payload and base36 CRC32 of all before.
    GitlabRoutable,
    /// Atlassian API tokens: 8 upper-case hex of the CRC32 of all before.
    AtlassianCrc32,
    /// age secret keys: a bech32 string with a valid checksum.
    AgeBech32,
    /// JWT: header and payload are base64url JSON objects, the header names an `alg`.
    Jwt,
    /// PyPI tokens: the macaroon's location field is pypi.org (or test.pypi.org).
    PypiMacaroon,
    /// Free-form values of name-anchored rules: not a template, reference, hash or identifier.
    GenericSecret,
    /// HTTP Basic credentials: base64 of `user:password` (Docker `auths`, npm `_auth`,
    /// `Authorization: Basic`).
    BasicAuth,
    /// Passwords: may be short and of low entropy, but never a placeholder, a reference, an
    /// identifier, a path, a URL or a format directive; the name must say password.
    Password,
}

impl Validator {
    /// Whether a pass means a checksum held (reported as `checksum: "valid"`).
    pub fn is_checksum(self) -> bool {
        matches!(
            self,
            Self::Crc32Base62
                | Self::Crc32Base62Tail
                | Self::GitlabRoutable
                | Self::AtlassianCrc32
                | Self::AgeBech32
        )
    }
}

/// A rule as written in a file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Why a rule without keywords is worth running on every blob, or why its keywords are
    /// context the regex itself does not hold (a token with no provider name in it, looked
    /// for only in files that name the provider).
    #[serde(default)]
    pub no_keywords_reason: Option<String>,
    pub regex: Spanned<String>,
    /// Run the regex on an ASCII-lowercased copy of the blob (same offsets; the secret is
    /// still taken from the original bytes). Lets a rule whose names are case-insensitive
    /// write them as lower-case literals, which the regex engine can prefilter, where
    /// `(?i)` over many long words disables its literal prefilter.
    #[serde(default)]
    pub lowercase: bool,
    /// The format itself spans lines (armoured keys): only then may a match hold a line feed.
    #[serde(default)]
    pub spans_lines: bool,
    #[serde(default)]
    pub entropy: Option<Spanned<f64>>,
    #[serde(default)]
    pub validator: Option<Validator>,
    pub severity: Severity,
    pub confidence: Confidence,
    pub remediation: String,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

/// A rule file: `[[rule]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RuleSpec>,
}

/// A loaded, validated rule.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub provider: String,
    pub keywords: Vec<String>,
    /// Why the regex need not contain a keyword (see [`RuleSpec::no_keywords_reason`]).
    pub no_keywords_reason: Option<String>,
    pub regex_src: String,
    /// The regex runs on the lower-cased blob (see [`RuleSpec::lowercase`]).
    pub lowercase: bool,
    /// A match may hold a line feed (see [`RuleSpec::spans_lines`]).
    pub spans_lines: bool,
    pub entropy: Option<f64>,
    pub validator: Option<Validator>,
    pub severity: Severity,
    pub confidence: Confidence,
    pub remediation: String,
    pub references: Vec<String>,
    pub examples: Vec<String>,
    pub negative_examples: Vec<String>,
    /// Where the rule was defined, `file:line`.
    pub origin: String,
    compiled: OnceLock<Option<Compiled>>,
    near: OnceLock<Option<Near>>,
    prefixes: OnceLock<Vec<Vec<u8>>>,
}

/// A compiled regex, the index of its `secret` group and of its optional `name` group (the
/// name a value is assigned to, which the generic validators judge as well as the value).
#[derive(Debug)]
pub struct Compiled {
    pub regex: Regex,
    pub secret_group: usize,
    pub name_group: Option<usize>,
    /// Every other named group: a part a verifier needs beside the secret (an AWS key id, a
    /// Shopify shop, a username), by group index and name.
    pub parts: Vec<(usize, String)>,
}

/// Where a rule's matches can be, from its pattern's shape, when every match holds one of its
/// keywords and is short ([`lint::keyword_window`]): the engine then runs the regex only near
/// the keywords' occurrences. Worked out without compiling the regex (for built-in rules, at
/// build time), so a rule whose keyword occurs only where its tail fails is never compiled.
#[derive(Debug)]
pub struct Near {
    /// The longest match.
    pub window: usize,
    /// How far before a keyword occurrence a match can start, at most.
    pub lead: usize,
    /// Where the pattern's keyword tail starts ([`lint::tail_of`]).
    tail_from: Option<usize>,
    tail: OnceLock<Option<DFA>>,
}

impl Rule {
    /// The compiled regex; `None` only if a built-in pattern fails to compile, which the test
    /// suite rules out (the rule is then skipped rather than crashing a scan).
    pub fn compiled(&self) -> Option<&Compiled> {
        self.compiled
            .get_or_init(|| compile(&self.regex_src).ok())
            .as_ref()
    }

    /// Where the rule's matches can be around its keywords; `None`: anywhere in a blob (no
    /// keywords required, a long or unbounded pattern, or `no_keywords_reason` set).
    pub fn near(&self) -> Option<&Near> {
        if self.no_keywords_reason.is_some() {
            return None;
        }
        self.near
            .get_or_init(|| {
                let hir = lint::parse(&self.regex_src)?;
                let w = lint::window_of(&hir, &self.keywords, MAX_WINDOW)?;
                Some(Near {
                    window: w.window,
                    lead: w.lead,
                    tail_from: lint::tail_of(&hir, &self.keywords),
                    tail: OnceLock::new(),
                })
            })
            .as_ref()
    }

    /// The keyword tail of the rule's pattern ([`lint::keyword_tail`]) as a lazy DFA, which
    /// the engine runs anchored at each keyword occurrence to skip those where no match can
    /// hold it; built on first use. `None`: no tail, or one that could not be built (every
    /// window is then searched).
    pub fn tail(&self) -> Option<&DFA> {
        let near = self.near()?;
        near.tail
            .get_or_init(|| {
                let from = near.tail_from?;
                tail_dfa(&lint::tail_from(&lint::parse(&self.regex_src)?, from))
            })
            .as_ref()
    }

    /// Literal prefixes every secret of the rule starts with ([`lint::secret_prefixes`]).
    pub fn secret_prefixes(&self) -> &[Vec<u8>] {
        self.prefixes
            .get_or_init(|| lint::secret_prefixes(&self.regex_src))
    }

    fn from_builtin(b: &BuiltinRule) -> Rule {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let near = OnceLock::new();
        let _ = near.set(b.near.map(|(window, lead, tail)| Near {
            window,
            lead,
            tail_from: tail,
            tail: OnceLock::new(),
        }));
        let prefixes = OnceLock::new();
        let _ = prefixes.set(b.secret_prefixes.iter().map(|p| p.to_vec()).collect());
        Rule {
            id: b.id.to_string(),
            name: b.name.to_string(),
            provider: b.provider.unwrap_or(b.name).to_string(),
            keywords: strings(b.keywords),
            no_keywords_reason: b.no_keywords_reason.map(str::to_string),
            regex_src: b.regex.to_string(),
            lowercase: b.lowercase,
            spans_lines: b.spans_lines,
            entropy: b.entropy,
            validator: b.validator,
            severity: b.severity,
            confidence: b.confidence,
            remediation: b.remediation.to_string(),
            references: strings(b.references),
            examples: strings(b.examples),
            negative_examples: strings(b.negative_examples),
            origin: b.origin.to_string(),
            compiled: OnceLock::new(),
            near,
            prefixes,
        }
    }
}

pub use lint::MAX_WINDOW;

/// Compiles a rule pattern the way the engine runs it: on bytes, ASCII classes (Unicode off),
/// with exactly one `secret` group.
pub fn compile(src: &str) -> Result<Compiled, String> {
    let regex = RegexBuilder::new(src)
        .unicode(false)
        .size_limit(32 << 20)
        .dfa_size_limit(16 << 20)
        .build()
        .map_err(|e| format!("invalid regex: {e}"))?;
    let secret_group = regex
        .capture_names()
        .position(|n| n == Some("secret"))
        .ok_or_else(|| "regex has no named group `secret` (write (?P<secret>...))".to_string())?;
    let name_group = regex.capture_names().position(|n| n == Some("name"));
    let parts = regex
        .capture_names()
        .enumerate()
        .filter_map(|(i, n)| Some((i, n?.to_string())))
        .filter(|(_, n)| n != "secret" && n != "name")
        .collect();
    Ok(Compiled {
        regex,
        secret_group,
        name_group,
        parts,
    })
}

/// A lazy DFA for a rule's keyword tail: no captures, bytes (as the rule's regex), and
/// `None` when it cannot be built (the engine then searches every window, as without one).
fn tail_dfa(hir: &regex_syntax::hir::Hir) -> Option<DFA> {
    use regex_automata::nfa::thompson::{Compiler, Config, WhichCaptures};
    let nfa = Compiler::new()
        .configure(
            Config::new()
                .utf8(false)
                .which_captures(WhichCaptures::None)
                .nfa_size_limit(Some(8 << 20)),
        )
        .build_from_hir(hir)
        .ok()?;
    DFA::builder().build_from_nfa(nfa).ok()
}

/// Checks a pattern as [`compile`] would read it, without building the matcher: syntax,
/// classes that need Unicode, and exactly one `secret` group.
fn check_syntax(src: &str) -> Result<(), String> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(src)
        .map_err(|e| format!("invalid regex: {e}"))?;
    if !has_group(&hir, "secret") {
        return Err("regex has no named group `secret` (write (?P<secret>...))".to_string());
    }
    Ok(())
}

/// True when `hir` holds a capture group called `name`.
fn has_group(hir: &regex_syntax::hir::Hir, name: &str) -> bool {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Capture(c) => c.name.as_deref() == Some(name) || has_group(&c.sub, name),
        HirKind::Concat(hs) | HirKind::Alternation(hs) => hs.iter().any(|h| has_group(h, name)),
        HirKind::Repetition(r) => has_group(&r.sub, name),
        _ => false,
    }
}

/// What rule loading must enforce beyond the schema.
#[derive(Clone, Copy, Debug)]
pub struct LoadPolicy {
    /// Compile regexes now (user files) rather than on first use (built-ins).
    pub eager: bool,
    /// Demand at least one example (rule files; optional for rules in the config file).
    pub require_examples: bool,
    /// Patterns known to compile (files the test suite checks, as the built-in ones were
    /// loaded before they became a table): a lazy load then skips the syntax check (~110 M
    /// instructions for 591 rules). A pattern that fails anyway is still an error when the
    /// engine first compiles it.
    pub trusted: bool,
}

/// Parses a rule file's text into rules.
pub fn parse_rule_file(file: &str, text: &str, policy: LoadPolicy) -> Result<Vec<Rule>, LoadError> {
    let parsed: RuleFile = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
    parsed
        .rule
        .into_iter()
        .map(|spec| build_rule(file, text, spec, policy))
        .collect()
}

/// Validates one rule spec. `text` is the source the spans point into.
pub fn build_rule(
    file: &str,
    text: &str,
    spec: RuleSpec,
    policy: LoadPolicy,
) -> Result<Rule, LoadError> {
    let err_at = |offset: usize, message: String| LoadError::at(file, text, offset, message);
    let id_span = spec.id.span();
    let id = spec.id.into_inner();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(err_at(
            id_span.start,
            format!(
                "rule id {id:?} must be non-empty and use only letters, digits, '-', '_' and '.'"
            ),
        ));
    }
    let regex_span = spec.regex.span();
    let regex_src = spec.regex.into_inner();
    let compiled = OnceLock::new();
    if policy.eager {
        let c =
            compile(&regex_src).map_err(|m| err_at(regex_span.start, format!("rule {id}: {m}")))?;
        let _ = compiled.set(Some(c));
    } else if !policy.trusted {
        // The full compile happens on first use (it costs ~25 ms for the built-in set, more
        // than a pre-commit run may spend). Translating the pattern the way the engine runs
        // it (bytes, Unicode off) catches every error but an over-large program here, at
        // start-up; that last one the engine reports as an error, never a silent skip.
        check_syntax(&regex_src)
            .map_err(|m| err_at(regex_span.start, format!("rule {id}: {m}")))?;
    }
    let validator = spec.validator;
    let entropy = match spec.entropy {
        None => None,
        Some(e) => {
            let span = e.span();
            let v = e.into_inner();
            if !(0.0..=8.0).contains(&v) {
                return Err(err_at(
                    span.start,
                    format!("rule {id}: entropy must be between 0 and 8 bits per byte, not {v}"),
                ));
            }
            Some(v)
        }
    };
    if spec.keywords.iter().any(|k| k.is_empty()) {
        return Err(err_at(
            id_span.start,
            format!("rule {id}: a keyword is empty"),
        ));
    }
    if spec.keywords.is_empty()
        && spec
            .no_keywords_reason
            .as_deref()
            .unwrap_or("")
            .trim()
            .is_empty()
    {
        return Err(err_at(
            id_span.start,
            format!(
                "rule {id}: no keywords; add literal keywords for the prefilter, or say why the rule must run on every blob in no_keywords_reason"
            ),
        ));
    }
    if policy.require_examples && spec.examples.is_empty() {
        return Err(err_at(
            id_span.start,
            format!("rule {id}: no examples; add at least one example the rule must find"),
        ));
    }
    let (line, _) = line_col(text, id_span.start);
    Ok(Rule {
        provider: spec.provider.unwrap_or_else(|| spec.name.clone()),
        id,
        name: spec.name,
        keywords: spec.keywords,
        no_keywords_reason: spec.no_keywords_reason.filter(|r| !r.trim().is_empty()),
        regex_src,
        lowercase: spec.lowercase,
        spans_lines: spec.spans_lines,
        entropy,
        validator,
        severity: spec.severity,
        confidence: spec.confidence,
        remediation: spec.remediation,
        references: spec.references,
        examples: spec.examples,
        negative_examples: spec.negative_examples,
        origin: format!("{file}:{line}"),
        compiled,
        near: OnceLock::new(),
        prefixes: OnceLock::new(),
    })
}

/// The rules compiled into the binary (the table `build.rs` makes of `rules/*.toml`).
pub fn builtin() -> Result<Vec<Rule>, LoadError> {
    let rules: Vec<Rule> = BUILTIN_RULES.iter().map(Rule::from_builtin).collect();
    check_unique(&rules)?;
    Ok(rules)
}

/// The built-in rules loaded from their files' text, as a user's rule files are (strictly,
/// with every check): what [`builtin`]'s table must equal.
pub fn builtin_from_files() -> Result<Vec<Rule>, LoadError> {
    let policy = LoadPolicy {
        eager: false,
        require_examples: true,
        trusted: false,
    };
    let mut rules = Vec::new();
    for (file, text) in BUILTIN_RULE_FILES {
        rules.extend(parse_rule_file(file, text, policy)?);
    }
    check_unique(&rules)?;
    Ok(rules)
}

/// Fails on a duplicate rule id, naming both places.
pub fn check_unique(rules: &[Rule]) -> Result<(), LoadError> {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for r in rules {
        if let Some(first) = seen.insert(&r.id, &r.origin) {
            let (file, line) = split_origin(&r.origin);
            return Err(LoadError {
                file,
                line,
                column: 1,
                message: format!(
                    "duplicate rule id {:?}: already defined at {first}; rename one, or disable the other in the config",
                    r.id
                ),
            });
        }
    }
    Ok(())
}

fn split_origin(origin: &str) -> (String, usize) {
    match origin.rsplit_once(':') {
        Some((f, l)) => (f.to_string(), l.parse().unwrap_or(1)),
        None => (origin.to_string(), 1),
    }
}

#[cfg(test)]
mod tests;
