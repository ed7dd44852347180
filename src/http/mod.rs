//! The one place requests are made: HTTPS only (loopback or an explicit
//! `allow_insecure_http` excepted), the OS trust store plus `ca_file`,
//! timeouts, bounded retries, no redirects, a size cap, redacted logging.
//!
//! The client is built lazily, on the first request: the cached-token path
//! never pays for TLS setup or a runtime thread.
//!
//! Beside it, what `doctor` reuses to check a profile without sending a
//! request: [`trust`] (the system roots plus `ca_file`), [`proxy`] (which
//! proxy a URL goes through) and [`probe`] (TCP connect, proxy CONNECT,
//! TLS handshake). This module knows nothing of profiles: the caller
//! builds its [`HttpOptions`].

mod dns;
mod failure;
pub mod probe;
pub mod proxy;
mod retry;
pub mod trust;

use crate::debug;
use crate::error::{Error, Result};
use crate::secret::Secret;
use base64::Engine;
use failure::{Failure, chain, finish, human_duration, is_lost};
use retry::{MAX_ATTEMPTS, MAX_RETRY_AFTER, MIN_ATTEMPT, Retry, backoff, retry_of};
use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use url::Url;

/// Largest response body read from a server.
pub const MAX_BODY: usize = 1024 * 1024;

const USER_AGENT: &str = concat!("authtool/", env!("CARGO_PKG_VERSION"));

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    /// The method as HTTP writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
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
    /// The `DPoP-Nonce` header (RFC 9449 §8), when the server sent one.
    pub dpop_nonce: Option<String>,
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

/// What requests need to know of the profile they are made for; built by
/// the caller from the profile.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// The time limit of one `send`, retries included.
    pub timeout: Duration,
    /// Extra trusted certificate authorities (PEM), beside the system's.
    pub ca_file: Option<PathBuf>,
    /// Whether plain http is allowed to a host that is not loopback.
    pub allow_insecure_http: bool,
}

/// HTTP settings of one profile, with a client built on first use.
pub struct Http {
    timeout: Duration,
    ca_file: Option<PathBuf>,
    allow_insecure_http: bool,
    /// The client that follows the proxy variables, and the one that never
    /// does (loopback: a proxy would see the secrets of plain http).
    client: OnceLock<reqwest::blocking::Client>,
    direct: OnceLock<reqwest::blocking::Client>,
    /// The one for plain http to loopback: no TLS ever, so no trust store
    /// is loaded (about 450 file system calls on a Debian system).
    plain: OnceLock<reqwest::blocking::Client>,
}

/// Which client a request goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// Following the proxy variables.
    Proxied,
    /// Straight to a loopback address.
    Direct,
    /// Straight to a loopback address, plain http: no TLS.
    Plain,
}

impl Http {
    pub fn new(options: HttpOptions) -> Self {
        Http {
            timeout: options.timeout,
            ca_file: options.ca_file,
            allow_insecure_http: options.allow_insecure_http,
            client: OnceLock::new(),
            direct: OnceLock::new(),
            plain: OnceLock::new(),
        }
    }

    /// Refuses URLs we will not send credentials to: anything but https,
    /// except http to a loopback host or with `allow_insecure_http`.
    pub fn check_url(&self, url: &Url) -> Result<()> {
        match url.scheme() {
            "https" => Ok(()),
            "http" if self.allow_insecure_http || is_loopback(url) => Ok(()),
            "http" => {
                let host = url.host_str().unwrap_or("?");
                let mut err = Error::config(format!(
                    "refusing to send credentials over plain http to {host}"
                ));
                let name = host.to_ascii_lowercase();
                if name.trim_end_matches('.') == "localhost" || name.ends_with(".localhost") {
                    err = err.hint(
                        "only 127.0.0.0/8, ::1 and `localhost` itself count as loopback: a resolver may send other names anywhere",
                    );
                }
                Err(err.hint("use an https:// URL").hint(
                    "or, if you really mean it, set allow_insecure_http = true in the profile",
                ))
            }
            other => Err(Error::config(format!(
                "unsupported URL scheme `{other}` in {}; use https://",
                redact_url(url)
            ))),
        }
    }

    /// The client that ignores the proxy variables (loopback), or the one
    /// that follows them as [`proxy::proxy_for`] describes.
    fn client(&self, route: Route) -> Result<&reqwest::blocking::Client> {
        let cell = match route {
            Route::Proxied => &self.client,
            Route::Direct => &self.direct,
            Route::Plain => &self.plain,
        };
        if let Some(c) = cell.get() {
            return Ok(c);
        }
        // ring: a fraction of aws-lc's start-up cost. Ignore "already set".
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::blocking::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.timeout)
            .timeout(self.timeout)
            // `localhost` is loopback only when it resolves to loopback:
            // never ask a resolver that may answer otherwise.
            .resolve_to_addrs("localhost", &localhost_addrs(0));
        builder = dns::install(builder);
        if route != Route::Proxied {
            builder = builder.no_proxy();
        }
        let mut certs = Vec::new();
        if let Some(ca) = &self.ca_file {
            // reqwest's own words for a malformed PEM section, as when it
            // parsed the file itself. Checked on every route: a broken
            // ca_file is an error even where plain http does not need it.
            certs = trust::ca_certificates(ca, |_| "builder error".to_string())?
                .into_iter()
                .map(|der| reqwest::Certificate::from_der(&der))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| trust::not_pem(ca, e))?;
        }
        builder = if route == Route::Plain {
            // Never used for https: trust nothing rather than load the
            // system's roots.
            builder.tls_certs_only(Vec::new())
        } else {
            builder.tls_certs_merge(certs)
        };
        let client = builder
            .build()
            .map_err(|e| Error::network(format!("cannot set up HTTPS: {}", chain(&e))))?;
        Ok(cell.get_or_init(|| client))
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
    /// Nothing else is retried: a host name that does not resolve, timeouts,
    /// TLS failures, malformed answers.
    pub fn send(&self, req: &Request) -> Result<Response> {
        self.check_url(&req.url)?;
        let proxy = proxy::proxy_for(&req.url);
        let route = match proxy {
            proxy::Proxy::Loopback if req.url.scheme() == "http" => Route::Plain,
            proxy::Proxy::Loopback => Route::Direct,
            _ => Route::Proxied,
        };
        let client = self.client(route)?;
        if matches!(proxy, proxy::Proxy::Via { .. }) {
            debug!("{}", proxy.describe(&req.url));
        }
        let shown = req.redacted_url();
        let deadline = crate::timefmt::deadline(self.timeout);
        let mut attempt = 0;
        loop {
            attempt += 1;
            debug!("{} {} (attempt {attempt})", req.method.as_str(), shown);
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
        let dpop_nonce = header(reqwest::header::HeaderName::from_static("dpop-nonce"));
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
                dpop_nonce,
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

/// What `localhost` resolves to, for requests and `doctor` alike: never
/// what a resolver or `/etc/hosts` says.
pub fn localhost_addrs(port: u16) -> [std::net::SocketAddr; 2] {
    [
        std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, port)),
        std::net::SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port)),
    ]
}

/// Whether `url`'s host is the local machine: a literal loopback address
/// (127.0.0.0/8, `::1`) or exactly `localhost`, which requests resolve to
/// 127.0.0.1 and `::1` themselves. Not `*.localhost` nor `localhost.`: a
/// resolver may send those anywhere.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
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
            direct: OnceLock::new(),
            plain: OnceLock::new(),
        }
    }

    #[test]
    fn scheme_policy() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(http(false).check_url(&u("https://x.example/t")).is_ok());
        assert!(http(false).check_url(&u("http://127.0.0.1:8080/t")).is_ok());
        assert!(http(false).check_url(&u("http://[::1]/t")).is_ok());
        assert!(http(false).check_url(&u("http://localhost/t")).is_ok());
        assert!(http(false).check_url(&u("http://LocalHost/t")).is_ok());
        for name in ["evil.localhost", "localhost.", "a.localhost."] {
            let err = http(false)
                .check_url(&u(&format!("http://{name}:8080/t")))
                .unwrap_err();
            assert_eq!(err.kind, crate::Kind::Config, "{name}");
        }
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
}
