//! A person logs in on another device (RFC 8628): authtool asks the device
//! authorization endpoint for a code, prints on stderr where to go and the
//! code to enter (and `verification_uri_complete` when the server gives
//! one), then polls the token endpoint at the server's `interval` (5 s when
//! it names none), 5 s slower after each `slow_down`, never faster, until
//! the code expires (`expires_in`) or `login_timeout`, whichever is first.
//! `access_denied` is a refused login (exit 6), `expired_token` and the
//! end of the wait a login still required (exit 3).

use super::OAuth2;
use super::discovery::Endpoints;
use crate::debug;
use crate::error::{Error, Result};
use crate::log::sanitize_remote;
use crate::providers::engine::{self, Node, ResponseSpec, Spec, Template};
use crate::providers::{Ctx, TokenSet};
use crate::secret::Secret;
use crate::timefmt::human_secs;
use serde::Deserialize;
use std::time::{Duration, Instant};

/// The grant type of the token requests (RFC 8628 §3.4).
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The polling interval when the server names none (RFC 8628 §3.2).
const DEFAULT_INTERVAL: u64 = 5;

/// What `slow_down` adds to the interval (RFC 8628 §3.5).
const SLOW_DOWN: u64 = 5;

/// The device authorization response (RFC 8628 §3.2).
#[derive(Deserialize)]
struct DeviceAuthorization {
    device_code: Secret,
    user_code: String,
    #[serde(alias = "verification_url")]
    verification_uri: String,
    verification_uri_complete: Option<String>,
    expires_in: Option<u64>,
    interval: Option<u64>,
}

/// Logs the person in with a device code; the token set.
pub fn login(cfg: &OAuth2, endpoints: &Endpoints, ctx: &Ctx) -> Result<TokenSet> {
    let name = ctx.profile_name;
    let endpoint = endpoints
        .device_authorization
        .as_ref()
        .ok_or_else(|| Error::internal("no device authorization endpoint"))?;
    let text = |s: &str| Node::from(Template::literal(s));
    let common = cfg.common_fields();
    let fields: Vec<(&str, Node)> = common.iter().map(|(k, v)| (k.as_str(), text(v))).collect();
    let request = cfg.request(endpoint, fields);
    let spec = Spec::new(request.clone(), ResponseSpec::rfc6749(), String::new());
    let sent = engine::send(&request, ctx, None)?;
    if sent.response.status != 200 {
        // Read as a token answer: RFC 6749 §5.2 errors, located.
        sent.read(&spec, &request, ctx)?;
        return Err(Error::network(format!(
            "profile '{name}': {} answered HTTP {}",
            request.endpoint, sent.response.status
        )));
    }
    let auth: DeviceAuthorization = serde_json::from_slice(&sent.response.body).map_err(|e| {
        Error::network(format!(
            "profile '{name}': the device authorization answer from {} is not valid: {e}",
            request.endpoint
        ))
    })?;
    let shown_uri = checked_uri(name, &auth.verification_uri)?;
    let user_code = sanitize_remote(&auth.user_code);
    eprintln!(
        "authtool: profile '{name}': to log in, open {shown_uri} and enter the code {user_code}"
    );
    if let Some(complete) = &auth.verification_uri_complete
        && let Ok(complete) = checked_uri(name, complete)
    {
        eprintln!("authtool: or open {complete}");
    }
    let lifetime = auth
        .expires_in
        .map_or(cfg.login_timeout, Duration::from_secs);
    let wait = lifetime.min(cfg.login_timeout);
    eprintln!(
        "authtool: waiting up to {} for the login",
        human_secs(wait.as_secs())
    );
    poll(
        cfg,
        endpoints,
        ctx,
        &auth,
        wait,
        lifetime < cfg.login_timeout,
    )
}

/// A URI from the server that a person is told to open: http(s) only,
/// shown without control characters.
fn checked_uri(name: &str, uri: &str) -> Result<String> {
    match url::Url::parse(uri) {
        Ok(u) if matches!(u.scheme(), "https" | "http") => Ok(sanitize_remote(u.as_str())),
        _ => Err(Error::network(format!(
            "profile '{name}': the server's verification URI is not an http(s) URL: `{}`",
            sanitize_remote(uri)
        ))),
    }
}

/// Polls the token endpoint until the person answers or the time is up.
fn poll(
    cfg: &OAuth2,
    endpoints: &Endpoints,
    ctx: &Ctx,
    auth: &DeviceAuthorization,
    wait: Duration,
    code_expires_first: bool,
) -> Result<TokenSet> {
    let name = ctx.profile_name;
    let fields = vec![("device_code", Template::refresh_token().into())];
    let (request, spec) = cfg.grant_request(&endpoints.token, GRANT_TYPE, fields);
    let deadline = Instant::now() + wait;
    let mut interval = auth.interval.unwrap_or(DEFAULT_INTERVAL).max(1);
    let timed_out = || {
        let why = if code_expires_first {
            "the code expired"
        } else {
            "login_timeout"
        };
        Error::login_required(format!(
            "profile '{name}': the device login was not finished within {} ({why})",
            human_secs(wait.as_secs())
        ))
        .hint(format!(
            "run `authtool login -p {name}` again and enter the new code"
        ))
    };
    loop {
        // A server's interval may be absurd: past the deadline is a timeout.
        let next = match Instant::now().checked_add(Duration::from_secs(interval)) {
            Some(next) if next <= deadline => next,
            _ => return Err(timed_out()),
        };
        std::thread::sleep(next - Instant::now());
        let sent = engine::send(&request, ctx, Some(&auth.device_code))?;
        let error = (sent.response.status == 400)
            .then(|| serde_json::from_slice::<serde_json::Value>(&sent.response.body).ok())
            .flatten()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string));
        match error.as_deref() {
            Some("authorization_pending") => {
                debug!("profile '{name}': the login is pending");
            }
            Some("slow_down") => {
                interval = interval.saturating_add(SLOW_DOWN);
                debug!("profile '{name}': the server asks to slow down; polling every {interval}s");
            }
            Some("access_denied") => {
                return Err(Error::rejected(format!(
                    "profile '{name}': the device login was refused (access_denied)"
                ))
                .hint(format!(
                    "run `authtool login -p {name}` again and allow the access"
                )));
            }
            Some("expired_token") => {
                return Err(Error::login_required(format!(
                    "profile '{name}': the device code expired before the login was finished (expired_token)"
                ))
                .hint(format!("run `authtool login -p {name}` again and enter the new code")));
            }
            _ => return sent.read(&spec, &request, ctx),
        }
    }
}
