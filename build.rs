//! Links the hot paths' code and data together (docs/performance.md, "The
//! static build"): a cached `authtool token` runs ~400 functions of 6 MB of
//! code and touches data all over `.data` and `.bss`, and each 64 KiB of
//! code or page of data touched for the first time costs a page fault.
//! `build/hot-symbols.txt` (written by `benches/run.sh order`) lists them;
//! lld places them first in their sections, in that order. Its names carry the hashes of this toolchain and Cargo.lock: a
//! name that no longer exists is skipped silently, so a stale list only
//! costs speed. Only for the static x86-64 Linux build, where the linker is
//! rustc's own lld (GNU ld does not know the option).

fn main() {
    println!("cargo:rerun-if-changed=build/hot-symbols.txt");
    println!("cargo:rerun-if-changed=build.rs");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let static_x86_64_linux = var("CARGO_CFG_TARGET_OS") == "linux"
        && var("CARGO_CFG_TARGET_ENV") == "gnu"
        && var("CARGO_CFG_TARGET_ARCH") == "x86_64"
        && var("CARGO_CFG_TARGET_FEATURE")
            .split(',')
            .any(|f| f == "crt-static");
    let list = std::path::Path::new(&var("CARGO_MANIFEST_DIR")).join("build/hot-symbols.txt");
    if static_x86_64_linux && list.is_file() {
        println!(
            "cargo:rustc-link-arg-bin=authtool=-Wl,--symbol-ordering-file={}",
            list.display()
        );
        println!("cargo:rustc-link-arg-bin=authtool=-Wl,--no-warn-symbol-ordering");
    }
}
