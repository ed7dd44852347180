//! Black-box tests of the four vendor providers against their strict fakes:
//! the token works against the vendor's protected endpoint, is cached,
//! renews the vendor's way, and wrong credentials exit 6 with nothing on
//! stdout. Secrets come from `*_env`; refresh tokens go to the file store.
//!
//! Staleness is forced without sleeping: a fake issues one token with a
//! zero lifetime (already expired when authtool next looks), then normal
//! ones again.

use crate::support::*;
use std::process::{Output, Stdio};

/// A hermetic env with `vars` set and `config` written.
fn env_with(config: &str, vars: &[(&str, &str)]) -> TestEnv {
    let mut env = TestEnv::new();
    // Refresh tokens go to the secret store; the keychain has its own tests.
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    for (name, value) in vars {
        env.set_env(name, value);
    }
    env.write_config(config);
    env
}

fn run(env: &TestEnv, args: &[&str]) -> Output {
    env.cmd().args(args).output().unwrap()
}

/// Runs authtool, asserts success, returns stdout.
fn ok(env: &TestEnv, args: &[&str]) -> String {
    let out = run(env, args);
    assert!(out.status.success(), "{args:?}\n{}", transcript(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// `token` → the bare token.
fn token(env: &TestEnv) -> String {
    ok(env, &["token"]).trim_end().to_string()
}

/// Asserts exit `code`, empty stdout, `needle` on stderr and none of `secrets`.
fn fails(env: &TestEnv, args: &[&str], code: i32, needle: &str, secrets: &[&str]) -> String {
    env.fails(args, code, needle, secrets)
}

fn json(env: &TestEnv) -> serde_json::Value {
    serde_json::from_str(&ok(env, &["token", "--format", "json"])).unwrap()
}

fn bearer(token: &str) -> String {
    format!("Authorization: Bearer {token}")
}

// ---------------------------------------------------------------------------
// connect-enterprise

const CE_ID: &str = "enterprise-42";
const CE_DEV_SECRET: &str = "dev-s3cret\"\\";
const CE_PROD_SECRET: &str = "prod-s3cret";

fn connect_config(base_url: &str) -> String {
    format!(
        "[profiles.ce]\nprovider = \"connect-enterprise\"\nbase_url = \"{base_url}\"\nclient_id = \"{CE_ID}\"\nclient_secret_env = \"CE_SECRET\"\n"
    )
}

#[test]
fn connect_enterprise_token_works_is_cached_and_renewed_by_login() {
    let server = FakeServer::start(FakeConnect::new("development", CE_ID, CE_DEV_SECRET));
    let env = env_with(
        &connect_config(&server.url()),
        &[("CE_SECRET", CE_DEV_SECRET)],
    );

    let first = token(&env);
    assert_eq!(first, server.last_access_token().unwrap());
    let api = curl(&["-H", &bearer(&first), &server.resource_url()]);
    assert_eq!(api.status, 200, "{api:?}");
    assert_eq!(api.json()["data"]["clientid"], CE_ID);

    // Cached: no request at all; expiry came from the JWT's `exp`.
    assert_eq!(token(&env), first);
    assert_eq!(
        ok(&env, &["header"]),
        format!("Authorization: Bearer {first}\n")
    );
    let j = json(&env);
    let left = j["expires_in"].as_u64().unwrap();
    assert!((3500..=3600).contains(&left), "{j}");
    assert_eq!(server.counters().login_requests, 1);

    // No refresh token: an expired token is renewed by logging in again.
    server.with_vendor(|v| v.lifetime_secs = 0);
    ok(&env, &["token", "--min-ttl", "2h"]);
    server.with_vendor(|v| v.lifetime_secs = 3600);
    let renewed = token(&env);
    let c = server.counters();
    assert_eq!((c.logins, c.rejected), (3, 0), "{c:?}");
    assert_eq!(renewed, server.last_access_token().unwrap());
    assert_eq!(
        curl(&["-H", &bearer(&renewed), &server.resource_url()]).status,
        200
    );
}

#[test]
fn connect_enterprise_wrong_secret_exits_6_with_the_servers_message() {
    let server = FakeServer::start(FakeConnect::new("development", CE_ID, CE_DEV_SECRET));
    let env = env_with(
        &connect_config(&server.url()),
        &[("CE_SECRET", "wrong-one")],
    );
    fails(
        &env,
        &["token"],
        6,
        "Invalid clientid or secret",
        &["wrong-one"],
    );
    fails(&env, &["header"], 6, "hint: ", &["wrong-one"]);
    assert_eq!(server.counters().logins, 0);
}

#[test]
fn connect_enterprise_environments_never_share_a_token() {
    let dev = FakeServer::start(FakeConnect::new("development", CE_ID, CE_DEV_SECRET));
    let prod = FakeServer::start(FakeConnect::new("production", CE_ID, CE_PROD_SECRET));
    let mut env = env_with(&connect_config(&dev.url()), &[("CE_SECRET", CE_DEV_SECRET)]);
    let dev_token = token(&env);

    // Same profile, now production: never the development token.
    env.set_env("CE_SECRET", CE_PROD_SECRET);
    env.write_config(&connect_config(&prod.url()));
    let prod_token = token(&env);
    assert_ne!(prod_token, dev_token);
    assert_eq!(prod.counters().logins, 1);
    assert_eq!(
        curl(&["-H", &bearer(&prod_token), &prod.resource_url()]).status,
        200
    );
    assert_eq!(
        curl(&["-H", &bearer(&dev_token), &prod.resource_url()]).status,
        401
    );

    // And back: a new development login, not the production token.
    env.set_env("CE_SECRET", CE_DEV_SECRET);
    env.write_config(&connect_config(&dev.url()));
    let again = token(&env);
    assert_ne!(again, prod_token);
    assert_eq!(dev.counters().logins, 2);

    // Switching to the built-in `environment` URL never serves the cached
    // token either. The real host is not contacted: the proxy is a closed
    // local port, so the attempt fails (exit 5) with nothing on stdout.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let proxy = format!("http://127.0.0.1:{closed}");
    env.set_env("HTTPS_PROXY", &proxy)
        .set_env("https_proxy", &proxy);
    env.write_config(&format!(
        "[profiles.ce]\nprovider = \"connect-enterprise\"\nenvironment = \"development\"\nclient_id = \"{CE_ID}\"\nclient_secret_env = \"CE_SECRET\"\ntimeout = \"2s\"\n"
    ));
    let stderr = fails(
        &env,
        &["-v", "token"],
        5,
        "other settings",
        &[CE_DEV_SECRET],
    );
    assert!(
        stderr.contains("lfs-connect-enterprise-api-dev"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------
// pipeline-lbm

const LBM_ID: &str = "lbm-client";
/// Characters RFC 6749 form-encoding would change: the doc's raw Basic
/// encoding must keep them as they are.
const LBM_SECRET: &str = "p+ss/w%rd:é=";
const TENANT: &str = "lbmsales";

fn lbm_config(server: &FakeServer<FakeLbm>, tenant: &str) -> String {
    format!(
        "[profiles.lbm]\nprovider = \"pipeline-lbm\"\ntoken_url = \"{}\"\ntenant = \"{tenant}\"\nclient_id = \"{LBM_ID}\"\nclient_secret_env = \"LBM_SECRET\"\n",
        server.token_url()
    )
}

#[test]
fn pipeline_lbm_sends_both_headers_and_is_cached() {
    let server = FakeServer::start(FakeLbm::new(LBM_ID, LBM_SECRET, TENANT));
    let env = env_with(&lbm_config(&server, TENANT), &[("LBM_SECRET", LBM_SECRET)]);

    let header = ok(&env, &["header"]);
    let t = server.last_access_token().unwrap();
    assert_eq!(
        header,
        format!("Authorization: Bearer {t}\nX-Customer: {TENANT}\n")
    );
    assert_eq!(token(&env), t);
    // The Public API wants both headers: piped from `header` they work …
    let mut child = std::process::Command::new("curl")
        .args(["-q", "-sS", "--noproxy", "*", "-o", "/dev/null"])
        .args(["-w", "%{http_code}", "-H", "@-", &server.jobs_url()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(header.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "200");
    // … and the bearer token alone is not enough.
    assert_eq!(curl(&["-H", &bearer(&t), &server.jobs_url()]).status, 400);

    let j = json(&env);
    assert_eq!(j["headers"]["Authorization"], format!("Bearer {t}"));
    assert_eq!(j["headers"]["X-Customer"], TENANT);
    assert!(j["expires_in"].as_u64().unwrap() > 86_000, "{j}");
    assert_eq!(
        ok(&env, &["token", "--format", "curl"]),
        format!("header = \"Authorization: Bearer {t}\"\nheader = \"X-Customer: {TENANT}\"\n")
    );
    assert_eq!(server.counters().token_requests, 1);
}

#[test]
fn pipeline_lbm_renews_by_logging_in_again() {
    let server = FakeServer::start(FakeLbm::new(LBM_ID, LBM_SECRET, TENANT).lifetime_secs(0));
    let env = env_with(&lbm_config(&server, TENANT), &[("LBM_SECRET", LBM_SECRET)]);
    let first = token(&env);
    server.with_vendor(|v| v.lifetime_secs = 86_399);
    let second = token(&env);
    assert_ne!(first, second);
    token(&env);
    let c = server.counters();
    assert_eq!((c.token_requests, c.logins), (2, 2), "{c:?}");
}

#[test]
fn pipeline_lbm_rejections_exit_6() {
    let server = FakeServer::start(FakeLbm::new(LBM_ID, LBM_SECRET, TENANT));
    let env = env_with(&lbm_config(&server, TENANT), &[("LBM_SECRET", "nope")]);
    fails(&env, &["header"], 6, "invalid_client", &["nope"]);
    // A tenant the app registration does not include.
    let env = env_with(
        &lbm_config(&server, "othertenant"),
        &[("LBM_SECRET", LBM_SECRET)],
    );
    fails(&env, &["token"], 6, "othertenant", &[LBM_SECRET]);
    assert_eq!(server.counters().logins, 0);
}

// ---------------------------------------------------------------------------
// primaerp

const API_KEY: &str = "1af7a44b-81f1-4de1-11e7-1e675acb1221";
const ERP_USER: &str = "user@domain.com";
const ERP_PASSWORD: &str = "pass:word é";
const SECRET_KEY: &str = "sk-5d01a310";

fn erp_server() -> FakeServer<FakePrimaerp> {
    FakeServer::start(
        FakePrimaerp::new(API_KEY, ERP_USER, ERP_PASSWORD)
            .with_secret_key(SECRET_KEY)
            .date_zone("+0100"),
    )
}

fn erp_env(server: &FakeServer<FakePrimaerp>, extra: &str) -> TestEnv {
    env_with(
        &format!(
            "[profiles.erp]\nprovider = \"primaerp\"\nbase_url = \"{}\"\nauth = \"user\"\nusername = \"{ERP_USER}\"\napi_key_env = \"ERP_API_KEY\"\npassword_env = \"ERP_PASSWORD\"\n{extra}",
            server.url()
        ),
        &[("ERP_API_KEY", API_KEY), ("ERP_PASSWORD", ERP_PASSWORD)],
    )
}

/// Calls the protected resource with `query` (`token=…`).
fn projects(server: &FakeServer<FakePrimaerp>, query: &str) -> u16 {
    curl(&[&format!("{}?{query}", server.projects_url())]).status
}

#[test]
fn primaerp_token_goes_in_the_query_and_is_cached() {
    let server = erp_server();
    let env = erp_env(&server, "");

    let query = ok(&env, &["token", "--format", "query"]);
    let t = server.last_access_token().unwrap();
    assert_eq!(query, format!("token={t}\n"));
    assert_eq!(projects(&server, query.trim_end()), 200);
    // The token in a header is refused by the API.
    assert_eq!(
        curl(&["-H", &bearer(&t), &server.projects_url()]).status,
        401
    );

    // Cached: no request.
    assert_eq!(token(&env), t);
    let j = json(&env);
    assert_eq!(j["query"]["token"], t.as_str());
    assert_eq!(j["headers"], serde_json::json!({}));
    // /Date(ms+0100)/: the milliseconds are UTC, the zone is ignored.
    let left = j["expires_in"].as_u64().unwrap();
    assert!((3500..=3600).contains(&left), "{j}");
    assert_eq!(
        ok(&env, &["token", "--format", "curl"]),
        format!("url-query = \"+token={t}\"\n")
    );
    // `header` has nothing to print: exit 2 and a hint, stdout empty.
    let stderr = fails(&env, &["header"], 2, "query parameter", &[]);
    assert!(stderr.contains("--format query"), "{stderr}");
    assert!(!stderr.contains(&t), "{stderr}");

    let c = server.counters();
    assert_eq!((c.login_requests, c.refresh_requests), (1, 0), "{c:?}");
}

#[test]
fn primaerp_secret_key_login() {
    let server = erp_server();
    let env = env_with(
        &format!(
            "[profiles.erp]\nprovider = \"primaerp\"\nbase_url = \"{}\"\nauth = \"secret-key\"\napi_key_env = \"ERP_API_KEY\"\nsecret_key_env = \"ERP_SECRET_KEY\"\n",
            server.url()
        ),
        &[("ERP_API_KEY", API_KEY), ("ERP_SECRET_KEY", SECRET_KEY)],
    );
    let query = ok(&env, &["token", "--format", "query"]);
    assert_eq!(projects(&server, query.trim_end()), 200);
    assert_eq!(server.counters().logins, 1);
}

#[test]
fn primaerp_renews_with_each_single_use_refresh_token_once() {
    let server = erp_server();
    server.with_vendor(|v| v.lifetime_secs = 0);
    let env = erp_env(&server, "");
    let mut seen = vec![token(&env)];
    // Each round: the token is expired, so the newest refresh token is
    // spent once; the old one is never sent again.
    for round in 1..=3 {
        server.with_vendor(|v| v.lifetime_secs = if round < 3 { 0 } else { 3600 });
        let t = token(&env);
        assert!(!seen.contains(&t), "round {round}: old token served");
        seen.push(t);
        let c = server.counters();
        assert_eq!(
            (c.logins, c.refreshes, c.refresh_reuse),
            (1, round, 0),
            "{c:?}"
        );
    }
    let last = seen.last().unwrap().clone();
    assert_eq!(projects(&server, &format!("token={last}")), 200);
    // Fresh now: served from the cache.
    assert_eq!(token(&env), last);
    assert_eq!(server.counters().refresh_requests, 3);
}

#[test]
fn primaerp_refresh_token_past_its_expiration_is_not_tried() {
    let server = erp_server();
    server.with_vendor(|v| {
        v.lifetime_secs = 0;
        v.refresh_lifetime_secs = 0;
    });
    let env = erp_env(&server, "");
    token(&env);
    server.with_vendor(|v| v.lifetime_secs = 3600);
    token(&env);
    let c = server.counters();
    assert_eq!((c.logins, c.refresh_requests), (2, 0), "{c:?}");
}

#[test]
fn primaerp_lost_refresh_answer_never_resends_the_refresh_token() {
    let server = erp_server();
    server.with_vendor(|v| v.lifetime_secs = 0);
    let env = erp_env(&server, "timeout = \"1s\"\n");
    token(&env);
    server.with_vendor(|v| v.lifetime_secs = 3600);
    server.assert_lost_refresh_is_never_resent(&env);
}

#[test]
fn primaerp_wrong_credentials_exit_6() {
    let server = erp_server();
    let mut env = erp_env(&server, "");
    env.set_env("ERP_PASSWORD", "wrong pw");
    fails(
        &env,
        &["token"],
        6,
        "Invalid user name",
        &["wrong pw", API_KEY],
    );
    env.set_env("ERP_PASSWORD", ERP_PASSWORD)
        .set_env("ERP_API_KEY", "bad-key");
    fails(
        &env,
        &["token", "--format", "query"],
        6,
        "Invalid API key",
        &["bad-key", ERP_PASSWORD],
    );
    assert_eq!(server.counters().logins, 0);
}

#[test]
fn primaerp_fifty_processes_on_an_expired_token_refresh_exactly_once() {
    let server = erp_server();
    server.with_vendor(|v| v.lifetime_secs = 0);
    let env = erp_env(&server, "");
    token(&env);
    server.with_vendor(|v| v.lifetime_secs = 3600);
    server.assert_single_use_storm(&env, 50);
}

// ---------------------------------------------------------------------------
// lrs-connect

const LRS_USER: &str = "jane.doe";
const LRS_PASSWORD: &str = "pa\"ss\\word";

fn lrs_env(server: &FakeServer<FakeLrs>, extra: &str) -> TestEnv {
    env_with(
        &format!(
            "[profiles.lrs]\nprovider = \"lrs-connect\"\nbase_url = \"{}\"\nusername = \"{LRS_USER}\"\npassword_env = \"LRS_PASSWORD\"\n{extra}",
            server.url()
        ),
        &[("LRS_PASSWORD", LRS_PASSWORD)],
    )
}

#[test]
fn lrs_connect_token_works_is_cached_and_refreshed() {
    let server = FakeServer::start(FakeLrs::new(LRS_USER, LRS_PASSWORD).lifetime_secs(0));
    let env = lrs_env(&server, "");
    let first = token(&env);
    server.with_vendor(|v| v.lifetime_secs = 3600);

    // Expired: the refresh token renews it (refresh +1, login +0).
    let second = token(&env);
    assert_ne!(second, first);
    let c = server.counters();
    assert_eq!((c.logins, c.refreshes), (1, 1), "{c:?}");
    let me = curl(&["-H", &bearer(&second), &server.me_url()]);
    assert_eq!(me.status, 200, "{me:?}");
    assert_eq!(me.field("userName"), LRS_USER);

    // Fresh: cached; `expiresIn` ("3600", a string) was understood.
    assert_eq!(token(&env), second);
    let j = json(&env);
    assert!(
        (3500..=3600).contains(&j["expires_in"].as_u64().unwrap()),
        "{j}"
    );
    assert_eq!(server.counters().token_requests, 2);
}

#[test]
fn lrs_connect_inactive_account_exits_6_with_the_servers_message() {
    let server = FakeServer::start(FakeLrs::new(LRS_USER, LRS_PASSWORD).lifetime_secs(0));
    let env = lrs_env(&server, "");
    server.with_vendor(|v| v.set_active(LRS_USER, false));
    fails(&env, &["token"], 6, "is inactive", &[LRS_PASSWORD]);

    // Deactivated after a login: the refresh is refused, the login too.
    server.with_vendor(|v| v.set_active(LRS_USER, true));
    token(&env);
    server.with_vendor(|v| v.set_active(LRS_USER, false));
    fails(&env, &["token"], 6, "is inactive", &[LRS_PASSWORD]);
    let c = server.counters();
    assert_eq!(
        (c.logins, c.refreshes, c.refresh_rejected),
        (1, 0, 1),
        "{c:?}"
    );
}

#[test]
fn lrs_connect_wrong_password_exits_6() {
    let server = FakeServer::start(FakeLrs::new(LRS_USER, LRS_PASSWORD));
    let mut env = lrs_env(&server, "");
    env.set_env("LRS_PASSWORD", "guess");
    fails(
        &env,
        &["token"],
        6,
        "Invalid user name or password",
        &["guess"],
    );
}

#[test]
fn lrs_connect_refresh_none_logs_in_again() {
    let server = FakeServer::start(FakeLrs::new(LRS_USER, LRS_PASSWORD).lifetime_secs(0));
    let env = lrs_env(&server, "refresh = \"none\"\n");
    token(&env);
    server.with_vendor(|v| v.lifetime_secs = 3600);
    token(&env);
    let c = server.counters();
    assert_eq!((c.logins, c.refreshes), (2, 0), "{c:?}");
}

// ---------------------------------------------------------------------------
// The fakes are strict the way the real servers are: anything but the
// documented request is refused with the vendor's error.

/// (status, body) of a curl call.
fn call(args: &[&str]) -> (u16, String) {
    let out = curl(args);
    (out.status, out.body)
}

const JSON: &str = "Content-Type: application/json";

#[test]
fn fake_connect_enterprise_is_strict() {
    let server = FakeServer::start(FakeConnect::new("development", CE_ID, CE_DEV_SECRET));
    let login = server.url_for("/v1/auth/login");
    let good = format!(r#"{{"clientid":"{CE_ID}","secret":"dev-s3cret\"\\"}}"#);
    assert_eq!(call(&["-H", JSON, "--data", &good, &login]).0, 200);
    for (args, status, says) in [
        (vec![login.as_str()], 405, "POST"),
        (
            vec!["--data", good.as_str(), login.as_str()],
            415,
            "application/json",
        ),
        (
            vec![
                "-H",
                JSON,
                "--data",
                r#"{"clientId":"enterprise-42","secret":"x"}"#,
                login.as_str(),
            ],
            400,
            "clientId",
        ),
        (
            vec![
                "-H",
                JSON,
                "--data",
                r#"{"clientid":"enterprise-42","secret":"x","scope":"a"}"#,
                login.as_str(),
            ],
            400,
            "scope",
        ),
        (
            vec![
                "-H",
                JSON,
                "-u",
                "enterprise-42:x",
                "--data",
                good.as_str(),
                login.as_str(),
            ],
            400,
            "Authorization",
        ),
        (
            vec![
                "-H",
                JSON,
                "--data",
                r#"{"clientid":"enterprise-42","secret":"nope"}"#,
                login.as_str(),
            ],
            401,
            "INVALID_CREDENTIALS",
        ),
    ] {
        let (got, body) = call(&args);
        assert_eq!(got, status, "{args:?}: {body}");
        assert!(
            body.contains(says) && body.contains("\"errors\""),
            "{args:?}: {body}"
        );
    }
    let with_query = format!("{login}?clientid={CE_ID}");
    assert_eq!(call(&["-H", JSON, "--data", &good, &with_query]).0, 400);
    assert_eq!(call(&[&server.url_for("/v1/auth/token")]).0, 404);
    assert_eq!(
        call(&["-H", "Authorization: Bearer forged", &server.resource_url()]).0,
        401
    );
}

#[test]
fn fake_pipeline_lbm_is_strict() {
    let server = FakeServer::start(FakeLbm::new(LBM_ID, LBM_SECRET, TENANT));
    let url = server.token_url();
    let raw = format!("Authorization: {}", basic_header(LBM_ID, LBM_SECRET));
    let rfc = format!(
        "Authorization: {}",
        basic_header_rfc6749(LBM_ID, LBM_SECRET)
    );
    let form = "grant_type=client_credentials&scope=LBMPublicAPI.Customer.lbmsales&aud=pipeline_lbm_public_api";
    assert_eq!(call(&["-H", &raw, "--data", form, &url]).0, 200);
    let body_creds = format!("{form}&client_id={LBM_ID}&client_secret=x");
    for (args, status, error) in [
        // RFC 6749 §2.3.1 encoding changes this secret: not what the doc does.
        (
            vec!["-H", rfc.as_str(), "--data", form, url.as_str()],
            401,
            "invalid_client",
        ),
        (
            vec!["--data", body_creds.as_str(), url.as_str()],
            400,
            "invalid_request",
        ),
        (
            vec!["-H", raw.as_str(), url.as_str()],
            405,
            "invalid_request",
        ),
        (
            vec![
                "-H",
                raw.as_str(),
                "-H",
                JSON,
                "--data",
                r#"{"grant_type":"client_credentials"}"#,
                url.as_str(),
            ],
            400,
            "invalid_request",
        ),
        (
            vec![
                "-H",
                raw.as_str(),
                "--data",
                "grant_type=client_credentials&scope=LBMPublicAPI.Customer.lbmsales",
                url.as_str(),
            ],
            400,
            "invalid_request",
        ),
        (
            vec![
                "-H",
                raw.as_str(),
                "--data",
                "grant_type=client_credentials&scope=lbmpublicapi.customer.lbmsales&aud=pipeline_lbm_public_api",
                url.as_str(),
            ],
            400,
            "invalid_scope",
        ),
        (
            vec![
                "-H",
                raw.as_str(),
                "--data",
                "grant_type=password&scope=LBMPublicAPI.Customer.lbmsales&aud=pipeline_lbm_public_api",
                url.as_str(),
            ],
            400,
            "unsupported_grant_type",
        ),
    ] {
        let (got, body) = call(&args);
        assert_eq!(got, status, "{args:?}: {body}");
        assert!(body.contains(error), "{args:?}: {body}");
    }
    let extra = format!("{form}&resource=x");
    assert_eq!(call(&["-H", &raw, "--data", &extra, &url]).0, 400);
    let token = server.last_access_token().unwrap();
    let auth = bearer(&token);
    assert_eq!(
        call(&["-H", &auth, "-H", "X-Customer: other", &server.jobs_url()]).0,
        403
    );
    assert_eq!(
        call(&["-H", "X-Customer: lbmsales", &server.jobs_url()]).0,
        401
    );
    assert_eq!(
        call(&[
            "-H",
            &auth,
            "-H",
            "X-Customer: lbmsales",
            &server.jobs_url()
        ])
        .0,
        200
    );
}

#[test]
fn fake_primaerp_is_strict_and_counts_refresh_reuse() {
    let server = erp_server();
    let login = format!("{}?apikey={API_KEY}", server.url_for("/v1/auth/login"));
    let user = format!("{ERP_USER}:{ERP_PASSWORD}");
    let (status, body) = call(&["-u", &user, &login]);
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        answer["expiration"].as_str().unwrap().ends_with("+0100)/"),
        "{body}"
    );
    let secret_key = format!("{SECRET_KEY}:");
    assert_eq!(call(&["-u", &secret_key, &login]).0, 200);

    let no_key = server.url_for("/v1/auth/login");
    let wrong_case = format!("{no_key}?apiKey={API_KEY}");
    let in_query = format!("{login}&username={ERP_USER}");
    let key_and_pw = format!("{SECRET_KEY}:pw");
    for (args, status) in [
        (vec!["-u", user.as_str(), "-X", "POST", login.as_str()], 405),
        (vec!["-u", user.as_str(), no_key.as_str()], 401),
        (vec!["-u", user.as_str(), wrong_case.as_str()], 400),
        (vec![login.as_str()], 401),
        (vec!["-u", user.as_str(), in_query.as_str()], 400),
        (vec!["-u", key_and_pw.as_str(), login.as_str()], 401),
    ] {
        let (got, body) = call(&args);
        assert_eq!(got, status, "{args:?}: {body}");
        assert!(body.contains("\"message\""), "{args:?}: {body}");
    }

    // A refresh token works once; the second use is refused and counted.
    let rt = answer["refreshToken"].as_str().unwrap();
    let refresh = format!(
        "{}?apikey={API_KEY}&refresh_token={rt}",
        server.url_for("/v1/auth/refreshtoken")
    );
    assert_eq!(call(&[&refresh]).0, 200);
    assert_eq!(call(&[&refresh]).0, 401);
    let c = server.counters();
    assert_eq!((c.refreshes, c.refresh_reuse), (1, 1), "{c:?}");

    let token = answer["token"].as_str().unwrap();
    assert_eq!(call(&["-H", &bearer(token), &server.projects_url()]).0, 401);
    assert_eq!(projects(&server, "token=forged"), 401);
}

#[test]
fn fake_lrs_connect_is_strict() {
    let server = FakeServer::start(FakeLrs::new(LRS_USER, LRS_PASSWORD));
    let url = server.url_for("/rest/v4/oauth/token");
    let good = r#"{"scope":"OFFLINE_ACCESS","userName":"jane.doe","password":"pa\"ss\\word","grantType":"PASSWORD"}"#;
    let (status, body) = call(&["-H", JSON, "--data", good, &url]);
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["expiresIn"], "3600");
    for (args, status, says) in [
        (vec!["--data", good, url.as_str()], 415, "application/json"),
        (vec![url.as_str()], 405, "POST"),
        (
            vec![
                "-H",
                JSON,
                "--data",
                r#"{"scope":"OFFLINE_ACCESS","username":"jane.doe","password":"x","grantType":"PASSWORD"}"#,
                url.as_str(),
            ],
            400,
            "username",
        ),
        (
            vec![
                "-H",
                JSON,
                "--data",
                r#"{"scope":"OFFLINE_ACCESS","userName":"jane.doe","password":"x","grantType":"PASSWORD","clientId":"a"}"#,
                url.as_str(),
            ],
            400,
            "clientId",
        ),
        (
            vec![
                "-H",
                JSON,
                "--data",
                r#"{"scope":"offline_access","userName":"jane.doe","password":"pa\"ss\\word","grantType":"PASSWORD"}"#,
                url.as_str(),
            ],
            400,
            "INVALID_SCOPE",
        ),
        (
            vec![
                "-H",
                JSON,
                "--data",
                r#"{"scope":"OFFLINE_ACCESS","userName":"jane.doe","password":"x","grant_type":"PASSWORD"}"#,
                url.as_str(),
            ],
            400,
            "grantType",
        ),
        (
            vec![
                "-H",
                JSON,
                "--data",
                r#"{"grantType":"password"}"#,
                url.as_str(),
            ],
            400,
            "UNSUPPORTED_GRANT_TYPE",
        ),
        (
            vec!["-H", JSON, "-u", "jane.doe:x", "--data", good, url.as_str()],
            400,
            "JSON body",
        ),
        (
            vec![
                "-H",
                JSON,
                "--data",
                r#"{"scope":"OFFLINE_ACCESS","userName":"jane.doe","password":"x","grantType":"PASSWORD"}"#,
                url.as_str(),
            ],
            401,
            "INVALID_CREDENTIALS",
        ),
        (
            vec![
                "-H",
                JSON,
                "--data",
                r#"{"grantType":"REFRESH_TOKEN","refreshToken":"forged"}"#,
                url.as_str(),
            ],
            400,
            "INVALID_GRANT",
        ),
    ] {
        let (got, body) = call(&args);
        assert_eq!(got, status, "{args:?}: {body}");
        assert!(body.contains(says), "{args:?}: {body}");
    }
    let rt = answer["refreshToken"].as_str().unwrap();
    let refresh = format!(r#"{{"grantType":"REFRESH_TOKEN","refreshToken":"{rt}"}}"#);
    assert_eq!(call(&["-H", JSON, "--data", &refresh, &url]).0, 200);
    assert_eq!(
        call(&["-H", "Authorization: Bearer forged", &server.me_url()]).0,
        401
    );
}
