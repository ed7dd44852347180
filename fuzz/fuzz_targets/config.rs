#![no_main]
//! See fuzz/README.md and `authtool::fuzzing::config`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| authtool::fuzzing::config(data));
