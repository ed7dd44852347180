//! `inspect`: decode the cached token locally. A JWT's header and claims
//! are shown as the token states them: the signature is not verified, so
//! nothing here proves who issued it. The token itself is never printed.

use super::{Outcome, load_profile};
use crate::cli::{Global, InspectArgs};
use crate::error::{Error, Result};
use crate::jwt;
use crate::log::sanitize_remote;
use crate::session::Session;
use crate::timefmt;
use serde_json::{Value, json};

const UNVERIFIED: &str = "signature not verified: this shows what the token says about itself, not proof of who issued it";

pub fn run(g: &Global, args: &InspectArgs) -> Result<Outcome> {
    let (_config, profile) = load_profile(g, &args.profile)?;
    let name = &profile.name;
    let session = Session::new(&profile)?;
    let token = session.cached()?.ok_or_else(|| {
        Error::login_required(format!(
            "profile '{name}' has no cached token for its current settings"
        ))
        .hint(format!(
            "run `authtool token {name}` first (with token_cache = \"none\" nothing is cached)"
        ))
    })?;
    let now = timefmt::now();
    let decoded = jwt::decode(token.access_token.expose());
    let scopes = decoded
        .as_ref()
        .map(|j| scopes(&j.claims))
        .filter(|s| !s.is_empty())
        .or_else(|| {
            token
                .scope
                .as_deref()
                .map(|s| s.split_whitespace().map(str::to_string).collect())
        })
        .unwrap_or_default();
    let expires_at = token.expires_at;
    let dpop = Dpop::of(
        &session,
        &token,
        decoded.as_ref().map(|j| &j.claims),
        profile.provider.provider().dpop(),
    )?;

    if args.json {
        let doc = json!({
            "profile": name,
            "token_type": token.token_type,
            "jwt": decoded.is_some(),
            "signature_verified": false,
            "header": decoded.as_ref().map(|j| j.header.clone()),
            "claims": decoded.as_ref().map(|j| j.claims.clone()),
            "scopes": scopes,
            "expires_at": expires_at.map(timefmt::rfc3339),
            "expires_in": expires_at.map(|at| at.saturating_sub(now)),
            "dpop": dpop.as_ref().map(|d| json!({
                "key_thumbprint": d.key,
                "cnf_jkt": d.cnf,
                "cnf_jkt_matches_key": d.cnf.is_some() && d.cnf == d.key,
            })),
        });
        let mut text = serde_json::to_string_pretty(&doc)
            .map_err(|e| Error::internal(format!("cannot encode the token: {e}")))?;
        text.push('\n');
        return Ok(Outcome::text(text));
    }

    let mut out = format!("profile: {name}\n");
    out.push_str(&format!(
        "type:    {}\n",
        sanitize_remote(&token.token_type)
    ));
    match &decoded {
        None => {
            out.push_str("format:  not a JWT (an opaque token): there are no claims to decode\n")
        }
        Some(j) => {
            out.push_str(&format!("format:  JWT ({UNVERIFIED})\n"));
            out.push_str(&format!("header:  {}\n", pretty(&j.header)));
            out.push_str(&format!("claims:  {}\n", pretty(&j.claims)));
            for (claim, label) in [("iat", "issued:"), ("nbf", "from:")] {
                if let Some(at) = j.claims.get(claim).and_then(Value::as_u64) {
                    out.push_str(&format!("{label:<9}{}\n", when(at, now)));
                }
            }
        }
    }
    if !scopes.is_empty() {
        out.push_str(&format!(
            "scopes:  {}\n",
            sanitize_remote(&scopes.join(" "))
        ));
    }
    if let Some(d) = &dpop {
        out.push_str(&format!(
            "dpop key: {}\n",
            d.key.as_deref().map_or(
                "none in the secret store (the next renewal makes one)".to_string(),
                |k| format!("{k} (RFC 7638 thumbprint)")
            )
        ));
        let cnf = match (&d.cnf, &d.key) {
            (None, _) => "none (not a JWT with a `cnf.jkt` claim)".to_string(),
            (Some(c), Some(k)) if c == k => format!("{} (matches the key)", sanitize_remote(c)),
            (Some(c), _) => format!("{} (DOES NOT match the key)", sanitize_remote(c)),
        };
        out.push_str(&format!("cnf.jkt:  {cnf}\n"));
    }
    out.push_str(&format!(
        "expires: {}\n",
        expires_at.map_or("unknown".to_string(), |at| when(at, now))
    ));
    Ok(Outcome::text(out))
}

/// A DPoP profile's key next to what the token says it is bound to.
struct Dpop {
    /// The RFC 7638 thumbprint of the key in the secret store.
    key: Option<String>,
    /// The token's `cnf.jkt` claim (a JWT's).
    cnf: Option<String>,
}

impl Dpop {
    fn of(
        session: &Session,
        token: &crate::providers::TokenSet,
        claims: Option<&Value>,
        enabled: bool,
    ) -> Result<Option<Dpop>> {
        if !enabled && token.dpop_jkt.is_none() {
            return Ok(None);
        }
        let key = if enabled {
            session.dpop_key()?.map(|k| k.thumbprint().to_string())
        } else {
            None
        };
        let cnf = claims
            .and_then(|c| c.pointer("/cnf/jkt"))
            .and_then(Value::as_str)
            .map(str::to_string);
        Ok(Some(Dpop { key, cnf }))
    }
}

/// `2026-05-01T10:00:00Z (in 59m 59s)`.
fn when(at: u64, now: u64) -> String {
    format!("{} ({})", timefmt::rfc3339(at), timefmt::relative(at, now))
}

/// Indented JSON; control characters in strings are escaped by JSON itself.
fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v)
        .unwrap_or_default()
        .replace('\n', "\n         ")
}

/// Scopes from `scope` (space-separated, RFC 8693), `scp` (string or list,
/// Azure/Okta) or `scopes` (list).
fn scopes(claims: &Value) -> Vec<String> {
    for key in ["scope", "scp", "scopes"] {
        match claims.get(key) {
            Some(Value::String(s)) => {
                return s.split_whitespace().map(str::to_string).collect();
            }
            Some(Value::Array(items)) => {
                return items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
            }
            _ => {}
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_claims() {
        assert_eq!(scopes(&json!({"scope": "a b"})), ["a", "b"]);
        assert_eq!(scopes(&json!({"scp": ["x", "y"]})), ["x", "y"]);
        assert_eq!(scopes(&json!({"scp": "x"})), ["x"]);
        assert!(scopes(&json!({"sub": "u"})).is_empty());
    }
}
