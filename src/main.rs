//! Parse, run, map the error kind to the exit code. Nothing else.

use authtool::commands;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    no_core_dumps();
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

/// A crash must never write the secrets in memory to a core file (the
/// release build aborts on panic): core size 0, inherited by the children
/// too, and on Linux not dumpable (no core, no ptrace by other processes of
/// the user). Two syscalls; a failure is ignored (it only loses hardening).
fn no_core_dumps() {
    #[cfg(unix)]
    {
        let zero = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: setrlimit reads a valid rlimit struct; no memory is kept.
        unsafe { libc::setrlimit(libc::RLIMIT_CORE, &zero) };
    }
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_DUMPABLE takes an integer argument only.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0)
    };
}
