//! The `keyring` command line as pip and uv run it with
//! `--keyring-provider subprocess` (authtool installed or linked as
//! `keyring` on PATH, or `authtool keyring …`):
//!
//! - `keyring get SERVICE USERNAME` (pip, and uv when it knows a user
//!   name): the token of the profile whose `urls` cover SERVICE, one line;
//! - `keyring get SERVICE --mode creds` (uv with `authenticate = "always"`
//!   and no user name): two lines, the user name and the token.
//!
//! SERVICE is the index URL, or (uv's second try) its host
//! (`pypi.example.com`, `host:port`), taken as https like a Docker server
//! address. The user name given with the token is the profile's
//! `keyring_username` (default `oauth2`); when a profile sets one, a
//! request for another user name is not its. No match: nothing on stdout
//! and exit 1, as the keyring CLI does when it has no password.

use crate::config::{Config, Profile};
use crate::debug;
use crate::error::{Error, Result};
use crate::session::{Session, Want};
use crate::urlmatch::Target;

/// The user name sent with the token when the profile sets no
/// `keyring_username`.
pub const DEFAULT_USERNAME: &str = "oauth2";

/// What `--mode` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The password (token) alone (keyring's default).
    Password,
    /// The user name, then the password, one per line.
    Creds,
}

impl Mode {
    pub fn parse(text: &str) -> Result<Mode> {
        match text {
            "password" => Ok(Mode::Password),
            "creds" => Ok(Mode::Creds),
            other => Err(Error::config(format!(
                "keyring: unknown --mode `{other}` (password or creds)"
            ))),
        }
    }
}

/// What to print and the exit code.
#[derive(Debug)]
pub struct Reply {
    pub stdout: String,
    pub code: u8,
}

/// Answers `keyring get SERVICE [USERNAME]`.
pub fn get(
    config: Option<&Config>,
    service: &str,
    username: Option<&str>,
    mode: Mode,
) -> Result<Reply> {
    let none = Reply {
        stdout: String::new(),
        code: 1,
    };
    if mode == Mode::Password && username.is_none() {
        return Err(Error::config(
            "keyring get: a USERNAME is needed (or --mode creds)",
        ));
    }
    let Some(profile) = profile_for(config, service)? else {
        debug!("keyring get: no profile serves {service}");
        return Ok(none);
    };
    let configured = profile.common.keyring_username.as_deref();
    if let (Some(want), Some(asked)) = (configured, username)
        && want != asked
    {
        debug!(
            "keyring get: profile '{}' gives user name `{want}`, not `{asked}`",
            profile.name
        );
        return Ok(none);
    }
    debug!("keyring get: profile '{}'", profile.name);
    if profile.provider.provider().dpop() {
        return Err(crate::output::needs_proof_error(
            &profile.name,
            "the keyring helper (pip, uv)",
        ));
    }
    let token = Session::new(&profile)?.token(&Want::default())?;
    let secret = token.access_token.expose();
    let stdout = match mode {
        Mode::Password => format!("{secret}\n"),
        Mode::Creds => {
            let user = configured.or(username).unwrap_or(DEFAULT_USERNAME);
            format!("{user}\n{secret}\n")
        }
    };
    Ok(Reply { stdout, code: 0 })
}

/// The profile that serves SERVICE: a URL, or a bare host taken as https.
fn profile_for(config: Option<&Config>, service: &str) -> Result<Option<Profile>> {
    let target = if service.contains("://") {
        Target::parse(service)
    } else {
        Target::from_server(service)
    };
    match (config, target) {
        (Some(config), Some(target)) => config.profile_for_url(&target),
        _ => Ok(None),
    }
}
