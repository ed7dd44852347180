//! DPoP proofs (RFC 9449) as a strict server checks them: written
//! independently of authtool's own code (the signature is checked with the
//! `jwk` of the proof's header through `jsonwebtoken`, the thumbprint is
//! computed here from RFC 7638).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use std::collections::HashSet;

/// A proof that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// The RFC 7638 thumbprint of the proof's key.
    pub jkt: String,
    pub jti: String,
    pub claims: Value,
    pub header: Value,
}

/// What a proof must say.
pub struct Expect<'a> {
    pub htm: &'a str,
    /// The URL without query and fragment.
    pub htu: &'a str,
    /// Unix seconds; `iat` must be within a minute of it.
    pub now: u64,
    /// The nonce the server demands, if any.
    pub nonce: Option<&'a str>,
    /// The access token the proof goes with (`ath`), if any.
    pub access_token: Option<&'a str>,
}

/// Why a proof is refused, as a server would say it.
pub type Refusal = String;

/// Base64url SHA-256.
pub fn sha256_b64(data: &[u8]) -> String {
    B64.encode(ring::digest::digest(&ring::digest::SHA256, data))
}

/// RFC 7638 thumbprint of a public EC or RSA JWK (its required members,
/// in lexicographic order, no whitespace).
pub fn thumbprint(jwk: &Value) -> String {
    let members: &[&str] = match jwk["kty"].as_str() {
        Some("EC") => &["crv", "kty", "x", "y"],
        Some("RSA") => &["e", "kty", "n"],
        Some("OKP") => &["crv", "kty", "x"],
        _ => return String::new(),
    };
    let parts: Vec<String> = members
        .iter()
        .map(|m| format!("\"{m}\":{}", jwk[m]))
        .collect();
    sha256_b64(format!("{{{}}}", parts.join(",")).as_bytes())
}

fn part(text: &str) -> Result<Value, Refusal> {
    let bytes = B64
        .decode(text)
        .map_err(|e| format!("not base64url: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("not JSON: {e}"))
}

/// Checks `proof` as RFC 9449 §4.3 says: a JWT with `typ` `dpop+jwt`, an
/// asymmetric `alg`, a public `jwk` (no private members) whose key
/// verifies the signature, `jti`, `htm`, `htu`, a recent `iat`, the
/// server's nonce and `ath` when asked, and a `jti` not seen before (it is
/// added to `seen`).
pub fn verify(proof: &str, want: &Expect, seen: &mut HashSet<String>) -> Result<Proof, Refusal> {
    let parts: Vec<&str> = proof.split('.').collect();
    if parts.len() != 3 {
        return Err("the proof is not a compact JWS".into());
    }
    let header = part(parts[0])?;
    let claims = part(parts[1])?;
    if header["typ"] != "dpop+jwt" {
        return Err(format!("typ is {}, not dpop+jwt", header["typ"]));
    }
    if header["alg"] != "ES256" {
        return Err(format!("alg {} is not ES256", header["alg"]));
    }
    let jwk_value = header.get("jwk").ok_or("no jwk header")?;
    if jwk_value.get("d").is_some() {
        return Err("the jwk holds a private key".into());
    }
    let jwk: Jwk = serde_json::from_value(jwk_value.clone()).map_err(|e| format!("jwk: {e}"))?;
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| format!("jwk: {e}"))?;
    let mut validation = Validation::new(Algorithm::ES256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    jsonwebtoken::decode::<Value>(proof, &key, &validation)
        .map_err(|e| format!("the signature does not verify with the jwk: {e}"))?;
    if claims["htm"] != want.htm {
        return Err(format!("htm {} is not {}", claims["htm"], want.htm));
    }
    if claims["htu"] != want.htu {
        return Err(format!("htu {} is not {}", claims["htu"], want.htu));
    }
    let iat = claims["iat"].as_u64().ok_or("no iat")?;
    if iat.abs_diff(want.now) > 60 {
        return Err(format!("iat {iat} is not within a minute of {}", want.now));
    }
    if let Some(nonce) = want.nonce
        && claims["nonce"] != nonce
    {
        return Err(format!("nonce {} is not {nonce}", claims["nonce"]));
    }
    match want.access_token {
        Some(token) if claims["ath"] != sha256_b64(token.as_bytes()) => {
            return Err(format!("ath {} is not the token's hash", claims["ath"]));
        }
        None if claims.get("ath").is_some() => {
            return Err("ath in a proof for a token request".into());
        }
        _ => {}
    }
    let jti = claims["jti"].as_str().ok_or("no jti")?.to_string();
    if jti.len() < 16 {
        return Err("jti too short to be unique".into());
    }
    if !seen.insert(jti.clone()) {
        return Err(format!("jti {jti} was used before"));
    }
    Ok(Proof {
        jkt: thumbprint(jwk_value),
        jti,
        claims,
        header,
    })
}

#[test]
fn thumbprints_match_rfc9449s_example() {
    // RFC 9449 §4.1's proof key, and §6.1's `cnf.jkt` of a token bound to it.
    let jwk = serde_json::json!({
        "kty": "EC",
        "x": "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
        "y": "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA",
        "crv": "P-256"
    });
    assert_eq!(
        thumbprint(&jwk),
        "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
    );
}
