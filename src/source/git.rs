//! Git history as a source: every blob reachable from the chosen commits, each distinct blob
//! read once, with the (path, commit) pairs that introduced it.
//!
//! Why it is built this way:
//!
//! - A secret lives in a blob, and one blob is usually held by thousands of commits. So the
//!   work is split in two: a *plan* that walks the commits (oldest first) and records, for
//!   each distinct blob, the paths it appeared at and the first commit that put it there; then
//!   a *scan* that reads each distinct blob once, in parallel. Findings are attached to their
//!   introductions afterwards (in `app`), so a blob held by 10,000 commits costs one scan.
//! - Which (path, blob) a commit introduces is found by comparing its tree with its parents'
//!   trees and skipping every subtree whose id is unchanged: most commits touch a few files,
//!   so most of the tree is never read. git2's diff machinery does far more (it builds deltas
//!   and file records) and is several times slower for this question.
//! - For a merge, an entry is introduced only when it differs from *all* parents: content that
//!   came from either side was already introduced by the commit on that side.
//! - `git2::Repository` is `Send` but not `Sync`: each rayon worker opens its own handle.
//! - The plan holds object ids and interned paths only, never blob contents; a worker holds
//!   one blob at a time.
//! - A missing or corrupt object is a warning and a count in [`SourceStats::unreadable`], not
//!   the end of an audit: old repositories are rarely perfect.

use super::{warn, SourceStats};
use crate::blob;
use crate::finding::{escape_control, CommitInfo};
use anyhow::{anyhow, bail, Context, Result};
use git2::{ErrorCode, ObjectType, Oid, Repository, RepositoryOpenFlags, Sort, Tree};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Commits handed to the workers at a time while planning: large enough to keep two to
/// sixty-four cores busy, small enough that the per-commit results stay small.
const PLAN_CHUNK: usize = 512;

/// The id of the empty blob: nothing to scan, and it is everywhere (`__init__.py`, `.keep`).
const EMPTY_BLOB: &str = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";

/// Git file mode of a submodule entry (a commit of another repository).
const MODE_COMMIT: i32 = 0o160000;

/// What to walk and how.
#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    /// `A..B`: commits reachable from B and not from A.
    pub range: Option<String>,
    /// Only commits whose committer time is at or after this (seconds since the epoch).
    pub since: Option<i64>,
    /// Only commits reachable from this ref (or any revision git understands).
    pub branch: Option<String>,
    pub max_file_size: u64,
    pub threads: usize,
    /// Draw a progress bar on stderr.
    pub progress: bool,
}

/// A blob and the places it was introduced.
#[derive(Debug, Clone)]
pub struct BlobIntros {
    pub oid: Oid,
    /// One per distinct path, with the first commit (walk order) that put the blob there.
    pub intros: Vec<Intro>,
}

/// The blob appeared at `paths[path]` in commit `commits[commit]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intro {
    pub path: u32,
    pub commit: u32,
}

/// The result of walking the commits: what to scan and where it came from.
pub struct Plan {
    git_dir: PathBuf,
    /// The workers of both phases; their threads keep their repository handles.
    pool: rayon::ThreadPool,
    /// Walk order: topological, oldest first, ties by commit time.
    pub commits: Vec<Oid>,
    /// Paths as reports show them (lossy UTF-8, control characters escaped).
    pub paths: Vec<String>,
    /// In order of first introduction, which keeps neighbouring blobs close in the packs.
    pub blobs: Vec<BlobIntros>,
    /// True when the repository is a shallow clone (history before its boundary is missing).
    pub shallow: bool,
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

/// Parses `--since`: `YYYY-MM-DD`, midnight UTC, as seconds since the epoch.
pub fn parse_date(s: &str) -> Result<i64> {
    let bad = || anyhow!("--since {s:?}: expected a date as YYYY-MM-DD, e.g. 2024-01-31");
    let mut parts = s.trim().splitn(3, '-');
    let mut next = |len: usize| -> Result<i64> {
        let p = parts.next().ok_or_else(bad)?;
        if p.len() != len || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        p.parse::<i64>().map_err(|_| bad())
    };
    let (y, m, d) = (next(4)?, next(2)?, next(2)?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return Err(bad());
    }
    Ok(days_from_civil(y, m, d) * 86_400)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// RFC 3339 in the given offset from UTC, as git records author dates.
pub fn rfc3339(secs: i64, offset_minutes: i32) -> String {
    let local = secs + i64::from(offset_minutes) * 60;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let sod = local.rem_euclid(86_400);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let off = offset_minutes.unsigned_abs();
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        sod / 3600,
        sod / 60 % 60,
        sod % 60,
        off / 60,
        off % 60
    )
}

/// The author and first message line of a commit, escaped for terminals (they come from the
/// repository, and anyone can write anything there).
pub fn commit_info(repo: &Repository, oid: Oid) -> Option<CommitInfo> {
    let c = repo.find_commit(oid).ok()?;
    let author = c.author();
    let msg = c.message_bytes();
    let first = msg.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let text = |b: &[u8]| escape_control(String::from_utf8_lossy(b).trim());
    Some(CommitInfo {
        id: oid.to_string(),
        author: text(author.name_bytes()),
        email: text(author.email_bytes()),
        date: rfc3339(author.when().seconds(), author.when().offset_minutes()),
        message: text(first),
    })
}

fn bar(show: bool, len: u64, prefix: &'static str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{prefix:>8} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}")
    {
        pb.set_style(style);
    }
    pb.set_prefix(prefix);
    pb
}

/// A warning that does not tear the progress bar.
fn warn_over(pb: &ProgressBar, msg: &str) {
    pb.suspend(|| warn(msg));
}

/// The commits to walk, oldest first.
fn commits_to_walk(repo: &Repository, opts: &HistoryOptions) -> Result<Vec<Oid>> {
    let mut walk = repo
        .revwalk()
        .context("cannot start a walk of the commits")?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)
        .context("cannot sort the commits")?;
    let resolve = |flag: &str, spec: &str| -> Result<Oid> {
        let obj = repo.revparse_single(spec).map_err(|e| {
            anyhow!(
                "{flag} {spec:?}: no such branch, tag or commit in this repository ({})",
                e.message()
            )
        })?;
        let commit = obj
            .peel_to_commit()
            .map_err(|_| anyhow!("{flag} {spec:?}: does not name a commit"))?;
        Ok(commit.id())
    };
    let mut pushed = 0usize;
    if let Some(range) = &opts.range {
        let Some((a, b)) = range.split_once("..") else {
            bail!("--range {range:?}: expected A..B (commits reachable from B and not from A)");
        };
        if a.is_empty() || b.is_empty() || b.starts_with('.') {
            bail!("--range {range:?}: expected A..B with both ends named, e.g. main..HEAD");
        }
        walk.push(resolve("--range", b)?)?;
        walk.hide(resolve("--range", a)?)?;
        pushed += 1;
    } else if let Some(branch) = &opts.branch {
        walk.push(resolve("--branch", branch)?)?;
        pushed += 1;
    } else {
        let refs = repo
            .references()
            .context("cannot list the references of the repository")?;
        for r in refs {
            let r = match r {
                Ok(r) => r,
                Err(e) => {
                    warn(&format!(
                        "cannot read a reference: {}; skipped",
                        e.message()
                    ));
                    continue;
                }
            };
            let name = String::from_utf8_lossy(r.name_bytes()).into_owned();
            // Refs to trees or blobs (rare) have no history; refs to missing objects are
            // damage worth a warning.
            match r.peel(ObjectType::Any) {
                Ok(obj) => match obj.kind() {
                    Some(ObjectType::Commit) => {
                        if let Err(e) = walk.push(obj.id()) {
                            warn(&format!(
                                "{name}: cannot walk from it: {}; skipped",
                                e.message()
                            ));
                        } else {
                            pushed += 1;
                        }
                    }
                    _ => continue,
                },
                Err(e) => warn(&format!("{name}: cannot resolve: {}; skipped", e.message())),
            }
        }
        // A detached HEAD may hold commits no ref does.
        if let Ok(head) = repo.head() {
            if let Ok(c) = head.peel_to_commit() {
                if walk.push(c.id()).is_ok() {
                    pushed += 1;
                }
            }
        }
    }
    let mut commits = Vec::new();
    if pushed == 0 {
        return Ok(commits);
    }
    for oid in walk {
        match oid {
            Ok(oid) => commits.push(oid),
            Err(e) => {
                warn(&format!(
                    "the commit walk stopped early: {}; scanning the {} commits found so far",
                    e.message(),
                    commits.len()
                ));
                break;
            }
        }
    }
    Ok(commits)
}

/// Walks the commits and records, for each distinct blob, where it was introduced.
/// `skip_path` is asked once per distinct path (path allowlists).
pub fn plan(
    repo: &Repository,
    opts: &HistoryOptions,
    stats: &SourceStats,
    skip_path: impl Fn(&str) -> bool,
) -> Result<Plan> {
    // libgit2 re-hashes every object it reads (SHA-1 with collision detection), which was a
    // fifth of an audit's time; git itself does not when reading. zlib's checksum still
    // catches damaged objects.
    git2::opts::strict_hash_verification(false);
    // libgit2's object cache made audits slower, not faster (lookups under a lock, and
    // trees of a few KiB are over its size limit anyway), and cost hundreds of MiB.
    git2::opts::enable_caching(false);
    let git_dir = repo.path().to_path_buf();
    let shallow = repo.is_shallow();
    let mut commits = commits_to_walk(repo, opts)?;
    if let Some(since) = opts.since {
        commits.retain(|oid| {
            repo.find_commit(*oid)
                .map(|c| c.time().seconds() >= since)
                .unwrap_or(true)
        });
    }

    let pool = pool(opts.threads)?;
    let pb = bar(opts.progress, commits.len() as u64, "commits");
    let mut path_ids: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut paths: Vec<String> = Vec::new();
    let mut path_skipped: Vec<bool> = Vec::new();
    let mut blob_ids: HashMap<Oid, u32> = HashMap::new();
    let mut blobs: Vec<BlobIntros> = Vec::new();
    let mut seen: HashSet<(u32, u32)> = HashSet::new();
    let empty = Oid::from_str(EMPTY_BLOB).ok();

    for (chunk_no, chunk) in commits.chunks(PLAN_CHUNK).enumerate() {
        // Contiguous runs of commits per thread: a commit's parent trees are usually the
        // trees the thread just read, still in its repository's object cache.
        let min_len = chunk.len().div_ceil(opts.threads.max(1));
        let results: Vec<Vec<(Vec<u8>, Oid)>> = pool.install(|| {
            chunk
                .par_iter()
                .with_min_len(min_len)
                .map(|oid| {
                    let out =
                        with_repo(&git_dir, |repo| introduced(repo, *oid, shallow, stats, &pb))
                            .unwrap_or_else(|e| {
                                SourceStats::add(&stats.unreadable, 1);
                                warn_over(&pb, &format!("commit {oid}: {e}; skipped"));
                                Vec::new()
                            });
                    pb.inc(1);
                    out
                })
                .collect()
        });
        for (i, intros) in results.into_iter().enumerate() {
            let commit = (chunk_no * PLAN_CHUNK + i) as u32;
            for (path, oid) in intros {
                if Some(oid) == empty {
                    continue;
                }
                let next_path = paths.len() as u32;
                let pid = *path_ids.entry(path).or_insert_with_key(|p| {
                    let shown = escape_control(&String::from_utf8_lossy(p));
                    let skip = skip_path(&shown);
                    if skip {
                        SourceStats::add(&stats.allowlisted_paths, 1);
                    }
                    paths.push(shown);
                    path_skipped.push(skip);
                    next_path
                });
                if path_skipped[pid as usize] {
                    continue;
                }
                let next_blob = blobs.len() as u32;
                let bid = *blob_ids.entry(oid).or_insert_with(|| {
                    blobs.push(BlobIntros {
                        oid,
                        intros: Vec::new(),
                    });
                    next_blob
                });
                if seen.insert((bid, pid)) {
                    blobs[bid as usize].intros.push(Intro { path: pid, commit });
                }
            }
        }
    }
    pb.finish_and_clear();
    Ok(Plan {
        git_dir,
        pool,
        commits,
        paths,
        blobs,
        shallow,
    })
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

/// The (path, blob) entries that commit `oid` introduces: those that differ from the same
/// path in every parent. A root commit (or a shallow boundary) introduces all of its tree.
fn introduced(
    repo: &Repository,
    oid: Oid,
    shallow: bool,
    stats: &SourceStats,
    pb: &ProgressBar,
) -> Vec<(Vec<u8>, Oid)> {
    let mut out = Vec::new();
    let unreadable = |what: String| {
        SourceStats::add(&stats.unreadable, 1);
        warn_over(pb, &what);
    };
    let commit = match repo.find_commit(oid) {
        Ok(c) => c,
        Err(e) => {
            unreadable(format!(
                "commit {oid}: cannot read: {}; skipped",
                e.message()
            ));
            return out;
        }
    };
    let tree = match commit.tree() {
        Ok(t) => t,
        Err(e) => {
            unreadable(format!(
                "commit {oid}: cannot read its tree: {}; skipped",
                e.message()
            ));
            return out;
        }
    };
    let mut parents = Vec::new();
    for pid in commit.parent_ids() {
        match repo.find_commit(pid).and_then(|p| p.tree()) {
            Ok(t) => parents.push(t),
            // A shallow clone ends at commits whose parents were not fetched: those
            // commits introduce everything they hold, as a root commit does.
            Err(_) if shallow => {}
            Err(e) => unreadable(format!(
                "commit {oid}: cannot read its parent {pid}: {}; treating the commit as a root",
                e.message()
            )),
        }
    }
    let parents: Vec<Option<Tree>> = parents.into_iter().map(Some).collect();
    let mut prefix = Vec::new();
    walk_tree(repo, &tree, &parents, &mut prefix, &mut out, &unreadable);
    out
}

/// Records the entries of `tree` (at `prefix`) that differ from every tree of `parents` (the
/// same path in each parent; `None` where that parent has no tree there).
fn walk_tree(
    repo: &Repository,
    tree: &Tree,
    parents: &[Option<Tree>],
    prefix: &mut Vec<u8>,
    out: &mut Vec<(Vec<u8>, Oid)>,
    unreadable: &dyn Fn(String),
) {
    // Both trees are sorted the same way, so a parent's entry for a name is almost always at
    // its cursor (or just after it): no lookup by name, which allocates and bisects.
    let mut cursors = vec![0usize; parents.len()];
    let mut found: Vec<Option<Oid>> = Vec::with_capacity(parents.len());
    for entry in tree.iter() {
        let name = entry.name_bytes();
        let id = entry.id();
        let mode = entry.filemode_raw();
        if mode == MODE_COMMIT {
            continue; // a submodule: another repository's commit, not content here
        }
        found.clear();
        let mut unchanged = false;
        for (p, cursor) in parents.iter().zip(cursors.iter_mut()) {
            let pid = p
                .as_ref()
                .and_then(|p| entry_named(p, cursor, name))
                .filter(|e| e.kind() == entry.kind())
                .map(|e| e.id());
            unchanged |= pid == Some(id);
            found.push(pid);
        }
        if unchanged {
            continue; // unchanged from some parent: nothing new under it
        }
        let len = prefix.len();
        prefix.extend_from_slice(name);
        match entry.kind() {
            Some(ObjectType::Tree) => match repo.find_tree(id) {
                Ok(sub) => {
                    let sub_parents: Vec<Option<Tree>> = found
                        .iter()
                        .map(|pid| pid.and_then(|pid| repo.find_tree(pid).ok()))
                        .collect();
                    prefix.push(b'/');
                    walk_tree(repo, &sub, &sub_parents, prefix, out, unreadable);
                }
                Err(e) => unreadable(format!(
                    "{}: cannot read tree {id}: {}; skipped",
                    String::from_utf8_lossy(prefix),
                    e.message()
                )),
            },
            Some(ObjectType::Blob) => out.push((prefix.clone(), id)),
            _ => {}
        }
        prefix.truncate(len);
    }
}

/// The entry of `tree` called `name`, looked for first at `cursor` and the few entries after
/// it (moving the cursor past it), then by name.
fn entry_named<'t>(tree: &'t Tree, cursor: &mut usize, name: &[u8]) -> Option<git2::TreeEntry<'t>> {
    for k in 0..4 {
        let e = tree.get(*cursor + k)?;
        if e.name_bytes() == name {
            *cursor += k + 1;
            return Some(e);
        }
    }
    tree.get_name_bytes(name)
}

/// Reads each blob of the plan once, in parallel, and calls `visit(state, blob_index, bytes)`
/// for the text blobs within the size limit. Returns what `visit` returned, with the index.
pub fn scan_blobs<S, T, I, V>(
    plan: &Plan,
    opts: &HistoryOptions,
    stats: &SourceStats,
    init: I,
    visit: V,
) -> Result<Vec<(u32, T)>>
where
    T: Send,
    I: Fn() -> S + Sync,
    V: Fn(&mut S, u32, &[u8]) -> Option<T> + Sync,
{
    let pool = &plan.pool;
    let pb = bar(opts.progress, plan.blobs.len() as u64, "blobs");
    let done_bytes = AtomicU64::new(0);
    // Read versions of one file together, newest first: git deltifies older versions
    // against newer ones, so this order finds delta bases in libgit2's cache.
    let mut order: Vec<u32> = (0..plan.blobs.len() as u32).collect();
    order.sort_by_key(|&i| {
        let b = &plan.blobs[i as usize];
        b.intros
            .first()
            .map_or((u32::MAX, 0), |x| (x.path, u32::MAX - x.commit))
    });
    let results = pool.install(|| {
        order
            .par_iter()
            .map(|&i| (i as usize, &plan.blobs[i as usize]))
            .map_init(&init, |state, (i, b)| {
                pb.inc(1);
                let read = with_repo(&plan.git_dir, |repo| {
                    let blob = read_blob(repo, plan, b, opts.max_file_size, stats, &pb)?;
                    let bytes = blob.content();
                    let total = done_bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                    if i % 64 == 0 {
                        pb.set_message(indicatif::HumanBytes(total).to_string());
                    }
                    visit(state, i as u32, bytes).map(|t| (i as u32, t))
                });
                read.unwrap_or_else(|e| {
                    SourceStats::add(&stats.unreadable, 1);
                    warn_over(&pb, &format!("blob {}: {e}; skipped", b.oid));
                    None
                })
            })
            .flatten()
            .collect()
    });
    pb.finish_and_clear();
    Ok(results)
}

/// Reads one blob for scanning, or says why not.
fn read_blob<'r>(
    repo: &'r Repository,
    plan: &Plan,
    b: &BlobIntros,
    max: u64,
    stats: &SourceStats,
    pb: &ProgressBar,
) -> Option<git2::Blob<'r>> {
    let name = || {
        b.intros
            .first()
            .map_or("?", |i| plan.paths[i.path as usize].as_str())
            .to_string()
    };
    let fail = |e: git2::Error| {
        SourceStats::add(&stats.unreadable, 1);
        warn_over(
            pb,
            &format!(
                "{} (blob {}): cannot read: {}; skipped (the repository may be damaged: try `git fsck`)",
                name(),
                b.oid,
                e.message()
            ),
        );
    };
    // The header gives the size without inflating a large blob we would skip.
    let size = match repo.odb().and_then(|odb| odb.read_header(b.oid)) {
        Ok((size, _)) => size as u64,
        Err(e) => {
            fail(e);
            return None;
        }
    };
    if size > max {
        SourceStats::add(&stats.skipped_large, 1);
        warn_over(
            pb,
            &format!(
                "{} (blob {}): {size} bytes is over --max-file-size {max}; skipped (raise the limit to scan it)",
                name(),
                b.oid
            ),
        );
        return None;
    }
    let blob = match repo.find_blob(b.oid) {
        Ok(blob) => blob,
        Err(e) => {
            fail(e);
            return None;
        }
    };
    if blob::is_binary(blob.content()) {
        SourceStats::add(&stats.skipped_binary, 1);
        return None;
    }
    SourceStats::add(&stats.files, 1);
    SourceStats::add(&stats.bytes, size);
    Some(blob)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_date("1970-01-01").ok(), Some(0));
        assert_eq!(parse_date("2024-02-29").ok(), Some(1_709_164_800));
        assert!(parse_date("2023-02-29").is_err());
        assert!(parse_date("2024-1-01").is_err());
        assert!(parse_date("yesterday").is_err());
        assert_eq!(rfc3339(1_709_164_800, 0), "2024-02-29T00:00:00+00:00");
        assert_eq!(rfc3339(1_709_164_800, -330), "2024-02-28T18:30:00-05:30");
        assert_eq!(rfc3339(1_112_911_993, 120), "2005-04-08T00:13:13+02:00");
    }
}
