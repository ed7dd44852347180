//! A strict fake of the parts of an OpenID provider that a real one cannot
//! be made to misbehave in: discovery that names another issuer or plain
//! http endpoints on a remote host, a device flow that answers `slow_down`,
//! `access_denied` or `expired_token` on cue (and records when it was
//! polled), and a token endpoint for the authorization code grant. With
//! [`browser_script`], a `$BROWSER` that answers the loopback listener as a
//! hostile or refusing browser would.
//!
//! ```ignore
//! let op = FakeServer::start(FakeOidc::new().device_answers(&["slow_down", "ok"]));
//! ```

use super::fake::{Request, Response, Vendor};
use serde_json::json;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The client id the fake knows.
pub const CLIENT: &str = "fake-cli";
/// The device code it hands out.
pub const DEVICE_CODE: &str = "fake-device-code";
/// The user code it hands out.
pub const USER_CODE: &str = "ABCD-EFGH";
/// The authorization code the browser script delivers and the token
/// endpoint takes.
pub const AUTH_CODE: &str = "fake-auth-code";

/// The fake provider's state.
pub struct FakeOidc {
    /// The `issuer` its metadata names (default: its own URL).
    pub issuer: Option<String>,
    /// Its metadata names endpoints on `http://id.example.com`.
    pub remote_endpoints: bool,
    /// Its metadata is only at RFC 8414's well-known URL (OpenID Connect
    /// Discovery's answers 404).
    pub rfc8414_only: bool,
    /// What each device token request gets, in order: an RFC 8628 error
    /// (`authorization_pending`, `slow_down`, `access_denied`,
    /// `expired_token`) or `ok` (a token); after the last, `ok`.
    pub device_answers: VecDeque<String>,
    /// The `interval` of the device authorization answer.
    pub interval: u64,
    /// The `expires_in` of the device authorization answer.
    pub device_expires_in: u64,
    /// When the device token requests came, in order.
    pub polls: Vec<SystemTime>,
    /// Tokens issued so far.
    pub issued: usize,
}

impl Default for FakeOidc {
    fn default() -> Self {
        FakeOidc::new()
    }
}

impl FakeOidc {
    pub fn new() -> FakeOidc {
        FakeOidc {
            issuer: None,
            remote_endpoints: false,
            rfc8414_only: false,
            device_answers: VecDeque::new(),
            interval: 1,
            device_expires_in: 600,
            polls: Vec::new(),
            issued: 0,
        }
    }

    /// Its metadata names `issuer` instead of its own URL.
    pub fn naming_issuer(mut self, issuer: &str) -> Self {
        self.issuer = Some(issuer.to_string());
        self
    }

    /// Its metadata names plain http endpoints on a remote host.
    pub fn with_remote_endpoints(mut self) -> Self {
        self.remote_endpoints = true;
        self
    }

    /// Its metadata only at `/.well-known/oauth-authorization-server`.
    pub fn rfc8414_only(mut self) -> Self {
        self.rfc8414_only = true;
        self
    }

    /// The device token requests' answers, in order (see
    /// [`FakeOidc::device_answers`]).
    pub fn device_answers(mut self, answers: &[&str]) -> Self {
        self.device_answers = answers.iter().map(|s| s.to_string()).collect();
        self
    }

    /// The device authorization answer's `interval` and `expires_in`.
    pub fn device_timing(mut self, interval: u64, expires_in: u64) -> Self {
        self.interval = interval;
        self.device_expires_in = expires_in;
        self
    }

    /// The gaps between successive device polls.
    pub fn poll_gaps(&self) -> Vec<Duration> {
        self.polls
            .windows(2)
            .map(|w| w[1].duration_since(w[0]).unwrap_or_default())
            .collect()
    }

    fn token(&mut self) -> Response {
        self.issued += 1;
        Response::json(
            200,
            json!({
                "access_token": format!("fake-access-{}", self.issued),
                "token_type": "Bearer",
                "expires_in": 3600,
                "refresh_token": format!("fake-refresh-{}", self.issued),
            }),
        )
        .no_store()
    }

    fn metadata(&self, req: &Request) -> Response {
        let own = format!("http://{}", req.header("host").unwrap_or("127.0.0.1"));
        let base = if self.remote_endpoints {
            "http://id.example.com".to_string()
        } else {
            own.clone()
        };
        Response::json(
            200,
            json!({
                "issuer": self.issuer.clone().unwrap_or(own),
                "authorization_endpoint": format!("{base}/authorize"),
                "token_endpoint": format!("{base}/token"),
                "device_authorization_endpoint": format!("{base}/device"),
                "revocation_endpoint": format!("{base}/revoke"),
                "jwks_uri": format!("{base}/jwks"),
                "code_challenge_methods_supported": ["S256"],
            }),
        )
    }

    fn token_endpoint(&mut self, req: &Request, now: SystemTime) -> Response {
        let Ok(form) = req.form() else {
            return Response::oauth_error(400, "invalid_request", "a form body is required");
        };
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if field("client_id") != Some(CLIENT) {
            return Response::oauth_error(401, "invalid_client", "unknown client");
        }
        match field("grant_type") {
            Some("urn:ietf:params:oauth:grant-type:device_code") => {
                self.polls.push(now);
                if field("device_code") != Some(DEVICE_CODE) {
                    return Response::oauth_error(400, "invalid_grant", "unknown device code");
                }
                match self.device_answers.pop_front().as_deref() {
                    None | Some("ok") => self.token(),
                    Some(error) => Response::oauth_error(400, error, "as scripted"),
                }
            }
            Some("authorization_code") => {
                let verifier = field("code_verifier").unwrap_or_default();
                if field("code") != Some(AUTH_CODE)
                    || !(43..=128).contains(&verifier.len())
                    || field("redirect_uri").is_none_or(|r| !r.starts_with("http://127.0.0.1:"))
                {
                    return Response::oauth_error(
                        400,
                        "invalid_grant",
                        "bad code, verifier or redirect_uri",
                    );
                }
                self.token()
            }
            Some("refresh_token") => self.token(),
            _ => Response::oauth_error(400, "unsupported_grant_type", "not here"),
        }
    }
}

impl Vendor for FakeOidc {
    fn handle(&mut self, req: &Request, now: SystemTime) -> Response {
        match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/.well-known/openid-configuration") if !self.rfc8414_only => {
                self.metadata(req)
            }
            ("GET", "/.well-known/oauth-authorization-server") if self.rfc8414_only => {
                self.metadata(req)
            }
            ("POST", "/device") => Response::json(
                200,
                json!({
                    "device_code": DEVICE_CODE,
                    "user_code": USER_CODE,
                    "verification_uri": format!("http://{}/activate", req.header("host").unwrap_or("127.0.0.1")),
                    "expires_in": self.device_expires_in,
                    "interval": self.interval,
                }),
            ),
            ("POST", "/token") => self.token_endpoint(req, now),
            (_, path) => Response::not_found(path),
        }
    }
}

/// Writes the fake browser into `dir` and returns the `$BROWSER` value
/// that runs it. It reads the authorization URL it is given and, as
/// `$FAKE_BROWSER` says, answers the loopback listener with curl, logging
/// `WHAT STATUS` lines to `$FAKE_BROWSER_LOG` (status `000`: refused):
/// - `deny`: the callback with `error=access_denied` and the right state;
/// - `hostile`: a request to another path, a callback with a wrong state
///   and one without a state (then nothing);
/// - `twice`: the callback with [`AUTH_CODE`] and the right state, then
///   the same again a second later.
///
/// It also writes `CORP_SECRET=VALUE` (or `unset`) to
/// `$FAKE_BROWSER_LOG.env`: what a browser would see of that variable.
pub fn browser_script(dir: &Path) -> String {
    let path: PathBuf = dir.join("fake-browser.sh");
    std::fs::write(
        &path,
        r#"#!/bin/sh
url=$1
echo "CORP_SECRET=${CORP_SECRET:-unset}" > "$FAKE_BROWSER_LOG.env"
param() { printf '%s' "$url" | sed -n "s/.*[?&]$1=\([^&]*\).*/\1/p"; }
redirect=$(param redirect_uri | sed 's/%3A/:/g; s/%2F/\//g')
state=$(param state)
base=${redirect%/callback}
hit() {
  status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$2")
  echo "$1 $status" >> "$FAKE_BROWSER_LOG"
}
case "$FAKE_BROWSER" in
  deny) hit deny "$redirect?error=access_denied&error_description=The+person+said+no&state=$state" ;;
  hostile)
    hit other-path "$base/other?code=x&state=$state"
    hit wrong-state "$redirect?code=x&state=forged"
    hit missing-state "$redirect?code=x" ;;
  twice)
    hit first "$redirect?code=fake-auth-code&state=$state"
    sleep 1
    hit second "$redirect?code=fake-auth-code&state=$state" ;;
esac
"#,
    )
    .expect("write the fake browser");
    format!("sh {}", path.display())
}
