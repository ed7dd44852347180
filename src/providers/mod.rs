//! Providers: one file per vendor, each owning its config keys, endpoint
//! constants, wire structs and quirks. The rest of the program only sees
//! [`TokenSet`] and [`Presentation`].
//!
//! Adding a vendor = one file, one [`ProviderConfig`] variant, one arm in
//! [`parse_config`] and one in [`ProviderConfig::provider`].

pub mod oauth2;

use crate::config::{FieldError, Profile, SecretName};
use crate::error::{Error, Result};
use crate::http::Http;
use crate::secret::Secret;
use crate::store::Secrets;
use serde::{Deserialize, Serialize};

/// Every provider id, in the order they are documented.
pub const IDS: &[&str] = &["oauth2"];

/// A profile's provider-specific settings: a closed set.
#[derive(Debug, Clone)]
pub enum ProviderConfig {
    OAuth2(oauth2::OAuth2),
}

impl ProviderConfig {
    /// The provider behind this config.
    pub fn provider(&self) -> &dyn Provider {
        match self {
            ProviderConfig::OAuth2(p) => p,
        }
    }
}

/// Parses the provider keys of a profile table (common and secret keys
/// already removed) for the provider named `id`.
pub fn parse_config(id: &str, table: toml::Table) -> Result<ProviderConfig, FieldError> {
    match id {
        "oauth2" => oauth2::OAuth2::from_table(table).map(ProviderConfig::OAuth2),
        other => Err(FieldError::invalid(
            "provider",
            format!(
                "unknown provider `{other}` (known providers: {})",
                IDS.join(", ")
            ),
        )),
    }
}

/// What a provider gets to do its job: the profile, HTTP, and secrets.
pub struct Ctx<'a> {
    pub profile: &'a Profile,
    pub http: &'a Http,
    pub secrets: &'a Secrets<'a>,
}

impl Ctx<'_> {
    /// Resolves one of the profile's secrets (env, command, inline, store).
    pub fn secret(&self, name: SecretName) -> Result<Secret> {
        self.secrets.get(self.profile, name)
    }
}

/// The one interface between the session and a vendor.
pub trait Provider {
    /// The `provider = "…"` id.
    fn id(&self) -> &'static str;

    /// The secrets a login needs, in the order `login --secret-stdin` reads them.
    fn secret_names(&self) -> Vec<SecretName>;

    /// Where and as whom tokens are issued (URL, client/user, tenant,
    /// scope): a token cached under another identity is never served.
    fn identity(&self) -> Vec<(&'static str, String)>;

    /// The URL logins go to (for messages and `doctor`).
    fn endpoint(&self) -> String;

    /// Obtains a new token set with the long-lived credentials.
    fn login(&self, ctx: &Ctx) -> Result<TokenSet>;

    /// Renews with a refresh token. Providers without refresh tokens never
    /// return one from `login`, so this is not called for them.
    fn refresh(&self, ctx: &Ctx, refresh_token: &Secret) -> Result<TokenSet> {
        let _ = refresh_token;
        self.login(ctx)
    }

    /// Whether a refresh token dies on first use (then it is never sent
    /// twice, and never kept when the server omits a new one).
    fn single_use_refresh(&self) -> bool {
        false
    }

    /// How the API is called with `token`.
    fn present(&self, token: &TokenSet) -> Presentation {
        Presentation::bearer(token)
    }
}

/// A token and what we know about it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenSet {
    pub access_token: Secret,
    /// As the server calls it; `Bearer` when it says nothing.
    pub token_type: String,
    /// Unix seconds; `None` only before the session fills in the default.
    pub expires_at: Option<u64>,
    /// Unix seconds when the token was obtained.
    pub issued_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_expires_at: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl TokenSet {
    /// A token set with the given access token, obtained now.
    pub fn new(access_token: Secret, now: u64) -> Self {
        TokenSet {
            access_token,
            token_type: "Bearer".to_string(),
            expires_at: None,
            issued_at: now,
            refresh_token: None,
            refresh_expires_at: None,
            scope: None,
        }
    }
}

/// How a token is sent to the API: headers and/or query parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Presentation {
    pub headers: Vec<(String, Secret)>,
    pub query: Vec<(String, Secret)>,
}

impl Presentation {
    /// `Authorization: Bearer <token>`.
    pub fn bearer(token: &TokenSet) -> Self {
        Presentation {
            headers: vec![(
                "Authorization".to_string(),
                Secret::new(format!("Bearer {}", token.access_token.expose())),
            )],
            query: Vec::new(),
        }
    }
}

/// Checks a token a server sent: non-empty, printable, no spaces — it
/// ends up in headers, shell variables and git's line protocol.
pub fn check_token(what: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::network(format!("the server sent an empty {what}")));
    }
    if value.len() > 64 * 1024 {
        return Err(Error::network(format!(
            "the server sent a {what} of {} bytes (limit 64 KiB)",
            value.len()
        )));
    }
    if let Some(c) = value.chars().find(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::network(format!(
            "the server sent a {what} containing the character {:?}, which cannot be used in a header",
            c.escape_default().to_string()
        )));
    }
    Ok(())
}

/// The longest lifetime accepted from a server (100 years): anything larger
/// is a broken response, not a token.
pub const MAX_LIFETIME_SECS: u64 = 100 * 365 * 86_400;

/// Parses a lifetime given as a JSON number or numeric string.
pub fn lifetime_secs(field: &str, value: &serde_json::Value) -> Result<u64> {
    let n = match value {
        serde_json::Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f as u64)
        }),
        serde_json::Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if n <= MAX_LIFETIME_SECS => Ok(n),
        Some(n) => Err(Error::network(format!(
            "the server sent `{field}` = {n} seconds, more than 100 years; refusing it"
        ))),
        None => Err(Error::network(format!(
            "the server sent `{field}` = {}, not a number of seconds",
            crate::log::sanitize_remote(&value.to_string())
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lifetimes() {
        assert_eq!(lifetime_secs("x", &json!(3600)).unwrap(), 3600);
        assert_eq!(lifetime_secs("x", &json!("3600")).unwrap(), 3600);
        assert_eq!(lifetime_secs("x", &json!(59.9)).unwrap(), 59);
        assert!(lifetime_secs("x", &json!(-1)).is_err());
        assert!(lifetime_secs("x", &json!("soon")).is_err());
        assert!(lifetime_secs("x", &json!(u64::MAX)).is_err());
        assert!(lifetime_secs("x", &json!(null)).is_err());
    }

    #[test]
    fn tokens_are_checked() {
        assert!(check_token("t", "abc.def-_~+/=").is_ok());
        assert!(check_token("t", "").is_err());
        assert!(check_token("t", "a\nb").is_err());
        assert!(check_token("t", "a b").is_err());
        assert!(check_token("t", "a\0").is_err());
    }
}
