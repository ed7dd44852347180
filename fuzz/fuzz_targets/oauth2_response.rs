#![no_main]
//! See fuzz/README.md and `authtool::fuzzing::oauth2_response`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| authtool::fuzzing::oauth2_response(data));
