//! A strict fake of Pipeline LBM (`shared/vendor-docs/pipeline-lbm.txt`):
//! the Carbonite SSO token endpoint `POST /common/oauth2/v1.0/token` takes
//! HTTP Basic of the *raw* `clientId:clientSecret` (no RFC 6749
//! form-encoding) and exactly the form fields `grant_type=client_credentials`,
//! `scope=LBMPublicAPI.Customer.<tenant>` and `aud=pipeline_lbm_public_api`;
//! it answers `{"access_token":JWT,"token_type":"Bearer","expires_in":86399}`
//! and RFC 6749 errors. A client gets tokens only for the tenants in its
//! registration. The Public API `GET /api/v1/jobs` needs the bearer token
//! **and** `X-Customer: <tenant>` naming the token's tenant.

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::codec::parse_basic;
use super::fake::{FakeServer, Request, Response, Vendor};
use super::tokens::{AccessGrant, AccessTokens, require_bearer};

pub const LBM_TOKEN_PATH: &str = "/common/oauth2/v1.0/token";
pub const LBM_JOBS_PATH: &str = "/api/v1/jobs";
pub const LBM_AUDIENCE: &str = "pipeline_lbm_public_api";
pub const LBM_SCOPE_PREFIX: &str = "LBMPublicAPI.Customer.";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LbmCounters {
    /// Every request to the token path, good or bad.
    pub token_requests: u64,
    pub logins: u64,
    /// 4xx answers from the token path.
    pub rejected: u64,
    pub jobs_ok: u64,
    pub jobs_rejected: u64,
}

/// A client in the Carbonite app registration.
#[derive(Clone, Debug)]
pub struct LbmClient {
    pub id: String,
    pub secret: String,
    /// The LBM tenants it may get tokens for.
    pub tenants: Vec<String>,
}

#[derive(Debug)]
pub struct FakeLbm {
    pub clients: Vec<LbmClient>,
    /// `expires_in`, default 86399 as in the doc.
    pub lifetime_secs: u64,
    pub counters: LbmCounters,
    pub access: AccessTokens,
}

fn invalid_request(description: impl Into<String>) -> Response {
    Response::oauth_error(400, "invalid_request", description)
}

impl FakeLbm {
    /// One client registered for one tenant.
    pub fn new(client_id: &str, secret: &str, tenant: &str) -> Self {
        FakeLbm {
            clients: vec![LbmClient {
                id: client_id.to_string(),
                secret: secret.to_string(),
                tenants: vec![tenant.to_string()],
            }],
            lifetime_secs: 86_399,
            counters: LbmCounters::default(),
            access: AccessTokens::default(),
        }
    }

    pub fn lifetime_secs(mut self, secs: u64) -> Self {
        self.lifetime_secs = secs;
        self
    }

    fn token(&mut self, req: &Request, now: SystemTime) -> Result<Response, Response> {
        if req.method != "POST" {
            return Err(Response::method_not_allowed(&req.method, "POST").no_store());
        }
        if !req.raw_query.is_empty() {
            return Err(invalid_request(
                "parameters go in the form body, not the query string",
            ));
        }
        let form = req.form().map_err(invalid_request)?;
        if form
            .iter()
            .any(|(n, _)| n == "client_id" || n == "client_secret")
        {
            return Err(invalid_request(
                "client credentials must be sent with HTTP Basic",
            ));
        }
        let basic = req.header("authorization").ok_or_else(|| {
            Response::oauth_error(
                401,
                "invalid_client",
                "HTTP Basic client authentication required",
            )
            .header("WWW-Authenticate", r#"Basic realm="carbonite""#)
        })?;
        // The raw UTF-8 `clientId:clientSecret`, as the doc's PowerShell shows.
        let (id, secret) =
            parse_basic(basic).map_err(|e| Response::oauth_error(401, "invalid_client", e))?;
        let client = self
            .clients
            .iter()
            .find(|c| c.id == id && c.secret == secret)
            .ok_or_else(|| {
                Response::oauth_error(401, "invalid_client", "Invalid client credentials")
            })?
            .clone();

        let mut seen: Vec<&str> = Vec::new();
        for (name, _) in &form {
            if !["grant_type", "scope", "aud"].contains(&name.as_str()) {
                return Err(invalid_request(format!("unexpected parameter `{name}`")));
            }
            if seen.contains(&name.as_str()) {
                return Err(invalid_request(format!("parameter `{name}` is repeated")));
            }
            seen.push(name);
        }
        let get = |name: &str| {
            form.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        match get("grant_type") {
            Some("client_credentials") => {}
            Some(other) => {
                return Err(Response::oauth_error(
                    400,
                    "unsupported_grant_type",
                    format!("grant_type `{other}` is not supported"),
                ));
            }
            None => return Err(invalid_request("missing grant_type")),
        }
        if get("aud") != Some(LBM_AUDIENCE) {
            return Err(invalid_request(format!("aud must be `{LBM_AUDIENCE}`")));
        }
        let scope = get("scope").ok_or_else(|| invalid_request("missing scope"))?;
        let tenant = scope.strip_prefix(LBM_SCOPE_PREFIX).ok_or_else(|| {
            Response::oauth_error(400, "invalid_scope", format!("unknown scope `{scope}`"))
        })?;
        if !client.tenants.iter().any(|t| t == tenant) {
            return Err(Response::oauth_error(
                400,
                "invalid_scope",
                format!("the app registration does not include tenant `{tenant}`"),
            ));
        }
        self.counters.logins += 1;
        let grant = AccessGrant::new(
            client.id.as_str(),
            now,
            Duration::from_secs(self.lifetime_secs),
        )
        .client_id(client.id.as_str())
        .scope(Some(scope.to_string()))
        .audience(Some(LBM_AUDIENCE.to_string()));
        let token = self.access.mint_jwt(grant, Value::Null);
        Ok(Response::json(
            200,
            json!({ "access_token": token, "token_type": "Bearer", "expires_in": self.lifetime_secs }),
        )
        .no_store())
    }

    fn jobs(&mut self, req: &Request, now: SystemTime) -> Result<Response, Response> {
        if req.method != "GET" {
            return Err(Response::method_not_allowed(&req.method, "GET"));
        }
        let grant = require_bearer(req, &self.access, now)?;
        let tenant = grant
            .scope
            .as_deref()
            .and_then(|s| s.strip_prefix(LBM_SCOPE_PREFIX))
            .unwrap_or_default()
            .to_string();
        match req.header("x-customer") {
            None => Err(Response::json(
                400,
                json!({ "message": "The X-Customer header is required" }),
            )),
            Some(customer) if customer != tenant => Err(Response::json(
                403,
                json!({ "message": format!("the token is not valid for customer `{customer}`") }),
            )),
            Some(_) => Ok(Response::json(
                200,
                json!({ "customer": tenant, "jobs": [] }),
            )),
        }
    }
}

impl Vendor for FakeLbm {
    fn handle(&mut self, req: &Request, now: SystemTime) -> Response {
        match req.path.as_str() {
            LBM_TOKEN_PATH => {
                self.counters.token_requests += 1;
                let response = self.token(req, now).unwrap_or_else(|e| e);
                if (400..500).contains(&response.status) {
                    self.counters.rejected += 1;
                }
                response
            }
            LBM_JOBS_PATH => match self.jobs(req, now) {
                Ok(response) => {
                    self.counters.jobs_ok += 1;
                    response
                }
                Err(response) => {
                    self.counters.jobs_rejected += 1;
                    response
                }
            },
            other => Response::not_found(other),
        }
    }
}

impl FakeServer<FakeLbm> {
    pub fn counters(&self) -> LbmCounters {
        self.with_vendor(|v| v.counters.clone())
    }

    pub fn token_url(&self) -> String {
        self.url_for(LBM_TOKEN_PATH)
    }

    pub fn jobs_url(&self) -> String {
        self.url_for(LBM_JOBS_PATH)
    }

    pub fn last_access_token(&self) -> Option<String> {
        self.with_vendor(|v| v.access.last().map(str::to_string))
    }
}
