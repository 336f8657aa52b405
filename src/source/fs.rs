//! Files on disk: a parallel walk with `ignore` that honours `.gitignore`/`.ignore`, scans
//! hidden files such as `.env` and `.npmrc`, and never enters `.git/`. Each thread reuses one
//! read buffer; what is skipped, and why, is the shared [`Policy`]'s business.

use super::anchor::Root;
use super::{Origin, Policy};
use crate::blob;
use ignore::{WalkBuilder, WalkState};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// How to walk.
pub struct WalkOptions {
    pub roots: Vec<Root>,
    /// Scan ignored files too.
    pub no_ignore: bool,
    pub threads: usize,
}

/// Walks every root and calls `visit(state, origin, bytes)` for each file the policy admits,
/// from several threads; `init` builds each thread's state.
pub fn walk<S: Send, I, V>(opts: &WalkOptions, policy: &Policy, init: I, visit: V)
where
    I: Fn() -> S + Sync,
    V: Fn(&mut S, Origin, &[u8]) + Sync,
{
    for root in &opts.roots {
        if root.is_file {
            // A file named on the command line is scanned even if an ignore file lists it.
            let mut state = init();
            let mut buf = Vec::new();
            scan_file(root, &root.path, policy, &mut buf, |o, b| {
                visit(&mut state, o, b)
            });
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
            Box::new(move |entry| {
                let entry = match entry {
                    Ok(e) => e,
                    Err(err) => {
                        policy.unreadable(&root.shown, err);
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
}

fn scan_file(
    root: &Root,
    path: &Path,
    policy: &Policy,
    buf: &mut Vec<u8>,
    visit: impl FnOnce(Origin, &[u8]),
) {
    let (name, legacy) = root.name(path);
    if !policy.admit_path(&name) {
        return;
    }
    match read_file(path, policy.max_file_size, buf) {
        Ok(Read_::Whole) => {
            if policy.accept(&name, buf) {
                let origin = Origin::File {
                    path: &name,
                    legacy: legacy.as_deref(),
                };
                visit(origin, buf);
            }
        }
        Ok(Read_::Binary) => policy.binary(&name),
        Ok(Read_::TooLarge(size)) => {
            policy.admit_size(&name, size);
        }
        Err(e) => policy.unreadable(&name, format_args!("cannot read: {e}")),
    }
}

enum Read_ {
    Whole,
    Binary,
    TooLarge(u64),
}

/// Reads a file into `buf` (reused across files), unless it is too large or binary.
fn read_file(path: &Path, max: u64, buf: &mut Vec<u8>) -> std::io::Result<Read_> {
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
    if blob::is_binary(&buf[..head_len]) {
        return Ok(Read_::Binary);
    }
    // The file may have grown since stat; never read past the limit.
    (&mut f).take(max + 1 - head_len as u64).read_to_end(buf)?;
    if buf.len() as u64 > max {
        return Ok(Read_::TooLarge(buf.len() as u64));
    }
    Ok(Read_::Whole)
}
