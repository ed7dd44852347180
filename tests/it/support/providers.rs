//! One profile per provider, each against its strict fake, for tests that
//! must hold for every provider (faults, leaks, TLS): the fake behind one
//! type ([`AnyFake`]), the profile's TOML for any origin (plain or
//! `https://localhost:PORT` through [`TlsFront`](super::tls::TlsFront)), and
//! the secrets that must never be shown.
//!
//! ```ignore
//! for case in ProviderCase::all() {
//!     let env = case.env("");
//!     case.fake.script(vec![Fault::garbage()]);
//!     env.cmd().arg("token").assert().fails_cleanly(5).output_hides(&case.secret_values());
//! }
//! ```

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::cmd::TestEnv;
use super::codec::{make_jwt, unix_secs};
use super::connect::FakeConnect;
use super::fake::{FakeServer, Fault, Request};
use super::lbm::{FakeLbm, LBM_TOKEN_PATH};
use super::lrs::{FakeLrs, LRS_TOKEN_PATH};
use super::oauth2::FakeOAuth2;
use super::primaerp::{FakePrimaerp, PRIMAERP_LOGIN_PATH, PRIMAERP_REFRESH_PATH};

/// Secrets: distinctive, with characters that need escaping somewhere.
pub const CE_ID: &str = "ce-client";
pub const CE_SECRET: &str = "ce-S3cret\"\\+%";
pub const LBM_ID: &str = "lbm-client";
pub const LBM_SECRET: &str = "lbm-p+ss/w%rd:=";
pub const LBM_TENANT: &str = "lbmsales";
pub const ERP_API_KEY: &str = "erp-apikey-7a1c";
pub const ERP_USER: &str = "user@domain.com";
pub const ERP_PASSWORD: &str = "erp-pass:word é";
pub const ERP_SECRET_KEY: &str = "erp-secretkey-5d01";
pub const LRS_USER: &str = "jane.doe";
pub const LRS_PASSWORD: &str = "lrs-pa\"ss\\word";
pub const ORG_ID: &str = "org-client";
pub const ORG_SECRET: &str = "org-s3cret:+ %é";
pub const ORG_USER: &str = "alice";
pub const ORG_PASSWORD: &str = "org-alice-pw&=?";

/// Any of the five fakes.
pub enum AnyFake {
    Connect(FakeServer<FakeConnect>),
    Lbm(FakeServer<FakeLbm>),
    Primaerp(FakeServer<FakePrimaerp>),
    Lrs(FakeServer<FakeLrs>),
    OAuth2(FakeServer<FakeOAuth2>),
}

macro_rules! each {
    ($fake:expr, $s:ident => $body:expr) => {
        match $fake {
            AnyFake::Connect($s) => $body,
            AnyFake::Lbm($s) => $body,
            AnyFake::Primaerp($s) => $body,
            AnyFake::Lrs($s) => $body,
            AnyFake::OAuth2($s) => $body,
        }
    };
}

impl AnyFake {
    pub fn addr(&self) -> SocketAddr {
        each!(self, s => s.addr())
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        each!(self, s => s.url())
    }

    pub fn script(&self, faults: Vec<Fault>) {
        each!(self, s => s.script(faults))
    }

    pub fn script_on(&self, path: &str, faults: Vec<Fault>) {
        each!(self, s => s.script_on(path, faults))
    }

    pub fn set_delay(&self, delay: Duration) {
        each!(self, s => s.set_delay(delay))
    }

    pub fn requests(&self) -> Vec<Request> {
        each!(self, s => s.requests())
    }

    pub fn request_count(&self) -> usize {
        each!(self, s => s.request_count())
    }

    pub fn clear_requests(&self) {
        each!(self, s => s.clear_requests())
    }

    /// The newest access token issued.
    pub fn last_access_token(&self) -> Option<String> {
        each!(self, s => s.last_access_token())
    }

    /// The newest refresh token issued (providers without refresh: none).
    pub fn last_refresh_token(&self) -> Option<String> {
        match self {
            AnyFake::Primaerp(s) => s.last_refresh_token(),
            AnyFake::OAuth2(s) => s.last_refresh_token(),
            AnyFake::Lrs(s) => s.with_vendor(|v| v.refresh.last().map(str::to_string)),
            AnyFake::Connect(_) | AnyFake::Lbm(_) => None,
        }
    }

    /// Every refresh token issued so far.
    pub fn refresh_tokens(&self) -> Vec<String> {
        match self {
            AnyFake::Primaerp(s) => s.with_vendor(|v| v.refresh.all().to_vec()),
            AnyFake::OAuth2(s) => s.with_vendor(|v| v.refresh.all().to_vec()),
            AnyFake::Lrs(s) => s.with_vendor(|v| v.refresh.all().to_vec()),
            AnyFake::Connect(_) | AnyFake::Lbm(_) => Vec::new(),
        }
    }

    /// Makes every token issued from now on expire at once (`0`) or after
    /// `secs`.
    pub fn set_lifetime(&self, secs: u64) {
        match self {
            AnyFake::Connect(s) => s.with_vendor(|v| v.lifetime_secs = secs),
            AnyFake::Lbm(s) => s.with_vendor(|v| v.lifetime_secs = secs),
            AnyFake::Primaerp(s) => s.with_vendor(|v| v.lifetime_secs = secs),
            AnyFake::Lrs(s) => s.with_vendor(|v| v.lifetime_secs = secs),
            AnyFake::OAuth2(s) => s.with_vendor(|v| v.lifetime_secs = secs),
        }
    }
}

/// One provider's profile against its fake.
pub struct ProviderCase {
    /// The profile name (also the provider's short name).
    pub profile: &'static str,
    pub provider: &'static str,
    pub fake: AnyFake,
    /// The path token requests (logins) go to.
    pub login_path: &'static str,
    /// The path refresh requests go to, for providers that refresh.
    pub refresh_path: Option<&'static str>,
    /// (environment variable, value) of each secret, in the order
    /// `login --secret-stdin` reads them.
    pub secrets: Vec<(&'static str, &'static str)>,
    /// Profile keys besides `provider` and the URL key.
    keys: String,
    /// `base_url` (origin only) or `token_url` (origin + path).
    url_key: &'static str,
    url_path: &'static str,
    /// Secret keys (`client_secret`, …) in the order of `secrets`.
    secret_keys: Vec<&'static str>,
}

impl ProviderCase {
    pub fn connect_enterprise() -> Self {
        ProviderCase {
            profile: "ce",
            provider: "connect-enterprise",
            fake: AnyFake::Connect(FakeServer::start(FakeConnect::new(
                "development",
                CE_ID,
                CE_SECRET,
            ))),
            login_path: "/v1/auth/login",
            refresh_path: None,
            secrets: vec![("CE_SECRET", CE_SECRET)],
            keys: format!("client_id = \"{CE_ID}\"\n"),
            url_key: "base_url",
            url_path: "",
            secret_keys: vec!["client_secret"],
        }
    }

    pub fn pipeline_lbm() -> Self {
        ProviderCase {
            profile: "lbm",
            provider: "pipeline-lbm",
            fake: AnyFake::Lbm(FakeServer::start(FakeLbm::new(
                LBM_ID, LBM_SECRET, LBM_TENANT,
            ))),
            login_path: LBM_TOKEN_PATH,
            refresh_path: None,
            secrets: vec![("LBM_SECRET", LBM_SECRET)],
            keys: format!("tenant = \"{LBM_TENANT}\"\nclient_id = \"{LBM_ID}\"\n"),
            url_key: "token_url",
            url_path: LBM_TOKEN_PATH,
            secret_keys: vec!["client_secret"],
        }
    }

    pub fn primaerp() -> Self {
        ProviderCase {
            profile: "erp",
            provider: "primaerp",
            fake: AnyFake::Primaerp(FakeServer::start(
                FakePrimaerp::new(ERP_API_KEY, ERP_USER, ERP_PASSWORD)
                    .with_secret_key(ERP_SECRET_KEY),
            )),
            login_path: PRIMAERP_LOGIN_PATH,
            refresh_path: Some(PRIMAERP_REFRESH_PATH),
            secrets: vec![("ERP_API_KEY", ERP_API_KEY), ("ERP_PASSWORD", ERP_PASSWORD)],
            keys: format!("auth = \"user\"\nusername = \"{ERP_USER}\"\n"),
            url_key: "base_url",
            url_path: "",
            secret_keys: vec!["api_key", "password"],
        }
    }

    /// primaERP logging in with the secret key instead of a password.
    pub fn primaerp_secret_key() -> Self {
        ProviderCase {
            profile: "erpkey",
            secrets: vec![
                ("ERP_API_KEY", ERP_API_KEY),
                ("ERP_SECRET_KEY", ERP_SECRET_KEY),
            ],
            keys: "auth = \"secret-key\"\n".to_string(),
            secret_keys: vec!["api_key", "secret_key"],
            ..Self::primaerp()
        }
    }

    pub fn lrs_connect() -> Self {
        ProviderCase {
            profile: "lrs",
            provider: "lrs-connect",
            fake: AnyFake::Lrs(FakeServer::start(FakeLrs::new(LRS_USER, LRS_PASSWORD))),
            login_path: LRS_TOKEN_PATH,
            refresh_path: Some(LRS_TOKEN_PATH),
            secrets: vec![("LRS_PASSWORD", LRS_PASSWORD)],
            keys: format!("username = \"{LRS_USER}\"\n"),
            url_key: "base_url",
            url_path: "",
            secret_keys: vec!["password"],
        }
    }

    /// `oauth2` with the password grant (client secret and password) and
    /// client authentication `client_auth` (`basic`, `body`, `query`).
    pub fn oauth2(client_auth: &str) -> Self {
        ProviderCase {
            profile: "org",
            provider: "oauth2",
            fake: AnyFake::OAuth2(FakeServer::start(
                FakeOAuth2::new(ORG_ID, ORG_SECRET).with_user(ORG_USER, ORG_PASSWORD),
            )),
            login_path: "/oauth2/token",
            refresh_path: Some("/oauth2/token"),
            secrets: vec![("ORG_SECRET", ORG_SECRET), ("ORG_PASSWORD", ORG_PASSWORD)],
            keys: format!(
                "client_id = \"{ORG_ID}\"\ngrant = \"password\"\nusername = \"{ORG_USER}\"\nclient_auth = \"{client_auth}\"\n"
            ),
            url_key: "token_url",
            url_path: "/oauth2/token",
            secret_keys: vec!["client_secret", "password"],
        }
    }

    /// Every provider (and primaERP's and OAuth2's variants).
    pub fn all() -> Vec<Self> {
        vec![
            Self::connect_enterprise(),
            Self::pipeline_lbm(),
            Self::primaerp(),
            Self::primaerp_secret_key(),
            Self::lrs_connect(),
            Self::oauth2("basic"),
            Self::oauth2("body"),
            Self::oauth2("query"),
        ]
    }

    /// A success answer in this vendor's shape carrying `access` as the
    /// token and `lifetime` as its lifetime, each as given (any JSON value,
    /// for malformed answers). The lifetime goes where the vendor puts it:
    /// `expires_in`, `expiresIn`, primaERP's `expiration` (seconds from now
    /// turned into `/Date(ms)/` when a number), or Connect Enterprise's JWT
    /// `exp` (seconds from now when a number).
    pub fn token_body(&self, access: Value, lifetime: Value) -> Value {
        let now = unix_secs(SystemTime::now());
        match self.provider {
            "connect-enterprise" => {
                let token = match access {
                    Value::String(s) if s == "jwt" => {
                        let exp = match &lifetime {
                            Value::Number(n) => json!(now as f64 + n.as_f64().unwrap_or(0.0)),
                            other => other.clone(),
                        };
                        Value::String(make_jwt(json!({ "sub": CE_ID, "exp": exp })))
                    }
                    other => other,
                };
                json!({ "data": { "token": token }, "errors": null })
            }
            "primaerp" => {
                let expiration = match &lifetime {
                    Value::Number(n) if n.is_u64() => {
                        json!(format!(
                            "/Date({})/",
                            (now + n.as_u64().unwrap_or(0)) * 1000
                        ))
                    }
                    other => other.clone(),
                };
                json!({ "token": access, "expiration": expiration })
            }
            "lrs-connect" => {
                json!({ "accessToken": access, "tokenType": "Bearer", "expiresIn": lifetime })
            }
            _ => json!({ "access_token": access, "token_type": "Bearer", "expires_in": lifetime }),
        }
    }

    /// Whether this provider issues refresh tokens.
    pub fn refreshes(&self) -> bool {
        self.refresh_path.is_some()
    }

    /// The secret values, for "never shown" checks.
    pub fn secret_values(&self) -> Vec<&'static str> {
        self.secrets.iter().map(|(_, v)| *v).collect()
    }

    /// The HTTP method of a login request.
    pub fn login_method(&self) -> &'static str {
        if self.provider == "primaerp" {
            "GET"
        } else {
            "POST"
        }
    }

    /// The query of a login request as authtool's messages show it, its
    /// credentials redacted: primaERP's API key, OAuth2's client with
    /// `client_auth = "query"`; else empty.
    pub fn shown_query(&self) -> &'static str {
        if self.provider == "primaerp" {
            "?apikey=***"
        } else if self.keys.contains("client_auth = \"query\"") {
            "?client_id=***&client_secret=***"
        } else {
            ""
        }
    }

    /// `login --secret-stdin` input: one secret a line.
    pub fn secret_stdin(&self) -> String {
        self.secrets.iter().map(|(_, v)| format!("{v}\n")).collect()
    }

    /// The `[profiles.NAME]` table with the server at `origin`
    /// (`http://127.0.0.1:PORT`, `https://localhost:PORT`); secrets from
    /// environment variables when `secrets_from_env`, else from the store.
    pub fn profile_toml(&self, origin: &str, secrets_from_env: bool) -> String {
        let mut out = format!(
            "[profiles.{}]\nprovider = \"{}\"\n{} = \"{origin}{}\"\n{}",
            self.profile, self.provider, self.url_key, self.url_path, self.keys
        );
        if secrets_from_env {
            for (key, (var, _)) in self.secret_keys.iter().zip(&self.secrets) {
                out.push_str(&format!("{key}_env = \"{var}\"\n"));
            }
        }
        out
    }

    /// A hermetic env with this profile (plus `extra` keys) against the
    /// plain fake, secrets in environment variables, the `file` store.
    pub fn env(&self, extra: &str) -> TestEnv {
        self.env_at(&self.fake.url(), extra)
    }

    /// Like [`ProviderCase::env`], with the server at `origin`.
    pub fn env_at(&self, origin: &str, extra: &str) -> TestEnv {
        let mut env = TestEnv::new();
        env.set_env("AUTHTOOL_SECRET_STORE", "file");
        for (var, value) in &self.secrets {
            env.set_env(var, value);
        }
        env.write_config(&format!("{}{extra}", self.profile_toml(origin, true)));
        env
    }
}

impl ProviderCase {
    /// A hermetic env with this profile against the plain fake, each secret
    /// in a file (`NAME_file`), with a trailing newline to be trimmed.
    pub fn file_env(&self) -> TestEnv {
        let mut env = TestEnv::new();
        env.set_env("AUTHTOOL_SECRET_STORE", "file");
        let mut toml = self.profile_toml(&self.fake.url(), false);
        for (key, (_, value)) in self.secret_keys.iter().zip(&self.secrets) {
            let path = env.write_file(format!("secrets/{key}"), &format!("{value}\n"));
            toml.push_str(&format!("{key}_file = \"{}\"\n", path.display()));
        }
        env.write_config(&toml);
        env
    }
}

/// Asserts a clean failure: exit `code`, nothing on stdout, every one of
/// `needles` on stderr, none of `secrets` anywhere, and no panic.
pub fn assert_fails(
    out: &std::process::Output,
    code: i32,
    needles: &[&str],
    secrets: &[&str],
) -> String {
    let shown = super::cmd::transcript(out);
    assert_eq!(out.status.code(), Some(code), "{shown}");
    assert!(out.stdout.is_empty(), "stdout must be empty\n{shown}");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{shown}");
    assert!(
        stderr.contains("authtool: error: "),
        "no error line\n{shown}"
    );
    for needle in needles {
        assert!(stderr.contains(needle), "wanted `{needle}`\n{shown}");
    }
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        assert!(
            !stderr.contains(secret),
            "secret `{secret}` leaked\n{shown}"
        );
    }
    stderr
}

/// The fake behind the `org` profile: client [`ORG_ID`] / [`ORG_SECRET`].
pub fn org_fake() -> FakeOAuth2 {
    FakeOAuth2::new(ORG_ID, ORG_SECRET)
}

/// `[profiles.org]`, the `oauth2` profile most tests use: `token_url`,
/// client [`ORG_ID`], then the `extra` lines (e.g. where its secret is).
pub fn org_profile(token_url: &str, extra: &str) -> String {
    format!(
        "[profiles.org]\nprovider = \"oauth2\"\ntoken_url = \"{token_url}\"\nclient_id = \"{ORG_ID}\"\n{extra}"
    )
}

/// A hermetic env whose config is the `org` profile against `server` with
/// its secret in `$ORG_SECRET` (set), plus `extra` keys; refresh tokens go
/// to the `file` store (the keychain has its own tests).
pub fn org_env(server: &FakeServer<FakeOAuth2>, extra: &str) -> TestEnv {
    org_env_at(&server.token_url(), extra)
}

/// [`org_env`] with the token endpoint at `token_url` (e.g. behind a
/// [`TlsFront`](super::TlsFront)).
pub fn org_env_at(token_url: &str, extra: &str) -> TestEnv {
    let mut env = TestEnv::new();
    env.set_env("ORG_SECRET", ORG_SECRET)
        .set_env("AUTHTOOL_SECRET_STORE", "file");
    env.write_config(&org_config(token_url, extra));
    env
}

/// The config of [`org_env_at`]: the `org` profile with its client secret
/// in `$ORG_SECRET`, then the `extra` keys.
pub fn org_config(token_url: &str, extra: &str) -> String {
    org_profile(
        token_url,
        &format!("client_secret_env = \"ORG_SECRET\"\n{extra}"),
    )
}
