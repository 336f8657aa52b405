//! Git history as a source: every blob reachable from the chosen commits, each distinct blob
//! read once, with the (path, commit) pairs that introduced it.
//!
//! Why it is built this way:
//!
//! - A secret lives in a blob, and one blob is usually held by thousands of commits. So the
//!   work is split in two: a [`plan`] that walks the commits ([`revs`] orders them; the walk
//!   goes newest first, on one thread) and records, for each distinct blob, the paths it
//!   appeared at and the first commit that put it there ([`treediff`]); and a scan that reads
//!   each distinct blob once, in parallel ([`blobs`]), a batch at a time while the walk goes
//!   on. The plan also keeps what reports say of each introducing commit ([`meta`]),
//!   so findings are labelled from the plan afterwards with no second trip to the repository,
//!   and a blob held by 10,000 commits costs one scan.
//! - `git2::Repository` is `Send` but not `Sync`: each rayon worker opens its own handle
//!   ([`with_repo`]) and keeps it for the whole scan.
//! - The plan holds object ids, interned paths and commit metadata, never blob contents; a
//!   worker holds one blob at a time.
//! - A missing or corrupt object is a warning and a count in `unreadable`, not the end of an
//!   audit: old repositories are rarely perfect.

pub mod blobs;
pub mod known;
pub mod meta;
pub mod plan;
pub mod revs;
pub mod treediff;

pub use blobs::scan_history;
pub use plan::{BlobIntros, Found, Intro, Plan};

use anyhow::{anyhow, bail, Context, Result};
use git2::{ErrorCode, Repository, RepositoryOpenFlags};
use std::cell::RefCell;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// What to walk and how.
#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    /// `A..B`: commits reachable from B and not from A.
    pub range: Option<String>,
    /// Only commits whose committer time is at or after this (seconds since the epoch).
    pub since: Option<i64>,
    /// Only commits reachable from this ref (or any revision git understands).
    pub branch: Option<String>,
    pub threads: usize,
    /// Draw a progress bar on stderr.
    pub progress: bool,
}

/// Opens the repository at `path` (or found upwards from it); with no path, as git does:
/// `$GIT_DIR`, `$GIT_INDEX_FILE`... and a search upwards from the current directory.
pub fn open(path: Option<&Path>) -> Result<Repository> {
    let shown = path.unwrap_or(Path::new(".")).display().to_string();
    if let Some(p) = path {
        if !p.exists() {
            bail!("{shown}: no such file or directory");
        }
    }
    let opened = match path {
        None => Repository::open_from_env(),
        Some(p) => Repository::open_ext(
            p,
            RepositoryOpenFlags::empty(),
            std::iter::empty::<&OsStr>(),
        ),
    };
    opened.map_err(|e| {
        if e.code() == ErrorCode::NotFound {
            anyhow!(
                "{shown}: not a git repository (nor any of its parents); give its path as REPO, or use `leakscan scan` for plain files"
            )
        } else {
            anyhow!("{shown}: cannot open the git repository: {}", e.message())
        }
    })
}

/// The work tree root of `repo`, canonical (for anchoring paths and finding the config).
pub fn work_tree(repo: &Repository) -> Option<PathBuf> {
    repo.workdir()
        .map(|w| std::fs::canonicalize(w).unwrap_or_else(|_| w.to_path_buf()))
}

thread_local! {
    /// Each worker's own handle on the repository (git2's `Repository` is not `Sync`), kept
    /// for the whole scan so that its object and delta caches stay warm.
    static REPO: RefCell<Option<(PathBuf, Repository)>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's handle on the repository at `git_dir`, opening it once.
fn with_repo<R>(git_dir: &Path, f: impl FnOnce(&Repository) -> R) -> Result<R> {
    REPO.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|(dir, _)| dir != git_dir) {
            let repo = Repository::open(git_dir).map_err(|e| {
                anyhow!(
                    "cannot open the repository {} again: {}",
                    git_dir.display(),
                    e.message()
                )
            })?;
            *slot = Some((git_dir.to_path_buf(), repo));
        }
        match slot.as_ref() {
            Some((_, repo)) => Ok(f(repo)),
            None => Err(anyhow!("no repository handle")),
        }
    })
}

fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .context("cannot start the worker threads")
}
