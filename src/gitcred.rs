//! git's credential-helper protocol (git-credential(1), gitcredentials(7)):
//! the request parser, the answer writer, git's matching rules, and the
//! two ways authtool answers (`authtool git-credential get|store|erase`).
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

use crate::config::{Config, Profile};
use crate::debug;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::session::{self, Session, Want};
use crate::store::index::{self, Kept};
use crate::timefmt;
use crate::urlmatch::Target;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The user name sent with a token when the profile sets no `git_username`
/// (GitLab expects `oauth2`; most hosts accept any).
pub const DEFAULT_USERNAME: &str = "oauth2";

/// The store-mode namespace (index file and account prefix).
const NAMESPACE: &str = "git-credential";

/// What git asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Get,
    Store,
    Erase,
}

impl Operation {
    /// `get`, `store` or `erase`; `None` for any other operation (which
    /// gitcredentials(7) says to ignore).
    pub fn parse(op: &str) -> Option<Operation> {
        match op {
            "get" => Some(Operation::Get),
            "store" => Some(Operation::Store),
            "erase" => Some(Operation::Erase),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Operation::Get => "get",
            Operation::Store => "store",
            Operation::Erase => "erase",
        }
    }
}

/// Answers `request`: in profile mode when `-p` names a profile
/// (`explicit`) or a profile's `urls` cover the request, else in store
/// mode. `timeout` is `store`'s `--timeout`; `interactive` its
/// `--interactive` ([`crate::session::may_ask`]). Returns the answer's lines.
pub fn serve(
    op: Operation,
    request: &Request,
    config: Option<&Config>,
    explicit: Option<&str>,
    timeout: Option<Duration>,
    interactive: bool,
) -> Result<String> {
    if let Some(profile) = profile_for(config, explicit, request)? {
        debug!("git-credential {}: profile '{}'", op.name(), profile.name);
        return match op {
            Operation::Get => profile_get(&profile, request, interactive),
            Operation::Erase => profile_erase(&profile, request),
            Operation::Store => Ok(String::new()),
        };
    }
    let kept = Kept::<Key>::open(NAMESPACE, config)?;
    match op {
        Operation::Get => store_get(&kept, request),
        Operation::Store => store_store(&kept, request, timeout),
        Operation::Erase => store_erase(&kept, request),
    }
}

/// What git sent.
#[derive(Debug, Default)]
pub struct Request {
    pub(crate) protocol: Option<String>,
    pub(crate) host: Option<String>,
    pub(crate) path: Option<String>,
    pub(crate) username: Option<String>,
    pub(crate) password: Option<Secret>,
    pub(crate) authtype: Option<String>,
    pub(crate) credential: Option<Secret>,
    pub(crate) password_expiry_utc: Option<u64>,
    pub(crate) oauth_refresh_token: Option<Secret>,
    pub(crate) ephemeral: bool,
    /// `capability[]=authtype`: git can take `authtype` + `credential`.
    pub(crate) authtype_capable: bool,
}

impl Request {
    /// `key=value` lines up to a blank line or the end; a later line
    /// overrides an earlier one with the same key, as in git.
    pub fn parse(input: &[u8]) -> Result<Request> {
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
    pub(crate) fn key(&self) -> Key {
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
pub(crate) struct Answer(pub(crate) String);

impl Answer {
    pub(crate) fn attr(&mut self, key: &str, value: &str) -> Result<()> {
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

    fn done(self) -> String {
        self.0
    }
}

// ---- profile mode ----------------------------------------------------------

/// The profile that serves this request: `-p`, else the one whose `urls`
/// cover protocol://host/path.
fn profile_for(
    config: Option<&Config>,
    explicit: Option<&str>,
    r: &Request,
) -> Result<Option<Profile>> {
    let Some(config) = config else {
        return Ok(None);
    };
    if let Some(name) = explicit {
        return config.profile(name).map(Some);
    }
    let (Some(protocol), Some(host)) = (&r.protocol, &r.host) else {
        return Ok(None);
    };
    match Target::from_git(protocol, host, r.path.as_deref()) {
        Some(target) => config.profile_for_url(&target),
        None => Ok(None),
    }
}

fn profile_get(profile: &Profile, r: &Request, interactive: bool) -> Result<String> {
    let session = Session::new(profile)?;
    let token = session.token(&Want::asking(interactive))?;
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
fn profile_erase(profile: &Profile, r: &Request) -> Result<String> {
    let session = Session::new(profile)?;
    if let Some(rejected) = r.credential.as_ref().or(r.password.as_ref()) {
        let cached = session.cached()?;
        if cached.is_none_or(|t| &t.access_token != rejected) {
            debug!(
                "profile '{}': the rejected token is not the cached one; nothing to drop",
                profile.name
            );
            return Ok(String::new());
        }
    }
    if session.forget_token()? {
        debug!(
            "profile '{}': dropped the cached token; the next request renews it",
            profile.name
        );
    }
    Ok(String::new())
}

// ---- store mode ------------------------------------------------------------

/// What identifies a stored credential (kept in the index, not secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Key {
    pub(crate) protocol: Option<String>,
    pub(crate) host: Option<String>,
    pub(crate) path: Option<String>,
    pub(crate) username: Option<String>,
}

impl Key {
    /// `protocol://user@host/path`, each part escaped; an absent user name
    /// or path is told apart from an empty one.
    pub(crate) fn account_key(&self) -> String {
        let part = |p: &Option<String>| index::escape(p.as_deref().unwrap_or(""));
        let mut out = format!("{}://", part(&self.protocol));
        if let Some(user) = &self.username {
            out.push_str(&index::escape(user));
            out.push('@');
        }
        out.push_str(&part(&self.host));
        if let Some(path) = &self.path {
            out.push('/');
            out.push_str(&index::escape(path));
        }
        out
    }

    /// git's `credential_match(want = request, have = self)`: every field
    /// the request has must be equal here.
    pub(crate) fn matched_by(&self, r: &Request) -> bool {
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
pub(crate) struct Record {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) password: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) authtype: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) credential: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) password_expiry_utc: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) oauth_refresh_token: Option<Secret>,
}

impl Record {
    /// What `store` keeps of a request.
    pub(crate) fn of(r: &Request) -> Record {
        Record {
            password: r.password.clone(),
            authtype: r.authtype.clone(),
            credential: r.credential.clone(),
            password_expiry_utc: r.password_expiry_utc,
            oauth_refresh_token: r.oauth_refresh_token.clone(),
        }
    }

    fn read(kept: &Kept<Key>, entry: &index::Entry<Key>) -> Result<Option<Record>> {
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

fn store_get(kept: &Kept<Key>, r: &Request) -> Result<String> {
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
    Ok(String::new())
}

fn store_store(kept: &Kept<Key>, r: &Request, timeout: Option<Duration>) -> Result<String> {
    if r.ephemeral {
        debug!("git-credential store: the credential is ephemeral; not storing it");
        return Ok(String::new());
    }
    if r.password.is_none() && r.credential.is_none() {
        return Ok(String::new());
    }
    let record = Record::of(r);
    let data = serde_json::to_string(&record)
        .map_err(|e| Error::internal(format!("cannot encode the credential: {e}")))?;
    let key = r.key();
    let account = kept.account(&key.account_key());
    let until = timeout.map(|t| timefmt::now().saturating_add(t.as_secs()));
    let lock = kept.lock()?;
    kept.put(&lock, account, key, &Secret::new(data), until)?;
    Ok(String::new())
}

/// Erases every stored credential the request matches; a password or
/// credential in the request must be equal too (git's match_password).
fn store_erase(kept: &Kept<Key>, r: &Request) -> Result<String> {
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
    Ok(String::new())
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
