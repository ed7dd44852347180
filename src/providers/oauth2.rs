//! `oauth2`: any RFC 6749 token endpoint (Keycloak, Auth0, Okta, Entra ID,
//! the Organization API of organization-api.txt, …).
//!
//! Grants `client_credentials` and `password`; renewal with
//! `grant_type=refresh_token`. Client authentication `basic` (RFC 6749
//! §2.3.1: id and secret form-urlencoded, then base64), `body`, or `query`
//! (organization-api.txt's "query parameters" variant). The token request
//! and response code here is reused by vendors that are OAuth2 underneath.

use super::{Ctx, Provider, TokenSet, check_token, expiry, lifetime_secs, token_type};
use crate::config::{FieldError, SecretName, from_table};
use crate::error::{Error, Result};
use crate::http::{Method, Request, Response};
use crate::log::sanitize_remote;
use crate::secret::Secret;
use crate::timefmt;
use serde::Deserialize;
use std::collections::BTreeMap;
use url::Url;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    #[default]
    ClientCredentials,
    Password,
}

/// Where the client id and secret go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// `Authorization: Basic base64(urlenc(id):urlenc(secret))` (RFC 6749 §2.3.1).
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Body,
    /// `client_id` and `client_secret` in the URL query string.
    Query,
}

/// The `oauth2` provider's keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth2 {
    /// The full token endpoint URL.
    pub token_url: String,
    #[serde(default)]
    pub grant: Grant,
    #[serde(default)]
    pub client_auth: ClientAuth,
    pub client_id: String,
    /// The resource owner, for `grant = "password"`.
    pub username: Option<String>,
    pub scope: Option<String>,
    pub audience: Option<String>,
    pub resource: Option<String>,
    /// Extra form fields sent with every token request.
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
    #[serde(skip)]
    url: Option<Url>,
}

/// Form fields authtool sets itself; `extra` may not override them.
const RESERVED: &[&str] = &[
    "grant_type",
    "client_id",
    "client_secret",
    "username",
    "password",
    "refresh_token",
    "scope",
    "audience",
    "resource",
];

impl OAuth2 {
    pub fn from_table(table: toml::Table) -> Result<Self, FieldError> {
        let mut cfg: OAuth2 = from_table(table)?;
        cfg.url = Some(parse_url("token_url", &cfg.token_url)?);
        if cfg.grant == Grant::Password && cfg.username.is_none() {
            return Err(FieldError::invalid(
                "username",
                "grant = \"password\" needs `username`",
            ));
        }
        if cfg.grant == Grant::ClientCredentials && cfg.username.is_some() {
            return Err(FieldError::invalid(
                "username",
                "`username` is only used with grant = \"password\"",
            ));
        }
        if let Some(key) = cfg.extra.keys().find(|k| RESERVED.contains(&k.as_str())) {
            return Err(FieldError::invalid(
                "extra",
                format!("`extra` may not set `{key}`; use the profile key of that name"),
            ));
        }
        Ok(cfg)
    }

    fn url(&self) -> Url {
        self.url
            .clone()
            .unwrap_or_else(|| Url::parse(&self.token_url).expect("validated in from_table"))
    }

    fn client(&self, ctx: &Ctx) -> Result<Client> {
        Ok(Client {
            token_url: self.url(),
            auth: self.client_auth,
            basic: BasicEncoding::FormUrlencoded,
            client_id: self.client_id.clone(),
            client_secret: ctx.secret(SecretName::ClientSecret)?,
        })
    }

    /// scope, audience, resource and extra fields.
    fn common_fields(&self) -> Vec<(String, String)> {
        let mut fields = Vec::new();
        for (key, value) in [
            ("scope", &self.scope),
            ("audience", &self.audience),
            ("resource", &self.resource),
        ] {
            if let Some(v) = value {
                fields.push((key.to_string(), v.clone()));
            }
        }
        fields.extend(self.extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        fields
    }
}

pub(crate) fn parse_url(key: &'static str, text: &str) -> Result<Url, FieldError> {
    let url = Url::parse(text)
        .map_err(|e| FieldError::invalid(key, format!("`{text}` is not a valid URL: {e}")))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(FieldError::invalid(
            key,
            format!("`{text}` must be an https:// URL"),
        ));
    }
    Ok(url)
}

impl Provider for OAuth2 {
    fn id(&self) -> &'static str {
        "oauth2"
    }

    fn secret_names(&self) -> Vec<SecretName> {
        match self.grant {
            Grant::ClientCredentials => vec![SecretName::ClientSecret],
            Grant::Password => vec![SecretName::ClientSecret, SecretName::Password],
        }
    }

    fn identity(&self) -> Vec<(&'static str, String)> {
        let mut id = vec![
            ("token_url", self.token_url.clone()),
            ("client_id", self.client_id.clone()),
            ("grant", format!("{:?}", self.grant)),
        ];
        if let Some(u) = &self.username {
            id.push(("username", u.clone()));
        }
        for (k, v) in self.common_fields() {
            id.push(("field", format!("{k}={v}")));
        }
        id
    }

    fn endpoint(&self) -> String {
        self.token_url.clone()
    }

    fn login(&self, ctx: &Ctx) -> Result<TokenSet> {
        let client = self.client(ctx)?;
        let mut fields = self.common_fields();
        let password;
        match self.grant {
            Grant::ClientCredentials => {
                fields.insert(0, ("grant_type".into(), "client_credentials".into()));
            }
            Grant::Password => {
                password = ctx.secret(SecretName::Password)?;
                fields.insert(0, ("grant_type".into(), "password".into()));
                fields.insert(
                    1,
                    ("username".into(), self.username.clone().unwrap_or_default()),
                );
                fields.insert(2, ("password".into(), password.expose().to_string()));
            }
        }
        let fields = Secret::new(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&fields)
                .finish(),
        );
        client.request(ctx, fields, true)
    }

    fn refresh(&self, ctx: &Ctx, refresh_token: &Secret) -> Result<TokenSet> {
        let client = self.client(ctx)?;
        let mut fields: Vec<(String, String)> = vec![
            ("grant_type".into(), "refresh_token".into()),
            ("refresh_token".into(), refresh_token.expose().to_string()),
        ];
        if let Some(scope) = &self.scope {
            fields.push(("scope".into(), scope.clone()));
        }
        let body = Secret::new(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&fields)
                .finish(),
        );
        client.request(ctx, body, false)
    }
}

/// How `client_id:client_secret` is encoded for HTTP Basic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BasicEncoding {
    /// RFC 6749 §2.3.1: each half form-urlencoded, then base64.
    FormUrlencoded,
    /// The raw UTF-8 `id:secret`, as some vendors document it.
    Raw,
}

/// An OAuth2 client: where to ask and how to authenticate. Vendors that
/// are OAuth2 underneath build one and call [`Client::request`].
pub struct Client {
    pub token_url: Url,
    pub auth: ClientAuth,
    pub basic: BasicEncoding,
    pub client_id: String,
    pub client_secret: Secret,
}

impl Client {
    /// POSTs the form `fields` (already urlencoded, without client
    /// credentials) to the token endpoint and parses the answer.
    /// `idempotent` is false for refresh requests.
    pub fn request(&self, ctx: &Ctx, fields: Secret, idempotent: bool) -> Result<TokenSet> {
        let mut url = self.token_url.clone();
        let mut body = fields.expose().to_string();
        let mut req_basic = None;
        match self.auth {
            ClientAuth::Basic => {
                let (id, secret) = match self.basic {
                    BasicEncoding::FormUrlencoded => (
                        form_encode(&self.client_id),
                        Secret::new(form_encode(self.client_secret.expose())),
                    ),
                    BasicEncoding::Raw => (self.client_id.clone(), self.client_secret.clone()),
                };
                req_basic = Some((id, secret));
            }
            ClientAuth::Body => {
                let creds = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("client_id", &self.client_id)
                    .append_pair("client_secret", self.client_secret.expose())
                    .finish();
                body = format!("{body}&{creds}");
            }
            ClientAuth::Query => {
                url.query_pairs_mut()
                    .append_pair("client_id", &self.client_id)
                    .append_pair("client_secret", self.client_secret.expose());
            }
        }
        let mut req = Request::new(Method::Post, url);
        req.body = Some(("application/x-www-form-urlencoded", Secret::new(body)));
        req.idempotent = idempotent;
        if let Some((id, secret)) = req_basic {
            req = req.basic(&id, secret.expose());
        }
        let resp = ctx.http.send(&req)?;
        parse_token_response(&resp, self.token_url.as_str(), timefmt::now())
    }
}

fn form_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Parses an RFC 6749 §5.1 success or §5.2 error response.
pub fn parse_token_response(resp: &Response, endpoint: &str, now: u64) -> Result<TokenSet> {
    if resp.status >= 500 {
        return Err(Error::network(format!(
            "{endpoint} answered HTTP {}: {}",
            resp.status,
            resp.excerpt()
        ))
        .hint("the server has a problem; try again later"));
    }
    if resp.status != 200 {
        return Err(error_response(resp, endpoint));
    }
    let body = resp.json(endpoint)?;
    let obj = body.as_object().ok_or_else(|| {
        Error::network(format!(
            "{endpoint} answered with JSON that is not an object"
        ))
    })?;
    let access = match obj.get("access_token") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(_) => {
            return Err(Error::network(format!(
                "{endpoint} sent `access_token` that is not a string"
            )));
        }
        None => {
            return Err(Error::network(format!(
                "{endpoint} answered HTTP 200 without `access_token`"
            )));
        }
    };
    check_token("access_token", &access)?;
    let mut set = TokenSet::new(Secret::new(access), now);
    if let Some(t) = obj.get("token_type").and_then(|v| v.as_str()) {
        set.token_type = token_type(t);
    }
    set.expires_at = expiry("expires_in", obj.get("expires_in"), &set.access_token, now)?;
    match obj.get("refresh_token") {
        Some(serde_json::Value::String(s)) if !s.is_empty() => {
            check_token("refresh_token", s)?;
            set.refresh_token = Some(Secret::new(s.clone()));
        }
        Some(serde_json::Value::String(_)) | Some(serde_json::Value::Null) | None => {}
        Some(_) => {
            return Err(Error::network(format!(
                "{endpoint} sent `refresh_token` that is not a string"
            )));
        }
    }
    if let Some(v) = obj.get("refresh_token_expires_in").filter(|v| !v.is_null()) {
        set.refresh_expires_at = Some(now + lifetime_secs("refresh_token_expires_in", v)?);
    }
    set.scope = obj
        .get("scope")
        .and_then(|v| v.as_str())
        .map(sanitize_remote);
    Ok(set)
}

/// Turns a non-200 answer into an error, showing RFC 6749's `error` and
/// `error_description` when the server sent them.
pub fn error_response(resp: &Response, endpoint: &str) -> Error {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(&resp.body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(|v| v.as_str())
            .map(sanitize_remote)
    };
    let code = field("error");
    let description = field("error_description");
    let mut msg = format!("{endpoint} answered HTTP {}", resp.status);
    if let Some(code) = &code {
        msg.push_str(&format!(": {code}"));
    }
    if let Some(d) = &description {
        msg.push_str(&format!(" ({d})"));
    }
    if code.is_none() && description.is_none() && !resp.body.is_empty() {
        msg.push_str(&format!(": {}", resp.excerpt()));
    }
    let rejected = matches!(resp.status, 400 | 401 | 403)
        && (code.is_some() || matches!(resp.status, 401 | 403));
    if !rejected {
        return Error::network(msg);
    }
    let err = Error::rejected(msg);
    match code.as_deref() {
        Some("invalid_client") | Some("unauthorized_client") => err
            .hint("the client id or client secret is wrong: check client_id and run `authtool login` to store the right secret"),
        Some("invalid_grant") => err.hint(
            "the password or refresh token was not accepted: run `authtool login` to store the right password",
        ),
        Some("invalid_scope") => err.hint("check `scope` in the profile"),
        Some("unsupported_grant_type") => err.hint("check `grant` in the profile"),
        _ => err,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::providers::test_response as resp;

    #[test]
    fn success_with_numeric_and_string_expiry() {
        let t = parse_token_response(
            &resp(200, r#"{"access_token":"a","token_type":"bearer","expires_in":3600,"refresh_token":"r"}"#),
            "e",
            1000,
        )
        .unwrap();
        assert_eq!(t.expires_at, Some(4600));
        assert_eq!(t.token_type, "Bearer");
        assert_eq!(t.refresh_token.unwrap().expose(), "r");
        let t = parse_token_response(
            &resp(200, r#"{"access_token":"a","expires_in":"60"}"#),
            "e",
            0,
        )
        .unwrap();
        assert_eq!(t.expires_at, Some(60));
        assert!(t.refresh_token.is_none());
    }

    #[test]
    fn malformed_bodies() {
        for body in [
            "<html>oops</html>",
            "[]",
            r#"{"token_type":"Bearer"}"#,
            r#"{"access_token":5}"#,
            r#"{"access_token":"a b"}"#,
            r#"{"access_token":"a","expires_in":"x"}"#,
            r#"{"access_token":"a","expires_in":-3}"#,
            r#"{"access_token":"a","expires_in":1e300}"#,
        ] {
            let err = parse_token_response(&resp(200, body), "e", 0).unwrap_err();
            assert_eq!(err.kind, crate::Kind::Network, "{body}");
        }
    }

    #[test]
    fn rfc6749_errors() {
        let err = parse_token_response(
            &resp(
                401,
                r#"{"error":"invalid_client","error_description":"bad \u001b secret"}"#,
            ),
            "https://x/token",
            0,
        )
        .unwrap_err();
        assert_eq!(err.kind, crate::Kind::Rejected);
        assert!(
            err.message.contains("invalid_client (bad   secret)"),
            "{}",
            err.message
        );
        let err = parse_token_response(&resp(503, "busy"), "e", 0).unwrap_err();
        assert_eq!(err.kind, crate::Kind::Network);
        let err = parse_token_response(&resp(404, "nope"), "e", 0).unwrap_err();
        assert_eq!(err.kind, crate::Kind::Network);
    }

    #[test]
    fn config_validation() {
        let table = |s: &str| -> toml::Table { toml::from_str(s).unwrap() };
        assert!(OAuth2::from_table(table("token_url='https://a/t'\nclient_id='c'")).is_ok());
        assert!(OAuth2::from_table(table("token_url='nope'\nclient_id='c'")).is_err());
        assert!(
            OAuth2::from_table(table(
                "token_url='https://a/t'\nclient_id='c'\ngrant='password'"
            ))
            .is_err()
        );
        assert!(
            OAuth2::from_table(table(
                "token_url='https://a/t'\nclient_id='c'\nextra={grant_type='x'}"
            ))
            .is_err()
        );
    }

    #[test]
    fn basic_is_form_encoded() {
        assert_eq!(form_encode("a:b c+%é"), "a%3Ab+c%2B%25%C3%A9");
    }
}
