//! One file per subcommand; this file dispatches and holds what they share.

pub mod bazel_credential;
pub mod completions;
pub mod config;
pub mod docker_credential;
pub mod doctor;
pub mod dpop_proof;
pub mod exec;
pub mod git_credential;
pub mod inspect;
pub mod keyring;
pub mod login;
pub mod logout;
pub mod refresh;
pub mod setup;
pub mod status;
pub mod token;

use crate::cli::{Cli, Command, Global, ProfileArg};
use crate::config::{Config, Profile, config_path};
use crate::error::{Error, Result};

/// What a command produced: bytes for stdout (written only on success)
/// and the exit code.
#[derive(Debug, Default)]
pub struct Outcome {
    pub stdout: Vec<u8>,
    pub code: u8,
}

impl Outcome {
    pub fn text(s: impl Into<String>) -> Self {
        Outcome {
            stdout: s.into().into_bytes(),
            code: 0,
        }
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<Outcome> {
    crate::log::set_verbose(cli.global.verbose);
    let g = &cli.global;
    // Each command stays a function of its own (`apart`): inlined here, all
    // of them would sit between the functions of the hot paths and spread
    // those over more pages of code (docs/performance.md).
    match cli.command {
        Command::Token(args) => apart(|| token::token(g, &args)),
        Command::Header(args) => apart(|| token::header(g, &args)),
        Command::Refresh(args) => apart(|| refresh::run(g, &args)),
        Command::Logout(args) => apart(|| logout::run(g, &args)),
        Command::Config(cmd) => apart(|| config::run(g, &cmd)),
        Command::Completions(args) => apart(|| completions::run(&args)),
        Command::Login(args) => apart(|| login::run(g, &args)),
        Command::Status(args) => apart(|| status::run(g, &args)),
        Command::Inspect(args) => apart(|| inspect::run(g, &args)),
        Command::Doctor(args) => apart(|| doctor::run(g, &args)),
        Command::GitCredential(args) => apart(|| git_credential::run(g, &args)),
        Command::DockerCredential(args) => apart(|| docker_credential::run(g, &args)),
        Command::BazelCredential(args) => apart(|| bazel_credential::run(g, &args)),
        Command::Keyring(args) => apart(|| keyring::run(g, &args)),
        Command::Setup(args) => apart(|| setup::run(g, &args)),
        Command::Exec(args) => apart(|| exec::run(g, &args)),
        Command::DpopProof(args) => apart(|| dpop_proof::run(g, &args)),
    }
}

/// Runs `f` as a function of its own, never inlined into its caller.
#[inline(never)]
fn apart<T>(f: impl FnOnce() -> T) -> T {
    f()
}

/// Loads the config file named by the flags or environment.
pub fn load_config(g: &Global) -> Result<Config> {
    Config::load(&config_path(g.config.as_deref())?)
}

/// The config for the credential helpers: like [`load_config`], but a
/// config file that does not exist is no config (store mode still works).
pub fn load_config_if_present(g: &Global) -> Result<Option<Config>> {
    let path = config_path(g.config.as_deref())?;
    if !path.exists() {
        crate::debug!("no config file at {}; no profiles", path.display());
        return Ok(None);
    }
    Config::load(&path).map(Some)
}

/// [`load_config_if_present`] as far as matching URLs needs it
/// ([`Config::load_for_urls`]).
pub fn load_config_for_urls(g: &Global) -> Result<Option<Config>> {
    let path = config_path(g.config.as_deref())?;
    if !path.exists() {
        crate::debug!("no config file at {}; no profiles", path.display());
        return Ok(None);
    }
    Config::load_for_urls(&path).map(Some)
}

/// Where a credential helper's request ends on stdin. The caller may keep
/// stdin open after its request (git's helpers stop at the blank line), so
/// authtool stops reading there rather than waiting for the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestEnd {
    /// git: `key=value` lines up to a blank line (or the end).
    BlankLine,
    /// Docker `get`/`erase`: one line (or the end); the newline is kept.
    Line,
    /// Docker `store`: one JSON value (or the end).
    JsonValue,
}

impl RequestEnd {
    /// Whether `buf` holds a whole request; `from` is where the bytes not
    /// yet looked at start. Returns the length to keep.
    fn complete(self, buf: &[u8], from: usize) -> Option<usize> {
        match self {
            RequestEnd::BlankLine => {
                if buf.first() == Some(&b'\n') {
                    return Some(1);
                }
                let start = from.saturating_sub(1);
                buf[start..]
                    .windows(2)
                    .position(|w| w == b"\n\n")
                    .map(|i| start + i + 2)
            }
            RequestEnd::Line => buf[from..]
                .iter()
                .position(|&b| b == b'\n')
                .map(|i| from + i + 1),
            RequestEnd::JsonValue => {
                let mut values =
                    serde_json::Deserializer::from_slice(buf).into_iter::<serde::de::IgnoredAny>();
                match values.next() {
                    Some(Ok(_)) => Some(values.byte_offset()),
                    // Truncated: wait for more. Anything else is complete
                    // enough to be refused by the parser.
                    Some(Err(e)) if e.is_eof() => None,
                    Some(Err(_)) => Some(buf.len()),
                    None => None,
                }
            }
        }
    }
}

/// A credential helper's request on stdin (at most 1 MiB): up to where
/// `end` says it ends, or to the end of stdin.
pub fn read_stdin(end: RequestEnd) -> Result<Vec<u8>> {
    use std::io::BufRead;
    const LIMIT: usize = 1024 * 1024;
    let stdin = std::io::stdin();
    let mut stdin = stdin.lock();
    let mut buf = Vec::new();
    loop {
        let chunk = match stdin.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if chunk.is_empty() {
            return Ok(buf);
        }
        let from = buf.len();
        let n = chunk.len();
        buf.extend_from_slice(chunk);
        stdin.consume(n);
        let done = end.complete(&buf, from);
        if let Some(len) = done {
            buf.truncate(len);
        }
        if buf.len() > LIMIT {
            return Err(Error::config(
                "more than 1 MiB on stdin; this is not a credential request",
            ));
        }
        if done.is_some() {
            return Ok(buf);
        }
    }
}

/// The profile named by `-p` or the positional argument (they must agree).
pub fn explicit_profile<'a>(g: &'a Global, positional: &'a ProfileArg) -> Result<Option<&'a str>> {
    match (g.profile.as_deref(), positional.name.as_deref()) {
        (Some(a), Some(b)) if a != b => Err(Error::config(format!(
            "two different profiles given: -p {a} and {b}"
        ))
        .hint("give the profile once, either as -p NAME or as the argument")),
        (a, b) => Ok(a.or(b)),
    }
}

/// Loads the config and validates the selected profile; the config knows
/// only that profile ([`Config::load_profile`]).
pub fn load_profile(g: &Global, positional: &ProfileArg) -> Result<(Config, Profile)> {
    let explicit = explicit_profile(g, positional)?;
    Config::load_profile(&config_path(g.config.as_deref())?, explicit)
}
