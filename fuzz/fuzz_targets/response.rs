#![no_main]
//! See fuzz/README.md and `authtool::fuzzing::response`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| authtool::fuzzing::response(data));
