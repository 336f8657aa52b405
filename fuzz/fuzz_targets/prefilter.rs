//! Differential: the keyword prefilter against an Aho-Corasick oracle on fuzzer-chosen
//! keywords and haystack (`leakscan_fuzz::check_prefilter` documents the input's layout).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| leakscan_fuzz::check_prefilter(data));
