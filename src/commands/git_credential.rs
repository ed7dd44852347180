//! `git-credential get|store|erase`: git's credential-helper protocol
//! (git-credential(1), gitcredentials(7)).
//!
//! Each request is served in one of two modes:
//! - **profile**: with `-p NAME`, or when the request's URL matches a
//!   profile's `urls`. `get` answers with the profile's token: a Bearer
//!   `credential` (`ephemeral=1`) when git announces
//!   `capability[]=authtype`, else `username` + `password`; always with
//!   `password_expiry_utc` = expiry minus the refresh margin. `erase` (git
//!   sends it after a 401) drops the cached token so the next `get` renews.
//!   `store` is ignored: authtool issued that token.
//! - **store**: any other request. authtool is then a keychain-backed
//!   helper like git-credential-libsecret: `store` keeps the credential in
//!   the secret store (one entry per protocol/host/path/username), `get`
//!   and `erase` find entries with git's own matching rules.
//!
//! A `get` that finds nothing prints nothing and says nothing. Input lines
//! are read exactly (`key=value`, split at the first `=`, nothing trimmed);
//! a line with a CR or NUL is refused, and so is output that would hold
//! one. `wwwauth[]` and other unknown keys are never looked into.

use super::{Outcome, load_config, load_config_if_present, read_stdin};
use crate::cli::{GitCredentialArgs, Global};
use crate::config::{Config, Profile};
use crate::credstore::{self, Kept};
use crate::debug;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::session::{self, Session, Want};
use crate::timefmt;
use crate::urlmatch::{self, Target};
use serde::{Deserialize, Serialize};

/// The user name sent with a token when the profile sets no `git_username`
/// (GitLab expects `oauth2`; most hosts accept any).
pub const DEFAULT_USERNAME: &str = "oauth2";

/// The store-mode namespace (index file and account prefix).
const NAMESPACE: &str = "git-credential";

/// The fuzz target's body (`crate::fuzzing::git_credential`): inside this
/// module so it drives the private parser and answer writer.
#[doc(hidden)]
#[path = "../fuzzing/git_credential.rs"]
pub mod fuzz;

pub fn run(g: &Global, args: &GitCredentialArgs) -> Result<Outcome> {
    let op = args.operation.as_str();
    if !matches!(op, "get" | "store" | "erase") {
        // gitcredentials(7): ignore operations you do not support.
        debug!("git-credential: ignoring the unknown operation `{op}`");
        return Ok(Outcome::default());
    }
    let request = Request::parse(&read_stdin()?)?;
    let config = match g.profile {
        Some(_) => Some(load_config(g)?),
        None => load_config_if_present(g)?,
    };
    if let Some(profile) = profile_for(g, config.as_ref(), &request)? {
        debug!("git-credential {op}: profile '{}'", profile.name);
        return match op {
            "get" => profile_get(&profile, &request),
            "erase" => profile_erase(&profile, &request),
            _ => Ok(Outcome::default()),
        };
    }
    let kept = Kept::<Key>::open(NAMESPACE, config.as_ref())?;
    match op {
        "get" => store_get(&kept, &request),
        "store" => store_store(&kept, &request, args.timeout),
        _ => store_erase(&kept, &request),
    }
}

/// What git sent.
#[derive(Debug, Default)]
struct Request {
    protocol: Option<String>,
    host: Option<String>,
    path: Option<String>,
    username: Option<String>,
    password: Option<Secret>,
    authtype: Option<String>,
    credential: Option<Secret>,
    password_expiry_utc: Option<u64>,
    oauth_refresh_token: Option<Secret>,
    ephemeral: bool,
    /// `capability[]=authtype`: git can take `authtype` + `credential`.
    authtype_capable: bool,
}

impl Request {
    /// `key=value` lines up to a blank line or the end; a later line
    /// overrides an earlier one with the same key, as in git.
    fn parse(input: &[u8]) -> Result<Request> {
        let text = std::str::from_utf8(input).map_err(|_| {
            Error::config("git-credential: the request is not UTF-8; not answering it")
        })?;
        let mut r = Request::default();
        for line in text.split('\n') {
            if line.is_empty() {
                break;
            }
            let (key, value) = line.split_once('=').ok_or_else(|| {
                Error::config(format!(
                    "git-credential: `{}` is not a `key=value` line",
                    crate::log::sanitize_remote(line)
                ))
            })?;
            if value.contains(['\r', '\0']) {
                return Err(Error::config(format!(
                    "git-credential: the value of `{}` holds a carriage return or NUL; refusing the request",
                    crate::log::sanitize_remote(key)
                )));
            }
            let text = || Some(value.to_string());
            let secret = || Some(Secret::new(value));
            match key {
                "protocol" => r.protocol = text(),
                "host" => r.host = text(),
                "path" => r.path = text(),
                "username" => r.username = text(),
                "password" => r.password = secret(),
                "authtype" => r.authtype = text(),
                "credential" => r.credential = secret(),
                "oauth_refresh_token" => r.oauth_refresh_token = secret(),
                // As git: 0 or unparsable means "no expiry".
                "password_expiry_utc" => {
                    r.password_expiry_utc = value.parse().ok().filter(|t| *t != 0)
                }
                "ephemeral" => r.ephemeral = is_true(value),
                "capability[]" if value == "authtype" => r.authtype_capable = true,
                _ => {}
            }
        }
        Ok(r)
    }

    /// The non-secret fields that identify a stored credential.
    fn key(&self) -> Key {
        Key {
            protocol: self.protocol.clone(),
            host: self.host.clone(),
            path: self.path.clone(),
            username: self.username.clone(),
        }
    }
}

/// git's boolean values.
fn is_true(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

/// The lines of an answer; every value is checked before it is written.
#[derive(Default)]
struct Answer(String);

impl Answer {
    fn attr(&mut self, key: &str, value: &str) -> Result<()> {
        if value.contains(['\n', '\r', '\0']) {
            return Err(Error::internal(format!(
                "git-credential: refusing to send a `{key}` that holds a line break or NUL"
            )));
        }
        self.0.push_str(key);
        self.0.push('=');
        self.0.push_str(value);
        self.0.push('\n');
        Ok(())
    }

    fn done(self) -> Outcome {
        Outcome::text(self.0)
    }
}

// ---- profile mode ----------------------------------------------------------

/// The profile that serves this request: `-p`, else the one whose `urls`
/// cover protocol://host/path.
fn profile_for(g: &Global, config: Option<&Config>, r: &Request) -> Result<Option<Profile>> {
    let Some(config) = config else {
        return Ok(None);
    };
    if let Some(name) = &g.profile {
        return config.profile(name).map(Some);
    }
    let (Some(protocol), Some(host)) = (&r.protocol, &r.host) else {
        return Ok(None);
    };
    match Target::from_git(protocol, host, r.path.as_deref()) {
        Some(target) => urlmatch::profile_for(config, &target),
        None => Ok(None),
    }
}

fn profile_get(profile: &Profile, r: &Request) -> Result<Outcome> {
    let session = Session::new(profile)?;
    let token = session.token(&Want::default())?;
    let provider = profile.provider.provider();
    let presentation = provider.present(&token);
    let authorization = presentation
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("Authorization"))
        .ok_or_else(|| {
            Error::config(format!(
                "profile '{}' ({}) passes its token as a URL query parameter, which git cannot send",
                profile.name,
                provider.id()
            ))
            .hint("remove this URL from the profile's `urls`")
        })?;
    let mut a = Answer::default();
    if r.authtype_capable {
        let (scheme, credential) = authorization
            .1
            .expose()
            .split_once(' ')
            .unwrap_or(("Bearer", token.access_token.expose()));
        a.attr("capability[]", "authtype")?;
        a.attr("authtype", scheme)?;
        a.attr("credential", credential)?;
        a.attr("ephemeral", "1")?;
    } else {
        let username = profile
            .common
            .git_username
            .as_deref()
            .or(r.username.as_deref())
            .unwrap_or(DEFAULT_USERNAME);
        a.attr("username", username)?;
        a.attr("password", token.access_token.expose())?;
    }
    if let Some(at) = session::renew_at(&token, profile.common.refresh_margin) {
        a.attr("password_expiry_utc", &at.to_string())?;
    }
    Ok(a.done())
}

/// Drops the cached token, unless git names another token than the cached
/// one (then that one is already gone).
fn profile_erase(profile: &Profile, r: &Request) -> Result<Outcome> {
    let session = Session::new(profile)?;
    if let Some(rejected) = r.credential.as_ref().or(r.password.as_ref()) {
        let cached = session.cached()?;
        if cached.is_none_or(|t| &t.access_token != rejected) {
            debug!(
                "profile '{}': the rejected token is not the cached one; nothing to drop",
                profile.name
            );
            return Ok(Outcome::default());
        }
    }
    if session.forget_token()? {
        debug!(
            "profile '{}': dropped the cached token; the next request renews it",
            profile.name
        );
    }
    Ok(Outcome::default())
}

// ---- store mode ------------------------------------------------------------

/// What identifies a stored credential (kept in the index, not secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Key {
    protocol: Option<String>,
    host: Option<String>,
    path: Option<String>,
    username: Option<String>,
}

impl Key {
    /// `protocol://user@host/path`, each part escaped; an absent user name
    /// or path is told apart from an empty one.
    fn account_key(&self) -> String {
        let part = |p: &Option<String>| credstore::escape(p.as_deref().unwrap_or(""));
        let mut out = format!("{}://", part(&self.protocol));
        if let Some(user) = &self.username {
            out.push_str(&credstore::escape(user));
            out.push('@');
        }
        out.push_str(&part(&self.host));
        if let Some(path) = &self.path {
            out.push('/');
            out.push_str(&credstore::escape(path));
        }
        out
    }

    /// git's `credential_match(want = request, have = self)`: every field
    /// the request has must be equal here.
    fn matched_by(&self, r: &Request) -> bool {
        fn check(want: &Option<String>, have: &Option<String>) -> bool {
            want.is_none() || want == have
        }
        check(&r.protocol, &self.protocol)
            && check(&r.host, &self.host)
            && check(&r.path, &self.path)
            && check(&r.username, &self.username)
    }
}

/// The secret part of a stored credential (one secret-store entry).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    authtype: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    credential: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password_expiry_utc: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    oauth_refresh_token: Option<Secret>,
}

impl Record {
    fn read(kept: &Kept<Key>, entry: &credstore::Entry<Key>) -> Result<Option<Record>> {
        let Some(secret) = kept.secret(entry)? else {
            return Ok(None);
        };
        match serde_json::from_str(secret.expose()) {
            Ok(record) => Ok(Some(record)),
            Err(e) => {
                crate::warn!(
                    "ignoring the damaged stored credential {} ({e})",
                    entry.account
                );
                Ok(None)
            }
        }
    }
}

fn store_get(kept: &Kept<Key>, r: &Request) -> Result<Outcome> {
    let now = timefmt::now();
    for entry in kept.entries()? {
        if !entry.meta.matched_by(r) {
            continue;
        }
        let Some(record) = Record::read(kept, &entry)? else {
            continue;
        };
        if record.password_expiry_utc.is_some_and(|t| t < now) {
            debug!("{}: the stored password has expired", entry.account);
            continue;
        }
        let with_credential = r.authtype_capable && record.credential.is_some();
        if record.password.is_none() && !with_credential {
            continue;
        }
        let mut a = Answer::default();
        if with_credential {
            a.attr("capability[]", "authtype")?;
            if let Some(authtype) = &record.authtype {
                a.attr("authtype", authtype)?;
            }
            if let Some(credential) = &record.credential {
                a.attr("credential", credential.expose())?;
            }
        }
        if let Some(username) = &entry.meta.username {
            a.attr("username", username)?;
        }
        if let Some(password) = &record.password {
            a.attr("password", password.expose())?;
        }
        if let Some(at) = record.password_expiry_utc {
            a.attr("password_expiry_utc", &at.to_string())?;
        }
        if let Some(refresh) = &record.oauth_refresh_token {
            a.attr("oauth_refresh_token", refresh.expose())?;
        }
        return Ok(a.done());
    }
    Ok(Outcome::default())
}

fn store_store(
    kept: &Kept<Key>,
    r: &Request,
    timeout: Option<std::time::Duration>,
) -> Result<Outcome> {
    if r.ephemeral {
        debug!("git-credential store: the credential is ephemeral; not storing it");
        return Ok(Outcome::default());
    }
    if r.password.is_none() && r.credential.is_none() {
        return Ok(Outcome::default());
    }
    let record = Record {
        password: r.password.clone(),
        authtype: r.authtype.clone(),
        credential: r.credential.clone(),
        password_expiry_utc: r.password_expiry_utc,
        oauth_refresh_token: r.oauth_refresh_token.clone(),
    };
    let data = serde_json::to_string(&record)
        .map_err(|e| Error::internal(format!("cannot encode the credential: {e}")))?;
    let key = r.key();
    let account = kept.account(&key.account_key());
    let until = timeout.map(|t| timefmt::now().saturating_add(t.as_secs()));
    let lock = kept.lock()?;
    kept.put(&lock, account, key, &Secret::new(data), until)?;
    Ok(Outcome::default())
}

/// Erases every stored credential the request matches; a password or
/// credential in the request must be equal too (git's match_password).
fn store_erase(kept: &Kept<Key>, r: &Request) -> Result<Outcome> {
    let lock = kept.lock()?;
    let mut doomed = Vec::new();
    for entry in kept.entries()? {
        if !entry.meta.matched_by(r) {
            continue;
        }
        if r.password.is_some() || r.credential.is_some() {
            let record = Record::read(kept, &entry)?.unwrap_or_default();
            let differs =
                |want: &Option<Secret>, have: &Option<Secret>| want.is_some() && want != have;
            if differs(&r.password, &record.password) || differs(&r.credential, &record.credential)
            {
                continue;
            }
        }
        doomed.push(entry.account);
    }
    let erased = kept.remove(&lock, &doomed)?;
    debug!("git-credential erase: {erased} stored credential(s) erased");
    Ok(Outcome::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines_exactly() {
        let r = Request::parse(
            b"capability[]=authtype\nprotocol=https\nhost=example.com:8443\nusername= a b \npassword=p=q\nwwwauth[]=Basic realm=\"x\" host=evil\nephemeral=true\npassword_expiry_utc=123\n\nhost=after-the-blank-line\n",
        )
        .unwrap();
        assert!(r.authtype_capable);
        assert_eq!(r.host.as_deref(), Some("example.com:8443"));
        assert_eq!(r.username.as_deref(), Some(" a b "));
        assert_eq!(r.password.unwrap().expose(), "p=q");
        assert!(r.ephemeral);
        assert_eq!(r.password_expiry_utc, Some(123));
        assert_eq!(r.path, None);
    }

    #[test]
    fn refuses_cr_nul_and_junk() {
        assert!(Request::parse(b"protocol=https\r\nhost=x\n").is_err());
        assert!(Request::parse(b"host=a\0b\n").is_err());
        assert!(Request::parse(b"no equals sign\n").is_err());
        assert!(Request::parse(b"\xff=1\n").is_err());
        let mut a = Answer::default();
        assert!(a.attr("password", "a\nhost=evil").is_err());
        assert!(a.attr("password", "a\rb").is_err());
        assert!(a.attr("password", "a\0b").is_err());
        assert_eq!(a.0, "");
    }

    #[test]
    fn expiry_zero_or_junk_means_none() {
        for v in ["0", "soon", "-1"] {
            let r = Request::parse(format!("password_expiry_utc={v}\n").as_bytes()).unwrap();
            assert_eq!(r.password_expiry_utc, None, "{v}");
        }
    }

    #[test]
    fn account_keys_are_unambiguous() {
        let key = |user: Option<&str>, host: &str, path: Option<&str>| Key {
            protocol: Some("https".into()),
            host: Some(host.into()),
            path: path.map(str::to_string),
            username: user.map(str::to_string),
        };
        let keys = [
            key(None, "h", None),
            key(Some(""), "h", None),
            key(Some("a@h"), "h", None),
            key(Some("a"), "h@h", None),
            key(None, "h", Some("")),
            key(None, "h", Some("x/y")),
            key(None, "h/x", Some("y")),
        ];
        let mut names: Vec<String> = keys.iter().map(Key::account_key).collect();
        assert_eq!(names[2], "https://a%40h@h");
        names.sort();
        names.dedup();
        assert_eq!(names.len(), keys.len());
    }

    #[test]
    fn git_matching_rules() {
        let stored = Key {
            protocol: Some("https".into()),
            host: Some("example.com".into()),
            path: None,
            username: Some("alice".into()),
        };
        let req = |text: &str| Request::parse(text.as_bytes()).unwrap();
        assert!(stored.matched_by(&req("protocol=https\nhost=example.com\n")));
        assert!(stored.matched_by(&req("protocol=https\nhost=example.com\nusername=alice\n")));
        assert!(!stored.matched_by(&req("protocol=https\nhost=example.com\nusername=bob\n")));
        assert!(!stored.matched_by(&req("protocol=http\nhost=example.com\n")));
        assert!(!stored.matched_by(&req("protocol=https\nhost=example.com\npath=x.git\n")));
        assert!(stored.matched_by(&req("")));
    }
}
