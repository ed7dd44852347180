//! Entry points for the fuzz targets in `fuzz/` and for their regression
//! test ([`replay`], a unit test), which replays every saved input under
//! plain `cargo test`. Compiled only with the `fuzzing` feature (which the
//! crate in `fuzz/` enables) and for the unit tests. Not part of the
//! interface: hidden from the docs.
//!
//! Each function takes arbitrary bytes and drives one parser the way the
//! program does. It must never panic; on top of that it asserts (with
//! `assert!`, so a violation is a crash the fuzzer reports) the properties
//! the rest of the program relies on:
//!
//! - errors have the documented kind, and their text is terminal-safe
//!   (no control characters from remote input);
//! - a token any provider accepts is non-empty, printable and without
//!   whitespace, and every output format carries it intact (raw, headers,
//!   JSON, `export` for sh, curl config, query, ExecCredential);
//! - the values a validated profile hands to the rest of the program are
//!   usable there (durations that cannot overflow, headers and git
//!   usernames without line breaks, `urls` that can match);
//! - git-credential answers never hold a line break or NUL inside a value,
//!   and git reads back exactly what was written.

use crate::config::Config;
use crate::error::{Error, Kind};
use crate::http::Response;
use crate::output::{self, Format, View};
use crate::providers::engine::{Spec, parse_ms_date};
use crate::providers::{self, Presentation, Provider, TokenSet};
use crate::secret::Secret;
use crate::session;
use crate::urlmatch::Target;
use clap::ValueEnum;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

/// "Now" for every parser: a fixed, realistic clock (2023-11-14), so that
/// a crash replays identically.
pub const NOW: u64 = 1_700_000_000;

/// A fuzz target's body: arbitrary bytes in, a panic on a violation.
pub type FuzzTarget = fn(&[u8]);

/// The fuzz targets, by the name of their file in `fuzz/fuzz_targets/`
/// (and of their directories under `fuzz/seeds/` and `fuzz/regressions/`).
pub const TARGETS: &[(&str, FuzzTarget)] = &[
    ("config", config),
    ("jwt", jwt),
    ("response", response),
    ("git_credential", git_credential),
];

mod git_credential;
#[cfg(test)]
mod replay;

/// git-credential input (`get`/`store`/`erase` requests on stdin).
pub use git_credential::git_credential;

// ---- config ----------------------------------------------------------------

/// A config file: parsed, then every profile validated, as
/// `authtool config check` does.
pub fn config(data: &[u8]) {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let config = match Config::parse(Path::new("/fuzz/config.toml"), source.to_string()) {
        Ok(c) => c,
        Err(e) => return assert_error(&e, &[Kind::Config], false),
    };
    for name in config.profile_names() {
        let profile = match config.profile(&name) {
            Ok(p) => p,
            Err(e) => {
                assert_error(&e, &[Kind::Config], false);
                continue;
            }
        };
        let common = &profile.common;
        // session: the renewal lock waits `timeout * 2 + 5s`; a token
        // without an expiry lives `token_lifetime` from now.
        assert!(
            common
                .timeout
                .checked_mul(2)
                .and_then(|d| d.checked_add(Duration::from_secs(5)))
                .is_some(),
            "timeout {:?} overflows the lock wait",
            common.timeout
        );
        let lifetime = common.token_lifetime.as_secs();
        assert!(
            NOW.checked_add(lifetime).is_some(),
            "token_lifetime {lifetime}s overflows an expiry"
        );
        let mut token = TokenSet::new(Secret::new("t"), NOW);
        token.expires_at = Some(NOW + lifetime);
        let _ = session::renew_at(&token, common.refresh_margin);
        let _ = session::renewal_reason(&token, common.refresh_margin, None, NOW);
        // git-credential, docker-credential and keyring write these as lines.
        for name in [
            &common.git_username,
            &common.docker_username,
            &common.keyring_username,
        ]
        .into_iter()
        .flatten()
        {
            assert!(!has_line_break(name), "username {name:?} breaks a line");
        }
        // Every `urls` entry can match a request.
        for url in &common.urls {
            assert!(
                Target::parse(url).is_some(),
                "`{url}` in urls never matches"
            );
        }
        let provider = profile.provider.provider();
        let _ = (provider.endpoint(), provider.secret_names());
        let _ = session::fingerprint(provider);
        // Headers built from the profile (X-Customer) cannot be split.
        let shown = provider.present(&token);
        for (name, value) in shown.headers.iter().chain(&shown.query) {
            assert!(
                !name
                    .chars()
                    .chain(value.expose().chars())
                    .any(char::is_control),
                "header or query `{name}` from the config holds a control character"
            );
        }
    }
}

fn has_line_break(s: &str) -> bool {
    s.contains(['\n', '\r', '\0'])
}

// ---- JWT -------------------------------------------------------------------

/// A token as `inspect` and the expiry fallback decode it.
pub fn jwt(data: &[u8]) {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let decoded = crate::jwt::decode(token);
    let exp = crate::jwt::expiry(token).ok().flatten();
    if let Some(jwt) = &decoded {
        assert_eq!(token.matches('.').count(), 2, "a JWT has three parts");
        assert!(jwt.header.is_object() && jwt.claims.is_object());
    }
    if let Some(exp) = exp {
        let claims = &decoded.as_ref().expect("an expiry comes from a JWT").claims;
        let claim = claims.get("exp").expect("an expiry comes from `exp`");
        assert!(claim.is_number(), "`exp` is a number");
        if let Some(n) = claim.as_u64() {
            assert_eq!(n, exp);
        }
    }
}

// ---- provider responses ----------------------------------------------------

/// The endpoint named in messages.
const ENDPOINT: &str = "https://auth.example.com/token";

/// Splits `"<3 digits>\n<body>"` (the readable form the seeds and the saved
/// crashes are written in) into a status and a body; anything else is a
/// 200 answer with `data` as its body.
pub fn status_and_body(data: &[u8]) -> (u16, &[u8]) {
    match data {
        [a, b, c, b'\n', body @ ..] if [a, b, c].iter().all(|d| d.is_ascii_digit()) => {
            let status = [a, b, c]
                .iter()
                .fold(0u16, |n, d| n * 10 + u16::from(**d - b'0'));
            (status, body)
        }
        _ => (200, data),
    }
}

fn answer(data: &[u8]) -> Response {
    let (status, body) = status_and_body(data);
    Response {
        status,
        content_type: "application/json".into(),
        body: body.to_vec(),
        dpop_nonce: None,
    }
}

/// The vendors [`response`] picks from: a provider id and a profile of
/// it. The first input byte picks one: its distance from the ASCII digit
/// `0`, modulo their number (`0` is the first, `5` the sixth; a vendor
/// added at the end does not move the others' seeds).
pub const RESPONSE_VENDORS: [(&str, &str); 6] = [
    (
        "oauth2",
        "token_url = 'https://auth.example.com/token'\nclient_id = 'c'",
    ),
    (
        "pipeline-lbm",
        "environment = 'production'\ntenant = 'lbmsales'\nclient_id = 'c'",
    ),
    (
        "connect-enterprise",
        "environment = 'production'\nclient_id = 'c'",
    ),
    ("primaerp", "tenant = 't'\nusername = 'u'"),
    ("lrs-connect", "username = 'u'"),
    ("http", HTTP_PROFILE),
];

/// A `provider = "http"` profile that reads every field the engine can.
const HTTP_PROFILE: &str = r#"
client_id = "c"
[login]
url = "https://auth.example.com/token"
body_type = "form"
body = { grant_type = "client_credentials", client_secret = "{secret:client_secret}" }
[refresh]
body_type = "form"
body = { grant_type = "refresh_token", refresh_token = "{refresh_token}" }
[response]
token = "/data/token"
token_type = "/type"
scope = "/scope"
expires = "/exp"
expires_format = "epoch"
refresh_token = "/rt"
refresh_expires = "/rx"
refresh_expires_format = "ms-date"
error = "/errors"
[present]
header = "X-Auth"
prefix = "Token "
query = "t"
headers = { X-Customer = "acme" }
"#;

/// The providers of [`RESPONSE_VENDORS`] and their specs, built once.
fn vendors() -> &'static [(providers::ProviderConfig, Spec)] {
    static CELL: OnceLock<Vec<(providers::ProviderConfig, Spec)>> = OnceLock::new();
    CELL.get_or_init(|| {
        RESPONSE_VENDORS
            .iter()
            .map(|(id, toml)| {
                let table: toml::Table = toml::from_str(toml).expect("a valid table");
                let config = providers::parse_config(id, table)
                    .ok()
                    .expect("a valid provider config");
                let spec = config.provider().spec();
                (config, spec)
            })
            .collect()
    })
}

/// A token answer, read by the engine as one vendor's spec says: the
/// first byte picks the vendor ([`RESPONSE_VENDORS`]), the rest is
/// `"<3 digits>\n<body>"` or a 200 body. An `oauth2` token is presented
/// the `pipeline-lbm` way too; for `primaerp` the dates are at most 100
/// years ahead, and the body is also tried as a `/Date(ms)/` on its own.
pub fn response(data: &[u8]) {
    let Some((selector, data)) = data.split_first() else {
        return;
    };
    let vendors = vendors();
    let (config, spec) = &vendors[usize::from(selector.wrapping_sub(b'0')) % vendors.len()];
    let provider = config.provider();
    let parsed = spec.response.read(&answer(data), ENDPOINT, NOW, "h");
    let token = check_parsed(parsed, provider);
    match (provider.id(), token) {
        ("oauth2", Ok(token)) => check_token_set(&token, vendors[1].0.provider()),
        ("primaerp", token) => {
            if let Ok(token) = token {
                for at in [token.expires_at, token.refresh_expires_at]
                    .into_iter()
                    .flatten()
                {
                    assert!(at <= NOW + providers::MAX_LIFETIME_SECS);
                }
            }
            if let Ok(text) = std::str::from_utf8(status_and_body(data).1)
                && let Some(secs) = parse_ms_date(text)
            {
                assert!(text.contains("Date("), "{text:?} is not a /Date()/");
                let _ = crate::timefmt::rfc3339(secs);
            }
        }
        _ => {}
    }
}

/// A parser's result: an error of the documented kind with terminal-safe
/// text, or a token set that passes [`check_token_set`].
fn check_parsed(parsed: crate::Result<TokenSet>, provider: &dyn Provider) -> Result<TokenSet, ()> {
    match parsed {
        Ok(token) => {
            check_token_set(&token, provider);
            Ok(token)
        }
        Err(e) => {
            assert_error(&e, &[Kind::Network, Kind::Rejected], true);
            Err(())
        }
    }
}

/// An error of one of `kinds`; when `remote` (its text may quote a server),
/// without control characters.
fn assert_error(e: &Error, kinds: &[Kind], remote: bool) {
    assert!(kinds.contains(&e.kind), "unexpected kind {:?}: {e}", e.kind);
    assert!(!e.message.is_empty());
    if remote {
        for text in std::iter::once(&e.message).chain(&e.hints) {
            assert!(
                !text.chars().any(char::is_control),
                "control character in {text:?}"
            );
        }
    }
}

/// A token a provider accepted: usable in a header, a shell variable and
/// git's line protocol; it survives the cache file and every output format.
fn check_token_set(token: &TokenSet, provider: &dyn Provider) {
    let access = token.access_token.expose();
    assert!(providers::check_token("access_token", access).is_ok());
    if let Some(refresh) = &token.refresh_token {
        assert!(providers::check_token("refresh_token", refresh.expose()).is_ok());
    }
    assert!(
        !token.token_type.chars().any(char::is_control),
        "token_type {:?}",
        token.token_type
    );
    assert_eq!(token.issued_at, NOW);
    // The cache file.
    let cached = serde_json::to_string(token).expect("a token set encodes");
    let back: TokenSet = serde_json::from_str(&cached).expect("a cached token set decodes");
    assert_eq!(&back, token);
    // What the session and the credential helpers compute from it.
    let _ = session::renew_at(token, None);
    let _ = session::renewal_reason(token, None, Some(Duration::from_secs(60)), NOW);
    check_outputs(token, &provider.present(token), provider.id());
}

/// Renders `token` in every format and reads each back.
fn check_outputs(token: &TokenSet, presentation: &Presentation, provider: &str) {
    let access = token.access_token.expose();
    let view = View {
        profile: "fuzz",
        provider,
        token,
        presentation,
        now: NOW,
        refresh_margin: None,
    };
    for &format in Format::value_variants() {
        let out = match output::render(format, &view, true) {
            Ok(out) => out,
            Err(e) => {
                assert!(
                    matches!(format, Format::Header | Format::Query),
                    "{format:?} failed: {e}"
                );
                assert_error(&e, &[Kind::Config], true);
                continue;
            }
        };
        assert!(out.ends_with('\n'), "{format:?} output ends with a newline");
        let lines: Vec<&str> = out.lines().collect();
        match format {
            Format::Raw => assert_eq!(out, format!("{access}\n")),
            Format::Header => {
                assert_eq!(lines.len(), presentation.headers.len());
                for (line, (name, value)) in lines.iter().zip(&presentation.headers) {
                    assert_eq!(*line, format!("{name}: {}", value.expose()));
                    assert!(!line.contains('\r'));
                }
            }
            Format::Json => {
                let v: serde_json::Value = serde_json::from_str(&out).expect("JSON output");
                assert_eq!(v["access_token"], access);
            }
            Format::ExecCredential => {
                let v: serde_json::Value = serde_json::from_str(&out).expect("JSON output");
                assert_eq!(v["status"]["token"], access);
            }
            Format::Env => {
                assert_eq!(lines.len(), 1);
                let quoted = lines[0]
                    .strip_prefix("export AUTHTOOL_TOKEN=")
                    .expect("an export line");
                assert_eq!(sh_unquote(quoted).as_deref(), Some(access));
            }
            Format::Curl => {
                let expected: Vec<String> = presentation
                    .headers
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v.expose()))
                    .chain(
                        presentation
                            .query
                            .iter()
                            .map(|(k, v)| format!("+{}", output::query_pair(k, v.expose()))),
                    )
                    .collect();
                assert_eq!(lines.len(), expected.len());
                for (line, want) in lines.iter().zip(&expected) {
                    let (_, value) = line.split_once(" = ").expect("a curl config line");
                    assert_eq!(curl_unquote(value).as_deref(), Some(want.as_str()));
                }
            }
            Format::Query => {
                assert_eq!(lines.len(), 1);
                let pairs: Vec<(String, String)> = url::form_urlencoded::parse(lines[0].as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                let want: Vec<(String, String)> = presentation
                    .query
                    .iter()
                    .map(|(k, v)| (k.clone(), v.expose().to_string()))
                    .collect();
                assert_eq!(pairs, want);
            }
        }
    }
}

/// What sh makes of a word made of `'…'` runs and `\'`.
fn sh_unquote(word: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = word;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("\\'") {
            out.push('\'');
            rest = r;
        } else {
            let r = rest.strip_prefix('\'')?;
            let end = r.find('\'')?;
            out.push_str(&r[..end]);
            rest = &r[end + 1..];
        }
    }
    Some(out)
}

/// What curl makes of a double-quoted config value (its `unslashquote`:
/// `\t`, `\n`, `\r`, `\v` are control characters, any other `\x` is `x`).
fn curl_unquote(value: &str) -> Option<String> {
    let inner = value.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(match chars.next()? {
                't' => '\t',
                'n' => '\n',
                'r' => '\r',
                'v' => '\x0b',
                c => c,
            }),
            '"' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}
