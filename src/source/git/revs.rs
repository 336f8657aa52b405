//! Revision selection: which commits a history scan walks (`--range`, `--branch`, or every
//! ref and HEAD), oldest first, so that the first commit to hold a blob is its introduction.

use super::HistoryOptions;
use crate::source::warn;
use anyhow::{anyhow, bail, Context, Result};
use git2::{ObjectType, Oid, Repository, Sort};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

/// What a history scan walks.
#[derive(Debug, Default)]
pub struct Walk {
    /// Commits, oldest first (parents before children).
    pub commits: Vec<Oid>,
    /// Refs that point straight at a tree or a blob (no commit): `(ref name, object, kind)`.
    pub tagged: Vec<(String, Oid, ObjectType)>,
    /// Refs and commits that could not be read.
    pub unreadable: u64,
}

/// The commits to walk, oldest first, and the trees and blobs refs point at directly.
pub fn commits_to_walk(repo: &Repository, opts: &HistoryOptions) -> Result<Walk> {
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
    let mut out = Walk::default();
    let mut tips = Vec::new();
    let mut hide = Vec::new();
    if let Some(range) = &opts.range {
        let Some((a, b)) = range.split_once("..") else {
            bail!("--range {range:?}: expected A..B (commits reachable from B and not from A)");
        };
        if a.is_empty() || b.is_empty() || b.starts_with('.') {
            bail!("--range {range:?}: expected A..B with both ends named, e.g. main..HEAD");
        }
        tips.push(resolve("--range", b)?);
        hide.push(resolve("--range", a)?);
    } else if let Some(branch) = &opts.branch {
        tips.push(resolve("--branch", branch)?);
    } else {
        let refs = repo
            .references()
            .context("cannot list the references of the repository")?;
        for r in refs {
            let r = match r {
                Ok(r) => r,
                Err(e) => {
                    out.unreadable += 1;
                    warn(&format!(
                        "cannot read a reference: {}; skipped",
                        e.message()
                    ));
                    continue;
                }
            };
            let name = String::from_utf8_lossy(r.name_bytes()).into_owned();
            match r.peel(ObjectType::Any) {
                Ok(obj) => match obj.kind() {
                    Some(ObjectType::Commit) => tips.push(obj.id()),
                    // A tag of a tree or a blob holds content no commit does.
                    Some(kind @ (ObjectType::Tree | ObjectType::Blob)) => {
                        out.tagged.push((name, obj.id(), kind))
                    }
                    _ => {}
                },
                Err(e) => {
                    out.unreadable += 1;
                    warn(&format!("{name}: cannot resolve: {}; skipped", e.message()));
                }
            }
        }
        // A detached HEAD may hold commits no ref does.
        if let Ok(head) = repo.head() {
            if let Ok(c) = head.peel_to_commit() {
                tips.push(c.id());
            }
        }
    }
    if tips.is_empty() {
        return Ok(out);
    }
    match revwalk(repo, &tips, &hide) {
        Ok(commits) => out.commits = commits,
        Err(e) => {
            // libgit2's sorted walk yields nothing when one commit is missing: walk by hand,
            // keeping every commit that can be read.
            warn(&format!(
                "the commit walk failed ({}); walking the commits that can be read",
                e.message()
            ));
            let (commits, missing) = walk_by_hand(repo, &tips, &hide);
            out.commits = commits;
            out.unreadable += missing;
        }
    }
    Ok(out)
}

/// libgit2's walk: topological, ties by time, oldest first. Any missing object fails it.
fn revwalk(repo: &Repository, tips: &[Oid], hide: &[Oid]) -> Result<Vec<Oid>, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)?;
    for t in tips {
        walk.push(*t)?;
    }
    for h in hide {
        walk.hide(*h)?;
    }
    walk.collect()
}

/// The commits reachable from `tips` and not from `hide`, parents before children (ties by
/// commit time), skipping (and counting) commits that cannot be read: their children are
/// then roots, as in a shallow clone.
fn walk_by_hand(repo: &Repository, tips: &[Oid], hide: &[Oid]) -> (Vec<Oid>, u64) {
    let (hidden, _) = reachable(repo, hide, &HashMap::new());
    let (nodes, missing) = reachable(repo, tips, &hidden);
    let mut children: HashMap<Oid, Vec<Oid>> = HashMap::new();
    let mut waiting: HashMap<Oid, usize> = HashMap::new();
    for (oid, (_, parents)) in &nodes {
        let present: Vec<&Oid> = parents.iter().filter(|p| nodes.contains_key(p)).collect();
        waiting.insert(*oid, present.len());
        for p in present {
            children.entry(*p).or_default().push(*oid);
        }
    }
    let mut ready: BinaryHeap<Reverse<(i64, Oid)>> = waiting
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(oid, _)| Reverse((nodes[oid].0, *oid)))
        .collect();
    let mut out = Vec::with_capacity(nodes.len());
    while let Some(Reverse((_, oid))) = ready.pop() {
        out.push(oid);
        for c in children.get(&oid).into_iter().flatten() {
            if let Some(n) = waiting.get_mut(c) {
                *n -= 1;
                if *n == 0 {
                    ready.push(Reverse((nodes[c].0, *c)));
                }
            }
        }
    }
    (out, missing)
}

/// Commit time and parents of every readable commit reachable from `from`, stopping at
/// `stop`; and how many could not be read (each warned of once).
fn reachable(
    repo: &Repository,
    from: &[Oid],
    stop: &HashMap<Oid, (i64, Vec<Oid>)>,
) -> (HashMap<Oid, (i64, Vec<Oid>)>, u64) {
    let mut seen: HashMap<Oid, (i64, Vec<Oid>)> = HashMap::new();
    let mut bad: HashSet<Oid> = HashSet::new();
    let mut stack: Vec<Oid> = from.to_vec();
    while let Some(oid) = stack.pop() {
        if seen.contains_key(&oid) || stop.contains_key(&oid) || bad.contains(&oid) {
            continue;
        }
        match repo.find_commit(oid) {
            Ok(c) => {
                let parents: Vec<Oid> = c.parent_ids().collect();
                stack.extend(parents.iter().copied());
                seen.insert(oid, (c.time().seconds(), parents));
            }
            Err(e) => {
                warn(&format!(
                    "commit {oid}: cannot read: {}; its children are scanned as roots",
                    e.message()
                ));
                bad.insert(oid);
            }
        }
    }
    (seen, bad.len() as u64)
}
