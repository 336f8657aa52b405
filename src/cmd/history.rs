//! `leakscan history`: every blob of the chosen commits, once each, labelled with every
//! (path, commit) that introduced it, then one finding per secret and path: the first.

use super::session::{Reporting, Session};
use crate::cli::HistoryCmd;
use crate::engine::Scratch;
use crate::finding::Finding;
use crate::finding::{escape_control, redact, CommitInfo};
use crate::source::git::{self, known, meta};
use crate::source::{self, anchor, Origin, SourceStats};
use crate::triage::{self, Outcome};
use anyhow::{bail, Result};
use std::borrow::Cow;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub fn history(cmd: HistoryCmd) -> Result<u8> {
    let since = meta::since_flag(cmd.since.as_deref())?;
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
    let opts = git::HistoryOptions {
        range: cmd.range.clone(),
        since,
        branch: cmd.branch.clone(),
        threads: session.threads,
        progress: !session.quiet && std::io::stderr().is_terminal(),
    };
    let stats = SourceStats::default();
    let key = cmd.state.as_ref().map(|_| state_key(&session));
    let state = cmd
        .state
        .as_deref()
        .zip(key.as_deref())
        .map(|(path, key)| StateFile { path, key });
    let scanned = scan_repository(&session, &repo, &opts, &stats, state)?;
    if !session.quiet {
        eprintln!("leakscan: history: {}", scanned.counts());
    }
    let mut outcome = Outcome::new(
        scanned.findings,
        scanned.inline,
        stats,
        &session.cfg.allowlist,
    );
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

/// What a history scan of one repository found, before allowlists, the baseline and
/// reporting.
pub(super) struct Scanned {
    pub findings: Vec<Finding>,
    /// Matches the inline marker suppressed.
    pub inline: u64,
    pub commits: usize,
    pub blobs: usize,
    pub paths: usize,
    /// Blobs read this run (all of them, less those a `--state` file knew to be clean).
    pub read: usize,
}

impl Scanned {
    /// `23815 commits, 58584 distinct blobs at 4120 paths` (and how many were read, when a
    /// state file spared some).
    pub fn counts(&self) -> String {
        let mut line = format!(
            "{} commits, {} distinct blobs at {} paths",
            self.commits, self.blobs, self.paths
        );
        if self.read < self.blobs {
            line.push_str(&format!(
                "; {} blobs read, {} known clean from the state file",
                self.read,
                self.blobs - self.read
            ));
        }
        line
    }
}

/// A `--state` file and the key of this session's rules and settings ([`state_key`]).
#[derive(Clone, Copy)]
pub(super) struct StateFile<'a> {
    pub path: &'a Path,
    pub key: &'a str,
}

/// Scans the history of `repo` as `opts` say: every distinct blob once (less those `state`
/// knows to be clean, which it then updates), commit messages too, one finding per secret
/// and path from the commit that introduced it.
pub(super) fn scan_repository(
    session: &Session,
    repo: &git2::Repository,
    opts: &git::HistoryOptions,
    stats: &SourceStats,
    state: Option<StateFile>,
) -> Result<Scanned> {
    let engine = &session.engine;
    let allow = |p: &str| session.path_allowlisted(p);
    let policy = session.policy(stats, &allow);
    let decoder = session.decoder(stats);
    let mut known = match state {
        Some(s) => match known::load(s.path, s.key)? {
            known::Loaded::Usable(k) => k,
            known::Loaded::Missing => known::Known::default(),
            known::Loaded::Stale => {
                source::warn(&format!(
                    "{}: written under other rules or settings (or another leakscan version); scanning everything and writing it anew",
                    s.path.display()
                ));
                known::Known::default()
            }
        },
        None => known::Known::default(),
    };
    let skip = |oid: &git2::Oid| known.clean.contains(oid);
    // Each distinct blob once, while the walk goes on; its matches are labelled with each
    // of its introductions afterwards. With a state file, a clean blob answers too (no
    // parts), to be recorded as read.
    let (mut plan, scans) = git::scan_history(
        repo,
        opts,
        &policy,
        &skip,
        Scratch::default,
        |scratch, _, name, bytes| {
            let parts = decoder.scan(name, bytes, scratch);
            (!parts.is_empty() || state.is_some()).then_some(parts)
        },
    )?;
    if plan.shallow {
        source::warn(&format!(
            "{}: a shallow clone: history before its oldest fetched commits is missing, and those commits are reported as introducing everything they hold; run `git fetch --unshallow` for a full audit",
            repo.path().display()
        ));
    }
    let read = plan.blobs.iter().filter(|b| !skip(&b.oid)).count();
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
    plan.messages = Vec::new();
    // Blobs read and found clean, for the state file.
    let clean: Vec<git2::Oid> = scans
        .iter()
        .filter(|(_, parts)| parts.is_empty())
        .map(|&(blob, _)| plan.blobs[blob as usize].oid)
        .collect();
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
    if let Some(s) = state {
        // Unreadable objects are never recorded: the next run tries them again.
        known.clean.extend(clean);
        known::save(s.path, s.key, &known.clean)?;
    }
    Ok(Scanned {
        findings,
        inline,
        commits: plan.commits.len(),
        blobs: plan.blobs.len(),
        paths: plan.paths.len(),
        read,
    })
}

/// What decides whether a blob is clean: leakscan's version, every rule in force, the config
/// file, and the size and decoding limits. A state file written under another key is not
/// used. Computed once a session (an audit's repositories share it): it formats every rule.
pub(super) fn state_key(session: &Session) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    for r in session.engine.rules() {
        h.update(format!("{r:?}").as_bytes());
        h.update([0]);
    }
    if let Some(p) = &session.cfg.path {
        h.update(std::fs::read(p).unwrap_or_default());
    }
    h.update(format!("{} {:?}", session.max_file_size, session.limits).as_bytes());
    crate::finding::hex(&h.finalize()[..16])
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
