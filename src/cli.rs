//! The command line. The doc comments are the help text.

use crate::output::Format;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Bearer tokens for the APIs you call, with secrets in the OS keychain.
///
/// Describe each API as a profile in the config file, then:
///
///   authtool token -p NAME                 print a valid token (renewed only when needed)
///   authtool header -p NAME                print the ready Authorization header
///   authtool header -p NAME | curl -H @- https://api.example.com/...
///
/// Exit codes: 0 ok, 1 internal error, 2 usage or config error, 3 login
/// required, 4 secret store unavailable, 5 network/server error, 6
/// credentials rejected.
#[derive(Debug, Parser)]
#[command(name = "authtool", version, max_term_width = 100, verbatim_doc_comment)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags accepted before or after the subcommand.
#[derive(Debug, Args, Clone, Default)]
pub struct Global {
    /// The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]
    #[arg(short, long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

/// A profile given as a positional argument.
#[derive(Debug, Args, Clone, Default)]
pub struct ProfileArg {
    /// The profile (same as -p NAME)
    #[arg(value_name = "PROFILE")]
    pub name: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a valid token for a profile, logging in or refreshing only when needed
    Token(TokenArgs),
    /// Print the HTTP header(s) that authenticate a request (= token --format header)
    Header(HeaderArgs),
    /// Store a profile's secrets in the secret store and check them
    Login(LoginArgs),
    /// Drop a profile's cached token (and with --forget, its stored secrets)
    Logout(LogoutArgs),
    /// Renew a profile's token now, even if the cached one is still valid
    Refresh(RefreshArgs),
    /// Show every profile: provider, where its secrets come from, token expiry
    #[command(visible_alias = "list")]
    Status(StatusArgs),
    /// Decode the cached token (JWT header and claims) locally, without verifying it
    Inspect(InspectArgs),
    /// Check the config, secret store, trust roots, proxies and token endpoint
    Doctor(DoctorArgs),
    /// Show, check or create the config file
    #[command(subcommand)]
    Config(ConfigCommand),
    /// git credential helper: `git config credential.helper '!authtool git-credential'`
    GitCredential(GitCredentialArgs),
    /// Docker credential helper protocol (install as docker-credential-authtool)
    DockerCredential(DockerCredentialArgs),
    /// Run a command with the token in its environment ($AUTHTOOL_TOKEN, $AUTHTOOL_AUTH_HEADER)
    Exec(ExecArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
}

/// Options of `token` and `header` that decide which token is acceptable.
#[derive(Debug, Args, Clone, Default)]
pub struct FreshnessArgs {
    /// The token must stay valid at least this long (e.g. 10m); renew otherwise
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub min_ttl: Option<std::time::Duration>,

    /// Ignore the cache: fetch a new token and do not store it
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    /// Output format
    #[arg(short, long, value_enum, default_value_t = Format::Raw)]
    pub format: Format,

    /// Do not print the trailing newline (raw format)
    #[arg(short = 'n', long)]
    pub no_newline: bool,

    #[command(flatten)]
    pub freshness: FreshnessArgs,
}

#[derive(Debug, Args)]
pub struct HeaderArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    #[command(flatten)]
    pub freshness: FreshnessArgs,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    /// Read the secrets from stdin, one per line, in the order `status` lists them
    #[arg(long)]
    pub secret_stdin: bool,

    /// Store the secrets without fetching a token to check them
    #[arg(long)]
    pub no_verify: bool,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    /// Also delete the stored secrets and refresh tokens
    #[arg(long)]
    pub forget: bool,

    /// Every profile in the config
    #[arg(long, conflicts_with = "name")]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct RefreshArgs {
    #[command(flatten)]
    pub profile: ProfileArg,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Machine-readable output
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    /// Machine-readable output
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub profile: ProfileArg,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the path of the config file in use
    Path,
    /// Validate the config file and every profile in it
    Check,
    /// Write the example config (with a profile per provider) to the config path
    Init {
        /// Overwrite an existing file
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct GitCredentialArgs {
    /// get, store or erase (git passes this)
    #[arg(value_name = "OPERATION")]
    pub operation: String,
}

#[derive(Debug, Args)]
pub struct DockerCredentialArgs {
    /// get, store, erase or list (docker passes this)
    #[arg(value_name = "OPERATION")]
    pub operation: String,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    /// The command and its arguments, after `--`
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    crate::timefmt::parse_duration(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn globals_work_after_the_subcommand() {
        let cli =
            Cli::try_parse_from(["authtool", "token", "-p", "x", "-v", "--config", "c"]).unwrap();
        assert_eq!(cli.global.profile.as_deref(), Some("x"));
        assert!(cli.global.verbose);
        let cli = Cli::try_parse_from(["authtool", "token", "x", "--format", "json"]).unwrap();
        let Command::Token(t) = cli.command else {
            panic!()
        };
        assert_eq!(t.profile.name.as_deref(), Some("x"));
        assert_eq!(t.format, Format::Json);
    }
}
