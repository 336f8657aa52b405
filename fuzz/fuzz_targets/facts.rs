//! Arbitrary text through the offline token decoders and arbitrary answers through the
//! verifiers (`leakscan_fuzz::check_facts`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| leakscan_fuzz::check_facts(data));
