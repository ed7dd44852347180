//! One file per subcommand; this file dispatches and holds what they share.

pub mod completions;
pub mod config;
pub mod doctor;
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
        Command::GitCredential(_) => not_yet("git-credential"),
        Command::DockerCredential(_) => not_yet("docker-credential"),
        Command::Exec(_) => not_yet("exec"),
    }
}

fn not_yet(name: &str) -> Result<Outcome> {
    Err(Error::internal(format!(
        "`authtool {name}` is not implemented yet in this version"
    )))
}

/// Loads the config file named by the flags or environment.
pub fn load_config(g: &Global) -> Result<Config> {
    Config::load(&config_path(g.config.as_deref())?)
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
