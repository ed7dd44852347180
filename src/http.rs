//! The one place requests are made: HTTPS only (loopback or an explicit
//! `allow_insecure_http` excepted), the OS trust store plus `ca_file`,
//! timeouts, bounded retries, no redirects, a size cap, redacted logging.
//!
//! The client is built lazily, on the first request: the cached-token path
//! never pays for TLS setup or a runtime thread.

use crate::config::Common;
use crate::debug;
use crate::error::{Error, Result};
use crate::secret::Secret;
use base64::Engine;
use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use url::Url;

/// Largest response body read from a server.
pub const MAX_BODY: usize = 1024 * 1024;

const USER_AGENT: &str = concat!("authtool/", env!("CARGO_PKG_VERSION"));

/// Retries on connect errors and 429/502/503/504, at most this many tries.
const MAX_ATTEMPTS: u32 = 4;
/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// A request. Deliberately not `Debug`: its body and URL carry secrets.
pub struct Request {
    pub method: Method,
    pub url: Url,
    pub headers: Vec<(&'static str, String)>,
    pub basic_auth: Option<Secret>,
    pub body: Option<(&'static str, Secret)>,
    /// Whether resending after an ambiguous failure (502/504, a dropped
    /// connection after sending) is harmless. False for single-use refresh
    /// tokens: a lost response may mean the token was already spent.
    pub idempotent: bool,
}

impl Request {
    pub fn new(method: Method, url: Url) -> Self {
        Request {
            method,
            url,
            headers: Vec::new(),
            basic_auth: None,
            body: None,
            idempotent: true,
        }
    }

    /// HTTP Basic with an already-encoded `user:password` string.
    pub fn basic(mut self, user: &str, password: &str) -> Self {
        let raw = format!("{user}:{password}");
        let encoded = base64::engine::general_purpose::STANDARD.encode(raw.as_bytes());
        self.basic_auth = Some(Secret::new(encoded));
        self
    }

    /// An `application/x-www-form-urlencoded` body.
    pub fn form(mut self, fields: &[(&str, &str)]) -> Self {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.body = Some(("application/x-www-form-urlencoded", Secret::new(body)));
        self
    }

    /// An `application/json` body.
    pub fn json(mut self, value: &serde_json::Value) -> Self {
        self.body = Some(("application/json", Secret::new(value.to_string())));
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The URL as it may be logged: query values replaced.
    fn redacted_url(&self) -> String {
        redact_url(&self.url)
    }
}

/// A URL with every query value replaced by `***`.
pub fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    if url.query().is_some() {
        let keys: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
        let q = keys
            .iter()
            .map(|k| format!("{k}=***"))
            .collect::<Vec<_>>()
            .join("&");
        shown.set_query(Some(&q));
    }
    shown.set_password(None).ok();
    shown.to_string()
}

/// A response: status, content type and a capped body.
pub struct Response {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Response {
    /// The body as JSON, or an error naming the endpoint.
    pub fn json(&self, endpoint: &str) -> Result<serde_json::Value> {
        serde_json::from_slice(&self.body).map_err(|e| {
            let hint = if self.body.trim_ascii_start().starts_with(b"<") {
                " (it looks like an HTML page: is the URL right?)"
            } else {
                ""
            };
            Error::network(format!(
                "{endpoint} answered HTTP {} with a body that is not JSON{hint}: {e}",
                self.status
            ))
        })
    }

    /// A short, terminal-safe excerpt of the body for error messages.
    pub fn excerpt(&self) -> String {
        crate::log::sanitize_remote(&String::from_utf8_lossy(
            &self.body[..self.body.len().min(200)],
        ))
    }
}

/// HTTP settings of one profile, with a client built on first use.
pub struct Http {
    timeout: Duration,
    ca_file: Option<PathBuf>,
    allow_insecure_http: bool,
    client: OnceLock<reqwest::blocking::Client>,
}

impl Http {
    pub fn new(common: &Common) -> Self {
        Http {
            timeout: common.timeout,
            ca_file: common.ca_file.clone(),
            allow_insecure_http: common.allow_insecure_http,
            client: OnceLock::new(),
        }
    }

    /// Refuses URLs we will not send credentials to: anything but https,
    /// except http to a loopback host or with `allow_insecure_http`.
    pub fn check_url(&self, url: &Url) -> Result<()> {
        match url.scheme() {
            "https" => Ok(()),
            "http" if self.allow_insecure_http || is_loopback(url) => Ok(()),
            "http" => Err(Error::config(format!(
                "refusing to send credentials over plain http to {}",
                url.host_str().unwrap_or("?")
            ))
            .hint("use an https:// URL")
            .hint("or, if you really mean it, set allow_insecure_http = true in the profile")),
            other => Err(Error::config(format!(
                "unsupported URL scheme `{other}` in {}; use https://",
                redact_url(url)
            ))),
        }
    }

    fn client(&self) -> Result<&reqwest::blocking::Client> {
        if let Some(c) = self.client.get() {
            return Ok(c);
        }
        // ring: a fraction of aws-lc's start-up cost. Ignore "already set".
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::blocking::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.timeout)
            .timeout(self.timeout);
        if let Some(ca) = &self.ca_file {
            let pem = std::fs::read(ca)
                .map_err(|e| Error::config(format!("cannot read ca_file {}: {e}", ca.display())))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                Error::config(format!(
                    "ca_file {} is not a PEM certificate bundle: {e}",
                    ca.display()
                ))
            })?;
            if certs.is_empty() {
                return Err(Error::config(format!(
                    "ca_file {} contains no PEM certificates",
                    ca.display()
                )));
            }
            builder = builder.tls_certs_merge(certs);
        }
        let client = builder
            .build()
            .map_err(|e| Error::network(format!("cannot set up HTTPS: {}", chain(&e))))?;
        Ok(self.client.get_or_init(|| client))
    }

    /// Sends `req`, retrying transient failures within the profile timeout.
    pub fn send(&self, req: &Request) -> Result<Response> {
        self.check_url(&req.url)?;
        let client = self.client()?;
        let shown = req.redacted_url();
        let deadline = Instant::now() + self.timeout;
        let mut attempt = 0;
        loop {
            attempt += 1;
            debug!(
                "{} {} (attempt {attempt})",
                if req.method == Method::Get {
                    "GET"
                } else {
                    "POST"
                },
                shown
            );
            let outcome = self.send_once(client, req);
            let retry_after = match &outcome {
                Ok(resp) if matches!(resp.status, 429 | 503) => Some(None),
                Ok(resp) if matches!(resp.status, 502 | 504) && req.idempotent => Some(None),
                Ok(_) => None,
                Err(Failure::Connect(_)) => Some(None),
                Err(Failure::Other(_)) => None,
            };
            let retry_after = match (&outcome, retry_after) {
                (Ok(resp), Some(_)) => Some(resp_retry_after(resp)),
                (_, r) => r,
            };
            match (outcome, retry_after) {
                (outcome, Some(after)) if attempt < MAX_ATTEMPTS => {
                    let wait = after
                        .unwrap_or_else(|| backoff(attempt))
                        .min(MAX_RETRY_AFTER);
                    if Instant::now() + wait >= deadline {
                        return finish(outcome, &shown);
                    }
                    debug!("transient failure; retrying in {}ms", wait.as_millis());
                    std::thread::sleep(wait);
                }
                (outcome, _) => return finish(outcome, &shown),
            }
        }
    }

    fn send_once(
        &self,
        client: &reqwest::blocking::Client,
        req: &Request,
    ) -> Result<ResponseWithHeaders, Failure> {
        let mut rb = match req.method {
            Method::Get => client.get(req.url.clone()),
            Method::Post => client.post(req.url.clone()),
        };
        rb = rb.header(reqwest::header::ACCEPT, "application/json");
        for (name, value) in &req.headers {
            rb = rb.header(*name, value);
        }
        if let Some(basic) = &req.basic_auth {
            let mut value =
                reqwest::header::HeaderValue::from_str(&format!("Basic {}", basic.expose()))
                    .map_err(|_| Failure::Other("invalid characters in credentials".into()))?;
            value.set_sensitive(true);
            rb = rb.header(reqwest::header::AUTHORIZATION, value);
        }
        if let Some((content_type, body)) = &req.body {
            rb = rb
                .header(reqwest::header::CONTENT_TYPE, *content_type)
                .body(body.expose().to_string());
        }
        let resp = rb.send().map_err(|e| {
            if e.is_connect() {
                Failure::Connect(chain(&e))
            } else if e.is_timeout() {
                Failure::Other(format!("timed out after {}s", self.timeout.as_secs()))
            } else {
                Failure::Other(chain(&e))
            }
        })?;
        let status = resp.status().as_u16();
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
        let retry_after = header(reqwest::header::RETRY_AFTER);
        let location = header(reqwest::header::LOCATION);
        let mut body = Vec::new();
        resp.take(MAX_BODY as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|e| Failure::Other(format!("reading the response failed: {e}")))?;
        if body.len() > MAX_BODY {
            return Err(Failure::Other(format!(
                "the response is larger than {} KiB; refusing it",
                MAX_BODY / 1024
            )));
        }
        Ok(ResponseWithHeaders {
            response: Response {
                status,
                content_type,
                body,
            },
            retry_after,
            location,
        })
    }
}

struct ResponseWithHeaders {
    response: Response,
    retry_after: Option<String>,
    location: Option<String>,
}

impl std::ops::Deref for ResponseWithHeaders {
    type Target = Response;
    fn deref(&self) -> &Response {
        &self.response
    }
}

enum Failure {
    /// Nothing was sent: safe to retry.
    Connect(String),
    Other(String),
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

/// Exponential backoff with jitter: ~250 ms, 500 ms, 1 s …
fn backoff(attempt: u32) -> Duration {
    let base = 250u64 << (attempt - 1).min(5);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0) as u64;
    Duration::from_millis(base / 2 + nanos % (base / 2 + 1))
}

fn finish(outcome: Result<ResponseWithHeaders, Failure>, shown: &str) -> Result<Response> {
    match outcome {
        Ok(r) if (300..400).contains(&r.status) => Err(Error::network(format!(
            "{shown} answered with a redirect (HTTP {}) to {}; token endpoints are not followed through redirects",
            r.status,
            r.location.as_deref().map(crate::log::sanitize_remote).unwrap_or_else(|| "?".into())
        ))
        .hint("set the URL in the profile to the final address")),
        Ok(r) => {
            debug!("HTTP {} ({} bytes)", r.status, r.body.len());
            Ok(r.response)
        }
        Err(Failure::Connect(msg)) => Err(Error::network(format!(
            "cannot connect to {shown}: {msg}"
        ))
        .hint("check the URL, your network and proxy settings (HTTPS_PROXY, NO_PROXY)")),
        Err(Failure::Other(msg)) => Err(Error::network(format!("request to {shown} failed: {msg}"))),
    }
}

/// An error and its causes, without any URL (URLs may carry secrets).
fn chain(err: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        let text = e.to_string();
        if !parts.iter().any(|p: &String| p.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    if parts.is_empty() {
        // reqwest's own text, minus the URL.
        let mut text = err.to_string();
        if let Some(url) = err.url() {
            text = text.replace(url.as_str(), "");
        }
        parts.push(text.trim_end_matches([' ', '(', ')', ':']).to_string());
    }
    parts.join(": ")
}

/// Whether `url`'s host is the local machine.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(insecure: bool) -> Http {
        Http {
            timeout: Duration::from_secs(1),
            ca_file: None,
            allow_insecure_http: insecure,
            client: OnceLock::new(),
        }
    }

    #[test]
    fn scheme_policy() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(http(false).check_url(&u("https://x.example/t")).is_ok());
        assert!(http(false).check_url(&u("http://127.0.0.1:8080/t")).is_ok());
        assert!(http(false).check_url(&u("http://[::1]/t")).is_ok());
        assert!(http(false).check_url(&u("http://localhost/t")).is_ok());
        let err = http(false).check_url(&u("http://x.example/t")).unwrap_err();
        assert_eq!(err.kind, crate::Kind::Config);
        assert!(http(true).check_url(&u("http://x.example/t")).is_ok());
        assert!(http(true).check_url(&u("ftp://x.example/t")).is_err());
    }

    #[test]
    fn urls_are_redacted() {
        let u = Url::parse("https://h/v1/login?apikey=SECRET&refresh_token=RT").unwrap();
        let shown = redact_url(&u);
        assert_eq!(shown, "https://h/v1/login?apikey=***&refresh_token=***");
    }

    #[test]
    fn http_dates() {
        assert_eq!(httpdate("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(httpdate("garbage"), None);
    }

    #[test]
    fn backoff_grows() {
        assert!(backoff(1) <= Duration::from_millis(250));
        assert!(backoff(3) >= Duration::from_millis(500));
    }
}
