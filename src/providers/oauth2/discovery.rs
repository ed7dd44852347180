//! Where the `oauth2` endpoints are: configured (`token_url`,
//! `authorization_url`, `device_authorization_url`, `revocation_url`), or
//! discovered from `issuer`: OpenID Connect Discovery
//! (`{issuer}/.well-known/openid-configuration`), then RFC 8414
//! (`/.well-known/oauth-authorization-server` inserted before the issuer's
//! path). The document's `issuer` must be the configured one (else anyone
//! who can answer for the URL could name other endpoints), and no endpoint
//! may be plain http to a host that is not loopback (unless the profile
//! sets `allow_insecure_http`).
//!
//! The metadata is cached under the cache dir (`oauth2/`, one file per
//! issuer, written atomically with 0600) for [`MAX_AGE`], so renewals do not
//! fetch it again; a cached token never gets here at all.

use super::OAuth2;
use crate::error::{Error, Result};
use crate::fsutil;
use crate::http::{Method, Request};
use crate::providers::{Ctx, shown_url_text};
use crate::{debug, timefmt};
use serde::{Deserialize, Serialize};
use url::Url;

/// How long discovered metadata is used before it is fetched again.
pub const MAX_AGE: u64 = 24 * 3600;

/// The most a metadata document may hold (well above any real one).
const MAX_DOCUMENT: usize = 256 * 1024;

/// An authorization server's metadata (RFC 8414 §2 / OpenID Connect
/// Discovery §3): the fields authtool uses; others are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    pub issuer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub code_challenge_methods_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub token_endpoint_auth_signing_alg_values_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grant_types_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dpop_signing_alg_values_supported: Vec<String>,
    /// RFC 9207: the server adds `iss` to its authorization responses.
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
}

/// The endpoints a profile uses: configured ones win over discovered ones.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub token: Url,
    pub authorization: Option<Url>,
    pub device_authorization: Option<Url>,
    pub revocation: Option<Url>,
    /// The configured issuer, if any.
    pub issuer: Option<String>,
    /// The discovered metadata, when discovery was needed.
    pub metadata: Option<Metadata>,
}

/// One cache file.
#[derive(Serialize, Deserialize)]
struct Cached {
    /// The configured issuer it was fetched for.
    issuer: String,
    fetched_at: u64,
    metadata: Metadata,
}

/// The endpoints of `cfg`: no request when the grant's endpoints (and the
/// token endpoint) are configured; else the issuer's metadata, cached.
pub fn endpoints(cfg: &OAuth2, ctx: &Ctx) -> Result<Endpoints> {
    let urls = cfg.urls();
    let grant_url = match cfg.grant {
        super::Grant::AuthorizationCode => urls.authorization.as_ref(),
        super::Grant::DeviceCode => urls.device_authorization.as_ref(),
        _ => urls.token.as_ref(),
    };
    let metadata = match (&urls.issuer, &urls.token, grant_url) {
        (Some(issuer), token, grant) if token.is_none() || grant.is_none() => Some(metadata(
            cfg.issuer.as_deref().unwrap_or_default(),
            issuer,
            ctx,
        )?),
        _ => None,
    };
    let found = |configured: &Option<Url>, key: &'static str| -> Result<Option<Url>> {
        if configured.is_some() {
            return Ok(configured.clone());
        }
        let Some(meta) = &metadata else {
            return Ok(None);
        };
        let value = match key {
            "token_endpoint" => &meta.token_endpoint,
            "authorization_endpoint" => &meta.authorization_endpoint,
            "device_authorization_endpoint" => &meta.device_authorization_endpoint,
            _ => &meta.revocation_endpoint,
        };
        value
            .as_deref()
            .map(|v| endpoint_url(ctx, cfg, key, v))
            .transpose()
    };
    let token = found(&urls.token, "token_endpoint")?
        .ok_or_else(|| missing(cfg, ctx, "token_endpoint", "token_url"))?;
    let authorization = found(&urls.authorization, "authorization_endpoint")?;
    let device_authorization = found(&urls.device_authorization, "device_authorization_endpoint")?;
    let revocation = found(&urls.revocation, "revocation_endpoint")?;
    match cfg.grant {
        super::Grant::AuthorizationCode if authorization.is_none() => {
            return Err(missing(
                cfg,
                ctx,
                "authorization_endpoint",
                "authorization_url",
            ));
        }
        super::Grant::DeviceCode if device_authorization.is_none() => {
            return Err(missing(
                cfg,
                ctx,
                "device_authorization_endpoint",
                "device_authorization_url",
            ));
        }
        _ => {}
    }
    Ok(Endpoints {
        token,
        authorization,
        device_authorization,
        revocation,
        issuer: cfg.issuer.clone(),
        metadata,
    })
}

/// The metadata names no `field` and the profile sets no `key`.
fn missing(cfg: &OAuth2, ctx: &Ctx, field: &str, key: &str) -> Error {
    Error::config(format!(
        "profile '{}': the authorization server {} names no `{field}` in its metadata",
        ctx.profile_name,
        shown_url_text(cfg.issuer.as_deref().unwrap_or_default())
    ))
    .hint(format!("set `{key}` in the profile"))
}

/// A discovered endpoint: a URL we would send credentials to.
fn endpoint_url(ctx: &Ctx, cfg: &OAuth2, field: &str, value: &str) -> Result<Url> {
    let issuer = shown_url_text(cfg.issuer.as_deref().unwrap_or_default());
    let located = |why: String| {
        Error::config(format!(
            "profile '{}': the metadata of {issuer}: `{field}` {why}",
            ctx.profile_name
        ))
    };
    let url = Url::parse(value).map_err(|e| {
        located(format!(
            "is not a URL ({e}): `{}`",
            crate::log::sanitize_remote(value)
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(located("holds a user name or password".to_string()));
    }
    ctx.http.check_url(&url).map_err(|e| Error {
        message: format!(
            "profile '{}': the metadata of {issuer}: `{field}` is {}: {}",
            ctx.profile_name,
            crate::http::redact_url(&url),
            e.message
        ),
        ..e
    })?;
    Ok(url)
}

/// The issuer's metadata: from the cache when fresh, else fetched.
fn metadata(configured: &str, issuer: &Url, ctx: &Ctx) -> Result<Metadata> {
    let file = ctx
        .cache_dir
        .join("oauth2")
        .join(format!("{}.json", cache_stem(configured)));
    let now = timefmt::now();
    if let Ok(Some(bytes)) = fsutil::read_optional(&file)
        && let Ok(cached) = serde_json::from_slice::<Cached>(&bytes)
        && cached.issuer == configured
        && cached.metadata.issuer == configured
        && now.saturating_sub(cached.fetched_at) < MAX_AGE
        && cached.fetched_at <= now
    {
        debug!(
            "profile '{}': using the cached metadata of {}",
            ctx.profile_name,
            shown_url_text(configured)
        );
        return Ok(cached.metadata);
    }
    let metadata = fetch(configured, issuer, ctx)?;
    let cached = Cached {
        issuer: configured.to_string(),
        fetched_at: now,
        metadata,
    };
    match serde_json::to_vec(&cached) {
        Ok(data) => {
            if let Err(e) = fsutil::write_atomic(&file, &data) {
                debug!("cannot cache the metadata: {}", e.message);
            }
        }
        Err(e) => debug!("cannot encode the metadata: {e}"),
    }
    Ok(cached.metadata)
}

/// A file name for an issuer: a 64-bit FNV-1a hash of it.
fn cache_stem(issuer: &str) -> String {
    let hash = issuer.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// The two well-known URLs of `issuer`, in the order they are tried.
pub fn well_known_urls(issuer: &Url) -> [Url; 2] {
    let path = issuer.path().trim_end_matches('/');
    let mut oidc = issuer.clone();
    oidc.set_path(&format!("{path}/.well-known/openid-configuration"));
    let mut rfc8414 = issuer.clone();
    rfc8414.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
    [oidc, rfc8414]
}

/// Fetches and checks the metadata: OpenID Connect Discovery first, then
/// RFC 8414 when the first is not found.
fn fetch(configured: &str, issuer: &Url, ctx: &Ctx) -> Result<Metadata> {
    let name = ctx.profile_name;
    let [oidc, rfc8414] = well_known_urls(issuer);
    let mut answer = None;
    for url in [oidc, rfc8414] {
        debug!(
            "profile '{name}': discovering the endpoints at {}",
            crate::http::redact_url(&url)
        );
        let resp = ctx.http.send(&Request::new(Method::Get, url.clone()))?;
        if resp.status == 200 {
            answer = Some((url, resp));
            break;
        }
        if !matches!(resp.status, 404 | 410) {
            return Err(Error::network(format!(
                "profile '{name}': {} answered HTTP {}",
                crate::http::redact_url(&url),
                resp.status
            ))
            .hint(format!("check `issuer` ({})", shown_url_text(configured))));
        }
    }
    let Some((url, resp)) = answer else {
        return Err(Error::config(format!(
            "profile '{name}': no metadata at {} (neither OpenID Connect Discovery nor RFC 8414 answered)",
            shown_url_text(configured)
        ))
        .hint("check `issuer`, or set `token_url` (and the grant's endpoint) instead"));
    };
    let shown = crate::http::redact_url(&url);
    if resp.body.len() > MAX_DOCUMENT {
        return Err(Error::network(format!(
            "profile '{name}': the metadata at {shown} is larger than {} KiB",
            MAX_DOCUMENT / 1024
        )));
    }
    let metadata: Metadata = serde_json::from_slice(&resp.body).map_err(|e| {
        Error::network(format!(
            "profile '{name}': the metadata at {shown} is not a valid document: {e}"
        ))
    })?;
    if metadata.issuer != configured {
        return Err(Error::config(format!(
            "profile '{name}': the metadata at {shown} names the issuer `{}`, not the configured `{}`",
            crate::log::sanitize_remote(&metadata.issuer),
            shown_url_text(configured)
        ))
        .hint("set `issuer` to exactly the server's issuer identifier (mind a trailing slash); a document naming another issuer is never used"));
    }
    Ok(metadata)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_urls_follow_both_specs() {
        let u = |s: &str| Url::parse(s).unwrap();
        let [a, b] = well_known_urls(&u("https://id.example.com/realms/corp"));
        assert_eq!(
            a.as_str(),
            "https://id.example.com/realms/corp/.well-known/openid-configuration"
        );
        assert_eq!(
            b.as_str(),
            "https://id.example.com/.well-known/oauth-authorization-server/realms/corp"
        );
        let [a, b] = well_known_urls(&u("https://id.example.com/"));
        assert_eq!(
            a.as_str(),
            "https://id.example.com/.well-known/openid-configuration"
        );
        assert_eq!(
            b.as_str(),
            "https://id.example.com/.well-known/oauth-authorization-server"
        );
    }

    #[test]
    fn cache_stems_are_file_names() {
        let stem = cache_stem("https://id.example.com/../x");
        assert_eq!(stem.len(), 16);
        assert!(stem.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(stem, cache_stem("https://id.example.com/x"));
    }
}
