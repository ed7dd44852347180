#![no_main]
//! See fuzz/README.md and `authtool::fuzzing::git_credential`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| authtool::fuzzing::git_credential(data));
