//! HTTPS in front of a fake server: a TLS terminator on 127.0.0.1 with a
//! certificate for `localhost` and `127.0.0.1`, signed by a CA made for this
//! one test (rcgen), that forwards the decrypted bytes to a plain
//! [`FakeServer`](super::fake::FakeServer). The plain HTTP path is untouched:
//! the vendor fake neither knows nor cares.
//!
//! ```ignore
//! let server = FakeServer::start(FakeOAuth2::new("id", "secret"));
//! let tls = TlsFront::start(server.addr());
//! let ca = env.write_file("ca.pem", tls.ca_pem());
//! // token_url = tls.url_for("/oauth2/token"), ca_file = ca
//! ```

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection};

use super::proxy::Listener;

/// A CA and a server certificate signed by it.
pub struct TestPki {
    /// The CA certificate, PEM: what a client's `ca_file` holds.
    pub ca_pem: String,
    cert: CertificateDer<'static>,
    key: Vec<u8>,
}

impl TestPki {
    /// A fresh CA (`authtool test CA`) and a certificate for `localhost`
    /// and `127.0.0.1` signed by it.
    pub fn new() -> Self {
        let ca_key = KeyPair::generate().expect("tls: CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("tls: CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "authtool test CA");
        let ca_cert = ca_params
            .self_signed(&ca_key)
            .expect("tls: self-sign the CA");
        let issuer = Issuer::new(ca_params, ca_key);
        let key = KeyPair::generate().expect("tls: server key");
        let mut params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .expect("tls: server params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        let cert = params.signed_by(&key, &issuer).expect("tls: sign");
        TestPki {
            ca_pem: ca_cert.pem(),
            cert: cert.der().clone(),
            key: key.serialize_der(),
        }
    }

    fn server_config(&self) -> Arc<ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("tls: protocol versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![self.cert.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone())),
            )
            .expect("tls: server certificate");
        Arc::new(config)
    }
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}

/// A TLS terminator on `127.0.0.1:<random port>` forwarding to `backend`.
/// Stops accepting when dropped.
pub struct TlsFront {
    listener: Listener,
    pki: TestPki,
    handshakes: Arc<AtomicU64>,
    failed_handshakes: Arc<AtomicU64>,
}

impl TlsFront {
    /// Serves TLS with a fresh [`TestPki`] in front of `backend`.
    pub fn start(backend: SocketAddr) -> Self {
        let pki = TestPki::new();
        let config = pki.server_config();
        let handshakes = Arc::new(AtomicU64::new(0));
        let failed_handshakes = Arc::new(AtomicU64::new(0));
        let (ok, failed) = (Arc::clone(&handshakes), Arc::clone(&failed_handshakes));
        let listener = Listener::start(move |stream| {
            if !terminate(stream, Arc::clone(&config), backend, &ok) {
                failed.fetch_add(1, Ordering::SeqCst);
            }
        });
        TlsFront {
            listener,
            pki,
            handshakes,
            failed_handshakes,
        }
    }

    /// `https://localhost:PORT`, no trailing slash.
    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.listener.addr().port())
    }

    /// `url()` followed by `path`.
    pub fn url_for(&self, path: &str) -> String {
        format!("{}{path}", self.url())
    }

    pub fn addr(&self) -> SocketAddr {
        self.listener.addr()
    }

    /// The CA certificate (PEM) that signed the server certificate.
    pub fn ca_pem(&self) -> &str {
        &self.pki.ca_pem
    }

    /// Completed TLS handshakes so far.
    pub fn handshakes(&self) -> u64 {
        self.handshakes.load(Ordering::SeqCst)
    }

    /// Connections whose handshake failed (e.g. the client did not trust
    /// the certificate).
    pub fn failed_handshakes(&self) -> u64 {
        self.failed_handshakes.load(Ordering::SeqCst)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs one TLS connection: handshake, then bytes both ways until either
/// side closes. Counts a completed handshake in `handshakes` at once;
/// returns whether there was one.
fn terminate(
    client: TcpStream,
    config: Arc<ServerConfig>,
    backend: SocketAddr,
    handshakes: &AtomicU64,
) -> bool {
    let _ = client.set_read_timeout(Some(Duration::from_secs(60)));
    let Ok(conn) = ServerConnection::new(config) else {
        return false;
    };
    let conn = Arc::new(Mutex::new(conn));
    let mut from_client = match client.try_clone() {
        Ok(s) => s,
        Err(_) => return false,
    };
    let mut to_client = client;
    let mut buf = vec![0u8; 16 * 1024];
    let mut backend_stream: Option<TcpStream> = None;
    let mut pump: Option<thread::JoinHandle<()>> = None;
    loop {
        let n = match from_client.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut plain = Vec::new();
        {
            let mut c = lock(&conn);
            let mut input = &buf[..n];
            while !input.is_empty() {
                if c.read_tls(&mut input).is_err() {
                    return false;
                }
                if c.process_new_packets().is_err() {
                    // Send the alert (e.g. "unknown CA" from the client side
                    // is theirs; ours is a protocol error) and give up.
                    while c.wants_write() && c.write_tls(&mut to_client).is_ok() {}
                    return backend_stream.is_some();
                }
            }
            let _ = c.reader().read_to_end(&mut plain);
            while c.wants_write() {
                if c.write_tls(&mut to_client).is_err() {
                    return false;
                }
            }
        }
        if backend_stream.is_none() && !lock(&conn).is_handshaking() {
            handshakes.fetch_add(1, Ordering::SeqCst);
            let Ok(stream) = TcpStream::connect(backend) else {
                return true;
            };
            let (Ok(mut from_backend), Ok(mut out)) = (stream.try_clone(), to_client.try_clone())
            else {
                return false;
            };
            let conn = Arc::clone(&conn);
            pump = Some(thread::spawn(move || {
                let mut buf = vec![0u8; 16 * 1024];
                loop {
                    let n = match from_backend.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let mut c = lock(&conn);
                    if c.writer().write_all(&buf[..n]).is_err() {
                        break;
                    }
                    while c.wants_write() {
                        if c.write_tls(&mut out).is_err() {
                            return;
                        }
                    }
                }
                let mut c = lock(&conn);
                c.send_close_notify();
                while c.wants_write() && c.write_tls(&mut out).is_ok() {}
                let _ = out.shutdown(Shutdown::Both);
            }));
            backend_stream = Some(stream);
        }
        if let Some(stream) = backend_stream.as_mut()
            && !plain.is_empty()
            && stream.write_all(&plain).is_err()
        {
            break;
        }
    }
    let completed = backend_stream.is_some();
    if let Some(stream) = backend_stream {
        let _ = stream.shutdown(Shutdown::Write);
    }
    if let Some(pump) = pump {
        let _ = pump.join();
    }
    completed
}
