//! Arbitrary bytes through the decoding stage (archives, UTF-16, base64, escapes) and the
//! default engine: no panic, and matches in the blob itself located soundly
//! (`leakscan_fuzz::check_decode`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| leakscan_fuzz::check_decode(data));
