//! Providers: one file per vendor, each owning its config keys, their
//! validation, its hints and the *spec* of its token API
//! ([`engine::Spec`]); the engine sends the requests and reads the
//! answers. The rest of the program only sees [`TokenSet`] and
//! [`Presentation`].
//!
//! Adding a vendor = one file, its `mod` line and one line in [`REGISTRY`].

pub mod connect_enterprise;
pub mod engine;
pub mod http;
pub mod lrs_connect;
pub mod oauth2;
pub mod pipeline_lbm;
pub mod primaerp;

use crate::error::Result;
use crate::fielderr::FieldError;
use crate::http::Http;
use crate::secret::{Secret, SecretName};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use url::Url;

pub use engine::{MAX_LIFETIME_SECS, check_token, remote_message};

/// Parses a provider's keys (common and secret keys already removed).
pub type ParseFn = fn(toml::Table) -> Result<ProviderConfig, FieldError>;

/// A [`REGISTRY`] entry: a provider id and the type its keys parse into
/// (with `from_table`).
macro_rules! vendor {
    ($id:literal, $config:ty) => {
        ($id, |table| {
            ProviderConfig::of(<$config>::from_table(table))
        })
    };
}

/// Every provider: its `provider = "…"` id and its parser, in the order
/// they are documented.
pub const REGISTRY: &[(&str, ParseFn)] = &[
    vendor!("connect-enterprise", connect_enterprise::ConnectEnterprise),
    vendor!("pipeline-lbm", pipeline_lbm::PipelineLbm),
    vendor!("primaerp", primaerp::Primaerp),
    vendor!("lrs-connect", lrs_connect::LrsConnect),
    vendor!("oauth2", oauth2::OAuth2),
    vendor!("http", http::Declarative),
];

/// Every provider id, in the order they are documented.
pub const IDS: [&str; REGISTRY.len()] = {
    let mut ids = [""; REGISTRY.len()];
    let mut i = 0;
    while i < ids.len() {
        ids[i] = REGISTRY[i].0;
        i += 1;
    }
    ids
};

/// A profile's validated provider settings.
#[derive(Debug, Clone)]
pub struct ProviderConfig(Arc<dyn Provider + Send + Sync>);

impl ProviderConfig {
    fn of<P: Provider + Send + Sync + 'static>(
        parsed: Result<P, FieldError>,
    ) -> Result<ProviderConfig, FieldError> {
        parsed.map(|p| ProviderConfig(Arc::new(p)))
    }

    /// The provider behind this config.
    pub fn provider(&self) -> &dyn Provider {
        self.0.as_ref()
    }
}

/// Parses the provider keys of a profile table (common and secret keys
/// already removed) for the provider named `id`.
pub fn parse_config(id: &str, table: toml::Table) -> Result<ProviderConfig, FieldError> {
    match REGISTRY.iter().find(|(known, _)| *known == id) {
        Some((_, parse)) => parse(table),
        None => Err(FieldError::invalid(
            "provider",
            format!(
                "unknown provider `{id}` (known providers: {})",
                IDS.join(", ")
            ),
        )),
    }
}

/// Where a provider's secrets come from (env, command, inline, store).
pub trait SecretResolver {
    fn secret(&self, name: SecretName) -> Result<Secret>;
}

impl<F: Fn(SecretName) -> Result<Secret>> SecretResolver for F {
    fn secret(&self, name: SecretName) -> Result<Secret> {
        self(name)
    }
}

/// What the engine gets to do its job: the profile's name (for
/// messages), HTTP, the profile's secrets, where it may cache what it
/// learns of a server, and whether a person may be asked.
pub struct Ctx<'a> {
    pub profile_name: &'a str,
    pub http: &'a Http,
    pub secrets: &'a dyn SecretResolver,
    /// authtool's cache directory (discovered server metadata lives under
    /// it, written with [`crate::fsutil`]).
    pub cache_dir: &'a std::path::Path,
    /// Whether a person can answer a browser or device login now (`login`,
    /// `--interactive`, `AUTHTOOL_INTERACTIVE=1`, a terminal; see
    /// [`crate::session::may_ask`]).
    pub may_ask: bool,
    /// The environment variables the profile takes secrets from: removed
    /// from the environment of every program authtool starts (a browser).
    pub secret_vars: Vec<&'a str>,
    /// Signs a DPoP proof for every token request (`dpop = true`).
    pub dpop: Option<&'a crate::dpop::Prover>,
}

impl Ctx<'_> {
    /// Resolves one of the profile's secrets.
    pub fn secret(&self, name: SecretName) -> Result<Secret> {
        self.secrets.secret(name)
    }
}

/// The one interface between the session and a vendor.
pub trait Provider: std::fmt::Debug {
    /// The `provider = "…"` id.
    fn id(&self) -> &'static str;

    /// The secrets a login needs, in the order `login --secret-stdin` reads them.
    fn secret_names(&self) -> Vec<SecretName>;

    /// Where and as whom tokens are issued (URL, client/user, tenant,
    /// scope): a token cached under another identity is never served.
    fn identity(&self) -> Vec<(&'static str, String)>;

    /// The URL logins go to (for messages and `doctor`).
    fn endpoint(&self) -> String;

    /// The token API: what to send, how to read the answer. Built only
    /// when a token is obtained, never for a cached one.
    fn spec(&self) -> engine::Spec;

    /// How the API is called with `token` (on every call: no spec here).
    fn present(&self, token: &TokenSet) -> Presentation {
        Presentation::bearer(token)
    }

    /// Whether tokens are DPoP-bound (`dpop = true`, RFC 9449): every
    /// token request carries a proof, and so does every API request.
    fn dpop(&self) -> bool {
        false
    }

    /// Obtains a new token set with the long-lived credentials (or, for a
    /// person's login, by asking them).
    fn login(&self, ctx: &Ctx) -> Result<TokenSet> {
        engine::login(&self.spec(), ctx)
    }

    /// Renews with a refresh token. Providers without refresh tokens never
    /// return one from `login`, so this is not called for them.
    fn refresh(&self, ctx: &Ctx, refresh_token: &Secret) -> Result<TokenSet> {
        engine::refresh(&self.spec(), ctx, refresh_token)
    }

    /// The spec whose `revocation` request `logout` sends (RFC 7009):
    /// for `oauth2`, with the discovered `revocation_endpoint` when
    /// `revocation_url` is not set (a request to the discovery document
    /// only when its metadata is not cached).
    fn revocation_spec(&self, _ctx: &Ctx) -> Result<engine::Spec> {
        Ok(self.spec())
    }

    /// Whether a refresh token dies on first use (then it is never sent
    /// twice, and never kept when the server omits a new one).
    fn single_use_refresh(&self) -> bool {
        self.spec().single_use_refresh
    }

    /// How long a login may wait for a person (a browser or device login),
    /// beyond the requests themselves; processes waiting for the renewal
    /// lock wait this much longer.
    fn person_wait(&self) -> std::time::Duration {
        std::time::Duration::ZERO
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
    /// The OpenID Connect ID token of the login or refresh (`--id-token`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<Secret>,
    /// A DPoP-bound token: the RFC 7638 thumbprint of the key it is bound
    /// to (the key itself is in the secret store).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_jkt: Option<String>,
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
            id_token: None,
            dpop_jkt: None,
        }
    }

    /// The ID token as a token set of its own (`--id-token`): its expiry
    /// from its own `exp`, issued when its `iat` says (else with this set).
    /// `None`: the server issued no ID token.
    pub fn id_token_set(&self) -> Option<TokenSet> {
        let id = self.id_token.as_ref()?;
        let claims = crate::jwt::decode(id.expose()).map(|j| j.claims);
        let iat = claims
            .as_ref()
            .and_then(|c| c.get("iat"))
            .and_then(serde_json::Value::as_u64);
        Some(TokenSet {
            access_token: id.clone(),
            token_type: "Bearer".to_string(),
            // No readable `exp`: it lives as long as the access token.
            expires_at: crate::jwt::expiry(id.expose())
                .ok()
                .flatten()
                .or(self.expires_at),
            issued_at: iat.unwrap_or(self.issued_at),
            refresh_token: None,
            refresh_expires_at: None,
            scope: self.scope.clone(),
            id_token: None,
            dpop_jkt: None,
        })
    }
}

/// How a token is sent to the API: headers and/or query parameters
/// (built by [`engine::present`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Presentation {
    pub headers: Vec<(String, Secret)>,
    pub query: Vec<(String, Secret)>,
}

// ---------------------------------------------------------------------------
// Config helpers every vendor may use.

/// Parses an http(s) URL written at the config `key`. A user name or
/// password in it (`https://user:pass@host/`) is refused: it would be sent
/// as a second `Authorization` header and shown wherever the URL is.
/// Messages show the URL with its query values and user info hidden.
pub(crate) fn parse_url(key: &'static str, text: &str) -> Result<Url, FieldError> {
    let url = Url::parse(text).map_err(|e| {
        FieldError::invalid(
            key,
            format!("`{}` is not a valid URL: {e}", shown_url_text(text)),
        )
    })?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(FieldError::invalid(
            key,
            format!("`{}` must be an https:// URL", shown_url_text(text)),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FieldError::invalid(
            key,
            format!(
                "`{}` holds a user name or password (`user:password@`): authtool does not send credentials in URLs; remove it and give them with the profile's own keys (client_id, client_secret_env, …)",
                shown_url_text(text)
            ),
        ));
    }
    Ok(url)
}

/// A URL written in the config, as messages may show it: query values
/// replaced by `***`, user info by `***@`, even when it does not parse.
pub(crate) fn shown_url_text(text: &str) -> String {
    if !text.contains(['?', '@']) {
        return text.to_string();
    }
    if let Ok(mut url) = Url::parse(text)
        && url.has_host()
    {
        if !url.username().is_empty() || url.password().is_some() {
            let _ = url.set_password(None);
            let _ = url.set_username("***");
        }
        return crate::http::redact_url(&url);
    }
    let (head, query) = match text.split_once('?') {
        Some((head, _)) => (head, "?***"),
        None => (text, ""),
    };
    let head = match head.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('/') {
            Some((authority, path)) => format!("{scheme}://{}/{path}", hide_userinfo(authority)),
            None => format!("{scheme}://{}", hide_userinfo(rest)),
        },
        None => head.to_string(),
    };
    format!("{head}{query}")
}

fn hide_userinfo(authority: &str) -> String {
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("***@{host}"),
        None => authority.to_string(),
    }
}

/// Parses a `base_url`: an http(s) URL that is only a scheme and host (and
/// port). authtool appends the vendor's documented paths to it, e.g. `path`.
pub(crate) fn parse_base_url(key: &'static str, text: &str, path: &str) -> Result<Url, FieldError> {
    let url = parse_url(key, text)?;
    let root_only = matches!(url.path(), "" | "/")
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    if !root_only {
        let root = format!(
            "{}://{}",
            url.scheme(),
            url.host_str().unwrap_or("host").trim_end_matches('/')
        );
        return Err(FieldError::invalid(
            key,
            format!(
                "`{}` must be only a scheme and host, like `{root}`: authtool appends `{path}` itself",
                shown_url_text(text)
            ),
        ));
    }
    Ok(url)
}

/// `base` (a scheme and host) with the vendor's documented `path`.
pub(crate) fn with_path(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    url.set_path(path);
    url
}

/// Which of two alternative keys a profile set.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum OneOf<A, B> {
    First(A),
    Second(B),
}

/// Exactly one of two alternative keys (`environment` or `base_url`, …)
/// must be set.
pub(crate) fn one_of<A, B>(
    (a, a_value): (&'static str, Option<A>),
    (b, b_value): (&'static str, Option<B>),
) -> Result<OneOf<A, B>, FieldError> {
    match (a_value, b_value) {
        (Some(x), None) => Ok(OneOf::First(x)),
        (None, Some(y)) => Ok(OneOf::Second(y)),
        (Some(_), Some(_)) => Err(FieldError::invalid(
            b,
            format!("set `{a}` or `{b}`, not both"),
        )),
        (None, None) => Err(FieldError::invalid(a, format!("set `{a}` (or `{b}`)"))),
    }
}

/// Test helper: parses a provider table written as TOML text, with a
/// validation error as "Some(key): message" text.
#[cfg(test)]
pub(crate) fn parse_for_test<T>(
    from_table: fn(toml::Table) -> Result<T, FieldError>,
    text: &str,
) -> Result<T, String> {
    let table = toml::from_str(text).map_err(|e| format!("toml: {e}"))?;
    from_table(table).map_err(|e| match e {
        FieldError::Invalid { key, message } => format!("{key:?}: {message}"),
        FieldError::Serde(e) => e.to_string(),
    })
}

/// Test helper: a JSON response with this status and body.
#[cfg(test)]
pub(crate) fn test_response(status: u16, body: &str) -> crate::http::Response {
    crate::http::Response {
        status,
        content_type: "application/json".into(),
        body: body.as_bytes().to_vec(),
        dpop_nonce: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_urls_never_show_user_info_or_query_values() {
        assert!(parse_url("token_url", "https://u:p@h/t").is_err());
        assert!(parse_url("token_url", "https://u@h/t").is_err());
        assert!(parse_url("token_url", "https://h/t?a=b").is_ok());
        assert_eq!(
            shown_url_text("https://u:p@h/t?a=b"),
            "https://***@h/t?a=***"
        );
        assert_eq!(
            shown_url_text("https://u:p@h:x/t?a=b"),
            "https://***@h:x/t?***"
        );
        assert_eq!(shown_url_text("nonsense?k=v"), "nonsense?***");
        assert_eq!(shown_url_text("https://h"), "https://h");
    }

    #[test]
    fn cached_token_sets_without_an_id_token_still_read() {
        // A cache entry written before ID tokens were kept.
        let old = r#"{"access_token":"at","token_type":"Bearer","expires_at":100,"issued_at":1}"#;
        let set: TokenSet = serde_json::from_str(old).unwrap();
        assert_eq!(set.id_token, None);
        assert_eq!(set.id_token_set(), None);
        // And one with an ID token: its own expiry and issue time.
        let id = format!(
            "e30.{}.sig",
            base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                br#"{"iat":1700000000,"exp":1700000600}"#
            )
        );
        let mut set = set;
        set.id_token = Some(Secret::new(id.clone()));
        let text = serde_json::to_string(&set).unwrap();
        let back: TokenSet = serde_json::from_str(&text).unwrap();
        let view = back.id_token_set().unwrap();
        assert_eq!(view.access_token.expose(), id);
        assert_eq!(
            (view.issued_at, view.expires_at),
            (1_700_000_000, Some(1_700_000_600))
        );
    }

    #[test]
    fn registry_ids_are_unique() {
        for (i, id) in IDS.iter().enumerate() {
            assert!(!IDS[i + 1..].contains(id), "{id}");
        }
        assert_eq!(
            IDS.join(", "),
            "connect-enterprise, pipeline-lbm, primaerp, lrs-connect, oauth2, http"
        );
    }

    #[test]
    fn unknown_providers_are_named() {
        match parse_config("nope", toml::Table::new()) {
            Err(FieldError::Invalid { key, message }) => {
                assert_eq!(key.as_deref(), Some("provider"));
                assert!(
                    message.contains("known providers: connect-enterprise"),
                    "{message}"
                );
            }
            _ => panic!("accepted"),
        }
    }

    #[test]
    fn base_urls_are_roots() {
        assert!(parse_base_url("base_url", "https://connect.lrsus.com", "/p").is_ok());
        assert!(parse_base_url("base_url", "https://h:8443/", "/p").is_ok());
        assert!(parse_base_url("base_url", "http://127.0.0.1:9/", "/p").is_ok());
        for bad in [
            "https://h/v1/auth/login",
            "https://h/?x=1",
            "https://u:p@h/",
            "ftp://h/",
            "h",
        ] {
            assert!(parse_base_url("base_url", bad, "/p").is_err(), "{bad}");
        }
        let url = parse_base_url("base_url", "https://h:8443", "/p")
            .ok()
            .unwrap();
        assert_eq!(
            with_path(&url, "/v1/auth/login").as_str(),
            "https://h:8443/v1/auth/login"
        );
    }

    #[test]
    fn one_of_two_keys() {
        fn pick(a: Option<u8>, b: Option<&'static str>) -> Option<OneOf<u8, &'static str>> {
            one_of(("a", a), ("b", b)).ok()
        }
        assert_eq!(pick(Some(1), None), Some(OneOf::First(1)));
        assert_eq!(pick(None, Some("x")), Some(OneOf::Second("x")));
        assert_eq!(pick(Some(1), Some("x")), None);
        assert_eq!(pick(None, None), None);
    }
}
