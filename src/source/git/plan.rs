//! The introduction plan: the commits to walk, and for each distinct blob the paths it
//! appeared at with the first commit that put it there, plus what reports say of each
//! introducing commit. The plan is all a history scan needs after the walk.

use super::{pool, revs, treediff, with_repo, HistoryOptions};
use crate::finding::{escape_control, escape_path_bytes, CommitInfo};
use crate::source::{progress, Policy, SourceStats};
use anyhow::Result;
use git2::{ObjectType, Oid, Repository};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// Commits handed to the workers at a time while planning: large enough to keep two to
/// sixty-four cores busy, small enough that the per-commit results stay small.
const PLAN_CHUNK: usize = 512;

/// The id of the empty blob (e69de29b…): nothing to scan, and it is everywhere
/// (`__init__.py`, `.keep`).
const EMPTY_BLOB: [u8; 20] = [
    0xe6, 0x9d, 0xe2, 0x9b, 0xb2, 0xd1, 0xd6, 0x43, 0x4b, 0x8b, 0x29, 0xae, 0x77, 0x5a, 0xd8, 0xc2,
    0xe4, 0x8c, 0x53, 0x91,
];

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
    /// What reports say of each commit of `commits` (`None` where it could not be read).
    pub metas: Vec<Option<CommitInfo>>,
    /// The whole message of each commit of `commits`: secrets are pasted there too.
    pub messages: Vec<String>,
    /// Paths as reports show them (lossy UTF-8, control characters escaped).
    pub paths: Vec<String>,
    /// In order of first introduction, which keeps neighbouring blobs close in the packs.
    pub blobs: Vec<BlobIntros>,
    /// True when the repository is a shallow clone (history before its boundary is missing).
    pub shallow: bool,
}

/// Interned paths and blobs, and each blob's introductions, as the walk finds them.
#[derive(Default)]
struct Index {
    path_ids: HashMap<Vec<u8>, u32>,
    paths: Vec<String>,
    path_skipped: Vec<bool>,
    blob_ids: HashMap<Oid, u32>,
    blobs: Vec<BlobIntros>,
    seen: HashSet<(u32, u32)>,
}

impl Index {
    /// Records what commit `commit` (walk order) introduces; the policy's path allowlist is
    /// asked once per distinct path.
    fn record(&mut self, commit: u32, entries: Vec<(Vec<u8>, Oid)>, policy: &Policy) {
        for (path, oid) in entries {
            if oid.as_bytes() == EMPTY_BLOB {
                continue;
            }
            let next_path = self.paths.len() as u32;
            let (paths, skipped) = (&mut self.paths, &mut self.path_skipped);
            let pid = *self.path_ids.entry(path).or_insert_with_key(|p| {
                let shown = escape_control(&escape_path_bytes(p));
                skipped.push(!policy.admit_path(&shown));
                paths.push(shown);
                next_path
            });
            if self.path_skipped[pid as usize] {
                continue;
            }
            let next_blob = self.blobs.len() as u32;
            let blobs = &mut self.blobs;
            let bid = *self.blob_ids.entry(oid).or_insert_with(|| {
                blobs.push(BlobIntros {
                    oid,
                    intros: Vec::new(),
                });
                next_blob
            });
            if self.seen.insert((bid, pid)) {
                self.blobs[bid as usize]
                    .intros
                    .push(Intro { path: pid, commit });
            }
        }
    }
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
    let walk = revs::commits_to_walk(repo, opts)?;
    SourceStats::add(&policy.stats.unreadable, walk.unreadable);
    let mut commits = walk.commits;
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
    let mut messages: Vec<String> = Vec::with_capacity(commits.len());
    let mut index = Index::default();

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
                            message: String::new(),
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
            messages.push(intro.message);
            index.record(commit, intro.entries, policy);
        }
    }
    progress::done(&pb);
    // Refs that name a tree or a blob directly: their content is scanned as if a commit
    // had introduced it, named after the ref.
    for (name, oid, kind) in walk.tagged {
        let entries = match kind {
            ObjectType::Tree => match repo.find_tree(oid) {
                Ok(tree) => treediff::tree_entries(repo, &tree, &unreadable),
                Err(e) => {
                    unreadable(format!("{name}: cannot read tree {oid}: {}", e.message()));
                    continue;
                }
            },
            _ => vec![(name.clone().into_bytes(), oid)],
        };
        let kind = if kind == ObjectType::Tree {
            "tree"
        } else {
            "blob"
        };
        let commit = commits.len() as u32;
        commits.push(oid);
        metas.push(Some(CommitInfo {
            id: oid.to_string(),
            author: String::new(),
            email: String::new(),
            date: String::new(),
            message: escape_control(&format!("{name} points at a {kind}, not a commit")),
            time: 0,
        }));
        messages.push(String::new());
        index.record(commit, entries, policy);
    }
    let Index { paths, blobs, .. } = index;
    Ok(Plan {
        git_dir,
        pool,
        commits,
        metas,
        messages,
        paths,
        blobs,
        shallow,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_empty_blob_id_is_git_s() {
        let oid = git2::Oid::hash_object(git2::ObjectType::Blob, b"").expect("hash");
        assert_eq!(oid.as_bytes(), super::EMPTY_BLOB);
    }
}
