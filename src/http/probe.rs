//! Whether a server can be reached, without sending it a request: TCP
//! connect (through an http proxy with CONNECT), then the TLS handshake
//! with the verifier requests use ([`super::trust`]). For `doctor`.

use super::proxy::{Proxy, proxy_url, shown_proxy};
use super::redact_url;
use crate::error::{Error, Result};
use rustls::pki_types::ServerName;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// How far a probe got.
pub enum Reach {
    /// Connected (and shook hands, for https): what was done.
    Done(String),
    /// Not checked, and why.
    Skipped(String),
}

/// TCP connect (through an http proxy with CONNECT), then the TLS
/// handshake for https. Nothing is sent to the server beyond that.
pub fn reach(
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

/// Connects to `host`, resolving `localhost` as requests do
/// ([`super::localhost_addrs`]).
fn connect(host: &str, port: u16, wait: Duration) -> Result<TcpStream> {
    let addrs: Vec<_> = if host.eq_ignore_ascii_case("localhost") {
        super::localhost_addrs(port).to_vec()
    } else {
        super::dns::lookup(host, port).map_err(|e| {
            Error::network(format!("cannot resolve {host}: {e}"))
                .hint("check the host name in the profile and your DNS settings")
        })?
    };
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
