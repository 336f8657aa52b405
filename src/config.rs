//! The project config file, `.leakscan.toml`: custom rules, disabled rules, allowlists and
//! limits. Errors name the file, line and column.
//!
//! ```toml
//! disabled_rules = ["slack-user-token"]
//!
//! [allowlist]
//! paths = ["fixtures/", "*.lock", "!fixtures/live.env"]  # gitignore patterns on reported paths
//! regexes = ['''^AKIA[A-Z2-7]{12}TEST$''']  # on the secret
//! stopwords = ["notasecret"]                # case-insensitive substrings of the secret
//!
//! [limits]
//! max_file_size = 10_000_000
//! decode_depth = 2                          # base64 in base64 ...; 0 turns decoding off
//! archive_depth = 3                         # archives in archives
//! archive_bytes = 268_435_456               # expanded from one archive
//! total_archive_bytes = 4_294_967_296       # expanded from all archives of a scan
//! archive_members = 100_000                 # members read from one archive
//! compression_ratio = 100                   # a member expanding more is a bomb
//!
//! [[rule]]                                  # same format as rules/*.toml
//! id = "acme-api-key"
//! ...
//! ```

use crate::rules::{self, line_col, LoadError, LoadPolicy, Rule, RuleSpec};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The file name looked for from the scanned path up to the repository root.
pub use crate::source::anchor::CONFIG_FILE as FILE_NAME;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    disabled_rules: Vec<Spanned<String>>,
    #[serde(default)]
    allowlist: RawAllowlist,
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    rule: Vec<RuleSpec>,
    /// Read only to be refused: a config can sit in the repository being scanned, so it
    /// never turns verification on, adds hosts or defines requests.
    #[serde(default)]
    verify: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllowlist {
    #[serde(default)]
    paths: Vec<Spanned<String>>,
    #[serde(default)]
    regexes: Vec<Spanned<String>>,
    #[serde(default)]
    stopwords: Vec<Spanned<String>>,
}

/// `[limits]`: each one the config sets (see [`crate::decode::Limits`] for the defaults of
/// the decoding stage's).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub max_file_size: Option<u64>,
    pub decode_depth: Option<u32>,
    pub archive_depth: Option<u32>,
    pub archive_bytes: Option<u64>,
    pub total_archive_bytes: Option<u64>,
    pub archive_members: Option<u64>,
    pub compression_ratio: Option<u64>,
}

impl Limits {
    /// The decoding stage's `limits` with what the config sets.
    pub fn apply(&self, limits: &mut crate::decode::Limits) {
        fn set<T: Copy>(v: Option<T>, into: &mut T) {
            *into = v.unwrap_or(*into);
        }
        set(self.decode_depth, &mut limits.decode_depth);
        set(self.archive_depth, &mut limits.archive_depth);
        set(self.archive_bytes, &mut limits.archive_bytes);
        set(self.total_archive_bytes, &mut limits.total_archive_bytes);
        set(self.archive_members, &mut limits.archive_members);
        set(self.compression_ratio, &mut limits.compression_ratio);
    }
}

/// Findings and files the user has said to leave alone.
#[derive(Debug, Default)]
pub struct Allowlist {
    /// Path patterns with gitignore semantics (`!` re-includes, a trailing `/` means a
    /// directory, a pattern without `/` matches at any depth), relative to `base`.
    pub paths: Option<Gitignore>,
    /// Where the patterns are rooted, as a prefix of reported paths: `""` at the repository
    /// root (or scanned directory), `sub/` for a config file found in `sub/`.
    pub base: String,
    pub regexes: Vec<regex::Regex>,
    /// Lower-cased.
    pub stopwords: Vec<String>,
}

impl Allowlist {
    /// True when a reported path (repository-relative, `/` separators) is allowlisted.
    pub fn path_allowed(&self, path: &str) -> bool {
        let Some(g) = &self.paths else {
            return false;
        };
        let Some(rel) = path.strip_prefix(self.base.as_str()) else {
            return false; // outside the directory the config governs
        };
        let rel = rel.trim_start_matches('/');
        if rel.is_empty() || path == "-" {
            return false;
        }
        g.matched_path_or_any_parents(rel, false).is_ignore()
    }

    pub fn secret_allowed(&self, secret: &str) -> bool {
        if self.regexes.iter().any(|r| r.is_match(secret)) {
            return true;
        }
        if self.stopwords.is_empty() {
            return false;
        }
        let lower = secret.to_lowercase();
        self.stopwords.iter().any(|w| lower.contains(w.as_str()))
    }
}

/// Paths no real allowlist covers all of: top-level and nested, hidden and not, with and
/// without an extension.
const PATH_PROBES: [&str; 5] = ["q7Zk2x", "Lm3.Vb9", ".h1dW4", "a8/b7/c6.d5", "Z/y"];

/// True for a path pattern that allowlists every path (`*`, `**`, `**/*`, `/**`, `/*`, `/`,
/// …): it matches each of [`PATH_PROBES`]. A negation (`!…`) allows nothing.
fn allows_every_path(pattern: &str) -> bool {
    let pattern = pattern.trim();
    let pattern = pattern.strip_prefix("./").unwrap_or(pattern);
    if pattern.starts_with('!') {
        return false;
    }
    if pattern.trim_matches('/').is_empty() {
        return true; // `/`: the root itself
    }
    let mut one = GitignoreBuilder::new("");
    if one.add_line(None, pattern).is_err() {
        return false; // reported as invalid by the caller
    }
    let Ok(g) = one.build() else {
        return false;
    };
    PATH_PROBES
        .iter()
        .all(|p| g.matched_path_or_any_parents(p, false).is_ignore())
}

/// Secrets of different alphabets, none a real credential.
const SECRET_PROBES: [&str; 4] = [
    "k3Jd9QmZx0Lw7VbT2nYh5RpC8sGf4AeU1oIi6Ny0",
    "0123456789abcdef0123456789abcdef",
    "+/=-_.~:@",
    "ZZZZ",
];

/// True for a secret regex that allowlists every secret: one that matches the empty string
/// (and so, unanchored, any text: `.*`, `^`, `(?s).*`, `x*`), or one that matches each of
/// [`SECRET_PROBES`] (`.`, `\S+`).
fn allows_every_secret(re: &regex::Regex) -> bool {
    (re.is_match("") && re.is_match(SECRET_PROBES[0]))
        || SECRET_PROBES.iter().all(|p| re.is_match(p))
}

/// A loaded config.
#[derive(Debug, Default)]
pub struct Config {
    /// Where it came from; `None` when no file was found.
    pub path: Option<PathBuf>,
    pub disabled_rules: Vec<(String, (usize, usize))>,
    pub rules: Vec<Rule>,
    pub allowlist: Allowlist,
    pub limits: Limits,
}

impl Config {
    /// Reads and validates the config at `path`.
    pub fn load(path: &Path) -> Result<Config, LoadError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| LoadError {
            file: file.clone(),
            line: 1,
            column: 1,
            message: format!("cannot read config: {e}"),
        })?;
        let mut cfg = Self::parse(&file, &text)?;
        cfg.path = Some(path.to_path_buf());
        Ok(cfg)
    }

    /// Parses config text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Config, LoadError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| rules::toml_error(file, text, &e))?;
        let err = |offset: usize, message: String| LoadError::at(file, text, offset, message);
        if let Some(v) = &raw.verify {
            return Err(err(
                v.span().start,
                "a [verify] table is not allowed in a config: a scanned repository's config could use it to send secrets out, so verification is set only on the command line (--verify) and in the environment; remove the table".to_string(),
            ));
        }
        let non_empty = |items: &[Spanned<String>], what: &str| -> Result<(), LoadError> {
            match items.iter().find(|s| s.get_ref().trim().is_empty()) {
                Some(s) => Err(err(
                    s.span().start,
                    format!("empty {what} in [allowlist]: it would allow everything; remove it"),
                )),
                None => Ok(()),
            }
        };
        non_empty(&raw.allowlist.paths, "path glob")?;
        non_empty(&raw.allowlist.regexes, "regex")?;
        non_empty(&raw.allowlist.stopwords, "stopword")?;
        if let Some(g) = raw
            .allowlist
            .paths
            .iter()
            .find(|g| allows_every_path(g.get_ref()))
        {
            return Err(err(
                g.span().start,
                format!(
                    "path pattern {:?} in [allowlist] matches every path: it would allow everything; name the files or directories to skip instead",
                    g.get_ref()
                ),
            ));
        }

        // Rooted at "" so that the (relative) paths asked are taken as they are.
        let mut globs = GitignoreBuilder::new("");
        for g in &raw.allowlist.paths {
            let pattern = g.get_ref().trim();
            let pattern = pattern.strip_prefix("./").unwrap_or(pattern);
            globs
                .add_line(None, pattern)
                .map_err(|e| err(g.span().start, format!("invalid path pattern: {e}")))?;
        }
        let paths = if raw.allowlist.paths.is_empty() {
            None
        } else {
            Some(
                globs
                    .build()
                    .map_err(|e| err(0, format!("invalid path patterns: {e}")))?,
            )
        };
        let regexes = raw
            .allowlist
            .regexes
            .iter()
            .map(|r| {
                let re = regex::Regex::new(r.get_ref())
                    .map_err(|e| err(r.span().start, format!("invalid allowlist regex: {e}")))?;
                if allows_every_secret(&re) {
                    return Err(err(
                        r.span().start,
                        format!(
                            "allowlist regex {:?} matches every secret: it would allow everything; anchor it to the secrets to allow",
                            r.get_ref()
                        ),
                    ));
                }
                Ok(re)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let stopwords = raw
            .allowlist
            .stopwords
            .iter()
            .map(|s| s.get_ref().to_lowercase())
            .collect();

        let policy = LoadPolicy {
            eager: true,
            require_examples: false,
            trusted: false,
        };
        let rules = raw
            .rule
            .into_iter()
            .map(|spec| rules::build_rule(file, text, spec, policy))
            .collect::<Result<Vec<_>, _>>()?;
        let disabled_rules = raw
            .disabled_rules
            .into_iter()
            .map(|s| {
                let pos = line_col(text, s.span().start);
                (s.into_inner(), pos)
            })
            .collect();
        Ok(Config {
            path: None,
            disabled_rules,
            rules,
            allowlist: Allowlist {
                paths,
                base: String::new(),
                regexes,
                stopwords,
            },
            limits: raw.limits,
        })
    }

    /// The rules in force: the built-in ones less the disabled, plus the custom ones.
    pub fn rule_set(&mut self, builtin: Vec<Rule>) -> Result<Vec<Rule>, LoadError> {
        let file = self
            .path
            .as_ref()
            .map_or_else(|| FILE_NAME.to_string(), |p| p.display().to_string());
        let all_ids: Vec<&str> = builtin
            .iter()
            .chain(self.rules.iter())
            .map(|r| r.id.as_str())
            .collect();
        for (id, (line, column)) in &self.disabled_rules {
            if !all_ids.contains(&id.as_str()) {
                return Err(LoadError {
                    file: file.clone(),
                    line: *line,
                    column: *column,
                    message: format!(
                        "disabled_rules names {id:?}, which is no rule; `leakscan rules list` shows the ids"
                    ),
                });
            }
        }
        let disabled = |r: &Rule| self.disabled_rules.iter().any(|(id, _)| *id == r.id);
        let mut out: Vec<Rule> = builtin.into_iter().filter(|r| !disabled(r)).collect();
        out.extend(
            std::mem::take(&mut self.rules)
                .into_iter()
                .filter(|r| !disabled(r)),
        );
        rules::check_unique(&out)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowlists_apply() {
        let cfg = Config::parse(
            "c.toml",
            "[allowlist]\npaths = [\"fixtures/**\", \"*.lock\", \"rules\"]\nregexes = ['^abc']\nstopwords = [\"NotASecret\"]\n",
        )
        .expect("parses");
        let a = &cfg.allowlist;
        assert!(a.path_allowed("fixtures/x/y.txt"));
        assert!(a.path_allowed("sub/Cargo.lock"));
        assert!(a.path_allowed("rules/github.toml"));
        assert!(!a.path_allowed("src/rules.rs"));
        assert!(!a.path_allowed("-"));
        assert!(a.secret_allowed("abcdef"));
        assert!(a.secret_allowed("x-notasecret-y"));
        assert!(!a.secret_allowed("zabc"));
    }

    #[test]
    fn path_patterns_follow_gitignore() {
        let mut cfg = Config::parse(
            "c.toml",
            "[allowlist]\npaths = [\"fixtures/\", \"!fixtures/live/\", \"/top.env\", \"docs/**/*.md\"]\n",
        )
        .expect("parses");
        let a = &cfg.allowlist;
        assert!(a.path_allowed("fixtures/a.txt"));
        assert!(a.path_allowed("sub/fixtures/a.txt"));
        assert!(!a.path_allowed("fixtures/live/real.env"));
        assert!(a.path_allowed("top.env"));
        assert!(!a.path_allowed("sub/top.env"));
        assert!(a.path_allowed("docs/a/b/c.md"));
        assert!(!a.path_allowed("docs/a/b/c.txt"));
        // A config found in `sub/` governs paths below `sub/`, rooted there.
        cfg.allowlist.base = "sub/".to_string();
        let a = &cfg.allowlist;
        assert!(a.path_allowed("sub/top.env"));
        assert!(!a.path_allowed("top.env"));
        assert!(a.path_allowed("sub/fixtures/x"));
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = Config::parse("c.toml", "[allowlist]\npaths = [\"\"]\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 10));
        let e = Config::parse("c.toml", "[allowlist]\nregexes = ['(']\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 12));
        let e = Config::parse("c.toml", "x = \n").unwrap_err();
        assert_eq!(e.line, 1);
        let e = Config::parse("c.toml", "[allowlist]\npath = []\n").unwrap_err();
        assert!(e.message.contains("unknown field `path`"), "{e}");
    }

    #[test]
    fn entries_that_allow_everything_are_refused() {
        for p in ["*", "**", "**/*", "/**", "/*", "/", "./*", " ** ", "**/"] {
            let text = format!("[allowlist]\npaths = [\"a/\", \"{p}\"]\n");
            let e = Config::parse("c.toml", &text).expect_err(p);
            assert_eq!((e.line, e.column), (2, 16), "{p:?}");
            assert!(e.message.contains("allow everything"), "{p:?}: {e}");
        }
        for r in [
            ".*", "^", "$", "(?s).*", "x*", "(?:)", ".", r"\S+", r"[\s\S]",
        ] {
            let text = format!("[allowlist]\nregexes = ['^a', '{r}']\n");
            let e = Config::parse("c.toml", &text).expect_err(r);
            assert_eq!((e.line, e.column), (2, 18), "{r:?}");
            assert!(e.message.contains("allow everything"), "{r:?}: {e}");
        }
        let narrow = "[allowlist]\npaths = [\"*.lock\", \"fixtures/**\", \"!*\", \"docs/*\", \"*.*\"]\nregexes = ['^AKIA[A-Z2-7]{12}TEST$', '^$', 'EXAMPLE', '[A-Za-z]']\n";
        Config::parse("c.toml", narrow).expect("narrow entries load");
    }

    #[test]
    fn unknown_disabled_rule_is_an_error() {
        let mut cfg = Config::parse("c.toml", "\ndisabled_rules = [\"nope\"]\n").expect("parses");
        let e = cfg
            .rule_set(rules::builtin().expect("builtin"))
            .unwrap_err();
        assert_eq!((e.line, e.column), (2, 19));
    }
}
