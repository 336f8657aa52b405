//! Blob reading: each distinct blob once, in parallel, through the shared [`Policy`] (size
//! from the object header before inflating, then the binary test), while the walk that finds
//! them goes on.

use super::{plan, pool, with_repo, Found, HistoryOptions, Plan};
use crate::source::{progress, Policy};
use anyhow::Result;
use git2::Oid;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Walks the history as [`plan`] does and reads each blob it finds once, in parallel with the
/// walk: the walk is one task of the pool, and each batch of blobs it hands over is scanned
/// by the other workers while it goes on (and by its own worker once it ends).
/// `visit(state, blob_index, name, bytes)` is called for each blob the policy accepts and
/// `skip` does not name (scanned clean by an earlier run); each worker keeps one `state` for
/// the whole scan. Returns the plan and what `visit` returned, by blob index.
pub fn scan_history<S, T, I, V>(
    repo: &git2::Repository,
    opts: &HistoryOptions,
    policy: &Policy,
    skip: &(dyn Fn(&Oid) -> bool + Sync),
    init: I,
    visit: V,
) -> Result<(Plan, Vec<(u32, T)>)>
where
    S: Send,
    T: Send,
    I: Fn() -> S + Sync,
    V: Fn(&mut S, u32, &str, &[u8]) -> Option<T> + Sync,
{
    let pool = pool(opts.threads)?;
    let git_dir = repo.path().to_path_buf();
    // One state a worker, for the whole scan: a state is the engine's scratch, whose lazy
    // DFAs warm up as it scans. Only that worker locks it.
    let states: Vec<Mutex<Option<S>>> = (0..pool.current_num_threads())
        .map(|_| Mutex::new(None))
        .collect();
    let results = Mutex::new(Vec::new());
    // One bar for both: the walk adds its commits to it, and each batch its blobs.
    let pb = progress::bar(opts.progress, 0, "history");
    let done_bytes = AtomicU64::new(0);
    let scan_one = |f: &Found| -> Option<(u32, T)> {
        pb.inc(1);
        // Called on the pool's workers only (the batches are its tasks).
        let slot = rayon::current_thread_index().unwrap_or(0);
        let mut state = states[slot].lock().unwrap_or_else(|p| p.into_inner());
        let state = state.get_or_insert_with(&init);
        let read = with_repo(&git_dir, |repo| {
            let blob = read_blob(repo, f, policy)?;
            let bytes = blob.content();
            let total = done_bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
            if f.blob.is_multiple_of(64) {
                pb.set_message(indicatif::HumanBytes(total).to_string());
            }
            visit(state, f.blob, &f.name, bytes).map(|t| (f.blob, t))
        });
        read.unwrap_or_else(|e| {
            policy.unreadable(&format!("blob {}", f.oid), e);
            None
        })
    };
    // The walk runs on one worker, as the scope's own task; each batch it hands over is a
    // task for the others, first in, first out: in the order the walk found them (newest
    // commits first), which is the order that finds delta bases in libgit2's cache. When
    // the walk ends, its worker scans too, and the scope ends with the last batch.
    let plan = pool.scope_fifo(|scope| {
        let (results, scan_one, pb) = (&results, &scan_one, &pb);
        with_repo(&git_dir, |repo| {
            plan::plan(repo, opts, policy, pb, &mut |mut batch: Vec<Found>| {
                batch.retain(|f| !skip(&f.oid));
                // Versions of one file together, newest first: git deltifies older versions
                // against newer ones, so this order finds delta bases in libgit2's cache.
                batch.sort_by_key(|f| (f.path, u32::MAX - f.commit));
                pb.inc_length(batch.len() as u64);
                scope.spawn_fifo(move |_| {
                    let out: Vec<(u32, T)> = batch.par_iter().filter_map(scan_one).collect();
                    results
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .extend(out);
                });
            })
        })
    })??;
    progress::done(&pb);
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_unstable_by_key(|&(blob, _)| blob);
    Ok((plan, results))
}

/// Reads one blob for scanning, or says why not.
fn read_blob<'r>(repo: &'r git2::Repository, f: &Found, policy: &Policy) -> Option<git2::Blob<'r>> {
    let name = format!("{} (blob {})", f.name, f.oid);
    let fail = |e: git2::Error| {
        policy.unreadable(
            &name,
            format_args!(
                "cannot read: {} (the repository may be damaged: try `git fsck`)",
                e.message()
            ),
        );
    };
    // The header gives the size without inflating a large blob we would skip.
    let size = match repo.odb().and_then(|odb| odb.read_header(f.oid)) {
        Ok((size, _)) => size as u64,
        Err(e) => {
            fail(e);
            return None;
        }
    };
    if !policy.admit_size(&name, size) {
        return None;
    }
    let blob = match repo.find_blob(f.oid) {
        Ok(blob) => blob,
        Err(e) => {
            fail(e);
            return None;
        }
    };
    policy.accept(&name, blob.content()).then_some(blob)
}
