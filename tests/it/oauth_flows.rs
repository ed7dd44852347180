//! People logging in: the browser (authorization code + PKCE on a loopback
//! redirect) and device flows of the `oauth2` provider, discovery from
//! `issuer`, and who may be asked. Against the real OpenID Certified server
//! (`oidc-provider`, tests named `oidc_provider_*`, ignored when node or its
//! modules are missing) and, for what a real server cannot be made to do,
//! against the strict fake ([`FakeOidc`]).

use crate::support::oidc::{self, OidcServer};
use crate::support::oidc_fake::{self, FakeOidc};
use crate::support::*;
use std::io::{BufRead, BufReader};
use std::time::Duration;

/// A profile `name` of `grant` at `issuer`.
fn person_profile(name: &str, issuer: &str, grant: &str, client_id: &str, extra: &str) -> String {
    format!(
        "[profiles.{name}]\nprovider = \"oauth2\"\nissuer = \"{issuer}\"\ngrant = \"{grant}\"\n\
         client_id = \"{client_id}\"\nscope = \"openid offline_access\"\n{extra}"
    )
}

/// An environment with the `file` secret store (no keychain here).
fn person_env(config: &str) -> TestEnv {
    let mut env = TestEnv::new();
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    env.write_config(config);
    env
}

/// The random parts of an authorization URL, as placeholders.
fn url_filters(case: Case<'_>) -> Case<'_> {
    case.filter_regex(r"state=[A-Za-z0-9_-]+", "state=[STATE]")
        .filter_regex(r"nonce=[A-Za-z0-9_-]+", "nonce=[NONCE]")
        .filter_regex(
            r"code_challenge=[A-Za-z0-9_-]+",
            "code_challenge=[CHALLENGE]",
        )
        .filter_regex(r"%3A\d+%2F", "%3A[PORT]%2F")
}

/// Waits until `file` has `n` lines (a background browser's log).
fn lines_of(file: &std::path::Path, n: usize) -> Vec<String> {
    for _ in 0..200 {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        if lines.len() >= n {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{} never got {n} lines", file.display());
}

/// A browser profile `corp` at the real server, its `$BROWSER` the person
/// (who approves); and the file that counts the browser tabs.
fn oidc_browser_env(op: &OidcServer) -> (TestEnv, std::path::PathBuf) {
    let mut env = person_env(&person_profile(
        "corp",
        op.issuer(),
        "authorization_code",
        oidc::NATIVE_CLIENT,
        "",
    ));
    let tabs = env.root().join("tabs");
    let log = env.root().join("person.log");
    env.set_env("BROWSER", oidc::browser());
    for (k, v) in oidc::person_env("approve", &tabs, &log) {
        env.set_env(k, v);
    }
    (env, tabs)
}

/// The test server itself: discovery names its issuer, and the person
/// script walks a device login to its end.
#[test]
#[ignore = "needs node and tests/oidc/node_modules (npm ci)"]
fn oidc_provider_test_server_and_person() {
    let op = OidcServer::start();
    let meta = curl(&[&format!("{}/.well-known/openid-configuration", op.issuer())]);
    assert_eq!(meta.field("issuer"), op.issuer());
    let device_auth = meta.field("device_authorization_endpoint");
    let answer = curl(&[
        "-d",
        "client_id=authtool-device",
        "-d",
        "scope=openid",
        &device_auth,
    ]);
    let (uri, code) = (answer.field("verification_uri"), answer.field("user_code"));
    if let Err(e) = oidc::confirm_device(&uri, &code) {
        panic!(
            "the person could not confirm the code: {e}\nserver: {:#?}",
            op.log()
        );
    }
    let token = curl(&[
        "-d",
        "grant_type=urn:ietf:params:oauth:grant-type:device_code",
        "-d",
        &format!("device_code={}", answer.field("device_code")),
        "-d",
        "client_id=authtool-device",
        &meta.field("token_endpoint"),
    ]);
    assert_eq!(token.status, 200, "{token:?}");
    let id_token = token.field("id_token");
    assert_eq!(jwt_claims(&id_token).expect("a JWT")["sub"], oidc::PERSON);
    assert_eq!(op.requests("POST /token"), 1, "{:?}", op.log());
}

/// `login` with a browser against the real server: discovery, the person's
/// pages, the loopback redirect, the code exchange with PKCE. Then the
/// token is served from the cache (no request at all), renewed with the
/// stored refresh token (no browser, no second discovery), and a script
/// that nobody watches gets exit 3 rather than a browser.
#[test]
#[ignore = "needs node and tests/oidc/node_modules (npm ci)"]
fn oidc_provider_browser_login_end_to_end() {
    let op = OidcServer::start();
    let (env, tabs) = oidc_browser_env(&op);
    url_filters(env.case(["login", "-p", "corp"]))
        .run()
        .success()
        .stdout("")
        .stderr(
            "authtool: profile 'corp': log in with your browser; if it does not open, open this URL:\n  \
             http://127.0.0.1:[PORT]/auth?response_type=code&client_id=authtool-native&redirect_uri=http%3A%2F%2F127.0.0.1%3A[PORT]%2Fcallback&scope=openid+offline_access&prompt=consent&state=[STATE]&nonce=[NONCE]&code_challenge=[CHALLENGE]&code_challenge_method=S256\n\
             authtool: waiting up to 5m 0s for the browser's answer on http://127.0.0.1:[PORT]/callback\n\
             authtool: profile 'corp': logged in (the token expires in [DURATION])\n",
        );
    assert_eq!(lines_of(&tabs, 1).len(), 1);
    assert_eq!(op.requests("GET /.well-known/openid-configuration"), 1);
    assert_eq!(op.requests("POST /token"), 1);

    // Cached: not a single request, not even discovery.
    let token = env
        .case(["token", "-p", "corp"])
        .run()
        .success()
        .stderr("")
        .line();
    let served = op.log().len();
    env.case(["token", "corp"])
        .run()
        .success()
        .stdout(format!("{token}\n"));
    assert_eq!(op.log().len(), served, "a cached token costs no request");

    // The token is the server's: introspection says it is active for alice.
    // (Renewal: past expiry, the refresh token is used; no browser, and the
    // metadata is not fetched again.)
    env.expire_cached_tokens();
    let renewed = env
        .case(["-v", "token", "-p", "corp"])
        .run()
        .success()
        .stderr_is("a renewal with the refresh token", |s| {
            s.contains("using the refresh token") && s.contains("using the cached metadata")
        })
        .line();
    assert_ne!(renewed, token);
    assert_eq!(op.requests("POST /token"), 2);
    assert_eq!(op.requests("GET /.well-known/openid-configuration"), 1);
    assert_eq!(lines_of(&tabs, 1).len(), 1, "no second browser tab");

    // Nobody to ask (stderr is no terminal): exit 3 with the hint, and no
    // browser, once the refresh token is gone.
    env.case(["logout", "-p", "corp"]).run().success();
    env.case(["token", "-p", "corp"])
        .run()
        .code(3)
        .stdout("")
        .stderr(
            "authtool: error: profile 'corp': logging in needs a person (grant = \"authorization_code\"), and nobody can answer here (stderr is not a terminal, or CI / AUTHTOOL_INTERACTIVE=0 is set)\n\
             hint: log in once with: authtool login -p corp\n\
             hint: or allow it here with --interactive or AUTHTOOL_INTERACTIVE=1\n",
        );
    assert_eq!(lines_of(&tabs, 1).len(), 1);
}

/// A device login against the real server: authtool shows the code on
/// stderr, the person enters it on the server's page, authtool's polling
/// gets the token; the refresh token is kept for renewals.
#[test]
#[ignore = "needs node and tests/oidc/node_modules (npm ci)"]
fn oidc_provider_device_login_end_to_end() {
    let op = OidcServer::start();
    let env = person_env(&person_profile(
        "tv",
        op.issuer(),
        "device_code",
        oidc::DEVICE_CLIENT,
        "",
    ));
    let mut child = env.spawn(&["login", "-p", "tv"]);
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut shown = String::new();
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 && !line.starts_with("authtool: waiting") {
        shown.push_str(&line);
        line.clear();
    }
    shown.push_str(&line);
    let code = shown
        .split("enter the code ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .expect("a user code on stderr")
        .to_string();
    let uri = format!("{}/device", op.issuer());
    oidc::confirm_device(&uri, &code).expect("the person confirms the code");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{shown}{rest}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    let mut filters = Filters::standard(env.root());
    filters.literal(code.clone(), "[CODE]");
    assert_eq!(
        filters.apply(&format!("{shown}{rest}")),
        "authtool: profile 'tv': to log in, open http://127.0.0.1:[PORT]/device and enter the code [CODE]\n\
         authtool: or open http://127.0.0.1:[PORT]/device?user_code=[CODE]\n\
         authtool: waiting up to 5m 0s for the login\n\
         authtool: profile 'tv': logged in (the token expires in [DURATION])\n"
    );
    // Polled no faster than the server's interval (5 s by default): one
    // or two polls for a person who answered within a second or two.
    assert!(op.requests("POST /token") <= 2, "{:?}", op.log());
    // Renewal with the refresh token, no person needed.
    env.case(["refresh", "-p", "tv"]).run().success();
    assert_eq!(op.requests("POST /device/auth"), 1);
}

/// Five processes that all need a login at once: one browser tab, one
/// login at the server, and the same token for all five (the interactive
/// login runs under the profile's single-flight lock).
#[test]
#[ignore = "needs node and tests/oidc/node_modules (npm ci)"]
fn oidc_provider_parallel_callers_open_one_tab() {
    let op = OidcServer::start();
    let (env, tabs) = oidc_browser_env(&op);
    let outputs = env.run_concurrently(5, &["token", "-p", "corp", "--interactive"]);
    let tokens: Vec<String> = outputs
        .iter()
        .map(|o| {
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            String::from_utf8_lossy(&o.stdout).trim().to_string()
        })
        .collect();
    assert!(tokens.iter().all(|t| *t == tokens[0]), "{tokens:?}");
    assert_eq!(lines_of(&tabs, 1).len(), 1, "one browser tab");
    assert_eq!(op.requests("GET /auth "), 1, "{:#?}", op.log());
    assert_eq!(op.requests("POST /token"), 1, "{:#?}", op.log());
}

// ---- against the strict fake ----------------------------------------------

/// A browser profile against the fake, with the fake browser in `mode`.
fn fake_browser_env(server: &FakeServer<FakeOidc>, mode: &str, extra: &str) -> TestEnv {
    let mut env = person_env(&person_profile(
        "corp",
        &server.url(),
        "authorization_code",
        oidc_fake::CLIENT,
        extra,
    ));
    let browser = oidc_fake::browser_script(env.root());
    let log = env.root().join("browser.log");
    env.set_env("BROWSER", browser)
        .set_env("FAKE_BROWSER", mode)
        .set_env("FAKE_BROWSER_LOG", log);
    env
}

/// The stderr of a browser login up to the wait, with the fake's URLs.
const FAKE_BROWSER_START: &str = "authtool: profile 'corp': log in with your browser; if it does not open, open this URL:\n  \
    http://127.0.0.1:[PORT]/authorize?response_type=code&client_id=fake-cli&redirect_uri=http%3A%2F%2F127.0.0.1%3A[PORT]%2Fcallback&scope=openid+offline_access&prompt=consent&state=[STATE]&nonce=[NONCE]&code_challenge=[CHALLENGE]&code_challenge_method=S256\n";

#[test]
fn browser_login_refused_by_the_person_is_exit_6_and_stores_nothing() {
    let server = FakeServer::start(FakeOidc::new());
    let env = fake_browser_env(&server, "deny", "");
    url_filters(env.case(["login", "-p", "corp"]))
        .run()
        .code(6)
        .stdout("")
        .stderr(format!(
            "{FAKE_BROWSER_START}\
             authtool: waiting up to 5m 0s for the browser's answer on http://127.0.0.1:[PORT]/callback\n\
             authtool: error: profile 'corp': the authorization server refused the login (access_denied: The person said no)\n\
             hint: run `authtool login -p corp` again and allow the access\n"
        ));
    assert_eq!(lines_of(&env.root().join("browser.log"), 1), ["deny 200"]);
    assert!(server.requests_to("/token").is_empty());
    assert!(!env.cache_dir().join("tokens/corp.json").exists());
}

/// Another path, a forged `state`, no `state`: each refused (404, 400,
/// 400) while the login waits on; then `login_timeout` ends it (exit 3),
/// nothing is stored, and the listener is gone.
#[test]
fn browser_callbacks_with_a_wrong_state_or_path_are_refused_until_the_timeout() {
    let server = FakeServer::start(FakeOidc::new());
    let env = fake_browser_env(&server, "hostile", "login_timeout = \"3s\"\n");
    let ran = url_filters(env.case(["login", "-p", "corp"])).run();
    let log = lines_of(&env.root().join("browser.log"), 3);
    assert_eq!(
        log,
        ["other-path 404", "wrong-state 400", "missing-state 400"]
    );
    // A callback after the timeout finds nobody: the listener is gone.
    let raw = ran.stderr_text();
    let port: u16 = raw
        .split("answer on http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .expect("the listener's port on stderr");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    ran.code(3).stdout("").stderr(format!(
        "{FAKE_BROWSER_START}\
         authtool: waiting up to 3s for the browser's answer on http://127.0.0.1:[PORT]/callback\n\
         authtool: warning: profile 'corp': refused an answer on the loopback listener whose `state` is wrong (not from this login)\n\
         authtool: warning: profile 'corp': refused an answer on the loopback listener whose `state` is missing (not from this login)\n\
         authtool: error: profile 'corp': no answer from the browser within 3s (login_timeout)\n\
         hint: run `authtool login -p corp` again and finish the login in the browser\n\
         hint: or raise `login_timeout` in the profile\n"
    ));
    assert!(server.requests_to("/token").is_empty());
    assert!(!env.cache_dir().join("tokens/corp.json").exists());
}

/// The first callback with the right state logs in; a second one finds
/// the listener closed.
#[test]
fn a_second_callback_finds_the_listener_closed() {
    let server = FakeServer::start(FakeOidc::new());
    let env = fake_browser_env(&server, "twice", "");
    env.case(["login", "-p", "corp"]).run().success();
    let log = lines_of(&env.root().join("browser.log"), 2);
    assert_eq!(log, ["first 200", "second 000"]);
    assert_eq!(server.requests_to("/token").len(), 1);
    env.case(["token", "-p", "corp"])
        .run()
        .success()
        .stdout("fake-access-1\n");
}

/// A browser gets none of the profile's secret variables (here a
/// confidential client's secret, from `$CORP_SECRET`).
#[test]
fn the_browser_gets_no_secret_variables() {
    let server = FakeServer::start(FakeOidc::new());
    let mut env = fake_browser_env(
        &server,
        "twice",
        "client_auth = \"body\"\nclient_secret_env = \"CORP_SECRET\"\n",
    );
    env.set_env("CORP_SECRET", "corp-secret-value");
    env.case(["login", "-p", "corp"]).run().success();
    lines_of(&env.root().join("browser.log"), 2);
    let seen = std::fs::read_to_string(env.root().join("browser.log.env")).unwrap();
    assert_eq!(seen, "CORP_SECRET=unset\n");
    let form = server.requests_to("/token")[0].body_text().into_owned();
    assert!(form.contains("client_secret=corp-secret-value"), "{form}");
}

/// `token`, `header`, `exec` and the credential helpers ask a person only
/// when one can answer; otherwise exit 3 before any request.
#[test]
fn a_person_is_asked_only_when_one_can_answer() {
    let server = FakeServer::start(FakeOidc::new());
    let mut env = fake_browser_env(&server, "deny", "");
    let refused = "authtool: error: profile 'corp': logging in needs a person (grant = \"authorization_code\"), and nobody can answer here (stderr is not a terminal, or CI / AUTHTOOL_INTERACTIVE=0 is set)\n\
         hint: log in once with: authtool login -p corp\n\
         hint: or allow it here with --interactive or AUTHTOOL_INTERACTIVE=1\n";
    for args in [
        &["token", "-p", "corp"][..],
        &["header", "-p", "corp"],
        &["exec", "-p", "corp", "--", "true"],
    ] {
        env.case(args).run().code(3).stdout("").stderr(refused);
    }
    env.case(["git-credential", "-p", "corp", "get"])
        .stdin("protocol=https\nhost=git.example.com\n\n")
        .run()
        .code(3)
        .stdout("")
        .stderr(refused);
    env.set_env("AUTHTOOL_INTERACTIVE", "0");
    env.case(["token", "-p", "corp"])
        .run()
        .code(3)
        .stderr(refused);
    env.remove_env("AUTHTOOL_INTERACTIVE");
    env.set_env("CI", "true");
    env.case(["token", "-p", "corp"])
        .run()
        .code(3)
        .stderr(refused);
    assert_eq!(server.request_count(), 0, "nothing was asked of the server");
    // Allowed (AUTHTOOL_INTERACTIVE=1 wins over CI; --interactive over
    // both): the browser is opened (and this one says no: exit 6).
    env.set_env("AUTHTOOL_INTERACTIVE", "1");
    url_filters(env.case(["token", "-p", "corp"]))
        .run()
        .code(6)
        .stdout("");
    env.set_env("AUTHTOOL_INTERACTIVE", "0");
    url_filters(env.case(["token", "-p", "corp", "--interactive"]))
        .run()
        .code(6)
        .stdout("");
    assert_eq!(lines_of(&env.root().join("browser.log"), 2).len(), 2);
}

/// A device profile against the fake, answering as `fake` says.
fn fake_device_env(server: &FakeServer<FakeOidc>, extra: &str) -> TestEnv {
    person_env(&person_profile(
        "tv",
        &server.url(),
        "device_code",
        oidc_fake::CLIENT,
        extra,
    ))
}

const FAKE_DEVICE_START: &str = "authtool: profile 'tv': to log in, open http://127.0.0.1:[PORT]/activate and enter the code ABCD-EFGH\n";

/// `authorization_pending` then `slow_down`: the polls keep the interval
/// (1 s), then wait 5 s more; never faster.
#[test]
fn device_login_polls_at_the_interval_and_slows_down() {
    let server = FakeServer::start(FakeOidc::new().device_timing(1, 60).device_answers(&[
        "authorization_pending",
        "slow_down",
        "ok",
    ]));
    let env = fake_device_env(&server, "");
    env.case(["login", "-p", "tv"])
        .run()
        .success()
        .stdout("")
        .stderr(format!(
            "{FAKE_DEVICE_START}\
             authtool: waiting up to 1m 0s for the login\n\
             authtool: profile 'tv': logged in (the token expires in [DURATION])\n"
        ));
    let gaps = server.with_vendor(|f| f.poll_gaps());
    assert_eq!(gaps.len(), 2, "{gaps:?}");
    assert!(gaps[0] >= Duration::from_millis(950), "{gaps:?}");
    assert!(
        gaps[1] >= Duration::from_millis(5900),
        "slow_down adds 5 s: {gaps:?}"
    );
    env.case(["token", "-p", "tv"])
        .run()
        .success()
        .stdout("fake-access-1\n");
}

#[test]
fn device_login_refused_is_exit_6_and_an_expired_code_exit_3() {
    let server = FakeServer::start(FakeOidc::new().device_answers(&["access_denied"]));
    let env = fake_device_env(&server, "");
    env.case(["login", "-p", "tv"])
        .run()
        .code(6)
        .stdout("")
        .stderr(format!(
            "{FAKE_DEVICE_START}\
             authtool: waiting up to 5m 0s for the login\n\
             authtool: error: profile 'tv': the device login was refused (access_denied)\n\
             hint: run `authtool login -p tv` again and allow the access\n"
        ));
    server.with_vendor(|f| f.device_answers = ["expired_token".to_string()].into());
    env.case(["token", "-p", "tv", "--interactive"])
        .run()
        .code(3)
        .stdout("")
        .stderr(format!(
            "{FAKE_DEVICE_START}\
             authtool: waiting up to 5m 0s for the login\n\
             authtool: error: profile 'tv': the device code expired before the login was finished (expired_token)\n\
             hint: run `authtool login -p tv` again and enter the new code\n"
        ));
    // The code's own lifetime bounds the wait too.
    server.with_vendor(|f| {
        f.device_answers = ["authorization_pending"; 5].map(String::from).into();
        f.device_expires_in = 2;
    });
    env.case(["login", "-p", "tv"])
        .run()
        .code(3)
        .stderr(format!(
            "{FAKE_DEVICE_START}\
             authtool: waiting up to 2s for the login\n\
             authtool: error: profile 'tv': the device login was not finished within 2s (the code expired)\n\
             hint: run `authtool login -p tv` again and enter the new code\n"
        ));
    assert!(!env.cache_dir().join("tokens/tv.json").exists());
}

/// A discovery document that names another issuer is never used.
#[test]
fn discovery_naming_another_issuer_is_refused() {
    let server = FakeServer::start(FakeOidc::new().naming_issuer("https://evil.example"));
    let env = fake_device_env(&server, "");
    env.case(["login", "-p", "tv"])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: profile 'tv': the metadata at http://127.0.0.1:[PORT]/.well-known/openid-configuration names the issuer `https://evil.example`, not the configured `http://127.0.0.1:[PORT]`\n\
             hint: set `issuer` to exactly the server's issuer identifier (mind a trailing slash); a document naming another issuer is never used\n",
        );
    assert!(server.requests_to("/device").is_empty());
}

/// Discovered endpoints in plain http to a host that is not loopback are
/// refused before anything is sent there.
#[test]
fn discovered_http_endpoints_on_a_remote_host_are_refused() {
    let server = FakeServer::start(FakeOidc::new().with_remote_endpoints());
    let env = fake_device_env(&server, "");
    env.case(["login", "-p", "tv"])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: profile 'tv': the metadata of http://127.0.0.1:[PORT]: `token_endpoint` is http://id.example.com/token: refusing to send credentials over plain http to id.example.com\n\
             hint: use an https:// URL\n\
             hint: or, if you really mean it, set allow_insecure_http = true in the profile\n",
        );
}

/// A server with only RFC 8414 metadata is found there, after OpenID
/// Connect Discovery's 404; the metadata is then cached (a second login
/// fetches nothing).
#[test]
fn discovery_falls_back_to_rfc8414_and_is_cached() {
    let server = FakeServer::start(FakeOidc::new().rfc8414_only());
    let env = fake_device_env(&server, "");
    env.case(["-v", "login", "-p", "tv"])
        .run()
        .success()
        .stderr(
            "authtool: profile 'tv': logging in at http://127.0.0.1:[PORT]\n\
             authtool: profile 'tv': discovering the endpoints at http://127.0.0.1:[PORT]/.well-known/openid-configuration\n\
             authtool: GET http://127.0.0.1:[PORT]/.well-known/openid-configuration (attempt 1)\n\
             authtool: HTTP 404 ([SIZE] bytes)\n\
             authtool: profile 'tv': discovering the endpoints at http://127.0.0.1:[PORT]/.well-known/oauth-authorization-server\n\
             authtool: GET http://127.0.0.1:[PORT]/.well-known/oauth-authorization-server (attempt 1)\n\
             authtool: HTTP 200 ([SIZE] bytes)\n\
             authtool: POST http://127.0.0.1:[PORT]/device (attempt 1)\n\
             authtool: HTTP 200 ([SIZE] bytes)\n\
             authtool: profile 'tv': to log in, open http://127.0.0.1:[PORT]/activate and enter the code ABCD-EFGH\n\
             authtool: waiting up to 5m 0s for the login\n\
             authtool: POST http://127.0.0.1:[PORT]/token (attempt 1)\n\
             authtool: HTTP 200 ([SIZE] bytes)\n\
             authtool: profile 'tv': refresh token kept in the secret store\n\
             authtool: profile 'tv': logged in (the token expires in [DURATION])\n",
        );
    assert_eq!(
        server
            .requests_to("/.well-known/openid-configuration")
            .len(),
        1
    );
    assert_eq!(
        server
            .requests_to("/.well-known/oauth-authorization-server")
            .len(),
        1
    );
    env.case(["logout", "-p", "tv"]).run().success();
    env.case(["login", "-p", "tv"]).run().success();
    assert_eq!(server.requests_to("/device").len(), 2);
    assert_eq!(
        server
            .requests_to("/.well-known/oauth-authorization-server")
            .len(),
        1
    );
}

/// Configured endpoints need no discovery at all.
#[test]
fn explicit_endpoints_win_and_skip_discovery() {
    let server = FakeServer::start(FakeOidc::new().naming_issuer("https://not-used.example"));
    let env = person_env(&format!(
        "[profiles.tv]\nprovider = \"oauth2\"\ngrant = \"device_code\"\nclient_id = \"{}\"\n\
         token_url = \"{}\"\ndevice_authorization_url = \"{}\"\n",
        oidc_fake::CLIENT,
        server.url_for("/token"),
        server.url_for("/device"),
    ));
    env.case(["login", "-p", "tv"]).run().success();
    assert!(
        server
            .requests_to("/.well-known/openid-configuration")
            .is_empty()
    );
}

/// Bad person-login settings are located config errors.
#[test]
fn person_login_config_errors_are_located() {
    let env = person_env(
        "[profiles.a]\nprovider = \"oauth2\"\ngrant = \"device_code\"\nclient_id = \"c\"\ntoken_url = \"https://h/t\"\n",
    );
    env.case(["config", "check"]).run().code(2).stderr(
        "authtool: error: [ROOT]/config/authtool/config.toml: profile 'a': grant = \"device_code\" needs `device_authorization_url`, or `issuer` to discover it\n\
         hint: fix the file, then check it with `authtool config check`\n",
    );
    env.write_config(
        "[profiles.a]\nprovider = \"oauth2\"\ngrant = \"client_credentials\"\nclient_id = \"c\"\nissuer = \"https://h\"\nredirect_port = 8400\n",
    );
    env.case(["config", "check"]).run().code(2).stderr(
        "authtool: error: [ROOT]/config/authtool/config.toml:6: profile 'a': `redirect_port` is only used with grant = \"authorization_code\"\n\
         hint: fix the file, then check it with `authtool config check`\n",
    );
    env.write_config(
        "[profiles.a]\nprovider = \"oauth2\"\ngrant = \"authorization_code\"\nclient_id = \"c\"\nissuer = \"https://h\"\nlogin_timeout = \"soon\"\n",
    );
    env.case(["config", "check"])
        .run()
        .code(2)
        .stderr_is("names login_timeout", |s| {
            s.contains("profile 'a': ") && s.contains("expected a duration")
        });
}
