//! Token bookkeeping shared by the vendor fakes: access tokens with expiry
//! (opaque or JWT), single-use refresh tokens, and the protected-resource
//! check (`Authorization: Bearer …`, RFC 6750).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::codec::{make_jwt, unique_token, unix_secs};
use super::fake::{Request, Response};

/// What an access token was issued for, and until when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessGrant {
    /// The user, or the client for client-credentials tokens.
    pub subject: String,
    pub client_id: Option<String>,
    pub scope: Option<String>,
    pub audience: Option<String>,
    pub issued_at: SystemTime,
    pub expires_at: SystemTime,
}

impl AccessGrant {
    pub fn new(subject: impl Into<String>, issued_at: SystemTime, lifetime: Duration) -> Self {
        AccessGrant {
            subject: subject.into(),
            client_id: None,
            scope: None,
            audience: None,
            issued_at,
            expires_at: issued_at + lifetime,
        }
    }

    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    pub fn scope(mut self, scope: Option<String>) -> Self {
        self.scope = scope;
        self
    }

    pub fn audience(mut self, audience: Option<String>) -> Self {
        self.audience = audience;
        self
    }

    /// The JWT claims for this grant: `iss`, `sub`, `iat`, `exp`, `jti`, and
    /// `scope`, `aud`, `client_id` when set.
    pub fn claims(&self) -> Value {
        let mut claims = json!({
            "iss": "fake-vendor",
            "sub": self.subject,
            "iat": unix_secs(self.issued_at),
            "exp": unix_secs(self.expires_at),
            "jti": unique_token("jti_"),
        });
        for (key, value) in [
            ("scope", &self.scope),
            ("aud", &self.audience),
            ("client_id", &self.client_id),
        ] {
            if let Some(value) = value {
                claims[key] = json!(value);
            }
        }
        claims
    }
}

/// Why an access token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenError {
    /// Never issued here, or revoked.
    Unknown,
    Expired,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenError::Unknown => "the access token is unknown or revoked",
            TokenError::Expired => "the access token has expired",
        })
    }
}

/// The access tokens a vendor issued, with their grants.
#[derive(Debug, Default)]
pub struct AccessTokens {
    grants: HashMap<String, AccessGrant>,
    issued: Vec<String>,
}

impl AccessTokens {
    /// Issues an opaque token (`at_…`).
    pub fn mint_opaque(&mut self, grant: AccessGrant) -> String {
        self.insert(unique_token("at_"), grant)
    }

    /// Issues a JWT carrying [`AccessGrant::claims`] plus `extra_claims`
    /// (an object; its keys win).
    pub fn mint_jwt(&mut self, grant: AccessGrant, extra_claims: Value) -> String {
        let mut claims = grant.claims();
        if let (Some(claims), Value::Object(extra)) = (claims.as_object_mut(), extra_claims) {
            claims.extend(extra);
        }
        self.insert(make_jwt(claims), grant)
    }

    /// Opaque or JWT (no extra claims).
    pub fn mint(&mut self, grant: AccessGrant, jwt: bool) -> String {
        if jwt {
            self.mint_jwt(grant, Value::Null)
        } else {
            self.mint_opaque(grant)
        }
    }

    /// Records a token in a vendor-specific format.
    pub fn insert(&mut self, token: String, grant: AccessGrant) -> String {
        self.issued.push(token.clone());
        self.grants.insert(token.clone(), grant);
        token
    }

    /// The grant of a token that was issued here, is not revoked and has not
    /// expired at `now`.
    pub fn check(&self, token: &str, now: SystemTime) -> Result<&AccessGrant, TokenError> {
        let grant = self.grants.get(token).ok_or(TokenError::Unknown)?;
        if now >= grant.expires_at {
            return Err(TokenError::Expired);
        }
        Ok(grant)
    }

    /// Tokens still valid at `now`.
    pub fn valid_count(&self, now: SystemTime) -> usize {
        self.grants.values().filter(|g| now < g.expires_at).count()
    }

    /// Tokens ever issued (revoked ones included).
    pub fn issued_count(&self) -> usize {
        self.issued.len()
    }

    /// Every token issued, oldest first.
    pub fn all(&self) -> &[String] {
        &self.issued
    }

    /// The most recently issued token.
    pub fn last(&self) -> Option<&str> {
        self.issued.last().map(String::as_str)
    }

    pub fn revoke(&mut self, token: &str) -> bool {
        self.grants.remove(token).is_some()
    }

    pub fn revoke_all(&mut self) {
        self.grants.clear();
    }
}

/// Why a refresh token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefreshError {
    /// Never issued here, or revoked.
    Unknown,
    /// Valid once, but already redeemed: a client sent a single-use refresh
    /// token twice.
    Reused,
    Expired,
}

impl fmt::Display for RefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefreshError::Unknown => "the refresh token is unknown or revoked",
            RefreshError::Reused => "the refresh token was already used",
            RefreshError::Expired => "the refresh token has expired",
        })
    }
}

/// Refresh tokens with a payload `T` (what they were issued for), expiry and
/// single-use bookkeeping: [`RefreshTokens::redeem`] consumes a token, and a
/// consumed token presented again is [`RefreshError::Reused`].
#[derive(Debug)]
pub struct RefreshTokens<T> {
    live: HashMap<String, (T, Option<SystemTime>)>,
    used: HashSet<String>,
    issued: Vec<String>,
}

impl<T> Default for RefreshTokens<T> {
    fn default() -> Self {
        RefreshTokens {
            live: HashMap::new(),
            used: HashSet::new(),
            issued: Vec::new(),
        }
    }
}

impl<T: Clone> RefreshTokens<T> {
    /// Issues a token (`rt_…`), valid until `expires_at` (`None`: forever).
    pub fn issue(&mut self, data: T, expires_at: Option<SystemTime>) -> String {
        let token = unique_token("rt_");
        self.issued.push(token.clone());
        self.live.insert(token.clone(), (data, expires_at));
        token
    }

    /// Looks a token up without consuming it (for multi-use tokens, or to
    /// check a binding before [`RefreshTokens::redeem`]).
    pub fn check(&self, token: &str, now: SystemTime) -> Result<&T, RefreshError> {
        match self.live.get(token) {
            Some((_, Some(expires_at))) if now >= *expires_at => Err(RefreshError::Expired),
            Some((data, _)) => Ok(data),
            None if self.used.contains(token) => Err(RefreshError::Reused),
            None => Err(RefreshError::Unknown),
        }
    }

    /// Consumes a token: it is valid exactly once.
    pub fn redeem(&mut self, token: &str, now: SystemTime) -> Result<T, RefreshError> {
        let data = self.check(token, now)?.clone();
        self.live.remove(token);
        self.used.insert(token.to_string());
        Ok(data)
    }

    /// Revokes one live token (RFC 7009): later presentations are
    /// `Unknown`. Returns whether it was live.
    pub fn revoke(&mut self, token: &str) -> bool {
        self.live.remove(token).is_some()
    }

    /// Forgets every token: later presentations are `Unknown` (a revocation,
    /// not a reuse).
    pub fn revoke_all(&mut self) {
        self.live.clear();
        self.used.clear();
    }

    /// Tokens not yet redeemed (expired ones included).
    pub fn live_count(&self) -> usize {
        self.live.len()
    }

    /// Every token issued, oldest first.
    pub fn all(&self) -> &[String] {
        &self.issued
    }

    /// The most recently issued token.
    pub fn last(&self) -> Option<&str> {
        self.issued.last().map(String::as_str)
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme
/// case-insensitive), if any.
pub fn bearer_token(req: &Request) -> Option<&str> {
    let (scheme, token) = req.header("authorization")?.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The protected-resource check (RFC 6750 §3): the grant of a valid bearer
/// token, or the 401 to send — `WWW-Authenticate: Bearer realm="fake"` when
/// no token was sent, plus `error="invalid_token"` when it is unknown or
/// expired.
pub fn require_bearer<'a>(
    req: &Request,
    tokens: &'a AccessTokens,
    now: SystemTime,
) -> Result<&'a AccessGrant, Response> {
    let Some(token) = bearer_token(req) else {
        return Err(Response::json(
            401,
            json!({ "error": "invalid_request", "error_description": "no bearer token" }),
        )
        .header("WWW-Authenticate", r#"Bearer realm="fake""#));
    };
    tokens.check(token, now).map_err(|e| {
        Response::json(
            401,
            json!({ "error": "invalid_token", "error_description": e.to_string() }),
        )
        .header(
            "WWW-Authenticate",
            format!(r#"Bearer realm="fake", error="invalid_token", error_description="{e}""#),
        )
    })
}
