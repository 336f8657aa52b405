//! `leakscan scan` and `leakscan baseline`: files on disk and standard input.

use super::session::{Reporting, Session};
use crate::cli::{BaselineCmd, InputArgs, ScanCmd};
use crate::engine::Scratch;
use crate::report::Format;
use crate::source::anchor::{self, shown_path, Root, RootKind};
use crate::source::fs::{self as fs_source, NotScanned, Scanned};
use crate::source::{stdin, Origin, SourceStats};
use crate::triage::{Collector, Outcome};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

pub fn scan(cmd: ScanCmd) -> Result<u8> {
    files(
        &cmd.paths,
        cmd.no_ignore,
        &cmd.common.input,
        Reporting::of(&cmd.common).verifying(&cmd.verify)?,
    )
}

/// `leakscan baseline`: today's findings as a redacted JSON baseline; exit 0.
pub fn baseline(cmd: BaselineCmd) -> Result<u8> {
    let reporting = Reporting::internal(Format::Json, cmd.output, 0);
    files(&cmd.paths, cmd.no_ignore, &cmd.input, reporting)
}

fn files(paths: &[PathBuf], no_ignore: bool, input: &InputArgs, r: Reporting) -> Result<u8> {
    let (session, mut outcome, not_scanned) = gather(paths, no_ignore, input, r)?;
    // The report and summary come first, for what was scanned; then a path that was named
    // but not scanned makes the run fail (exit 2), whatever was found.
    let code = session.finish(&mut outcome)?;
    fail_on(&not_scanned)?;
    Ok(code)
}

/// An error naming the paths given on the command line that could not be scanned.
pub(super) fn fail_on(not_scanned: &[NotScanned]) -> Result<()> {
    if !not_scanned.is_empty() {
        let list: Vec<String> = not_scanned
            .iter()
            .map(|n| format!("{} ({})", n.name, n.reason))
            .collect();
        bail!(
            "named on the command line but could not be scanned: {}",
            list.join(", ")
        );
    }
    Ok(())
}

/// Scans `paths` (files, directories, `-`): the session, what was found (before the
/// baseline), and the named paths that could not be scanned.
pub(super) fn gather(
    paths: &[PathBuf],
    no_ignore: bool,
    input: &InputArgs,
    r: Reporting,
) -> Result<(Session, Outcome, Vec<NotScanned>)> {
    let paths = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let stdin_count = paths.iter().filter(|p| p.as_os_str() == "-").count();
    if stdin_count > 1 {
        bail!("`-` (stdin) is named more than once");
    }
    let named: Vec<PathBuf> = paths.into_iter().filter(|p| p.as_os_str() != "-").collect();
    for p in &named {
        if let Err(why) = accessible(p) {
            bail!("{}: {why}", shown_path(p));
        }
    }
    let roots = anchor::roots(&named).context("cannot resolve the paths to scan")?;
    let on_disk = roots.iter().find(|r| r.kind != RootKind::Stream);
    let config = anchor::choose_config(
        input.config.as_deref(),
        config_start(on_disk).as_deref(),
        top(on_disk).as_deref(),
    );
    let session = Session::new(input, r, config)?;
    let report = session.check_output_against(roots.iter().map(|r| r.canonical.as_path()))?;
    let report = report.as_deref().and_then(|r| shown_in(&roots, r));
    let engine = &session.engine;
    let stats = SourceStats::default();
    // The report file itself, when it lies in a scanned directory, is left out like an
    // allowlisted path: it is what this run writes.
    let allow = |p: &str| report.as_deref() == Some(p) || session.path_allowlisted(p);
    let policy = session.policy(&stats, &allow);
    let found = Collector::new(engine);
    let decoder = session.decoder(&stats);

    let mut not_scanned = Vec::new();
    if stdin_count == 1 {
        let mut buf = Vec::new();
        let verdict = match stdin::read(&policy, &mut buf) {
            Ok(()) => fs_source::judge(&policy, "-", &buf),
            Err(why) => Scanned::No(why),
        };
        match verdict {
            Scanned::Yes => {
                let parts = decoder.scan("-", &buf, &mut Scratch::default());
                found.add_parts(parts, &Origin::Stdin);
            }
            Scanned::No(reason) => not_scanned.push(NotScanned {
                name: "-".to_string(),
                reason,
            }),
            Scanned::Allowlisted => {}
        }
    }
    let opts = fs_source::WalkOptions {
        roots,
        no_ignore,
        threads: session.threads,
    };
    not_scanned.extend(fs_source::walk(
        &opts,
        &policy,
        Scratch::default,
        |scratch, origin, bytes| {
            found.add_parts(decoder.scan(origin.path(), bytes, scratch), &origin)
        },
    ));
    let outcome = found.outcome(stats, &session.cfg.allowlist);
    Ok((session, outcome, not_scanned))
}

/// The reported path `file` (canonical) would have in the walk of `roots`, if it lies under
/// one of them.
fn shown_in(roots: &[Root], file: &Path) -> Option<String> {
    roots
        .iter()
        .filter(|r| r.kind == RootKind::Dir)
        .find_map(|r| {
            let rest = file.strip_prefix(&r.canonical).ok()?;
            Some(r.name(&r.path.join(rest)).0)
        })
}

/// Why a named path cannot be scanned at all, before anything is read: it does not exist,
/// is a dangling symlink or a symlink loop, or cannot be looked at.
fn accessible(p: &Path) -> Result<(), String> {
    let Err(e) = std::fs::metadata(p) else {
        return Ok(());
    };
    let is_link = std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
    Err(match e.kind() {
        _ if cfg!(unix) && e.raw_os_error() == Some(ELOOP) => {
            "symlink loop (too many levels of symbolic links)".to_string()
        }
        std::io::ErrorKind::NotFound if is_link => {
            "broken symlink: its target does not exist".to_string()
        }
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        _ => format!("cannot access: {e}"),
    })
}

/// The errno of "too many levels of symbolic links".
#[cfg(any(target_os = "linux", target_os = "android"))]
const ELOOP: i32 = 40;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const ELOOP: i32 = 62; // macOS and the BSDs

/// Where the config search starts: the first directory scanned (a file's directory), else
/// the current directory (stdin or streams alone).
fn config_start(first: Option<&Root>) -> Option<PathBuf> {
    match first {
        Some(r) if r.kind == RootKind::Dir => Some(r.canonical.clone()),
        Some(r) => Some(r.canonical.parent().unwrap_or(&r.canonical).to_path_buf()),
        None => anchor::current_dir(),
    }
}

/// The work tree the config search stops at.
fn top(first: Option<&Root>) -> Option<PathBuf> {
    match first {
        Some(r) => r.repo.clone(),
        None => anchor::current_dir().and_then(|d| anchor::work_tree_of(&d)),
    }
}
