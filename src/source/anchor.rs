//! Repository-anchored identity: the path a finding is reported at, and the config that
//! applies, must not depend on which directory is scanned or current.
//!
//! Inside a git work tree, paths are relative to the repository root, so `leakscan scan sub`,
//! `cd sub && leakscan scan .`, `leakscan history` and `leakscan staged` name a file the same
//! way and give its secrets the same fingerprint. Outside a work tree, paths are relative to
//! the single directory scanned, or as given when several paths (or a file) are named.
//! `.leakscan.toml` is found by searching upward from the scanned path to the repository root
//! (only the scanned directory itself outside a repository); `--config` and `LEAKSCAN_CONFIG`
//! override the search.

use crate::finding::escape_path_bytes;
use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

/// The config file's name, looked for from the scanned path up to the repository root.
pub const CONFIG_FILE: &str = ".leakscan.toml";

/// The environment variable that names a config file when `--config` is not given.
pub const CONFIG_ENV: &str = "LEAKSCAN_CONFIG";

/// One path named on the command line and how the paths under it are reported.
#[derive(Debug, Clone)]
pub struct Root {
    /// As given: what the walk starts from.
    pub path: PathBuf,
    /// The reported path of `path` itself (`""` for a directory that is the anchor).
    pub shown: String,
    /// The reported path of `path` as releases before 0.2 showed it: relative to the root
    /// when one directory was scanned, else as given.
    pub legacy: String,
    pub kind: RootKind,
    /// The repository work tree holding it, canonical, if any (never for a stream).
    pub repo: Option<PathBuf>,
    /// The path resolved once: canonical for a file or directory, absolute for a stream.
    pub canonical: PathBuf,
    /// `shown` and `legacy` as bytes, before escaping: names under the root are joined to
    /// these and escaped once, so that a name is escaped the same whichever part is not UTF-8.
    shown_raw: Vec<u8>,
    legacy_raw: Vec<u8>,
}

/// What a named path is, which decides how it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootKind {
    /// Walked, honouring ignore files.
    Dir,
    /// A regular file: read whole, even if an ignore file lists it.
    File,
    /// Neither: a FIFO, a character device such as `/dev/stdin`, `/dev/fd/63` from `<(…)`.
    /// Read as a stream, within the size limit, and reported by the name given (never
    /// canonicalized: that would give `pipe:[…]`).
    Stream,
}

impl Root {
    /// The reported path of `entry`, a path under (or equal to) this root as walked, and its
    /// pre-0.2 form where that differs.
    pub fn name(&self, entry: &Path) -> (String, Option<String>) {
        let rest = entry.strip_prefix(&self.path).unwrap_or(entry);
        let rest = normal_bytes(rest);
        let shown = text(&join(&self.shown_raw, &rest));
        let legacy = text(&join(&self.legacy_raw, &rest));
        let legacy = (legacy != shown).then_some(legacy);
        (shown, legacy)
    }
}

/// Resolves the roots of a `scan`. Every root must exist (the caller checks). A path named
/// more than once, however spelled (`./a`, `a`, `/abs/a`, `a/`), is one root, the first.
pub fn roots(paths: &[PathBuf]) -> std::io::Result<Vec<Root>> {
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut unique: Vec<(&PathBuf, RootKind, PathBuf)> = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p)?;
        let kind = if meta.is_dir() {
            RootKind::Dir
        } else if meta.is_file() {
            RootKind::File
        } else {
            RootKind::Stream
        };
        // A stream is known by its name: its target (`pipe:[…]`) is no path.
        let identity = match kind {
            RootKind::Stream => std::path::absolute(p)?,
            _ => std::fs::canonicalize(p)?,
        };
        if seen.contains(&identity) {
            continue;
        }
        seen.push(identity.clone());
        unique.push((p, kind, identity));
    }
    let single_dir = unique.len() == 1 && unique[0].1 == RootKind::Dir;
    let roots = unique
        .into_iter()
        .map(|(p, kind, canonical)| {
            let given = normal_bytes(p);
            let repo = match kind {
                RootKind::Stream => None,
                _ => work_tree_of(&canonical),
            };
            let legacy = if single_dir { Vec::new() } else { given };
            let shown = match &repo {
                Some(r) => canonical
                    .strip_prefix(r)
                    .map(normal_bytes)
                    .unwrap_or_else(|_| legacy.clone()),
                None => legacy.clone(),
            };
            Root {
                path: p.clone(),
                shown: text(&shown),
                legacy: text(&legacy),
                kind,
                repo,
                canonical,
                shown_raw: shown,
                legacy_raw: legacy,
            }
        })
        .collect();
    Ok(roots)
}

/// The current directory, canonical.
pub fn current_dir() -> Option<PathBuf> {
    std::env::current_dir().and_then(std::fs::canonicalize).ok()
}

/// The root of the git work tree holding `dir` (canonical): the nearest ancestor with a
/// `.git` entry (a directory, or the file of a linked worktree or submodule).
pub fn work_tree_of(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .find(|a| a.join(".git").exists())
        .map(Path::to_path_buf)
}

/// The config file that applies and the base its allowlist paths are relative to (a prefix
/// of reported paths, `""` or ending in `/`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigChoice {
    pub file: Option<PathBuf>,
    pub base: String,
}

/// Chooses the config: `--config`, else `$LEAKSCAN_CONFIG`, else `.leakscan.toml` searched
/// upward from `start` (a directory, canonical) to `top` (the work tree root, canonical);
/// with no work tree, only `start` itself. `shown_start` is the reported path of `start`, for
/// the base of a config found below the anchor.
pub fn choose_config(
    explicit: Option<&Path>,
    start: Option<&Path>,
    top: Option<&Path>,
) -> ConfigChoice {
    let env = std::env::var_os(CONFIG_ENV).filter(|v| !v.is_empty());
    if let Some(file) = explicit.map(Path::to_path_buf).or(env.map(PathBuf::from)) {
        return ConfigChoice {
            file: Some(file),
            base: String::new(),
        };
    }
    let Some(start) = start else {
        return ConfigChoice::default();
    };
    for dir in start.ancestors() {
        let candidate = dir.join(CONFIG_FILE);
        if candidate.is_file() {
            let base = top
                .and_then(|t| dir.strip_prefix(t).ok())
                .map(normal)
                .map(|b| if b.is_empty() { b } else { b + "/" })
                .unwrap_or_default();
            return ConfigChoice {
                file: Some(candidate),
                base,
            };
        }
        if top.is_none_or(|t| dir == t) {
            break;
        }
    }
    ConfigChoice::default()
}

/// A path as reports and messages show it: lossless, with bytes that are not UTF-8 escaped
/// (see [`escape_path_bytes`]), so that the name printed is the name on disk.
pub fn shown_path(p: &Path) -> String {
    text(&os_bytes(p.as_os_str()))
}

fn text(bytes: &[u8]) -> String {
    escape_path_bytes(bytes)
}

#[cfg(unix)]
fn os_bytes(s: &OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    s.as_bytes().to_vec()
}

#[cfg(not(unix))]
fn os_bytes(s: &OsStr) -> Vec<u8> {
    s.to_string_lossy().into_owned().into_bytes()
}

/// `/`-separated bytes, without `.` components or a leading `./`.
fn normal_bytes(p: &Path) -> Vec<u8> {
    let parts: Vec<Vec<u8>> = p
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| match c {
            Component::RootDir => Vec::new(),
            c => os_bytes(c.as_os_str()),
        })
        .collect();
    if parts.len() == 1 && parts[0].is_empty() {
        return b"/".to_vec();
    }
    parts.join(&b'/')
}

/// `/`-separated, without `.` components or a leading `./`; bytes that are not UTF-8 are
/// escaped, not replaced (see [`shown_path`]).
fn normal(p: &Path) -> String {
    text(&normal_bytes(p))
}

fn join(prefix: &[u8], rest: &[u8]) -> Vec<u8> {
    match (prefix.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_vec(),
        (_, true) => prefix.to_vec(),
        _ if prefix.ends_with(b"/") => [prefix, rest].concat(),
        _ => [prefix, b"/", rest].concat(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_and_joined() {
        assert_eq!(normal(Path::new("./a/./b")), "a/b");
        assert_eq!(normal(Path::new("/x/y")), "/x/y");
        assert_eq!(normal(Path::new(".")), "");
        assert_eq!(join(b"", b"a"), b"a");
        assert_eq!(join(b"sub", b"a"), b"sub/a");
        assert_eq!(join(b"sub", b""), b"sub");
        assert_eq!(join(b"/", b"etc"), b"/etc");
    }

    #[test]
    fn roots_inside_a_work_tree_are_anchored_at_its_root() {
        let t = tempfile::tempdir().expect("tempdir");
        let root = t.path().join("repo");
        std::fs::create_dir_all(root.join(".git")).expect("mkdir");
        std::fs::create_dir_all(root.join("sub/deep")).expect("mkdir");
        std::fs::write(root.join("sub/deep/f.txt"), "x").expect("write");
        let r = roots(&[root.join("sub")]).expect("roots");
        assert_eq!(r[0].shown, "sub");
        let (shown, legacy) = r[0].name(&root.join("sub/deep/f.txt"));
        assert_eq!(shown, "sub/deep/f.txt");
        assert_eq!(legacy.as_deref(), Some("deep/f.txt"));
        let r = roots(&[root.join("sub/deep/f.txt")]).expect("roots");
        assert_eq!(r[0].kind, RootKind::File);
        assert_eq!(r[0].name(&root.join("sub/deep/f.txt")).0, "sub/deep/f.txt");
    }

    #[test]
    fn a_path_named_several_ways_is_one_root() {
        let t = tempfile::tempdir().expect("tempdir");
        let d = t.path().join("d");
        std::fs::create_dir_all(&d).expect("mkdir");
        std::fs::write(d.join("f"), "x").expect("write");
        let r = roots(&[d.clone(), d.join("."), d.join("f"), d.join("../d/f")]).expect("roots");
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!((r[0].kind, r[1].kind), (RootKind::Dir, RootKind::File));
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_are_escaped_once() {
        use std::os::unix::ffi::OsStrExt;
        let p = Path::new(OsStr::from_bytes(b"./a\\b/c\xff"));
        assert_eq!(normal(p), "a\\\\b/c\\xff");
        assert_eq!(shown_path(Path::new("a\\b")), "a\\b");
        let root = Root {
            path: PathBuf::from("x"),
            shown: "a\\b".to_string(),
            legacy: "a\\b".to_string(),
            kind: RootKind::Dir,
            repo: None,
            canonical: PathBuf::from("/x"),
            shown_raw: b"a\\b".to_vec(),
            legacy_raw: b"a\\b".to_vec(),
        };
        let entry = Path::new("x").join(OsStr::from_bytes(b"\xfe.env"));
        assert_eq!(root.name(&entry), ("a\\\\b/\\xfe.env".to_string(), None));
    }

    #[test]
    fn config_is_found_upward_to_the_work_tree_root() {
        let t = tempfile::tempdir().expect("tempdir");
        let top = std::fs::canonicalize(t.path()).expect("canonical");
        let sub = top.join("a/b");
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::write(top.join(CONFIG_FILE), "").expect("write");
        let c = choose_config(None, Some(&sub), Some(&top));
        assert_eq!(c.file, Some(top.join(CONFIG_FILE)));
        assert_eq!(c.base, "");
        std::fs::write(top.join("a").join(CONFIG_FILE), "").expect("write");
        let c = choose_config(None, Some(&sub), Some(&top));
        assert_eq!(c.base, "a/");
        // Outside a work tree only the scanned directory itself is looked at.
        assert_eq!(
            choose_config(None, Some(&sub), None),
            ConfigChoice::default()
        );
    }
}
