//! Progress bars on stderr and the warnings that must not tear them. A long history audit
//! draws one bar at a time; [`warn`] prints above whichever bar is showing, so every source
//! warns the same way without carrying the bar around.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::Mutex;

/// The bar being drawn now, if any.
static CURRENT: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Prints a warning on stderr. Paths and messages are escaped: they come from the scanned
/// input.
pub fn warn(msg: &str) {
    note(&format!("warning: {msg}"));
}

/// Prints an informational line on stderr (`--verbose`), like [`warn`] around the bar.
pub fn note(msg: &str) {
    let line = format!("leakscan: {}", crate::finding::escape_control(msg));
    let current = CURRENT.lock().unwrap_or_else(|p| p.into_inner()).clone();
    match current {
        Some(pb) => pb.suspend(|| eprintln!("{line}")),
        None => eprintln!("{line}"),
    }
}

/// A bar of `len` steps named `prefix`, drawn when `show` (stderr is a terminal and the
/// user did not ask for quiet); hidden otherwise. It is the current bar until [`done`].
pub fn bar(show: bool, len: u64, prefix: &'static str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{prefix:>8} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}")
    {
        pb.set_style(style);
    }
    pb.set_prefix(prefix);
    *CURRENT.lock().unwrap_or_else(|p| p.into_inner()) = Some(pb.clone());
    pb
}

/// Clears the bar and stops routing warnings around it.
pub fn done(pb: &ProgressBar) {
    pb.finish_and_clear();
    *CURRENT.lock().unwrap_or_else(|p| p.into_inner()) = None;
}
