//! Keyless client authentication for `oauth2` (RFC 7523 §2.2, OpenID
//! Connect Core §9): `private_key_jwt`, a fresh assertion signed with the
//! profile's `private_key` for each request ([`crate::jose`]), and
//! `client_assertion`, an assertion issued elsewhere (a Kubernetes
//! projected token, a CI system's OIDC token), read fresh from its source
//! for each request.

use super::{ClientAuth, OAuth2};
use crate::fielderr::FieldError;
use crate::providers::engine::{Assertion, Node, RequestSpec, Template};
use crate::secret::SecretName;

/// RFC 7523 §2.2's `client_assertion_type`.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Checks `key_id` and `signing_alg`: only with `private_key_jwt`, and an
/// algorithm authtool signs.
pub(super) fn validate(cfg: &OAuth2) -> Result<(), FieldError> {
    for (key, set) in [
        ("key_id", cfg.key_id.is_some()),
        ("signing_alg", cfg.signing_alg.is_some()),
    ] {
        if set && cfg.client_auth != ClientAuth::PrivateKeyJwt {
            return Err(FieldError::invalid(
                key,
                format!("`{key}` is only used with client_auth = \"private_key_jwt\""),
            ));
        }
    }
    if cfg.key_id.as_deref().is_some_and(str::is_empty) {
        return Err(FieldError::invalid("key_id", "`key_id` is empty"));
    }
    if let Some(alg) = &cfg.signing_alg
        && crate::jose::parse_alg(alg).is_none()
    {
        return Err(FieldError::invalid(
            "signing_alg",
            format!(
                "unknown signing_alg `{alg}` (one of: {}; the default comes from the key)",
                crate::jose::ALG_NAMES.join(", ")
            ),
        ));
    }
    Ok(())
}

/// The secret a keyless method uses instead of `client_secret`.
pub(super) fn secret(auth: ClientAuth) -> Option<SecretName> {
    match auth {
        ClientAuth::PrivateKeyJwt => Some(SecretName::PrivateKey),
        ClientAuth::ClientAssertion => Some(SecretName::ClientAssertion),
        _ => None,
    }
}

/// Adds `client_id`, `client_assertion_type` and `client_assertion` to a
/// request's form `fields` (and the signing, for `private_key_jwt`).
/// `audience` is the token endpoint.
pub(super) fn authenticate(
    cfg: &OAuth2,
    audience: &str,
    mut req: RequestSpec,
    fields: &mut Vec<(&str, Node)>,
) -> RequestSpec {
    let assertion = match cfg.client_auth {
        ClientAuth::PrivateKeyJwt => {
            req = req.assertion(Assertion {
                client_id: cfg.client_id.clone(),
                audience: audience.to_string(),
                key_id: cfg.key_id.clone(),
                alg: cfg.signing_alg.as_deref().and_then(crate::jose::parse_alg),
            });
            Template::signed_assertion()
        }
        _ => Template::secret(SecretName::ClientAssertion),
    };
    fields.push(("client_id", Template::literal(&cfg.client_id).into()));
    fields.push((
        "client_assertion_type",
        Template::literal(JWT_BEARER).into(),
    ));
    fields.push(("client_assertion", assertion.into()));
    req
}
