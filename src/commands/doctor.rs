//! `doctor`: one line per check on stderr — config, secret store, trust
//! roots, proxy variables, and whether the token URL can be reached. The
//! reachability check stops after the TCP connect and TLS handshake: no
//! request is made and no credential is sent. Exits with the code of the
//! first failed check (2 config, 4 secret store, 5 network or TLS).

use super::{Outcome, explicit_profile, login};
use crate::cli::{DoctorArgs, Global};
use crate::config::{Common, Config, Profile, SecretSource, config_path};
use crate::error::{Error, Kind, Result};
use crate::http::{Http, redact_url};
use crate::store::{self, Secrets};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// The longest a single connect or handshake may take in `doctor`.
const MAX_WAIT: Duration = Duration::from_secs(10);

/// The checks so far: printed as they run, failures remembered.
#[derive(Default)]
struct Report {
    checks: usize,
    failed: Vec<Kind>,
}

impl Report {
    fn ok(&mut self, what: &str, detail: impl AsRef<str>) {
        self.checks += 1;
        eprintln!("ok    {what}: {}", detail.as_ref());
    }

    fn warn(&mut self, what: &str, detail: impl AsRef<str>) {
        self.checks += 1;
        eprintln!("warn  {what}: {}", detail.as_ref());
    }

    fn fail(&mut self, what: &str, err: &Error) {
        self.checks += 1;
        self.failed.push(err.kind);
        eprintln!("FAIL  {what}: {}", err.message);
        for hint in &err.hints {
            eprintln!("      hint: {hint}");
        }
    }

    fn finish(self) -> Result<Outcome> {
        match self.failed.first() {
            None => Ok(Outcome::default()),
            Some(kind) => Err(Error::new(
                *kind,
                format!(
                    "doctor: {} of {} checks failed",
                    self.failed.len(),
                    self.checks
                ),
            )
            .hint("see the FAIL lines above")),
        }
    }
}

pub fn run(g: &Global, args: &DoctorArgs) -> Result<Outcome> {
    let mut report = Report::default();
    let explicit = explicit_profile(g, &args.profile)?;
    let config = match config_path(g.config.as_deref()).and_then(|p| Config::load(&p)) {
        Ok(c) => {
            let n = c.profile_names().len();
            report.ok(
                "config",
                format!(
                    "{} ({n} profile{})",
                    c.path.display(),
                    if n == 1 { "" } else { "s" }
                ),
            );
            c
        }
        Err(e) => {
            report.fail("config", &e);
            return report.finish();
        }
    };
    // The chosen profile; with none chosen among several, all of them.
    let names = match config.select(explicit) {
        Ok(name) => vec![name],
        Err(_) if explicit.is_none() && !config.profile_names().is_empty() => {
            config.profile_names()
        }
        Err(e) => {
            report.fail("profile", &e);
            return report.finish();
        }
    };
    for name in names {
        match config.profile(&name) {
            Ok(profile) => check_profile(&mut report, &profile),
            Err(e) => report.fail(&format!("profile '{name}'"), &e),
        }
    }
    report.finish()
}

fn check_profile(report: &mut Report, profile: &Profile) {
    let name = &profile.name;
    let provider = profile.provider.provider();
    let endpoint = provider.endpoint();
    let url = Url::parse(&endpoint)
        .map_err(|e| Error::config(format!("the token URL `{endpoint}` is not a URL: {e}")));
    let shown = url.as_ref().map_or(endpoint.clone(), redact_url);
    report.ok(
        &format!("profile '{name}'"),
        format!("valid ({}, token URL {shown})", provider.id()),
    );
    check_store(report, profile);
    let url = match url.and_then(|u| Http::new(&profile.common).check_url(&u).map(|()| u)) {
        Ok(u) => u,
        Err(e) => {
            report.fail(&format!("profile '{name}': token URL"), &e);
            return;
        }
    };
    let roots = format!("profile '{name}': trust roots");
    let verifier = if url.scheme() != "https" {
        report.ok(
            &roots,
            "not used: the token URL is plain http (loopback or allow_insecure_http)",
        );
        None
    } else {
        match trust_roots(&profile.common) {
            Ok((verifier, detail)) => {
                report.ok(&roots, detail);
                Some(verifier)
            }
            Err(e) => {
                report.fail(&roots, &e);
                return;
            }
        }
    };
    let proxy = proxy_for(&url);
    report.ok(&format!("profile '{name}': proxy"), proxy.describe(&url));
    let what = format!("profile '{name}': reachable");
    match reach(&url, &proxy, verifier, profile.common.timeout.min(MAX_WAIT)) {
        Ok(Reach::Done(detail)) => report.ok(&what, detail),
        Ok(Reach::Skipped(why)) => report.warn(&what, why),
        Err(e) => report.fail(&what, &e),
    }
}

/// The store is reachable and holds the secrets that must come from it.
fn check_store(report: &mut Report, profile: &Profile) {
    let name = &profile.name;
    let kind = match store::kind_for(profile) {
        Ok(k) => k,
        Err(e) => {
            report.fail(&format!("profile '{name}': secret store"), &e);
            return;
        }
    };
    let what = format!(
        "profile '{name}': secret store ({})",
        store::kind_name(kind)
    );
    let needed = login::stored_secrets(profile);
    let secrets = Secrets::new(profile);
    // With nothing needed from the store, the probe is the refresh token.
    let probe: Vec<&str> = if needed.is_empty() {
        vec![crate::session::REFRESH_TOKEN]
    } else {
        needed.iter().map(|s| s.key()).collect()
    };
    let mut missing = Vec::new();
    for key in &probe {
        match secrets
            .store()
            .and_then(|s| s.get(&store::account(name, key)))
        {
            Ok(Some(_)) => {}
            Ok(None) => missing.push(*key),
            Err(e) if needed.is_empty() => {
                report.warn(
                    &what,
                    format!(
                        "unavailable ({}); no secret of this profile comes from it, but refresh tokens cannot be kept",
                        e.message
                    ),
                );
                return;
            }
            Err(e) => {
                report.fail(&what, &e);
                return;
            }
        }
    }
    if needed.is_empty() {
        report.ok(&what, "reachable (no secret of this profile comes from it)");
    } else if missing.is_empty() {
        report.ok(&what, format!("reachable; {} stored", probe.join(", ")));
    } else {
        report.warn(
            &what,
            format!(
                "reachable; {} not stored: run `authtool login {name}`",
                missing.join(", ")
            ),
        );
    }
    for secret in profile.provider.provider().secret_names() {
        if let SecretSource::Env(var) = profile.secret_source(secret)
            && std::env::var_os(&var).is_none_or(|v| v.is_empty())
        {
            report.warn(
                &format!("profile '{name}': {}", secret.key()),
                format!("${var} (from `{}_env`) is not set", secret.key()),
            );
        }
    }
}

/// The verifier HTTPS requests use: the platform's (system trust store)
/// plus the profile's `ca_file`.
fn trust_roots(common: &Common) -> Result<(Arc<rustls_platform_verifier::Verifier>, String)> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut extra = Vec::new();
    if let Some(ca) = &common.ca_file {
        let pem = std::fs::read(ca)
            .map_err(|e| Error::config(format!("cannot read ca_file {}: {e}", ca.display())))?;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            extra.push(cert.map_err(|e| {
                Error::config(format!(
                    "ca_file {} is not a PEM certificate bundle: {e}",
                    ca.display()
                ))
            })?);
        }
        if extra.is_empty() {
            return Err(Error::config(format!(
                "ca_file {} contains no PEM certificates",
                ca.display()
            )));
        }
    }
    let detail = match &common.ca_file {
        None => "the platform verifier and system trust store are available".to_string(),
        Some(ca) => format!(
            "the platform verifier is available; ca_file {} adds {} certificate{}",
            ca.display(),
            extra.len(),
            if extra.len() == 1 { "" } else { "s" }
        ),
    };
    let verifier = if extra.is_empty() {
        rustls_platform_verifier::Verifier::new(provider)
    } else {
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider)
    }
    .map_err(|e| {
        Error::network(format!("no usable trust roots: {e}"))
            .hint("install the system CA certificates (e.g. the ca-certificates package), or set ca_file in the profile")
    })?;
    Ok((Arc::new(verifier), detail))
}

/// The proxy HTTPS requests to `url` go through, as reqwest picks it:
/// `HTTPS_PROXY`/`HTTP_PROXY` by scheme, else `ALL_PROXY`, unless
/// `NO_PROXY` matches the host (each upper case first, then lower case).
#[derive(Debug, PartialEq)]
enum Proxy {
    None,
    Excluded { no_proxy: String },
    Via { var: &'static str, url: String },
}

fn proxy_for(url: &Url) -> Proxy {
    fn first(names: [&'static str; 2]) -> Option<(&'static str, String)> {
        names
            .into_iter()
            .find_map(|n| std::env::var(n).ok().map(|v| (n, v)))
            .filter(|(_, v)| !v.trim().is_empty())
    }
    // As reqwest does: behind CGI, HTTP_PROXY is a request header.
    if std::env::var_os("REQUEST_METHOD").is_some() {
        return Proxy::None;
    }
    let by_scheme = if url.scheme() == "https" {
        first(["HTTPS_PROXY", "https_proxy"])
    } else {
        first(["HTTP_PROXY", "http_proxy"])
    };
    let Some((var, value)) = by_scheme.or_else(|| first(["ALL_PROXY", "all_proxy"])) else {
        return Proxy::None;
    };
    let no_proxy = first(["NO_PROXY", "no_proxy"])
        .map(|(_, v)| v)
        .unwrap_or_default();
    let host = url.host_str().unwrap_or("");
    if no_proxy_matches(&no_proxy, host) {
        return Proxy::Excluded { no_proxy };
    }
    Proxy::Via { var, url: value }
}

impl Proxy {
    fn describe(&self, url: &Url) -> String {
        let host = url.host_str().unwrap_or("?");
        match self {
            Proxy::None => "no proxy variables apply; connecting directly".to_string(),
            Proxy::Excluded { no_proxy } => {
                format!("NO_PROXY={no_proxy} excludes {host}; connecting directly")
            }
            Proxy::Via { var, url: proxy } => {
                format!("{var}={} is used for {host}", shown_proxy(proxy))
            }
        }
    }
}

/// A proxy URL without its password.
fn shown_proxy(value: &str) -> String {
    match proxy_url(value) {
        Some(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        None => "(not a URL)".to_string(),
    }
}

/// A proxy variable's value as a URL (`host:port` means `http://host:port`).
fn proxy_url(value: &str) -> Option<Url> {
    let value = value.trim();
    if value.contains("://") {
        Url::parse(value).ok()
    } else {
        Url::parse(&format!("http://{value}")).ok()
    }
}

/// `NO_PROXY` matching as reqwest does it: `*`, exact IPs, and domains
/// matching themselves and their subdomains (a leading dot is optional).
fn no_proxy_matches(list: &str, host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            if let (Ok(a), Ok(b)) = (
                entry.parse::<std::net::IpAddr>(),
                host.parse::<std::net::IpAddr>(),
            ) {
                return a == b;
            }
            let domain = entry.trim_start_matches('.');
            host.eq_ignore_ascii_case(domain)
                || host
                    .to_ascii_lowercase()
                    .ends_with(&format!(".{}", domain.to_ascii_lowercase()))
        })
}

enum Reach {
    Done(String),
    Skipped(String),
}

/// TCP connect (through an http proxy with CONNECT), then the TLS
/// handshake for https. Nothing is sent to the server beyond that.
fn reach(
    url: &Url,
    proxy: &Proxy,
    verifier: Option<Arc<rustls_platform_verifier::Verifier>>,
    wait: Duration,
) -> Result<Reach> {
    let host = url
        .host_str()
        .ok_or_else(|| Error::config(format!("the token URL {} has no host", redact_url(url))))?;
    let port = url.port_or_known_default().unwrap_or(443);
    let started = Instant::now();
    let (mut stream, path) = match proxy {
        Proxy::Via { url: value, .. } => {
            let Some(p) = proxy_url(value).filter(|p| p.scheme() == "http") else {
                return Ok(Reach::Skipped(format!(
                    "not checked: authtool checks only through http:// proxies, and this one is {}",
                    shown_proxy(value)
                )));
            };
            let stream = connect(
                p.host_str().unwrap_or(""),
                p.port_or_known_default().unwrap_or(80),
                wait,
            )
            .map_err(|e| e.context("the proxy"))?;
            (tunnel(stream, &p, host, port)?, "through the proxy")
        }
        _ => (connect(host, port, wait)?, "directly"),
    };
    let tcp = started.elapsed();
    let Some(verifier) = verifier else {
        return Ok(Reach::Done(format!(
            "TCP connect to {host}:{port} {path} in {} ms; plain http, no TLS; nothing sent",
            tcp.as_millis()
        )));
    };
    let version = handshake(&mut stream, host, verifier)?;
    Ok(Reach::Done(format!(
        "TCP connect to {host}:{port} {path} in {} ms, TLS handshake ({version}) in {} ms; no request sent",
        tcp.as_millis(),
        (started.elapsed() - tcp).as_millis()
    )))
}

fn connect(host: &str, port: u16, wait: Duration) -> Result<TcpStream> {
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| {
            Error::network(format!("cannot resolve {host}: {e}"))
                .hint("check the host name in the profile and your DNS settings")
        })?
        .collect();
    let mut last = None;
    for addr in &addrs {
        match TcpStream::connect_timeout(addr, wait) {
            Ok(s) => {
                s.set_read_timeout(Some(wait))?;
                s.set_write_timeout(Some(wait))?;
                return Ok(s);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(Error::network(format!(
        "cannot connect to {host}:{port}: {}",
        last.map_or("no address".to_string(), |e| e.to_string())
    ))
    .hint("check the URL, your network and proxy settings (HTTPS_PROXY, NO_PROXY)"))
}

/// An HTTP CONNECT tunnel to `host:port` through an http proxy.
fn tunnel(mut stream: TcpStream, proxy: &Url, host: &str, port: u16) -> Result<TcpStream> {
    let mut req = format!("CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n");
    if !proxy.username().is_empty() {
        use base64::Engine;
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        let user = decode(proxy.username());
        let pass = decode(proxy.password().unwrap_or(""));
        let creds = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        req.push_str(&format!("Proxy-Authorization: Basic {creds}\r\n"));
    }
    req.push_str("\r\n");
    let fail = |what: String| Error::network(format!("the proxy {}", what));
    stream
        .write_all(req.as_bytes())
        .map_err(|e| fail(format!("did not take the CONNECT request: {e}")))?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 8192 {
            return Err(fail("sent an oversized answer to CONNECT".into()));
        }
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            Ok(_) => return Err(fail("closed the connection during CONNECT".into())),
            Err(e) => return Err(fail(format!("did not answer CONNECT: {e}"))),
        }
    }
    let status_line = String::from_utf8_lossy(&head);
    let status_line = status_line.lines().next().unwrap_or("");
    let code = status_line.split_whitespace().nth(1).unwrap_or("");
    if code != "200" {
        return Err(fail(format!(
            "refused to connect to {host}:{port}: {}",
            crate::log::sanitize_remote(status_line)
        ))
        .hint("check the proxy credentials in the proxy variable, or add the host to NO_PROXY"));
    }
    Ok(stream)
}

fn handshake(
    stream: &mut TcpStream,
    host: &str,
    verifier: Arc<rustls_platform_verifier::Verifier>,
) -> Result<String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::internal(format!("TLS setup failed: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    let name = ServerName::try_from(host.to_string())
        .map_err(|e| Error::config(format!("`{host}` is not a valid TLS server name: {e}")))?;
    let mut conn = rustls::ClientConnection::new(Arc::new(config), name)
        .map_err(|e| Error::internal(format!("TLS setup failed: {e}")))?;
    while conn.is_handshaking() {
        conn.complete_io(stream).map_err(|e| {
            Error::network(format!("TLS handshake with {host} failed: {e}")).hint(
                "if the server uses a private CA, set ca_file in the profile to its PEM bundle",
            )
        })?;
    }
    let version = conn
        .protocol_version()
        .and_then(|v| v.as_str())
        .unwrap_or("TLS")
        .replace('_', ".")
        .replace("TLSv1.", "TLS 1.");
    // Say goodbye properly; nothing else is ever written.
    conn.send_close_notify();
    let _ = conn.complete_io(stream);
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_rules() {
        assert!(no_proxy_matches("*", "a.example"));
        assert!(no_proxy_matches("example.com", "example.com"));
        assert!(no_proxy_matches("example.com", "api.example.com"));
        assert!(no_proxy_matches(".example.com", "api.example.com"));
        assert!(!no_proxy_matches("example.com", "notexample.com"));
        assert!(no_proxy_matches("localhost, 127.0.0.1", "127.0.0.1"));
        assert!(no_proxy_matches("::1", "[::1]"));
        assert!(!no_proxy_matches("", "example.com"));
    }

    #[test]
    fn proxy_passwords_are_hidden() {
        assert_eq!(
            shown_proxy("http://user:pw@proxy:3128"),
            "http://user:***@proxy:3128/"
        );
        assert_eq!(shown_proxy("proxy:3128"), "http://proxy:3128/");
    }
}
