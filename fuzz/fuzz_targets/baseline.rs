//! Text through `Baseline::parse` (JSON array, JSON lines, SARIF): errors, never panics
//! (`leakscan_fuzz::check_baseline`). Bytes that are not UTF-8 are read lossily.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| leakscan_fuzz::check_baseline(&String::from_utf8_lossy(data)));
