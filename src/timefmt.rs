//! Time helpers: the clock, durations in config (`"90s"`, `"5m"`), human
//! forms for messages, RFC 3339 for JSON.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The instant `after` from now; for an absurd `after` (a timeout of
/// centuries), a century from now instead of an overflow.
pub fn deadline(after: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(after)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 86_400)))
        .unwrap_or(now)
}

/// Parses `"90s"`, `"5m"`, `"1h 30m"`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(t)
        .map_err(|e| format!("{e} (expected a duration like \"90s\", \"5m\" or \"1h\")"))
}

/// A short human form of a number of seconds: `4m 59s`, `23h 59m`, `3d 2h`.
pub fn human_secs(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match () {
        _ if d > 0 => format!("{d}d {h}h"),
        _ if h > 0 => format!("{h}h {m}m"),
        _ if m > 0 => format!("{m}m {s}s"),
        _ => format!("{s}s"),
    }
}

/// "in 4m 59s" or "5m ago" relative to `now`.
pub fn relative(at: u64, now: u64) -> String {
    if at >= now {
        format!("in {}", human_secs(at - now))
    } else {
        format!("{} ago", human_secs(now - at))
    }
}

/// RFC 3339 in UTC with second precision: `2026-11-23T16:37:00Z`.
pub fn rfc3339(secs: u64) -> String {
    // Clamp to what SystemTime and humantime can represent (year 9999).
    let secs = secs.min(253_402_300_799);
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(secs)).to_string()
}

/// Parses an RFC 3339 timestamp into Unix seconds.
pub fn parse_rfc3339(text: &str) -> Option<u64> {
    humantime::parse_rfc3339_weak(text.trim())
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("120").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1h 30m").unwrap(), Duration::from_secs(5400));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-5s").is_err());
    }

    #[test]
    fn deadlines_never_overflow() {
        assert!(deadline(Duration::from_secs(1)) > Instant::now());
        assert!(deadline(Duration::MAX) > Instant::now());
    }

    #[test]
    fn human() {
        assert_eq!(human_secs(59), "59s");
        assert_eq!(human_secs(299), "4m 59s");
        assert_eq!(human_secs(86_399), "23h 59m");
        assert_eq!(human_secs(2 * 86_400 + 3600), "2d 1h");
        assert_eq!(relative(100, 40), "in 1m 0s");
        assert_eq!(relative(40, 100), "1m 0s ago");
    }

    #[test]
    fn rfc3339_round_trip() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_393_858_439), "2014-03-03T14:53:59Z");
        assert_eq!(parse_rfc3339("2014-03-03T14:53:59Z"), Some(1_393_858_439));
        assert_eq!(rfc3339(u64::MAX), "9999-12-31T23:59:59Z");
    }
}
