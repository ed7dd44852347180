//! Replays the fuzz targets' seeds (`fuzz/seeds/<target>/`) and every input
//! that once crashed one (`fuzz/regressions/<target>/`) through the same
//! entry points the targets call, so plain `cargo test` keeps them fixed
//! without cargo-fuzz or nightly. See fuzz/README.md. A unit test of the
//! library: [`super`] is compiled for tests and under the `fuzzing`
//! feature only, so this runs in every `cargo test` without a feature flag.

use super::TARGETS;
use std::path::Path;

fn replay(kind: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind);
    let mut replayed = 0;
    for dir in std::fs::read_dir(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display())) {
        let dir = dir.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let (_, target) = TARGETS
            .iter()
            .find(|(t, _)| *t == name)
            .unwrap_or_else(|| panic!("{}: no fuzz target named `{name}`", dir.display()));
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|f| f.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).unwrap();
            eprintln!("replaying {}", file.display());
            target(&data);
            replayed += 1;
        }
    }
    replayed
}

#[test]
fn seeds_do_not_crash() {
    assert!(replay("seeds") > 0);
}

#[test]
fn saved_crashes_stay_fixed() {
    replay("regressions");
}
