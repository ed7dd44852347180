//! `completions SHELL`.

use super::Outcome;
use crate::cli::{Cli, CompletionsArgs};
use crate::error::Result;
use clap::CommandFactory;

/// The completion script for `shell`, as committed in `completions/`.
pub fn script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "authtool", &mut out);
    out
}

pub fn run(args: &CompletionsArgs) -> Result<Outcome> {
    Ok(Outcome {
        stdout: script(args.shell),
        code: 0,
    })
}
