//! `leakscan history`: every blob of the chosen commits, once each, labelled with every
//! (path, commit) that introduced it, then one finding per secret and path: the first.

use super::session::{Reporting, Session};
use crate::cli::HistoryCmd;
use crate::engine::Scratch;
use crate::finding::CommitInfo;
use crate::source::git::{self, meta};
use crate::source::{self, anchor, Origin, SourceStats};
use crate::triage::{self, Outcome};
use anyhow::Result;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub fn history(cmd: HistoryCmd) -> Result<u8> {
    let since = cmd
        .since
        .as_deref()
        .map(|s| meta::parse_since(s, jiff::Timestamp::now()))
        .transpose()?;
    let repo = git::open(cmd.repo.as_deref())?;
    let top = git::work_tree(&repo);
    let config = anchor::choose_config(
        cmd.common.input.config.as_deref(),
        config_start(cmd.repo.as_deref(), top.as_deref()).as_deref(),
        top.as_deref(),
    );
    let session = Session::new(&cmd.common.input, Reporting::of(&cmd.common), config)?;
    let engine = &session.engine;
    let opts = git::HistoryOptions {
        range: cmd.range.clone(),
        since,
        branch: cmd.branch.clone(),
        threads: session.threads,
        progress: !session.quiet && std::io::stderr().is_terminal(),
    };
    let stats = SourceStats::default();
    let allow = |p: &str| session.path_allowlisted(p);
    let policy = session.policy(&stats, &allow);
    let plan = git::plan(&repo, &opts, &policy)?;
    if plan.shallow {
        source::warn(&format!(
            "{}: a shallow clone: history before its oldest fetched commits is missing, and those commits are reported as introducing everything they hold; run `git fetch --unshallow` for a full audit",
            repo.path().display()
        ));
    }
    // Each distinct blob once; its matches are labelled with each of its introductions.
    let scans = git::scan_blobs(
        &plan,
        opts.progress,
        &policy,
        Scratch::default,
        |scratch, _, bytes| {
            let s = engine.scan(bytes, scratch);
            (!s.matches.is_empty() || s.inline_allowed > 0).then_some(s)
        },
    );
    let mut inline = 0u64;
    let mut introduced = Vec::new();
    for (blob, scan) in scans {
        inline += scan.inline_allowed as u64;
        for intro in &plan.blobs[blob as usize].intros {
            let commit = commit_of(&plan, intro.commit);
            let origin = Origin::History {
                path: &plan.paths[intro.path as usize],
                commit: &commit,
            };
            for m in &scan.matches {
                introduced.push(triage::Introduced {
                    finding: triage::label(&engine.rules()[m.rule], m, &origin),
                    order: intro.commit,
                    blob,
                });
            }
        }
    }
    let findings = triage::first_introductions(introduced)
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    if !session.quiet {
        eprintln!(
            "leakscan: history: {} commits, {} distinct blobs at {} paths",
            plan.commits.len(),
            plan.blobs.len(),
            plan.paths.len()
        );
    }
    let mut outcome = Outcome::new(findings, inline, stats, &session.cfg.allowlist);
    session.finish(&mut outcome)
}

/// What the plan recorded of commit `order` (every introducing commit has it; the id alone
/// if not).
fn commit_of(plan: &git::Plan, order: u32) -> CommitInfo {
    let i = order as usize;
    plan.metas
        .get(i)
        .and_then(Option::clone)
        .unwrap_or_else(|| CommitInfo {
            id: plan
                .commits
                .get(i)
                .map(|c| c.to_string())
                .unwrap_or_default(),
            author: String::new(),
            email: String::new(),
            date: String::new(),
            message: String::new(),
        })
}

/// Where a git command's config search starts: the REPO argument (or the current
/// directory) when it lies in the work tree, else the work tree's root.
pub(super) fn config_start(repo_arg: Option<&Path>, top: Option<&Path>) -> Option<PathBuf> {
    let top = top?;
    let here = match repo_arg {
        Some(p) => std::fs::canonicalize(p).ok(),
        None => std::env::current_dir()
            .ok()
            .and_then(|d| std::fs::canonicalize(d).ok()),
    };
    let start = here
        .filter(|h| h.starts_with(top))
        .unwrap_or_else(|| top.to_path_buf());
    Some(if start.is_dir() {
        start
    } else {
        start.parent().map_or(top.to_path_buf(), Path::to_path_buf)
    })
}
