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
    pub is_file: bool,
    /// The repository work tree holding it, canonical, if any.
    pub repo: Option<PathBuf>,
}

impl Root {
    /// The reported path of `entry`, a path under (or equal to) this root as walked, and its
    /// pre-0.2 form where that differs.
    pub fn name(&self, entry: &Path) -> (String, Option<String>) {
        let rest = entry.strip_prefix(&self.path).unwrap_or(entry);
        let rest = slashed(rest);
        let shown = join(&self.shown, &rest);
        let legacy = join(&self.legacy, &rest);
        let legacy = (legacy != shown).then_some(legacy);
        (shown, legacy)
    }
}

/// Resolves the roots of a `scan`. Every root must exist (the caller checks).
pub fn roots(paths: &[PathBuf]) -> std::io::Result<Vec<Root>> {
    let single_dir = paths.len() == 1 && paths[0].is_dir();
    paths
        .iter()
        .map(|p| {
            let canonical = std::fs::canonicalize(p)?;
            let is_file = !canonical.is_dir();
            let repo = work_tree_of(&canonical);
            let given = normal(p);
            let legacy = if single_dir { String::new() } else { given };
            let shown = match &repo {
                Some(r) => canonical
                    .strip_prefix(r)
                    .map(slashed)
                    .unwrap_or_else(|_| legacy.clone()),
                None => legacy.clone(),
            };
            Ok(Root {
                path: p.clone(),
                shown,
                legacy,
                is_file,
                repo,
            })
        })
        .collect()
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
                .map(slashed)
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

/// `/`-separated, without `.` components or a leading `./`.
fn normal(p: &Path) -> String {
    let parts: Vec<String> = p
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| match c {
            Component::RootDir => String::new(),
            c => c.as_os_str().to_string_lossy().into_owned(),
        })
        .collect();
    if parts.len() == 1 && parts[0].is_empty() {
        return "/".to_string();
    }
    parts.join("/")
}

fn slashed(p: &Path) -> String {
    normal(p)
}

fn join(prefix: &str, rest: &str) -> String {
    match (prefix.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (_, true) => prefix.to_string(),
        _ if prefix.ends_with('/') => format!("{prefix}{rest}"),
        _ => format!("{prefix}/{rest}"),
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
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("sub", "a"), "sub/a");
        assert_eq!(join("sub", ""), "sub");
        assert_eq!(join("/", "etc"), "/etc");
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
        assert!(r[0].is_file);
        assert_eq!(r[0].name(&root.join("sub/deep/f.txt")).0, "sub/deep/f.txt");
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
