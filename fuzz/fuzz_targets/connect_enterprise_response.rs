#![no_main]
//! See fuzz/README.md and `authtool::fuzzing::connect_enterprise_response`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| authtool::fuzzing::connect_enterprise_response(data));
