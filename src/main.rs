//! Parse, run, map the error kind to the exit code. Nothing else.

use authtool::commands;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    // `token`/`header` skip building clap's command tree (docs/performance.md).
    let cli = authtool::cli::fast::parse(authtool::cli::args_for_program(std::env::args_os()));
    match commands::run(cli) {
        Ok(outcome) => {
            let mut out = std::io::stdout().lock();
            match out.write_all(&outcome.stdout).and_then(|()| out.flush()) {
                // A reader that went away (`| head`) is not our failure.
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => {
                    eprintln!("authtool: error: cannot write to stdout: {e}");
                    return ExitCode::from(1);
                }
            }
            ExitCode::from(outcome.code)
        }
        Err(err) => {
            eprintln!("authtool: error: {}", err.message);
            for hint in &err.hints {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(err.kind.exit_code())
        }
    }
}
