//! `-v` diagnostics on stderr. Never pass a secret to [`debug!`]; pass
//! [`crate::secret::Secret`] values only through their redacted `Debug`.

use std::sync::atomic::{AtomicBool, Ordering};

static VERBOSE: AtomicBool = AtomicBool::new(false);

pub fn set_verbose(on: bool) {
    VERBOSE.store(on, Ordering::Relaxed);
}

pub fn verbose() -> bool {
    VERBOSE.load(Ordering::Relaxed)
}

/// Prints a diagnostic line to stderr when `-v` was given.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)*) => {
        if $crate::log::verbose() {
            eprintln!("authtool: {}", format_args!($($arg)*));
        }
    };
}

/// Prints a warning to stderr (always).
#[macro_export]
macro_rules! warn {
    ($($arg:tt)*) => {
        eprintln!("authtool: warning: {}", format_args!($($arg)*))
    };
}

/// Makes remote text safe to show on a terminal: control characters are
/// replaced, surrounding space trimmed, and the length capped.
pub fn sanitize_remote(text: &str) -> String {
    const MAX: usize = 300;
    let mut out: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX)
        .collect();
    if text.trim().chars().count() > MAX {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn sanitize_strips_controls() {
        assert_eq!(super::sanitize_remote(" a\x1b[31mb\n "), "a [31mb");
        assert_eq!(
            super::sanitize_remote(&"x".repeat(400)).chars().count(),
            301
        );
    }
}
