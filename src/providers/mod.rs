//! Providers: one file per vendor, each owning its config keys, endpoint
//! constants, wire structs and quirks. The rest of the program only sees
//! [`TokenSet`] and [`Presentation`].
//!
//! Adding a vendor = one file, one [`ProviderConfig`] variant, one arm in
//! [`parse_config`] and one in [`ProviderConfig::provider`].

pub mod connect_enterprise;
pub mod declarative;
pub mod lrs_connect;
pub mod oauth2;
pub mod pipeline_lbm;
pub mod primaerp;

use crate::config::{FieldError, Profile, SecretName};
use crate::error::{Error, Result};
use crate::http::{Http, Response};
use crate::log::sanitize_remote;
use crate::secret::Secret;
use crate::store::Secrets;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

/// Every provider id, in the order they are documented.
pub const IDS: &[&str] = &[
    "connect-enterprise",
    "pipeline-lbm",
    "primaerp",
    "lrs-connect",
    "oauth2",
    "http",
];

/// A profile's provider-specific settings: a closed set.
#[derive(Debug, Clone)]
pub enum ProviderConfig {
    ConnectEnterprise(connect_enterprise::ConnectEnterprise),
    PipelineLbm(pipeline_lbm::PipelineLbm),
    Primaerp(primaerp::Primaerp),
    LrsConnect(lrs_connect::LrsConnect),
    OAuth2(oauth2::OAuth2),
    /// `provider = "http"`: a vendor described in the config.
    Http(Box<declarative::Declarative>),
}

impl ProviderConfig {
    /// The provider behind this config.
    pub fn provider(&self) -> &dyn Provider {
        match self {
            ProviderConfig::ConnectEnterprise(p) => p,
            ProviderConfig::PipelineLbm(p) => p,
            ProviderConfig::Primaerp(p) => p,
            ProviderConfig::LrsConnect(p) => p,
            ProviderConfig::OAuth2(p) => p,
            ProviderConfig::Http(p) => p.as_ref(),
        }
    }
}

/// Parses the provider keys of a profile table (common and secret keys
/// already removed) for the provider named `id`.
pub fn parse_config(id: &str, table: toml::Table) -> Result<ProviderConfig, FieldError> {
    match id {
        "connect-enterprise" => connect_enterprise::ConnectEnterprise::from_table(table)
            .map(ProviderConfig::ConnectEnterprise),
        "pipeline-lbm" => {
            pipeline_lbm::PipelineLbm::from_table(table).map(ProviderConfig::PipelineLbm)
        }
        "primaerp" => primaerp::Primaerp::from_table(table).map(ProviderConfig::Primaerp),
        "lrs-connect" => lrs_connect::LrsConnect::from_table(table).map(ProviderConfig::LrsConnect),
        "oauth2" => oauth2::OAuth2::from_table(table).map(ProviderConfig::OAuth2),
        "http" => {
            declarative::Declarative::from_table(table).map(|p| ProviderConfig::Http(Box::new(p)))
        }
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

/// A whole non-negative number sent as a JSON number (a fraction is
/// rounded down) or a numeric string.
pub(crate) fn json_u64(value: &serde_json::Value) -> Option<u64> {
    match value {
        serde_json::Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f as u64)
        }),
        serde_json::Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
}

/// A time `value` a server sent, read as `at` (Unix seconds): `None` (it
/// is not `what`) or a time more than 100 years ahead is a malformed answer.
pub(crate) fn sent_time(
    field: &str,
    value: &serde_json::Value,
    at: Option<u64>,
    what: &str,
    now: u64,
) -> Result<u64> {
    match at {
        Some(at) if at <= now.saturating_add(MAX_LIFETIME_SECS) => Ok(at),
        Some(_) => Err(Error::network(format!(
            "the server sent `{field}` more than 100 years ahead; refusing it"
        ))),
        None => Err(Error::network(format!(
            "the server sent `{field}` = {}, not {what}",
            sanitize_remote(&value.to_string())
        ))),
    }
}

/// Parses a lifetime given as a JSON number or numeric string.
pub fn lifetime_secs(field: &str, value: &serde_json::Value) -> Result<u64> {
    match json_u64(value) {
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

/// Parses a `base_url`: an http(s) URL that is only a scheme and host (and
/// port). authtool appends the vendor's documented paths to it, e.g. `path`.
pub(crate) fn parse_base_url(key: &'static str, text: &str, path: &str) -> Result<Url, FieldError> {
    let url = oauth2::parse_url(key, text)?;
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
                "`{text}` must be only a scheme and host, like `{root}`: authtool appends `{path}` itself"
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

/// Keys that carry a human-readable message in vendors' error bodies.
const MESSAGE_KEYS: &[&str] = &[
    "message",
    "Message",
    "error_description",
    "errorDescription",
    "errorMessage",
    "description",
    "detail",
    "title",
];

/// Keys that carry a machine-readable error code.
const CODE_KEYS: &[&str] = &["error", "errorCode", "error_code", "code"];

/// The message of a vendor's error body, terminal-safe: `code: message`
/// from the usual keys, looked for at the top level and inside `errors`,
/// `error` and `data` (objects, arrays or plain strings).
pub fn remote_message(body: &serde_json::Value) -> Option<String> {
    let found = messages(body, 0);
    (!found.is_empty()).then(|| found.join("; "))
}

fn messages(value: &serde_json::Value, depth: usize) -> Vec<String> {
    use serde_json::Value;
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(sanitize_remote(s)),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    match value {
        Value::String(_) => text(Some(value)).into_iter().collect(),
        Value::Array(items) if depth < 3 => items
            .iter()
            .take(5)
            .flat_map(|item| messages(item, depth + 1))
            .collect(),
        Value::Object(map) => {
            let message = MESSAGE_KEYS.iter().find_map(|k| text(map.get(*k)));
            // String codes only: a numeric one repeats the HTTP status.
            let code = CODE_KEYS
                .iter()
                .find_map(|k| text(map.get(*k).filter(|v| v.is_string())));
            match (code, message) {
                (Some(code), Some(message)) if code != message => {
                    vec![format!("{code}: {message}")]
                }
                (_, Some(message)) => vec![message],
                (code, None) => {
                    let nested: Vec<String> = if depth < 3 {
                        ["errors", "error", "data"]
                            .iter()
                            .filter_map(|k| map.get(*k))
                            .filter(|v| v.is_object() || v.is_array())
                            .flat_map(|v| messages(v, depth + 1))
                            .collect()
                    } else {
                        Vec::new()
                    };
                    if nested.is_empty() {
                        code.into_iter().collect()
                    } else {
                        nested
                    }
                }
            }
        }
        _ => Vec::new(),
    }
}

/// Turns a vendor's failure answer into an error: 5xx is a server problem
/// (exit 5), 400/401/403 a rejection (exit 6, with `hint`), anything else
/// unexpected (exit 5). The server's message is shown when it sent one.
pub(crate) fn vendor_error(resp: &Response, endpoint: &str, hint: &str) -> Error {
    let message = serde_json::from_slice::<serde_json::Value>(&resp.body)
        .ok()
        .and_then(|v| remote_message(&v));
    vendor_error_with(resp, endpoint, hint, message)
}

/// [`vendor_error`] with the server's `message` already found (`None`: an
/// excerpt of the body is shown instead).
pub(crate) fn vendor_error_with(
    resp: &Response,
    endpoint: &str,
    hint: &str,
    message: Option<String>,
) -> Error {
    let detail = message.or_else(|| (!resp.body.is_empty()).then(|| resp.excerpt()));
    let mut msg = format!("{endpoint} answered HTTP {}", resp.status);
    if let Some(detail) = detail {
        msg.push_str(&format!(": {detail}"));
    }
    match resp.status {
        500.. => Error::network(msg).hint("the server has a problem; try again later"),
        400 | 401 | 403 if hint.is_empty() => Error::rejected(msg),
        400 | 401 | 403 => Error::rejected(msg).hint(hint),
        _ => Error::network(msg).hint("check the URL in the profile"),
    }
}

/// Decodes a JSON answer into a wire struct; a body of another shape is a
/// malformed response (exit 5). Secret fields are `Secret`s, so an error
/// message never contains one.
pub(crate) fn decode<T: DeserializeOwned>(resp: &Response, endpoint: &str) -> Result<T> {
    let value = resp.json(endpoint)?;
    // serde reads a struct from an array too (`["t"]` as `{"token":"t"}`).
    if !value.is_object() {
        return Err(Error::network(format!(
            "{endpoint} answered HTTP {} with JSON that is not an object",
            resp.status
        )));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        Error::network(format!(
            "{endpoint} answered HTTP {} with an unexpected body: {} (at `{path}`)",
            resp.status,
            sanitize_remote(&e.into_inner().to_string())
        ))
    })
}

/// For a nested wire struct (`#[serde(default, deserialize_with =
/// "super::nested")]` on an `Option<T>` field): only a JSON object or null
/// is accepted, as [`decode`] does for the whole body.
pub(crate) fn nested<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: DeserializeOwned,
{
    use serde::de::Error as _;
    match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Null => Ok(None),
        value @ serde_json::Value::Object(_) => {
            T::deserialize(value).map(Some).map_err(D::Error::custom)
        }
        _ => Err(D::Error::custom("expected a JSON object")),
    }
}

/// The token type as the server names it; `Bearer` in any case is `Bearer`.
pub(crate) fn token_type(text: &str) -> String {
    if text.eq_ignore_ascii_case("bearer") {
        "Bearer".to_string()
    } else {
        sanitize_remote(text)
    }
}

/// When a token expires: `now` plus the lifetime `field` (a number or a
/// numeric string) when the server sent one, else the JWT `exp` claim if
/// the token is a JWT, else unknown (the session applies `token_lifetime`).
pub(crate) fn expiry(
    field: &str,
    lifetime: Option<&serde_json::Value>,
    token: &Secret,
    now: u64,
) -> Result<Option<u64>> {
    match lifetime.filter(|v| !v.is_null()) {
        Some(v) => Ok(Some(now + lifetime_secs(field, v)?)),
        None => Ok(crate::jwt::expiry(token.expose())),
    }
}

/// A JSON request body from a wire struct; held as a [`Secret`] because
/// it carries credentials.
pub(crate) fn json_body<T: Serialize>(value: &T) -> Result<(&'static str, Secret)> {
    let text = serde_json::to_string(value)
        .map_err(|e| Error::internal(format!("cannot encode a JSON request: {e}")))?;
    Ok(("application/json", Secret::new(text)))
}

/// A token field a success answer must carry: present, non-empty, usable.
pub(crate) fn required_token(endpoint: &str, field: &str, value: Option<Secret>) -> Result<Secret> {
    let value = value.filter(|v| !v.is_empty()).ok_or_else(|| {
        Error::network(format!(
            "{endpoint} answered without `{field}`: not a token response"
        ))
    })?;
    check_token(field, value.expose())?;
    Ok(value)
}

/// A token field a success answer may carry (absent or empty: none).
pub(crate) fn optional_token(field: &str, value: Option<Secret>) -> Result<Option<Secret>> {
    match value.filter(|v| !v.is_empty()) {
        Some(v) => {
            check_token(field, v.expose())?;
            Ok(Some(v))
        }
        None => Ok(None),
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
pub(crate) fn test_response(status: u16, body: &str) -> Response {
    Response {
        status,
        content_type: "application/json".into(),
        body: body.as_bytes().to_vec(),
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

    #[test]
    fn vendor_error_messages() {
        let m = |v: serde_json::Value| remote_message(&v);
        assert_eq!(m(json!({"message": "nope"})).as_deref(), Some("nope"));
        assert_eq!(
            m(json!({"errorCode": "ACCOUNT_INACTIVE", "message": "inactive"})).as_deref(),
            Some("ACCOUNT_INACTIVE: inactive")
        );
        assert_eq!(
            m(json!({"data": null, "errors": [{"code": "E1", "message": "bad id"}, "bad \u{1b} secret"]}))
                .as_deref(),
            Some("E1: bad id; bad   secret")
        );
        assert_eq!(
            m(json!({"error": {"code": 401, "message": "Unauthorized"}})).as_deref(),
            Some("Unauthorized")
        );
        assert_eq!(
            m(json!({"error": "invalid_client"})).as_deref(),
            Some("invalid_client")
        );
        assert_eq!(m(json!({"errors": null})), None);
        assert_eq!(m(json!([])), None);

        let resp = test_response;
        let e = vendor_error(&resp(401, r#"{"message":"bad key"}"#), "E", "check it");
        assert_eq!(e.kind, crate::Kind::Rejected);
        assert_eq!(e.message, "E answered HTTP 401: bad key");
        assert_eq!(e.hints, ["check it"]);
        assert_eq!(
            vendor_error(&resp(503, "busy"), "E", "").kind,
            crate::Kind::Network
        );
        assert_eq!(
            vendor_error(&resp(404, ""), "E", "").kind,
            crate::Kind::Network
        );
        assert_eq!(
            vendor_error(&resp(404, ""), "E", "").message,
            "E answered HTTP 404"
        );
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
