//! `primaerp`: the primaERP API (`primaerp.txt`).
//!
//! Login is `GET {base}/v1/auth/login?apikey=…` with HTTP Basic: the user's
//! `username:password`, or the secret key as the user name and an empty
//! password. The answer carries `token`, `expiration` and
//! `refreshExpiration` as Microsoft JSON dates (`/Date(ms)/`) and a
//! `refreshToken`. Renewal is `GET {base}/v1/auth/refreshtoken?apikey=…&
//! refresh_token=…`; a refresh token is valid once, so it is never sent
//! twice. The API takes the token as the `?token=` query parameter, not a
//! header.

use super::{
    Ctx, OneOf, Presentation, Provider, TokenSet, decode, one_of, optional_token, parse_base_url,
    required_token, sent_time, vendor_error, with_path,
};
use crate::config::{FieldError, SecretName, from_table};
use crate::error::{Error, Result};
use crate::http::{Method, Request, Response};
use crate::secret::Secret;
use crate::timefmt;
use serde::Deserialize;
use url::Url;

/// `https://{tenant}.` + this is the default base URL. (The doc's examples
/// use http://; credentials are not sent in clear by default.)
pub const API_DOMAIN: &str = "api.primaerp.com";
pub const LOGIN_PATH: &str = "/v1/auth/login";
pub const REFRESH_PATH: &str = "/v1/auth/refreshtoken";
/// The query parameter API calls take the token in.
pub const TOKEN_PARAM: &str = "token";

/// How the login authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Auth {
    /// HTTP Basic `username:password`.
    #[default]
    User,
    /// HTTP Basic with the secret key as user name and an empty password.
    SecretKey,
}

impl Auth {
    fn name(self) -> &'static str {
        match self {
            Auth::User => "user",
            Auth::SecretKey => "secret-key",
        }
    }
}

/// The profile keys as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    tenant: Option<String>,
    base_url: Option<String>,
    #[serde(default)]
    auth: Auth,
    username: Option<String>,
}

/// A validated `primaerp` profile.
#[derive(Debug, Clone)]
pub struct Primaerp {
    /// `None` when `base_url` is given instead.
    pub tenant: Option<String>,
    /// Scheme and host: `https://{tenant}.api.primaerp.com` by default.
    pub base_url: Url,
    pub auth: Auth,
    /// The user, for `auth = "user"`.
    pub username: Option<String>,
}

impl Primaerp {
    pub fn from_table(table: toml::Table) -> Result<Self, FieldError> {
        let wire: Wire = from_table(table)?;
        let base_url = match one_of(
            ("tenant", wire.tenant.as_deref()),
            ("base_url", wire.base_url.as_deref()),
        )? {
            OneOf::First(tenant) => {
                check_tenant(tenant)?;
                parse_base_url(
                    "tenant",
                    &format!("https://{tenant}.{API_DOMAIN}"),
                    LOGIN_PATH,
                )?
            }
            OneOf::Second(url) => parse_base_url("base_url", url, LOGIN_PATH)?,
        };
        match (wire.auth, &wire.username) {
            (Auth::User, None) => {
                return Err(FieldError::invalid(
                    "username",
                    "auth = \"user\" needs `username` (or set auth = \"secret-key\")",
                ));
            }
            (Auth::User, Some(u)) if u.is_empty() || u.contains(':') => {
                return Err(FieldError::invalid(
                    "username",
                    "`username` must be non-empty and may not contain `:` (it is sent as HTTP Basic)",
                ));
            }
            (Auth::SecretKey, Some(_)) => {
                return Err(FieldError::invalid(
                    "username",
                    "auth = \"secret-key\" logs in with the secret key alone; remove `username`",
                ));
            }
            _ => {}
        }
        Ok(Primaerp {
            tenant: wire.tenant,
            base_url,
            auth: wire.auth,
            username: wire.username,
        })
    }

    fn url(&self, path: &str) -> Url {
        with_path(&self.base_url, path)
    }

    fn rejected_hint(&self, profile: &str) -> String {
        let what = match self.auth {
            Auth::User => "`username`, the password and the API key",
            Auth::SecretKey => "the secret key and the API key",
        };
        format!("check {what} (`authtool login {profile}` stores them)")
    }

    /// Sends a GET to `path?apikey=…[&extra…]` and parses the token answer.
    fn get_token(
        &self,
        ctx: &Ctx,
        path: &str,
        extra: Option<(&str, &Secret)>,
        basic: Option<(&str, &Secret)>,
    ) -> Result<TokenSet> {
        let api_key = ctx.secret(SecretName::ApiKey)?;
        let endpoint = self.url(path);
        let mut url = endpoint.clone();
        url.query_pairs_mut()
            .append_pair("apikey", api_key.expose());
        if let Some((name, value)) = extra {
            url.query_pairs_mut().append_pair(name, value.expose());
        }
        let mut req = Request::new(Method::Get, url);
        if let Some((user, password)) = basic {
            req = req.basic(user, password.expose());
        }
        // A refresh token may already be spent when an answer is lost.
        req.idempotent = extra.is_none();
        let resp = ctx.http.send(&req)?;
        let hint = self.rejected_hint(&ctx.profile.name);
        parse_token(&resp, endpoint.as_str(), timefmt::now(), &hint)
    }
}

/// A tenant becomes a host name label: letters, digits and `-`.
fn check_tenant(tenant: &str) -> Result<(), FieldError> {
    let ok = !tenant.is_empty()
        && tenant.len() <= 63
        && !tenant.starts_with('-')
        && !tenant.ends_with('-')
        && tenant
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(FieldError::invalid(
            "tenant",
            format!(
                "`{tenant}` is not a tenant name: use the first part of your API host (`yourtenant` for yourtenant.api.primaerp.com), or set `base_url`"
            ),
        ))
    }
}

/// Parses a Microsoft JSON date, `/Date(1393858439151)/`, into Unix
/// seconds (rounded down). A zone suffix such as `/Date(1393858439151+0100)/`
/// only says where the time was written: the milliseconds are UTC either
/// way. Dates before 1970 and anything else are `None`.
pub fn parse_ms_date(text: &str) -> Option<u64> {
    let t = text.trim();
    let inner = t
        .strip_prefix("/Date(")
        .or_else(|| t.strip_prefix("\\/Date("))?;
    let inner = inner
        .strip_suffix(")/")
        .or_else(|| inner.strip_suffix(")\\/"))?;
    let (millis, zone) = match inner
        .char_indices()
        .skip(1)
        .find(|(_, c)| matches!(c, '+' | '-'))
    {
        Some((i, _)) => (&inner[..i], Some(&inner[i + 1..])),
        None => (inner, None),
    };
    if let Some(zone) = zone
        && !(zone.len() == 4 && zone.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let digits = millis.strip_prefix('+').unwrap_or(millis);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok().map(|ms| ms / 1000)
}

/// A date field of the answer: absent or null is `None`; anything but a
/// `/Date(ms)/` string, or a date absurdly far ahead, is a malformed answer.
fn date_field(field: &str, value: Option<&serde_json::Value>, now: u64) -> Result<Option<u64>> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => {
            let at = v.as_str().and_then(parse_ms_date);
            sent_time(field, v, at, "a /Date(milliseconds)/ value", now).map(Some)
        }
    }
}

/// The login and refresh answer.
#[derive(Debug, Deserialize)]
struct TokenResponse {
    #[serde(default)]
    token: Option<Secret>,
    #[serde(default)]
    expiration: Option<serde_json::Value>,
    #[serde(default, rename = "refreshToken")]
    refresh_token: Option<Secret>,
    #[serde(default, rename = "refreshExpiration")]
    refresh_expiration: Option<serde_json::Value>,
}

pub(crate) fn parse_token(
    resp: &Response,
    endpoint: &str,
    now: u64,
    hint: &str,
) -> Result<TokenSet> {
    if !(200..300).contains(&resp.status) {
        return Err(vendor_error(resp, endpoint, hint));
    }
    let wire: TokenResponse = decode(resp, endpoint)?;
    let token = required_token(endpoint, "token", wire.token)?;
    let mut set = TokenSet::new(token, now);
    set.expires_at = date_field("expiration", wire.expiration.as_ref(), now)?;
    set.refresh_token = optional_token("refreshToken", wire.refresh_token)?;
    if set.refresh_token.is_some() {
        set.refresh_expires_at =
            date_field("refreshExpiration", wire.refresh_expiration.as_ref(), now)?;
    }
    Ok(set)
}

impl Provider for Primaerp {
    fn id(&self) -> &'static str {
        "primaerp"
    }

    fn secret_names(&self) -> Vec<SecretName> {
        match self.auth {
            Auth::User => vec![SecretName::ApiKey, SecretName::Password],
            Auth::SecretKey => vec![SecretName::ApiKey, SecretName::SecretKey],
        }
    }

    fn identity(&self) -> Vec<(&'static str, String)> {
        let mut id = vec![
            ("base_url", self.base_url.to_string()),
            ("tenant", self.tenant.clone().unwrap_or_default()),
            ("auth", self.auth.name().to_string()),
        ];
        if let Some(u) = &self.username {
            id.push(("username", u.clone()));
        }
        id
    }

    fn endpoint(&self) -> String {
        self.url(LOGIN_PATH).to_string()
    }

    fn login(&self, ctx: &Ctx) -> Result<TokenSet> {
        let empty = Secret::default();
        match self.auth {
            Auth::User => {
                let password = ctx.secret(SecretName::Password)?;
                let user = self.username.as_deref().unwrap_or_default();
                self.get_token(ctx, LOGIN_PATH, None, Some((user, &password)))
            }
            Auth::SecretKey => {
                let key = ctx.secret(SecretName::SecretKey)?;
                if key.expose().contains(':') {
                    return Err(Error::config(
                        "the primaERP secret key contains `:`, which HTTP Basic cannot carry as a user name",
                    )
                    .hint("check the secret key (`authtool login PROFILE` stores it)"));
                }
                self.get_token(ctx, LOGIN_PATH, None, Some((key.expose(), &empty)))
            }
        }
    }

    /// Sent once (not idempotent): a refresh whose answer was lost or
    /// unusable may still have spent the single-use token, so the session
    /// never sends it again and logs in instead (see `session`).
    fn refresh(&self, ctx: &Ctx, refresh_token: &Secret) -> Result<TokenSet> {
        let rt = Some(("refresh_token", refresh_token));
        self.get_token(ctx, REFRESH_PATH, rt, None)
    }

    fn single_use_refresh(&self) -> bool {
        true
    }

    /// `?token=<token>`: no header.
    fn present(&self, token: &TokenSet) -> Presentation {
        Presentation {
            headers: Vec::new(),
            query: vec![(TOKEN_PARAM.to_string(), token.access_token.clone())],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Kind;

    fn parse(s: &str) -> Result<Primaerp, String> {
        crate::providers::parse_for_test(Primaerp::from_table, s)
    }

    use crate::providers::test_response as resp;

    #[test]
    fn ms_dates() {
        assert_eq!(parse_ms_date("/Date(1393858439151)/"), Some(1_393_858_439));
        assert_eq!(
            parse_ms_date("/Date(1393858439151+0100)/"),
            Some(1_393_858_439)
        );
        assert_eq!(
            parse_ms_date("/Date(1393858439151-0500)/"),
            Some(1_393_858_439)
        );
        assert_eq!(
            parse_ms_date("\\/Date(1394459639151)\\/"),
            Some(1_394_459_639)
        );
        assert_eq!(parse_ms_date(" /Date(0)/ "), Some(0));
        assert_eq!(parse_ms_date("/Date(999)/"), Some(0));
        for bad in [
            "/Date(-1000)/",
            "/Date(-1000+0100)/",
            "/Date()/",
            "/Date(12a)/",
            "/Date(1393858439151+01)/",
            "/Date(1393858439151+01:00)/",
            "/Date(1393858439151)",
            "Date(1393858439151)",
            "2014-03-03T14:53:59Z",
            "/Date(99999999999999999999999)/",
            "",
        ] {
            assert_eq!(parse_ms_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn documented_response() {
        let body = r#"{
            "token" : "c0e0c951-40d5-4e4a-9789-6524c1d2f80d",
            "expiration" : "/Date(1393858439151)/",
            "refreshToken" : "5d01a310-0e68-4733-9faf-8efdb1b367f7",
            "refreshExpiration" : "/Date(1394459639151)/"
        }"#;
        let t = parse_token(&resp(200, body), "E", 1_393_854_839, "").unwrap();
        assert_eq!(
            t.access_token.expose(),
            "c0e0c951-40d5-4e4a-9789-6524c1d2f80d"
        );
        assert_eq!(t.expires_at, Some(1_393_858_439));
        assert_eq!(
            t.refresh_token.unwrap().expose(),
            "5d01a310-0e68-4733-9faf-8efdb1b367f7"
        );
        assert_eq!(t.refresh_expires_at, Some(1_394_459_639));
        // No expiration: the session applies token_lifetime.
        let t = parse_token(&resp(200, r#"{"token":"t"}"#), "E", 0, "").unwrap();
        assert_eq!((t.expires_at, t.refresh_token.is_none()), (None, true));
    }

    #[test]
    fn malformed_responses() {
        for body in [
            r#"{"expiration":"/Date(1393858439151)/"}"#,
            r#"{"token":"t","expiration":"tomorrow"}"#,
            r#"{"token":"t","expiration":1393858439151}"#,
            r#"{"token":"t","expiration":"/Date(9999999999999999)/"}"#,
            r#"{"token":"t","refreshToken":"r","refreshExpiration":"soon"}"#,
            r#"{"token":"t t"}"#,
            "<html/>",
        ] {
            let err = parse_token(&resp(200, body), "E", 0, "").unwrap_err();
            assert_eq!(err.kind, Kind::Network, "{body}");
        }
    }

    #[test]
    fn error_bodies() {
        let err =
            parse_token(&resp(401, r#"{"message":"Invalid API key"}"#), "E", 0, "").unwrap_err();
        assert_eq!(err.kind, Kind::Rejected);
        assert!(err.message.ends_with("Invalid API key"), "{}", err.message);
        let err = parse_token(&resp(401, "Unauthorized"), "E", 0, "").unwrap_err();
        assert_eq!(err.kind, Kind::Rejected);
        assert_eq!(
            parse_token(&resp(502, ""), "E", 0, "").unwrap_err().kind,
            Kind::Network
        );
    }

    #[test]
    fn config_validation() {
        let p = parse("tenant = 'yourtenant'\nusername = 'user@domain.com'").unwrap();
        assert_eq!(
            p.endpoint(),
            "https://yourtenant.api.primaerp.com/v1/auth/login"
        );
        assert_eq!(p.auth, Auth::User);
        assert_eq!(p.secret_names(), [SecretName::ApiKey, SecretName::Password]);
        let k = parse("base_url = 'http://127.0.0.1:9'\nauth = 'secret-key'").unwrap();
        assert_eq!(k.endpoint(), "http://127.0.0.1:9/v1/auth/login");
        assert_eq!(
            k.secret_names(),
            [SecretName::ApiKey, SecretName::SecretKey]
        );
        assert_ne!(
            crate::session::fingerprint(&p),
            crate::session::fingerprint(&k)
        );

        assert!(
            parse("username = 'u'")
                .unwrap_err()
                .contains("set `tenant`")
        );
        assert!(
            parse("tenant = 't'\nbase_url = 'https://h'\nusername = 'u'")
                .unwrap_err()
                .contains("not both")
        );
        assert!(
            parse("tenant = 't'")
                .unwrap_err()
                .contains("needs `username`")
        );
        assert!(
            parse("tenant = 't'\nauth = 'secret-key'\nusername = 'u'")
                .unwrap_err()
                .contains("remove `username`")
        );
        assert!(
            parse("tenant = 't'\nusername = 'a:b'")
                .unwrap_err()
                .contains(":")
        );
        assert!(
            parse("tenant = 't'\nauth = 'token'")
                .unwrap_err()
                .contains("secret-key")
        );
        for bad in ["", "a.b", "-a", "https://x.api.primaerp.com", "a b"] {
            let err = parse(&format!("tenant = '{bad}'\nusername = 'u'")).unwrap_err();
            assert!(err.contains("not a tenant"), "{bad}: {err}");
        }
        assert!(
            parse("base_url = 'https://t.api.primaerp.com/v1'\nusername = 'u'")
                .unwrap_err()
                .contains("scheme and host")
        );
    }

    #[test]
    fn presentation_is_a_query_parameter() {
        let p = parse("tenant = 't'\nusername = 'u'").unwrap();
        let pres = p.present(&TokenSet::new(Secret::new("c0e0"), 0));
        assert!(pres.headers.is_empty());
        assert_eq!(pres.query.len(), 1);
        assert_eq!(pres.query[0].0, "token");
        assert_eq!(pres.query[0].1.expose(), "c0e0");
        assert!(p.single_use_refresh());
    }
}
