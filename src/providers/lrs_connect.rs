//! `lrs-connect`: the LRS Connect API (`lrs-connect.txt`).
//!
//! `POST {base}/rest/v4/oauth/token` with the JSON body
//! `{"scope":"OFFLINE_ACCESS","userName","password","grantType":"PASSWORD"}`
//! answers in camelCase: `tokenType`, `expiresIn` (a *string* of seconds),
//! `accessToken`, `scope`, `refreshToken`. The refresh request is not
//! documented; by default it is the same endpoint with
//! `{"grantType":"REFRESH_TOKEN","refreshToken":…}`, and `refresh` /
//! `refresh_url` change that. A rejected refresh falls back to a new login.
//! An inactive account is refused with the server's message.

use super::engine::{
    Body, Expiry, Field, Node, NotObject, Refusal, RequestSpec, ResponseSpec, Shape, Spec,
    Template, TimeFormat,
};
use super::{Provider, parse_base_url, parse_url, with_path};
use crate::fielderr::{FieldError, from_table};
use crate::secret::SecretName;
use serde::Deserialize;
use url::Url;

/// The documented host.
pub const DEFAULT_BASE_URL: &str = "https://connect.lrsus.com";
/// The token path, appended to the base URL.
pub const TOKEN_PATH: &str = "/rest/v4/oauth/token";

/// What to check when a login is refused (`{profile}`: the profile's name).
const REJECTED_HINT: &str = "check `username` and the password (`authtool login {profile}` stores it); LRS Connect refuses inactive accounts";

/// How a refresh token is redeemed (undocumented by LRS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RefreshStyle {
    /// JSON `{"grantType":"REFRESH_TOKEN","refreshToken":…}`, in the style
    /// of the login request.
    #[default]
    Json,
    /// RFC 6749 form `grant_type=refresh_token&refresh_token=…`.
    Form,
    /// Never use the refresh token: log in again with the password.
    None,
}

/// The profile keys as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    base_url: Option<String>,
    username: String,
    #[serde(default)]
    refresh: RefreshStyle,
    refresh_url: Option<String>,
}

/// A validated `lrs-connect` profile.
#[derive(Debug, Clone)]
pub struct LrsConnect {
    /// Scheme and host; [`TOKEN_PATH`] is appended.
    pub base_url: Url,
    pub username: String,
    pub refresh: RefreshStyle,
    /// Where refresh requests go; default the token URL.
    pub refresh_url: Option<Url>,
}

impl LrsConnect {
    pub fn from_table(table: toml::Table) -> Result<Self, FieldError> {
        let wire: Wire = from_table(table)?;
        let base_url = parse_base_url(
            "base_url",
            wire.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            TOKEN_PATH,
        )?;
        if wire.username.is_empty() {
            return Err(FieldError::invalid("username", "`username` is empty"));
        }
        let refresh_url = match &wire.refresh_url {
            Some(_) if wire.refresh == RefreshStyle::None => {
                return Err(FieldError::invalid(
                    "refresh_url",
                    "`refresh_url` is not used with refresh = \"none\"",
                ));
            }
            Some(url) => Some(parse_url("refresh_url", url)?),
            None => None,
        };
        Ok(LrsConnect {
            base_url,
            username: wire.username,
            refresh: wire.refresh,
            refresh_url,
        })
    }

    fn token_url(&self) -> Url {
        with_path(&self.base_url, TOKEN_PATH)
    }
}

/// The string fields of the answer (`expiresIn` may be a number or a string).
const ANSWER: &[(&str, Shape)] = &[
    ("accessToken", Shape::Text),
    ("refreshToken", Shape::Text),
    ("scope", Shape::Text),
    ("tokenType", Shape::Text),
];

/// The token answer, camelCase: "Data for inactive accounts will not be
/// returned", so a 200 without a token but with a message is a refusal,
/// not a malformed answer.
fn answer() -> ResponseSpec {
    let field = |name: &str| Field::named(&format!("/{name}"), name);
    ResponseSpec {
        not_object: NotObject::WithStatus,
        shape: ANSWER,
        refusal: Some(Refusal::MessageWithoutToken),
        token_type: Some(field("tokenType").keep_empty()),
        scope: Some(field("scope").keep_empty()),
        expires: Expiry::at(field("expiresIn"), TimeFormat::Seconds),
        refresh_token: Some(field("refreshToken")),
        ..ResponseSpec::new(field("accessToken"))
    }
}

impl Provider for LrsConnect {
    fn id(&self) -> &'static str {
        "lrs-connect"
    }

    fn secret_names(&self) -> Vec<SecretName> {
        vec![SecretName::Password]
    }

    fn identity(&self) -> Vec<(&'static str, String)> {
        vec![
            ("token_url", self.token_url().to_string()),
            ("username", self.username.clone()),
            ("scope", "OFFLINE_ACCESS".to_string()),
        ]
    }

    fn endpoint(&self) -> String {
        self.token_url().to_string()
    }

    /// The login body in the doc's order and case; the refresh request as
    /// `refresh` says (by default the login's style, to the token URL).
    fn spec(&self) -> Spec {
        let text = |s: &str| Node::from(Template::literal(s));
        let login = RequestSpec::post(self.token_url()).body(Body::json(vec![
            ("scope", text("OFFLINE_ACCESS")),
            ("userName", text(&self.username)),
            ("password", Template::secret(SecretName::Password).into()),
            ("grantType", text("PASSWORD")),
        ]));
        let url = self.refresh_url.clone().unwrap_or_else(|| self.token_url());
        let refresh = match self.refresh {
            RefreshStyle::Json => Some(Body::json(vec![
                ("grantType", text("REFRESH_TOKEN")),
                ("refreshToken", Template::refresh_token().into()),
            ])),
            RefreshStyle::Form => Some(Body::form(vec![
                ("grant_type", text("refresh_token")),
                ("refresh_token", Template::refresh_token().into()),
            ])),
            RefreshStyle::None => None,
        };
        let mut spec = Spec::new(login, answer(), REJECTED_HINT.to_string());
        spec.refresh = refresh.map(|body| RequestSpec::post(url).body(body));
        spec.drop_refresh_token = self.refresh == RefreshStyle::None;
        spec
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Kind;

    fn parse(s: &str) -> Result<LrsConnect, String> {
        crate::providers::parse_for_test(LrsConnect::from_table, s)
    }

    use crate::providers::engine::body_for_test;
    use crate::providers::test_response as resp;
    use crate::secret::Secret;
    use crate::{Result, http::Response, providers::TokenSet};

    /// The answer as the engine reads it for this vendor.
    fn parse_token(resp: &Response, endpoint: &str, now: u64, hint: &str) -> Result<TokenSet> {
        answer().read(resp, endpoint, now, hint)
    }

    #[test]
    fn config() {
        let p = parse("username = 'u'").unwrap();
        assert_eq!(
            p.endpoint(),
            "https://connect.lrsus.com/rest/v4/oauth/token"
        );
        assert_eq!(p.refresh, RefreshStyle::Json);
        let q = parse("base_url = 'http://127.0.0.1:9'\nusername = 'u'\nrefresh = 'form'\nrefresh_url = 'http://127.0.0.1:9/r'").unwrap();
        assert_eq!(q.endpoint(), "http://127.0.0.1:9/rest/v4/oauth/token");
        assert_eq!(q.refresh_url.unwrap().as_str(), "http://127.0.0.1:9/r");
        assert_ne!(p.identity(), parse("username = 'v'").unwrap().identity());

        assert!(
            parse("base_url = 'https://connect.lrsus.com/rest/v4/oauth/token'\nusername = 'u'")
                .unwrap_err()
                .contains("scheme and host")
        );
        assert!(parse("").unwrap_err().contains("username"));
        assert!(parse("username = ''").unwrap_err().contains("empty"));
        assert!(
            parse("username = 'u'\nrefresh = 'none'\nrefresh_url = 'https://h/r'")
                .unwrap_err()
                .contains("not used")
        );
        assert!(
            parse("username = 'u'\nrefresh = 'magic'")
                .unwrap_err()
                .contains("json")
        );
        assert!(parse("username = 'u'\nuserName = 'u'").is_err());
    }

    #[test]
    fn request_bodies_are_as_documented() {
        let spec = parse("username = 'username'").unwrap().spec();
        let (ct, body) = body_for_test(&spec.login, &[(SecretName::Password, "pw")], None);
        assert_eq!(ct, "application/json");
        assert_eq!(
            body,
            r#"{"scope":"OFFLINE_ACCESS","userName":"username","password":"pw","grantType":"PASSWORD"}"#
        );
        let rt = Secret::new("wZNB");
        let refresh = spec.refresh.as_ref().unwrap();
        let (ct, body) = body_for_test(refresh, &[], Some(&rt));
        assert_eq!(ct, "application/json");
        assert_eq!(
            body,
            r#"{"grantType":"REFRESH_TOKEN","refreshToken":"wZNB"}"#
        );
        assert_eq!(
            refresh.endpoint,
            "https://connect.lrsus.com/rest/v4/oauth/token"
        );
        assert!(!spec.drop_refresh_token);
        let form = parse("username = 'u'\nrefresh = 'form'\nrefresh_url = 'https://h/r'")
            .unwrap()
            .spec();
        let refresh = form.refresh.as_ref().unwrap();
        let (ct, body) = body_for_test(refresh, &[], Some(&rt));
        assert_eq!(ct, "application/x-www-form-urlencoded");
        assert_eq!(body, "grant_type=refresh_token&refresh_token=wZNB");
        assert_eq!(refresh.endpoint, "https://h/r");
        let none = parse("username = 'u'\nrefresh = 'none'").unwrap().spec();
        assert!(none.refresh.is_none() && none.drop_refresh_token);
    }

    #[test]
    fn documented_response_with_string_expiry() {
        let body = r#"{"tokenType":"Bearer","expiresIn":"3600","accessToken":"eyJr.eyJ2.sk","scope":"offline_access","refreshToken":"wZNBvgaPrP_SzjWvZd90Wpc5KmuC3xs18b32323230"}"#;
        let t = parse_token(&resp(200, body), "E", 1000, "inactive?").unwrap();
        assert_eq!(t.access_token.expose(), "eyJr.eyJ2.sk");
        assert_eq!(t.expires_at, Some(4600));
        assert_eq!(t.token_type, "Bearer");
        assert_eq!(t.scope.as_deref(), Some("offline_access"));
        assert_eq!(
            t.refresh_token.unwrap().expose(),
            "wZNBvgaPrP_SzjWvZd90Wpc5KmuC3xs18b32323230"
        );
        let t = parse_token(
            &resp(200, r#"{"accessToken":"a","expiresIn":60}"#),
            "E",
            0,
            "inactive?",
        )
        .unwrap();
        assert_eq!(t.expires_at, Some(60));
    }

    #[test]
    fn inactive_accounts_are_rejections_with_the_message() {
        for (status, body) in [
            (
                403,
                r#"{"errorCode":"ACCOUNT_INACTIVE","message":"User account is inactive"}"#,
            ),
            (200, r#"{"message":"User account is inactive"}"#),
        ] {
            let err = parse_token(&resp(status, body), "E", 0, "inactive?").unwrap_err();
            assert_eq!(err.kind, Kind::Rejected, "{body}");
            assert!(
                err.message.contains("User account is inactive"),
                "{}",
                err.message
            );
            assert!(err.hints[0].contains("inactive"));
        }
    }

    #[test]
    fn malformed_responses() {
        for body in [
            r#"{"access_token":"snake_case"}"#,
            r#"{"accessToken":"a","expiresIn":"an hour"}"#,
            r#"{"accessToken":"a b"}"#,
            r#"{}"#,
            "<html/>",
        ] {
            let err = parse_token(&resp(200, body), "E", 0, "inactive?").unwrap_err();
            assert_eq!(err.kind, Kind::Network, "{body}");
        }
    }
}
