//! Files on disk: a parallel walk with `ignore` that honours `.gitignore`/`.ignore`, scans
//! hidden files such as `.env` and `.npmrc`, and never enters `.git/`. Each thread reuses one
//! read buffer; binary and oversized files are skipped and counted.

use super::{warn, SourceStats};
use crate::blob;
use ignore::{WalkBuilder, WalkState};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// How to walk.
pub struct WalkOptions {
    pub roots: Vec<PathBuf>,
    /// Scan ignored files too.
    pub no_ignore: bool,
    pub max_file_size: u64,
    pub threads: usize,
}

/// One root and how its files are named in reports.
struct Root {
    path: PathBuf,
    /// Strip the root from reported paths (a single directory root).
    relative: bool,
}

/// Walks every root and calls `visit(display_path, bytes)` for each text file, from several
/// threads. `skip(display_path)` is asked before a file is read (path allowlists).
/// `visit` builds its per-thread state with `init`.
pub fn walk<S: Send, I, V, K>(opts: &WalkOptions, stats: &SourceStats, skip: K, init: I, visit: V)
where
    I: Fn() -> S + Sync,
    V: Fn(&mut S, &str, &[u8]) + Sync,
    K: Fn(&str) -> bool + Sync,
{
    let single_dir = opts.roots.len() == 1 && opts.roots[0].is_dir();
    for root_path in &opts.roots {
        let root = Root {
            path: root_path.clone(),
            relative: single_dir,
        };
        if root_path.is_file() {
            // A file named on the command line is scanned even if an ignore file lists it.
            let mut state = init();
            let mut buf = Vec::new();
            let name = display_path(&root, root_path);
            scan_file(root_path, &name, opts, stats, &skip, &mut buf, |b| {
                visit(&mut state, &name, b)
            });
            continue;
        }
        let mut builder = WalkBuilder::new(root_path);
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
            let root = &root;
            let skip = &skip;
            let visit = &visit;
            Box::new(move |entry| {
                let entry = match entry {
                    Ok(e) => e,
                    Err(err) => {
                        SourceStats::add(&stats.unreadable, 1);
                        warn(&format!("{err}; skipped"));
                        return WalkState::Continue;
                    }
                };
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    return WalkState::Continue;
                }
                let name = display_path(root, entry.path());
                scan_file(entry.path(), &name, opts, stats, skip, &mut buf, |b| {
                    visit(&mut state, &name, b)
                });
                WalkState::Continue
            })
        });
    }
}

fn scan_file(
    path: &Path,
    name: &str,
    opts: &WalkOptions,
    stats: &SourceStats,
    skip: &(impl Fn(&str) -> bool + ?Sized),
    buf: &mut Vec<u8>,
    visit: impl FnOnce(&[u8]),
) {
    if skip(name) {
        SourceStats::add(&stats.allowlisted_paths, 1);
        return;
    }
    match read_file(path, opts.max_file_size, buf) {
        Ok(Read_::Text) => {
            SourceStats::add(&stats.files, 1);
            SourceStats::add(&stats.bytes, buf.len() as u64);
            visit(buf);
        }
        Ok(Read_::Binary) => SourceStats::add(&stats.skipped_binary, 1),
        Ok(Read_::TooLarge(size)) => {
            SourceStats::add(&stats.skipped_large, 1);
            warn(&format!(
                "{name}: {size} bytes is over --max-file-size {}; skipped (raise the limit to scan it)",
                opts.max_file_size
            ));
        }
        Err(e) => {
            SourceStats::add(&stats.unreadable, 1);
            warn(&format!("{name}: cannot read: {e}; skipped"));
        }
    }
}

enum Read_ {
    Text,
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
    Ok(Read_::Text)
}

/// A path as reports show it: relative to a single directory root, otherwise as walked;
/// `/` separators and no leading `./`.
fn display_path(root: &Root, path: &Path) -> String {
    let p = if root.relative {
        path.strip_prefix(&root.path).unwrap_or(path)
    } else {
        path
    };
    let mut s = p.to_string_lossy().replace('\\', "/");
    while let Some(rest) = s.strip_prefix("./") {
        s = rest.to_string();
    }
    s
}
