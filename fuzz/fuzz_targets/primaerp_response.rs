#![no_main]
//! See fuzz/README.md and `authtool::fuzzing::primaerp_response`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| authtool::fuzzing::primaerp_response(data));
