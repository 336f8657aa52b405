//! Text through `Config::parse` and `rules::parse_rule_file`: errors, never panics
//! (`leakscan_fuzz::check_config`). Bytes that are not UTF-8 are read lossily, as every input
//! then counts.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| leakscan_fuzz::check_config(&String::from_utf8_lossy(data)));
