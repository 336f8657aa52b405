//! Revision selection: which commits a history scan walks (`--range`, `--branch`, or every
//! ref and HEAD), oldest first, so that the first commit to hold a blob is its introduction.

use super::HistoryOptions;
use crate::source::warn;
use anyhow::{anyhow, bail, Context, Result};
use git2::{ObjectType, Oid, Repository, Sort};

/// The commits to walk, oldest first.
pub fn commits_to_walk(repo: &Repository, opts: &HistoryOptions) -> Result<Vec<Oid>> {
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
