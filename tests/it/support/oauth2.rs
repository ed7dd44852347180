//! A strict RFC 6749 token server, shaped like the Organization API
//! (`shared/vendor-docs/organization-api.txt`): `POST /oauth2/token` with
//! client credentials, password and refresh-token grants, client
//! authentication by HTTP Basic (§2.3.1 encoding), form body or query string,
//! rotating single-use refresh tokens, and a protected resource
//! `GET /api/whoami`. Also: clients that authenticate with a signed JWT
//! (RFC 7523 §2.2: the signature checked with the client's public key, the
//! claims iss/sub/aud/jti/iat/exp, a reused `jti` refused), OpenID Connect
//! ID tokens, and RFC 7009 revocation at `POST /oauth2/revoke`.
//! With [`FakeOAuth2::dpop`], DPoP (RFC 9449) as a
//! strict server does it: a verified proof on every token request (a new
//! `jti` each time, `htm`/`htu`/`iat` right), the nonce dance when
//! [`FakeOAuth2::dpop_nonce`] is set, tokens and refresh tokens bound to
//! the proof's key, and `Authorization: DPoP` plus a proof with `ath` at
//! the resource.
//!
//! ```ignore
//! let server = FakeServer::start(FakeOAuth2::new("my-client", "s3cret").with_user("alice", "pw"));
//! // … run authtool against server.token_url() …
//! assert_eq!(server.counters().logins, 1);
//! ```

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::codec::unix_secs;
use super::codec::{parse_basic, parse_basic_rfc6749};
use super::dpop;
use super::fake::{FakeServer, Request, Response, Vendor};
use super::tokens::{AccessGrant, AccessTokens, RefreshError, RefreshTokens, require_bearer};

/// A client authentication method (RFC 6749 §2.3.1 and the Organization
/// API's query-string variant).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    /// `Authorization: Basic base64(urlencode(id):urlencode(secret))`.
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Body,
    /// `client_id` and `client_secret` in the URL query string.
    Query,
}

impl ClientAuth {
    pub const ALL: [ClientAuth; 3] = [ClientAuth::Basic, ClientAuth::Body, ClientAuth::Query];

    fn name(self) -> &'static str {
        match self {
            ClientAuth::Basic => "basic",
            ClientAuth::Body => "body",
            ClientAuth::Query => "query",
        }
    }
}

/// What a refresh token was issued for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshGrant {
    pub client_id: String,
    pub subject: String,
    pub scope: Option<String>,
    pub audience: Option<String>,
    /// The thumbprint of the DPoP key the grant is bound to.
    pub jkt: Option<String>,
}

/// Request counters, readable with `server.counters()`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OAuth2Counters {
    /// Every request to the token endpoint, good or bad.
    pub token_requests: u64,
    /// Successful logins: `client_credentials` + `password`.
    pub logins: u64,
    /// Successful `client_credentials` grants.
    pub client_credentials: u64,
    /// Successful `password` grants.
    pub password: u64,
    /// Successful `refresh_token` grants.
    pub refreshes: u64,
    /// Refresh tokens presented again after they were used.
    pub refresh_reuse: u64,
    /// Refresh tokens never issued here (or revoked).
    pub refresh_unknown: u64,
    /// Refresh tokens presented after their expiry.
    pub refresh_expired: u64,
    /// 4xx answers from the token endpoint.
    pub rejected: u64,
    /// 200 answers from the protected resource.
    pub whoami_ok: u64,
    /// 401/405 answers from the protected resource.
    pub whoami_rejected: u64,
    /// `use_dpop_nonce` answers (a proof without the current nonce).
    pub dpop_nonce_demands: u64,
    /// Requests refused for their DPoP proof (missing, invalid, replayed,
    /// another key).
    pub dpop_refused: u64,
    /// Client assertions accepted.
    pub assertions: u64,
}

/// RFC 7523 §2.2's `client_assertion_type`.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// One revocation request (RFC 7009), as the server saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// What the token was: `refresh_token`, `access_token` or `unknown`.
    pub kind: &'static str,
    /// The `token_type_hint` sent.
    pub hint: Option<String>,
}

/// The fake OAuth2 server's settings and state. Every field is public, so a
/// test can change a setting mid-test through `server.with_vendor(|v| …)`;
/// the builder methods are for construction.
#[derive(Debug)]
pub struct FakeOAuth2 {
    /// Registered clients: (client_id, client_secret).
    pub clients: Vec<(String, String)>,
    /// Resource owners for the password grant: (username, password).
    pub users: Vec<(String, String)>,
    /// Client authentication methods accepted (default: all three).
    pub allowed_auth: Vec<ClientAuth>,
    /// HTTP Basic credentials are form-url-encoded before base64, as RFC 6749
    /// §2.3.1 requires (default true). False: plain RFC 7617 `id:secret`, as
    /// some vendors (pipeline-lbm) document it.
    pub basic_form_encoded: bool,
    /// Default `/oauth2/token`.
    pub token_path: String,
    /// Default `/api/whoami`.
    pub resource_path: String,
    /// `expires_in` of access tokens, in seconds (default 3600).
    pub lifetime_secs: u64,
    /// Send `"expires_in": "3600"` (a JSON string).
    pub expires_in_as_string: bool,
    /// Leave `expires_in` out of token responses.
    pub omit_expires_in: bool,
    /// `token_type` in responses (default `Bearer`).
    pub token_type: String,
    /// Include a `refresh_token` in login responses (default true).
    pub issue_refresh_tokens: bool,
    /// Refresh tokens are single-use and each refresh returns a new one
    /// (default true); if false they stay valid and none is returned.
    pub rotate_refresh_tokens: bool,
    /// Refresh tokens expire after this many seconds (default: never).
    pub refresh_lifetime_secs: Option<u64>,
    /// Issue access tokens as (unsigned) JWTs with `exp`, `iat`, `sub`, `scope`.
    pub jwt_tokens: bool,
    /// When set, every answer carries this access token instead of a
    /// minted one (the API does not know it): a hostile or broken server.
    pub fixed_access_token: Option<String>,
    /// When set, logins must send exactly this `scope` (as a set of
    /// space-separated values), else 400 `invalid_scope`.
    pub expected_scope: Option<String>,
    /// When set, logins must send `audience` with this value, else 400
    /// `invalid_request`.
    pub expected_audience: Option<String>,
    /// When set, logins must send `resource` with this value, else 400
    /// `invalid_request`.
    pub expected_resource: Option<String>,
    /// Extra parameters logins must send with these values, else 400
    /// `invalid_request`.
    pub expected_extra: Vec<(String, String)>,
    /// Further parameter names accepted (with any value) besides the standard
    /// ones and `expected_extra`.
    pub allowed_params: Vec<String>,
    pub counters: OAuth2Counters,
    pub access: AccessTokens,
    pub refresh: RefreshTokens<RefreshGrant>,
    /// Clients that authenticate with a JWT signed by their key: (client_id,
    /// public JWK).
    pub jwt_clients: Vec<(String, Value)>,
    /// Every `jti` of an accepted assertion, oldest first.
    pub seen_jti: Vec<String>,
    /// The `alg` and `kid` headers of each accepted assertion.
    pub assertion_headers: Vec<(String, Option<String>)>,
    /// Issue an (unsigned) OpenID Connect ID token with every answer to a
    /// grant that can carry one (not `client_credentials`).
    pub id_tokens: bool,
    /// Also with answers to refreshes (default true).
    pub id_tokens_on_refresh: bool,
    /// `exp` of ID tokens, seconds after issue (default 3600).
    pub id_token_lifetime_secs: u64,
    /// Every ID token issued, oldest first.
    pub issued_id_tokens: Vec<String>,
    /// Default `/oauth2/revoke`.
    pub revocation_path: String,
    /// When set, the revocation endpoint answers this status (an error).
    pub revocation_failure: Option<u16>,
    /// Revocation requests, in order.
    pub revocations: Vec<Revocation>,
    /// Token requests must carry a DPoP proof; tokens are bound to its key.
    pub dpop: bool,
    /// The nonce proofs must carry (sent as `DPoP-Nonce`), if any.
    pub dpop_nonce: Option<String>,
    /// `token_type` of DPoP-bound tokens (default `DPoP`).
    pub dpop_token_type: String,
    /// Every proof `jti` seen: a replay is refused.
    pub dpop_jtis: HashSet<String>,
    /// Access token → the thumbprint of the key it is bound to.
    pub dpop_bound: HashMap<String, String>,
    /// Every token-request proof accepted, in order.
    pub dpop_proofs: Vec<dpop::Proof>,
}

type Reply = Result<Response, Response>;

fn invalid_request(description: impl Into<String>) -> Response {
    Response::oauth_error(400, "invalid_request", description)
}

fn invalid_grant(description: impl Into<String>) -> Response {
    Response::oauth_error(400, "invalid_grant", description)
}

fn invalid_client(via_basic: bool, description: &str) -> Response {
    let response = Response::oauth_error(401, "invalid_client", description);
    if via_basic {
        response.header("WWW-Authenticate", r#"Basic realm="fake""#)
    } else {
        response
    }
}

fn get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn has(pairs: &[(String, String)], name: &str) -> bool {
    get(pairs, name).is_some()
}

fn scope_set(scope: &str) -> Vec<&str> {
    let mut set: Vec<&str> = scope.split_ascii_whitespace().collect();
    set.sort_unstable();
    set.dedup();
    set
}

impl FakeOAuth2 {
    /// One client, every client authentication method allowed, 1 h tokens,
    /// rotating refresh tokens, opaque access tokens.
    pub fn new(client_id: &str, client_secret: &str) -> Self {
        FakeOAuth2 {
            clients: vec![(client_id.to_string(), client_secret.to_string())],
            users: Vec::new(),
            allowed_auth: ClientAuth::ALL.to_vec(),
            basic_form_encoded: true,
            token_path: "/oauth2/token".to_string(),
            resource_path: "/api/whoami".to_string(),
            lifetime_secs: 3600,
            expires_in_as_string: false,
            omit_expires_in: false,
            token_type: "Bearer".to_string(),
            issue_refresh_tokens: true,
            rotate_refresh_tokens: true,
            refresh_lifetime_secs: None,
            jwt_tokens: false,
            fixed_access_token: None,
            expected_scope: None,
            expected_audience: None,
            expected_resource: None,
            expected_extra: Vec::new(),
            allowed_params: Vec::new(),
            counters: OAuth2Counters::default(),
            access: AccessTokens::default(),
            refresh: RefreshTokens::default(),
            jwt_clients: Vec::new(),
            seen_jti: Vec::new(),
            assertion_headers: Vec::new(),
            id_tokens: false,
            id_tokens_on_refresh: true,
            id_token_lifetime_secs: 3600,
            issued_id_tokens: Vec::new(),
            revocation_path: "/oauth2/revoke".to_string(),
            revocation_failure: None,
            revocations: Vec::new(),
            dpop: false,
            dpop_nonce: None,
            dpop_token_type: "DPoP".to_string(),
            dpop_jtis: HashSet::new(),
            dpop_bound: HashMap::new(),
            dpop_proofs: Vec::new(),
        }
    }

    /// Registers a client that authenticates with JWTs signed by the key
    /// whose public JWK is `jwk` (`private_key_jwt`, or an assertion issued
    /// elsewhere with that key).
    pub fn with_jwt_client(mut self, client_id: &str, jwk: Value) -> Self {
        self.jwt_clients.push((client_id.to_string(), jwk));
        self
    }

    pub fn id_tokens(mut self, yes: bool) -> Self {
        self.id_tokens = yes;
        self
    }

    /// Checks a client assertion (RFC 7523 §3): type, signature with the
    /// client's key, iss = sub = the client, aud = this token endpoint, a
    /// fresh `jti`, `exp` in the future and at most 5 minutes after `iat`.
    fn check_assertion(
        &mut self,
        req: &Request,
        body: &[(String, String)],
        now: SystemTime,
    ) -> Result<String, Response> {
        use jsonwebtoken::{DecodingKey, Validation, decode, decode_header, jwk::Jwk};
        let bad = |why: String| invalid_client(false, &format!("client assertion: {why}"));
        match get(body, "client_assertion_type") {
            Some(JWT_BEARER) => {}
            other => {
                return Err(invalid_request(format!(
                    "unsupported client_assertion_type {other:?}"
                )));
            }
        }
        let assertion = get(body, "client_assertion")
            .ok_or_else(|| invalid_request("client_assertion missing"))?;
        let header = decode_header(assertion).map_err(|e| bad(format!("not a JWS: {e}")))?;
        let claims =
            super::codec::jwt_claims(assertion).ok_or_else(|| bad("claims are not JSON".into()))?;
        let iss = claims["iss"].as_str().unwrap_or_default().to_string();
        if claims["sub"].as_str() != Some(iss.as_str()) {
            return Err(bad("sub differs from iss".into()));
        }
        if let Some(id) = get(body, "client_id")
            && id != iss
        {
            return Err(bad(format!("client_id {id} differs from iss {iss}")));
        }
        let jwk = self
            .jwt_clients
            .iter()
            .find(|(id, _)| *id == iss)
            .map(|(_, jwk)| jwk.clone())
            .ok_or_else(|| bad(format!("unknown client {iss:?}")))?;
        let jwk: Jwk = serde_json::from_value(jwk).map_err(|e| bad(e.to_string()))?;
        let key = DecodingKey::from_jwk(&jwk).map_err(|e| bad(e.to_string()))?;
        let host = req.header("host").unwrap_or_default();
        let audience = format!("http://{host}{}", self.token_path);
        let mut validation = Validation::new(header.alg);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["iss", "sub", "aud", "exp"]);
        validation.leeway = 0;
        validation.validate_exp = false;
        let data = decode::<Value>(assertion, &key, &validation)
            .map_err(|e| bad(format!("rejected: {e}")))?;
        let now = super::codec::unix_secs(now);
        let (iat, exp) = (data.claims["iat"].as_u64(), data.claims["exp"].as_u64());
        match (iat, exp) {
            (Some(iat), Some(exp)) if exp > now && exp <= iat + 300 && iat <= now + 5 => {}
            _ => return Err(bad(format!("bad iat/exp {iat:?}/{exp:?} at {now}"))),
        }
        let jti = data.claims["jti"]
            .as_str()
            .filter(|j| !j.is_empty())
            .ok_or_else(|| bad("no jti".into()))?;
        if self.seen_jti.iter().any(|j| j == jti) {
            return Err(bad(format!("jti {jti} was already used")));
        }
        self.seen_jti.push(jti.to_string());
        self.assertion_headers
            .push((format!("{:?}", header.alg), header.kid.clone()));
        self.counters.assertions += 1;
        Ok(iss)
    }

    /// `POST /oauth2/revoke` (RFC 7009 §2): client authentication as at the
    /// token endpoint, then `token` (+ `token_type_hint`); 200 whether or
    /// not the token was known.
    fn revocation_endpoint(&mut self, req: &Request, now: SystemTime) -> Reply {
        if req.method != "POST" {
            return Err(Response::method_not_allowed(&req.method, "POST"));
        }
        let body = req.form().map_err(invalid_request)?;
        let query = req
            .strict_query()
            .map_err(|e| invalid_request(format!("malformed query string: {e}")))?;
        self.client(req, &body, &query, now)?;
        if let Some(status) = self.revocation_failure {
            return Err(Response::oauth_error(
                status,
                "temporarily_unavailable",
                "revocation is down",
            ));
        }
        let token = get(&body, "token").ok_or_else(|| invalid_request("missing token"))?;
        let kind = if self.refresh.revoke(token) {
            "refresh_token"
        } else if self.access.revoke(token) {
            "access_token"
        } else {
            "unknown"
        };
        self.revocations.push(Revocation {
            kind,
            hint: get(&body, "token_type_hint").map(str::to_string),
        });
        Ok(Response::json(200, json!({})))
    }

    /// The authenticated client: by assertion when one is sent, else by
    /// secret.
    fn client(
        &mut self,
        req: &Request,
        body: &[(String, String)],
        query: &[(String, String)],
        now: SystemTime,
    ) -> Result<String, Response> {
        if has(body, "client_assertion") || has(body, "client_assertion_type") {
            if req.header("authorization").is_some() || has(body, "client_secret") {
                return Err(invalid_request(
                    "more than one client authentication method used",
                ));
            }
            return self.check_assertion(req, body, now);
        }
        self.authenticate(req, body, query)
    }

    /// Token requests need a DPoP proof; tokens are bound to its key.
    pub fn dpop(mut self, yes: bool) -> Self {
        self.dpop = yes;
        self
    }

    /// Proofs must carry this nonce (the first one without gets
    /// `use_dpop_nonce` and the nonce in `DPoP-Nonce`).
    pub fn dpop_nonce(mut self, nonce: &str) -> Self {
        self.dpop_nonce = Some(nonce.to_string());
        self
    }

    /// The one DPoP proof of `req`, checked; `ath` for `access_token`.
    fn check_proof(
        &mut self,
        req: &Request,
        now: SystemTime,
        access_token: Option<&str>,
    ) -> Result<dpop::Proof, Response> {
        let refuse = |this: &mut Self, why: String| {
            this.counters.dpop_refused += 1;
            Response::oauth_error(400, "invalid_dpop_proof", why)
        };
        let proofs = req.header_all("dpop");
        let [proof] = proofs.as_slice() else {
            let why = format!("expected one DPoP header, got {}", proofs.len());
            return Err(refuse(self, why));
        };
        let htu = format!("http://{}{}", req.header("host").unwrap_or("?"), req.path);
        let want = dpop::Expect {
            htm: &req.method,
            htu: &htu,
            now: unix_secs(now),
            nonce: None,
            access_token,
        };
        let proof = match dpop::verify(proof, &want, &mut self.dpop_jtis) {
            Ok(p) => p,
            Err(why) => return Err(refuse(self, why)),
        };
        // The nonce is the token endpoint's (RFC 9449 §8); the resource
        // demands none.
        if let Some(nonce) = self.dpop_nonce.as_ref().filter(|_| access_token.is_none())
            && proof.claims["nonce"] != nonce.as_str()
        {
            self.counters.dpop_nonce_demands += 1;
            return Err(Response::oauth_error(
                400,
                "use_dpop_nonce",
                "Authorization server requires nonce in DPoP proof",
            )
            .header("DPoP-Nonce", nonce.clone()));
        }
        Ok(proof)
    }

    /// Registers another client.
    pub fn with_client(mut self, client_id: &str, client_secret: &str) -> Self {
        self.clients
            .push((client_id.to_string(), client_secret.to_string()));
        self
    }

    /// Registers a resource owner for the password grant.
    pub fn with_user(mut self, username: &str, password: &str) -> Self {
        self.users
            .push((username.to_string(), password.to_string()));
        self
    }

    pub fn allowed_auth(mut self, methods: &[ClientAuth]) -> Self {
        self.allowed_auth = methods.to_vec();
        self
    }

    pub fn basic_form_encoded(mut self, yes: bool) -> Self {
        self.basic_form_encoded = yes;
        self
    }

    pub fn token_path(mut self, path: &str) -> Self {
        self.token_path = path.to_string();
        self
    }

    pub fn resource_path(mut self, path: &str) -> Self {
        self.resource_path = path.to_string();
        self
    }

    pub fn lifetime_secs(mut self, secs: u64) -> Self {
        self.lifetime_secs = secs;
        self
    }

    pub fn expires_in_as_string(mut self, yes: bool) -> Self {
        self.expires_in_as_string = yes;
        self
    }

    pub fn omit_expires_in(mut self, yes: bool) -> Self {
        self.omit_expires_in = yes;
        self
    }

    pub fn token_type(mut self, token_type: &str) -> Self {
        self.token_type = token_type.to_string();
        self
    }

    pub fn issue_refresh_tokens(mut self, yes: bool) -> Self {
        self.issue_refresh_tokens = yes;
        self
    }

    pub fn rotate_refresh_tokens(mut self, yes: bool) -> Self {
        self.rotate_refresh_tokens = yes;
        self
    }

    pub fn refresh_lifetime_secs(mut self, secs: u64) -> Self {
        self.refresh_lifetime_secs = Some(secs);
        self
    }

    pub fn jwt_tokens(mut self, yes: bool) -> Self {
        self.jwt_tokens = yes;
        self
    }

    pub fn fixed_access_token(mut self, token: &str) -> Self {
        self.fixed_access_token = Some(token.to_string());
        self
    }

    pub fn expected_scope(mut self, scope: &str) -> Self {
        self.expected_scope = Some(scope.to_string());
        self
    }

    pub fn expected_audience(mut self, audience: &str) -> Self {
        self.expected_audience = Some(audience.to_string());
        self
    }

    pub fn expected_resource(mut self, resource: &str) -> Self {
        self.expected_resource = Some(resource.to_string());
        self
    }

    /// Requires an extra parameter with this value (call once per field).
    pub fn expected_extra(mut self, name: &str, value: &str) -> Self {
        self.expected_extra
            .push((name.to_string(), value.to_string()));
        self
    }

    /// Accepts an extra parameter name with any value.
    pub fn allow_param(mut self, name: &str) -> Self {
        self.allowed_params.push(name.to_string());
        self
    }

    /// Access tokens valid at `now` (use `server.valid_access_tokens()`).
    pub fn valid_access_tokens(&self, now: SystemTime) -> usize {
        self.access.valid_count(now)
    }

    fn token_endpoint(&mut self, req: &Request, now: SystemTime) -> Reply {
        if req.method != "POST" {
            return Err(Response::method_not_allowed(&req.method, "POST").no_store());
        }
        let jkt = if self.dpop {
            let proof = self.check_proof(req, now, None)?;
            let jkt = proof.jkt.clone();
            self.dpop_proofs.push(proof);
            Some(jkt)
        } else {
            None
        };
        let body = if req.body.is_empty() && req.header("content-type").is_none() {
            Vec::new()
        } else {
            req.form().map_err(invalid_request)?
        };
        let query = req
            .strict_query()
            .map_err(|e| invalid_request(format!("malformed query string: {e}")))?;

        // RFC 6749 §3.2: parameters MUST NOT be included more than once.
        let mut seen: Vec<&str> = Vec::new();
        for (name, _) in body.iter().chain(&query) {
            if seen.contains(&name.as_str()) {
                return Err(invalid_request(format!("parameter `{name}` is repeated")));
            }
            seen.push(name);
        }

        let client_id = self.client(req, &body, &query, now)?;

        // All parameters but the client credentials, wherever they were sent.
        const CLIENT: &[&str] = &[
            "client_id",
            "client_secret",
            "client_assertion",
            "client_assertion_type",
        ];
        let params: Vec<(String, String)> = body
            .into_iter()
            .chain(query)
            .filter(|(n, _)| !CLIENT.contains(&n.as_str()))
            .collect();

        let grant_type = get(&params, "grant_type")
            .filter(|g| !g.is_empty())
            .ok_or_else(|| invalid_request("missing grant_type"))?
            .to_string();
        let grant_params: &[&str] = match grant_type.as_str() {
            "client_credentials" => &[],
            "password" => &["username", "password"],
            "refresh_token" => &["refresh_token"],
            other => {
                return Err(Response::oauth_error(
                    400,
                    "unsupported_grant_type",
                    format!("grant_type `{other}` is not supported"),
                ));
            }
        };
        for (name, _) in &params {
            let known = ["grant_type", "scope", "audience", "resource"].contains(&name.as_str())
                || grant_params.contains(&name.as_str())
                || self.expected_extra.iter().any(|(n, _)| n == name)
                || self.allowed_params.contains(name);
            if !known {
                return Err(invalid_request(format!("unexpected parameter `{name}`")));
            }
        }
        // RFC 6749 §3.1: a parameter without a value is treated as omitted.
        let params: Vec<(String, String)> =
            params.into_iter().filter(|(_, v)| !v.is_empty()).collect();

        let is_refresh = grant_type == "refresh_token";
        self.check_expected(&params, is_refresh)?;
        let scope = get(&params, "scope").map(str::to_string);
        let audience = get(&params, "audience").map(str::to_string);

        match grant_type.as_str() {
            "client_credentials" => {
                self.counters.client_credentials += 1;
                self.counters.logins += 1;
                let grant = RefreshGrant {
                    subject: client_id.clone(),
                    client_id,
                    scope,
                    audience,
                    jkt,
                };
                Ok(self.issue(now, &grant, self.issue_refresh_tokens, false))
            }
            "password" => {
                let username =
                    get(&params, "username").ok_or_else(|| invalid_request("missing username"))?;
                let password =
                    get(&params, "password").ok_or_else(|| invalid_request("missing password"))?;
                if !self
                    .users
                    .iter()
                    .any(|(u, p)| u == username && p == password)
                {
                    return Err(invalid_grant("invalid username or password"));
                }
                self.counters.password += 1;
                self.counters.logins += 1;
                let grant = RefreshGrant {
                    subject: username.to_string(),
                    client_id,
                    scope,
                    audience,
                    jkt,
                };
                Ok(self.issue(now, &grant, self.issue_refresh_tokens, self.id_tokens))
            }
            _ => self.refresh_grant(&params, &client_id, scope, jkt, now),
        }
    }

    /// Finds the one client authentication method used and checks it.
    fn authenticate(
        &self,
        req: &Request,
        body: &[(String, String)],
        query: &[(String, String)],
    ) -> Result<String, Response> {
        let authorization = req.header("authorization");
        let mut presented = Vec::new();
        if authorization.is_some() {
            presented.push(ClientAuth::Basic);
        }
        if has(body, "client_id") || has(body, "client_secret") {
            presented.push(ClientAuth::Body);
        }
        if has(query, "client_id") || has(query, "client_secret") {
            presented.push(ClientAuth::Query);
        }
        let auth = match presented.as_slice() {
            [] => {
                return Err(invalid_request(
                    "no client authentication: use HTTP Basic, or client_id and client_secret",
                ));
            }
            [one] => *one,
            many => {
                let names: Vec<&str> = many.iter().map(|m| m.name()).collect();
                return Err(invalid_request(format!(
                    "more than one client authentication method used: {}",
                    names.join(", ")
                )));
            }
        };
        if !self.allowed_auth.contains(&auth) {
            return Err(invalid_request(format!(
                "client authentication method `{}` is not allowed by this server",
                auth.name()
            )));
        }
        let (id, secret) = match auth {
            ClientAuth::Basic => {
                let header = authorization.unwrap_or_default();
                let parsed = if self.basic_form_encoded {
                    parse_basic_rfc6749(header)
                } else {
                    parse_basic(header)
                };
                parsed.map_err(|e| {
                    invalid_client(true, &format!("bad Basic client credentials: {e}"))
                })?
            }
            ClientAuth::Body | ClientAuth::Query => {
                let (pairs, place) = if auth == ClientAuth::Body {
                    (body, "request body")
                } else {
                    (query, "query string")
                };
                let id = get(pairs, "client_id").ok_or_else(|| {
                    invalid_request(format!("client_id missing from the {place}"))
                })?;
                let secret = get(pairs, "client_secret").ok_or_else(|| {
                    invalid_request(format!("client_secret missing from the {place}"))
                })?;
                (id.to_string(), secret.to_string())
            }
        };
        if self.clients.iter().any(|(i, s)| *i == id && *s == secret) {
            Ok(id)
        } else {
            Err(invalid_client(
                auth == ClientAuth::Basic,
                "client authentication failed: unknown client or wrong secret",
            ))
        }
    }

    /// `expected_*` settings: a login must send each; a refresh may omit
    /// them but must not send a different value.
    fn check_expected(
        &self,
        params: &[(String, String)],
        is_refresh: bool,
    ) -> Result<(), Response> {
        if let Some(want) = &self.expected_scope {
            match get(params, "scope") {
                None if is_refresh => {}
                Some(got) if scope_set(got) == scope_set(want) => {}
                got => {
                    return Err(Response::oauth_error(
                        400,
                        "invalid_scope",
                        format!("expected scope `{want}`, got {got:?}"),
                    ));
                }
            }
        }
        let mut expected: Vec<(&str, &str)> = Vec::new();
        if let Some(audience) = &self.expected_audience {
            expected.push(("audience", audience));
        }
        if let Some(resource) = &self.expected_resource {
            expected.push(("resource", resource));
        }
        expected.extend(
            self.expected_extra
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str())),
        );
        for (name, want) in expected {
            match get(params, name) {
                None if is_refresh => {}
                Some(got) if got == want => {}
                got => {
                    return Err(invalid_request(format!(
                        "expected {name} `{want}`, got {got:?}"
                    )));
                }
            }
        }
        Ok(())
    }

    fn refresh_grant(
        &mut self,
        params: &[(String, String)],
        client_id: &str,
        scope: Option<String>,
        jkt: Option<String>,
        now: SystemTime,
    ) -> Reply {
        let token =
            get(params, "refresh_token").ok_or_else(|| invalid_request("missing refresh_token"))?;
        let grant = match self.refresh.check(token, now) {
            Ok(grant) => grant.clone(),
            Err(e) => {
                match e {
                    RefreshError::Reused => self.counters.refresh_reuse += 1,
                    RefreshError::Unknown => self.counters.refresh_unknown += 1,
                    RefreshError::Expired => self.counters.refresh_expired += 1,
                }
                return Err(invalid_grant(e.to_string()));
            }
        };
        if grant.client_id != client_id {
            return Err(invalid_grant(
                "the refresh token was issued to another client",
            ));
        }
        // RFC 9449 §5: a refresh token issued with a proof is bound to its key.
        if grant.jkt.is_some() && grant.jkt != jkt {
            self.counters.dpop_refused += 1;
            return Err(invalid_grant(
                "the refresh token is bound to another DPoP key",
            ));
        }
        // RFC 6749 §6: a refresh may narrow the scope, never widen it.
        let scope = match (scope, &grant.scope) {
            (None, original) => original.clone(),
            (Some(asked), Some(original))
                if scope_set(&asked)
                    .iter()
                    .all(|s| scope_set(original).contains(s)) =>
            {
                Some(asked)
            }
            (Some(asked), _) => {
                return Err(Response::oauth_error(
                    400,
                    "invalid_scope",
                    format!("scope `{asked}` exceeds the scope originally granted"),
                ));
            }
        };
        if self.rotate_refresh_tokens {
            self.refresh
                .redeem(token, now)
                .map_err(|e| invalid_grant(e.to_string()))?;
        }
        self.counters.refreshes += 1;
        let grant = RefreshGrant { scope, ..grant };
        let id_token = self.id_tokens && self.id_tokens_on_refresh;
        Ok(self.issue(now, &grant, self.rotate_refresh_tokens, id_token))
    }

    /// Mints an access token (and a refresh token if asked) and builds the
    /// RFC 6749 §5.1 response.
    fn issue(
        &mut self,
        now: SystemTime,
        grant: &RefreshGrant,
        with_refresh: bool,
        with_id_token: bool,
    ) -> Response {
        let access_grant =
            AccessGrant::new(&grant.subject, now, Duration::from_secs(self.lifetime_secs))
                .client_id(&grant.client_id)
                .scope(grant.scope.clone())
                .audience(grant.audience.clone());
        let mut access_token = match &grant.jkt {
            // RFC 9449 §6.1: a JWT names the key it is bound to in `cnf.jkt`.
            Some(jkt) if self.jwt_tokens => self
                .access
                .mint_jwt(access_grant, json!({ "cnf": { "jkt": jkt } })),
            _ => self.access.mint(access_grant, self.jwt_tokens),
        };
        if let Some(fixed) = &self.fixed_access_token {
            access_token = fixed.clone();
        }
        let token_type = match &grant.jkt {
            Some(jkt) => {
                self.dpop_bound.insert(access_token.clone(), jkt.clone());
                &self.dpop_token_type
            }
            None => &self.token_type,
        };
        let mut body = json!({ "access_token": access_token, "token_type": token_type });
        if !self.omit_expires_in {
            body["expires_in"] = if self.expires_in_as_string {
                json!(self.lifetime_secs.to_string())
            } else {
                json!(self.lifetime_secs)
            };
        }
        if with_refresh {
            let expires_at = self
                .refresh_lifetime_secs
                .map(|secs| now + Duration::from_secs(secs));
            body["refresh_token"] = json!(self.refresh.issue(grant.clone(), expires_at));
        }
        if let Some(scope) = &grant.scope {
            body["scope"] = json!(scope);
        }
        if with_id_token {
            let iat = super::codec::unix_secs(now);
            let id = super::codec::make_jwt(json!({
                "iss": "http://fake-issuer",
                "sub": grant.subject,
                "aud": grant.client_id,
                "iat": iat,
                "exp": iat + self.id_token_lifetime_secs,
                "nonce_free": super::codec::unique_token("id_"),
            }));
            self.issued_id_tokens.push(id.clone());
            body["id_token"] = json!(id);
        }
        let response = Response::json(200, body).no_store();
        match &self.dpop_nonce {
            Some(nonce) => response.header("DPoP-Nonce", nonce.clone()),
            None => response,
        }
    }

    /// A DPoP-bound token at the resource (RFC 9449 §7): `Authorization:
    /// DPoP <token>` and a proof with `ath`, signed by the token's key.
    /// Returns the token when it is a DPoP one.
    fn check_dpop_resource(
        &mut self,
        req: &Request,
        now: SystemTime,
    ) -> Result<Option<String>, Response> {
        let unauthorized = |why: String| {
            Response::json(
                401,
                json!({ "error": "invalid_token", "error_description": why }),
            )
            .header("WWW-Authenticate", r#"DPoP algs="ES256""#)
        };
        let authorization = req.header("authorization").unwrap_or_default();
        if let Some(token) = authorization.strip_prefix("Bearer ") {
            if self.dpop_bound.contains_key(token) {
                return Err(unauthorized(
                    "a DPoP-bound token sent as a bearer token".into(),
                ));
            }
            return Ok(None);
        }
        let Some(token) = authorization.strip_prefix("DPoP ") else {
            return Ok(None);
        };
        let Some(jkt) = self.dpop_bound.get(token).cloned() else {
            return Err(unauthorized("not a DPoP-bound token".into()));
        };
        let proof = self
            .check_proof(req, now, Some(token))
            .map_err(|r| unauthorized(String::from_utf8_lossy(&r.body).into_owned()))?;
        if proof.jkt != jkt {
            return Err(unauthorized(
                "the proof is signed by another key than the token's".into(),
            ));
        }
        Ok(Some(token.to_string()))
    }

    fn whoami(&mut self, req: &Request, now: SystemTime) -> Response {
        if req.method != "GET" {
            self.counters.whoami_rejected += 1;
            return Response::method_not_allowed(&req.method, "GET");
        }
        let dpop_token = match self.check_dpop_resource(req, now) {
            Ok(token) => token,
            Err(response) => {
                self.counters.whoami_rejected += 1;
                return response;
            }
        };
        let grant = match &dpop_token {
            Some(token) => self.access.check(token, now).map_err(|e| {
                Response::json(
                    401,
                    json!({ "error": "invalid_token", "error_description": e.to_string() }),
                )
            }),
            None => require_bearer(req, &self.access, now),
        };
        let answer = grant.map(|grant| {
            json!({
                "ok": true,
                "sub": grant.subject,
                "client_id": grant.client_id,
                "scope": grant.scope,
            })
        });
        match answer {
            Ok(body) => {
                self.counters.whoami_ok += 1;
                Response::json(200, body)
            }
            Err(response) => {
                self.counters.whoami_rejected += 1;
                response
            }
        }
    }
}

impl Vendor for FakeOAuth2 {
    fn handle(&mut self, req: &Request, now: SystemTime) -> Response {
        if req.path == self.token_path {
            self.counters.token_requests += 1;
            let response = self.token_endpoint(req, now).unwrap_or_else(|error| error);
            if (400..500).contains(&response.status) {
                self.counters.rejected += 1;
            }
            response
        } else if req.path == self.revocation_path {
            let response = self
                .revocation_endpoint(req, now)
                .unwrap_or_else(|error| error);
            if (400..500).contains(&response.status) {
                self.counters.rejected += 1;
            }
            response
        } else if req.path == self.resource_path {
            self.whoami(req, now)
        } else {
            Response::not_found(&req.path)
        }
    }
}

/// Shortcuts for tests holding a `FakeServer<FakeOAuth2>`.
impl FakeServer<FakeOAuth2> {
    /// A snapshot of the counters.
    pub fn counters(&self) -> OAuth2Counters {
        self.with_vendor(|v| v.counters.clone())
    }

    /// The full token endpoint URL.
    pub fn token_url(&self) -> String {
        let path = self.with_vendor(|v| v.token_path.clone());
        self.url_for(&path)
    }

    /// The full revocation endpoint URL.
    pub fn revocation_url(&self) -> String {
        let path = self.with_vendor(|v| v.revocation_path.clone());
        self.url_for(&path)
    }

    /// The revocation requests so far.
    pub fn revocations(&self) -> Vec<Revocation> {
        self.with_vendor(|v| v.revocations.clone())
    }

    /// The most recently issued ID token.
    pub fn last_id_token(&self) -> Option<String> {
        self.with_vendor(|v| v.issued_id_tokens.last().cloned())
    }

    /// The full protected-resource URL.
    pub fn whoami_url(&self) -> String {
        let path = self.with_vendor(|v| v.resource_path.clone());
        self.url_for(&path)
    }

    /// Access tokens valid now (on the server's clock).
    pub fn valid_access_tokens(&self) -> usize {
        let now = self.now();
        self.with_vendor(|v| v.valid_access_tokens(now))
    }

    /// The most recently issued access token.
    pub fn last_access_token(&self) -> Option<String> {
        self.with_vendor(|v| v.access.last().map(str::to_string))
    }

    /// The most recently issued refresh token.
    pub fn last_refresh_token(&self) -> Option<String> {
        self.with_vendor(|v| v.refresh.last().map(str::to_string))
    }
}
