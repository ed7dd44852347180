//! The fake vendor servers standalone, to try authtool by hand without a
//! real vendor account: `cargo run --example fake-vendors`.
//!
//! Starts the loopback fakes of the shared test support (one per provider,
//! nothing leaves 127.0.0.1), writes a config with a `fake-…` profile for
//! each into a temporary directory, prints it with the `export` lines to
//! paste into another shell, and serves until Ctrl-C or the end of its
//! input (Ctrl-D; then it also removes the directory).

#[path = "../tests/it/support/mod.rs"]
mod support;

use std::io::Read;
use std::process::ExitCode;
use support::Sandbox;

fn main() -> ExitCode {
    let sandbox = Sandbox::start();
    let dir = match tempfile::Builder::new()
        .prefix("authtool-fake-vendors-")
        .tempdir()
    {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("fake-vendors: cannot create a temporary directory: {e}");
            return ExitCode::from(1);
        }
    };
    match sandbox.try_by_hand(dir.path()) {
        Ok(text) => print!("{text}"),
        Err(e) => {
            eprintln!("fake-vendors: cannot write the config: {e}");
            return ExitCode::from(1);
        }
    }
    // Serve until stdin closes; Ctrl-C ends the process outright.
    let _ = std::io::stdin().lock().read_to_end(&mut Vec::new());
    ExitCode::SUCCESS
}
