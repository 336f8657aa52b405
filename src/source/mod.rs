//! Sources yield blobs — bytes and where they came from — and know nothing of rules.
//! Each reports what it skipped and why through [`SourceStats`] and warnings on stderr.

pub mod fs;
pub mod git;
pub mod staged;
pub mod stdin;

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters shared by the threads of one scan.
#[derive(Debug, Default)]
pub struct SourceStats {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
    pub skipped_binary: AtomicU64,
    pub skipped_large: AtomicU64,
    pub unreadable: AtomicU64,
    pub allowlisted_paths: AtomicU64,
}

impl SourceStats {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Prints a warning on stderr. Paths and messages are escaped: they come from the scanned tree.
pub fn warn(msg: &str) {
    eprintln!("leakscan: warning: {}", crate::finding::escape_control(msg));
}
