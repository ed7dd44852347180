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

use super::engine::{
    BasicEncoding, Expiry, Field, NotObject, RequestSpec, ResponseSpec, Shape, Spec, Template,
    TimeFormat,
};
use super::{OneOf, Presentation, Provider, TokenSet, one_of, parse_base_url, with_path};
use crate::error::{Error, Result};
use crate::fielderr::{FieldError, from_table};
use crate::http::Method;
use crate::secret::{Secret, SecretName};
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

    /// What to check when a login is refused (`{profile}`: the profile's name).
    fn rejected_hint(&self) -> String {
        let what = match self.auth {
            Auth::User => "`username`, the password and the API key",
            Auth::SecretKey => "the secret key and the API key",
        };
        format!("check {what} (`authtool login {{profile}}` stores them)")
    }

    /// A GET to `path?apikey=…`.
    fn get(&self, path: &str) -> RequestSpec {
        RequestSpec::new(Method::Get, self.url(path))
            .query("apikey", Template::secret(SecretName::ApiKey))
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

/// A secret key is sent as the HTTP Basic user name, which cannot hold `:`.
fn check_secret_key(key: &Secret) -> Result<()> {
    if key.expose().contains(':') {
        return Err(Error::config(
            "the primaERP secret key contains `:`, which HTTP Basic cannot carry as a user name",
        )
        .hint("check the secret key (`authtool login PROFILE` stores it)"));
    }
    Ok(())
}

/// `token` and `refreshToken` are strings; the dates are read as `/Date(ms)/`.
const ANSWER: &[(&str, Shape)] = &[("token", Shape::Text), ("refreshToken", Shape::Text)];

/// The login and refresh answer: `token`, `expiration`, `refreshToken`,
/// `refreshExpiration`, the dates as `/Date(ms)/` (absent: unknown).
fn answer() -> ResponseSpec {
    let field = |name: &str| Field::named(&format!("/{name}"), name);
    ResponseSpec {
        not_object: NotObject::WithStatus,
        shape: ANSWER,
        expires: Expiry::only(field("expiration"), TimeFormat::MsDate),
        refresh_token: Some(field("refreshToken")),
        refresh_expires: Some(Expiry::only(field("refreshExpiration"), TimeFormat::MsDate)),
        ..ResponseSpec::new(field("token"))
    }
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

    /// HTTP Basic `username:password`, or the secret key (checked for `:`
    /// before the API key is read) and an empty password. The refresh is
    /// sent once (not idempotent): a refresh whose answer was lost or
    /// unusable may still have spent the single-use token, so the session
    /// never sends it again and logs in instead (see `session`).
    fn spec(&self) -> Spec {
        let mut login = self.get(LOGIN_PATH);
        login = match self.auth {
            Auth::User => {
                let user = Template::literal(self.username.as_deref().unwrap_or_default());
                login.secrets = vec![SecretName::Password, SecretName::ApiKey];
                login.basic(
                    user,
                    Template::secret(SecretName::Password),
                    BasicEncoding::Raw,
                )
            }
            Auth::SecretKey => {
                login.secrets = vec![SecretName::SecretKey, SecretName::ApiKey];
                login.secret_check = Some((SecretName::SecretKey, check_secret_key));
                let key = Template::secret(SecretName::SecretKey);
                login.basic(key, Template::literal(""), BasicEncoding::Raw)
            }
        };
        let refresh = self
            .get(REFRESH_PATH)
            .query("refresh_token", Template::refresh_token());
        let mut spec = Spec::new(login, answer(), self.rejected_hint());
        spec.refresh = Some(refresh);
        spec.single_use_refresh = true;
        spec
    }

    /// `?token=<token>`: no header.
    fn present(&self, token: &TokenSet) -> Presentation {
        Presentation::query(TOKEN_PARAM, token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Kind;

    fn parse(s: &str) -> Result<Primaerp, String> {
        crate::providers::parse_for_test(Primaerp::from_table, s)
    }

    use crate::http::Response;
    use crate::providers::test_response as resp;

    /// The answer as the engine reads it for this vendor.
    fn parse_token(resp: &Response, endpoint: &str, now: u64, hint: &str) -> Result<TokenSet> {
        answer().read(resp, endpoint, now, hint)
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
        assert_ne!(p.identity(), k.identity());

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
        assert!(p.spec().single_use_refresh);
    }
}
