//! Black-box tests of the four vendor providers against their strict fakes:
//! the token works against the vendor's protected endpoint, is cached,
//! renews the vendor's way, and wrong credentials exit 6 with nothing on
//! stdout. Secrets come from `*_env`; refresh tokens go to the file store.
//!
//! Staleness is forced without sleeping: a fake issues one token with a
//! zero lifetime (already expired when authtool next looks), then normal
//! ones again.

use crate::support::*;

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

/// `authtool token`: succeeds quietly; the bare token.
fn token(env: &TestEnv) -> String {
    env.case(["token"]).run().success().stderr("").line()
}

fn bearer(token: &str) -> String {
    format!("Authorization: Bearer {token}")
}

/// `token --format json` for `profile`: stdout (`expires_in` as `[SECS]`,
/// the token as `[TOKEN]`) with the token sent as `headers` and `query`.
fn token_json_transcript(env: &TestEnv, profile: &str, headers: &str, query: &str) {
    env.case(["token", "--format", "json"])
        .filter_regex(r#""expires_in": \d+"#, "\"expires_in\": [SECS]")
        .run()
        .success()
        .stdout(format!(
            "{{\n  \"access_token\": \"[TOKEN]\",\n  \"expires_at\": \"[TIME]\",\n  \"expires_in\": [SECS],\n  \"headers\": {headers},\n  \"profile\": \"{profile}\",\n  \"query\": {query},\n  \"token_type\": \"Bearer\"\n}}\n"
        ))
        .stderr("");
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
    env.filter(&first, "[TOKEN]");
    let api = curl(&["-H", &bearer(&first), &server.resource_url()]);
    assert_eq!(api.status, 200, "{api:?}");
    assert_eq!(api.json()["data"]["clientid"], CE_ID);

    // Cached: no request at all; expiry came from the JWT's `exp`.
    env.case(["token"])
        .run()
        .success()
        .stdout("[TOKEN]\n")
        .stderr("");
    env.case(["header"])
        .run()
        .success()
        .stdout("Authorization: Bearer [TOKEN]\n")
        .stderr("");
    let j = env.token_json();
    let left = j["expires_in"].as_u64().unwrap();
    assert!((3500..=3600).contains(&left), "{j}");
    assert_eq!(server.counters().login_requests, 1);

    // No refresh token: an expired token is renewed by logging in again.
    env.case(["token", "--min-ttl", "2h"])
        .run()
        .success()
        .stderr("authtool: warning: profile 'ce': the server issues tokens valid for [DURATION], less than --min-ttl 2h 0m\n");
    env.expire_cached_tokens();
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
    env.case(["token"])
        .run()
        .code(6)
        .stdout("")
        .stderr("authtool: error: http://127.0.0.1:[PORT]/v1/auth/login answered HTTP 401: INVALID_CREDENTIALS: Invalid clientid or secret\n\
             hint: check `client_id` and the client secret (`authtool login ce` stores it); development and production have separate credentials\n")
        .hides(&["wrong-one"]);
    env.case(["header"])
        .run()
        .code(6)
        .stdout("")
        .stderr("authtool: error: http://127.0.0.1:[PORT]/v1/auth/login answered HTTP 401: INVALID_CREDENTIALS: Invalid clientid or secret\n\
             hint: check `client_id` and the client secret (`authtool login ce` stores it); development and production have separate credentials\n")
        .hides(&["wrong-one"]);
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
    // The retries back off with jitter: how many fit in 2 s varies.
    let dev_login = "https://lfs-connect-enterprise-api-dev-h7ekhqc6g0g2greg.centralus-01.azurewebsites.net/v1/auth/login";
    env.case(["-v", "token"])
        .filter(dev_login, "[DEV_LOGIN]")
        .filter_regex(
            r"(authtool: could not connect; retrying in \[DELAY\] \(backing off\)\nauthtool: POST \[DEV_LOGIN\] \(attempt \d\)\n)+",
            "[RETRIES]\n",
        )
        .filter_regex(r"after \d attempts", "after [N] attempts")
        .run()
        .code(5)
        .stdout("")
        .stderr(
            "authtool: profile 'ce': the cached token was issued for other settings; not using it\n\
             authtool: profile 'ce': no cached token for this profile's current settings\n\
             authtool: profile 'ce': the cached token was issued for other settings; not using it\n\
             authtool: profile 'ce': logging in at [DEV_LOGIN]\n\
             authtool: HTTPS_PROXY=http://127.0.0.1:[PORT]/ is used for lfs-connect-enterprise-api-dev-h7ekhqc6g0g2greg.centralus-01.azurewebsites.net\n\
             authtool: POST [DEV_LOGIN] (attempt 1)\n\
             [RETRIES]\n\
             authtool: error: cannot connect to [DEV_LOGIN] (after [N] attempts): client error (Connect): tunnel error: failed to create underlying connection: tcp connect error: Connection refused (os error 111)\n\
             hint: check the URL, your network and proxy settings (HTTPS_PROXY, NO_PROXY)\n",
        )
        .hides(&[CE_DEV_SECRET, &again]);
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

    let header = env.case(["header"]).run();
    let t = server.last_access_token().unwrap();
    env.filter(&t, "[TOKEN]");
    let header = header
        .token(&t)
        .success()
        .stdout("Authorization: Bearer [TOKEN]\nX-Customer: lbmsales\n")
        .stderr("")
        .into_output();
    env.case(["token"]).run().success().stdout("[TOKEN]\n");
    // The Public API wants both headers: piped from `header` they work …
    let jobs = curl_with_stdin(&["-H", "@-", &server.jobs_url()], &header.stdout);
    assert_eq!(jobs.status, 200, "{jobs:?}");
    // … and the bearer token alone is not enough.
    assert_eq!(curl(&["-H", &bearer(&t), &server.jobs_url()]).status, 400);

    let j = env.token_json();
    assert!(j["expires_in"].as_u64().unwrap() > 86_000, "{j}");
    token_json_transcript(
        &env,
        "lbm",
        "{\n    \"Authorization\": \"Bearer [TOKEN]\",\n    \"X-Customer\": \"lbmsales\"\n  }",
        "{}",
    );
    env.case(["token", "--format", "curl"])
        .run()
        .success()
        .stdout("header = \"Authorization: Bearer [TOKEN]\"\nheader = \"X-Customer: lbmsales\"\n")
        .stderr("");
    assert_eq!(server.counters().token_requests, 1);
}

#[test]
fn pipeline_lbm_renews_by_logging_in_again() {
    let server = FakeServer::start(FakeLbm::new(LBM_ID, LBM_SECRET, TENANT).lifetime_secs(86_399));
    let env = env_with(&lbm_config(&server, TENANT), &[("LBM_SECRET", LBM_SECRET)]);
    let first = token(&env);
    env.expire_cached_tokens();
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
    env.case(["header"])
        .run()
        .code(6)
        .stdout("")
        .stderr("authtool: error: http://127.0.0.1:[PORT]/common/oauth2/v1.0/token answered HTTP 401: invalid_client (Invalid client credentials)\n\
             hint: the client id or client secret is wrong: check client_id and run `authtool login` to store the right secret\n")
        .hides(&["nope"]);
    // A tenant the app registration does not include.
    let env = env_with(
        &lbm_config(&server, "othertenant"),
        &[("LBM_SECRET", LBM_SECRET)],
    );
    env.case(["token"])
        .run()
        .code(6)
        .stdout("")
        .stderr("authtool: error: http://127.0.0.1:[PORT]/common/oauth2/v1.0/token answered HTTP 400: invalid_scope (the app registration does not include tenant `othertenant`)\n\
             hint: check `scope` in the profile\n")
        .hides(&[LBM_SECRET]);
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
    let env = env_with_erp_token(&server);
    let t = server.last_access_token().unwrap();
    assert_eq!(projects(&server, &format!("token={t}")), 200);
    // The token in a header is refused by the API.
    assert_eq!(
        curl(&["-H", &bearer(&t), &server.projects_url()]).status,
        401
    );

    // Cached: no request.
    env.case(["token"])
        .run()
        .success()
        .stdout("[TOKEN]\n")
        .stderr("");
    // /Date(ms+0100)/: the milliseconds are UTC, the zone is ignored.
    let left = env.token_json()["expires_in"].as_u64().unwrap();
    assert!((3500..=3600).contains(&left), "{left}");
    token_json_transcript(&env, "erp", "{}", "{\n    \"token\": \"[TOKEN]\"\n  }");
    env.case(["token", "--format", "curl"])
        .run()
        .success()
        .stdout("url-query = \"+token=[TOKEN]\"\n")
        .stderr("");
    // `header` has nothing to print: exit 2 and a hint, stdout empty.
    env.case(["header"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: profile 'erp' (primaerp) passes the token as a URL query parameter, not a header\n\
             hint: use `authtool token --format query -p erp` and append it to the URL (or --format curl for curl -K -)\n")
        .hides(&[&t]);

    let c = server.counters();
    assert_eq!((c.login_requests, c.refresh_requests), (1, 0), "{c:?}");
}

/// The `erp` profile after `token --format query`, whose token it prints
/// (shown as `[TOKEN]` from now on).
fn env_with_erp_token(server: &FakeServer<FakePrimaerp>) -> TestEnv {
    let env = erp_env(server, "");
    let ran = env.case(["token", "--format", "query"]).run();
    env.filter(server.last_access_token().unwrap(), "[TOKEN]");
    ran.token(server.last_access_token().unwrap())
        .success()
        .stdout("token=[TOKEN]\n")
        .stderr("");
    env
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
    let ran = env.case(["token", "--format", "query"]).run();
    let query = ran
        .token(server.last_access_token().unwrap())
        .success()
        .stdout("token=[TOKEN]\n")
        .stderr("")
        .line();
    assert_eq!(projects(&server, &query), 200);
    assert_eq!(server.counters().logins, 1);
}

#[test]
fn primaerp_renews_with_each_single_use_refresh_token_once() {
    let server = erp_server();
    let env = erp_env(&server, "");
    let mut seen = vec![token(&env)];
    // Each round: the token is expired, so the newest refresh token is
    // spent once; the old one is never sent again.
    for round in 1..=3 {
        env.expire_cached_tokens();
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
    server.with_vendor(|v| v.refresh_lifetime_secs = 0);
    let env = erp_env(&server, "");
    token(&env);
    env.expire_cached_tokens();
    token(&env);
    let c = server.counters();
    assert_eq!((c.logins, c.refresh_requests), (2, 0), "{c:?}");
}

#[test]
fn primaerp_lost_refresh_answer_never_resends_the_refresh_token() {
    let server = erp_server();
    let env = erp_env(&server, "timeout = \"1s\"\n");
    token(&env);
    env.expire_cached_tokens();
    server.assert_lost_refresh_is_never_resent(&env);
}

#[test]
fn primaerp_wrong_credentials_exit_6() {
    let server = erp_server();
    let env = erp_env(&server, "");
    env.case(["token"])
        .env("ERP_PASSWORD", "wrong pw")
        .run()
        .code(6)
        .stdout("")
        .stderr("authtool: error: http://127.0.0.1:[PORT]/v1/auth/login answered HTTP 401: Invalid user name, password or secret key\n\
             hint: check `username`, the password and the API key (`authtool login erp` stores them)\n")
        .hides(&["wrong pw", API_KEY]);
    env.case(["token", "--format", "query"])
        .env("ERP_API_KEY", "bad-key")
        .run()
        .code(6)
        .stdout("")
        .stderr("authtool: error: http://127.0.0.1:[PORT]/v1/auth/login answered HTTP 401: Invalid API key\n\
             hint: check `username`, the password and the API key (`authtool login erp` stores them)\n")
        .hides(&["bad-key", ERP_PASSWORD]);
    assert_eq!(server.counters().logins, 0);
}

#[test]
fn primaerp_fifty_processes_on_an_expired_token_refresh_exactly_once() {
    let server = erp_server();
    let env = erp_env(&server, "");
    token(&env);
    env.expire_cached_tokens();
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
    let server = FakeServer::start(FakeLrs::new(LRS_USER, LRS_PASSWORD));
    let env = lrs_env(&server, "");
    let first = token(&env);
    env.expire_cached_tokens();

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
    let j = env.token_json();
    assert!(
        (3500..=3600).contains(&j["expires_in"].as_u64().unwrap()),
        "{j}"
    );
    assert_eq!(server.counters().token_requests, 2);
}

#[test]
fn lrs_connect_inactive_account_exits_6_with_the_servers_message() {
    let server = FakeServer::start(FakeLrs::new(LRS_USER, LRS_PASSWORD));
    let env = lrs_env(&server, "");
    server.with_vendor(|v| v.set_active(LRS_USER, false));
    env.case(["token"])
        .run()
        .code(6)
        .stdout("")
        .stderr("authtool: error: http://127.0.0.1:[PORT]/rest/v4/oauth/token answered HTTP 403: ACCOUNT_INACTIVE: The account 'jane.doe' is inactive\n\
             hint: check `username` and the password (`authtool login lrs` stores it); LRS Connect refuses inactive accounts\n")
        .hides(&[LRS_PASSWORD]);

    // Deactivated after a login: the refresh is refused, the login too.
    server.with_vendor(|v| v.set_active(LRS_USER, true));
    token(&env);
    env.expire_cached_tokens();
    server.with_vendor(|v| v.set_active(LRS_USER, false));
    env.case(["token"])
        .run()
        .code(6)
        .stdout("")
        .stderr("authtool: error: http://127.0.0.1:[PORT]/rest/v4/oauth/token answered HTTP 403: ACCOUNT_INACTIVE: The account 'jane.doe' is inactive\n\
             hint: check `username` and the password (`authtool login lrs` stores it); LRS Connect refuses inactive accounts\n")
        .hides(&[LRS_PASSWORD]);
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
    let env = lrs_env(&server, "");
    env.case(["token"])
        .env("LRS_PASSWORD", "guess")
        .run()
        .code(6)
        .stdout("")
        .stderr("authtool: error: http://127.0.0.1:[PORT]/rest/v4/oauth/token answered HTTP 401: INVALID_CREDENTIALS: Invalid user name or password\n\
             hint: check `username` and the password (`authtool login lrs` stores it); LRS Connect refuses inactive accounts\n")
        .hides(&["guess"]);
}

#[test]
fn lrs_connect_refresh_none_logs_in_again() {
    let server = FakeServer::start(FakeLrs::new(LRS_USER, LRS_PASSWORD));
    let env = lrs_env(&server, "refresh = \"none\"\n");
    token(&env);
    env.expire_cached_tokens();
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
