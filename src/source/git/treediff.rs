//! The tree diff: which (path, blob) entries a commit introduces, found by comparing its
//! tree with its parents' trees and skipping every subtree whose id is unchanged. Most
//! commits touch a few files, so most of the tree is never read; git2's diff machinery does
//! far more (deltas, file records) and is several times slower for this question. For a merge
//! an entry is introduced only when it differs from *all* parents: content that came from
//! either side was already introduced by the commit on that side.

use super::meta;
use crate::finding::CommitInfo;
use git2::{Commit, ObjectType, Oid, Repository, Tree};
use std::collections::HashMap;

/// Git file mode of a submodule entry (a commit of another repository).
const MODE_COMMIT: i32 = 0o160000;

/// What the walk keeps from one commit to the next. It goes newest first, so a commit is
/// first read as a parent of a commit walked before it, with its root tree and the subtrees
/// that differ between the two; kept until the commit is walked itself, they are read once,
/// not twice (about a quarter of the walk's time on cargo's history).
#[derive(Default)]
pub struct Cache<'r> {
    /// Commits read as a parent and not walked yet, with their root trees.
    commits: HashMap<Oid, (Commit<'r>, Option<Tree<'r>>)>,
    /// Subtrees read on a parent's side and not walked yet.
    trees: HashMap<Oid, Tree<'r>>,
}

/// At most this many subtrees are kept (a parent's subtrees that its own walk never reaches,
/// being unchanged there, would pile up).
const CACHED_TREES: usize = 4096;

impl<'r> Cache<'r> {
    /// The root tree of parent `pid`, read once.
    fn parent_tree(&mut self, repo: &'r Repository, pid: Oid) -> Result<Tree<'r>, git2::Error> {
        if let Some((commit, tree)) = self.commits.get_mut(&pid) {
            return match tree {
                Some(t) => Ok(t.clone()),
                None => commit.tree().inspect(|t| *tree = Some(t.clone())),
            };
        }
        let commit = repo.find_commit(pid)?;
        let tree = commit.tree();
        self.commits
            .insert(pid, (commit, tree.as_ref().ok().cloned()));
        tree
    }

    /// A subtree on the walked commit's side: taken from the cache when a child read it.
    fn own_subtree(&mut self, repo: &'r Repository, id: Oid) -> Result<Tree<'r>, git2::Error> {
        self.trees
            .remove(&id)
            .map_or_else(|| repo.find_tree(id), Ok)
    }

    /// A subtree on a parent's side: kept for when that parent is walked.
    fn parent_subtree(&mut self, repo: &'r Repository, id: Oid) -> Option<Tree<'r>> {
        if let Some(t) = self.trees.get(&id) {
            return Some(t.clone());
        }
        let tree = repo.find_tree(id).ok()?;
        if self.trees.len() >= CACHED_TREES {
            self.trees.clear();
        }
        self.trees.insert(id, tree.clone());
        Some(tree)
    }
}

/// What a commit introduces: its metadata, its whole message (scanned too), and its entries.
pub struct Introduced {
    pub meta: Option<CommitInfo>,
    pub message: String,
    pub entries: Vec<(Vec<u8>, Oid)>,
}

/// The (path, blob) entries that commit `oid` introduces: those that differ from the same
/// path in every parent. A root commit (or a shallow boundary) introduces all of its tree.
/// `unreadable` hears of every object that could not be read.
pub fn introduced<'r>(
    repo: &'r Repository,
    cache: &mut Cache<'r>,
    oid: Oid,
    shallow: bool,
    unreadable: &dyn Fn(String),
) -> Introduced {
    let mut out = Vec::new();
    let nothing = || Introduced {
        meta: None,
        message: String::new(),
        entries: Vec::new(),
    };
    let read = cache.commits.remove(&oid);
    let (commit, tree) = match read.map_or_else(|| repo.find_commit(oid).map(|c| (c, None)), Ok) {
        Ok(c) => c,
        Err(e) => {
            unreadable(format!(
                "commit {oid}: cannot read: {}; skipped",
                e.message()
            ));
            return nothing();
        }
    };
    let tree = match tree.map_or_else(|| commit.tree(), Ok) {
        Ok(t) => t,
        Err(e) => {
            unreadable(format!(
                "commit {oid}: cannot read its tree: {}; skipped",
                e.message()
            ));
            return nothing();
        }
    };
    let mut parents = Vec::new();
    for pid in commit.parent_ids() {
        match cache.parent_tree(repo, pid) {
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
    walk_tree(
        repo,
        cache,
        &tree,
        &parents,
        &mut prefix,
        &mut out,
        unreadable,
    );
    Introduced {
        meta: Some(meta::commit_info(&commit)),
        message: String::from_utf8_lossy(commit.message_bytes()).into_owned(),
        entries: out,
    }
}

/// Every blob of `tree`, with its path: what a tree introduces when nothing came before it.
pub fn tree_entries(
    repo: &Repository,
    tree: &Tree,
    unreadable: &dyn Fn(String),
) -> Vec<(Vec<u8>, Oid)> {
    let mut out = Vec::new();
    let mut cache = Cache::default();
    walk_tree(
        repo,
        &mut cache,
        tree,
        &[],
        &mut Vec::new(),
        &mut out,
        unreadable,
    );
    out
}

/// Records the entries of `tree` (at `prefix`) that differ from every tree of `parents` (the
/// same path in each parent; `None` where that parent has no tree there).
fn walk_tree<'r>(
    repo: &'r Repository,
    cache: &mut Cache<'r>,
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
            Some(ObjectType::Tree) => match cache.own_subtree(repo, id) {
                Ok(sub) => {
                    let sub_parents: Vec<Option<Tree>> = found
                        .iter()
                        .map(|pid| pid.and_then(|pid| cache.parent_subtree(repo, pid)))
                        .collect();
                    prefix.push(b'/');
                    walk_tree(repo, cache, &sub, &sub_parents, prefix, out, unreadable);
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
