//! `leakscan history`: every blob of the chosen commits, once each, labelled with every
//! (path, commit) that introduced it, then one finding per secret and path: the first.

use super::session::{Reporting, Session};
use crate::cli::HistoryCmd;
use crate::engine::Scratch;
use crate::finding::{escape_control, redact, CommitInfo};
use crate::source::git::{self, meta};
use crate::source::{self, anchor, Origin, SourceStats};
use crate::triage::{self, Outcome};
use anyhow::{bail, Result};
use std::borrow::Cow;
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
    let session = Session::new(
        &cmd.common.input,
        Reporting::of(&cmd.common).verifying(&cmd.verify)?,
        config,
    )?;
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
    let decoder = session.decoder(&stats);
    let mut plan = git::plan(&repo, &opts, &policy)?;
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
        |scratch, blob, bytes| {
            let name = plan.blobs[blob as usize]
                .intros
                .first()
                .map_or("?", |i| plan.paths[i.path as usize].as_str());
            let parts = decoder.scan(name, bytes, scratch);
            (!parts.is_empty()).then_some(parts)
        },
    );
    let mut inline = 0u64;
    let mut introduced = Vec::new();
    // Commit messages are scanned too; a secret found in one is redacted wherever that
    // message is printed (every finding of the commit shows its first line).
    let mut scratch = Scratch::default();
    for (order, message) in plan.messages.iter().enumerate() {
        let scan = decoder.text("(commit message)", message.as_bytes(), &mut scratch, 0);
        if scan.matches.is_empty() && scan.inline_allowed == 0 {
            continue;
        }
        inline += scan.inline_allowed as u64;
        let Some(meta) = plan.metas.get_mut(order).and_then(Option::as_mut) else {
            continue;
        };
        if !session.reporting.show_secrets {
            for m in &scan.matches {
                meta.message = redact_in(&meta.message, &m.secret);
            }
        }
        let origin = Origin::Message { commit: meta };
        for m in &scan.matches {
            introduced.push(triage::Introduced {
                finding: triage::label(&engine.rules()[m.rule], m, &origin),
                order: order as u32,
                blob: u32::MAX,
            });
        }
    }
    for (blob, parts) in scans {
        for part in &parts {
            inline += part.scan.inline_allowed as u64;
            for intro in &plan.blobs[blob as usize].intros {
                let commit = commit_of(&plan, intro.commit);
                let blob_path = &plan.paths[intro.path as usize];
                let member_path = part
                    .member
                    .as_ref()
                    .map(|m| triage::member_path(blob_path, m));
                let origin = Origin::History {
                    path: member_path.as_deref().unwrap_or(blob_path),
                    commit: &commit,
                };
                for m in &part.scan.matches {
                    introduced.push(triage::Introduced {
                        finding: triage::label(&engine.rules()[m.rule], m, &origin),
                        order: intro.commit,
                        blob,
                    });
                }
            }
        }
    }
    let mut findings: Vec<_> = triage::first_introductions(introduced)
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    // A token whose provider caps its lifetime expired at the latest that long after the
    // commit that introduced it.
    let now = jiff::Timestamp::now().as_second();
    for f in &mut findings {
        if let (Some(t), Some(c)) = (f.token.as_mut(), &f.commit) {
            if c.time > 0 {
                crate::facts::bound_by_commit(t, &f.rule_id, c.time, now);
            }
        }
    }
    if !session.quiet {
        eprintln!(
            "leakscan: history: {} commits, {} distinct blobs at {} paths",
            plan.commits.len(),
            plan.blobs.len(),
            plan.paths.len()
        );
    }
    let mut outcome = Outcome::new(findings, inline, stats, &session.cfg.allowlist);
    let code = session.finish(&mut outcome)?;
    let s = &outcome.stats;
    if SourceStats::get(&s.files) == 0 && SourceStats::get(&s.unreadable) > 0 {
        bail!(
            "{}: nothing could be scanned ({} refs, commits or objects unreadable; the repository may be damaged: try `git fsck`)",
            repo.path().display(),
            SourceStats::get(&s.unreadable)
        );
    }
    Ok(code)
}

/// `text` (escaped for terminals, as commit metadata is) with every occurrence of `secret`
/// (or of any part of it that reaches the text's end: the first line may cut it) redacted.
fn redact_in(text: &str, secret: &str) -> String {
    let shown = escape_control(secret);
    let mut out = text.replace(&shown, &redact(secret));
    // A secret split over the first line's end leaves a prefix at the end of the line.
    if let Some(i) = (1..shown.len())
        .rev()
        .filter(|&n| shown.is_char_boundary(n) && n >= 8)
        .find(|&n| out.ends_with(&shown[..n]))
    {
        out.truncate(out.len() - i);
        out.push_str(&redact(secret));
    }
    out
}

/// What the plan recorded of commit `order` (every introducing commit has it; the id alone
/// if not).
/// Borrowed: `label` makes the one copy a finding keeps.
fn commit_of(plan: &git::Plan, order: u32) -> Cow<'_, CommitInfo> {
    let i = order as usize;
    match plan.metas.get(i).and_then(Option::as_ref) {
        Some(meta) => Cow::Borrowed(meta),
        None => Cow::Owned(CommitInfo {
            id: plan
                .commits
                .get(i)
                .map(|c| c.to_string())
                .unwrap_or_default(),
            author: String::new(),
            email: String::new(),
            date: String::new(),
            message: String::new(),
            time: 0,
        }),
    }
}

/// Where a git command's config search starts: the REPO argument (or the current
/// directory) when it lies in the work tree, else the work tree's root.
pub(super) fn config_start(repo_arg: Option<&Path>, top: Option<&Path>) -> Option<PathBuf> {
    let top = top?;
    let here = match repo_arg {
        Some(p) => std::fs::canonicalize(p).ok(),
        None => anchor::current_dir(),
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
