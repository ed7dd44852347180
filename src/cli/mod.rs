//! The command line: the clap definitions (the doc comments are the help
//! text), and beside them [`fast`], the hot-path parser for plain
//! `token`/`header` lines that must agree with them.

pub mod fast;

use crate::output::Format;
use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

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
    ///
    /// For a DPoP profile (`dpop = true`) give the request: --method and
    /// --url; the headers are then `Authorization: DPoP <token>` and `DPoP:
    /// <proof>`, a proof valid for that one request.
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
    /// Print a DPoP proof for one API request (profiles with `dpop = true`)
    ///
    /// The proof goes in the request's `DPoP` header, beside
    /// `Authorization: DPoP <token>` (`authtool token` prints the token).
    /// It is signed with the profile's key and holds the method, the URL
    /// (without query and fragment), the time, a fresh id and the hash of
    /// the current token; make a new one for every request. Under `exec`,
    /// the child can run `authtool dpop-proof --method M --url U` for each
    /// request it makes ($AUTHTOOL_PROFILE names the profile).
    DpopProof(DpopProofArgs),
    /// Check the config, secret store, trust roots, proxies and token endpoint
    ///
    /// Checks every profile, unless one is named (-p NAME, PROFILE or
    /// $AUTHTOOL_PROFILE): then only that one. default_profile does not
    /// narrow the check. The reachability check connects (TCP, TLS) but
    /// sends no request and no credential.
    Doctor(DoctorArgs),
    /// Show, check or create the config file
    #[command(subcommand)]
    Config(ConfigCommand),
    /// git credential helper: `git config credential.helper '!authtool git-credential'`
    ///
    /// Speaks git's credential-helper protocol (gitcredentials(7)) on stdin
    /// and stdout. A request whose URL matches a profile's `urls` (any
    /// request, with -p) is answered with that profile's token, and `erase`
    /// drops the cached token. Other credentials git asks to keep are stored
    /// in the secret store: $AUTHTOOL_SECRET_STORE, else `[defaults]
    /// secret_store`, else the OS keychain.
    ///
    /// Also installable as `git-credential-authtool` (a link to authtool on
    /// PATH), used as `credential.helper = authtool`.
    GitCredential(GitCredentialArgs),
    /// Docker credential helper protocol (install as docker-credential-authtool)
    ///
    /// `get` reads a server URL on stdin and prints
    /// {"ServerURL","Username","Secret"}: a profile's token when the URL
    /// matches its `urls`, else what `store` kept in the secret store;
    /// otherwise `credentials not found in native keychain` and exit 1.
    ///
    /// Install: link authtool as `docker-credential-authtool` on PATH and set
    /// "credHelpers" (or "credsStore") to "authtool" in ~/.docker/config.json.
    DockerCredential(DockerCredentialArgs),
    /// Run a command with the token in its environment ($AUTHTOOL_TOKEN, $AUTHTOOL_AUTH_HEADER)
    ///
    /// CMD gets AUTHTOOL_TOKEN (the token), AUTHTOOL_AUTH_HEADER (the
    /// Authorization header value, `Bearer …`, for providers that send one)
    /// and the names the profile maps with `env = { NAME = "VALUE" }`, where
    /// VALUE is token, header, header:NAME, query or expires_at.
    ///
    /// authtool exits with CMD's exit code: 128+N when CMD is killed by
    /// signal N, 127 when CMD is not found, 126 when it cannot be run.
    // Written out so that a usage error shows the same line as --help
    // (clap would print the profile given as `<PROFILE>`).
    #[command(override_usage = "authtool exec [OPTIONS] [PROFILE] -- <CMD>...")]
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

/// The API request a DPoP proof is made for (`dpop = true` profiles).
#[derive(Debug, Args, Clone, Default)]
pub struct RequestArgs {
    /// The HTTP method of the API request, for its DPoP proof (DPoP profiles)
    #[arg(long, value_name = "METHOD")]
    pub method: Option<String>,

    /// The URL of the API request, for its DPoP proof (DPoP profiles)
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
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

    #[command(flatten)]
    pub request: RequestArgs,
}

#[derive(Debug, Args)]
pub struct HeaderArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    #[command(flatten)]
    pub freshness: FreshnessArgs,

    #[command(flatten)]
    pub request: RequestArgs,
}

#[derive(Debug, Args)]
pub struct DpopProofArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    /// The HTTP method of the API request
    #[arg(long, value_name = "METHOD")]
    pub method: String,

    /// The URL of the API request
    #[arg(long, value_name = "URL")]
    pub url: String,

    /// The nonce the API server asked for (its `DPoP-Nonce` header)
    #[arg(long, value_name = "NONCE")]
    pub nonce: Option<String>,

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

    /// Only the profile names, one per line (for the shell completion scripts)
    #[arg(long, hide = true, conflicts_with = "json")]
    pub names: bool,
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
    /// get, store or erase (git passes this; other operations are ignored)
    #[arg(value_name = "OPERATION")]
    pub operation: String,

    /// Forget credentials stored by this call after DURATION (store mode)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<std::time::Duration>,
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

/// The names authtool answers to when installed under another name:
/// `git-credential-authtool get` is `authtool git-credential get`.
const INSTALLED_AS: [(&str, &str); 2] = [
    ("git-credential-authtool", "git-credential"),
    ("docker-credential-authtool", "docker-credential"),
];

/// The command line with the subcommand filled in when the program was
/// started as `git-credential-authtool` or `docker-credential-authtool`
/// (a link or copy of authtool under that name).
pub fn args_for_program(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut args: Vec<OsString> = args.into_iter().collect();
    let stem = args
        .first()
        .and_then(|argv0| Path::new(argv0).file_stem())
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    if let Some((_, sub)) = INSTALLED_AS.iter().find(|(name, _)| *name == stem) {
        args.insert(1.min(args.len()), OsString::from(sub));
    }
    args
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
    fn installed_names_imply_the_subcommand() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            args_for_program(args(&[
                "/usr/bin/git-credential-authtool",
                "-p",
                "x",
                "get"
            ])),
            args(&[
                "/usr/bin/git-credential-authtool",
                "git-credential",
                "-p",
                "x",
                "get"
            ])
        );
        assert_eq!(
            args_for_program(args(&["docker-credential-authtool.exe", "list"])),
            args(&[
                "docker-credential-authtool.exe",
                "docker-credential",
                "list"
            ])
        );
        assert_eq!(
            args_for_program(args(&["authtool", "token"])),
            args(&["authtool", "token"])
        );
        let cli = Cli::try_parse_from(args_for_program(args(&[
            "git-credential-authtool",
            "--timeout=1",
            "store",
        ])))
        .unwrap();
        let Command::GitCredential(g) = cli.command else {
            panic!()
        };
        assert_eq!(g.operation, "store");
        assert_eq!(g.timeout, Some(std::time::Duration::from_secs(1)));
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
