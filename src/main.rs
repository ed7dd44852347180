//! Start up, parse, run, map the error kind to the exit code. Nothing else.
//!
//! On Unix the program has its own C `main` (`no_main`): Rust's start-up
//! code would read `/proc/self/maps` to find the main thread's stack guard
//! (≈ a sixth of a cached `authtool token`, docs/performance.md). What the
//! hot path needs of that start-up is done here: standard descriptors
//! made valid, SIGPIPE ignored, the arguments taken from `argv`, stdout
//! flushed at exit. The one thing given up: a stack overflow ends in a
//! plain SIGSEGV, without Rust's "has overflowed its stack" message.
#![cfg_attr(all(unix, not(test)), no_main)]

use authtool::commands;
use std::ffi::OsString;
use std::io::Write;

/// The C entry point (see the module docs).
#[cfg(all(unix, not(test)))]
#[unsafe(no_mangle)]
extern "C" fn main(argc: libc::c_int, argv: *const *const libc::c_char) -> libc::c_int {
    use std::os::unix::ffi::OsStrExt;
    start_up();
    let args = (0..usize::try_from(argc).unwrap_or(0))
        .map(|i| {
            // SAFETY: the C runtime passes `argc` valid NUL-terminated strings.
            let arg = unsafe { std::ffi::CStr::from_ptr(*argv.add(i)) };
            std::ffi::OsStr::from_bytes(arg.to_bytes()).to_os_string()
        })
        .collect();
    // `exit` flushes stdout as a return from Rust's own `main` would.
    std::process::exit(run(args))
}

#[cfg(not(all(unix, not(test))))]
fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(u8::try_from(run(std::env::args_os().collect())).unwrap_or(1))
}

/// Runs the command line `args` (program name first); the exit code.
fn run(args: Vec<OsString>) -> i32 {
    no_core_dumps();
    // `token`/`header` skip building clap's command tree (docs/performance.md).
    let cli = authtool::cli::fast::parse(authtool::cli::args_for_program(args));
    match commands::run(cli) {
        Ok(outcome) => {
            let mut out = std::io::stdout().lock();
            match out.write_all(&outcome.stdout).and_then(|()| out.flush()) {
                // A reader that went away (`| head`) is not our failure.
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => {
                    eprintln!("authtool: error: cannot write to stdout: {e}");
                    return 1;
                }
            }
            i32::from(outcome.code)
        }
        Err(err) => {
            eprintln!("authtool: error: {}", err.message);
            for hint in &err.hints {
                eprintln!("hint: {hint}");
            }
            i32::from(err.kind.exit_code())
        }
    }
}

/// What Rust's start-up does that authtool relies on: file descriptors
/// 0, 1 and 2 open (else `/dev/null`, so that no file authtool opens
/// becomes its stdout), and SIGPIPE ignored (a closed pipe is an error to
/// handle, not a silent death). Children get SIGPIPE back at its default.
#[cfg(all(unix, not(test)))]
fn start_up() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: poll reads and writes the three pollfd structs passed.
    let polled = unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) } != -1;
    for pfd in fds {
        let closed = if polled {
            pfd.revents & libc::POLLNVAL != 0
        } else {
            // SAFETY: fcntl(F_GETFD) only queries the descriptor.
            (unsafe { libc::fcntl(pfd.fd, libc::F_GETFD) }) == -1
        };
        if closed {
            // SAFETY: a constant NUL-terminated path; the lowest free
            // descriptor is the closed one.
            if unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) } == -1 {
                std::process::abort();
            }
        }
    }
    // SAFETY: setting a signal's disposition to SIG_IGN has no preconditions.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
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
