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

use super::oauth2::parse_url;
use super::{
    Ctx, Provider, TokenSet, decode, expiry, json_body, optional_token, parse_base_url,
    remote_message, required_token, token_type, vendor_error, with_path,
};
use crate::config::{FieldError, SecretName, from_table};
use crate::error::{Error, Result};
use crate::http::{Method, Request, Response};
use crate::log::sanitize_remote;
use crate::secret::Secret;
use crate::timefmt;
use serde::{Deserialize, Serialize};
use url::Url;

/// The documented host.
pub const DEFAULT_BASE_URL: &str = "https://connect.lrsus.com";
/// The token path, appended to the base URL.
pub const TOKEN_PATH: &str = "/rest/v4/oauth/token";

/// What to check when a login is refused.
fn rejected_hint(profile: &str) -> String {
    format!(
        "check `username` and the password (`authtool login {profile}` stores it); LRS Connect refuses inactive accounts"
    )
}

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

    /// POSTs `body` to `url` and parses the token answer.
    fn post(
        &self,
        ctx: &Ctx,
        url: Url,
        body: (&'static str, Secret),
        idempotent: bool,
    ) -> Result<TokenSet> {
        let endpoint = url.to_string();
        let mut req = Request::new(Method::Post, url);
        req.body = Some(body);
        req.idempotent = idempotent;
        let resp = ctx.http.send(&req)?;
        parse_token(
            &resp,
            &endpoint,
            timefmt::now(),
            &rejected_hint(&ctx.profile.name),
        )
    }
}

/// The login body, in the doc's order and case.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LoginRequest<'a> {
    scope: &'static str,
    user_name: &'a str,
    password: &'a Secret,
    grant_type: &'static str,
}

/// The default refresh body.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RefreshRequest<'a> {
    grant_type: &'static str,
    refresh_token: &'a Secret,
}

/// The token answer (camelCase; `expiresIn` is a string).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenResponse {
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    access_token: Option<Secret>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    refresh_token: Option<Secret>,
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
    if wire.access_token.as_ref().is_none_or(Secret::is_empty) {
        // "Data for inactive accounts will not be returned": a 200 without
        // a token but with a message is a refusal, not a malformed answer.
        let message = resp.json(endpoint).ok().and_then(|v| remote_message(&v));
        if let Some(message) = message {
            return Err(
                Error::rejected(format!("{endpoint} refused the login: {message}")).hint(hint),
            );
        }
    }
    let token = required_token(endpoint, "accessToken", wire.access_token)?;
    let mut set = TokenSet::new(token, now);
    if let Some(t) = &wire.token_type {
        set.token_type = token_type(t);
    }
    set.expires_at = expiry(
        "expiresIn",
        wire.expires_in.as_ref(),
        &set.access_token,
        now,
    )?;
    set.refresh_token = optional_token("refreshToken", wire.refresh_token)?;
    set.scope = wire.scope.as_deref().map(sanitize_remote);
    Ok(set)
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

    fn login(&self, ctx: &Ctx) -> Result<TokenSet> {
        let password = ctx.secret(SecretName::Password)?;
        let body = json_body(&LoginRequest {
            scope: "OFFLINE_ACCESS",
            user_name: &self.username,
            password: &password,
            grant_type: "PASSWORD",
        })?;
        let mut set = self.post(ctx, self.token_url(), body, true)?;
        if self.refresh == RefreshStyle::None {
            set.refresh_token = None;
        }
        Ok(set)
    }

    fn refresh(&self, ctx: &Ctx, refresh_token: &Secret) -> Result<TokenSet> {
        let url = self.refresh_url.clone().unwrap_or_else(|| self.token_url());
        let body = match self.refresh {
            RefreshStyle::Json => json_body(&RefreshRequest {
                grant_type: "REFRESH_TOKEN",
                refresh_token,
            })?,
            RefreshStyle::Form => (
                "application/x-www-form-urlencoded",
                Secret::new(
                    url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("grant_type", "refresh_token")
                        .append_pair("refresh_token", refresh_token.expose())
                        .finish(),
                ),
            ),
            RefreshStyle::None => return self.login(ctx),
        };
        self.post(ctx, url, body, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Kind;

    fn parse(s: &str) -> Result<LrsConnect, String> {
        crate::providers::parse_for_test(LrsConnect::from_table, s)
    }

    use crate::providers::test_response as resp;

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
        assert_ne!(
            crate::session::fingerprint(&p),
            crate::session::fingerprint(&parse("username = 'v'").unwrap())
        );

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
        let pw = Secret::new("pw");
        let (ct, body) = json_body(&LoginRequest {
            scope: "OFFLINE_ACCESS",
            user_name: "username",
            password: &pw,
            grant_type: "PASSWORD",
        })
        .unwrap();
        assert_eq!(ct, "application/json");
        assert_eq!(
            body.expose(),
            r#"{"scope":"OFFLINE_ACCESS","userName":"username","password":"pw","grantType":"PASSWORD"}"#
        );
        let rt = Secret::new("wZNB");
        let (_, body) = json_body(&RefreshRequest {
            grant_type: "REFRESH_TOKEN",
            refresh_token: &rt,
        })
        .unwrap();
        assert_eq!(
            body.expose(),
            r#"{"grantType":"REFRESH_TOKEN","refreshToken":"wZNB"}"#
        );
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
