//! Staged changes as a source: what `git commit` would add now, the index against HEAD's
//! tree (the empty tree before the first commit). New files are scanned whole; for changed
//! files the whole index blob is scanned (so rules see their context and line numbers are
//! those of the new file) and the caller keeps only findings on added lines.
//!
//! Why it is built this way: this runs in a pre-commit hook, on every commit, so it must cost
//! tens of milliseconds. It never walks the working tree (unstaged edits are not what the
//! commit adds, and statting a large tree is the slow part of `git status`); it reads the
//! index and HEAD's tree, and inflates only the blobs that changed. Line ranges come from a
//! zero-context diff of the old blob against the new one.
//!
//! The pre-commit hook that runs it is written here too ([`hooks_dir`], [`HOOK_SCRIPT`]).

use super::{warn, Policy};
use crate::finding::{escape_control, escape_path_bytes};
use anyhow::{Context, Result};
use git2::{Delta, DiffOptions, ErrorCode, FileMode, Patch, Repository};
use std::path::PathBuf;

/// Which lines of a staged blob the commit adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    /// A new file (or one that replaced a symlink or submodule): every line.
    All,
    /// 1-based, inclusive, sorted, disjoint line ranges of the new blob.
    Lines(Vec<(usize, usize)>),
}

impl Added {
    /// True when any line of `first..=last` is added.
    pub fn touches(&self, first: usize, last: usize) -> bool {
        match self {
            Added::All => true,
            Added::Lines(ranges) => ranges.iter().any(|&(a, b)| a <= last && first <= b),
        }
    }
}

/// Scans the staged blobs: calls `visit(path, bytes, added)` for each added or modified
/// file that the policy accepts. It fails closed, as a pre-commit hook must: when the
/// committed version of a changed file cannot be read, the staged one is scanned whole; the
/// number of staged blobs that could not be read at all is returned, so the caller can refuse
/// the commit.
pub fn scan(
    repo: &Repository,
    policy: &Policy,
    mut visit: impl FnMut(&str, &[u8], &Added),
) -> Result<u64> {
    let mut unread = 0u64;
    let head_tree = match repo.head() {
        Ok(head) => Some(head.peel_to_tree().context(
            "cannot read the tree of HEAD (the repository may be damaged: try `git fsck`)",
        )?),
        // Before the first commit everything in the index is new.
        Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => None,
        Err(e) => return Err(anyhow::anyhow!("cannot resolve HEAD: {}", e.message())),
    };
    let index = repo.index().context("cannot read the index (.git/index)")?;
    let mut opts = DiffOptions::new();
    opts.ignore_submodules(true).include_typechange(true);
    let diff = repo
        .diff_tree_to_index(head_tree.as_ref(), Some(&index), Some(&mut opts))
        .context("cannot compare the index with HEAD")?;

    let mut patch_opts = DiffOptions::new();
    // Zero context: each hunk's new side is exactly the added lines. force_text: a file that
    // was binary and is now text must still give its lines.
    patch_opts.context_lines(0).force_text(true);
    for delta in diff.deltas() {
        let new = delta.new_file();
        if new.mode() == FileMode::Commit || new.id().is_zero() {
            continue; // submodule, or an unresolved conflict: nothing to read
        }
        let added_whole = match delta.status() {
            Delta::Added | Delta::Typechange | Delta::Copied | Delta::Renamed => true,
            Delta::Modified => false,
            _ => continue, // deleted, unmodified, conflicted: the commit adds nothing here
        };
        let path = escape_control(&escape_path_bytes(new.path_bytes().unwrap_or(b"?")));
        if !policy.admit_path(&path) {
            continue;
        }
        let unreadable = |what: &str, e: git2::Error| {
            policy.unreadable(
                &path,
                format_args!("cannot read the {what}: {}", e.message()),
            );
        };
        if !policy.admit_size(&path, new.size()) {
            continue;
        }
        let blob = match repo.find_blob(new.id()) {
            Ok(b) => b,
            Err(e) => {
                unreadable("staged blob", e);
                unread += 1;
                continue;
            }
        };
        let bytes = blob.content();
        // The index's size is the work tree file's (it differs under eol conversion): the
        // blob's own size decides.
        if !policy.admit_size(&path, bytes.len() as u64) {
            continue;
        }
        if policy.is_binary(bytes) {
            policy.binary(&path); // before the diff, which would be of no use
            continue;
        }
        // A UTF-16 file or an archive has no lines a diff could name: all of it counts.
        let added = if added_whole
            || delta.old_file().mode() == FileMode::Commit
            || crate::blob::is_binary(bytes)
            || crate::blob::utf16_order(bytes).is_some()
        {
            Added::All
        } else {
            let whole = |what: &str, e: git2::Error| {
                warn(&format!(
                    "{path}: cannot read the {what}: {}; scanning the staged file whole",
                    e.message()
                ));
            };
            let patch = repo
                .find_blob(delta.old_file().id())
                .map_err(|e| ("committed blob", e))
                .and_then(|old| {
                    Patch::from_blobs(&old, None, &blob, None, Some(&mut patch_opts))
                        .map_err(|e| ("diff", e))
                });
            let patch = match patch {
                Ok(p) => p,
                Err((what, e)) => {
                    whole(what, e);
                    visit_whole(policy, &path, blob.content(), &mut visit);
                    continue;
                }
            };
            let mut ranges = Vec::with_capacity(patch.num_hunks());
            for h in 0..patch.num_hunks() {
                if let Ok((hunk, _)) = patch.hunk(h) {
                    if hunk.new_lines() > 0 {
                        let start = hunk.new_start() as usize;
                        ranges.push((start, start + hunk.new_lines() as usize - 1));
                    }
                }
            }
            if ranges.is_empty() {
                continue; // only deletions (or a mode change): nothing added
            }
            Added::Lines(ranges)
        };
        // Size (from the diff) and binary were checked above.
        policy.scanned(bytes);
        visit(&path, bytes, &added);
    }
    Ok(unread)
}

/// Scans a staged blob (size and binary already checked) as if the file were new.
fn visit_whole(
    policy: &Policy,
    path: &str,
    bytes: &[u8],
    visit: &mut impl FnMut(&str, &[u8], &Added),
) {
    policy.scanned(bytes);
    visit(path, bytes, &Added::All);
}

/// The directory git runs hooks from: `core.hooksPath` when set (relative to the work tree,
/// as git reads it), else `hooks/` in the common git dir (shared by every worktree).
pub fn hooks_dir(repo: &Repository) -> Result<PathBuf> {
    let cfg = repo.config().context("cannot read the git config")?;
    if let Ok(p) = cfg.get_path("core.hooksPath") {
        if p.is_absolute() {
            return Ok(p);
        }
        let base = repo.workdir().unwrap_or_else(|| repo.path());
        return Ok(base.join(p));
    }
    Ok(repo.commondir().join("hooks"))
}

/// The pre-commit hook: a plain sh script that runs `leakscan staged` from PATH.
pub const HOOK_SCRIPT: &str = r#"#!/bin/sh
# pre-commit hook written by `leakscan install-hook`: blocks a commit that would add a secret.
# It checks only what the commit adds (the index against HEAD).
# To skip it once, for a reviewed false alarm: git commit --no-verify
if ! command -v leakscan >/dev/null 2>&1; then
    echo "pre-commit: leakscan is not on PATH, so staged changes cannot be checked for secrets." >&2
    echo "pre-commit: install it (cargo install leakscan) or remove this hook: $0" >&2
    exit 1
fi
exec leakscan staged
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_ranges_touch() {
        let a = Added::Lines(vec![(3, 3), (10, 12)]);
        assert!(a.touches(3, 3));
        assert!(a.touches(9, 10));
        assert!(!a.touches(4, 9));
        assert!(!a.touches(13, 20));
        assert!(Added::All.touches(1, 1));
    }
}
