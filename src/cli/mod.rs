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
    /// Bazel credential helper (--credential_helper; install as authtool-bazel-credential)
    ///
    /// `get` reads {"uri": "…"} on stdin and prints {"expires", "headers"}:
    /// the headers of the profile whose `urls` cover the URI (each value a
    /// list), and when Bazel should ask again (the token's expiry minus the
    /// refresh margin). A URI no profile serves gets {}.
    ///
    /// Install: link authtool as `authtool-bazel-credential` and add
    /// `common --credential_helper=HOST=/path/to/authtool-bazel-credential`
    /// to .bazelrc (`authtool setup bazel PROFILE` does both).
    BazelCredential(BazelCredentialArgs),
    /// The `keyring` command for pip and uv (--keyring-provider subprocess)
    ///
    /// `get SERVICE USERNAME` prints the token of the profile whose `urls`
    /// cover SERVICE (an index URL, or a host); `get SERVICE --mode creds`
    /// prints the user name (`keyring_username`, default oauth2) and the
    /// token on two lines. No match: nothing on stdout, exit 1.
    ///
    /// Install: link authtool as `keyring` in a directory on PATH
    /// (`authtool setup pip|uv PROFILE` does it and writes the settings).
    Keyring(KeyringArgs),
    /// Wire a tool to a profile: writes the tool's own config
    ///
    /// git: `credential.<url>.helper` for each of the profile's `urls`
    /// (git config --global, so $GIT_CONFIG_GLOBAL is honoured). kubectl: a
    /// kubeconfig user with an exec stanza (kubectl config set-credentials,
    /// or without kubectl the YAML edited; $KUBECONFIG is honoured). docker: `credHelpers` in
    /// $DOCKER_CONFIG/config.json (~/.docker) and the
    /// docker-credential-authtool link. bazel: a `--credential_helper` line
    /// per host in ~/.bazelrc (or --file) and the authtool-bazel-credential
    /// link. pip, uv: the `keyring` link, `keyring-provider = subprocess`
    /// and the index URL in pip.conf / uv.toml.
    ///
    /// Idempotent: what is already there is left as it is, and everything
    /// else in the files is kept. A file that does not parse is left
    /// untouched (exit 2).
    Setup(SetupArgs),
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

/// Whether a browser or device login may start (profiles whose `grant`
/// a person answers).
#[derive(Debug, Args, Clone, Copy, Default, PartialEq, Eq)]
pub struct InteractiveArg {
    /// Log in with a browser or device code if needed, even when stderr is not a terminal
    ///
    /// Without it, a person is asked only when stderr is a terminal or
    /// AUTHTOOL_INTERACTIVE=1 (never with AUTHTOOL_INTERACTIVE=0 or CI set);
    /// otherwise such a login fails with exit 3 and a hint to run
    /// `authtool login`.
    #[arg(long)]
    pub interactive: bool,
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

    /// Print the OpenID Connect ID token of the last login or refresh instead of the access token
    ///
    /// Renewed by its own `exp`. For kubectl's OIDC (`--format
    /// exec-credential`) and other clients that take an ID token. Exit 3
    /// when the server issued none (ask for the `openid` scope).
    #[arg(long)]
    pub id_token: bool,
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
    pub interactive: InteractiveArg,
}

#[derive(Debug, Args)]
pub struct HeaderArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    #[command(flatten)]
    pub freshness: FreshnessArgs,

    #[command(flatten)]
    pub interactive: InteractiveArg,
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

    /// Do not revoke the tokens at the server's revocation endpoint (RFC 7009) first
    #[arg(long)]
    pub no_revoke: bool,
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

    #[command(flatten)]
    pub interactive: InteractiveArg,
}

#[derive(Debug, Args)]
pub struct DockerCredentialArgs {
    /// get, store, erase or list (docker passes this)
    #[arg(value_name = "OPERATION")]
    pub operation: String,

    #[command(flatten)]
    pub interactive: InteractiveArg,
}

#[derive(Debug, Args)]
pub struct BazelCredentialArgs {
    /// get (Bazel passes this)
    #[arg(value_name = "COMMAND")]
    pub command: String,
}

#[derive(Debug, Args)]
pub struct KeyringArgs {
    /// get (pip and uv ask nothing else)
    #[arg(value_name = "OPERATION")]
    pub operation: String,

    /// The index URL, or its host
    #[arg(value_name = "SERVICE")]
    pub service: Option<String>,

    /// The user name pip or uv asks for
    #[arg(value_name = "USERNAME")]
    pub username: Option<String>,

    /// password: the token alone; creds: the user name and the token, on two lines
    #[arg(long, value_name = "MODE", default_value = "password")]
    pub mode: String,
}

/// The tools `setup` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SetupTool {
    Git,
    Kubectl,
    Docker,
    Bazel,
    Pip,
    Uv,
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// The tool to wire
    #[arg(value_enum, value_name = "TOOL")]
    pub tool: SetupTool,

    #[command(flatten)]
    pub profile: ProfileArg,

    /// Print what would change, and change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Where the links (keyring, authtool-bazel-credential,
    /// docker-credential-authtool) go [default: ~/.local/bin]
    #[arg(long, value_name = "DIR")]
    pub bin_dir: Option<std::path::PathBuf>,

    /// The file to write for bazel (.bazelrc), pip (pip.conf) or uv (uv.toml)
    /// [default: ~/.bazelrc, $PIP_CONFIG_FILE or ~/.config/pip/pip.conf,
    /// $UV_CONFIG_FILE or ~/.config/uv/uv.toml]
    #[arg(long, value_name = "PATH")]
    pub file: Option<std::path::PathBuf>,

    /// pip, uv: the package index URL [default: the profile's only `urls` entry]
    #[arg(long, value_name = "URL")]
    pub index_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    #[command(flatten)]
    pub interactive: InteractiveArg,

    /// The command and its arguments, after `--`
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<std::ffi::OsString>,
}

/// The names authtool answers to when installed under another name:
/// `git-credential-authtool get` is `authtool git-credential get`.
pub const INSTALLED_AS: [(&str, &str); 4] = [
    ("git-credential-authtool", "git-credential"),
    ("docker-credential-authtool", "docker-credential"),
    ("authtool-bazel-credential", "bazel-credential"),
    ("keyring", "keyring"),
];

/// The command line with the subcommand filled in when the program was
/// started as `git-credential-authtool`, `docker-credential-authtool`,
/// `authtool-bazel-credential` or `keyring` (a link or copy of authtool
/// under that name).
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
            args_for_program(args(&["/x/authtool-bazel-credential", "get"])),
            args(&["/x/authtool-bazel-credential", "bazel-credential", "get"])
        );
        assert_eq!(
            args_for_program(args(&["keyring", "get", "https://i/", "--mode", "creds"])),
            args(&["keyring", "keyring", "get", "https://i/", "--mode", "creds"])
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
