//! The `leakscan` binary: everything is in the library; this maps its result to an exit code.

use std::process::ExitCode;

/// How much of a pack libgit2 maps at once, in windows of [`PACK_WINDOW`]: by default it
/// maps whole packs (up to 8 GiB), which a history scan then touches end to end, so a
/// repository's packs would count in full in its peak RSS (77 MiB of cargo's 196 MiB). Past
/// this, the least recently used windows are unmapped: on cargo's history about 3% more
/// time and a peak RSS of 127 MiB (64 MiB in 16 MiB windows: 155 MiB; 32 MiB in 8 MiB
/// windows: 12% more time).
const PACK_MAPPED: usize = 48 << 20;
const PACK_WINDOW: usize = 8 << 20;

fn main() -> ExitCode {
    // SAFETY: these set libgit2 globals without synchronization, which is sound only before
    // any other thread exists and before any repository is opened: this is the first thing
    // the process does (the library itself forbids unsafe code).
    let limited = unsafe {
        git2::opts::set_mwindow_size(PACK_WINDOW)
            .and_then(|()| git2::opts::set_mwindow_mapped_limit(PACK_MAPPED))
    };
    if let Err(e) = limited {
        eprintln!(
            "leakscan: cannot limit libgit2's pack mappings: {}",
            e.message()
        );
    }
    leakscan::cmd::main()
}
