//! A strict fake of Connect Enterprise (`shared/vendor-docs/connect-enterprise.txt`):
//! `POST /v1/auth/login` with `Content-Type: application/json` and exactly
//! `{"clientid","secret"}` answers `{"data":{"token":JWT},"errors":null}`;
//! the JWT carries `exp`. No refresh token. A protected resource
//! `GET /v1/whoami` takes `Authorization: Bearer`. One server is one
//! environment: run two for development and production, and a token from
//! one is unknown to the other.
//!
//! ```ignore
//! let dev = FakeServer::start(FakeConnect::new("development", "client", "secret"));
//! // … base_url = dev.url() …
//! assert_eq!(dev.counters().logins, 1);
//! ```

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::codec::exact_string_fields;
use super::fake::{FakeServer, Request, Response, Vendor};
use super::tokens::{AccessGrant, AccessTokens, require_bearer};

pub const CONNECT_LOGIN_PATH: &str = "/v1/auth/login";
pub const CONNECT_RESOURCE_PATH: &str = "/v1/whoami";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectCounters {
    /// Every request to the login path, good or bad.
    pub login_requests: u64,
    pub logins: u64,
    /// 4xx answers from the login path.
    pub rejected: u64,
    pub resource_ok: u64,
    pub resource_rejected: u64,
}

#[derive(Debug)]
pub struct FakeConnect {
    /// `development` or `production`: the JWT's `aud`, so tokens of two
    /// servers differ.
    pub environment: String,
    /// Registered clients: (clientid, secret).
    pub clients: Vec<(String, String)>,
    /// Lifetime of tokens (the JWT `exp` is `iat` + this), default 3600.
    pub lifetime_secs: u64,
    /// Scopes granted, in the JWT `scope` claim.
    pub scope: String,
    pub counters: ConnectCounters,
    pub access: AccessTokens,
}

/// The vendor's error envelope: `{"data":null,"errors":[{code,message}]}`.
fn error(status: u16, code: &str, message: impl Into<String>) -> Response {
    Response::json(
        status,
        json!({ "data": null, "errors": [{ "code": code, "message": message.into() }] }),
    )
}

impl FakeConnect {
    pub fn new(environment: &str, client_id: &str, secret: &str) -> Self {
        FakeConnect {
            environment: environment.to_string(),
            clients: vec![(client_id.to_string(), secret.to_string())],
            lifetime_secs: 3600,
            scope: "orders.read orders.write".to_string(),
            counters: ConnectCounters::default(),
            access: AccessTokens::default(),
        }
    }

    pub fn lifetime_secs(mut self, secs: u64) -> Self {
        self.lifetime_secs = secs;
        self
    }

    fn login(&mut self, req: &Request, now: SystemTime) -> Result<Response, Response> {
        if req.method != "POST" {
            return Err(error(405, "METHOD_NOT_ALLOWED", "use POST").header("Allow", "POST"));
        }
        if !req.raw_query.is_empty() {
            return Err(error(
                400,
                "BAD_REQUEST",
                "no query parameters are accepted",
            ));
        }
        if req.header("authorization").is_some() {
            return Err(error(
                400,
                "BAD_REQUEST",
                "credentials go in the JSON body, not in Authorization",
            ));
        }
        let body = req
            .json()
            .map_err(|e| error(415, "UNSUPPORTED_MEDIA_TYPE", e))?;
        let fields = exact_string_fields(&body, &["clientid", "secret"])
            .map_err(|e| error(400, "VALIDATION_ERROR", e))?;
        let (id, secret) = (&fields[0], &fields[1]);
        if !self.clients.iter().any(|(i, s)| i == id && s == secret) {
            return Err(error(
                401,
                "INVALID_CREDENTIALS",
                "Invalid clientid or secret",
            ));
        }
        self.counters.logins += 1;
        let grant = AccessGrant::new(id.as_str(), now, Duration::from_secs(self.lifetime_secs))
            .client_id(id.as_str())
            .scope(Some(self.scope.clone()))
            .audience(Some(self.environment.clone()));
        let token = self.access.mint_jwt(grant, Value::Null);
        Ok(Response::json(
            200,
            json!({ "data": { "token": token }, "errors": null }),
        ))
    }

    fn resource(&mut self, req: &Request, now: SystemTime) -> Response {
        if req.method != "GET" {
            self.counters.resource_rejected += 1;
            return error(405, "METHOD_NOT_ALLOWED", "use GET").header("Allow", "GET");
        }
        match require_bearer(req, &self.access, now) {
            Ok(grant) => {
                self.counters.resource_ok += 1;
                Response::json(
                    200,
                    json!({
                        "data": { "clientid": grant.client_id, "environment": self.environment },
                        "errors": null,
                    }),
                )
            }
            Err(response) => {
                self.counters.resource_rejected += 1;
                response
            }
        }
    }
}

impl Vendor for FakeConnect {
    fn handle(&mut self, req: &Request, now: SystemTime) -> Response {
        match req.path.as_str() {
            CONNECT_LOGIN_PATH => {
                self.counters.login_requests += 1;
                let response = self.login(req, now).unwrap_or_else(|e| e);
                if (400..500).contains(&response.status) {
                    self.counters.rejected += 1;
                }
                response
            }
            CONNECT_RESOURCE_PATH => self.resource(req, now),
            other => error(404, "NOT_FOUND", format!("no route for {other}")),
        }
    }
}

impl FakeServer<FakeConnect> {
    pub fn counters(&self) -> ConnectCounters {
        self.with_vendor(|v| v.counters.clone())
    }

    pub fn resource_url(&self) -> String {
        self.url_for(CONNECT_RESOURCE_PATH)
    }

    pub fn last_access_token(&self) -> Option<String> {
        self.with_vendor(|v| v.access.last().map(str::to_string))
    }
}
