//! `connect-enterprise`: PRIMO's Connect Enterprise API
//! (`connect-enterprise.txt`).
//!
//! `POST {base}/v1/auth/login` with the JSON body `{"clientid","secret"}`
//! answers `{"data":{"token":JWT},"errors":null}`. There is no refresh
//! token: renewal is a new login. Expiry comes from the JWT's `exp` claim.
//! Development and production have their own base URLs and credentials; the
//! environment and URL are part of the identity, so a token from one is
//! never served for the other (the doc's "Environment Isolation").

use super::engine::{
    Body, Field, NotObject, Refusal, RequestSpec, ResponseSpec, Shape, Spec, Template,
};
use super::{OneOf, Provider, one_of, parse_base_url, with_path};
use crate::fielderr::{FieldError, from_table};
use crate::secret::SecretName;
use serde::Deserialize;
use url::Url;

/// The documented development base URL.
pub const DEVELOPMENT_URL: &str =
    "https://lfs-connect-enterprise-api-dev-h7ekhqc6g0g2greg.centralus-01.azurewebsites.net";
/// The documented production base URL.
pub const PRODUCTION_URL: &str =
    "https://lfs-connect-enterprise-api-prod-d6hrg8hrg9bphpc7.centralus-01.azurewebsites.net";
/// The login path, appended to the base URL.
pub const LOGIN_PATH: &str = "/v1/auth/login";

/// What to check when the login is refused (`{profile}`: the profile's name).
const REJECTED_HINT: &str = "check `client_id` and the client secret (`authtool login {profile}` stores it); development and production have separate credentials";

/// The two documented environments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

impl Environment {
    pub fn name(self) -> &'static str {
        match self {
            Environment::Development => "development",
            Environment::Production => "production",
        }
    }

    pub fn base_url(self) -> &'static str {
        match self {
            Environment::Development => DEVELOPMENT_URL,
            Environment::Production => PRODUCTION_URL,
        }
    }
}

/// The profile keys as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    environment: Option<Environment>,
    base_url: Option<String>,
    client_id: String,
}

/// A validated `connect-enterprise` profile.
#[derive(Debug, Clone)]
pub struct ConnectEnterprise {
    /// `None` when `base_url` is given instead.
    pub environment: Option<Environment>,
    /// Scheme and host; [`LOGIN_PATH`] is appended.
    pub base_url: Url,
    pub client_id: String,
}

impl ConnectEnterprise {
    pub fn from_table(table: toml::Table) -> Result<Self, FieldError> {
        let wire: Wire = from_table(table)?;
        let base = match one_of(
            ("environment", wire.environment),
            ("base_url", wire.base_url.as_deref()),
        )? {
            OneOf::First(env) => env.base_url(),
            OneOf::Second(url) => url,
        };
        let base_url = parse_base_url("base_url", base, LOGIN_PATH)?;
        if wire.client_id.trim().is_empty() {
            return Err(FieldError::invalid("client_id", "`client_id` is empty"));
        }
        Ok(ConnectEnterprise {
            environment: wire.environment,
            base_url,
            client_id: wire.client_id,
        })
    }

    fn login_url(&self) -> Url {
        with_path(&self.base_url, LOGIN_PATH)
    }
}

/// `{"data":{"token":…},"errors":null}`: `data` an object or null, the
/// token a string.
const ANSWER: &[(&str, Shape)] = &[("data", Shape::Object(&[("token", Shape::Text)]))];

impl Provider for ConnectEnterprise {
    fn id(&self) -> &'static str {
        "connect-enterprise"
    }

    fn secret_names(&self) -> Vec<SecretName> {
        vec![SecretName::ClientSecret]
    }

    fn identity(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "environment",
                self.environment.map_or("custom", Environment::name).into(),
            ),
            ("base_url", self.base_url.to_string()),
            ("client_id", self.client_id.clone()),
        ]
    }

    fn endpoint(&self) -> String {
        self.login_url().to_string()
    }

    /// `POST` the JSON body `{"clientid","secret"}` exactly as documented
    /// (lower-case `clientid`); a 200 whose `errors` says anything is a
    /// refusal; the expiry is the JWT's.
    fn spec(&self) -> Spec {
        let login = RequestSpec::post(self.login_url()).body(Body::json(vec![
            ("clientid", Template::literal(&self.client_id).into()),
            ("secret", Template::secret(SecretName::ClientSecret).into()),
        ]));
        let mut response = ResponseSpec::new(Field::named("/data/token", "data.token"));
        response.not_object = NotObject::WithStatus;
        response.shape = ANSWER;
        response.refusal = Some(Refusal::NonEmpty(Field::at("/errors")));
        Spec::new(login, response, REJECTED_HINT.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Kind;
    use base64::Engine;

    fn parse(s: &str) -> Result<ConnectEnterprise, String> {
        crate::providers::parse_for_test(ConnectEnterprise::from_table, s)
    }

    use crate::providers::test_response as resp;
    use crate::{Result, http::Response, providers::TokenSet};

    /// The answer as the engine reads it for this vendor.
    fn parse_login(resp: &Response, endpoint: &str, now: u64, hint: &str) -> Result<TokenSet> {
        let p = parse("environment = 'production'\nclient_id = 'c'").unwrap();
        p.spec().response.read(resp, endpoint, now, hint)
    }

    fn jwt(exp: u64) -> String {
        let enc = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!(
            "{}.{}.sig",
            enc(r#"{"alg":"RS256"}"#),
            enc(&format!(r#"{{"exp":{exp},"scope":"orders.read"}}"#))
        )
    }

    #[test]
    fn environments_select_the_documented_urls() {
        let dev = parse("environment = 'development'\nclient_id = 'c'").unwrap();
        assert_eq!(dev.endpoint(), format!("{DEVELOPMENT_URL}/v1/auth/login"));
        let prod = parse("environment = 'production'\nclient_id = 'c'").unwrap();
        assert_eq!(prod.endpoint(), format!("{PRODUCTION_URL}/v1/auth/login"));
        assert_ne!(dev.identity(), prod.identity());
        let custom = parse("base_url = 'http://127.0.0.1:8080'\nclient_id = 'c'").unwrap();
        assert_eq!(custom.endpoint(), "http://127.0.0.1:8080/v1/auth/login");
        assert_eq!(custom.identity()[0], ("environment", "custom".to_string()));
    }

    #[test]
    fn config_validation() {
        let err = |s: &str| parse(s).err().unwrap_or_else(|| panic!("accepted: {s}"));
        assert!(err("client_id = 'c'").contains("set `environment`"));
        assert!(
            err("environment = 'production'\nbase_url = 'https://h'\nclient_id = 'c'")
                .contains("not both")
        );
        assert!(err("environment = 'staging'\nclient_id = 'c'").contains("development"));
        assert!(
            err("base_url = 'https://h/v1/auth/login'\nclient_id = 'c'")
                .contains("only a scheme and host")
        );
        assert!(err("environment = 'production'").contains("client_id"));
        assert!(err("environment = 'production'\nclient_id = ''").contains("empty"));
        assert!(
            err("environment = 'production'\nclient_id = 'c'\nclientid = 'c'").contains("clientid")
        );
    }

    #[test]
    fn request_body_is_as_documented() {
        let p = parse("environment = 'production'\nclient_id = 'abc'").unwrap();
        let spec = p.spec();
        let (ct, body) = crate::providers::engine::body_for_test(
            &spec.login,
            &[(SecretName::ClientSecret, "s3cret")],
            None,
        );
        assert_eq!(ct, "application/json");
        assert_eq!(body, r#"{"clientid":"abc","secret":"s3cret"}"#);
        assert_eq!(spec.login.secret_order(), [SecretName::ClientSecret]);
        assert!(spec.refresh.is_none());
    }

    #[test]
    fn success_takes_expiry_from_the_jwt() {
        let token = jwt(1_700_000_000);
        let body = format!(r#"{{"data":{{"token":"{token}"}},"errors":null}}"#);
        let set = parse_login(&resp(200, &body), "E", 1_699_990_000, "hint").unwrap();
        assert_eq!(set.access_token.expose(), token);
        assert_eq!(set.expires_at, Some(1_700_000_000));
        assert_eq!(set.token_type, "Bearer");
        assert!(set.refresh_token.is_none());
        // Not a JWT: the session applies token_lifetime.
        let set =
            parse_login(&resp(200, r#"{"data":{"token":"opaque"}}"#), "E", 0, "hint").unwrap();
        assert_eq!(set.expires_at, None);
    }

    #[test]
    fn errors_are_rejections_with_the_servers_message() {
        let err = parse_login(
            &resp(
                200,
                r#"{"data":null,"errors":[{"code":"AUTH001","message":"Invalid client credentials"}]}"#,
            ), "E", 0, "hint")
        .unwrap_err();
        assert_eq!(err.kind, Kind::Rejected);
        assert!(
            err.message.contains("AUTH001: Invalid client credentials"),
            "{}",
            err.message
        );
        let err = parse_login(
            &resp(
                401,
                r#"{"data":null,"errors":["Invalid clientid or secret"]}"#,
            ),
            "E",
            0,
            "hint",
        )
        .unwrap_err();
        assert_eq!(err.kind, Kind::Rejected);
        assert!(
            err.message.contains("Invalid clientid or secret"),
            "{}",
            err.message
        );
        assert!(!err.hints.is_empty());
    }

    #[test]
    fn malformed_and_server_errors() {
        for (status, body) in [
            (200, r#"{"data":{},"errors":null}"#),
            (200, r#"{"data":{"token":""}}"#),
            (200, r#"{"data":{"token":"a b"}}"#),
            (200, r#"{"data":{"token":5}}"#),
            (200, "<html></html>"),
            (500, r#"{"errors":["boom"]}"#),
            (404, ""),
        ] {
            let err = parse_login(&resp(status, body), "E", 0, "hint").unwrap_err();
            assert_eq!(err.kind, Kind::Network, "{status} {body}");
        }
    }
}
