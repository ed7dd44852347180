//! Get-or-renew: the token cache, its fingerprint, the refresh margin and
//! single-flight renewal across processes.
//!
//! A valid cached token is read without any lock. A stale one is renewed
//! under a per-profile lock file (never the data file): re-read, renew
//! only if still stale, write atomically, unlock. So many processes asking
//! at once make one renewal request, and a single-use refresh token is
//! never sent twice.
//!
//! Refresh tokens are long-lived, so they live in the secret store
//! (`<profile>/refresh_token`), not in the cache file; the cache entry only
//! records that there is one. The store is read only when a renewal needs
//! it, and written before the cache file, so a crash in between can never
//! lose the newest refresh token.
//!
//! A refresh whose answer never arrives (the process was killed, the
//! connection dropped, the server timed out) may still have spent the
//! refresh token: servers that rotate refresh tokens honour each one once,
//! and some treat a second use as theft and revoke the whole chain. So
//! before a refresh is sent, a marker file (`<profile>.refreshing`, holding
//! a hash of that refresh token, never the token) is written; a successful
//! renewal removes it. A renewal that finds the marker for the refresh
//! token it holds logs in instead of sending it again. Only when there is
//! nothing to log in with is a possibly-spent token tried once more, and
//! never for a provider whose refresh tokens are single-use by design
//! (primaERP).
//!
//! A refresh the server rejects (`invalid_grant`, 401) is answered by
//! re-reading the cache and the secret store — another authtool (one with
//! another cache directory but the same keychain, or a lock holder that
//! died after saving) may have rotated it — then by logging in again if the
//! credentials are there, else exit 3 with a hint. The dead refresh token is
//! dropped from the store, so it is never sent again.

use crate::config::{Profile, TokenCache};
use crate::debug;
use crate::dpop;
use crate::error::{Error, Kind, Result};
use crate::fsutil;
use crate::http::{Http, HttpOptions};
use crate::providers::engine::TokenKind;
use crate::providers::{Ctx, MAX_LIFETIME_SECS, Provider, SecretResolver, TokenSet};
use crate::secret::{Secret, SecretName};
use crate::store::Secrets;
use crate::timefmt::{self, human_secs};
use serde::{Deserialize, Serialize};
use std::cell::{OnceCell, RefCell};
use std::path::PathBuf;
use std::time::Duration;

/// Bump when the cache entry format changes; older entries are ignored.
const CACHE_VERSION: u32 = 1;

/// The default margin: min(5 min, 10 % of the token's lifetime).
const DEFAULT_MARGIN_CAP: u64 = 300;

/// A token issued this recently that another process stored while we
/// waited for the lock is its renewal, not an old cached one.
const RECENT_SECS: u64 = 60;

/// What the caller asks for.
#[derive(Debug, Clone, Default)]
pub struct Want {
    /// The token must stay valid at least this long.
    pub min_ttl: Option<Duration>,
    /// Neither read nor write the cache.
    pub no_cache: bool,
    /// Renew even if the cached token is fresh.
    pub force: bool,
    /// A person may answer a browser or device login ([`may_ask`]).
    pub interactive: bool,
    /// The ID token is what is served (`--id-token`): its own expiry
    /// decides; a token set without one is not renewed for it (renewing
    /// would not bring one; the caller says so).
    pub id_token: bool,
}

impl Want {
    /// The freshest cached token will do; a login may ask a person when
    /// [`may_ask`] says so for `--interactive` = `flag`.
    pub fn asking(flag: bool) -> Want {
        Want {
            interactive: may_ask(flag),
            ..Want::default()
        }
    }

    /// Why `token` must be renewed for this request, or `None`.
    fn renewal_reason(
        &self,
        token: &TokenSet,
        margin: Option<Duration>,
        now: u64,
    ) -> Option<String> {
        if !self.id_token {
            return renewal_reason(token, margin, self.min_ttl, now);
        }
        let id = token.id_token_set()?;
        renewal_reason(&id, margin, self.min_ttl, now).map(|why| format!("ID token {why}"))
    }
}

/// Whether a person can answer a browser or device login started by
/// `token`, `header`, `exec` or a credential helper: `--interactive`
/// (`flag`), else `AUTHTOOL_INTERACTIVE=1` (`0`: never), else never with
/// `CI` set, else when stderr (where the URL or code is shown) is a
/// terminal. `login` always may.
pub fn may_ask(flag: bool) -> bool {
    use std::io::IsTerminal;
    if flag {
        return true;
    }
    match std::env::var(crate::envvars::INTERACTIVE).ok().as_deref() {
        Some("1") => return true,
        Some("0") => return false,
        _ => {}
    }
    if std::env::var_os(crate::envvars::CI).is_some() {
        return false;
    }
    std::io::stderr().is_terminal()
}

/// One cache file: the token set and the identity it was issued for.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    version: u32,
    fingerprint: String,
    /// The token set, its refresh token left out.
    token: TokenSet,
    /// Whether the token's refresh token is in the secret store.
    #[serde(default)]
    refresh_in_store: bool,
}

/// The store entry of a profile's refresh token.
pub const REFRESH_TOKEN: &str = "refresh_token";
/// The store entry of a profile's cached token with `token_cache = "keyring"`.
pub const TOKEN_CACHE: &str = "token-cache";

/// The identity a token is bound to: provider, URL, client/user, tenant,
/// scope. A token cached under another fingerprint is never served.
pub fn fingerprint(provider: &dyn Provider) -> String {
    let mut out = format!("v{CACHE_VERSION};provider={}", provider.id());
    for (k, v) in provider.identity() {
        out.push(';');
        out.push_str(k);
        out.push('=');
        // Escape the separators so two identities can never collide.
        out.push_str(
            &v.replace('%', "%25")
                .replace(';', "%3B")
                .replace('=', "%3D"),
        );
    }
    out
}

/// Whether `path` is a directory itself (not a symlink to one).
fn is_dir(path: &std::path::Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
}

/// A file name for a profile: safe characters kept, others %-escaped.
fn file_stem(profile: &str) -> String {
    let mut out = String::new();
    for (i, b) in profile.bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || (b == b'.' && i > 0);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The refresh margin of `token`: the configured one, else min(5 min,
/// 10 % of the token's lifetime); a margin not shorter than the token's
/// lifetime cannot be honoured and is 0 (the token is served until it
/// expires). The one place the margin is clamped: [`renew_at`] and
/// [`renewal_reason`] both use it, so they never disagree.
pub fn margin_secs(token: &TokenSet, configured: Option<Duration>) -> u64 {
    let lifetime = token
        .expires_at
        .unwrap_or(token.issued_at)
        .saturating_sub(token.issued_at);
    match configured {
        Some(d) if d.as_secs() < lifetime => d.as_secs(),
        Some(_) => 0,
        None => (lifetime / 10).min(DEFAULT_MARGIN_CAP),
    }
}

/// When `token` stops being served from the cache: its expiry minus the
/// margin (just its expiry when the margin is not shorter than its
/// lifetime). What `git-credential` (`password_expiry_utc`) and kubectl's
/// ExecCredential (`expirationTimestamp`) are told, so they ask again
/// exactly when authtool would renew.
pub fn renew_at(token: &TokenSet, configured: Option<Duration>) -> Option<u64> {
    let at = token.expires_at?;
    Some(at - margin_secs(token, configured))
}

/// The error for a token the server issued already expired: its clock (or
/// ours) is wrong, and serving the token would only fail at the API.
fn expired_on_arrival(name: &str, token: &TokenSet, now: u64) -> Error {
    let at = token.expires_at.unwrap_or(now);
    Error::network(format!(
        "profile '{name}': the server issued a token that had already expired on arrival (expired {} ago)",
        human_secs(now.saturating_sub(at))
    ))
    .hint("check this machine's clock and the server's (a token with `expires_in` 0 or a JWT `exp` in the past)")
}

/// Why a token must be renewed, or `None` if it is fresh enough.
pub fn renewal_reason(
    token: &TokenSet,
    margin: Option<Duration>,
    min_ttl: Option<Duration>,
    now: u64,
) -> Option<String> {
    let expires_at = token.expires_at?;
    if expires_at <= now {
        return Some(format!("expired {} ago", human_secs(now - expires_at)));
    }
    let left = expires_at - now;
    let margin = margin_secs(token, margin);
    if left <= margin {
        return Some(format!(
            "expires in {}, within the refresh margin of {}",
            human_secs(left),
            human_secs(margin)
        ));
    }
    if let Some(min) = min_ttl
        && left < min.as_secs()
    {
        return Some(format!(
            "expires in {}, less than --min-ttl {}",
            human_secs(left),
            human_secs(min.as_secs())
        ));
    }
    None
}

/// What requests for `profile` need: its `timeout`, `ca_file` and
/// `allow_insecure_http`.
pub fn http_options(profile: &Profile) -> HttpOptions {
    HttpOptions {
        timeout: profile.common.timeout,
        ca_file: profile.common.ca_file.clone(),
        allow_insecure_http: profile.common.allow_insecure_http,
    }
}

/// The token machinery for one profile.
pub struct Session<'a> {
    profile: &'a Profile,
    http: Http,
    secrets: Secrets<'a>,
    cache_file: PathBuf,
    lock_file: PathBuf,
    /// The marker of a refresh in flight (see the module docs).
    pending_file: PathBuf,
    /// The token server's latest `DPoP-Nonce` (`dpop = true`).
    nonce_file: PathBuf,
    fingerprint: String,
    /// authtool's cache directory (the provider may keep server metadata there).
    cache_dir: PathBuf,
    /// Whether a person may answer a login now (set per request).
    may_ask: std::cell::Cell<bool>,
    /// The DPoP key as read from the store (`Some(None)`: there is none).
    dpop_key: RefCell<Option<Option<dpop::Key>>>,
    /// Signs the proofs of this session's token requests.
    prover: OnceCell<dpop::Prover>,
}

/// The engine reads the profile's secrets through the session.
impl SecretResolver for Session<'_> {
    fn secret(&self, name: SecretName) -> Result<Secret> {
        self.secrets.get(self.profile, name)
    }
}

impl<'a> Session<'a> {
    pub fn new(profile: &'a Profile) -> Result<Self> {
        let cache_dir = crate::config::cache_dir()?;
        let dir = cache_dir.join("tokens");
        let stem = file_stem(&profile.name);
        Ok(Session {
            profile,
            http: Http::new(http_options(profile)),
            secrets: Secrets::new(profile),
            cache_file: dir.join(format!("{stem}.json")),
            lock_file: dir.join(format!("{stem}.lock")),
            pending_file: dir.join(format!("{stem}.refreshing")),
            nonce_file: dir.join(format!("{stem}.dpop-nonce")),
            fingerprint: fingerprint(profile.provider.provider()),
            cache_dir,
            may_ask: std::cell::Cell::new(false),
            dpop_key: RefCell::new(None),
            prover: OnceCell::new(),
        })
    }

    pub fn secrets(&self) -> &Secrets<'a> {
        &self.secrets
    }

    pub fn http(&self) -> &Http {
        &self.http
    }

    fn provider(&self) -> &dyn Provider {
        self.profile.provider.provider()
    }

    /// What the engine needs for a token request; for a DPoP profile,
    /// its key (made and stored now if there is none).
    fn ctx(&self) -> Result<Ctx<'_>> {
        Ok(Ctx {
            profile_name: &self.profile.name,
            http: &self.http,
            secrets: self,
            cache_dir: &self.cache_dir,
            may_ask: self.may_ask.get(),
            secret_vars: self.profile.secret_env_vars().collect(),
            dpop: self.prover()?,
        })
    }

    /// The prover of a DPoP profile's token requests. A key is made only
    /// here, right before a login, and stored before any token is bound to
    /// it: a token is never bound to a key authtool does not keep.
    fn prover(&self) -> Result<Option<&dpop::Prover>> {
        if !self.provider().dpop() {
            return Ok(None);
        }
        if let Some(p) = self.prover.get() {
            return Ok(Some(p));
        }
        let key = match self.dpop_key()? {
            Some(key) => key,
            None => {
                let key = dpop::Key::generate(&self.fingerprint)?;
                self.secrets
                    .store()?
                    .set(&self.dpop_account(), key.stored())?;
                debug!(
                    "profile '{}': made a new DPoP key (thumbprint {}) and kept it in the secret store",
                    self.profile.name,
                    key.thumbprint()
                );
                *self.dpop_key.borrow_mut() = Some(Some(key.clone()));
                key
            }
        };
        let prover = dpop::Prover::new(key, Some(self.nonce_file.clone()));
        Ok(Some(self.prover.get_or_init(|| prover)))
    }

    /// A DPoP profile's key from the secret store (read once per
    /// process); `None` when there is none for the profile's current
    /// settings. A damaged entry is warned about and replaced at the next
    /// login.
    pub fn dpop_key(&self) -> Result<Option<dpop::Key>> {
        if let Some(known) = self.dpop_key.borrow().as_ref() {
            return Ok(known.clone());
        }
        let found = match self.secrets.store()?.get(&self.dpop_account())? {
            None => None,
            Some(stored) => match dpop::Key::from_stored(&stored, &self.fingerprint) {
                Ok(key) => key,
                Err(e) => {
                    crate::warn!(
                        "profile '{}': {}; the next login makes a new one",
                        self.profile.name,
                        e.message
                    );
                    None
                }
            },
        };
        *self.dpop_key.borrow_mut() = Some(found.clone());
        Ok(found)
    }

    /// Why a DPoP profile's `token` must not be served: it is not bound to
    /// the key in the secret store. `None` for other profiles.
    fn unbound(&self, token: &TokenSet) -> Result<Option<&'static str>> {
        if !self.provider().dpop() {
            return Ok(None);
        }
        let key = self.dpop_key()?;
        Ok(match (&token.dpop_jkt, key) {
            (None, _) => Some("is not DPoP-bound"),
            (Some(_), None) => Some("is bound to a DPoP key that is no longer in the secret store"),
            (Some(jkt), Some(key)) if jkt != key.thumbprint() => {
                Some("is bound to another DPoP key than the one in the secret store")
            }
            _ => None,
        })
    }

    /// A DPoP proof for an API request with `token` (from
    /// [`Session::token`], which made sure its key is in the store).
    pub fn dpop_proof(
        &self,
        token: &TokenSet,
        method: &str,
        url: &url::Url,
        nonce: Option<&str>,
    ) -> Result<Secret> {
        let key = self.dpop_key()?.ok_or_else(|| {
            Error::internal(format!(
                "profile '{}': no DPoP key for the token",
                self.profile.name
            ))
        })?;
        key.proof(method, url, nonce, Some(&token.access_token))
    }

    fn dpop_account(&self) -> String {
        crate::store::account(&self.profile.name, dpop::KEY_ENTRY)
    }

    /// A valid token: from the cache when fresh enough, else renewed.
    pub fn token(&self, want: &Want) -> Result<TokenSet> {
        let name = &self.profile.name;
        self.may_ask.set(want.interactive);
        if want.no_cache || self.profile.common.token_cache == TokenCache::None {
            debug!("profile '{name}': cache bypassed; logging in");
            let token = self.finish(self.provider().login(&self.ctx()?)?)?;
            let now = timefmt::now();
            if token.expires_at.is_some_and(|at| at <= now) {
                return Err(expired_on_arrival(name, &token, now));
            }
            return Ok(token);
        }
        let now = timefmt::now();
        let seen = self.load()?;
        if !want.force
            && let Some(token) = &seen
        {
            let reason = match want.renewal_reason(token, self.profile.common.refresh_margin, now) {
                None => self.unbound(token)?.map(str::to_string),
                reason => reason,
            };
            match reason {
                None => {
                    debug!(
                        "profile '{name}': using the cached token (expires {})",
                        timefmt::relative(token.expires_at.unwrap_or(now), now)
                    );
                    return Ok(token.clone());
                }
                Some(reason) => debug!("profile '{name}': renewing: the cached token {reason}"),
            }
        } else if want.force {
            debug!("profile '{name}': renewing: forced");
        } else {
            debug!("profile '{name}': no cached token for this profile's current settings");
        }

        // Wait for the lock, or for another process's renewal: read again
        // without the lock each time its holder lets go.
        let _lock =
            match self.lock_or(|| self.renewed_elsewhere(want, seen.as_ref(), self.load()?))? {
                fsutil::Locked::Lock(lock) => lock,
                fsutil::Locked::Ready(token) => {
                    debug!("profile '{name}': another process renewed the token meanwhile");
                    return Ok(token);
                }
            };
        // Another process may have renewed just before we got the lock.
        let current = self.load()?;
        if let Some(token) = self.renewed_elsewhere(want, seen.as_ref(), current.clone())? {
            debug!("profile '{name}': another process renewed the token meanwhile");
            return Ok(token);
        }
        if let Some(token) = &current
            && !want.force
            && want
                .renewal_reason(token, self.profile.common.refresh_margin, timefmt::now())
                .is_none()
            && self.unbound(token)?.is_none()
        {
            debug!("profile '{name}': another process renewed the token meanwhile");
            return Ok(token.clone());
        }
        let renewed = self.renew(current)?;
        self.store(&renewed)?;
        let now = timefmt::now();
        if renewed.expires_at.is_some_and(|at| at <= now) {
            // Stored all the same: a rotated refresh token must not be lost,
            // and the processes that waited for this renewal see it.
            return Err(expired_on_arrival(name, &renewed, now));
        }
        if let (Some(min), Some(at)) = (want.min_ttl, renewed.expires_at) {
            let left = at.saturating_sub(timefmt::now());
            if left < min.as_secs() {
                crate::warn!(
                    "profile '{name}': the server issues tokens valid for {}, less than --min-ttl {}",
                    human_secs(left),
                    human_secs(min.as_secs())
                );
            }
        }
        Ok(renewed)
    }

    /// Logs in with the long-lived secrets (never the refresh token) and
    /// caches the result, replacing the cached token and refresh token only
    /// once the login succeeded. For `login`: proves newly stored secrets.
    pub fn login(&self) -> Result<TokenSet> {
        self.may_ask.set(true);
        let _lock = self.lock()?;
        debug!(
            "profile '{}': logging in at {}",
            self.profile.name,
            crate::providers::shown_url_text(&self.provider().endpoint())
        );
        let token = self.finish(self.provider().login(&self.ctx()?)?)?;
        self.store(&token)?;
        Ok(token)
    }

    /// A token another process stored since `seen` was read (`current`
    /// is what the cache holds now), if it is one to serve: a token just
    /// renewed is as good as one we would get now, even if it cannot
    /// satisfy --min-ttl or is already within the margin (renewing again
    /// would get the same). One just renewed and already expired is an
    /// error: renewing again would get the same.
    fn renewed_elsewhere(
        &self,
        want: &Want,
        seen: Option<&TokenSet>,
        current: Option<TokenSet>,
    ) -> Result<Option<TokenSet>> {
        let Some(token) = current.filter(|t| seen != Some(t)) else {
            return Ok(None);
        };
        let now = timefmt::now();
        if token.expires_at.is_some_and(|at| at <= now)
            && token.issued_at >= now.saturating_sub(RECENT_SECS)
        {
            return Err(expired_on_arrival(&self.profile.name, &token, now));
        }
        // With --id-token, the ID token's own expiry decides.
        let served = match want.id_token {
            true => token.id_token_set(),
            false => None,
        };
        let fresh = served
            .as_ref()
            .unwrap_or(&token)
            .expires_at
            .is_none_or(|at| at > now);
        Ok((fresh && self.unbound(&token)?.is_none()).then_some(token))
    }

    /// The per-profile renewal lock (see [`Session::lock_or`]).
    fn lock(&self) -> Result<fsutil::FileLock> {
        match self.lock_or(|| Ok(None::<()>))? {
            fsutil::Locked::Lock(lock) => Ok(lock),
            fsutil::Locked::Ready(()) => unreachable!("the check never says ready"),
        }
    }

    /// The per-profile renewal lock, or what `ready` finds each time its
    /// holder lets go, waiting at most for one renewal (a refresh and a
    /// login, each bounded by the timeout, plus the store, plus the time a
    /// person may take to answer a browser or device login).
    fn lock_or<T>(&self, ready: impl FnMut() -> Result<Option<T>>) -> Result<fsutil::Locked<T>> {
        let wait = (self.profile.common.timeout.saturating_mul(2))
            .saturating_add(Duration::from_secs(5))
            .saturating_add(self.provider().person_wait());
        fsutil::lock_or(&self.lock_file, wait, ready).map_err(|e| {
            // Only a wait that timed out is about another process.
            if e.kind != crate::Kind::Network {
                return e;
            }
            e.context(format_args!(
                "profile '{}': another authtool process is renewing its token",
                self.profile.name
            ))
        })
    }

    /// Renews: refresh token first (if any and not past its expiry), then
    /// login. Called with the lock held.
    fn renew(&self, current: Option<TokenSet>) -> Result<TokenSet> {
        let current = current.map(|t| self.with_refresh_token(t)).transpose()?;
        if let Some(old) = &current
            && let Some(why) = self.unbound(old)?
        {
            // A refresh token of a DPoP-bound token is bound to its key too
            // (RFC 9449 §5): without the key, only a login helps.
            debug!(
                "profile '{}': the cached token {why}; logging in with a new key",
                self.profile.name
            );
            return self.login_now();
        }
        if let Some(old) = &current
            && let Some(rt) = &old.refresh_token
        {
            if old
                .refresh_expires_at
                .is_some_and(|at| at <= timefmt::now())
            {
                debug!(
                    "profile '{}': the refresh token has expired; logging in",
                    self.profile.name
                );
            } else {
                return self.renew_with(old, rt, true);
            }
        }
        self.login_now()
    }

    /// Logs in with the long-lived secrets. Called with the lock held.
    fn login_now(&self) -> Result<TokenSet> {
        debug!(
            "profile '{}': logging in at {}",
            self.profile.name,
            crate::providers::shown_url_text(&self.provider().endpoint())
        );
        self.finish(self.provider().login(&self.ctx()?)?)
    }

    /// Renews `old` with its refresh token `rt`; `reread` allows one more
    /// try with a refresh token another process stored meanwhile.
    fn renew_with(&self, old: &TokenSet, rt: &Secret, reread: bool) -> Result<TokenSet> {
        let name = &self.profile.name;
        let provider = self.provider();
        if self.refresh_was_interrupted(rt) {
            debug!(
                "profile '{name}': an earlier refresh with this refresh token got no answer (a process was killed, or the answer was lost); it may be spent, so logging in instead of sending it again"
            );
            match self.login_now() {
                Err(e) if e.kind == Kind::LoginRequired && !provider.single_use_refresh() => {
                    debug!(
                        "profile '{name}': nothing to log in with; trying the refresh token once more (an unanswered refresh may never have reached the server)"
                    );
                }
                Err(e) if e.kind == Kind::LoginRequired => {
                    return Err(Error {
                        message: format!(
                            "{}; the refresh token cannot be used either: an earlier refresh with it got no answer, so it may be spent, and it is valid only once",
                            e.message
                        ),
                        ..e
                    });
                }
                other => return other,
            }
        }
        debug!("profile '{name}': using the refresh token");
        self.mark_refresh_pending(rt)?;
        match provider.refresh(&self.ctx()?, rt) {
            Ok(mut new) => {
                if new.refresh_token.is_none() && !provider.single_use_refresh() {
                    // RFC 6749 §6: no new refresh token means keep the old one.
                    new.refresh_token = Some(rt.clone());
                    new.refresh_expires_at = old.refresh_expires_at;
                }
                if new.id_token.is_none() {
                    // OpenID Connect Core §12.2: the refresh may omit it.
                    new.id_token = old.id_token.clone();
                }
                // The marker goes when the result is stored.
                self.finish(new)
            }
            Err(e) if e.kind == Kind::Rejected => {
                self.clear_refresh_pending();
                debug!(
                    "profile '{name}': the refresh token was rejected ({})",
                    e.message
                );
                self.after_rejected_refresh(old, rt, reread, e)
            }
            Err(e) if e.kind == Kind::Network && !e.unsent => {
                // The marker stays: no later renewal sends this token blindly.
                debug!(
                    "profile '{name}': the refresh got no usable answer ({}); the refresh token may be spent, so logging in instead",
                    e.message
                );
                match self.login_now() {
                    // Nothing to log in with: the network problem is the news.
                    Err(login) if login.kind == Kind::LoginRequired => Err(e),
                    other => other,
                }
            }
            Err(e) => {
                // Never sent, or failed before sending.
                self.clear_refresh_pending();
                Err(e)
            }
        }
    }

    /// After the server rejected `rt`: a token another process renewed
    /// meanwhile, else a refresh with a newer stored refresh token, else a
    /// login; with nothing to log in with, exit 3.
    fn after_rejected_refresh(
        &self,
        old: &TokenSet,
        rt: &Secret,
        reread: bool,
        rejected: Error,
    ) -> Result<TokenSet> {
        let name = &self.profile.name;
        if reread {
            if let Some(now) = self.load()?
                && now.access_token != old.access_token
                && renewal_reason(
                    &now,
                    self.profile.common.refresh_margin,
                    None,
                    timefmt::now(),
                )
                .is_none()
            {
                debug!("profile '{name}': another process renewed the token meanwhile");
                return self.with_refresh_token(now);
            }
            if let Some(newer) = self.stored_refresh_token()?
                && newer != *rt
            {
                debug!(
                    "profile '{name}': another process stored a newer refresh token meanwhile; using it"
                );
                return self.renew_with(old, &newer, false);
            }
        }
        debug!("profile '{name}': logging in again");
        match self.login_now() {
            Err(e) if e.kind == Kind::LoginRequired => {
                // Never send a dead refresh token again (best effort: the
                // missing credentials are the news).
                if let Ok(Some(stored)) = self.stored_refresh_token()
                    && stored == *rt
                {
                    let forgotten = self
                        .secrets
                        .store()
                        .and_then(|store| store.delete(&self.refresh_account()));
                    if let Err(e) = forgotten {
                        debug!(
                            "profile '{name}': cannot drop the dead refresh token: {}",
                            e.message
                        );
                    }
                }
                Err(Error {
                    message: format!(
                        "{}; the refresh token was not accepted either ({})",
                        e.message, rejected.message
                    ),
                    ..e
                })
            }
            other => other,
        }
    }

    /// The refresh token in the secret store, if the cache entry says one
    /// is there.
    fn stored_refresh_token(&self) -> Result<Option<Secret>> {
        if !self.load_entry()?.is_some_and(|e| e.refresh_in_store) {
            return Ok(None);
        }
        match self
            .secrets
            .store()
            .and_then(|s| s.get(&self.refresh_account()))
        {
            Ok(found) => Ok(found),
            Err(e) if e.kind == Kind::Store => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether the marker says a refresh with `rt` was sent and never
    /// answered. A marker for another token is stale and removed.
    fn refresh_was_interrupted(&self, rt: &Secret) -> bool {
        match fsutil::read_optional(&self.pending_file) {
            Ok(Some(bytes)) if bytes == pending_mark(rt).as_bytes() => true,
            Ok(Some(_)) => {
                self.clear_refresh_pending();
                false
            }
            Ok(None) | Err(_) => false,
        }
    }

    /// Records, before sending it, that a refresh with `rt` is in flight.
    fn mark_refresh_pending(&self, rt: &Secret) -> Result<()> {
        let mark = pending_mark(rt);
        match fsutil::write_atomic(&self.pending_file, mark.as_bytes()) {
            Err(_) if self.replace_directory(&self.pending_file, "refresh marker") => {
                fsutil::write_atomic(&self.pending_file, mark.as_bytes())
            }
            other => other,
        }
    }

    /// After a write to `path` failed: when `path` is a directory (a
    /// damaged cache), warns and removes it if it is empty; returns whether
    /// the write can be tried again.
    fn replace_directory(&self, path: &std::path::Path, what: &str) -> bool {
        if !is_dir(path) {
            return false;
        }
        match std::fs::remove_dir(path) {
            Ok(()) => {
                crate::warn!(
                    "profile '{}': replaced the damaged {what} {} (a directory, not a file)",
                    self.profile.name,
                    path.display()
                );
                true
            }
            Err(e) => {
                crate::warn!(
                    "profile '{}': the {what} {} is a directory, not a file, and cannot be removed ({e}); remove it",
                    self.profile.name,
                    path.display()
                );
                false
            }
        }
    }

    fn clear_refresh_pending(&self) {
        if let Err(e) = fsutil::remove_optional(&self.pending_file) {
            debug!("{}", e.message);
        }
    }

    /// Fills in the expiry when the server gave none.
    fn finish(&self, mut token: TokenSet) -> Result<TokenSet> {
        if token.expires_at.is_none() {
            let lifetime = self.profile.common.token_lifetime.as_secs();
            debug!(
                "profile '{}': the server did not say when the token expires; assuming {} (token_lifetime)",
                self.profile.name,
                human_secs(lifetime)
            );
            token.expires_at = Some(token.issued_at.saturating_add(lifetime));
        }
        // Every provider's lifetimes are checked; this also catches a JWT
        // whose `exp` claim is absurd.
        let limit = token.issued_at.saturating_add(MAX_LIFETIME_SECS);
        if token.expires_at.is_some_and(|at| at > limit) {
            return Err(Error::network(format!(
                "profile '{}': {} issued a token that claims to stay valid for more than 100 years; refusing it as a malformed answer",
                self.profile.name,
                crate::providers::shown_url_text(&self.provider().endpoint())
            )));
        }
        Ok(token)
    }

    /// The cached token for this profile's current settings, if any.
    pub fn cached(&self) -> Result<Option<TokenSet>> {
        self.load()
    }

    /// Whether the cached token has a refresh token (in the store, or in
    /// an older cache file). Does not open the store.
    pub fn has_refresh_token(&self) -> Result<bool> {
        Ok(self
            .load_entry()?
            .is_some_and(|e| e.refresh_in_store || e.token.refresh_token.is_some()))
    }

    /// Fills in the refresh token from the store when the cache entry says
    /// one is there. Called with the lock held, only to renew. A store that
    /// cannot be read costs only the refresh: authtool warns and logs in.
    fn with_refresh_token(&self, mut token: TokenSet) -> Result<TokenSet> {
        if token.refresh_token.is_some() || !self.load_entry()?.is_some_and(|e| e.refresh_in_store)
        {
            return Ok(token);
        }
        let read = self
            .secrets
            .store()
            .and_then(|store| store.get(&self.refresh_account()));
        match read {
            Ok(Some(refresh)) => token.refresh_token = Some(refresh),
            Ok(None) => debug!(
                "profile '{}': the refresh token is no longer in the secret store",
                self.profile.name
            ),
            Err(e) if e.kind == Kind::Store => {
                self.warn_refresh("cannot be read", "logging in instead", &e)
            }
            Err(e) => return Err(e),
        }
        Ok(token)
    }

    /// Warns that the secret store failed the refresh token, and what
    /// happens instead.
    fn warn_refresh(&self, what: &str, instead: &str, e: &Error) {
        crate::warn!(
            "profile '{}': the refresh token {what} ({}); {instead}",
            self.profile.name,
            e.message
        );
        for hint in &e.hints {
            eprintln!("hint: {hint}");
        }
    }

    fn load(&self) -> Result<Option<TokenSet>> {
        Ok(self.load_entry()?.map(|e| e.token))
    }

    fn load_entry(&self) -> Result<Option<Entry>> {
        let bytes = match self.profile.common.token_cache {
            TokenCache::None => return Ok(None),
            TokenCache::File => match fsutil::read_optional(&self.cache_file) {
                Ok(bytes) => bytes,
                // Checked only on failure: the cached path stays one read.
                Err(_) if is_dir(&self.cache_file) => {
                    crate::warn!(
                        "profile '{}': ignoring the damaged token cache {} (a directory, not a file)",
                        self.profile.name,
                        self.cache_file.display()
                    );
                    return Ok(None);
                }
                Err(e) => return Err(e),
            },
            TokenCache::Keyring => self
                .secrets
                .store()?
                .get(&self.cache_account())?
                .map(|s| s.expose().as_bytes().to_vec()),
        };
        let Some(bytes) = bytes else {
            return Ok(None);
        };
        let entry: Entry = match serde_json::from_slice(&bytes) {
            Ok(e) => e,
            Err(e) => {
                crate::warn!(
                    "profile '{}': ignoring the damaged token cache {} ({e})",
                    self.profile.name,
                    self.cache_file.display()
                );
                return Ok(None);
            }
        };
        if entry.version != CACHE_VERSION || entry.fingerprint != self.fingerprint {
            debug!(
                "profile '{}': the cached token was issued for other settings; not using it",
                self.profile.name
            );
            return Ok(None);
        }
        // Never print a token that could not have come from a server (a
        // hand-edited or damaged file): it would end up in headers.
        let printable = std::iter::once(&entry.token.access_token)
            .chain(&entry.token.id_token)
            .all(|t| crate::providers::check_token("token", t.expose()).is_ok());
        if !printable {
            crate::warn!(
                "profile '{}': ignoring the damaged token cache {} (its token is empty or holds characters no token has)",
                self.profile.name,
                self.cache_file.display()
            );
            return Ok(None);
        }
        Ok(Some(entry))
    }

    fn store(&self, token: &TokenSet) -> Result<()> {
        if self.profile.common.token_cache == TokenCache::None {
            return Ok(());
        }
        let mut token = token.clone();
        // The secret store first: if the cache write then fails, the next
        // renewal still finds the newest refresh token.
        let refresh_in_store = self.store_refresh_token(token.refresh_token.take())?;
        let entry = Entry {
            version: CACHE_VERSION,
            fingerprint: self.fingerprint.clone(),
            token,
            refresh_in_store,
        };
        let data = serde_json::to_vec(&entry)
            .map_err(|e| Error::internal(format!("cannot encode the token cache: {e}")))?;
        match self.profile.common.token_cache {
            TokenCache::None => {}
            TokenCache::File => {
                if let Err(e) = fsutil::write_atomic(&self.cache_file, &data) {
                    if self.replace_directory(&self.cache_file, "token cache") {
                        fsutil::write_atomic(&self.cache_file, &data)?;
                    } else if !is_dir(&self.cache_file) {
                        return Err(e);
                    }
                    // Else a directory that stays: the token is served
                    // uncached (warned).
                }
            }
            TokenCache::Keyring => self.secrets.store()?.set(
                &self.cache_account(),
                &Secret::new(String::from_utf8_lossy(&data).into_owned()),
            )?,
        }
        // The refresh (if any) is complete: its answer is safely stored.
        self.clear_refresh_pending();
        Ok(())
    }

    /// Keeps `refresh` in the secret store; returns whether it is there.
    /// Without a new refresh token, one the previous entry kept is deleted
    /// (it was spent, or belongs to an older login). A store that cannot
    /// take it costs only the refresh: authtool warns and logs in next time.
    fn store_refresh_token(&self, refresh: Option<Secret>) -> Result<bool> {
        let name = &self.profile.name;
        let Some(refresh) = refresh else {
            if self.load_entry()?.is_some_and(|e| e.refresh_in_store) {
                self.secrets.store()?.delete(&self.refresh_account())?;
            }
            return Ok(false);
        };
        let saved = self
            .secrets
            .store()
            .and_then(|store| store.set(&self.refresh_account(), &refresh));
        match saved {
            Ok(()) => {
                debug!("profile '{name}': refresh token kept in the secret store");
                Ok(true)
            }
            Err(e) if e.kind == Kind::Store => {
                self.warn_refresh("cannot be kept", "the next renewal logs in again", &e);
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    fn cache_account(&self) -> String {
        crate::store::account(&self.profile.name, TOKEN_CACHE)
    }

    fn refresh_account(&self) -> String {
        crate::store::account(&self.profile.name, REFRESH_TOKEN)
    }

    /// Revokes the cached refresh token, then the access token, at the
    /// provider's revocation endpoint (RFC 7009), before `logout` forgets
    /// them. A revocation that fails is a warning: it never blocks the
    /// local logout. Returns what the server revoked.
    pub fn revoke(&self) -> Vec<&'static str> {
        let name = &self.profile.name;
        let token = match self
            .load()
            .and_then(|t| t.map(|t| self.with_refresh_token(t)).transpose())
        {
            Ok(Some(token)) => token,
            Ok(None) => return Vec::new(),
            Err(e) => {
                crate::warn!(
                    "profile '{name}': cannot read the cached token to revoke it ({}); forgetting it here only",
                    e.message
                );
                return Vec::new();
            }
        };
        let spec = self
            .ctx()
            .and_then(|ctx| Ok((self.provider().revocation_spec(&ctx)?, ctx)));
        let (spec, ctx) = match spec {
            Ok(found) => found,
            Err(e) => {
                crate::warn!(
                    "profile '{name}': cannot find the revocation endpoint ({}); the tokens are forgotten here only",
                    e.message
                );
                return Vec::new();
            }
        };
        let Some(endpoint) = spec.revocation.as_ref().map(|r| r.endpoint.clone()) else {
            return Vec::new();
        };
        let mut revoked = Vec::new();
        let tokens = [
            (
                token.refresh_token.as_ref(),
                TokenKind::Refresh,
                "refresh token",
            ),
            (Some(&token.access_token), TokenKind::Access, "access token"),
        ];
        for (value, kind, what) in tokens {
            let Some(value) = value else { continue };
            debug!("profile '{name}': revoking the {what} at {endpoint}");
            match crate::providers::engine::revoke(&spec, &ctx, value, kind) {
                Ok(_) => revoked.push(what),
                Err(e) => {
                    crate::warn!(
                        "profile '{name}': the {what} was not revoked: {}; it is forgotten here all the same",
                        e.message
                    );
                }
            }
        }
        revoked
    }

    /// Drops the cached token and the refresh token that belongs to it.
    /// Returns whether there was a cached token.
    pub fn forget_token(&self) -> Result<bool> {
        let _lock = fsutil::lock(&self.lock_file, self.profile.common.timeout)?;
        if self.load_entry()?.is_some_and(|e| e.refresh_in_store) {
            self.secrets.store()?.delete(&self.refresh_account())?;
        }
        self.clear_refresh_pending();
        match self.profile.common.token_cache {
            TokenCache::None => Ok(false),
            TokenCache::File => fsutil::remove_optional(&self.cache_file),
            TokenCache::Keyring => self.secrets.store()?.delete(&self.cache_account()),
        }
    }
}

/// What the in-flight marker holds for `rt`: a 64-bit FNV-1a hash, enough
/// to tell refresh tokens apart and useless for recovering one.
fn pending_mark(rt: &Secret) -> String {
    let hash = rt.expose().bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("fnv1a64:{hash:016x}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn tok(issued: u64, expires: u64) -> TokenSet {
        let mut t = TokenSet::new(Secret::new("t"), issued);
        t.expires_at = Some(expires);
        t
    }

    #[test]
    fn margins() {
        // 1h token: margin 5 min.
        assert_eq!(renewal_reason(&tok(0, 3600), None, None, 3000), None);
        assert!(renewal_reason(&tok(0, 3600), None, None, 3300).is_some());
        // 10 min token: margin 1 min.
        assert_eq!(renewal_reason(&tok(0, 600), None, None, 539), None);
        assert!(renewal_reason(&tok(0, 600), None, None, 540).is_some());
        // Explicit margin and min-ttl.
        assert!(
            renewal_reason(&tok(0, 3600), Some(Duration::from_secs(1800)), None, 1800).is_some()
        );
        assert!(renewal_reason(&tok(0, 3600), None, Some(Duration::from_secs(3600)), 10).is_some());
        // A margin not shorter than the lifetime is clamped to 0, the same
        // for renewal_reason and renew_at (issue 17, finding 5a).
        let five_min = Some(Duration::from_secs(300));
        assert_eq!(renewal_reason(&tok(0, 300), five_min, None, 299), None);
        assert!(renewal_reason(&tok(0, 300), five_min, None, 300).is_some());
        assert_eq!(renew_at(&tok(0, 300), five_min), Some(300));
        assert!(
            renewal_reason(&tok(0, 3600), None, None, 3600)
                .unwrap()
                .starts_with("expired")
        );
    }

    #[test]
    fn refresh_markers_tell_tokens_apart_and_hide_them() {
        let a = pending_mark(&Secret::new("rt_one"));
        assert_eq!(a, pending_mark(&Secret::new("rt_one")));
        assert_ne!(a, pending_mark(&Secret::new("rt_two")));
        assert!(!a.contains("rt_one"));
        // FNV-1a of the empty string: the published offset basis.
        assert_eq!(pending_mark(&Secret::new("")), "fnv1a64:cbf29ce484222325\n");
    }

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(file_stem("lbm-prod_1.x"), "lbm-prod_1.x");
        assert_eq!(file_stem("../evil"), "%2E.%2Fevil");
        assert_eq!(file_stem("a b"), "a%20b");
    }
}
