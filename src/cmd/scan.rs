//! `leakscan scan` and `leakscan baseline`: files on disk and standard input.

use super::session::{Reporting, Session};
use crate::cli::{BaselineCmd, ColorChoice, InputArgs, ScanCmd};
use crate::engine::Scratch;
use crate::report::Format;
use crate::source::anchor::{self, Root};
use crate::source::{fs as fs_source, stdin, Origin, SourceStats};
use crate::triage::Collector;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

pub fn scan(cmd: ScanCmd) -> Result<u8> {
    files(
        &cmd.paths,
        cmd.no_ignore,
        &cmd.common.input,
        Reporting::of(&cmd.common),
    )
}

/// `leakscan baseline`: today's findings as a redacted JSON baseline; exit 0.
pub fn baseline(cmd: BaselineCmd) -> Result<u8> {
    let reporting = Reporting {
        format: Format::Json,
        output: cmd.output,
        show_secrets: false,
        exit_code: 0,
        color: ColorChoice::Never,
        baseline: None,
    };
    files(&cmd.paths, cmd.no_ignore, &cmd.input, reporting)
}

fn files(paths: &[PathBuf], no_ignore: bool, input: &InputArgs, r: Reporting) -> Result<u8> {
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
        if !p.exists() {
            bail!("{}: no such file or directory", p.display());
        }
    }
    let roots = anchor::roots(&named).context("cannot resolve the paths to scan")?;
    let config = anchor::choose_config(
        input.config.as_deref(),
        config_start(roots.first()).as_deref(),
        top(roots.first()).as_deref(),
    );
    let session = Session::new(input, r, config)?;
    let report = session.check_output_against(&named)?;
    let report = report.as_deref().and_then(|r| shown_in(&roots, r));
    let engine = &session.engine;
    let stats = SourceStats::default();
    // The report file itself, when it lies in a scanned directory, is left out like an
    // allowlisted path: it is what this run writes.
    let allow = |p: &str| report.as_deref() == Some(p) || session.path_allowlisted(p);
    let policy = session.policy(&stats, &allow);
    let found = Collector::new(engine);

    if stdin_count == 1 {
        let mut buf = Vec::new();
        if stdin::read(&policy, &mut buf) && policy.accept("-", &buf) {
            found.add(engine.scan(&buf, &mut Scratch::default()), &Origin::Stdin);
        }
    }
    let opts = fs_source::WalkOptions {
        roots,
        no_ignore,
        threads: session.threads,
    };
    fs_source::walk(
        &opts,
        &policy,
        Scratch::default,
        |scratch, origin, bytes| found.add(engine.scan(bytes, scratch), &origin),
    );
    let mut outcome = found.outcome(stats, &session.cfg.allowlist);
    session.finish(&mut outcome)
}

/// The reported path `file` (canonical) would have in the walk of `roots`, if it lies under
/// one of them.
fn shown_in(roots: &[Root], file: &Path) -> Option<String> {
    roots.iter().filter(|r| !r.is_file).find_map(|r| {
        let base = std::fs::canonicalize(&r.path).ok()?;
        let rest = file.strip_prefix(&base).ok()?;
        Some(r.name(&r.path.join(rest)).0)
    })
}

/// Where the config search starts: the first directory scanned (a file's directory), else
/// the current directory (stdin alone).
fn config_start(first: Option<&Root>) -> Option<PathBuf> {
    let start = match first {
        Some(r) => std::fs::canonicalize(&r.path)
            .ok()
            .map(|c| match r.is_file {
                true => c.parent().map_or(c.clone(), Path::to_path_buf),
                false => c,
            }),
        None => std::env::current_dir()
            .ok()
            .and_then(|d| std::fs::canonicalize(d).ok()),
    }?;
    Some(start)
}

/// The work tree the config search stops at.
fn top(first: Option<&Root>) -> Option<PathBuf> {
    match first {
        Some(r) => r.repo.clone(),
        None => std::env::current_dir()
            .ok()
            .and_then(|d| std::fs::canonicalize(d).ok())
            .and_then(|d| anchor::work_tree_of(&d)),
    }
}
