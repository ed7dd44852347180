//! What HTTPS trusts: the platform verifier (the system trust store) plus
//! the certificates of a profile's `ca_file`. The request client
//! ([`super::Http`]) adds them to reqwest's platform verifier; `doctor`
//! builds the same verifier to check a handshake.

use crate::error::{Error, Result};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::{self, PemObject};
use std::path::Path;
use std::sync::Arc;

/// The largest `ca_file` authtool reads (a full public bundle is ~250 KB).
const MAX_CA_FILE: u64 = 16 * 1024 * 1024;

/// The certificates of `ca_file`: it must be readable, PEM, and hold at
/// least one. `pem_error` words a malformed PEM section.
pub fn ca_certificates(
    ca_file: &Path,
    pem_error: impl Fn(&pem::Error) -> String,
) -> Result<Vec<CertificateDer<'static>>> {
    let pem =
        crate::fsutil::read_limited(ca_file, MAX_CA_FILE, false, "ca_file ")?.ok_or_else(|| {
            Error::config(format!(
                "cannot read ca_file {}: {}",
                ca_file.display(),
                std::io::Error::from_raw_os_error(libc::ENOENT)
            ))
        })?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| not_pem(ca_file, pem_error(&e)))?;
    if certs.is_empty() {
        return Err(Error::config(format!(
            "ca_file {} contains no PEM certificates",
            ca_file.display()
        )));
    }
    Ok(certs)
}

/// `ca_file` does not read as PEM certificates, for the reason `why`.
pub fn not_pem(ca_file: &Path, why: impl std::fmt::Display) -> Error {
    Error::config(format!(
        "ca_file {} is not a PEM certificate bundle: {why}",
        ca_file.display()
    ))
}

/// The verifier HTTPS requests use, and how many certificates `ca_file`
/// added to the system's.
pub struct Roots {
    pub verifier: Arc<rustls_platform_verifier::Verifier>,
    pub extra: usize,
}

/// The platform verifier (system trust store) plus `ca_file`.
pub fn roots(ca_file: Option<&Path>) -> Result<Roots> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let extra = match ca_file {
        Some(ca) => ca_certificates(ca, ToString::to_string)?,
        None => Vec::new(),
    };
    let count = extra.len();
    let verifier = if extra.is_empty() {
        rustls_platform_verifier::Verifier::new(provider)
    } else {
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider)
    }
    .map_err(|e| {
        Error::network(format!("no usable trust roots: {e}"))
            .hint("install the system CA certificates (e.g. the ca-certificates package), or set ca_file in the profile")
    })?;
    Ok(Roots {
        verifier: Arc::new(verifier),
        extra: count,
    })
}
