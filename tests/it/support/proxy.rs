//! A tiny HTTP `CONNECT` proxy on 127.0.0.1 that counts the tunnels it
//! opens, so a test can prove a client went through it (`HTTPS_PROXY`) or
//! around it (`NO_PROXY`). It only tunnels to loopback addresses; any other
//! target, and any request that is not `CONNECT`, gets a 403 / 405.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

/// A listener on `127.0.0.1:<random port>` that serves every connection on
/// a thread of its own, and stops accepting when dropped. Shared by
/// [`ConnectProxy`] and [`TlsFront`](super::tls::TlsFront).
pub(super) struct Listener {
    addr: SocketAddr,
    stopping: Arc<AtomicBool>,
}

impl Listener {
    pub(super) fn start(serve: impl Fn(TcpStream) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("listener: bind");
        let addr = listener.local_addr().expect("listener: local address");
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&stopping);
        let serve = Arc::new(serve);
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let serve = Arc::clone(&serve);
                thread::spawn(move || serve(stream));
            }
        });
        Listener { addr, stopping }
    }

    pub(super) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop; it checks `stopping` after every accept.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

/// The proxy; stops accepting when dropped.
pub struct ConnectProxy {
    listener: Listener,
    /// `host:port` of every tunnel opened, in order.
    tunnels: Arc<Mutex<Vec<String>>>,
    /// Request lines of everything refused.
    refused: Arc<Mutex<Vec<String>>>,
}

impl ConnectProxy {
    pub fn start() -> Self {
        let tunnels = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(Mutex::new(Vec::new()));
        let (t, r) = (Arc::clone(&tunnels), Arc::clone(&refused));
        ConnectProxy {
            listener: Listener::start(move |stream| serve(stream, &t, &r)),
            tunnels,
            refused,
        }
    }

    /// `http://127.0.0.1:PORT`: the value for `HTTPS_PROXY`.
    pub fn url(&self) -> String {
        format!("http://{}", self.listener.addr())
    }

    /// `host:port` of every tunnel opened so far.
    pub fn tunnels(&self) -> Vec<String> {
        self.tunnels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Request lines the proxy refused.
    pub fn refused(&self) -> Vec<String> {
        self.refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

fn serve(client: TcpStream, tunnels: &Mutex<Vec<String>>, refused: &Mutex<Vec<String>>) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(read_half) = client.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // The rest of the head.
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
        }
    }
    let request_line = request_line.trim_end().to_string();
    let mut out = client;
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let refuse = |out: &mut TcpStream, status: &str| {
        refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request_line.clone());
        let _ = write!(
            out,
            "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
    };
    if method != "CONNECT" {
        return refuse(&mut out, "405 Method Not Allowed");
    }
    // Loopback only: this proxy never reaches beyond the machine.
    let Some(backend) = target
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.find(|a| a.ip().is_loopback()))
    else {
        return refuse(&mut out, "403 Forbidden");
    };
    let Ok(upstream) = TcpStream::connect_timeout(&backend, Duration::from_secs(5)) else {
        return refuse(&mut out, "502 Bad Gateway");
    };
    tunnels
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(target.to_string());
    if out
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    // Bytes the client sent after the head are already in the reader's buffer.
    let buffered = reader.buffer().to_vec();
    let (Ok(mut up_write), Ok(mut up_read), Ok(mut down)) =
        (upstream.try_clone(), upstream.try_clone(), out.try_clone())
    else {
        return;
    };
    if !buffered.is_empty() && up_write.write_all(&buffered).is_err() {
        return;
    }
    let down_pump = thread::spawn(move || {
        let _ = std::io::copy(&mut up_read, &mut down);
        let _ = down.shutdown(Shutdown::Write);
    });
    let mut client_read = reader.into_inner();
    let _ = std::io::copy(&mut client_read, &mut up_write);
    let _ = up_write.shutdown(Shutdown::Write);
    let _ = down_pump.join();
    let _ = out.shutdown(Shutdown::Both);
}
