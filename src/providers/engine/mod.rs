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
pub use request::{Assertion, BasicEncoding, RequestSpec};
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
    /// RFC 7009 token revocation: the request, its body holding the token
    /// as `{refresh_token}` (the token in hand); `token_type_hint` is added
    /// by [`revoke`].
    pub revocation: Option<RequestSpec>,
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
            revocation: None,
        }
    }
}

/// What kind of token is revoked (RFC 7009 §2.1 `token_type_hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Refresh,
    Access,
}

impl TokenKind {
    pub fn hint(self) -> &'static str {
        match self {
            TokenKind::Refresh => "refresh_token",
            TokenKind::Access => "access_token",
        }
    }
}

/// Revokes `token` at the spec's revocation endpoint (RFC 7009 §2), with
/// the client's authentication. `Ok(false)`: the spec has none. Only HTTP
/// 200 is success (§2.2); an error answer reads as RFC 6749's.
pub fn revoke(spec: &Spec, ctx: &Ctx, token: &Secret, kind: TokenKind) -> Result<bool> {
    let Some(request) = &spec.revocation else {
        return Ok(false);
    };
    let mut request = request.clone();
    if let Some(body) = &mut request.body {
        body.fields.push((
            "token_type_hint".to_string(),
            Template::literal(kind.hint()).into(),
        ));
    }
    let (resp, masks) = request.send(ctx, Some(token))?;
    if resp.status == 200 {
        return Ok(true);
    }
    let err = masks.error(errors::rfc6749_error(&resp, &request.endpoint));
    Err(assertion_hint(&request, err))
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

/// A request sent once, its answer not yet read: for flows that look at
/// an answer before the engine reads it as a token (the device flow's
/// "authorization pending", the ID token's nonce).
pub struct Sent {
    pub response: crate::http::Response,
    masks: request::Masks,
}

impl Sent {
    /// Reads the answer to `request` as `spec` says (a DPoP profile's
    /// token must be DPoP-bound, and is marked with its key's thumbprint).
    pub fn read(&self, spec: &Spec, request: &RequestSpec, ctx: &Ctx) -> Result<TokenSet> {
        let hint = spec.rejected_hint.replace("{profile}", ctx.profile_name);
        let mut set = spec
            .response
            .read_token(
                &self.response,
                &request.endpoint,
                crate::timefmt::now(),
                &hint,
                ctx.dpop.is_some(),
            )
            .map_err(|e| assertion_hint(request, self.masks.error(e)))?;
        if let Some(prover) = ctx.dpop {
            set.dpop_jkt = Some(prover.key().thumbprint().to_string());
        }
        Ok(set)
    }
}

/// Sends `request` once, its answer unread. `grant` is a single-use
/// credential (an authorization code, a device code) that fills the
/// request's `{refresh_token}` slot: like a refresh token, it is masked in
/// anything shown and the request is never retried once sent.
pub fn send(request: &RequestSpec, ctx: &Ctx, grant: Option<&Secret>) -> Result<Sent> {
    let (response, masks) = request.send(ctx, grant)?;
    Ok(Sent { response, masks })
}

fn run(
    spec: &Spec,
    request: &RequestSpec,
    ctx: &Ctx,
    refresh_token: Option<&Secret>,
) -> Result<TokenSet> {
    send(request, ctx, refresh_token)?.read(spec, request, ctx)
}

/// A client assertion the server refused (`invalid_client`) gets a hint
/// about the assertion, not about a client secret it never saw.
fn assertion_hint(request: &RequestSpec, mut err: crate::Error) -> crate::Error {
    use crate::secret::SecretName;
    let refused = err.kind == crate::Kind::Rejected && err.message.contains(": invalid_client");
    let order = request.secret_order();
    let hint = if order.contains(&SecretName::PrivateKey) {
        "the server did not accept the signed client assertion: check client_id, and that the server has this key's public half for the client (and key_id, signing_alg)"
    } else if order.contains(&SecretName::ClientAssertion) {
        "the server did not accept the client assertion: check client_id, and that the server trusts the assertion's issuer, subject and audience and that it has not expired (a fresh one is read at every login)"
    } else {
        return err;
    };
    if refused {
        err.hints = vec![hint.to_string()];
    }
    err
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
