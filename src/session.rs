//! Get-or-renew: the token cache, its fingerprint, the refresh margin and
//! single-flight renewal across processes.
//!
//! A valid cached token is read without any lock. A stale one is renewed
//! under a per-profile lock file (never the data file): re-read, renew
//! only if still stale, write atomically, unlock. So many processes asking
//! at once make one renewal request, and a single-use refresh token is
//! never sent twice.

use crate::config::{Profile, TokenCache};
use crate::debug;
use crate::error::{Error, Kind, Result};
use crate::fsutil;
use crate::http::Http;
use crate::providers::{Ctx, Provider, TokenSet};
use crate::store::Secrets;
use crate::timefmt::{self, human_secs};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// Bump when the cache entry format changes; older entries are ignored.
const CACHE_VERSION: u32 = 1;

/// The default margin: min(5 min, 10 % of the token's lifetime).
const DEFAULT_MARGIN_CAP: u64 = 300;

/// What the caller asks for.
#[derive(Debug, Clone, Default)]
pub struct Want {
    /// The token must stay valid at least this long.
    pub min_ttl: Option<Duration>,
    /// Neither read nor write the cache.
    pub no_cache: bool,
    /// Renew even if the cached token is fresh.
    pub force: bool,
}

/// One cache file: the token set and the identity it was issued for.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    version: u32,
    fingerprint: String,
    token: TokenSet,
}

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
    let margin = margin.map(|d| d.as_secs()).unwrap_or_else(|| {
        let lifetime = expires_at.saturating_sub(token.issued_at);
        (lifetime / 10).min(DEFAULT_MARGIN_CAP)
    });
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

/// The token machinery for one profile.
pub struct Session<'a> {
    profile: &'a Profile,
    http: Http,
    secrets: Secrets<'a>,
    cache_file: PathBuf,
    lock_file: PathBuf,
    fingerprint: String,
}

impl<'a> Session<'a> {
    pub fn new(profile: &'a Profile) -> Result<Self> {
        let dir = crate::config::cache_dir()?.join("tokens");
        let stem = file_stem(&profile.name);
        Ok(Session {
            profile,
            http: Http::new(&profile.common),
            secrets: Secrets::new(profile),
            cache_file: dir.join(format!("{stem}.json")),
            lock_file: dir.join(format!("{stem}.lock")),
            fingerprint: fingerprint(profile.provider.provider()),
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

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            profile: self.profile,
            http: &self.http,
            secrets: &self.secrets,
        }
    }

    /// A valid token: from the cache when fresh enough, else renewed.
    pub fn token(&self, want: &Want) -> Result<TokenSet> {
        let name = &self.profile.name;
        if want.no_cache || self.profile.common.token_cache == TokenCache::None {
            debug!("profile '{name}': cache bypassed; logging in");
            return self.finish(self.provider().login(&self.ctx())?);
        }
        let now = timefmt::now();
        let seen = self.load()?;
        if !want.force
            && let Some(token) = &seen
        {
            match renewal_reason(token, self.profile.common.refresh_margin, want.min_ttl, now) {
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

        let wait = self.profile.common.timeout * 2 + Duration::from_secs(5);
        let _lock = fsutil::lock(&self.lock_file, wait)?;
        // Another process may have renewed while we waited for the lock.
        let current = self.load()?;
        if let Some(token) = &current {
            let changed = seen.as_ref() != Some(token);
            let fresh = renewal_reason(
                token,
                self.profile.common.refresh_margin,
                want.min_ttl,
                timefmt::now(),
            )
            .is_none();
            if fresh && (!want.force || changed) {
                debug!("profile '{name}': another process renewed the token meanwhile");
                return Ok(token.clone());
            }
        }
        let renewed = self.renew(current)?;
        self.store(&renewed)?;
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

    /// Renews: refresh token first (if any and not past its expiry), then
    /// login. Called with the lock held.
    fn renew(&self, current: Option<TokenSet>) -> Result<TokenSet> {
        let name = &self.profile.name;
        let provider = self.provider();
        let ctx = self.ctx();
        let now = timefmt::now();
        if let Some(old) = current
            && let Some(rt) = &old.refresh_token
        {
            if old.refresh_expires_at.is_some_and(|at| at <= now) {
                debug!("profile '{name}': the refresh token has expired; logging in");
            } else {
                debug!("profile '{name}': using the refresh token");
                match provider.refresh(&ctx, rt) {
                    Ok(mut new) => {
                        if new.refresh_token.is_none() && !provider.single_use_refresh() {
                            // RFC 6749 §6: no new refresh token means keep the old one.
                            new.refresh_token = old.refresh_token.clone();
                            new.refresh_expires_at = old.refresh_expires_at;
                        }
                        return self.finish(new);
                    }
                    Err(e) if e.kind == Kind::Rejected => {
                        debug!(
                            "profile '{name}': the refresh token was rejected ({}); logging in",
                            e.message
                        );
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        debug!("profile '{name}': logging in at {}", provider.endpoint());
        self.finish(provider.login(&ctx)?)
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
            token.expires_at = Some(token.issued_at + lifetime);
        }
        Ok(token)
    }

    /// The cached token for this profile's current settings, if any.
    pub fn cached(&self) -> Result<Option<TokenSet>> {
        self.load()
    }

    fn load(&self) -> Result<Option<TokenSet>> {
        let bytes = match self.profile.common.token_cache {
            TokenCache::None => return Ok(None),
            TokenCache::File => fsutil::read_optional(&self.cache_file)?,
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
        Ok(Some(entry.token))
    }

    fn store(&self, token: &TokenSet) -> Result<()> {
        let entry = Entry {
            version: CACHE_VERSION,
            fingerprint: self.fingerprint.clone(),
            token: token.clone(),
        };
        let data = serde_json::to_vec(&entry)
            .map_err(|e| Error::internal(format!("cannot encode the token cache: {e}")))?;
        match self.profile.common.token_cache {
            TokenCache::None => Ok(()),
            TokenCache::File => fsutil::write_atomic(&self.cache_file, &data),
            TokenCache::Keyring => self.secrets.store()?.set(
                &self.cache_account(),
                &crate::secret::Secret::new(String::from_utf8_lossy(&data).into_owned()),
            ),
        }
    }

    fn cache_account(&self) -> String {
        crate::store::account(&self.profile.name, "token-cache")
    }

    /// Drops the cached token. Returns whether there was one.
    pub fn forget_token(&self) -> Result<bool> {
        let _lock = fsutil::lock(&self.lock_file, self.profile.common.timeout)?;
        match self.profile.common.token_cache {
            TokenCache::None => Ok(false),
            TokenCache::File => fsutil::remove_optional(&self.cache_file),
            TokenCache::Keyring => self.secrets.store()?.delete(&self.cache_account()),
        }
    }
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
        assert!(
            renewal_reason(&tok(0, 3600), None, None, 3600)
                .unwrap()
                .starts_with("expired")
        );
    }

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(file_stem("lbm-prod_1.x"), "lbm-prod_1.x");
        assert_eq!(file_stem("../evil"), "%2E.%2Fevil");
        assert_eq!(file_stem("a b"), "a%20b");
    }
}
