//! How servers write times and lifetimes: seconds, Unix seconds or
//! milliseconds, RFC 3339, Microsoft's `/Date(ms)/`, a JWT's `exp`.

use crate::error::{Error, Result};
use crate::log::sanitize_remote;
use serde::Deserialize;
use serde_json::Value;

/// The longest lifetime accepted from a server (100 years): anything larger
/// is a broken response, not a token.
pub const MAX_LIFETIME_SECS: u64 = 100 * 365 * 86_400;

/// How a time in the answer is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeFormat {
    /// A lifetime in seconds: a number or a numeric string (`expires_in`).
    Seconds,
    /// Unix seconds, a number or a numeric string.
    Epoch,
    /// Unix milliseconds, a number or a numeric string.
    EpochMs,
    /// An RFC 3339 timestamp (`2026-01-02T03:04:05Z`).
    Rfc3339,
    /// A Microsoft JSON date, `/Date(1393858439151)/`.
    MsDate,
    /// The `exp` claim of the token itself (a JWT); no pointer.
    Jwt,
}

impl TimeFormat {
    fn describe(self) -> &'static str {
        match self {
            TimeFormat::Seconds => "a number of seconds",
            TimeFormat::Epoch => "Unix seconds",
            TimeFormat::EpochMs => "Unix milliseconds",
            TimeFormat::Rfc3339 => "an RFC 3339 time",
            TimeFormat::MsDate => "a /Date(milliseconds)/ value",
            TimeFormat::Jwt => "a JWT",
        }
    }

    /// `value` (the answer's `field`, not null) as Unix seconds. `Jwt` is
    /// read from the token instead, by the caller.
    pub(crate) fn read(self, field: &str, value: &Value, now: u64) -> Result<u64> {
        let at = match self {
            TimeFormat::Seconds => return Ok(now + lifetime_secs(field, value)?),
            TimeFormat::Epoch => json_u64(value),
            TimeFormat::EpochMs => json_u64(value).map(|ms| ms / 1000),
            TimeFormat::Rfc3339 => value.as_str().and_then(crate::timefmt::parse_rfc3339),
            TimeFormat::MsDate => value.as_str().and_then(parse_ms_date),
            TimeFormat::Jwt => None,
        };
        sent_time(field, value, at, self.describe(), now)
    }
}

/// A whole non-negative number sent as a JSON number (a fraction is
/// rounded down) or a numeric string.
pub(crate) fn json_u64(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
}

/// A time `value` a server sent, read as `at` (Unix seconds): `None` (it
/// is not `what`) or a time more than 100 years ahead is a malformed answer.
fn sent_time(field: &str, value: &Value, at: Option<u64>, what: &str, now: u64) -> Result<u64> {
    match at {
        Some(at) if at <= now.saturating_add(MAX_LIFETIME_SECS) => Ok(at),
        Some(_) => Err(Error::network(format!(
            "the server sent `{field}` more than 100 years ahead; refusing it"
        ))),
        None => Err(Error::network(format!(
            "the server sent `{field}` = {}, not {what}",
            sanitize_remote(&value.to_string())
        ))),
    }
}

/// Parses a lifetime given as a JSON number or numeric string.
pub fn lifetime_secs(field: &str, value: &Value) -> Result<u64> {
    match json_u64(value) {
        Some(n) if n <= MAX_LIFETIME_SECS => Ok(n),
        Some(n) => Err(Error::network(format!(
            "the server sent `{field}` = {n} seconds, more than 100 years; refusing it"
        ))),
        None => Err(Error::network(format!(
            "the server sent `{field}` = {}, not a number of seconds",
            sanitize_remote(&value.to_string())
        ))),
    }
}

/// Parses a Microsoft JSON date, `/Date(1393858439151)/`, into Unix
/// seconds (rounded down). A zone suffix such as `/Date(1393858439151+0100)/`
/// only says where the time was written: the milliseconds are UTC either
/// way. Dates before 1970 and anything else are `None`.
pub fn parse_ms_date(text: &str) -> Option<u64> {
    let t = text.trim();
    let inner = t
        .strip_prefix("/Date(")
        .or_else(|| t.strip_prefix("\\/Date("))?;
    let inner = inner
        .strip_suffix(")/")
        .or_else(|| inner.strip_suffix(")\\/"))?;
    let (millis, zone) = match inner
        .char_indices()
        .skip(1)
        .find(|(_, c)| matches!(c, '+' | '-'))
    {
        Some((i, _)) => (&inner[..i], Some(&inner[i + 1..])),
        None => (inner, None),
    };
    if let Some(zone) = zone
        && !(zone.len() == 4 && zone.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let digits = millis.strip_prefix('+').unwrap_or(millis);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok().map(|ms| ms / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lifetimes() {
        assert_eq!(lifetime_secs("x", &json!(3600)).unwrap(), 3600);
        assert_eq!(lifetime_secs("x", &json!("3600")).unwrap(), 3600);
        assert_eq!(lifetime_secs("x", &json!(59.9)).unwrap(), 59);
        assert!(lifetime_secs("x", &json!(-1)).is_err());
        assert!(lifetime_secs("x", &json!("soon")).is_err());
        assert!(lifetime_secs("x", &json!(u64::MAX)).is_err());
        assert!(lifetime_secs("x", &json!(null)).is_err());
    }

    #[test]
    fn ms_dates() {
        assert_eq!(parse_ms_date("/Date(1393858439151)/"), Some(1_393_858_439));
        assert_eq!(
            parse_ms_date("/Date(1393858439151+0100)/"),
            Some(1_393_858_439)
        );
        assert_eq!(
            parse_ms_date("/Date(1393858439151-0500)/"),
            Some(1_393_858_439)
        );
        assert_eq!(
            parse_ms_date("\\/Date(1394459639151)\\/"),
            Some(1_394_459_639)
        );
        assert_eq!(parse_ms_date(" /Date(0)/ "), Some(0));
        assert_eq!(parse_ms_date("/Date(999)/"), Some(0));
        for bad in [
            "/Date(-1000)/",
            "/Date(-1000+0100)/",
            "/Date()/",
            "/Date(12a)/",
            "/Date(1393858439151+01)/",
            "/Date(1393858439151+01:00)/",
            "/Date(1393858439151)",
            "Date(1393858439151)",
            "2014-03-03T14:53:59Z",
            "/Date(99999999999999999999999)/",
            "",
        ] {
            assert_eq!(parse_ms_date(bad), None, "{bad}");
        }
    }
}
