//! Sources yield blobs — bytes and where they came from — and know nothing of rules.
//!
//! Every source (files, stdin, history, staged) hands its blobs through one [`Policy`]: the
//! same path allowlist, size limit, binary test and unreadable accounting apply to a blob
//! whatever it came from, and each is counted once in [`SourceStats`]. Where a blob came from
//! is its [`Origin`]; findings are labelled with it after the engine, in `triage`.

pub mod anchor;
pub mod fs;
pub mod git;
pub mod progress;
pub mod staged;
pub mod stdin;

use crate::blob;
use crate::finding::CommitInfo;
use std::fmt::Display;
use std::sync::atomic::{AtomicU64, Ordering};

pub use progress::warn;

/// Counters shared by the threads of one scan.
#[derive(Debug, Default)]
pub struct SourceStats {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
    pub skipped_binary: AtomicU64,
    pub skipped_large: AtomicU64,
    pub unreadable: AtomicU64,
    pub allowlisted_paths: AtomicU64,
    /// Archive members scanned, and what archives could not be read in full (over a limit,
    /// encrypted, damaged).
    pub archive_members: AtomicU64,
    pub archive_warnings: AtomicU64,
    /// Each blob skipped as binary, too large or unreadable, by name: `(path, reason)`.
    pub skipped: std::sync::Mutex<Vec<(String, &'static str)>>,
}

impl SourceStats {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    pub(crate) fn skip(&self, name: &str, reason: &'static str) {
        let mut list = self.skipped.lock().unwrap_or_else(|p| p.into_inner());
        list.push((name.to_string(), reason));
    }

    /// The skipped blobs, sorted by name.
    pub fn skipped_sorted(&self) -> Vec<(String, &'static str)> {
        let mut list = self
            .skipped
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        list.sort();
        list
    }
}

/// Where a blob came from: what a finding in it is labelled with.
#[derive(Debug, Clone, Copy)]
pub enum Origin<'a> {
    /// A file on disk. `path` is anchored (relative to the repository root inside a work tree,
    /// else to the scanned directory); `legacy` is the path as releases before 0.2 reported it
    /// (relative to the scanned argument), where that differs, so old baselines still match.
    File {
        path: &'a str,
        legacy: Option<&'a str>,
    },
    /// Standard input (`-`). A stream named on the command line (`/dev/stdin`, a FIFO) is a
    /// `File` under the name given.
    Stdin,
    /// A blob of git history at `path`, introduced there by `commit`.
    History {
        path: &'a str,
        commit: &'a CommitInfo,
    },
    /// A staged blob (what `git commit` would add).
    Staged { path: &'a str },
    /// The message of a commit (history): no file, reported at [`Origin::MESSAGE_PATH`].
    Message { commit: &'a CommitInfo },
}

impl<'a> Origin<'a> {
    /// The path a finding in a commit message is reported at.
    pub const MESSAGE_PATH: &'static str = "(commit message)";

    /// The origin of a member of this blob (an archive) reported at `path`: the blob's path,
    /// `!`, and the member's path inside it.
    pub fn member<'b>(&self, path: &'b str) -> Origin<'b>
    where
        'a: 'b,
    {
        match *self {
            Origin::History { commit, .. } => Origin::History { path, commit },
            Origin::Staged { .. } => Origin::Staged { path },
            _ => Origin::File { path, legacy: None },
        }
    }

    /// The path reports show: `-` for stdin.
    pub fn path(&self) -> &str {
        match self {
            Origin::File { path, .. } | Origin::History { path, .. } | Origin::Staged { path } => {
                path
            }
            Origin::Stdin => "-",
            Origin::Message { .. } => Self::MESSAGE_PATH,
        }
    }
}

/// What every source applies to every blob, and counts: the path allowlist, the size limit,
/// the binary test, and unreadable input. `name` in each method is the blob's reported path,
/// for warnings.
pub struct Policy<'a> {
    pub max_file_size: u64,
    /// The config's path allowlist, asked with the anchored path.
    pub allowlisted: &'a (dyn Fn(&str) -> bool + Sync),
    pub stats: &'a SourceStats,
    /// Name every skipped binary file on stderr (`--verbose`).
    pub verbose: bool,
    /// Archives are read (not `--no-archives`): a blob that is one is not skipped as binary.
    pub archives: bool,
}

impl Policy<'_> {
    /// Before reading: false (counted) when the path is allowlisted.
    pub fn admit_path(&self, name: &str) -> bool {
        if (self.allowlisted)(name) {
            SourceStats::add(&self.stats.allowlisted_paths, 1);
            return false;
        }
        true
    }

    /// Before reading, when the size is known: false (counted, with a warning) when too large.
    pub fn admit_size(&self, name: &str, size: u64) -> bool {
        if size > self.max_file_size {
            SourceStats::add(&self.stats.skipped_large, 1);
            self.stats.skip(name, "too large");
            warn(&format!(
                "{name}: {size} bytes is over --max-file-size {}; skipped (raise the limit to scan it)",
                self.max_file_size
            ));
            return false;
        }
        true
    }

    /// The bytes as read: false (counted) when too large or binary; true counts them scanned.
    pub fn accept(&self, name: &str, bytes: &[u8]) -> bool {
        if !self.admit_size(name, bytes.len() as u64) {
            return false;
        }
        if self.is_binary(bytes) {
            self.binary(name);
            return false;
        }
        self.scanned(bytes);
        true
    }

    /// True when `bytes` (or their first block) are binary and not something the decoding
    /// stage reads (UTF-16 text, an archive).
    pub fn is_binary(&self, bytes: &[u8]) -> bool {
        blob::is_binary(bytes) && !blob::decodable(bytes, self.archives)
    }

    /// Counts bytes scanned that the source itself already found within the size limit and
    /// not binary (it sniffed them as it read), so the check is not made twice.
    pub fn scanned(&self, bytes: &[u8]) {
        SourceStats::add(&self.stats.files, 1);
        SourceStats::add(&self.stats.bytes, bytes.len() as u64);
    }

    /// Counts a blob found binary (by [`Policy::accept`], or by a source that sniffed its
    /// start before reading it all), naming it with `--verbose`.
    pub fn binary(&self, name: &str) {
        SourceStats::add(&self.stats.skipped_binary, 1);
        self.stats.skip(name, "binary");
        if self.verbose {
            progress::note(&format!("{name}: binary; skipped"));
        }
    }

    /// A blob that could not be read: counted, with a warning that says what failed.
    pub fn unreadable(&self, name: &str, err: impl Display) {
        SourceStats::add(&self.stats.unreadable, 1);
        self.stats.skip(name, "unreadable");
        warn(&format!("{name}: {err}; skipped"));
    }
}
