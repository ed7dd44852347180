//! `oauth2`: any RFC 6749 token endpoint (Keycloak, Auth0, Okta, Entra ID,
//! the Organization API of organization-api.txt, …).
//!
//! Grants `client_credentials` and `password`, and a person's logins:
//! `authorization_code` in a browser ([`browser`]) and `device_code`
//! ([`device`]); renewal with `grant_type=refresh_token`. Endpoints are
//! configured, or discovered from `issuer` ([`discovery`]). Client
//! authentication `basic` (RFC 6749 §2.3.1: id and secret form-urlencoded,
//! then base64), `body`, `query` (organization-api.txt's "query
//! parameters" variant), or `none` (a public client: the id only, PKCE
//! proves the rest). The answer is RFC 6749's ([`ResponseSpec::rfc6749`]).

pub mod browser;
pub mod device;
pub mod discovery;
mod keyless;

use super::engine::{BasicEncoding, Body, Node, RequestSpec, ResponseSpec, Spec, Template};
use super::{Ctx, Provider, TokenSet, parse_url};
use crate::error::{Error, Result};
use crate::fielderr::{FieldError, from_table};
use crate::secret::{Secret, SecretName};
use discovery::Endpoints;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;
use url::Url;

/// How long a person may take by default (`login_timeout`).
pub const DEFAULT_LOGIN_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    #[default]
    ClientCredentials,
    Password,
    /// A person logs in with a browser (RFC 6749 §4.1 + PKCE, RFC 8252).
    AuthorizationCode,
    /// A person logs in on another device (RFC 8628).
    DeviceCode,
}

impl Grant {
    /// Whether a person answers this grant's login.
    pub fn needs_person(self) -> bool {
        matches!(self, Grant::AuthorizationCode | Grant::DeviceCode)
    }

    /// The config value.
    pub fn key(self) -> &'static str {
        match self {
            Grant::ClientCredentials => "client_credentials",
            Grant::Password => "password",
            Grant::AuthorizationCode => "authorization_code",
            Grant::DeviceCode => "device_code",
        }
    }
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
    /// A public client: `client_id` in the form body, no secret (the
    /// default for the two grants a person answers, which use PKCE).
    None,
    /// A fresh JWT signed with the `private_key` for each request (RFC 7523 §2.2).
    PrivateKeyJwt,
    /// An assertion issued elsewhere (secret `client_assertion`), read fresh each time.
    ClientAssertion,
}

/// The `oauth2` provider's keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth2 {
    /// The full token endpoint URL (else discovered from `issuer`).
    pub token_url: Option<String>,
    /// The authorization server's issuer identifier: its endpoints are
    /// discovered from `{issuer}/.well-known/…`.
    pub issuer: Option<String>,
    /// The browser login's endpoint (else discovered).
    pub authorization_url: Option<String>,
    /// The device login's endpoint (else discovered).
    pub device_authorization_url: Option<String>,
    /// RFC 7009's endpoint (else discovered, when the server has one).
    pub revocation_url: Option<String>,
    #[serde(default)]
    pub grant: Grant,
    /// Default: `none` for the grants a person answers, else `basic`.
    #[serde(default, rename = "client_auth")]
    client_auth_key: Option<ClientAuth>,
    #[serde(skip)]
    pub client_auth: ClientAuth,
    pub client_id: String,
    /// The browser login's loopback port (0: any free port).
    pub redirect_port: Option<u16>,
    /// How long a browser or device login may take (`"5m"`, or seconds).
    #[serde(default, rename = "login_timeout")]
    login_timeout_key: Option<toml::Value>,
    #[serde(skip)]
    pub login_timeout: Duration,
    /// The resource owner, for `grant = "password"`.
    pub username: Option<String>,
    pub scope: Option<String>,
    pub audience: Option<String>,
    pub resource: Option<String>,
    /// Extra form fields sent with every token request.
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
    /// `private_key_jwt`: the `kid` header of the assertion.
    pub key_id: Option<String>,
    /// `private_key_jwt`: the algorithm (default from the key: RS256, ES256, EdDSA).
    pub signing_alg: Option<String>,
    #[serde(skip)]
    urls: Urls,
}

/// The configured URLs, parsed.
#[derive(Debug, Clone, Default)]
pub struct Urls {
    pub token: Option<Url>,
    pub issuer: Option<Url>,
    pub authorization: Option<Url>,
    pub device_authorization: Option<Url>,
    pub revocation: Option<Url>,
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
    "client_assertion",
    "client_assertion_type",
];

impl OAuth2 {
    pub fn from_table(table: toml::Table) -> Result<Self, FieldError> {
        let mut cfg: OAuth2 = from_table(table)?;
        let url = |key: &'static str, value: &Option<String>| {
            value.as_deref().map(|v| parse_url(key, v)).transpose()
        };
        cfg.urls = Urls {
            token: url("token_url", &cfg.token_url)?,
            issuer: url("issuer", &cfg.issuer)?,
            authorization: url("authorization_url", &cfg.authorization_url)?,
            device_authorization: url("device_authorization_url", &cfg.device_authorization_url)?,
            revocation: url("revocation_url", &cfg.revocation_url)?,
        };
        if let Some(issuer) = &cfg.urls.issuer
            && (issuer.query().is_some() || issuer.fragment().is_some())
        {
            return Err(FieldError::invalid(
                "issuer",
                "an issuer has no query or fragment (OpenID Connect Discovery §2)",
            ));
        }
        if cfg.urls.token.is_none() && cfg.urls.issuer.is_none() {
            return Err(FieldError::invalid(
                "token_url",
                "set `token_url`, or `issuer` to discover the endpoints",
            ));
        }
        let (needed, key) = match cfg.grant {
            Grant::AuthorizationCode => (&cfg.urls.authorization, "authorization_url"),
            Grant::DeviceCode => (&cfg.urls.device_authorization, "device_authorization_url"),
            _ => (&cfg.urls.token, "token_url"),
        };
        if needed.is_none() && cfg.urls.issuer.is_none() {
            return Err(FieldError::invalid(
                key,
                format!(
                    "grant = \"{}\" needs `{key}`, or `issuer` to discover it",
                    cfg.grant.key()
                ),
            ));
        }
        cfg.client_auth = match (cfg.client_auth_key, cfg.grant.needs_person()) {
            (Some(auth), _) => auth,
            (None, true) => ClientAuth::None,
            (None, false) => ClientAuth::Basic,
        };
        if cfg.client_auth == ClientAuth::None && cfg.grant == Grant::ClientCredentials {
            return Err(FieldError::invalid(
                "client_auth",
                "grant = \"client_credentials\" needs a client credential: client_auth = \"basic\", \"body\", \"query\", \"private_key_jwt\" or \"client_assertion\"",
            ));
        }
        keyless::validate(&cfg)?;
        if cfg.redirect_port.is_some() && cfg.grant != Grant::AuthorizationCode {
            return Err(FieldError::invalid(
                "redirect_port",
                "`redirect_port` is only used with grant = \"authorization_code\"",
            ));
        }
        cfg.login_timeout = match cfg.login_timeout_key.take() {
            None => DEFAULT_LOGIN_TIMEOUT,
            Some(_) if !cfg.grant.needs_person() => {
                return Err(FieldError::invalid(
                    "login_timeout",
                    "`login_timeout` is only used with grant = \"authorization_code\" or \"device_code\"",
                ));
            }
            Some(value) => login_timeout(&value)?,
        };
        if cfg.grant == Grant::Password && cfg.username.is_none() {
            return Err(FieldError::invalid(
                "username",
                "grant = \"password\" needs `username`",
            ));
        }
        if cfg.grant != Grant::Password && cfg.username.is_some() {
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

    /// The configured URLs, parsed.
    pub fn urls(&self) -> &Urls {
        &self.urls
    }

    /// The endpoints: those configured, the others discovered from
    /// `issuer` (cached; no request when every endpoint the grant needs is
    /// configured).
    pub fn endpoints(&self, ctx: &Ctx) -> Result<Endpoints> {
        discovery::endpoints(self, ctx)
    }

    /// Whether the scope asks for OpenID Connect (`openid`).
    pub fn wants_openid(&self) -> bool {
        self.wants_scope("openid")
    }

    /// Whether `scope` lists `value`.
    pub fn wants_scope(&self, value: &str) -> bool {
        self.scope
            .as_deref()
            .is_some_and(|s| s.split_ascii_whitespace().any(|w| w == value))
    }

    /// A request to `url` with the form `fields` and the client's credentials.
    pub(crate) fn request(&self, url: &Url, fields: Vec<(&str, Node)>) -> RequestSpec {
        self.request_to(url, url, fields)
    }

    /// A request to `url` with the form `fields` and the client's
    /// credentials; an assertion is made out to `audience` (the token
    /// endpoint, also for a revocation request).
    fn request_to(&self, url: &Url, audience: &Url, mut fields: Vec<(&str, Node)>) -> RequestSpec {
        let id = || Template::literal(&self.client_id);
        let secret = || Template::secret(SecretName::ClientSecret);
        let mut req = RequestSpec::post(url.clone());
        if let Some(name) = keyless::secret(self.client_auth) {
            req = keyless::authenticate(self, audience.as_str(), req, &mut fields);
            return req.body(Body::form(fields)).secrets_first(&[name]);
        }
        match self.client_auth {
            ClientAuth::None => {
                fields.push(("client_id", id().into()));
                return req.body(Body::form(fields));
            }
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
            ClientAuth::PrivateKeyJwt | ClientAuth::ClientAssertion => {}
        }
        req.body(Body::form(fields))
            .secrets_first(&[SecretName::ClientSecret])
    }

    /// A token request at `token` redeeming a person's grant: `grant_type`,
    /// then `fields`, then `extra`; and the spec that reads its answer.
    pub(crate) fn grant_request(
        &self,
        token: &Url,
        grant_type: &str,
        fields: Vec<(&str, Node)>,
    ) -> (RequestSpec, Spec) {
        let text = |s: &str| Node::from(Template::literal(s));
        let mut all = vec![("grant_type", text(grant_type))];
        all.extend(fields);
        all.extend(self.extra.iter().map(|(k, v)| (k.as_str(), text(v))));
        let request = self.request(token, all);
        let spec = Spec::new(request.clone(), ResponseSpec::rfc6749(), String::new());
        (request, spec)
    }

    /// The token API at `token`: the grant's request (client credentials
    /// or password; the person's grants build theirs in [`browser`] and
    /// [`device`]), the refresh request and, when the server has an
    /// endpoint for it, the revocation request.
    fn spec_at(&self, token: &Url, revocation: Option<&Url>) -> Spec {
        let text = |s: &str| Node::from(Template::literal(s));
        let common = self.common_fields();
        let mut fields = match self.grant {
            Grant::Password => vec![
                ("grant_type", text("password")),
                (
                    "username",
                    text(self.username.as_deref().unwrap_or_default()),
                ),
                ("password", Template::secret(SecretName::Password).into()),
            ],
            _ => vec![("grant_type", text("client_credentials"))],
        };
        fields.extend(common.iter().map(|(k, v)| (k.as_str(), text(v))));
        let login = self.request(token, fields);
        let mut fields = vec![
            ("grant_type", text("refresh_token")),
            ("refresh_token", Template::refresh_token().into()),
        ];
        // A person's grant keeps the scope they consented to (which the
        // server may have narrowed): asking for the configured one again
        // could be refused (RFC 6749 §6).
        if let Some(scope) = self.scope.as_ref().filter(|_| !self.grant.needs_person()) {
            fields.push(("scope", text(scope)));
        }
        let mut spec = Spec::new(login, ResponseSpec::rfc6749(), String::new());
        spec.refresh = Some(self.request(token, fields));
        spec.revocation = revocation.map(|url| {
            self.request_to(
                url,
                token,
                vec![("token", Template::refresh_token().into())],
            )
        });
        spec
    }

    /// The error for a login that needs a person when none can answer.
    fn nobody_to_ask(&self, ctx: &Ctx) -> Error {
        let name = ctx.profile_name;
        Error::login_required(format!(
            "profile '{name}': logging in needs a person (grant = \"{}\"), and nobody can answer here (stderr is not a terminal, or CI / AUTHTOOL_INTERACTIVE=0 is set)",
            self.grant.key()
        ))
        .hint(format!("log in once with: authtool login -p {name}"))
        .hint("or allow it here with --interactive or AUTHTOOL_INTERACTIVE=1")
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
        let mut names = Vec::new();
        if self.client_auth != ClientAuth::None {
            names.push(keyless::secret(self.client_auth).unwrap_or(SecretName::ClientSecret));
        }
        if self.grant == Grant::Password {
            names.push(SecretName::Password);
        }
        names
    }

    fn identity(&self) -> Vec<(&'static str, String)> {
        let mut id = Vec::new();
        if let Some(url) = &self.token_url {
            id.push(("token_url", url.clone()));
        }
        id.push(("client_id", self.client_id.clone()));
        id.push(("grant", format!("{:?}", self.grant)));
        for (key, value) in [
            ("issuer", &self.issuer),
            ("authorization_url", &self.authorization_url),
            ("device_authorization_url", &self.device_authorization_url),
        ] {
            if let Some(v) = value {
                id.push((key, v.clone()));
            }
        }
        if let Some(u) = &self.username {
            id.push(("username", u.clone()));
        }
        for (k, v) in self.common_fields() {
            id.push(("field", format!("{k}={v}")));
        }
        id
    }

    fn endpoint(&self) -> String {
        self.token_url
            .clone()
            .or_else(|| self.issuer.clone())
            .unwrap_or_default()
    }

    /// The spec at the configured token URL (with only `issuer`, at the
    /// issuer: never sent, as [`OAuth2`]'s `login` and `refresh` discover
    /// the token endpoint first).
    fn spec(&self) -> Spec {
        let at = self.urls.token.as_ref().or(self.urls.issuer.as_ref());
        let fallback;
        let at = match at {
            Some(url) => url,
            None => {
                fallback = Url::parse("https://invalid/").expect("a valid URL");
                &fallback
            }
        };
        self.spec_at(at, self.urls.revocation.as_ref())
    }

    fn login(&self, ctx: &Ctx) -> Result<TokenSet> {
        if self.grant.needs_person() && !ctx.may_ask {
            return Err(self.nobody_to_ask(ctx));
        }
        let endpoints = self.endpoints(ctx)?;
        match self.grant {
            Grant::AuthorizationCode => browser::login(self, &endpoints, ctx),
            Grant::DeviceCode => device::login(self, &endpoints, ctx),
            Grant::ClientCredentials | Grant::Password => {
                super::engine::login(&self.spec_at(&endpoints.token, None), ctx)
            }
        }
    }

    fn refresh(&self, ctx: &Ctx, refresh_token: &Secret) -> Result<TokenSet> {
        let endpoints = self.endpoints(ctx)?;
        super::engine::refresh(&self.spec_at(&endpoints.token, None), ctx, refresh_token)
    }

    fn revocation_spec(&self, ctx: &Ctx) -> Result<Spec> {
        let endpoints = self.endpoints(ctx)?;
        Ok(self.spec_at(&endpoints.token, endpoints.revocation.as_ref()))
    }

    fn single_use_refresh(&self) -> bool {
        false
    }

    fn person_wait(&self) -> Duration {
        if self.grant.needs_person() {
            self.login_timeout
        } else {
            Duration::ZERO
        }
    }
}

/// `login_timeout`: a number of seconds or a duration text, at least 1 s.
fn login_timeout(value: &toml::Value) -> Result<Duration, FieldError> {
    let parsed = match value {
        toml::Value::Integer(secs) => u64::try_from(*secs)
            .map(Duration::from_secs)
            .map_err(|_| "a negative duration".to_string()),
        toml::Value::String(text) => crate::timefmt::parse_duration(text),
        _ => Err("expected a duration like \"90s\", \"5m\" or a number of seconds".to_string()),
    };
    match parsed {
        Ok(d) if d < Duration::from_secs(1) => Err(FieldError::invalid(
            "login_timeout",
            "must be at least 1s: a person needs time to answer",
        )),
        Ok(d) if d.as_secs() > 86_400 => Err(FieldError::invalid(
            "login_timeout",
            "more than a day; a login that waits that long is a typo",
        )),
        Ok(d) => Ok(d),
        Err(e) => Err(FieldError::invalid("login_timeout", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<OAuth2, String> {
        crate::providers::parse_for_test(OAuth2::from_table, text)
    }

    #[test]
    fn person_grants_default_to_a_public_client() {
        let p = parse("issuer='https://id.example.com'\nclient_id='c'\ngrant='authorization_code'")
            .unwrap();
        assert_eq!(p.client_auth, ClientAuth::None);
        assert!(p.secret_names().is_empty());
        assert_eq!(p.login_timeout, DEFAULT_LOGIN_TIMEOUT);
        assert_eq!(p.person_wait(), DEFAULT_LOGIN_TIMEOUT);
        let p = parse("issuer='https://id.example.com'\nclient_id='c'").unwrap();
        assert_eq!(p.client_auth, ClientAuth::Basic);
        assert_eq!(p.secret_names(), vec![SecretName::ClientSecret]);
        assert_eq!(p.person_wait(), Duration::ZERO);
        let p = parse(
            "token_url='https://h/t'\ndevice_authorization_url='https://h/d'\nclient_id='c'\n\
             grant='device_code'\nclient_auth='basic'\nlogin_timeout=90",
        )
        .unwrap();
        assert_eq!(p.secret_names(), vec![SecretName::ClientSecret]);
        assert_eq!(p.login_timeout, Duration::from_secs(90));
    }

    #[test]
    fn person_grant_settings_are_checked() {
        for (text, key) in [
            ("client_id='c'", "token_url"),
            ("issuer='https://h/?x=1'\nclient_id='c'", "issuer"),
            (
                "token_url='https://h/t'\nclient_id='c'\ngrant='authorization_code'",
                "authorization_url",
            ),
            (
                "issuer='https://h'\nclient_id='c'\nclient_auth='none'",
                "client_auth",
            ),
            (
                "issuer='https://h'\nclient_id='c'\nredirect_port=8000",
                "redirect_port",
            ),
            (
                "issuer='https://h'\nclient_id='c'\nlogin_timeout='1m'",
                "login_timeout",
            ),
            (
                "issuer='https://h'\nclient_id='c'\ngrant='device_code'\nlogin_timeout='0s'",
                "login_timeout",
            ),
            (
                "issuer='https://h'\nclient_id='c'\ngrant='device_code'\nusername='u'",
                "username",
            ),
        ] {
            let err = parse(text).expect_err(text);
            assert!(err.starts_with(&format!("Some({key:?})")), "{text}: {err}");
        }
    }

    /// A profile with `token_url` keeps the identity (and so the cache
    /// fingerprint) it had before the person grants existed.
    #[test]
    fn token_url_profiles_keep_their_identity() {
        let p = parse("token_url='https://a/t'\nclient_id='c'\nscope='s'").unwrap();
        assert_eq!(
            p.identity(),
            vec![
                ("token_url", "https://a/t".to_string()),
                ("client_id", "c".to_string()),
                ("grant", "ClientCredentials".to_string()),
                ("field", "scope=s".to_string()),
            ]
        );
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
}
