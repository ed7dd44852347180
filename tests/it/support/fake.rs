//! A generic fake HTTP server on 127.0.0.1 for vendor fakes.
//!
//! A vendor is a [`Vendor`]: a state struct whose `handle` turns an owned,
//! fully read [`Request`] into a [`Response`]. [`FakeServer`] owns it behind
//! a mutex (so counters are race-free), serves every connection on its own
//! thread, logs every request, injects scripted [`Fault`]s before the vendor
//! sees a request, and stops when dropped.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::io::{BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde_json::Value;

use super::codec::form_decode;
use super::wire::{self, ReadError};

/// How long an idle keep-alive connection is kept open.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// A fake vendor: state plus a request handler.
///
/// `handle` runs with the server's vendor mutex held, so it may update
/// counters freely; it must not sleep (use [`Fault::Delay`] or
/// [`FakeServer::set_delay`], which wait outside the lock). `now` is the
/// server's clock: real time plus whatever [`FakeServer::advance_clock`] added.
pub trait Vendor: Send + 'static {
    fn handle(&mut self, req: &Request, now: SystemTime) -> Response;
}

/// An HTTP request, owned and completely read.
#[derive(Clone)]
pub struct Request {
    /// `GET`, `POST`, … as sent.
    pub method: String,
    /// The request target exactly as sent (path and query).
    pub target: String,
    /// The path, without the query string, not percent-decoded.
    pub path: String,
    /// The query string without `?`, as sent (empty if none).
    pub raw_query: String,
    /// The query string decoded leniently (`+` and `%XX`); see
    /// [`Request::strict_query`] for a decoding that rejects bad escapes.
    pub query: Vec<(String, String)>,
    /// Headers in the order sent, names as sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every header with this name (case-insensitive), in order.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first query parameter with this name (decoded).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The query string decoded strictly (bad `%` escapes are an error).
    pub fn strict_query(&self) -> Result<Vec<(String, String)>, String> {
        form_decode(&self.raw_query)
    }

    /// The media type of `Content-Type`, lower-cased, without parameters.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn body_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The body as `application/x-www-form-urlencoded` pairs. Fails if the
    /// `Content-Type` is not that media type (parameters such as
    /// `; charset=UTF-8` are allowed) or the body does not decode.
    pub fn form(&self) -> Result<Vec<(String, String)>, String> {
        match self.media_type().as_deref() {
            Some("application/x-www-form-urlencoded") => {}
            Some(_) => {
                return Err(format!(
                    "Content-Type must be application/x-www-form-urlencoded, not `{}`",
                    self.header("content-type").unwrap_or_default()
                ));
            }
            None => {
                return Err("missing Content-Type: application/x-www-form-urlencoded".to_string());
            }
        }
        let text =
            std::str::from_utf8(&self.body).map_err(|_| "form body is not UTF-8".to_string())?;
        form_decode(text)
    }

    /// The body as JSON. Fails if the `Content-Type` is not
    /// `application/json` (parameters allowed) or the body is not JSON.
    pub fn json(&self) -> Result<Value, String> {
        match self.media_type().as_deref() {
            Some("application/json") => {}
            other => {
                return Err(format!(
                    "Content-Type must be application/json, not {}",
                    other.map_or("missing".to_string(), |_| format!(
                        "`{}`",
                        self.header("content-type").unwrap_or_default()
                    ))
                ));
            }
        }
        serde_json::from_slice(&self.body).map_err(|e| format!("body is not valid JSON: {e}"))
    }
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("headers", &self.headers)
            .field("body", &self.body_text())
            .finish()
    }
}

/// An HTTP response. `Content-Length` and `Connection` are set by the server.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON body with `Content-Type: application/json`.
    pub fn json(status: u16, value: impl Serialize) -> Self {
        let body = serde_json::to_vec(&value).expect("fake server: response is not serializable");
        Self::bytes(status, "application/json", body)
    }

    /// A text body with the given content type.
    pub fn text(status: u16, content_type: &str, body: impl Into<String>) -> Self {
        Self::bytes(status, content_type, body.into().into_bytes())
    }

    /// A body of raw bytes with the given content type.
    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Response {
            status,
            headers: vec![("Content-Type".to_string(), content_type.to_string())],
            body,
        }
    }

    /// No body, no content type.
    pub fn empty(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header (appended; an existing one of that name stays).
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// `Cache-Control: no-store` and `Pragma: no-cache`, as RFC 6749 §5.1
    /// requires on token responses.
    pub fn no_store(self) -> Self {
        self.header("Cache-Control", "no-store")
            .header("Pragma", "no-cache")
    }

    /// An RFC 6749 §5.2 error: `{"error": …, "error_description": …}`,
    /// `no-store`.
    pub fn oauth_error(status: u16, error: &str, description: impl Into<String>) -> Self {
        Self::json(
            status,
            serde_json::json!({ "error": error, "error_description": description.into() }),
        )
        .no_store()
    }

    /// 404 with a small JSON body.
    pub fn not_found(path: &str) -> Self {
        Self::json(
            404,
            serde_json::json!({ "error": "not_found", "error_description": format!("no route for {path}") }),
        )
    }

    /// 405 with `Allow` and a small JSON body.
    pub fn method_not_allowed(method: &str, allow: &str) -> Self {
        Self::json(
            405,
            serde_json::json!({
                "error": "invalid_request",
                "error_description": format!("method {method} not allowed; use {allow}"),
            }),
        )
        .header("Allow", allow)
    }

    /// The value of the first header with this name (case-insensitive).
    pub fn get_header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A scripted misbehaviour, consumed by one request before the vendor sees it.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Let this request through to the vendor unchanged.
    Pass,
    /// Answer with this status and body; `Content-Type: application/json` if
    /// the body parses as JSON, else `text/plain`. The vendor never sees it.
    Status(u16, String),
    /// Answer with this status, `Retry-After: <secs>` and a JSON error body.
    RetryAfter(u16, u64),
    /// Answer with exactly this response. The vendor never sees it.
    Respond(Response),
    /// Wait, then hand the request to the vendor as usual.
    Delay(Duration),
    /// Close the connection without answering (after reading the request).
    Drop,
    /// Write these bytes verbatim instead of a response, then close: garbage,
    /// or a truncated response (see [`Fault::truncated`]).
    Raw(Vec<u8>),
}

impl Fault {
    /// `Fault::Status` from anything string-like.
    pub fn status(status: u16, body: impl Into<String>) -> Self {
        Fault::Status(status, body.into())
    }

    /// A response head promising more body than is sent, then a close.
    pub fn truncated(partial_body: &str) -> Self {
        Fault::Raw(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{partial_body}",
                partial_body.len() + 64
            )
            .into_bytes(),
        )
    }

    /// A 200 whose body is not JSON.
    pub fn html_200() -> Self {
        Fault::Respond(Response::text(
            200,
            "text/html",
            "<html><body>Sign in</body></html>",
        ))
    }

    /// Bytes that are not HTTP at all.
    pub fn garbage() -> Self {
        Fault::Raw(b"\x00\x01 this is not HTTP \xff\r\n\r\n".to_vec())
    }

    fn into_response(self) -> Option<Response> {
        match self {
            Fault::Status(status, body) => {
                let ct = if serde_json::from_str::<Value>(&body).is_ok() {
                    "application/json"
                } else {
                    "text/plain"
                };
                Some(Response::text(status, ct, body))
            }
            Fault::RetryAfter(status, secs) => Some(
                Response::json(
                    status,
                    serde_json::json!({
                        "error": "temporarily_unavailable",
                        "error_description": format!("retry after {secs}s"),
                    }),
                )
                .header("Retry-After", secs.to_string()),
            ),
            Fault::Respond(response) => Some(response),
            _ => None,
        }
    }
}

/// What to do with a connection after a request.
enum Action {
    Respond(Response),
    Drop,
    Raw(Vec<u8>),
}

struct ScriptedFault {
    /// Only requests to this path consume the fault; `None`: any request.
    path: Option<String>,
    fault: Fault,
}

struct Shared<V> {
    vendor: Mutex<V>,
    log: Mutex<Vec<Request>>,
    faults: Mutex<VecDeque<ScriptedFault>>,
    delay: Mutex<Duration>,
    clock_offset: Mutex<Duration>,
    panics: Mutex<Vec<String>>,
    stopping: AtomicBool,
    connections: Mutex<HashMap<u64, TcpStream>>,
    next_connection: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<V: Vendor> Shared<V> {
    fn now(&self) -> SystemTime {
        SystemTime::now() + *lock(&self.clock_offset)
    }

    fn take_fault(&self, path: &str) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let index = faults
            .iter()
            .position(|f| f.path.as_deref().is_none_or(|p| p == path))?;
        faults.remove(index).map(|f| f.fault)
    }

    fn dispatch(&self, request: &Request) -> Action {
        lock(&self.log).push(request.clone());
        let action = match self.take_fault(&request.path) {
            Some(Fault::Drop) => Action::Drop,
            Some(Fault::Raw(bytes)) => Action::Raw(bytes),
            Some(Fault::Delay(delay)) => {
                thread::sleep(delay);
                Action::Respond(self.call_vendor(request))
            }
            Some(Fault::Pass) | None => Action::Respond(self.call_vendor(request)),
            Some(fault) => Action::Respond(
                fault
                    .into_response()
                    .expect("fake server: fault without a response"),
            ),
        };
        let delay = *lock(&self.delay);
        if !delay.is_zero() {
            thread::sleep(delay);
        }
        action
    }

    fn call_vendor(&self, request: &Request) -> Response {
        let now = self.now();
        let mut vendor = lock(&self.vendor);
        match catch_unwind(AssertUnwindSafe(|| vendor.handle(request, now))) {
            Ok(response) => response,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
                    .unwrap_or_else(|| "non-string panic".to_string());
                let message = format!("{} {}: {message}", request.method, request.target);
                eprintln!("fake server: vendor panicked on {message}");
                lock(&self.panics).push(message.clone());
                Response::text(
                    500,
                    "text/plain",
                    format!("fake vendor panicked: {message}"),
                )
            }
        }
    }

    fn serve_connection(&self, stream: TcpStream) {
        let Ok(read_half) = stream.try_clone() else {
            return;
        };
        let mut reader = BufReader::new(read_half);
        let mut out = stream;
        loop {
            let incoming = match wire::read_request(&mut reader, &mut out) {
                Ok(incoming) => incoming,
                Err(ReadError::Closed | ReadError::Io(_)) => break,
                Err(ReadError::Malformed(why)) => {
                    let response = Response::text(400, "text/plain", format!("bad request: {why}"));
                    let _ = wire::write_response(&mut out, &response, false, false);
                    break;
                }
                Err(ReadError::TooLarge(status)) => {
                    let _ = wire::write_response(&mut out, &Response::empty(status), false, false);
                    break;
                }
            };
            let keep_alive = incoming.keep_alive && !self.stopping.load(Ordering::SeqCst);
            let head_only = incoming.request.method == "HEAD";
            match self.dispatch(&incoming.request) {
                Action::Respond(response) => {
                    let written = wire::write_response(&mut out, &response, keep_alive, head_only);
                    if written.is_err() || !keep_alive {
                        break;
                    }
                }
                Action::Drop => break,
                Action::Raw(bytes) => {
                    let _ = out.write_all(&bytes).and_then(|()| out.flush());
                    break;
                }
            }
        }
        let _ = out.shutdown(Shutdown::Both);
    }
}

/// A fake HTTP server on `127.0.0.1:<random port>` serving one vendor.
///
/// Every connection gets its own thread (so hundreds of concurrent clients
/// are fine); the vendor is called under a mutex. Dropping the server stops
/// accepting, closes open connections and joins the accept thread.
pub struct FakeServer<V: Vendor> {
    shared: Arc<Shared<V>>,
    addr: SocketAddr,
    accept_thread: Option<JoinHandle<()>>,
}

impl<V: Vendor> FakeServer<V> {
    /// Binds `127.0.0.1:0` and starts serving `vendor`.
    pub fn start(vendor: V) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("fake server: bind 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("fake server: local address of the listener");
        let shared = Arc::new(Shared {
            vendor: Mutex::new(vendor),
            log: Mutex::new(Vec::new()),
            faults: Mutex::new(VecDeque::new()),
            delay: Mutex::new(Duration::ZERO),
            clock_offset: Mutex::new(Duration::ZERO),
            panics: Mutex::new(Vec::new()),
            stopping: AtomicBool::new(false),
            connections: Mutex::new(HashMap::new()),
            next_connection: AtomicU64::new(0),
        });
        let accept_shared = Arc::clone(&shared);
        let accept_thread = thread::Builder::new()
            .name(format!("fake-server-{}", addr.port()))
            .spawn(move || accept_loop(&accept_shared, &listener))
            .expect("fake server: spawn the accept thread");
        FakeServer {
            shared,
            addr,
            accept_thread: Some(accept_thread),
        }
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `url()` followed by `path` (which should start with `/`).
    pub fn url_for(&self, path: &str) -> String {
        format!("{}{path}", self.url())
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far (faulted ones included), in order.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.log).clone()
    }

    /// The requests whose path is `path`.
    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        lock(&self.shared.log)
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    pub fn request_count(&self) -> usize {
        lock(&self.shared.log).len()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// Runs `f` on the vendor state under its lock: read counters, change
    /// settings, revoke tokens.
    pub fn with_vendor<R>(&self, f: impl FnOnce(&mut V) -> R) -> R {
        f(&mut lock(&self.shared.vendor))
    }

    /// Replaces the fault script: the next requests (any path) consume these
    /// faults one each, in order; later requests are served normally.
    pub fn script(&self, faults: Vec<Fault>) {
        self.replace_script(None, faults);
    }

    /// Like [`FakeServer::script`], but only requests to `path` consume the
    /// faults; other requests pass untouched.
    pub fn script_on(&self, path: &str, faults: Vec<Fault>) {
        self.replace_script(Some(path), faults);
    }

    /// Appends one fault (for any path) to the script.
    pub fn push_fault(&self, fault: Fault) {
        lock(&self.shared.faults).push_back(ScriptedFault { path: None, fault });
    }

    /// Faults not consumed yet.
    pub fn faults_remaining(&self) -> usize {
        lock(&self.shared.faults).len()
    }

    fn replace_script(&self, path: Option<&str>, faults: Vec<Fault>) {
        let mut script = lock(&self.shared.faults);
        script.clear();
        script.extend(faults.into_iter().map(|fault| ScriptedFault {
            path: path.map(str::to_string),
            fault,
        }));
    }

    /// Holds every response (and every drop) this long after the vendor
    /// handled the request, without holding the vendor lock: widens race
    /// windows and leaves time to kill a client mid-request.
    /// `Duration::ZERO` turns it off.
    pub fn set_delay(&self, delay: Duration) {
        *lock(&self.shared.delay) = delay;
    }

    /// Moves the server's clock forward: tokens expire server-side (and new
    /// ones are issued relative to the new time) without sleeping.
    pub fn advance_clock(&self, by: Duration) {
        *lock(&self.shared.clock_offset) += by;
    }

    /// The server's clock: real time plus [`FakeServer::advance_clock`].
    pub fn now(&self) -> SystemTime {
        self.shared.now()
    }

    /// Messages of vendor panics so far (each was answered with a 500).
    pub fn panics(&self) -> Vec<String> {
        lock(&self.shared.panics).clone()
    }
}

impl<V: Vendor> Drop for FakeServer<V> {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop; it checks `stopping` after every accept.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.accept_thread.take() {
            let _ = thread.join();
        }
        for (_, connection) in lock(&self.shared.connections).drain() {
            let _ = connection.shutdown(Shutdown::Both);
        }
    }
}

fn accept_loop<V: Vendor>(shared: &Arc<Shared<V>>, listener: &TcpListener) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else {
            // EMFILE and friends: back off instead of spinning.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
        let id = shared.next_connection.fetch_add(1, Ordering::Relaxed);
        if let Ok(clone) = stream.try_clone() {
            lock(&shared.connections).insert(id, clone);
        }
        let worker = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name(format!("fake-conn-{id}"))
            .stack_size(256 * 1024)
            .spawn(move || {
                worker.serve_connection(stream);
                lock(&worker.connections).remove(&id);
            });
        if spawned.is_err()
            && let Some(stream) = lock(&shared.connections).remove(&id)
        {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}
