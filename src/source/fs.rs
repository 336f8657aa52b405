//! Files on disk: a parallel walk with `ignore` that honours `.gitignore`/`.ignore`, scans
//! hidden files such as `.env` and `.npmrc`, and never enters `.git/`. Each thread reuses one
//! read buffer; what is skipped, and why, is the shared [`Policy`]'s business.
//!
//! A path named on the command line is read whatever it is: a directory is walked, a regular
//! file is read even if an ignore file lists it, and anything else (a FIFO, `/dev/stdin`,
//! `/dev/fd/63` from `<(…)`) is read as a stream within the size limit. Inside a walked
//! directory only regular files are read, never FIFOs or devices, which could block or never
//! end. A named path that could not be scanned at all is returned to the caller as
//! [`NotScanned`]; files skipped inside a directory are only counted and warned about.

use super::anchor::{shown_path, Root, RootKind};
use super::{stdin, Origin, Policy};
use crate::blob;
use ignore::{WalkBuilder, WalkState};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

/// How to walk.
pub struct WalkOptions {
    pub roots: Vec<Root>,
    /// Scan ignored files too.
    pub no_ignore: bool,
    pub threads: usize,
}

/// A path named on the command line (or `-`) that was not scanned at all, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotScanned {
    /// As reported.
    pub name: String,
    pub reason: String,
}

/// What became of one blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanned {
    /// Read and handed to the visitor.
    Yes,
    /// The config's path allowlist says to leave it alone: skipped, but as asked.
    Allowlisted,
    /// Skipped (too large, binary, unreadable): the reason.
    No(String),
}

/// Walks every root and calls `visit(state, origin, bytes)` for each file the policy admits,
/// from several threads; `init` builds each thread's state. Returns the named roots that
/// could not be scanned at all: a named file (or stream) too large, binary or unreadable, or
/// a named directory that could not be read.
pub fn walk<S: Send, I, V>(
    opts: &WalkOptions,
    policy: &Policy,
    init: I,
    visit: V,
) -> Vec<NotScanned>
where
    I: Fn() -> S + Sync,
    V: Fn(&mut S, Origin, &[u8]) + Sync,
{
    let not_scanned = Mutex::new(Vec::new());
    let failed = |name: &str, reason: String| {
        let mut list = not_scanned.lock().unwrap_or_else(|e| e.into_inner());
        list.push(NotScanned {
            name: name.to_string(),
            reason,
        });
    };
    for root in &opts.roots {
        if root.kind != RootKind::Dir {
            // A file named on the command line is scanned even if an ignore file lists it.
            let mut state = init();
            let mut buf = Vec::new();
            let visit = |o: Origin, b: &[u8]| visit(&mut state, o, b);
            let outcome = match root.kind {
                RootKind::Stream => scan_stream(root, policy, &mut buf, visit),
                _ => scan_file(root, &root.path, policy, &mut buf, visit),
            };
            if let Scanned::No(reason) = outcome {
                failed(&root.shown, reason);
            }
            continue;
        }
        let mut builder = WalkBuilder::new(&root.path);
        builder
            .hidden(false)
            .follow_links(false)
            .threads(opts.threads)
            .filter_entry(|e| e.file_name() != ".git");
        if opts.no_ignore {
            builder.standard_filters(false).hidden(false);
        } else {
            builder.require_git(false);
        }
        builder.build_parallel().run(|| {
            let mut state = init();
            let mut buf: Vec<u8> = Vec::new();
            let visit = &visit;
            let failed = &failed;
            Box::new(move |entry| {
                let entry = match entry {
                    Ok(e) => e,
                    Err(err) => {
                        let (path, cause) = split_error(&err);
                        let name = match path {
                            Some(p) if p != root.path => root.name(p).0,
                            _ if root.shown.is_empty() => shown_path(&root.path),
                            _ => root.shown.clone(),
                        };
                        let why = format!("cannot read: {cause}");
                        policy.unreadable(&name, &why);
                        if err.depth().is_none_or(|d| d == 0) {
                            failed(&name, why);
                        }
                        return WalkState::Continue;
                    }
                };
                if entry.file_type().is_some_and(|t| t.is_file()) {
                    scan_file(root, entry.path(), policy, &mut buf, |o, b| {
                        visit(&mut state, o, b)
                    });
                }
                WalkState::Continue
            })
        });
    }
    not_scanned.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// The path a walk error is about, if it names one, and the error without it.
fn split_error(err: &ignore::Error) -> (Option<&Path>, &ignore::Error) {
    match err {
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            split_error(err)
        }
        ignore::Error::WithPath { path, err } => (Some(path), split_error(err).1),
        e => (None, e),
    }
}

/// The policy's verdict on bytes read, with the reason when it refuses them.
pub fn judge(policy: &Policy, name: &str, bytes: &[u8]) -> Scanned {
    if policy.accept(name, bytes) {
        Scanned::Yes
    } else if bytes.len() as u64 > policy.max_file_size {
        Scanned::No(too_large(policy))
    } else {
        Scanned::No("binary".to_string())
    }
}

fn too_large(policy: &Policy) -> String {
    format!("over --max-file-size {}", policy.max_file_size)
}

fn scan_file(
    root: &Root,
    path: &Path,
    policy: &Policy,
    buf: &mut Vec<u8>,
    visit: impl FnOnce(Origin, &[u8]),
) -> Scanned {
    let (name, legacy) = root.name(path);
    if !policy.admit_path(&name) {
        return Scanned::Allowlisted;
    }
    match read_file(path, policy, buf) {
        Ok(Read_::Whole) => {
            // read_file has checked the size and sniffed the start for binary already.
            policy.scanned(buf);
            let origin = Origin::File {
                path: &name,
                legacy: legacy.as_deref(),
            };
            visit(origin, buf);
            Scanned::Yes
        }
        Ok(Read_::Binary) => {
            policy.binary(&name);
            Scanned::No("binary".to_string())
        }
        Ok(Read_::TooLarge(size)) => {
            policy.admit_size(&name, size);
            Scanned::No(too_large(policy))
        }
        Err(e) => {
            let why = format!("cannot read: {e}");
            policy.unreadable(&name, &why);
            Scanned::No(why)
        }
    }
}

/// A named stream: opened by the name given and read like standard input, at most
/// `max_file_size + 1` bytes, then judged by the policy.
fn scan_stream(
    root: &Root,
    policy: &Policy,
    buf: &mut Vec<u8>,
    visit: impl FnOnce(Origin, &[u8]),
) -> Scanned {
    let name = &root.shown;
    if !policy.admit_path(name) {
        return Scanned::Allowlisted;
    }
    let read =
        File::open(&root.path).and_then(|f| stdin::read_stream(f, policy.max_file_size, buf));
    if let Err(e) = read {
        let why = format!("cannot read: {e}");
        policy.unreadable(name, &why);
        return Scanned::No(why);
    }
    let verdict = judge(policy, name, buf);
    if verdict == Scanned::Yes {
        visit(
            Origin::File {
                path: name,
                legacy: None,
            },
            buf,
        );
    }
    verdict
}

enum Read_ {
    Whole,
    Binary,
    TooLarge(u64),
}

/// Reads a file into `buf` (reused across files), unless it is too large or binary.
fn read_file(path: &Path, policy: &Policy, buf: &mut Vec<u8>) -> std::io::Result<Read_> {
    let max = policy.max_file_size;
    let mut f = File::open(path)?;
    let len = f.metadata()?.len();
    if len > max {
        return Ok(Read_::TooLarge(len));
    }
    buf.clear();
    // Sniff the first block before reading the rest, so large binaries cost one read.
    buf.reserve(len as usize + 1);
    let head_len = (&mut f)
        .take(blob::BINARY_SNIFF_LEN as u64)
        .read_to_end(buf)?;
    if policy.is_binary(&buf[..head_len]) {
        return Ok(Read_::Binary);
    }
    // The file may have grown since stat; never read past the limit.
    (&mut f).take(max + 1 - head_len as u64).read_to_end(buf)?;
    if buf.len() as u64 > max {
        return Ok(Read_::TooLarge(buf.len() as u64));
    }
    Ok(Read_::Whole)
}
