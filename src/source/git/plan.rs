//! The introduction plan: the commits to walk, and for each distinct blob the paths it
//! appeared at with the first commit that put it there, plus what reports say of each
//! introducing commit. The plan is all a history scan needs after the walk.

use super::{revs, treediff, HistoryOptions};
use crate::finding::{escape_control, escape_path_bytes, CommitInfo};
use crate::source::{Policy, SourceStats};
use anyhow::Result;
use git2::{ObjectType, Oid, Repository};
use std::collections::hash_map::{Entry, HashMap};

/// The walk hands its blobs to the scan in this many batches, so that the scan starts while
/// the walk goes on. Few: a batch holds a few versions of each file, read newest first, and
/// each batch reads a file's delta chain anew (batches of 256 commits cost a third more
/// CPU on cargo's history than one batch).
const BATCHES: usize = 4;

/// A batch is at least this many commits.
const MIN_BATCH: usize = 256;

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
    /// Walk order: topological, oldest first, ties by commit time.
    pub commits: Vec<Oid>,
    /// What reports say of each commit of `commits` (`None` where it could not be read).
    pub metas: Vec<Option<CommitInfo>>,
    /// The whole message of each commit of `commits`: secrets are pasted there too.
    pub messages: Vec<String>,
    /// Paths as reports show them (lossy UTF-8, control characters escaped).
    pub paths: Vec<String>,
    /// In the order the walk found them (it goes newest first).
    pub blobs: Vec<BlobIntros>,
    /// True when the repository is a shallow clone (history before its boundary is missing).
    pub shallow: bool,
}

/// A blob the walk has just found, handed to the scan while the walk goes on: its index in
/// [`Plan::blobs`], its id, and the path and commit (walk order) it was first seen at (the
/// newest: the walk goes newest first).
pub struct Found {
    pub blob: u32,
    pub oid: Oid,
    pub path: u32,
    pub commit: u32,
    /// The path as reports show it, for warnings about the blob.
    pub name: String,
}

/// Interned paths and blobs, and each blob's introductions, as the walk finds them.
#[derive(Default)]
struct Index {
    path_ids: HashMap<Vec<u8>, u32>,
    paths: Vec<String>,
    path_skipped: Vec<bool>,
    blob_ids: HashMap<Oid, u32>,
    blobs: Vec<BlobIntros>,
    /// Where each (blob, path) pair is in its blob's `intros`.
    seen: HashMap<(u32, u32), usize>,
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
            let intros = &mut self.blobs[bid as usize].intros;
            match self.seen.entry((bid, pid)) {
                // The walk goes newest first: an older commit is the earlier introduction.
                Entry::Occupied(at) => {
                    let intro = &mut intros[*at.get()];
                    intro.commit = intro.commit.min(commit);
                }
                Entry::Vacant(at) => {
                    at.insert(intros.len());
                    intros.push(Intro { path: pid, commit });
                }
            }
        }
    }

    /// The blobs recorded since `from` (an earlier length of `blobs`), for the scan.
    fn found_since(&self, from: usize) -> Vec<Found> {
        self.blobs[from..]
            .iter()
            .enumerate()
            .filter_map(|(i, b)| {
                let first = b.intros.first()?;
                Some(Found {
                    blob: (from + i) as u32,
                    oid: b.oid,
                    path: first.path,
                    commit: first.commit,
                    name: self.paths[first.path as usize].clone(),
                })
            })
            .collect()
    }
}

/// Walks the commits and records, for each distinct blob, where it was introduced; the blobs
/// are handed to `found` in batches as the walk finds them, so that they are scanned while
/// the walk goes on. The walk is one thread's: it reads trees and commits, small objects whose
/// reads libgit2 serializes behind its pack locks, so a walk on two threads was no faster and
/// took CPU from the scan. `pb` counts the commits walked. The policy's path allowlist is
/// asked once per distinct path.
pub fn plan(
    repo: &Repository,
    opts: &HistoryOptions,
    policy: &Policy,
    pb: &indicatif::ProgressBar,
    found: &mut dyn FnMut(Vec<Found>),
) -> Result<Plan> {
    // libgit2 re-hashes every object it reads (SHA-1 with collision detection), which was a
    // fifth of an audit's time; git itself does not when reading. zlib's checksum still
    // catches damaged objects.
    git2::opts::strict_hash_verification(false);
    // libgit2's object cache made audits slower, not faster (lookups under a lock, and
    // trees of a few KiB are over its size limit anyway), and cost hundreds of MiB.
    git2::opts::enable_caching(false);
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

    pb.inc_length(commits.len() as u64);
    let unreadable = |what: String| {
        SourceStats::add(&policy.stats.unreadable, 1);
        crate::source::warn(&what);
    };
    let mut metas: Vec<Option<CommitInfo>> = commits.iter().map(|_| None).collect();
    let mut messages: Vec<String> = vec![String::new(); commits.len()];
    let mut index = Index::default();
    let mut handed = 0;
    let mut cache = treediff::Cache::default();
    let batch = commits.len().div_ceil(BATCHES).max(MIN_BATCH);
    // Newest first, so that each file's versions reach the scan newest first: git deltifies
    // older versions against newer ones, and reading them in that order finds each delta's
    // base in libgit2's cache (oldest first costs a third more CPU on cargo's history).
    for (walked, order) in (0..commits.len()).rev().enumerate() {
        let intro = treediff::introduced(repo, &mut cache, commits[order], shallow, &unreadable);
        metas[order] = intro.meta;
        messages[order] = intro.message;
        index.record(order as u32, intro.entries, policy);
        pb.inc(1);
        if (walked + 1).is_multiple_of(batch) && index.blobs.len() > handed {
            found(index.found_since(handed));
            handed = index.blobs.len();
        }
    }
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
    if index.blobs.len() > handed {
        found(index.found_since(handed));
    }
    let Index {
        paths, mut blobs, ..
    } = index;
    // Each blob's introductions oldest first, as reports and the first path want them.
    for b in &mut blobs {
        b.intros.sort_by_key(|i| i.commit);
    }
    Ok(Plan {
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
