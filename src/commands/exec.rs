//! `exec [PROFILE] -- CMD…`: runs CMD with the token in its environment and
//! exits with CMD's exit code.
//!
//! CMD gets `AUTHTOOL_TOKEN`, `AUTHTOOL_AUTH_HEADER` (the `Authorization`
//! header value, for providers that send one; removed otherwise, so a stale
//! one is never inherited) and the names of the profile's
//! `env = { NAME = "VALUE" }`, where VALUE is one of [`VALUES`]. The token
//! is never on a command line.
//!
//! Exit codes: CMD's own; 128+N when CMD is killed by signal N (as a shell
//! reports it); 127 when CMD is not found and 126 when it cannot be run
//! (as a shell does), with a message on stderr. While CMD runs, authtool
//! ignores SIGINT and SIGQUIT (the terminal sends them to CMD too) and
//! passes SIGTERM and SIGHUP on to CMD.

use super::{Outcome, load_profile};
use crate::cli::{ExecArgs, Global};
use crate::config::Profile;
use crate::envvars;
use crate::error::{Error, Result};
use crate::output;
use crate::providers::{Presentation, TokenSet};
use crate::session::{Session, Want};
use crate::timefmt;
use std::process::{Command, ExitStatus};

/// The values `env = { NAME = "VALUE" }` may map a variable to.
pub const VALUES: &[&str] = &["token", "header", "header:NAME", "query", "expires_at"];

pub fn run(g: &Global, args: &ExecArgs) -> Result<Outcome> {
    let Some((program, rest)) = args.command.split_first() else {
        return Err(Error::config("exec: no command given")
            .hint("usage: authtool exec [PROFILE] -- CMD [ARGS…]"));
    };
    let (_config, profile) = load_profile(g, &args.profile)?;
    let token = Session::new(&profile)?.token(&Want::asking(args.interactive.interactive))?;
    let presentation = profile.provider.provider().present(&token);
    let vars = variables(&profile, &token, &presentation)?;

    let mut command = Command::new(program);
    command.args(rest);
    // CMD gets the token, not the secrets it was obtained with.
    for var in profile.secret_env_vars() {
        command.env_remove(var);
    }
    if !vars.iter().any(|(name, _)| name == envvars::AUTH_HEADER) {
        command.env_remove(envvars::AUTH_HEADER);
    }
    command.envs(vars.iter().map(|(k, v)| (k, v.expose())));
    let name = program.to_string_lossy();
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            let code = match e.kind() {
                std::io::ErrorKind::NotFound => 127,
                _ => 126,
            };
            eprintln!("authtool: error: cannot run `{name}`: {e}");
            if code == 127 {
                eprintln!("hint: check the command name and your PATH");
            }
            return Ok(Outcome {
                stdout: Vec::new(),
                code,
            });
        }
    };
    signals::while_child_runs(child.id());
    let status = child
        .wait()
        .map_err(|e| Error::internal(format!("waiting for `{name}` failed: {e}")))?;
    Ok(Outcome {
        stdout: Vec::new(),
        code: exit_code(status),
    })
}

/// The variables CMD gets: the two fixed ones, then the profile's `env`.
fn variables(
    profile: &Profile,
    token: &TokenSet,
    presentation: &Presentation,
) -> Result<Vec<(String, crate::secret::Secret)>> {
    use crate::secret::Secret;
    let header = |name: &str| {
        presentation
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut vars = vec![(envvars::TOKEN.to_string(), token.access_token.clone())];
    if let Some(auth) = header("Authorization") {
        vars.push((envvars::AUTH_HEADER.to_string(), auth));
    }
    for (name, value) in &profile.common.env {
        let bad = |why: String| {
            Error::config(format!(
                "profile '{}': env.{name} = \"{value}\": {why}",
                profile.name
            ))
            .hint(format!("the values are: {}", VALUES.join(", ")))
        };
        if !valid_name(name) {
            return Err(Error::config(format!(
                "profile '{}': `{name}` in `env` is not a valid environment variable name",
                profile.name
            ))
            .hint("use letters, digits and `_`, not starting with a digit"));
        }
        let secret = match value.as_str() {
            "token" => token.access_token.clone(),
            "header" => header("Authorization")
                .ok_or_else(|| bad("this provider sends no Authorization header".into()))?,
            "query" if !presentation.query.is_empty() => Secret::new(
                presentation
                    .query
                    .iter()
                    .map(|(k, v)| output::query_pair(k, v.expose()))
                    .collect::<Vec<_>>()
                    .join("&"),
            ),
            "query" => return Err(bad("this provider sends the token in a header".into())),
            "expires_at" => Secret::new(token.expires_at.map(timefmt::rfc3339).unwrap_or_default()),
            other => match other.strip_prefix("header:") {
                Some(h) => {
                    header(h).ok_or_else(|| bad(format!("this provider sends no `{h}` header")))?
                }
                None => return Err(bad("unknown value".into())),
            },
        };
        vars.push((name.clone(), secret));
    }
    Ok(vars)
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// CMD's exit code, or 128+N for signal N.
fn exit_code(status: ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        // Exit codes beyond a byte (Windows) are reported as 1, not wrapped to 0.
        return u8::try_from(code).unwrap_or(1);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return u8::try_from(128 + signal).unwrap_or(255);
        }
    }
    1
}

#[cfg(unix)]
mod signals {
    use std::sync::atomic::{AtomicI32, Ordering};

    static CHILD: AtomicI32 = AtomicI32::new(0);

    extern "C" fn forward(signal: libc::c_int) {
        let pid = CHILD.load(Ordering::SeqCst);
        if pid > 0 {
            // kill(2) is async-signal-safe.
            unsafe {
                libc::kill(pid, signal);
            }
        }
    }

    /// From now on: SIGINT and SIGQUIT are CMD's business (the terminal
    /// sends them to it as well), SIGTERM and SIGHUP are passed on to it.
    pub fn while_child_runs(pid: u32) {
        CHILD.store(i32::try_from(pid).unwrap_or(0), Ordering::SeqCst);
        let handler = forward as extern "C" fn(libc::c_int) as libc::sighandler_t;
        unsafe {
            libc::signal(libc::SIGINT, libc::SIG_IGN);
            libc::signal(libc::SIGQUIT, libc::SIG_IGN);
            libc::signal(libc::SIGTERM, handler);
            libc::signal(libc::SIGHUP, handler);
        }
    }
}

#[cfg(not(unix))]
mod signals {
    pub fn while_child_runs(_pid: u32) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_name("API_TOKEN"));
        assert!(valid_name("_x1"));
        assert!(!valid_name("1X"));
        assert!(!valid_name("A-B"));
        assert!(!valid_name("A=B"));
        assert!(!valid_name(""));
    }

    #[cfg(unix)]
    #[test]
    fn exit_codes() {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(exit_code(ExitStatus::from_raw(3 << 8)), 3);
        assert_eq!(exit_code(ExitStatus::from_raw(9)), 137);
        assert_eq!(exit_code(ExitStatus::from_raw(15)), 143);
    }
}
