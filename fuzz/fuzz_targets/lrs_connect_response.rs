#![no_main]
//! See fuzz/README.md and `authtool::fuzzing::lrs_connect_response`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| authtool::fuzzing::lrs_connect_response(data));
