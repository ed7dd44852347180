//! Local JWT decoding (no signature check): expiry and claims for display.

use base64::Engine;
use serde_json::Value;

/// A decoded (not verified) JWT.
#[derive(Debug, Clone, PartialEq)]
pub struct Jwt {
    pub header: Value,
    pub claims: Value,
}

/// Decodes `header.claims.signature` without verifying the signature.
pub fn decode(token: &str) -> Option<Jwt> {
    let mut parts = token.split('.');
    let (h, c, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let part = |s: &str| -> Option<Value> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s.trim_end_matches('='))
            .ok()?;
        let v: Value = serde_json::from_slice(&bytes).ok()?;
        v.is_object().then_some(v)
    };
    Some(Jwt {
        header: part(h)?,
        claims: part(c)?,
    })
}

/// The `exp` claim (Unix seconds) of a JWT, if the token is one.
pub fn expiry(token: &str) -> Option<u64> {
    let jwt = decode(token)?;
    match jwt.claims.get("exp")? {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f as u64)
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v)
    }

    #[test]
    fn decodes_exp() {
        let t = format!(
            "{}.{}.sig",
            enc(r#"{"alg":"RS256"}"#),
            enc(r#"{"exp":1700000000,"sub":"x"}"#)
        );
        assert_eq!(expiry(&t), Some(1_700_000_000));
        assert_eq!(decode(&t).unwrap().claims["sub"], "x");
    }

    #[test]
    fn non_jwts() {
        assert_eq!(decode("c0e0c951-40d5-4e4a-9789-6524c1d2f80d"), None);
        assert_eq!(decode("a.b.c"), None);
        assert_eq!(decode("a.b.c.d"), None);
        let t = format!("{}.{}.", enc("{}"), enc(r#"{"exp":"soon"}"#));
        assert_eq!(expiry(&t), None);
        assert_eq!(decode(&format!("{}.{}.", enc("[]"), enc("{}"))), None);
    }
}
