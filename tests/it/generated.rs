//! The committed completion scripts and man page are generated from the
//! clap definitions; this test regenerates them and fails on any
//! difference. To update them after changing the CLI:
//!
//!     AUTHTOOL_UPDATE_GENERATED=1 cargo test --test it generated::

use crate::support::line_diff;
use authtool::cli::Cli;
use authtool::commands::completions::script;
use clap::CommandFactory;
use clap_complete::Shell;
use std::path::Path;

fn check(path: &str, fresh: &[u8]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if std::env::var_os("AUTHTOOL_UPDATE_GENERATED").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, fresh).unwrap();
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is out of date with the CLI (- committed, + generated):\n{}\nregenerate with: AUTHTOOL_UPDATE_GENERATED=1 cargo test --test it generated::",
        path.display(),
        line_diff(
            &String::from_utf8_lossy(&committed),
            &String::from_utf8_lossy(fresh)
        )
    );
}

#[test]
fn completions_are_up_to_date() {
    for (shell, file) in [
        (Shell::Bash, "completions/authtool.bash"),
        (Shell::Zsh, "completions/_authtool"),
        (Shell::Fish, "completions/authtool.fish"),
        (Shell::PowerShell, "completions/_authtool.ps1"),
        (Shell::Elvish, "completions/authtool.elv"),
    ] {
        check(file, &script(shell));
    }
}

#[test]
fn man_page_is_up_to_date() {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .expect("render the man page");
    check("docs/authtool.1", &out);
}
