//! Arbitrary bytes through the default engine with every built-in rule: no panic, and every
//! finding's span, line and column agree with the bytes (`leakscan_fuzz::check_engine`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| leakscan_fuzz::check_engine(data));
