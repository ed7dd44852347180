//! One file per subcommand; this file dispatches and holds what they share.

pub mod completions;
pub mod config;
pub mod docker_credential;
pub mod doctor;
pub mod exec;
pub mod git_credential;
pub mod inspect;
pub mod login;
pub mod logout;
pub mod refresh;
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
    match cli.command {
        Command::Token(args) => token::token(g, &args),
        Command::Header(args) => token::header(g, &args),
        Command::Refresh(args) => refresh::run(g, &args),
        Command::Logout(args) => logout::run(g, &args),
        Command::Config(cmd) => config::run(g, &cmd),
        Command::Completions(args) => completions::run(&args),
        Command::Login(args) => login::run(g, &args),
        Command::Status(args) => status::run(g, &args),
        Command::Inspect(args) => inspect::run(g, &args),
        Command::Doctor(args) => doctor::run(g, &args),
        Command::GitCredential(args) => git_credential::run(g, &args),
        Command::DockerCredential(args) => docker_credential::run(g, &args),
        Command::Exec(args) => exec::run(g, &args),
    }
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

/// All of stdin, for the credential helpers (at most 1 MiB).
pub fn read_stdin() -> Result<Vec<u8>> {
    use std::io::Read;
    const LIMIT: u64 = 1024 * 1024;
    let mut buf = Vec::new();
    std::io::stdin()
        .lock()
        .take(LIMIT + 1)
        .read_to_end(&mut buf)?;
    if buf.len() as u64 > LIMIT {
        return Err(Error::config(
            "more than 1 MiB on stdin; this is not a credential request",
        ));
    }
    Ok(buf)
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

/// Loads the config and validates the selected profile.
pub fn load_profile(g: &Global, positional: &ProfileArg) -> Result<(Config, Profile)> {
    let explicit = explicit_profile(g, positional)?;
    let config = load_config(g)?;
    let name = config.select(explicit)?;
    let profile = config.profile(&name)?;
    Ok((config, profile))
}
