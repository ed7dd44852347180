#![no_main]
//! See fuzz/README.md and `authtool::fuzzing::jwt`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| authtool::fuzzing::jwt(data));
