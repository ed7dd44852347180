//! A strict fake of primaERP (`shared/vendor-docs/primaerp.txt`):
//!
//! - `GET /v1/auth/login?apikey=…` with HTTP Basic `user:password`, or the
//!   secret key as user name and an empty password;
//! - `GET /v1/auth/refreshtoken?apikey=…&refresh_token=…`, where a refresh
//!   token is valid **once**: a second use is refused and counted
//!   (`refresh_reuse`);
//! - both answer `{"token","expiration":"/Date(ms)/","refreshToken",
//!   "refreshExpiration":"/Date(ms)/"}`;
//! - `GET /v1/time/projects?token=…` is a protected resource that takes the
//!   token in the query string only.
//!
//! Errors are `{"code": <status>, "message": "…"}`.

use std::time::{Duration, SystemTime};

use serde_json::json;

use super::cmd::{TestEnv, transcript};
use super::codec::{parse_basic, unique_token, unix_millis};
use super::curl::curl;
use super::fake::{FakeServer, Fault, Request, Response, Vendor};
use super::tokens::{AccessGrant, AccessTokens, RefreshError, RefreshTokens};

pub const PRIMAERP_LOGIN_PATH: &str = "/v1/auth/login";
pub const PRIMAERP_REFRESH_PATH: &str = "/v1/auth/refreshtoken";
pub const PRIMAERP_PROJECTS_PATH: &str = "/v1/time/projects";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrimaerpCounters {
    /// Every request to the login path, good or bad.
    pub login_requests: u64,
    pub logins: u64,
    /// Every request to the refresh path, good or bad.
    pub refresh_requests: u64,
    pub refreshes: u64,
    /// Refresh tokens presented again after their one use.
    pub refresh_reuse: u64,
    pub refresh_expired: u64,
    pub refresh_unknown: u64,
    /// 4xx answers from the login and refresh paths.
    pub rejected: u64,
    pub projects_ok: u64,
    pub projects_rejected: u64,
}

#[derive(Debug)]
pub struct FakePrimaerp {
    pub api_keys: Vec<String>,
    /// (user name, password).
    pub users: Vec<(String, String)>,
    pub secret_keys: Vec<String>,
    /// Access token lifetime, default 3600 (the doc's "one hour").
    pub lifetime_secs: u64,
    /// Refresh token lifetime, default 7 days.
    pub refresh_lifetime_secs: u64,
    /// A zone suffix written into the dates, e.g. `+0100`
    /// (`/Date(1393858439151+0100)/`); the milliseconds stay UTC.
    pub date_zone: String,
    pub counters: PrimaerpCounters,
    pub access: AccessTokens,
    /// Refresh tokens carry the subject they were issued to.
    pub refresh: RefreshTokens<String>,
}

fn error(status: u16, message: impl Into<String>) -> Response {
    Response::json(status, json!({ "code": status, "message": message.into() }))
}

impl FakePrimaerp {
    /// One API key and one user.
    pub fn new(api_key: &str, username: &str, password: &str) -> Self {
        FakePrimaerp {
            api_keys: vec![api_key.to_string()],
            users: vec![(username.to_string(), password.to_string())],
            secret_keys: Vec::new(),
            lifetime_secs: 3600,
            refresh_lifetime_secs: 7 * 86_400,
            date_zone: String::new(),
            counters: PrimaerpCounters::default(),
            access: AccessTokens::default(),
            refresh: RefreshTokens::default(),
        }
    }

    pub fn with_secret_key(mut self, key: &str) -> Self {
        self.secret_keys.push(key.to_string());
        self
    }

    pub fn lifetime_secs(mut self, secs: u64) -> Self {
        self.lifetime_secs = secs;
        self
    }

    pub fn date_zone(mut self, zone: &str) -> Self {
        self.date_zone = zone.to_string();
        self
    }

    fn date(&self, at: SystemTime) -> String {
        format!("/Date({}{})/", unix_millis(at), self.date_zone)
    }

    /// The query must hold exactly `names`, once each; returns their values.
    fn query(req: &Request, names: &[&str]) -> Result<Vec<String>, Response> {
        let query = req
            .strict_query()
            .map_err(|e| error(400, format!("malformed query string: {e}")))?;
        if let Some((extra, _)) = query.iter().find(|(n, _)| !names.contains(&n.as_str())) {
            return Err(error(400, format!("unexpected query parameter `{extra}`")));
        }
        names
            .iter()
            .map(|name| {
                let mut values = query.iter().filter(|(n, _)| n == name);
                match (values.next(), values.next()) {
                    (Some((_, v)), None) => Ok(v.clone()),
                    (Some(_), Some(_)) => Err(error(400, format!("`{name}` is repeated"))),
                    (None, _) if *name == "apikey" => Err(error(401, "Missing API key")),
                    (None, _) => Err(error(400, format!("missing query parameter `{name}`"))),
                }
            })
            .collect()
    }

    fn check_api_key(&self, key: &str) -> Result<(), Response> {
        if self.api_keys.iter().any(|k| k == key) {
            Ok(())
        } else {
            Err(error(401, "Invalid API key"))
        }
    }

    fn issue(&mut self, subject: &str, now: SystemTime) -> Response {
        let expires = now + Duration::from_secs(self.lifetime_secs);
        let refresh_expires = now + Duration::from_secs(self.refresh_lifetime_secs);
        let grant = AccessGrant::new(subject, now, Duration::from_secs(self.lifetime_secs));
        let token = self.access.insert(unique_token("pt_"), grant);
        let refresh = self
            .refresh
            .issue(subject.to_string(), Some(refresh_expires));
        Response::json(
            200,
            json!({
                "token": token,
                "expiration": self.date(expires),
                "refreshToken": refresh,
                "refreshExpiration": self.date(refresh_expires),
            }),
        )
    }

    fn login(&mut self, req: &Request, now: SystemTime) -> Result<Response, Response> {
        if req.method != "GET" {
            return Err(error(405, "use GET").header("Allow", "GET"));
        }
        let api_key = Self::query(req, &["apikey"])?.concat();
        self.check_api_key(&api_key)?;
        let basic = req
            .header("authorization")
            .ok_or_else(|| error(401, "Basic authentication required"))?;
        let (user, password) = parse_basic(basic).map_err(|e| error(401, e))?;
        let known_user = self.users.iter().any(|(u, p)| *u == user && *p == password);
        let secret_key = password.is_empty() && self.secret_keys.contains(&user);
        if !known_user && !secret_key {
            return Err(error(401, "Invalid user name, password or secret key"));
        }
        self.counters.logins += 1;
        Ok(self.issue(&user, now))
    }

    fn refresh_token(&mut self, req: &Request, now: SystemTime) -> Result<Response, Response> {
        if req.method != "GET" {
            return Err(error(405, "use GET").header("Allow", "GET"));
        }
        let values = Self::query(req, &["apikey", "refresh_token"])?;
        self.check_api_key(&values[0])?;
        let subject = self.refresh.redeem(&values[1], now).map_err(|e| {
            match e {
                RefreshError::Reused => self.counters.refresh_reuse += 1,
                RefreshError::Expired => self.counters.refresh_expired += 1,
                RefreshError::Unknown => self.counters.refresh_unknown += 1,
            }
            error(401, format!("Invalid refresh token: {e}"))
        })?;
        self.counters.refreshes += 1;
        Ok(self.issue(&subject, now))
    }

    fn projects(&mut self, req: &Request, now: SystemTime) -> Result<Response, Response> {
        if req.method != "GET" {
            return Err(error(405, "use GET").header("Allow", "GET"));
        }
        if req.header("authorization").is_some() {
            return Err(error(401, "pass the token as ?token=, not in a header"));
        }
        let token = Self::query(req, &["token"])?.concat();
        let grant = self
            .access
            .check(&token, now)
            .map_err(|e| error(401, e.to_string()))?;
        Ok(Response::json(
            200,
            json!({ "user": grant.subject, "projects": [] }),
        ))
    }
}

impl Vendor for FakePrimaerp {
    fn handle(&mut self, req: &Request, now: SystemTime) -> Response {
        let response = match req.path.as_str() {
            PRIMAERP_LOGIN_PATH => {
                self.counters.login_requests += 1;
                self.login(req, now)
            }
            PRIMAERP_REFRESH_PATH => {
                self.counters.refresh_requests += 1;
                self.refresh_token(req, now)
            }
            PRIMAERP_PROJECTS_PATH => {
                let answer = self.projects(req, now);
                match answer {
                    Ok(_) => self.counters.projects_ok += 1,
                    Err(_) => self.counters.projects_rejected += 1,
                }
                return answer.unwrap_or_else(|e| e);
            }
            other => return error(404, format!("no route for {other}")),
        };
        if response.is_err() {
            self.counters.rejected += 1;
        }
        response.unwrap_or_else(|e| e)
    }
}

impl FakeServer<FakePrimaerp> {
    pub fn counters(&self) -> PrimaerpCounters {
        self.with_vendor(|v| v.counters.clone())
    }

    pub fn projects_url(&self) -> String {
        self.url_for(PRIMAERP_PROJECTS_PATH)
    }

    pub fn last_access_token(&self) -> Option<String> {
        self.with_vendor(|v| v.access.last().map(str::to_string))
    }

    pub fn last_refresh_token(&self) -> Option<String> {
        self.with_vendor(|v| v.refresh.last().map(str::to_string))
    }
}

/// Black-box checks of the single-use refresh token, for every profile that
/// talks to a primaERP fake (the `primaerp` provider and its `http`
/// description). `env`'s default profile must hold a token that has expired,
/// with its refresh token, and the fake must issue normal tokens again.
impl FakeServer<FakePrimaerp> {
    /// `n` processes ask at once (answers slowed to widen the race): all
    /// print the same token, made by exactly one refresh that spent its
    /// refresh token once, and the token works.
    pub fn assert_single_use_storm(&self, env: &TestEnv, n: usize) {
        self.set_delay(Duration::from_millis(200));
        let outputs = env.run_concurrently(n, &["token", "--format", "query"]);
        self.set_delay(Duration::ZERO);
        for out in &outputs {
            assert!(out.status.success(), "{}", transcript(out));
        }
        let printed: std::collections::BTreeSet<&[u8]> =
            outputs.iter().map(|o| o.stdout.as_slice()).collect();
        assert_eq!(printed.len(), 1, "{printed:?}");
        let c = self.counters();
        assert_eq!(
            (c.logins, c.refresh_requests, c.refreshes, c.refresh_reuse),
            (1, 1, 1, 0),
            "{c:?}"
        );
        let query = String::from_utf8_lossy(&outputs[0].stdout).into_owned();
        let url = format!("{}?{}", self.projects_url(), query.trim_end());
        assert_eq!(curl(&[&url]).status, 200);
    }

    /// The fake spends the refresh token, but answers only after authtool
    /// gave up waiting (the profile's `timeout` must be 1s): authtool logs
    /// in instead, and the next renewal uses the login's refresh token —
    /// the spent one is never sent again.
    pub fn assert_lost_refresh_is_never_resent(&self, env: &TestEnv) {
        self.script_on(
            PRIMAERP_REFRESH_PATH,
            vec![Fault::Delay(Duration::from_millis(1500))],
        );
        let out = env.cmd().arg("token").output().unwrap();
        assert!(out.status.success(), "{}", transcript(&out));
        let printed = String::from_utf8_lossy(&out.stdout);
        assert_eq!(printed.trim_end(), self.last_access_token().unwrap());
        assert_eq!(self.counters().logins, 2);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while self.counters().refreshes == 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = env
            .cmd()
            .args(["token", "--min-ttl", "2h"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", transcript(&out));
        let c = self.counters();
        assert_eq!((c.logins, c.refreshes, c.refresh_reuse), (2, 2, 0), "{c:?}");
    }
}
