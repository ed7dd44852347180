//! `pipeline-lbm`: the Pipeline LBM Public API (`pipeline-lbm.txt`).
//!
//! OAuth2 client credentials underneath: an RFC 6749 answer. The quirks
//! that live here: HTTP Basic is
//! base64 of the raw UTF-8 `clientId:clientSecret` exactly as the doc shows
//! (not RFC 6749's form-urlencoded halves), the form carries
//! `scope=LBMPublicAPI.Customer.<tenant>` and `aud=pipeline_lbm_public_api`,
//! and every API call needs `X-Customer: <tenant>` next to the bearer token.
//! No refresh token: renewal is a new login.

use super::engine::{BasicEncoding, Body, RequestSpec, ResponseSpec, Spec, Template};
use super::{OneOf, Presentation, Provider, TokenSet, one_of, parse_url};
use crate::fielderr::{FieldError, from_table};
use crate::secret::SecretName;
use serde::Deserialize;
use url::Url;

/// The documented staging ("Stag") token endpoint.
pub const STAGING_TOKEN_URL: &str =
    "https://293-app-prod-carbonite-sso-staging.azurewebsites.net/common/oauth2/v1.0/token";
/// The documented production ("Prod") token endpoint.
pub const PRODUCTION_TOKEN_URL: &str = "https://sso.strongtietech.com/common/oauth2/v1.0/token";
/// The `aud` form field.
pub const AUDIENCE: &str = "pipeline_lbm_public_api";
/// The scope is this prefix followed by the tenant.
pub const SCOPE_PREFIX: &str = "LBMPublicAPI.Customer.";
/// The header that names the tenant on every API call.
pub const CUSTOMER_HEADER: &str = "X-Customer";

/// The two documented environments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    #[serde(alias = "stag")]
    Staging,
    #[serde(alias = "prod")]
    Production,
}

impl Environment {
    pub fn name(self) -> &'static str {
        match self {
            Environment::Staging => "staging",
            Environment::Production => "production",
        }
    }

    pub fn token_url(self) -> &'static str {
        match self {
            Environment::Staging => STAGING_TOKEN_URL,
            Environment::Production => PRODUCTION_TOKEN_URL,
        }
    }
}

/// The profile keys as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    environment: Option<Environment>,
    token_url: Option<String>,
    tenant: String,
    client_id: String,
}

/// A validated `pipeline-lbm` profile.
#[derive(Debug, Clone)]
pub struct PipelineLbm {
    /// `None` when `token_url` is given instead.
    pub environment: Option<Environment>,
    pub token_url: Url,
    /// The Pipeline LBM tenant (`lbmsales` for https://lb.pipelinebt.app/lbmsales).
    pub tenant: String,
    pub client_id: String,
}

impl PipelineLbm {
    pub fn from_table(table: toml::Table) -> Result<Self, FieldError> {
        let wire: Wire = from_table(table)?;
        let url = match one_of(
            ("environment", wire.environment),
            ("token_url", wire.token_url.as_deref()),
        )? {
            OneOf::First(env) => env.token_url(),
            OneOf::Second(url) => url,
        };
        let token_url = parse_url("token_url", url)?;
        check_tenant(&wire.tenant)?;
        if wire.client_id.is_empty() || wire.client_id.contains(':') {
            return Err(FieldError::invalid(
                "client_id",
                "`client_id` must be non-empty and may not contain `:` (it is sent as HTTP Basic `clientId:clientSecret`)",
            ));
        }
        Ok(PipelineLbm {
            environment: wire.environment,
            token_url,
            tenant: wire.tenant,
            client_id: wire.client_id,
        })
    }

    /// `LBMPublicAPI.Customer.<tenant>`.
    pub fn scope(&self) -> String {
        format!("{SCOPE_PREFIX}{}", self.tenant)
    }
}

/// A tenant is one path segment of the LBM site's URL: it goes into the
/// scope and into a header, so only URL-safe characters are accepted.
fn check_tenant(tenant: &str) -> Result<(), FieldError> {
    let ok = !tenant.is_empty()
        && tenant
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'));
    if ok {
        Ok(())
    } else {
        Err(FieldError::invalid(
            "tenant",
            format!(
                "`{tenant}` is not a tenant: use the last part of your Pipeline LBM site's URL (for https://lb.pipelinebt.app/lbmsales it is `lbmsales`)"
            ),
        ))
    }
}

impl Provider for PipelineLbm {
    fn id(&self) -> &'static str {
        "pipeline-lbm"
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
            ("token_url", self.token_url.to_string()),
            ("client_id", self.client_id.clone()),
            ("tenant", self.tenant.clone()),
            ("scope", self.scope()),
        ]
    }

    fn endpoint(&self) -> String {
        self.token_url.to_string()
    }

    /// HTTP Basic with the raw `clientId:clientSecret`, the form in the
    /// doc's order. The API documents no refresh grant: renewal is a new
    /// login, so a refresh token would only be a secret kept for nothing.
    fn spec(&self) -> Spec {
        let text = |s: &str| Template::literal(s).into();
        let login = RequestSpec::post(self.token_url.clone())
            .basic(
                Template::literal(&self.client_id),
                Template::secret(SecretName::ClientSecret),
                BasicEncoding::Raw,
            )
            .body(Body::form(vec![
                ("grant_type", text("client_credentials")),
                ("scope", text(&self.scope())),
                ("aud", text(AUDIENCE)),
            ]));
        let mut spec = Spec::new(login, ResponseSpec::rfc6749(), String::new());
        spec.drop_refresh_token = true;
        spec
    }

    /// `Authorization: Bearer <token>` and `X-Customer: <tenant>`.
    fn present(&self, token: &TokenSet) -> Presentation {
        Presentation::bearer(token).with_header(CUSTOMER_HEADER, &self.tenant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn parse(s: &str) -> Result<PipelineLbm, String> {
        crate::providers::parse_for_test(PipelineLbm::from_table, s)
    }

    #[test]
    fn environments_select_the_documented_urls() {
        let p = parse("environment = 'production'\ntenant = 'lbmsales'\nclient_id = 'c'").unwrap();
        assert_eq!(p.endpoint(), PRODUCTION_TOKEN_URL);
        let s = parse("environment = 'staging'\ntenant = 'lbmsales'\nclient_id = 'c'").unwrap();
        assert_eq!(s.endpoint(), STAGING_TOKEN_URL);
        let t = parse("token_url = 'http://127.0.0.1:1/t'\ntenant = 'x'\nclient_id = 'c'").unwrap();
        assert_eq!(t.endpoint(), "http://127.0.0.1:1/t");
        assert_ne!(p.identity(), s.identity());
        let other_tenant =
            parse("environment = 'production'\ntenant = 'other'\nclient_id = 'c'").unwrap();
        assert_ne!(p.identity(), other_tenant.identity());
    }

    #[test]
    fn config_validation() {
        let env = "environment = 'production'\n";
        assert!(
            parse("tenant = 'a'\nclient_id = 'c'")
                .unwrap_err()
                .contains("set `environment`")
        );
        assert!(
            parse(&format!(
                "{env}token_url = 'https://h/t'\ntenant = 'a'\nclient_id = 'c'"
            ))
            .unwrap_err()
            .contains("not both")
        );
        assert!(
            parse(&format!("{env}client_id = 'c'"))
                .unwrap_err()
                .contains("tenant")
        );
        for bad in [
            "",
            "lbm sales",
            "https://lb.pipelinebt.app/lbmsales",
            "a\\nb",
        ] {
            let err = parse(&format!("{env}tenant = \"{bad}\"\nclient_id = 'c'")).unwrap_err();
            assert!(err.contains("lbmsales"), "{bad}: {err}");
        }
        assert!(
            parse(&format!("{env}tenant = 'a'\nclient_id = 'a:b'"))
                .unwrap_err()
                .contains(":")
        );
        assert!(parse(&format!("{env}tenant = 'a'\nclient_id = 'c'\nscope = 'x'")).is_err());
        assert!(parse("environment = 'dev'\ntenant = 'a'\nclient_id = 'c'").is_err());
    }

    #[test]
    fn form_is_exactly_the_documented_one() {
        let p = parse("environment = 'production'\ntenant = 'lbmsales'\nclient_id = 'c'").unwrap();
        let spec = p.spec();
        let (ct, form) = crate::providers::engine::body_for_test(
            &spec.login,
            &[(SecretName::ClientSecret, "s")],
            None,
        );
        assert_eq!(ct, "application/x-www-form-urlencoded");
        assert_eq!(
            form,
            "grant_type=client_credentials&scope=LBMPublicAPI.Customer.lbmsales&aud=pipeline_lbm_public_api"
        );
        assert!(spec.drop_refresh_token && spec.refresh.is_none());
    }

    #[test]
    fn presentation_has_both_headers() {
        let p = parse("environment = 'production'\ntenant = 'lbmsales'\nclient_id = 'c'").unwrap();
        let t = TokenSet::new(Secret::new("eyJ.x.y"), 0);
        let shown: Vec<(String, String)> = p
            .present(&t)
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.expose().to_string()))
            .collect();
        assert_eq!(
            shown,
            [
                ("Authorization".to_string(), "Bearer eyJ.x.y".to_string()),
                ("X-Customer".to_string(), "lbmsales".to_string())
            ]
        );
        assert!(p.present(&t).query.is_empty());
    }
}
