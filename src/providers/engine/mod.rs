//! The one implementation of "send a token request, read the answer".
//!
//! A [`Spec`] says what to send to log in (and, optionally, to redeem a
//! refresh token) and how to read the answer; [`login`] and [`refresh`] run
//! it. Every built-in vendor builds one in code; `provider = "http"` builds
//! one from the user's TOML. How the API then takes the token is not part
//! of the spec: a cached token is presented without building one
//! ([`present`]).

pub mod errors;
pub mod present;
pub mod request;
pub mod response;
pub mod template;
pub mod time;

pub use errors::remote_message;
pub use present::Present;
pub use request::{BasicEncoding, RequestSpec};
pub use response::{Expiry, Failure, Field, NotObject, Refusal, ResponseSpec, Shape, check_token};
pub use template::{Body, BodyType, Node, Template};
pub use time::{MAX_LIFETIME_SECS, TimeFormat, parse_ms_date};

use super::{Ctx, TokenSet};
use crate::error::Result;
use crate::secret::Secret;

/// A vendor's token API.
#[derive(Debug, Clone)]
pub struct Spec {
    pub login: RequestSpec,
    /// How a refresh token is redeemed; `None`: renewal is a new login.
    pub refresh: Option<RequestSpec>,
    /// A refresh token dies on first use: never sent twice, never kept
    /// when the server omits a new one.
    pub single_use_refresh: bool,
    /// A refresh token in a login answer is dropped: the API documents no
    /// way to redeem it, so it would be a secret kept for nothing.
    pub drop_refresh_token: bool,
    pub response: ResponseSpec,
    /// What to check when the server refuses the login; `{profile}`
    /// stands for the profile's name.
    pub rejected_hint: String,
}

impl Spec {
    /// Logging in with `login`, answers read by `response`.
    pub fn new(login: RequestSpec, response: ResponseSpec, rejected_hint: String) -> Spec {
        Spec {
            login,
            refresh: None,
            single_use_refresh: false,
            drop_refresh_token: false,
            response,
            rejected_hint,
        }
    }
}

/// Obtains a new token set with the long-lived credentials.
pub fn login(spec: &Spec, ctx: &Ctx) -> Result<TokenSet> {
    let mut set = run(spec, &spec.login, ctx, None)?;
    if spec.drop_refresh_token {
        set.refresh_token = None;
        set.refresh_expires_at = None;
    }
    Ok(set)
}

/// Renews with a refresh token (a new login when the spec has no refresh
/// request).
pub fn refresh(spec: &Spec, ctx: &Ctx, refresh_token: &Secret) -> Result<TokenSet> {
    match &spec.refresh {
        Some(request) => run(spec, request, ctx, Some(refresh_token)),
        None => login(spec, ctx),
    }
}

fn run(
    spec: &Spec,
    request: &RequestSpec,
    ctx: &Ctx,
    refresh_token: Option<&Secret>,
) -> Result<TokenSet> {
    let (resp, masks) = request.send(ctx, refresh_token)?;
    let hint = spec.rejected_hint.replace("{profile}", ctx.profile_name);
    let mut set = spec
        .response
        .read_token(
            &resp,
            &request.endpoint,
            crate::timefmt::now(),
            &hint,
            ctx.dpop.is_some(),
        )
        .map_err(|e| masks.error(e))?;
    if let Some(prover) = ctx.dpop {
        set.dpop_jkt = Some(prover.key().thumbprint().to_string());
    }
    Ok(set)
}

/// Test helper: the body `request` sends with these secrets.
#[cfg(test)]
pub(crate) fn body_for_test(
    request: &RequestSpec,
    secrets: &[(crate::secret::SecretName, &str)],
    refresh_token: Option<&Secret>,
) -> (&'static str, String) {
    let inputs = template::Inputs::for_test(secrets, refresh_token);
    let body = request.body.as_ref().expect("a body");
    let (ct, text) = body.render(&inputs).expect("a body renders");
    (ct, text.expose().to_string())
}
