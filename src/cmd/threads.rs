//! `--threads`: the number asked for, capped. Each thread of the walk costs a stack and a
//! share of the work queue; thousands of them on a small tree spend their time starting and
//! stopping (3000 took 80 s on two files, 100000 never finished), and no disk scan gains
//! anything beyond a few threads per CPU.

/// Threads allowed per CPU.
pub const PER_CPU: usize = 4;

/// The most threads ever used, however many CPUs.
pub const MAX_THREADS: usize = 256;

/// The ceiling for `cpus` CPUs: [`PER_CPU`] each, at most [`MAX_THREADS`], at least 1.
pub fn ceiling(cpus: usize) -> usize {
    cpus.max(1).saturating_mul(PER_CPU).min(MAX_THREADS)
}

/// The thread count to use for `--threads requested` on a machine with `cpus` CPUs, and a
/// warning to print when the request was lowered. `0` means the default, one per CPU.
pub fn clamp_threads(requested: usize, cpus: usize) -> (usize, Option<String>) {
    let cpus = cpus.max(1);
    if requested == 0 {
        return (cpus.min(MAX_THREADS), None);
    }
    let max = ceiling(cpus);
    if requested <= max {
        return (requested, None);
    }
    let warning = format!(
        "--threads {requested} is more than this machine can use; using {max} ({PER_CPU} per CPU for {cpus} CPU{}, at most {MAX_THREADS})",
        if cpus == 1 { "" } else { "s" }
    );
    (max, Some(warning))
}

/// The thread count for the `--threads` flag (`None` or `0`: one per CPU) on this machine,
/// capped with a warning on stderr. What `Session::new` calls.
pub fn from_flag(requested: Option<usize>) -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (threads, warning) = clamp_threads(requested.unwrap_or(0), cpus);
    if let Some(w) = warning {
        crate::source::warn(&w);
    }
    threads
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sane_requests_are_kept() {
        assert_eq!(clamp_threads(1, 2), (1, None));
        assert_eq!(clamp_threads(8, 2), (8, None));
        assert_eq!(clamp_threads(0, 6), (6, None));
        assert_eq!(clamp_threads(0, 0), (1, None));
    }

    #[test]
    fn absurd_requests_are_capped_with_a_warning() {
        let (n, w) = clamp_threads(3000, 2);
        assert_eq!(n, 8);
        let w = w.expect("a warning");
        assert!(w.contains("--threads 3000") && w.contains("using 8"), "{w}");
        assert_eq!(clamp_threads(100_000, 1).0, 4);
        assert_eq!(clamp_threads(usize::MAX, usize::MAX).0, MAX_THREADS);
        assert_eq!(clamp_threads(300, 128).0, MAX_THREADS);
        assert!(clamp_threads(257, 128).1.is_some());
        assert_eq!(clamp_threads(256, 128), (256, None));
        // The default is capped too, on a machine with more CPUs than that.
        assert_eq!(clamp_threads(0, 1000), (MAX_THREADS, None));
    }
}
