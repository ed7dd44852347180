//! What went wrong with a request, in words a user can act on: a reqwest
//! error sorted into a [`Failure`], and the final outcome of `send` turned
//! into the program's [`Error`] (with its hints).

use super::{Http, Response, ResponseWithHeaders};
use crate::debug;
use crate::error::{Error, Result};
use std::time::Duration;

impl Http {
    /// What kind of failure a reqwest error is.
    pub(super) fn failure(&self, e: &reqwest::Error) -> Failure {
        if let Some(tls) = tls_error(e) {
            return Failure::Tls(tls);
        }
        if e.is_timeout() {
            return Failure::Other(format!(
                "no answer within the timeout of {}",
                human_duration(self.timeout)
            ));
        }
        // A name that does not resolve will not resolve a second later:
        // not worth a retry.
        if e.is_connect() && e.is_dns() {
            return Failure::Unresolved(chain(e));
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

pub(super) enum Failure {
    /// Could not connect: nothing was sent, so always safe to retry.
    Connect(String),
    /// Could not connect because the host name did not resolve: nothing
    /// was sent, and trying again a second later cannot help.
    Unresolved(String),
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
pub(super) struct TlsFailure {
    /// The server's certificate is not trusted (or not valid here); the
    /// text says why.
    certificate: bool,
    text: String,
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
pub(super) fn is_lost(e: &std::io::Error) -> bool {
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
pub(super) fn human_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// The final outcome of `send` after `attempts` tries; `asked` is the
/// server's `Retry-After` when that is why the retries stopped.
pub(super) fn finish(
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
        Err(Failure::Connect(msg) | Failure::Unresolved(msg)) => Err(Error::network(format!(
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
pub(super) fn chain(err: &reqwest::Error) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_for_people() {
        assert_eq!(human_duration(Duration::from_secs(30)), "30s");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(human_duration(Duration::from_millis(250)), "250ms");
    }
}
