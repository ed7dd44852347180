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
/// The longest `Retry-After` honoured; a server asking for more gets no
/// retry (the error says what it asked for).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
/// A retry is made only if at least this much time is left for it after
/// the wait.
const MIN_ATTEMPT: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// A request. Deliberately not `Debug`: its body and URL carry secrets.
pub struct Request {
    pub method: Method,
    pub url: Url,
    /// Extra headers; values are secrets (an API key header, …).
    pub headers: Vec<(String, Secret)>,
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

    pub fn header(mut self, name: impl Into<String>, value: Secret) -> Self {
        self.headers.push((name.into(), value));
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

    /// Sends `req`, retrying transient failures, all within the profile
    /// timeout (each attempt gets only the time that is left).
    ///
    /// Retried: a failure to connect (nothing was sent), 429 and 503 (the
    /// server did not act on the request), and — only when `req.idempotent`
    /// — 502, 504 and a connection that closed before the whole answer
    /// arrived (the server may have acted on it: a single-use refresh token
    /// may be spent). Waits grow exponentially with jitter, or follow
    /// `Retry-After` when the server sends one; a `Retry-After` longer than
    /// [`MAX_RETRY_AFTER`] or than the time left ends the retries at once.
    /// Nothing else is retried: timeouts, TLS failures, malformed answers.
    pub fn send(&self, req: &Request) -> Result<Response> {
        self.check_url(&req.url)?;
        let client = self.client()?;
        let shown = req.redacted_url();
        let deadline = crate::timefmt::deadline(self.timeout);
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
            let left = deadline.saturating_duration_since(Instant::now());
            let outcome = self.send_once(client, req, left);
            let Some(retry) = retry_of(&outcome, req.idempotent) else {
                return finish(outcome, &shown, attempt, None);
            };
            let wait = match retry {
                Retry::After(after) if after > MAX_RETRY_AFTER => {
                    return finish(outcome, &shown, attempt, Some(after));
                }
                Retry::After(after) => after,
                Retry::Backoff => backoff(attempt),
            };
            let left = deadline.saturating_duration_since(Instant::now());
            if attempt >= MAX_ATTEMPTS || wait + MIN_ATTEMPT > left {
                let asked = matches!(retry, Retry::After(_)).then_some(wait);
                return finish(outcome, &shown, attempt, asked);
            }
            let what = match &outcome {
                Ok(resp) => format!("HTTP {}", resp.status),
                Err(Failure::Connect(_)) => "could not connect".to_string(),
                Err(_) => "the connection closed before the answer".to_string(),
            };
            let why = if matches!(retry, Retry::After(_)) {
                "as Retry-After asks"
            } else {
                "backing off"
            };
            debug!("{what}; retrying in {} ({why})", human_duration(wait));
            std::thread::sleep(wait);
        }
    }

    fn send_once(
        &self,
        client: &reqwest::blocking::Client,
        req: &Request,
        time_left: Duration,
    ) -> Result<ResponseWithHeaders, Failure> {
        let mut rb = match req.method {
            Method::Get => client.get(req.url.clone()),
            Method::Post => client.post(req.url.clone()),
        };
        rb = rb
            .timeout(time_left)
            .header(reqwest::header::ACCEPT, "application/json");
        for (name, value) in &req.headers {
            let mut value = reqwest::header::HeaderValue::from_str(value.expose())
                .map_err(|_| {
                    Failure::Unsendable(format!(
                        "the value of the {name} header holds characters a header cannot carry (a line break?)"
                    ))
                })?;
            value.set_sensitive(true);
            rb = rb.header(name.as_str(), value);
        }
        if let Some(basic) = &req.basic_auth {
            let mut value =
                reqwest::header::HeaderValue::from_str(&format!("Basic {}", basic.expose()))
                    .map_err(|_| {
                        Failure::Unsendable(
                            "the credentials hold characters a header cannot carry (a line break?)"
                                .into(),
                        )
                    })?;
            value.set_sensitive(true);
            rb = rb.header(reqwest::header::AUTHORIZATION, value);
        }
        if let Some((content_type, body)) = &req.body {
            rb = rb
                .header(reqwest::header::CONTENT_TYPE, *content_type)
                .body(body.expose().to_string());
        }
        let resp = rb.send().map_err(|e| self.failure(&e))?;
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
            .map_err(
                |e| match e.get_ref().and_then(|e| e.downcast_ref::<reqwest::Error>()) {
                    Some(e) => self.failure(e),
                    None if is_lost(&e) => Failure::Lost(format!(
                        "the connection closed before the whole answer arrived ({e})"
                    )),
                    None => Failure::Other(format!("reading the answer failed: {e}")),
                },
            )?;
        if body.len() > MAX_BODY {
            return Err(Failure::Other(format!(
                "the answer is larger than {} KiB; refusing it",
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

    /// What kind of failure a reqwest error is.
    fn failure(&self, e: &reqwest::Error) -> Failure {
        if let Some(tls) = tls_error(e) {
            return Failure::Tls(tls);
        }
        if e.is_timeout() {
            return Failure::Other(format!(
                "no answer within the timeout of {}",
                human_duration(self.timeout)
            ));
        }
        if e.is_connect() {
            return Failure::Connect(chain(e));
        }
        if sources(e).any(|s| {
            s.downcast_ref::<hyper::Error>()
                .is_some_and(hyper::Error::is_incomplete_message)
                || s.downcast_ref::<std::io::Error>().is_some_and(is_lost)
        }) {
            return Failure::Lost(format!(
                "the connection closed before the whole answer arrived ({})",
                chain(e)
            ));
        }
        Failure::Other(chain(e))
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
    /// Could not connect: nothing was sent, so always safe to retry.
    Connect(String),
    /// The TLS handshake failed (an untrusted certificate, …): nothing was
    /// sent, and trying again cannot help.
    Tls(TlsFailure),
    /// The request may have reached the server, but the connection closed
    /// before the whole answer arrived: retried only when idempotent.
    Lost(String),
    /// Anything else (a timeout, an answer that is not HTTP, …): not retried.
    Other(String),
    /// The request could not even be built from the configured values.
    Unsendable(String),
}

/// Why a TLS handshake failed, in words a user can act on.
struct TlsFailure {
    /// The server's certificate is not trusted (or not valid here); the
    /// text says why.
    certificate: bool,
    text: String,
}

/// How to retry a failed attempt.
enum Retry {
    /// Exponential backoff with jitter.
    Backoff,
    /// After what the server's `Retry-After` says.
    After(Duration),
}

/// Whether and how `outcome` may be retried.
fn retry_of(outcome: &Result<ResponseWithHeaders, Failure>, idempotent: bool) -> Option<Retry> {
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

/// An error and its causes, outermost first.
fn sources<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(err), |e| {
        // An io::Error hides the error it wraps from `source()`.
        match e.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as _),
            None => e.source(),
        }
    })
}

/// Whether an I/O error means the peer went away mid-exchange.
fn is_lost(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
    )
}

/// The TLS failure behind `e`, if that is what it is.
fn tls_error(e: &reqwest::Error) -> Option<TlsFailure> {
    let tls = sources(e).find_map(|s| s.downcast_ref::<rustls::Error>())?;
    let certificate = matches!(
        tls,
        rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
    );
    let text = match tls {
        rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer) => {
            "its certificate is not trusted: it is not signed by a certificate authority this machine trusts (unknown issuer)".to_string()
        }
        rustls::Error::InvalidCertificate(
            rustls::CertificateError::NotValidForName
            | rustls::CertificateError::NotValidForNameContext { .. },
        ) => "its certificate is not trusted: it is not valid for this host name".to_string(),
        rustls::Error::InvalidCertificate(
            rustls::CertificateError::Expired | rustls::CertificateError::ExpiredContext { .. },
        ) => "its certificate is not trusted: it has expired (or this machine's clock is wrong)"
            .to_string(),
        rustls::Error::InvalidCertificate(other) => {
            format!("its certificate is not trusted: {other:?}")
        }
        other => format!("the TLS handshake failed: {other}"),
    };
    Some(TlsFailure { certificate, text })
}

/// `30s`, `1.5s`, `250ms`.
fn human_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.1}s", d.as_secs_f64())
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
fn backoff(attempt: u32) -> Duration {
    use std::hash::BuildHasher;
    let base = 250u64 << (attempt.max(1) - 1).min(5);
    // RandomState is seeded randomly per process: jitter without a crate.
    let random = std::collections::hash_map::RandomState::new().hash_one(attempt);
    Duration::from_millis(base / 2 + random % (base / 2 + 1))
}

/// The final outcome of `send` after `attempts` tries; `asked` is the
/// server's `Retry-After` when that is why the retries stopped.
fn finish(
    outcome: Result<ResponseWithHeaders, Failure>,
    shown: &str,
    attempts: u32,
    asked: Option<Duration>,
) -> Result<Response> {
    let tries = if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    };
    match outcome {
        Ok(r) if (300..400).contains(&r.status) => Err(Error::network(format!(
            "{shown} answered with a redirect (HTTP {}) to {}; token endpoints are not followed through redirects",
            r.status,
            r.location.as_deref().map(crate::log::sanitize_remote).unwrap_or_else(|| "?".into())
        ))
        .hint("set the URL in the profile to the final address")),
        Ok(r) if r.status == 429 => {
            let wait = asked
                .map(|d| format!("; it asks to wait {}", human_duration(d)))
                .unwrap_or_default();
            Err(Error::network(format!(
                "{shown} answered HTTP 429 (too many requests){tries}{wait}"
            ))
            .hint("the server is limiting requests: try again later"))
        }
        Ok(r) => {
            debug!("HTTP {} ({} bytes)", r.status, r.body.len());
            if let Some(d) = asked {
                debug!(
                    "not retrying: the server asks to wait {}, longer than authtool waits",
                    human_duration(d)
                );
            }
            Ok(r.response)
        }
        Err(Failure::Connect(msg)) => Err(Error::network(format!(
            "cannot connect to {shown}{tries}: {msg}"
        ))
        .hint("check the URL, your network and proxy settings (HTTPS_PROXY, NO_PROXY)")
        .unsent()),
        Err(Failure::Tls(tls)) => {
            let err = Error::network(format!("refusing {shown}: {}", tls.text)).unsent();
            Err(if tls.certificate {
                err.hint("if the server uses a private or company certificate authority, save its CA certificate (PEM) to a file and set `ca_file = \"/path/to/ca.pem\"` in the profile")
                    .hint("authtool trusts the system's certificate store plus `ca_file`")
            } else {
                err.hint("check the URL: is this an HTTPS server?")
            })
        }
        Err(Failure::Lost(msg)) => Err(Error::network(format!(
            "request to {shown} failed{tries}: {msg}"
        ))),
        Err(Failure::Other(msg)) => Err(Error::network(format!(
            "request to {shown} failed{tries}: {msg}"
        ))),
        Err(Failure::Unsendable(msg)) => Err(Error::config(format!(
            "cannot send a request to {shown}: {msg}"
        ))
        .hint("check the secrets and header values of the profile")
        .unsent()),
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

    #[test]
    fn durations_for_people() {
        assert_eq!(human_duration(Duration::from_secs(30)), "30s");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(human_duration(Duration::from_millis(250)), "250ms");
    }
}
