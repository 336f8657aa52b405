//! `leakscan audit`: many repositories, each cloned (or updated) into a cache with the git
//! command line and scanned like `history`, every finding labelled with its repository.
//!
//! It is the unit of work of an existing runner, not a scheduler: `--shard I/N` (or a
//! Kubernetes Indexed Job's `JOB_COMPLETION_INDEX` / `JOB_COMPLETIONS`) picks a stable share of
//! the list, each shard writes its own report, and `leakscan merge` joins them. The list is
//! read line by line; a shard holds one repository's scan at a time, plus the findings so far
//! (for the summary and the exit code). A repository that cannot be cloned or scanned is said on
//! stderr and in a status record, and the audit goes on: exit 3 says it was partial.

use super::history::{scan_repository, state_key, Scanned, StateFile};
use super::session::{Reporting, Session, Settled};
use crate::cli::AuditCmd;
use crate::finding::Finding;
use crate::report::{self, Format};
use crate::source::git::{self, meta};
use crate::source::{self, anchor, SourceStats};
use crate::triage::{Outcome, Suppressed};
use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Exit code of an audit in which some repositories failed.
pub const PARTIAL: u8 = 3;

/// One repository's line in the report (JSONL) and on stderr.
#[derive(Debug, Default, Serialize)]
pub struct Status {
    pub repository: String,
    /// `ok`, `stale` (the cached copy was scanned: fetching failed), or `failed`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub findings: usize,
    pub commits: usize,
    pub blobs: usize,
    pub blobs_read: usize,
    pub seconds: f64,
}

pub fn audit(cmd: AuditCmd) -> Result<u8> {
    let since = meta::since_flag(cmd.since.as_deref())?;
    let shard = match cmd.shard {
        Some(s) => Some(s),
        None => shard_from_env()?,
    };
    let cache = cache_dir(cmd.cache.as_deref())?;
    std::fs::create_dir_all(&cache)
        .with_context(|| format!("cannot create the cache directory {}", cache.display()))?;
    // Only the command line (or LEAKSCAN_CONFIG) chooses a config: a repository's own
    // .leakscan.toml could otherwise allowlist its own leaks out of an audit.
    let config = anchor::choose_config(cmd.common.input.config.as_deref(), None, None);
    let session = Session::new(
        &cmd.common.input,
        Reporting::of(&cmd.common).verifying(&cmd.verify)?,
        config,
    )?;
    let selected = |line: &str| shard.is_none_or(|(i, n)| shard_of(line, n) == i);
    // The shard's size, for progress (a list on stdin is read once, so without it).
    let mut total = None;
    if cmd.repos.as_os_str() != "-" {
        let mut n = 0usize;
        for_each_entry(&cmd.repos, |line| {
            n += usize::from(selected(line));
            Ok(())
        })?;
        total = Some(n);
    }
    let streaming = session.reporting.format == Format::Jsonl;
    let mut sink = if streaming {
        Some(session.sink()?)
    } else {
        None
    };
    let stats = SourceStats::default();
    let mut all: Vec<Finding> = Vec::new();
    let mut inline = 0u64;
    let mut suppressed = Suppressed::default();
    let mut baselined = Vec::new();
    // Entries of the shard; not scanned at all; scanned from a cache that could not be fetched.
    let (mut done, mut failed, mut stale) = (0usize, 0usize, 0usize);
    // The same for every repository: formatted once.
    let key = (!cmd.full).then(|| state_key(&session));
    let opts = git::HistoryOptions {
        range: None,
        since,
        branch: None,
        threads: session.threads,
        progress: false,
    };
    let mut entries = 0usize;
    for_each_entry(&cmd.repos, |entry| {
        entries += 1;
        if !selected(entry) {
            return Ok(());
        }
        done += 1;
        let started = Instant::now();
        let counter = match total {
            Some(t) => format!("{done}/{t}"),
            None => done.to_string(),
        };
        let name = cache_name(entry);
        let result = fetch(entry, &cache, &name, cmd.no_fetch).and_then(|(dir, stale)| {
            let repo = git::open(Some(&dir))?;
            // Beside the mirror (or, for a local path, in the cache too): what the next run
            // need not read again.
            let path = cache.join(format!("{name}.state"));
            let state = key.as_deref().map(|key| StateFile { path: &path, key });
            scan_repository(&session, &repo, &opts, &stats, state).map(|s| (s, stale))
        });
        let seconds = started.elapsed().as_secs_f64();
        let status = match result {
            Ok((scanned, why_stale)) => {
                let Scanned {
                    mut findings,
                    inline: quiet,
                    commits,
                    blobs,
                    read,
                    ..
                } = scanned;
                for f in &mut findings {
                    f.repository = Some(entry.to_string());
                }
                let found;
                if let Some((w, target)) = sink.as_mut() {
                    // Settled and written now: the report grows as the audit goes.
                    let mut outcome = Outcome::new(
                        findings,
                        quiet,
                        SourceStats::default(),
                        &session.cfg.allowlist,
                    );
                    let settled = session.settle(&mut outcome)?;
                    if let (Some(v), false) = (&settled.verified, session.quiet) {
                        eprintln!("{}", v.line());
                    }
                    report::write(
                        w,
                        Format::Jsonl,
                        &outcome.findings,
                        session.report_options(),
                        &mut |m| source::warn(&m),
                    )
                    .with_context(|| format!("writing the report to {target}"))?;
                    found = outcome.findings.len();
                    add(&mut suppressed, &outcome.suppressed);
                    baselined.extend(settled.baselined);
                    all.append(&mut outcome.findings);
                } else {
                    found = findings.len();
                    inline += quiet;
                    all.append(&mut findings);
                }
                stale += usize::from(why_stale.is_some());
                Status {
                    repository: entry.to_string(),
                    status: if why_stale.is_some() { "stale" } else { "ok" },
                    error: why_stale,
                    findings: found,
                    commits,
                    blobs,
                    blobs_read: read,
                    seconds,
                }
            }
            Err(e) => {
                failed += 1;
                Status {
                    repository: entry.to_string(),
                    status: "failed",
                    error: Some(format!("{e:#}")),
                    seconds,
                    ..Status::default()
                }
            }
        };
        if status.status != "ok" {
            eprintln!(
                "leakscan: audit [{counter}] {}: {}: {}",
                status.repository,
                status.status,
                status.error.as_deref().unwrap_or("")
            );
        } else if !session.quiet {
            eprintln!(
                "leakscan: audit [{counter}] {}: {} findings ({} commits, {} blobs, {} read) in {:.1} s",
                status.repository,
                status.findings,
                status.commits,
                status.blobs,
                status.blobs_read,
                status.seconds
            );
        }
        if let Some((w, target)) = sink.as_mut() {
            serde_json::to_writer(&mut *w, &status)
                .map_err(std::io::Error::from)
                .and_then(|()| w.write_all(b"\n"))
                .and_then(|()| w.flush())
                .with_context(|| format!("writing the report to {target}"))?;
        }
        Ok(())
    })?;
    if entries == 0 {
        bail!("{}: no repository to audit", shown(&cmd.repos));
    }
    if done == 0 {
        // A shard the hash left empty: nothing to do is not an error for its runner.
        if let Some((i, n)) = shard {
            eprintln!("leakscan: audit: shard {i}/{n} holds none of the {entries} repositories");
        }
    }
    let code = match sink.take() {
        Some((w, _)) => {
            drop(w);
            // Each repository's findings were settled as it was written.
            let outcome = Outcome {
                findings: all,
                suppressed,
                stats,
            };
            let settled = Settled {
                baselined,
                verified: None,
            };
            session.conclude(&outcome, &settled)?
        }
        None => {
            let mut outcome = Outcome::new(all, inline, stats, &session.cfg.allowlist);
            session.finish(&mut outcome)?
        }
    };
    if !session.quiet || failed + stale > 0 {
        eprintln!(
            "leakscan: audit: {done} repositories: {} scanned, {failed} failed, {stale} stale",
            done - failed
        );
    }
    Ok(if done > 0 && failed == done {
        2
    } else if failed + stale > 0 {
        PARTIAL
    } else {
        code
    })
}

fn add(total: &mut Suppressed, more: &Suppressed) {
    total.allowlist += more.allowlist;
    total.inline += more.inline;
    total.baseline += more.baseline;
}

fn shown(p: &Path) -> String {
    if p.as_os_str() == "-" {
        "stdin".to_string()
    } else {
        anchor::shown_path(p)
    }
}

/// Calls `f` with each entry of the list (trimmed; blank lines and `#` comments skipped),
/// reading one line at a time.
fn for_each_entry(list: &Path, mut f: impl FnMut(&str) -> Result<()>) -> Result<()> {
    let reader: Box<dyn BufRead> = if list.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(list)
            .with_context(|| format!("--repos {}: cannot open", shown(list)))?;
        Box::new(std::io::BufReader::new(file))
    };
    for (n, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("{}: line {}", shown(list), n + 1))?;
        let entry = line.trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        f(entry)?;
    }
    Ok(())
}

/// The shard from a Kubernetes Indexed Job's environment, when both variables are set.
fn shard_from_env() -> Result<Option<(u32, u32)>> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    match (var("JOB_COMPLETION_INDEX"), var("JOB_COMPLETIONS")) {
        (Some(i), Some(n)) => {
            let parse = |k: &str, v: &str| {
                v.trim()
                    .parse::<u32>()
                    .map_err(|_| anyhow!("{k}={v:?} is not a number"))
            };
            let (i, n) = (
                parse("JOB_COMPLETION_INDEX", &i)?,
                parse("JOB_COMPLETIONS", &n)?,
            );
            if n == 0 || i >= n {
                bail!("JOB_COMPLETION_INDEX={i} is not below JOB_COMPLETIONS={n}");
            }
            Ok(Some((i, n)))
        }
        _ => Ok(None),
    }
}

/// The shard of a list entry among `n`: jump consistent hashing (Lamping and Veach, 2014)
/// of a digest of the entry. An entry's shard depends on the entry alone, so adding one
/// moves no other; going from `n` to `n + 1` shards moves about one entry in `n + 1`.
pub fn shard_of(entry: &str, n: u32) -> u32 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(entry.as_bytes());
    let mut key = u64::from_le_bytes(digest[..8].try_into().unwrap_or([0; 8]));
    let (mut b, mut j): (i64, i64) = (-1, 0);
    while j < i64::from(n) {
        b = j;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        j = ((b + 1) as f64 * ((1u64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
    }
    b.max(0) as u32
}

/// `--cache`, or the user's cache directory.
fn cache_dir(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })
        .ok_or_else(|| {
            anyhow!("no cache directory: give --cache DIR (neither XDG_CACHE_HOME nor HOME is set)")
        })?;
    Ok(base.join("leakscan").join("audit"))
}

/// True for what git clones (a URL or `host:path`), false for a local path.
fn is_remote(entry: &str) -> bool {
    if entry.contains("://") {
        return true;
    }
    // scp-like `git@host:org/repo.git`: a colon before any slash, not a drive letter.
    match entry.split_once(':') {
        Some((host, _)) => !host.contains('/') && host.len() > 1,
        None => false,
    }
}

/// A file name for the cache from an entry: readable, and unique by a digest.
fn cache_name(entry: &str) -> String {
    use sha2::{Digest, Sha256};
    let readable: String = entry
        .split_once("://")
        .map_or(entry, |(_, rest)| rest)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let digest = crate::finding::hex(&Sha256::digest(entry.as_bytes())[..6]);
    format!("{}-{digest}", readable.trim_matches('_'))
}

/// The repository to scan for `entry`: a local path as it is, or the cache's mirror of a
/// URL, cloned the first time and fetched later. The second value says why the copy may be
/// stale (a fetch that failed), if it is.
fn fetch(
    entry: &str,
    cache: &Path,
    name: &str,
    no_fetch: bool,
) -> Result<(PathBuf, Option<String>)> {
    if !is_remote(entry) {
        let p = PathBuf::from(entry);
        if !p.exists() {
            bail!("no such directory, and not a URL");
        }
        return Ok((p, None));
    }
    let dir = cache.join(format!("{name}.git"));
    if dir.join("HEAD").is_file() {
        if no_fetch {
            return Ok((dir, None));
        }
        return match run_git(&["-C", &dir.to_string_lossy(), "fetch", "--prune", "--quiet"]) {
            Ok(()) => Ok((dir, None)),
            Err(e) => Ok((
                dir,
                Some(format!("fetch failed, the cached copy was scanned: {e}")),
            )),
        };
    }
    // Cloned beside its final name and moved into place: an interrupted clone leaves no
    // half repository for the next run to trust.
    let tmp = cache.join(format!(".{name}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let cloned = run_git(&[
        "clone",
        "--mirror",
        "--quiet",
        "--",
        entry,
        &tmp.to_string_lossy(),
    ]);
    if let Err(e) = cloned {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(anyhow!("clone failed: {e}"));
    }
    std::fs::rename(&tmp, &dir)
        .with_context(|| format!("cannot move the clone to {}", dir.display()))?;
    Ok((dir, None))
}

/// Runs git without a terminal prompt (a private repository fails instead of waiting for a
/// password); the error is git's own last line.
fn run_git(args: &[&str]) -> Result<()> {
    let out = Command::new("git")
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| anyhow!("cannot run git ({e}); install git to audit repositories"))?;
    if out.status.success() {
        return Ok(());
    }
    // git's own verdict (`fatal: repository '...' not found`), else its last line.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let said = stderr
        .lines()
        .find(|l| l.starts_with("fatal:") || l.starts_with("error:"))
        .or_else(|| stderr.lines().rev().find(|l| !l.trim().is_empty()))
        .unwrap_or("git failed")
        .trim();
    Err(anyhow!("{}", crate::finding::escape_control(said)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_stable_balanced_and_move_little_when_n_grows() {
        let entries: Vec<String> = (0..4000)
            .map(|i| format!("https://git.example/org/repo-{i}.git"))
            .collect();
        let mut counts = [0usize; 4];
        for e in &entries {
            let s = shard_of(e, 4);
            assert_eq!(s, shard_of(e, 4));
            counts[s as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (800..1200).contains(&c)),
            "{counts:?}"
        );
        let moved = entries
            .iter()
            .filter(|e| shard_of(e, 4) != shard_of(e, 5))
            .count();
        // About a fifth move (to the new shard), not most of them.
        assert!((600..1000).contains(&moved), "{moved}");
        assert!(entries
            .iter()
            .filter(|e| shard_of(e, 4) != shard_of(e, 5))
            .all(|e| shard_of(e, 5) == 4));
        assert_eq!(shard_of("x", 1), 0);
    }

    #[test]
    fn entries_and_cache_names() {
        for remote in [
            "https://github.com/o/r.git",
            "file:///srv/git/r.git",
            "ssh://git@host/o/r",
            "git@github.com:o/r.git",
        ] {
            assert!(is_remote(remote), "{remote}");
        }
        for local in ["/srv/git/r.git", "repos/r", "./r", "C:/r", "a/b:c"] {
            assert!(!is_remote(local), "{local}");
        }
        let a = cache_name("https://github.com/o/r.git");
        assert!(a.starts_with("github.com_o_r.git-"), "{a}");
        assert_ne!(a, cache_name("https://github.com/o/r"));
        assert!(!cache_name("file:///../../etc").contains('/'));
    }
}
