//! The introduction plan: the commits to walk, and for each distinct blob the paths it
//! appeared at with the first commit that put it there, plus what reports say of each
//! introducing commit. The plan is all a history scan needs after the walk.

use super::{pool, revs, treediff, with_repo, HistoryOptions};
use crate::finding::{escape_control, CommitInfo};
use crate::source::{progress, Policy, SourceStats};
use anyhow::Result;
use git2::{Oid, Repository};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// Commits handed to the workers at a time while planning: large enough to keep two to
/// sixty-four cores busy, small enough that the per-commit results stay small.
const PLAN_CHUNK: usize = 512;

/// The id of the empty blob: nothing to scan, and it is everywhere (`__init__.py`, `.keep`).
const EMPTY_BLOB: &str = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";

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
    pub(super) git_dir: PathBuf,
    /// The workers of both phases; their threads keep their repository handles.
    pub(super) pool: rayon::ThreadPool,
    /// Walk order: topological, oldest first, ties by commit time.
    pub commits: Vec<Oid>,
    /// What reports say of each commit of `commits` that introduces a blob.
    pub metas: Vec<Option<CommitInfo>>,
    /// Paths as reports show them (lossy UTF-8, control characters escaped).
    pub paths: Vec<String>,
    /// In order of first introduction, which keeps neighbouring blobs close in the packs.
    pub blobs: Vec<BlobIntros>,
    /// True when the repository is a shallow clone (history before its boundary is missing).
    pub shallow: bool,
}

/// Walks the commits and records, for each distinct blob, where it was introduced.
/// The policy's path allowlist is asked once per distinct path.
pub fn plan(repo: &Repository, opts: &HistoryOptions, policy: &Policy) -> Result<Plan> {
    // libgit2 re-hashes every object it reads (SHA-1 with collision detection), which was a
    // fifth of an audit's time; git itself does not when reading. zlib's checksum still
    // catches damaged objects.
    git2::opts::strict_hash_verification(false);
    // libgit2's object cache made audits slower, not faster (lookups under a lock, and
    // trees of a few KiB are over its size limit anyway), and cost hundreds of MiB.
    git2::opts::enable_caching(false);
    let git_dir = repo.path().to_path_buf();
    let shallow = repo.is_shallow();
    let mut commits = revs::commits_to_walk(repo, opts)?;
    if let Some(since) = opts.since {
        commits.retain(|oid| {
            repo.find_commit(*oid)
                .map(|c| c.time().seconds() >= since)
                .unwrap_or(true)
        });
    }

    let pool = pool(opts.threads)?;
    let pb = progress::bar(opts.progress, commits.len() as u64, "commits");
    let unreadable = |what: String| {
        SourceStats::add(&policy.stats.unreadable, 1);
        crate::source::warn(&what);
    };
    let mut metas: Vec<Option<CommitInfo>> = Vec::with_capacity(commits.len());
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
        let results: Vec<treediff::Introduced> = pool.install(|| {
            chunk
                .par_iter()
                .with_min_len(min_len)
                .map(|oid| {
                    let out = with_repo(&git_dir, |repo| {
                        treediff::introduced(repo, *oid, shallow, &unreadable)
                    })
                    .unwrap_or_else(|e| {
                        unreadable(format!("commit {oid}: {e}; skipped"));
                        treediff::Introduced {
                            meta: None,
                            entries: Vec::new(),
                        }
                    });
                    pb.inc(1);
                    out
                })
                .collect()
        });
        for (i, intro) in results.into_iter().enumerate() {
            let commit = (chunk_no * PLAN_CHUNK + i) as u32;
            metas.push(intro.meta);
            for (path, oid) in intro.entries {
                if Some(oid) == empty {
                    continue;
                }
                let next_path = paths.len() as u32;
                let pid = *path_ids.entry(path).or_insert_with_key(|p| {
                    let shown = escape_control(&String::from_utf8_lossy(p));
                    let skip = !policy.admit_path(&shown);
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
    progress::done(&pb);
    Ok(Plan {
        git_dir,
        pool,
        commits,
        metas,
        paths,
        blobs,
        shallow,
    })
}
