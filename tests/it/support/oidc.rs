//! The real OpenID Certified server: `oidc-provider` (npm, pinned in
//! `tests/oidc/package.json`, installed by `npm ci` there: `.ci/run` and
//! `scripts/test.sh` do it), started per test on a free 127.0.0.1 port and
//! killed on drop; and the person who answers its pages
//! (`tests/oidc/person.js`), for `$BROWSER` or a device code.
//!
//! ```ignore
//! let Some(op) = OidcServer::start() else { return };   // node missing: see NEEDS
//! env.set_env("BROWSER", op.browser());                  // plays the person
//! let op = OidcServer::start_with(json!({               // more clients / features
//!     "extra_clients": [{ "client_id": "bot", "token_endpoint_auth_method": "private_key_jwt",
//!                         "jwks": { "keys": [jwk] }, "grant_types": ["client_credentials"],
//!                         "redirect_uris": [], "response_types": [] }],
//!     "features": { "dPoP": { "enabled": true } },
//!     "ttl": { "AccessToken": 60 },
//! }));
//! ```
//!
//! Tests that use it are `#[ignore = "needs node and tests/oidc/node_modules (npm ci)"]`
//! ([`NEEDS`]) with `oidc_provider` in their names; `scripts/test.sh` runs
//! `npm ci` and selects them when node is there.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The `#[ignore]` reason of the tests that need the real server.
pub const NEEDS: &str = "needs node and tests/oidc/node_modules (npm ci)";

/// The public native client (loopback redirect on any port, PKCE).
pub const NATIVE_CLIENT: &str = "authtool-native";
/// The public device-flow client.
pub const DEVICE_CLIENT: &str = "authtool-device";
/// A confidential `client_credentials` client (`client_secret_basic`).
pub const MACHINE_CLIENT: &str = "authtool-machine";
/// Its secret.
pub const MACHINE_SECRET: &str = "machine-secret";
/// The account the person signs in as (the ID token's `sub`).
pub const PERSON: &str = "alice";

/// `tests/oidc`.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// The person script (`node person.js …`).
pub fn person_script() -> PathBuf {
    dir().join("person.js")
}

/// Whether node and the installed modules are there.
pub fn available() -> bool {
    dir()
        .join("node_modules/oidc-provider/package.json")
        .exists()
        && Command::new("node")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

/// A running oidc-provider; killed on drop.
pub struct OidcServer {
    child: Child,
    /// Kept open: the server stops when it closes (a test that dies takes
    /// the server along).
    _stdin: Option<ChildStdin>,
    issuer: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl OidcServer {
    /// The server with its default clients ([`NATIVE_CLIENT`],
    /// [`DEVICE_CLIENT`], [`MACHINE_CLIENT`]) and features
    /// (devInteractions, deviceFlow, clientCredentials, introspection,
    /// revocation, dPoP), or panics when node or the modules are missing
    /// (the tests are ignored then).
    pub fn start() -> OidcServer {
        OidcServer::start_with(serde_json::json!({}))
    }

    /// The server with `config` (see `tests/oidc/server.js`: `port`,
    /// `clients`, `extra_clients`, `features`, `ttl`, `config`).
    pub fn start_with(config: serde_json::Value) -> OidcServer {
        assert!(
            available(),
            "the oidc-provider tests {NEEDS}: run `npm ci` in tests/oidc, or scripts/test.sh"
        );
        let mut child = Command::new("node")
            .arg(dir().join("server.js"))
            .arg(config.to_string())
            .current_dir(dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start node tests/oidc/server.js");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
            let _ = tx.send(lines.next().unwrap_or_default());
            // Drained to the end: the server never writes into a closed pipe.
            for line in lines {
                sink.lock().unwrap().push(line);
            }
        });
        let issuer = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_default()
            .trim()
            .to_string();
        let server = OidcServer {
            child,
            _stdin: stdin,
            issuer,
            log,
        };
        assert!(
            server.issuer.starts_with("http://127.0.0.1:"),
            "oidc-provider did not start: {}",
            server.log().join("\n")
        );
        server
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.issuer
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port")
    }

    /// The requests it answered so far (`METHOD PATH STATUS`), and its
    /// warnings. The server logs a request once its answer is sent, so the
    /// log is read when it has been still for a moment: a client that got
    /// its answer finds its request there.
    pub fn log(&self) -> Vec<String> {
        let len = || self.log.lock().unwrap().len();
        let mut seen = len();
        for _ in 0..20 {
            std::thread::sleep(Duration::from_millis(100));
            let now = len();
            if now == seen {
                break;
            }
            seen = now;
        }
        self.log.lock().unwrap().clone()
    }

    /// How many requests it answered whose line starts with `prefix`
    /// (`"POST /token"`, `"GET /.well-known/"`).
    pub fn requests(&self, prefix: &str) -> usize {
        self.log().iter().filter(|l| l.starts_with(prefix)).count()
    }
}

impl Drop for OidcServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `$BROWSER` value that plays the person: signs in as [`PERSON`] and
/// consents. authtool runs it with the authorization URL as its argument.
pub fn browser() -> String {
    format!("node {}", person_script().display())
}

/// The environment variables for the person script: `PERSON_ACTION`
/// (`approve`/`deny`), `PERSON_COUNT` (a file that gets a line per
/// invocation), `PERSON_LOG` (its log).
pub fn person_env(action: &str, count: &Path, log: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("PERSON_ACTION", action.to_string()),
        ("PERSON_COUNT", count.display().to_string()),
        ("PERSON_LOG", log.display().to_string()),
    ]
}

/// Confirms a device login as the person (`node person.js --device URI CODE`);
/// `Ok` when the server showed its success page.
pub fn confirm_device(verification_uri: &str, user_code: &str) -> Result<(), String> {
    let out = Command::new("node")
        .arg(person_script())
        .args(["--device", verification_uri, user_code])
        .output()
        .map_err(|e| format!("node: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}
