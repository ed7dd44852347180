//! Docker's credential-helper protocol (docker-credential-helpers), for
//! `credHelpers` / `credsStore` in ~/.docker/config.json, as
//! `authtool docker-credential get|store|erase|list` speaks it:
//!
//! - `get`: a server URL on stdin → `{"ServerURL","Username","Secret"}`
//!   on stdout. A server covered by a profile's `urls` gets the profile's
//!   token (and `docker_username`); any other server what `store` kept.
//!   Unknown → exactly `credentials not found in native keychain` on
//!   stdout and exit 1: that text is how Docker recognises "none".
//! - `store`: `{"ServerURL","Username","Secret"}` on stdin, kept in the
//!   secret store (not for a profile's server: authtool issues those).
//! - `erase`: a server URL on stdin; for a profile's server, drops the
//!   cached token.
//! - `list`: `{"<server URL>": "<user name>", …}`: kept servers and the
//!   profiles' `urls`.
//!
//! Server addresses are compared as Docker's own helpers do: a bare host
//! (`registry.example.com`) means https, and a trailing `/` is ignored.

use crate::config::{Config, Profile};
use crate::debug;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::session::{Session, Want};
use crate::store::index::{self, Kept};
use crate::urlmatch::Target;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// What Docker looks for to tell "no credentials" from a failure.
pub const NOT_FOUND: &str = "credentials not found in native keychain";

/// The user name sent with a token when the profile sets no
/// `docker_username`.
pub const DEFAULT_USERNAME: &str = "oauth2";

/// The store-mode namespace (index file and account prefix).
const NAMESPACE: &str = "docker-credential";

/// What Docker asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Get,
    Store,
    Erase,
    List,
}

impl Operation {
    pub fn parse(op: &str) -> Result<Operation> {
        match op {
            "get" => Ok(Operation::Get),
            "store" => Ok(Operation::Store),
            "erase" => Ok(Operation::Erase),
            "list" => Ok(Operation::List),
            _ => Err(Error::config(format!(
                "docker-credential: unknown operation `{op}` (get, store, erase or list)"
            ))),
        }
    }
}

/// What to answer Docker: the text for stdout and the exit code.
#[derive(Debug)]
pub struct Reply {
    pub stdout: String,
    pub code: u8,
}

impl Reply {
    fn text(stdout: String) -> Reply {
        Reply { stdout, code: 0 }
    }

    fn empty() -> Reply {
        Reply::text(String::new())
    }
}

/// Answers `op` with `input` (what Docker wrote on stdin; `list` reads
/// none).
/// `interactive`: `--interactive` (see [`crate::session::may_ask`]).
pub fn serve(
    op: Operation,
    config: Option<&Config>,
    input: &[u8],
    interactive: bool,
) -> Result<Reply> {
    if op == Operation::List {
        return list(config);
    }
    let kept = Kept::<Server>::open(NAMESPACE, config)?;
    if op == Operation::Store {
        return store(config, &kept, input);
    }
    let text = std::str::from_utf8(input)
        .map_err(|_| Error::config("docker-credential: the server URL is not UTF-8"))?;
    let server = text.trim();
    if server.is_empty() {
        return Err(Error::config("docker-credential: no server URL on stdin"));
    }
    if op == Operation::Get {
        get(config, &kept, server, interactive)
    } else {
        erase(config, &kept, server)
    }
}

/// What the index keeps about a stored credential (not secret).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Server {
    server_url: String,
    username: String,
}

/// `docker login`'s credentials, as `store` receives them.
#[derive(Deserialize)]
struct Credentials {
    #[serde(rename = "ServerURL")]
    server_url: String,
    #[serde(rename = "Username")]
    username: String,
    #[serde(rename = "Secret")]
    secret: Secret,
}

/// Whether two server addresses name the same registry.
fn same_server(a: &str, b: &str) -> bool {
    a == b
        || match (Target::from_server(a), Target::from_server(b)) {
            (Some(x), Some(y)) => x.starts_with(&y) && y.starts_with(&x),
            _ => false,
        }
}

fn profile_for(config: Option<&Config>, server: &str) -> Result<Option<Profile>> {
    match (config, Target::from_server(server)) {
        (Some(config), Some(target)) => config.profile_for_url(&target),
        _ => Ok(None),
    }
}

fn not_found() -> Reply {
    Reply {
        stdout: format!("{NOT_FOUND}\n"),
        code: 1,
    }
}

fn answer(server: &str, username: &str, secret: &str) -> Result<Reply> {
    let doc = json!({ "ServerURL": server, "Username": username, "Secret": secret });
    let mut out = serde_json::to_string(&doc)
        .map_err(|e| Error::internal(format!("cannot encode JSON: {e}")))?;
    out.push('\n');
    Ok(Reply::text(out))
}

fn get(
    config: Option<&Config>,
    kept: &Kept<Server>,
    server: &str,
    interactive: bool,
) -> Result<Reply> {
    if let Some(profile) = profile_for(config, server)? {
        debug!("docker-credential get: profile '{}'", profile.name);
        let token = Session::new(&profile)?.token(&Want::asking(interactive))?;
        let username = profile
            .common
            .docker_username
            .as_deref()
            .unwrap_or(DEFAULT_USERNAME);
        return answer(server, username, token.access_token.expose());
    }
    for entry in kept.entries()? {
        if !same_server(&entry.meta.server_url, server) {
            continue;
        }
        if let Some(secret) = kept.secret(&entry)? {
            return answer(server, &entry.meta.username, secret.expose());
        }
    }
    Ok(not_found())
}

fn store(config: Option<&Config>, kept: &Kept<Server>, input: &[u8]) -> Result<Reply> {
    let creds: Credentials = serde_json::from_slice(input).map_err(|e| {
        Error::config(format!(
            "docker-credential store: expected {{\"ServerURL\",\"Username\",\"Secret\"}} on stdin: {e}"
        ))
    })?;
    if creds.server_url.trim().is_empty() {
        return Err(Error::config("docker-credential store: no ServerURL"));
    }
    if creds.username.is_empty() {
        return Err(Error::config("docker-credential store: no Username"));
    }
    if let Some(profile) = profile_for(config, &creds.server_url)? {
        crate::warn!(
            "{} is served by profile '{}'; authtool issues its credentials and does not store others",
            creds.server_url,
            profile.name
        );
        return Ok(Reply::empty());
    }
    let account = kept.account(&index::escape(&creds.server_url));
    let lock = kept.lock()?;
    // One entry per registry, however its address was spelled.
    let others: Vec<String> = kept
        .entries()?
        .into_iter()
        .filter(|e| e.account != account && same_server(&e.meta.server_url, &creds.server_url))
        .map(|e| e.account)
        .collect();
    kept.remove(&lock, &others)?;
    let meta = Server {
        server_url: creds.server_url.clone(),
        username: creds.username.clone(),
    };
    kept.put(&lock, account, meta, &creds.secret, None)?;
    Ok(Reply::empty())
}

fn erase(config: Option<&Config>, kept: &Kept<Server>, server: &str) -> Result<Reply> {
    if let Some(profile) = profile_for(config, server)? {
        Session::new(&profile)?.forget_token()?;
        debug!("profile '{}': dropped the cached token", profile.name);
        return Ok(Reply::empty());
    }
    let lock = kept.lock()?;
    let doomed: Vec<String> = kept
        .entries()?
        .into_iter()
        .filter(|e| same_server(&e.meta.server_url, server))
        .map(|e| e.account)
        .collect();
    if kept.remove(&lock, &doomed)? == 0 {
        return Ok(not_found());
    }
    Ok(Reply::empty())
}

/// Kept servers, then every profile URL (a profile wins, as in `get`).
fn list(config: Option<&Config>) -> Result<Reply> {
    let mut map = Map::new();
    let kept = Kept::<Server>::open(NAMESPACE, config)?;
    for entry in kept.entries()?.into_iter().rev() {
        map.insert(entry.meta.server_url, Value::String(entry.meta.username));
    }
    if let Some(config) = config {
        for name in config.profile_names() {
            let profile = config.profile(&name)?;
            let username = profile
                .common
                .docker_username
                .as_deref()
                .unwrap_or(DEFAULT_USERNAME);
            for url in &profile.common.urls {
                map.insert(url.clone(), Value::String(username.to_string()));
            }
        }
    }
    let mut out = serde_json::to_string(&Value::Object(map))
        .map_err(|e| Error::internal(format!("cannot encode JSON: {e}")))?;
    out.push('\n');
    Ok(Reply::text(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses() {
        assert!(same_server(
            "registry.example.com",
            "https://registry.example.com/"
        ));
        assert!(same_server(
            "https://index.docker.io/v1/",
            "https://index.docker.io/v1"
        ));
        assert!(!same_server(
            "registry.example.com",
            "registry.example.com:5000"
        ));
        assert!(!same_server(
            "https://index.docker.io/v1/",
            "https://index.docker.io/"
        ));
        assert!(same_server("not a url", "not a url"));
    }
}
