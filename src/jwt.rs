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

/// Before this (2001-09-09), an `exp` is no expiry but a mistake.
const PLAUSIBLE_EXP: u64 = 1_000_000_000;

/// The `exp` claim (Unix seconds) of a JWT, if the token is one and the
/// claim is a number; `Err` with the claim when that number cannot be an
/// expiry (negative, not finite, or before 2001: `exp: 1` and `exp: -1`
/// alike), so neither is taken for "expired in 1970" or "unknown".
pub fn expiry(token: &str) -> Result<Option<u64>, String> {
    let Some(jwt) = decode(token) else {
        return Ok(None);
    };
    let Some(Value::Number(n)) = jwt.claims.get("exp") else {
        return Ok(None);
    };
    let secs = n.as_u64().or_else(|| {
        n.as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(|f| f as u64)
    });
    match secs {
        Some(secs) if secs >= PLAUSIBLE_EXP => Ok(Some(secs)),
        _ => Err(n.to_string()),
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
        assert_eq!(expiry(&t), Ok(Some(1_700_000_000)));
        assert_eq!(decode(&t).unwrap().claims["sub"], "x");
    }

    #[test]
    fn non_jwts() {
        assert_eq!(decode("c0e0c951-40d5-4e4a-9789-6524c1d2f80d"), None);
        assert_eq!(decode("a.b.c"), None);
        assert_eq!(decode("a.b.c.d"), None);
        let t = format!("{}.{}.", enc("{}"), enc(r#"{"exp":"soon"}"#));
        assert_eq!(expiry(&t), Ok(None));
        // Numbers that cannot be an expiry (issue 17, finding 10).
        for exp in ["1", "-1", "0", "-1.5"] {
            let t = format!("{}.{}.", enc("{}"), enc(&format!(r#"{{"exp":{exp}}}"#)));
            assert!(expiry(&t).is_err(), "exp {exp}");
        }
        assert_eq!(decode(&format!("{}.{}.", enc("[]"), enc("{}"))), None);
    }
}
