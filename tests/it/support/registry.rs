//! A fake package registry on 127.0.0.1 that requires a token: the `org`
//! OAuth2 server ([`FakeOAuth2`]) at `/oauth2/token` plus files (an index
//! page, a packument, a sparse index's `config.json`, …) served only to a
//! request that presents one of its valid access tokens, the way each
//! tool sends it:
//!
//! - `Authorization: Bearer <token>` (npm, Maven with a header);
//! - `Authorization: Basic base64(<user>:<token>)` (pip, uv, Maven);
//! - `Authorization: <token>` (cargo's `token-from-stdout`, as crates.io).
//!
//! Anything else gets 401 with `WWW-Authenticate: Basic`. Each accepted
//! request is logged with how the token came ([`Presented`]).

use std::time::SystemTime;

use super::codec::parse_basic;
use super::fake::{FakeServer, Request, Response, Vendor};
use super::oauth2::FakeOAuth2;

/// How an accepted request carried its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    Bearer,
    /// Basic, with this user name.
    Basic(String),
    Raw,
}

pub struct FakeRegistry {
    pub oauth: FakeOAuth2,
    /// Exact request paths → (content type, body).
    pub files: Vec<(String, String, Vec<u8>)>,
    /// Accepted requests: (path, how the token came).
    pub accepted: Vec<(String, Presented)>,
    /// Requests refused for want of a valid token.
    pub rejected: u64,
}

impl FakeRegistry {
    pub fn new(oauth: FakeOAuth2) -> Self {
        FakeRegistry {
            oauth,
            files: Vec::new(),
            accepted: Vec::new(),
            rejected: 0,
        }
    }

    /// The token a request presents, and how.
    fn presented(req: &Request) -> Option<(String, Presented)> {
        let value = req.header("authorization")?.trim();
        if let Some((scheme, rest)) = value.split_once(' ') {
            if scheme.eq_ignore_ascii_case("bearer") {
                return Some((rest.trim().to_string(), Presented::Bearer));
            }
            if scheme.eq_ignore_ascii_case("basic") {
                let (user, password) = parse_basic(value).ok()?;
                return Some((password, Presented::Basic(user)));
            }
            return None;
        }
        Some((value.to_string(), Presented::Raw))
    }
}

impl Vendor for FakeRegistry {
    fn handle(&mut self, req: &Request, now: SystemTime) -> Response {
        if req.path == self.oauth.token_path {
            return self.oauth.handle(req, now);
        }
        let valid =
            Self::presented(req).filter(|(token, _)| self.oauth.access.check(token, now).is_ok());
        let Some((_, how)) = valid else {
            self.rejected += 1;
            return Response::json(
                401,
                serde_json::json!({"errors": [{"detail": "a valid token is required"}]}),
            )
            .header("WWW-Authenticate", r#"Basic realm="fake registry""#);
        };
        self.accepted.push((req.path.clone(), how));
        match self.files.iter().find(|(path, _, _)| *path == req.path) {
            Some((_, content_type, body)) => Response::bytes(200, content_type, body.clone()),
            None => Response::not_found(&req.path),
        }
    }
}

impl FakeServer<FakeRegistry> {
    /// Serves `body` at `path` (to a request with a valid token).
    pub fn serve_file(&self, path: &str, content_type: &str, body: impl Into<Vec<u8>>) {
        let body = body.into();
        self.with_vendor(|v| {
            v.files
                .push((path.to_string(), content_type.to_string(), body))
        });
    }

    /// The token endpoint.
    pub fn token_url(&self) -> String {
        let path = self.with_vendor(|v| v.oauth.token_path.clone());
        self.url_for(&path)
    }

    /// Accepted requests: (path, how the token came).
    pub fn accepted(&self) -> Vec<(String, Presented)> {
        self.with_vendor(|v| v.accepted.clone())
    }

    /// Requests refused for want of a valid token.
    pub fn rejected(&self) -> u64 {
        self.with_vendor(|v| v.rejected)
    }

    /// Logins at the token endpoint.
    pub fn logins(&self) -> u64 {
        self.with_vendor(|v| v.oauth.counters.logins)
    }
}
