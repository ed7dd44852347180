//! Encoding helpers shared by the fake vendors and by tests: strict
//! `application/x-www-form-urlencoded` decoding, HTTP Basic (raw and
//! RFC 6749 §2.3.1), unsigned JWTs, unique token ids and Unix time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;

/// Decodes an `application/x-www-form-urlencoded` string (a request body or a
/// query string) into name/value pairs, strictly: `+` is a space, `%XX` must
/// be two hex digits, and the decoded bytes must be UTF-8. Empty segments
/// (`a=1&&b=2`) are skipped; a segment without `=` has an empty value.
pub fn form_decode(input: &str) -> Result<Vec<(String, String)>, String> {
    input
        .split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
            Ok((form_decode_component(name)?, form_decode_component(value)?))
        })
        .collect()
}

/// Decodes one form-encoded component (`+` → space, `%XX` → byte), strictly.
pub fn form_decode_component(input: &str) -> Result<String, String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("malformed percent-escape in `{input}`"))?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| format!("`{input}` does not decode to UTF-8"))
}

/// Like [`form_decode`], but never fails: malformed escapes are kept as they
/// are and invalid UTF-8 is replaced. Used for the informational
/// [`Request::query`](super::fake::Request::query) field.
pub fn form_decode_lossy(input: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(input.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Encodes one component as `application/x-www-form-urlencoded`
/// (space → `+`, everything but `A-Za-z0-9*-._` percent-encoded).
pub fn form_encode_component(input: &str) -> String {
    url::form_urlencoded::byte_serialize(input.as_bytes()).collect()
}

/// Encodes name/value pairs as an `application/x-www-form-urlencoded` string.
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        serializer.append_pair(name, value);
    }
    serializer.finish()
}

/// `Basic base64(user:password)`, with no further encoding (RFC 7617).
pub fn basic_header(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

/// `Basic base64(urlencode(client_id):urlencode(client_secret))`, the
/// encoding RFC 6749 §2.3.1 requires for OAuth2 client authentication.
pub fn basic_header_rfc6749(client_id: &str, client_secret: &str) -> String {
    basic_header(
        &form_encode_component(client_id),
        &form_encode_component(client_secret),
    )
}

/// Parses an `Authorization: Basic …` value into (user, password): base64,
/// split at the first `:`, UTF-8. No form-decoding (RFC 7617).
pub fn parse_basic(header_value: &str) -> Result<(String, String), String> {
    let (scheme, credentials) = header_value
        .trim()
        .split_once(' ')
        .ok_or("Authorization header has no credentials")?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(format!("Authorization scheme is `{scheme}`, not Basic"));
    }
    let decoded = STANDARD
        .decode(credentials.trim())
        .map_err(|e| format!("Basic credentials are not valid base64: {e}"))?;
    let decoded =
        String::from_utf8(decoded).map_err(|_| "Basic credentials are not UTF-8".to_string())?;
    let (user, password) = decoded
        .split_once(':')
        .ok_or("Basic credentials have no `:` separator")?;
    Ok((user.to_string(), password.to_string()))
}

/// Parses HTTP Basic client credentials per RFC 6749 §2.3.1: base64, split at
/// the first `:`, then form-url-decode the client id and the secret.
pub fn parse_basic_rfc6749(header_value: &str) -> Result<(String, String), String> {
    let (id, secret) = parse_basic(header_value)?;
    Ok((form_decode_component(&id)?, form_decode_component(&secret)?))
}

/// Base64url without padding, as JWTs use it.
pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A well-formed but unverifiable JWT: `header.claims.signature`, each
/// base64url; the header says HS256, the signature is a fixed fake. Good for
/// clients that read `exp` (and for `authtool inspect`), useless for anyone
/// who verifies signatures.
pub fn make_jwt(claims: Value) -> String {
    let header = serde_json::json!({ "alg": "HS256", "typ": "JWT", "kid": "fake" });
    format!(
        "{}.{}.{}",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes()),
        base64url(b"fake-signature-not-verifiable"),
    )
}

/// The claims of a JWT (no verification), or `None` if it is not one.
pub fn jwt_claims(token: &str) -> Option<Value> {
    let mut parts = token.split('.');
    let (_header, claims, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()
}

/// A token-like string unique across processes and servers: the prefix, the
/// process id, the current time in nanoseconds and a process-wide counter, in
/// hex. Only `[A-Za-z0-9_]` plus the prefix, so it is safe in URLs and headers.
pub fn unique_token(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{prefix}{:x}_{nanos:x}_{n:x}", std::process::id())
}

/// Seconds since the Unix epoch (0 for times before it).
pub fn unix_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Milliseconds since the Unix epoch (0 for times before it).
pub fn unix_millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The values of a JSON object that must have exactly the string fields
/// `names` (case-sensitive), in that order. A missing, extra, differently
/// cased or non-string field is an error naming it — what a strict JSON API
/// answers with a 400.
pub fn exact_string_fields(value: &Value, names: &[&str]) -> Result<Vec<String>, String> {
    let object = value
        .as_object()
        .ok_or_else(|| "the body must be a JSON object".to_string())?;
    if let Some(extra) = object.keys().find(|k| !names.contains(&k.as_str())) {
        return Err(format!("unexpected field `{extra}`"));
    }
    names
        .iter()
        .map(|name| match object.get(*name) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(format!("field `{name}` must be a string")),
            None => Err(format!("missing field `{name}`")),
        })
        .collect()
}
