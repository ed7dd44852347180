//! `oauth2`: any RFC 6749 token endpoint (Keycloak, Auth0, Okta, Entra ID,
//! the Organization API of organization-api.txt, …).
//!
//! Grants `client_credentials` and `password`; renewal with
//! `grant_type=refresh_token`. Client authentication `basic` (RFC 6749
//! §2.3.1: id and secret form-urlencoded, then base64), `body`, or `query`
//! (organization-api.txt's "query parameters" variant). The answer is
//! RFC 6749's ([`ResponseSpec::rfc6749`]).

use super::engine::{BasicEncoding, Body, Node, RequestSpec, ResponseSpec, Spec, Template};
use super::{Provider, parse_url};
use crate::fielderr::{FieldError, from_table};
use crate::secret::SecretName;
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
    /// DPoP-bound tokens (RFC 9449): a key pair in the secret store, a
    /// proof with every request.
    #[serde(default)]
    pub dpop: bool,
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

    /// A token request with the form `fields` and the client's credentials.
    fn request(&self, mut fields: Vec<(&str, Node)>) -> RequestSpec {
        let id = || Template::literal(&self.client_id);
        let secret = || Template::secret(SecretName::ClientSecret);
        let mut req = RequestSpec::post(self.url());
        match self.client_auth {
            ClientAuth::Basic => req = req.basic(id(), secret(), BasicEncoding::FormUrlencoded),
            ClientAuth::Body => {
                fields.push(("client_id", id().into()));
                fields.push(("client_secret", secret().into()));
            }
            ClientAuth::Query => {
                req = req
                    .query("client_id", id())
                    .query("client_secret", secret())
            }
        }
        req.body(Body::form(fields))
            .secrets_first(&[SecretName::ClientSecret])
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
        if self.dpop {
            id.push(("dpop", "true".to_string()));
        }
        id
    }

    fn dpop(&self) -> bool {
        self.dpop
    }

    fn endpoint(&self) -> String {
        self.token_url.clone()
    }

    /// The grant's form (`grant_type` first), then scope, audience,
    /// resource and `extra`; renewal with `grant_type=refresh_token`.
    fn spec(&self) -> Spec {
        let text = |s: &str| Node::from(Template::literal(s));
        let common = self.common_fields();
        let mut fields = match self.grant {
            Grant::ClientCredentials => vec![("grant_type", text("client_credentials"))],
            Grant::Password => vec![
                ("grant_type", text("password")),
                (
                    "username",
                    text(self.username.as_deref().unwrap_or_default()),
                ),
                ("password", Template::secret(SecretName::Password).into()),
            ],
        };
        fields.extend(common.iter().map(|(k, v)| (k.as_str(), text(v))));
        let login = self.request(fields);
        let mut fields = vec![
            ("grant_type", text("refresh_token")),
            ("refresh_token", Template::refresh_token().into()),
        ];
        if let Some(scope) = &self.scope {
            fields.push(("scope", text(scope)));
        }
        let mut spec = Spec::new(login, ResponseSpec::rfc6749(), String::new());
        spec.refresh = Some(self.request(fields));
        spec
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
