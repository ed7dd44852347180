//! A strict fake of LRS Connect (`shared/vendor-docs/lrs-connect.txt`):
//! `POST /rest/v4/oauth/token` with `Content-Type: application/json` and
//! exactly `{"scope":"OFFLINE_ACCESS","userName","password","grantType":"PASSWORD"}`
//! answers in camelCase with `expiresIn` as a **string**:
//! `{"tokenType":"Bearer","expiresIn":"3600","accessToken":JWT,"scope":"offline_access","refreshToken"}`.
//!
//! The refresh request is undocumented; this fake takes what authtool sends
//! by default, `{"grantType":"REFRESH_TOKEN","refreshToken":…}` at the same
//! URL (refresh tokens stay valid, as Okta's do without rotation). Inactive
//! accounts are refused (403) with a message, at login and at refresh. The
//! protected resource is `GET /rest/v4/users/me` with `Authorization: Bearer`.
//! Errors are `{"errorCode": "…", "message": "…"}`.

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::codec::exact_string_fields;
use super::fake::{FakeServer, Request, Response, Vendor};
use super::tokens::{AccessGrant, AccessTokens, RefreshError, RefreshTokens, require_bearer};

pub const LRS_TOKEN_PATH: &str = "/rest/v4/oauth/token";
pub const LRS_ME_PATH: &str = "/rest/v4/users/me";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LrsCounters {
    /// Every request to the token path, good or bad.
    pub token_requests: u64,
    pub logins: u64,
    pub refreshes: u64,
    /// Refused refresh requests (unknown, expired or inactive).
    pub refresh_rejected: u64,
    /// 4xx answers from the token path.
    pub rejected: u64,
    pub me_ok: u64,
    pub me_rejected: u64,
}

/// A user account.
#[derive(Clone, Debug)]
pub struct LrsUser {
    pub name: String,
    pub password: String,
    pub active: bool,
}

#[derive(Debug)]
pub struct FakeLrs {
    pub users: Vec<LrsUser>,
    /// `expiresIn` (sent as a string), default 3600.
    pub lifetime_secs: u64,
    pub counters: LrsCounters,
    pub access: AccessTokens,
    /// Refresh tokens carry the user they were issued to.
    pub refresh: RefreshTokens<String>,
}

fn error(status: u16, code: &str, message: impl Into<String>) -> Response {
    Response::json(
        status,
        json!({ "errorCode": code, "message": message.into() }),
    )
}

impl FakeLrs {
    pub fn new(username: &str, password: &str) -> Self {
        FakeLrs {
            users: vec![LrsUser {
                name: username.to_string(),
                password: password.to_string(),
                active: true,
            }],
            lifetime_secs: 3600,
            counters: LrsCounters::default(),
            access: AccessTokens::default(),
            refresh: RefreshTokens::default(),
        }
    }

    pub fn lifetime_secs(mut self, secs: u64) -> Self {
        self.lifetime_secs = secs;
        self
    }

    /// Marks an account active or inactive.
    pub fn set_active(&mut self, username: &str, active: bool) {
        for user in self.users.iter_mut().filter(|u| u.name == username) {
            user.active = active;
        }
    }

    fn check_active(&self, username: &str) -> Result<(), Response> {
        match self.users.iter().find(|u| u.name == username) {
            Some(user) if !user.active => Err(error(
                403,
                "ACCOUNT_INACTIVE",
                format!("The account '{username}' is inactive"),
            )),
            _ => Ok(()),
        }
    }

    fn token(&mut self, req: &Request, now: SystemTime) -> Result<Response, Response> {
        if req.method != "POST" {
            return Err(error(405, "METHOD_NOT_ALLOWED", "use POST").header("Allow", "POST"));
        }
        if !req.raw_query.is_empty() || req.header("authorization").is_some() {
            return Err(error(
                400,
                "INVALID_REQUEST",
                "credentials go in the JSON body only",
            ));
        }
        let body = req
            .json()
            .map_err(|e| error(415, "UNSUPPORTED_MEDIA_TYPE", e))?;
        match body.get("grantType").and_then(Value::as_str) {
            Some("PASSWORD") => self.password_grant(&body, now),
            Some("REFRESH_TOKEN") => self.refresh_grant(&body, now),
            Some(other) => Err(error(
                400,
                "UNSUPPORTED_GRANT_TYPE",
                format!("grantType `{other}` is not supported"),
            )),
            None => Err(error(400, "INVALID_REQUEST", "missing field `grantType`")),
        }
    }

    fn password_grant(&mut self, body: &Value, now: SystemTime) -> Result<Response, Response> {
        let fields = exact_string_fields(body, &["scope", "userName", "password", "grantType"])
            .map_err(|e| error(400, "INVALID_REQUEST", e))?;
        if fields[0] != "OFFLINE_ACCESS" {
            return Err(error(
                400,
                "INVALID_SCOPE",
                format!("scope `{}` is not allowed", fields[0]),
            ));
        }
        let (name, password) = (&fields[1], &fields[2]);
        if !self
            .users
            .iter()
            .any(|u| u.name == *name && u.password == *password)
        {
            return Err(error(
                401,
                "INVALID_CREDENTIALS",
                "Invalid user name or password",
            ));
        }
        self.check_active(name)?;
        self.counters.logins += 1;
        let refresh = self.refresh.issue(name.clone(), None);
        Ok(self.issue(name, refresh, now))
    }

    fn refresh_grant(&mut self, body: &Value, now: SystemTime) -> Result<Response, Response> {
        let fields = exact_string_fields(body, &["grantType", "refreshToken"])
            .map_err(|e| error(400, "INVALID_REQUEST", e))?;
        let refresh = fields[1].clone();
        let checked = self.refresh.check(&refresh, now).cloned();
        let name = checked.map_err(|e: RefreshError| {
            self.counters.refresh_rejected += 1;
            error(400, "INVALID_GRANT", format!("Invalid refresh token: {e}"))
        })?;
        self.check_active(&name).inspect_err(|_| {
            self.counters.refresh_rejected += 1;
        })?;
        self.counters.refreshes += 1;
        Ok(self.issue(&name, refresh, now))
    }

    fn issue(&mut self, name: &str, refresh: String, now: SystemTime) -> Response {
        let grant = AccessGrant::new(name, now, Duration::from_secs(self.lifetime_secs))
            .scope(Some("offline_access".to_string()));
        let token = self.access.mint_jwt(grant, Value::Null);
        Response::json(
            200,
            json!({
                "tokenType": "Bearer",
                "expiresIn": self.lifetime_secs.to_string(),
                "accessToken": token,
                "scope": "offline_access",
                "refreshToken": refresh,
            }),
        )
    }
}

impl Vendor for FakeLrs {
    fn handle(&mut self, req: &Request, now: SystemTime) -> Response {
        match req.path.as_str() {
            LRS_TOKEN_PATH => {
                self.counters.token_requests += 1;
                let response = self.token(req, now).unwrap_or_else(|e| e);
                if (400..500).contains(&response.status) {
                    self.counters.rejected += 1;
                }
                response
            }
            LRS_ME_PATH if req.method == "GET" => match require_bearer(req, &self.access, now) {
                Ok(grant) => {
                    self.counters.me_ok += 1;
                    Response::json(200, json!({ "userName": grant.subject }))
                }
                Err(response) => {
                    self.counters.me_rejected += 1;
                    response
                }
            },
            LRS_ME_PATH => error(405, "METHOD_NOT_ALLOWED", "use GET").header("Allow", "GET"),
            other => error(404, "NOT_FOUND", format!("no route for {other}")),
        }
    }
}

impl FakeServer<FakeLrs> {
    pub fn counters(&self) -> LrsCounters {
        self.with_vendor(|v| v.counters.clone())
    }

    pub fn me_url(&self) -> String {
        self.url_for(LRS_ME_PATH)
    }

    pub fn last_access_token(&self) -> Option<String> {
        self.with_vendor(|v| v.access.last().map(str::to_string))
    }
}
