//! Blob reading: each distinct blob of the plan once, in parallel, through the shared
//! [`Policy`] (size from the object header before inflating, then the binary test).

use super::{with_repo, BlobIntros, Plan};
use crate::source::{progress, Policy};
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// Reads each blob of the plan once, in parallel, and calls `visit(state, blob_index, bytes)`
/// for each blob the policy accepts. Returns what `visit` returned, with the index.
pub fn scan_blobs<S, T, I, V>(
    plan: &Plan,
    progress: bool,
    policy: &Policy,
    skip: &(dyn Fn(&BlobIntros) -> bool + Sync),
    init: I,
    visit: V,
) -> Vec<(u32, T)>
where
    T: Send,
    I: Fn() -> S + Sync,
    V: Fn(&mut S, u32, &[u8]) -> Option<T> + Sync,
{
    let pool = &plan.pool;
    // Read versions of one file together, newest first: git deltifies older versions
    // against newer ones, so this order finds delta bases in libgit2's cache. Blobs `skip`
    // names (scanned clean by an earlier run) are not read at all.
    let mut order: Vec<u32> = (0..plan.blobs.len() as u32)
        .filter(|&i| !skip(&plan.blobs[i as usize]))
        .collect();
    let pb = progress::bar(progress, order.len() as u64, "blobs");
    let done_bytes = AtomicU64::new(0);
    order.sort_by_key(|&i| {
        let b = &plan.blobs[i as usize];
        b.intros
            .first()
            .map_or((u32::MAX, 0), |x| (x.path, u32::MAX - x.commit))
    });
    let results = pool.install(|| {
        order
            .par_iter()
            .map(|&i| (i as usize, &plan.blobs[i as usize]))
            .map_init(&init, |state, (i, b)| {
                pb.inc(1);
                let read = with_repo(&plan.git_dir, |repo| {
                    let blob = read_blob(repo, plan, b, policy)?;
                    let bytes = blob.content();
                    let total = done_bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                    if i % 64 == 0 {
                        pb.set_message(indicatif::HumanBytes(total).to_string());
                    }
                    visit(state, i as u32, bytes).map(|t| (i as u32, t))
                });
                read.unwrap_or_else(|e| {
                    policy.unreadable(&format!("blob {}", b.oid), e);
                    None
                })
            })
            .flatten()
            .collect()
    });
    progress::done(&pb);
    results
}

/// Reads one blob for scanning, or says why not.
fn read_blob<'r>(
    repo: &'r git2::Repository,
    plan: &Plan,
    b: &BlobIntros,
    policy: &Policy,
) -> Option<git2::Blob<'r>> {
    let path = b
        .intros
        .first()
        .map_or("?", |i| plan.paths[i.path as usize].as_str());
    let name = format!("{path} (blob {})", b.oid);
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
    let size = match repo.odb().and_then(|odb| odb.read_header(b.oid)) {
        Ok((size, _)) => size as u64,
        Err(e) => {
            fail(e);
            return None;
        }
    };
    if !policy.admit_size(&name, size) {
        return None;
    }
    let blob = match repo.find_blob(b.oid) {
        Ok(blob) => blob,
        Err(e) => {
            fail(e);
            return None;
        }
    };
    policy.accept(&name, blob.content()).then_some(blob)
}
