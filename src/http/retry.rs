//! When a failed request is tried again, and after how long: the retry
//! policy of [`super::Http::send`].

use super::ResponseWithHeaders;
use super::failure::Failure;
use std::time::Duration;

/// Retries on connect errors (but not a name that does not resolve) and
/// 429/502/503/504, at most this many tries.
pub(super) const MAX_ATTEMPTS: u32 = 4;
/// The longest `Retry-After` honoured; a server asking for more gets no
/// retry (the error says what it asked for).
pub(super) const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
/// A retry is made only if at least this much time is left for it after
/// the wait.
pub(super) const MIN_ATTEMPT: Duration = Duration::from_millis(500);

/// How to retry a failed attempt.
pub(super) enum Retry {
    /// Exponential backoff with jitter.
    Backoff,
    /// After what the server's `Retry-After` says.
    After(Duration),
}

/// Whether and how `outcome` may be retried.
pub(super) fn retry_of(
    outcome: &Result<ResponseWithHeaders, Failure>,
    idempotent: bool,
) -> Option<Retry> {
    let status_retry = |resp: &ResponseWithHeaders| {
        Some(resp_retry_after(resp).map_or(Retry::Backoff, Retry::After))
    };
    match outcome {
        Ok(resp) if matches!(resp.status, 429 | 503) => status_retry(resp),
        Ok(resp) if matches!(resp.status, 502 | 504) && idempotent => status_retry(resp),
        Ok(_) => None,
        Err(Failure::Connect(_)) => Some(Retry::Backoff),
        Err(Failure::Lost(_)) if idempotent => Some(Retry::Backoff),
        Err(_) => None,
    }
}

fn resp_retry_after(resp: &ResponseWithHeaders) -> Option<Duration> {
    let value = resp.retry_after.as_deref()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate(value)?;
    let now = crate::timefmt::now();
    Some(Duration::from_secs(at.saturating_sub(now)))
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn httpdate(value: &str) -> Option<u64> {
    humantime::parse_rfc3339_weak(&{
        let parts: Vec<&str> = value.split_whitespace().collect();
        let [_, day, mon, year, time, _] = parts.as_slice() else {
            return None;
        };
        let months = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let m = months.iter().position(|x| x == mon)? + 1;
        format!("{year}-{m:02}-{day:0>2} {time}")
    })
    .ok()?
    .duration_since(std::time::UNIX_EPOCH)
    .ok()
    .map(|d| d.as_secs())
}

/// Exponential backoff with jitter: 250 ms, 500 ms, 1 s … each scaled by
/// a random factor in [0.5, 1], so processes that failed together do not
/// come back together.
pub(super) fn backoff(attempt: u32) -> Duration {
    use std::hash::BuildHasher;
    let base = 250u64 << (attempt.max(1) - 1).min(5);
    // RandomState is seeded randomly per process: jitter without a crate.
    let random = std::collections::hash_map::RandomState::new().hash_one(attempt);
    Duration::from_millis(base / 2 + random % (base / 2 + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Response;

    #[test]
    fn http_dates() {
        assert_eq!(httpdate("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(httpdate("garbage"), None);
    }

    #[test]
    fn backoff_grows_with_jitter() {
        for _ in 0..50 {
            let first = backoff(1);
            assert!(first >= Duration::from_millis(125) && first <= Duration::from_millis(250));
            let third = backoff(3);
            assert!(third >= Duration::from_millis(500) && third <= Duration::from_millis(1000));
        }
        // Jitter: fifty waits are not all the same.
        let waits: std::collections::BTreeSet<Duration> = (0..50).map(|_| backoff(2)).collect();
        assert!(waits.len() > 5, "{waits:?}");
    }

    fn answer(status: u16, retry_after: Option<&str>) -> Result<ResponseWithHeaders, Failure> {
        Ok(ResponseWithHeaders {
            response: Response {
                status,
                content_type: String::new(),
                body: Vec::new(),
                dpop_nonce: None,
            },
            retry_after: retry_after.map(str::to_string),
            location: None,
        })
    }

    #[test]
    fn what_is_retried() {
        let retried = |outcome, idempotent| retry_of(&outcome, idempotent).is_some();
        for idempotent in [true, false] {
            // The server did not act on these: always safe.
            assert!(retried(answer(429, None), idempotent));
            assert!(retried(answer(503, None), idempotent));
            assert!(retried(Err(Failure::Connect("refused".into())), idempotent));
            // It may have acted on these: only when resending is harmless.
            assert_eq!(retried(answer(502, None), idempotent), idempotent);
            assert_eq!(retried(answer(504, None), idempotent), idempotent);
            assert_eq!(
                retried(Err(Failure::Lost("reset".into())), idempotent),
                idempotent
            );
            // Never.
            for status in [200, 400, 401, 404, 500] {
                assert!(!retried(answer(status, None), idempotent), "{status}");
            }
            assert!(!retried(Err(Failure::Other("timeout".into())), idempotent));
            assert!(!retried(
                Err(Failure::Unresolved("dns error".into())),
                idempotent
            ));
        }
        assert!(matches!(
            retry_of(&answer(429, Some("7")), false),
            Some(Retry::After(d)) if d == Duration::from_secs(7)
        ));
        assert!(matches!(
            retry_of(&answer(503, Some("soon")), false),
            Some(Retry::Backoff)
        ));
    }
}
