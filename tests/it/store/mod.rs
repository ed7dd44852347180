//! Black-box tests of the commands around the secret store — `login`,
//! `logout`, `refresh`, `status`, `inspect`, `doctor` — with the explicit
//! `file` store (`$AUTHTOOL_SECRET_STORE=file`) against the strict fake
//! OAuth2 server. The real OS keychain has its own tests ([`keychain`]).
//!
//! No secret comes from the environment here: `login` stores it and every
//! later command finds it in the store.

mod keychain;

use crate::support::*;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Output;

const ID: &str = "store-client";
const SECRET: &str = "s3cret-in-the-store";
const USER: &str = "alice";
const PASSWORD: &str = "pa55-in-the-store";

/// A hermetic env with the file store and an `org` profile (client
/// credentials, secret from the store) pointing at `server`.
fn env_for(server: &FakeServer<FakeOAuth2>, extra: &str) -> TestEnv {
    let mut env = TestEnv::new();
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    env.write_config(&format!(
        "[profiles.org]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{ID}\"\n{extra}",
        server.token_url()
    ));
    env
}

fn run(env: &TestEnv, args: &[&str], stdin: &str) -> Output {
    env.cmd().args(args).write_stdin(stdin).output().unwrap()
}

/// Runs authtool, asserts success, returns (stdout, stderr).
fn ok(env: &TestEnv, args: &[&str], stdin: &str) -> (String, String) {
    let out = run(env, args, stdin);
    assert!(out.status.success(), "{args:?}\n{}", transcript(&out));
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Asserts exit `code`, empty stdout, `needle` on stderr and no secret in
/// the output; returns stderr.
fn fails(env: &TestEnv, args: &[&str], stdin: &str, code: i32, needle: &str) -> String {
    let assert = env
        .cmd()
        .args(args)
        .write_stdin(stdin)
        .assert()
        .fails_cleanly(code)
        .output_hides(&[SECRET, PASSWORD]);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains(needle), "wanted `{needle}`:\n{stderr}");
    stderr
}

/// The file store's JSON (account → value), or an empty object.
fn stored(env: &TestEnv) -> Value {
    std::fs::read_to_string(secrets_file(env))
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or_else(|_| serde_json::json!({}))
}

fn secrets_file(env: &TestEnv) -> PathBuf {
    env.data_dir().join("secrets.json")
}

fn cache_file(env: &TestEnv) -> PathBuf {
    env.cache_dir().join("tokens").join("org.json")
}

#[test]
fn login_stores_the_secret_verifies_it_and_token_uses_it() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = env_for(&server, "");
    let (out, err) = ok(
        &env,
        &["login", "org", "--secret-stdin"],
        &format!("{SECRET}\n"),
    );
    assert_eq!(out, "");
    assert!(
        err.contains("stored client_secret in the file secret store"),
        "{err}"
    );
    assert!(err.contains("verified"), "{err}");
    assert_eq!(server.counters().logins, 1);
    assert_eq!(stored(&env)["org/client_secret"], SECRET);

    // The verifying login's token is cached: `token` makes no request.
    let (token, _) = ok(&env, &["token", "org"], "");
    assert_eq!(token.trim_end(), server.last_access_token().unwrap());
    assert_eq!(server.counters().token_requests, 1);

    // The store is a private file; the cache holds neither secret nor refresh token.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(secrets_file(&env)), 0o600);
        assert_eq!(mode(env.data_dir()), 0o700);
    }
    let cache = std::fs::read_to_string(cache_file(&env)).unwrap();
    let refresh = server.last_refresh_token().unwrap();
    assert!(
        !cache.contains(SECRET) && !cache.contains(&refresh),
        "{cache}"
    );
    assert_eq!(stored(&env)["org/refresh_token"], refresh.as_str());

    // Without --no-cache nothing new; with it, a login with the stored secret.
    ok(&env, &["token", "--no-cache"], "");
    assert_eq!(server.counters().logins, 2);
}

#[test]
fn login_reads_several_secrets_in_the_providers_order() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET).with_user(USER, PASSWORD));
    let env = env_for(
        &server,
        &format!("grant = \"password\"\nusername = \"{USER}\"\n"),
    );
    // client_secret, then password (as `status` lists them); CRLF accepted.
    ok(
        &env,
        &["login", "--secret-stdin"],
        &format!("{SECRET}\r\n{PASSWORD}\r\n"),
    );
    assert_eq!(server.counters().password, 1);
    let s = stored(&env);
    assert_eq!(
        (s["org/client_secret"].as_str(), s["org/password"].as_str()),
        (Some(SECRET), Some(PASSWORD))
    );

    // Too few lines: nothing stored, exit 2, the order in the hint.
    let fresh = env_for(
        &server,
        &format!("grant = \"password\"\nusername = \"{USER}\"\n"),
    );
    let err = fails(
        &fresh,
        &["login", "--secret-stdin"],
        &format!("{SECRET}\n"),
        2,
        "expected 2 lines",
    );
    assert!(err.contains("client_secret, password"), "{err}");
    assert!(!secrets_file(&fresh).exists());
}

#[test]
fn a_rejected_secret_is_not_kept() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = env_for(&server, "");
    // Never stored before: the wrong value is removed again.
    let err = fails(
        &env,
        &["login", "--secret-stdin"],
        "wrong-one\n",
        6,
        "not kept",
    );
    assert!(!err.contains("wrong-one"), "{err}");
    assert!(
        stored(&env).get("org/client_secret").is_none(),
        "{}",
        stored(&env)
    );

    // A good value, then a wrong one: the good one is put back.
    ok(&env, &["login", "--secret-stdin"], &format!("{SECRET}\n"));
    let token = ok(&env, &["token"], "").0;
    fails(
        &env,
        &["login", "--secret-stdin"],
        "wrong-two\n",
        6,
        "not kept",
    );
    assert_eq!(stored(&env)["org/client_secret"], SECRET);
    // The cached token from the good login is still served.
    assert_eq!(ok(&env, &["token"], "").0, token);
    ok(&env, &["token", "--no-cache"], "");

    // --no-verify keeps whatever it is given.
    ok(
        &env,
        &["login", "--secret-stdin", "--no-verify"],
        "unchecked\n",
    );
    assert_eq!(stored(&env)["org/client_secret"], "unchecked");
}

#[test]
fn login_never_prompts_without_a_terminal() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = env_for(&server, "");
    let err = fails(&env, &["login"], "", 3, "stdin is not a terminal");
    assert!(err.contains("--secret-stdin"), "{err}");
    assert_eq!(server.counters().token_requests, 0);
    // A secret that comes from the environment is not asked for at all.
    let mut env = env_for(&server, "client_secret_env = \"ORG_SECRET\"\n");
    env.set_env("ORG_SECRET", SECRET);
    let (_, err) = ok(&env, &["login"], "");
    assert!(err.contains("nothing to store"), "{err}");
    assert!(stored(&env).get("org/client_secret").is_none());
    // Missing stored secret for `token`: exit 3, pointing at login.
    let env = env_for(&server, "");
    fails(&env, &["token"], "", 3, "authtool login org");
}

#[test]
fn refresh_tokens_rotate_in_the_store_and_are_never_reused() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET).lifetime_secs(600));
    let env = env_for(&server, "");
    ok(&env, &["login", "--secret-stdin"], &format!("{SECRET}\n"));
    for round in 1..=2 {
        // `--min-ttl 1h` makes the 10-minute token stale; `refresh` forces it.
        let args: &[&str] = if round == 1 {
            &["token", "--min-ttl", "1h"]
        } else {
            &["refresh"]
        };
        ok(&env, args, "");
        let c = server.counters();
        assert_eq!(
            (c.logins, c.refreshes, c.refresh_reuse),
            (1, round, 0),
            "{c:?}"
        );
        let newest = server.last_refresh_token().unwrap();
        assert_eq!(stored(&env)["org/refresh_token"], newest.as_str());
        assert!(
            !std::fs::read_to_string(cache_file(&env))
                .unwrap()
                .contains(&newest)
        );
    }
    // A server that stops issuing refresh tokens: the spent one is deleted.
    server.with_vendor(|v| v.issue_refresh_tokens = false);
    ok(&env, &["login", "--secret-stdin"], &format!("{SECRET}\n"));
    assert!(
        stored(&env).get("org/refresh_token").is_none(),
        "{}",
        stored(&env)
    );
}

#[test]
fn logout_drops_tokens_and_forget_deletes_stored_secrets() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = env_for(
        &server,
        &format!(
            "\n[profiles.other]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{ID}\"\n",
            server.token_url()
        ),
    );
    ok(
        &env,
        &["login", "org", "--secret-stdin"],
        &format!("{SECRET}\n"),
    );
    ok(
        &env,
        &["login", "other", "--secret-stdin"],
        &format!("{SECRET}\n"),
    );

    // Plain logout: the cached token and its refresh token go, the secret stays.
    let (out, err) = ok(&env, &["logout", "org"], "");
    assert_eq!(out, "");
    assert!(
        err.contains("cached token and refresh token dropped"),
        "{err}"
    );
    assert!(!cache_file(&env).exists());
    let s = stored(&env);
    assert!(
        s.get("org/refresh_token").is_none() && s["org/client_secret"] == SECRET,
        "{s}"
    );
    ok(&env, &["token", "org"], "");
    assert_eq!(server.counters().logins, 3);

    // --forget --all: every profile's secrets and refresh tokens.
    let (_, err) = ok(&env, &["logout", "--all", "--forget"], "");
    assert!(
        err.contains("profile 'org'") && err.contains("profile 'other'"),
        "{err}"
    );
    assert!(
        err.contains("cached token and refresh token dropped; deleted client_secret"),
        "{err}"
    );
    assert_eq!(stored(&env), serde_json::json!({}));
    fails(&env, &["token", "org"], "", 3, "authtool login org");
}

#[test]
fn status_lists_every_profile_without_secrets() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = env_for(
        &server,
        "\n[profiles.broken]\nprovider = \"oauth2\"\ntokn_url = \"https://x\"\n\n[profiles.envy]\nprovider = \"oauth2\"\ntoken_url = \"https://auth.example.com/t\"\nclient_id = \"x\"\nclient_secret_env = \"ENVY_SECRET\"\n",
    );
    let (table, _) = ok(&env, &["status"], "");
    let line = |name: &str| {
        table
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} in\n{table}"))
            .to_string()
    };
    assert!(table.starts_with("PROFILE"), "{table}");
    assert!(
        line("broken").contains("error:") && line("broken").contains("tokn_url"),
        "{table}"
    );
    assert!(
        line("envy").contains("client_secret: env $ENVY_SECRET, missing"),
        "{table}"
    );
    assert!(
        line("org").contains("client_secret: file, missing"),
        "{table}"
    );
    assert!(line("org").contains("none"), "{table}");

    ok(
        &env,
        &["login", "org", "--secret-stdin"],
        &format!("{SECRET}\n"),
    );
    let (table, _) = ok(&env, &["list"], "");
    let org = table.lines().find(|l| l.starts_with("org")).unwrap();
    assert!(org.contains("client_secret: file, present"), "{table}");
    assert!(
        org.contains("expires in 59m") || org.contains("expires in 1h"),
        "{table}"
    );
    assert!(org.trim_end().ends_with("yes"), "{table}");

    let (json, _) = ok(&env, &["status", "--json"], "");
    let doc: Value = serde_json::from_str(&json).unwrap();
    let profiles = doc["profiles"].as_array().unwrap();
    let org = profiles.iter().find(|p| p["name"] == "org").unwrap();
    assert_eq!(org["provider"], "oauth2");
    assert_eq!(org["secrets"][0]["source"], "store");
    assert_eq!(org["secrets"][0]["store"], "file");
    assert_eq!(org["secrets"][0]["present"], true);
    assert_eq!(org["refresh_token"], true);
    assert!(org["token"]["expires_in"].as_u64().unwrap() > 3500);
    assert!(org["token"]["expires_at"].as_str().unwrap().ends_with('Z'));
    let broken = profiles.iter().find(|p| p["name"] == "broken").unwrap();
    assert!(broken["error"].as_str().unwrap().contains("tokn_url"));
    for text in [&table, &json] {
        assert!(!text.contains(SECRET));
        assert!(!text.contains(&server.last_access_token().unwrap()));
    }
}

#[test]
fn inspect_decodes_the_cached_jwt_without_verifying_it() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET).jwt_tokens(true));
    let env = env_for(&server, "scope = \"read write\"\n");
    server.with_vendor(|v| v.expected_scope = Some("read write".into()));
    fails(&env, &["inspect"], "", 3, "authtool token org");

    ok(&env, &["login", "--secret-stdin"], &format!("{SECRET}\n"));
    let (text, _) = ok(&env, &["inspect", "org"], "");
    assert!(text.contains("signature not verified"), "{text}");
    assert!(text.contains("\"sub\""), "{text}");
    assert!(text.contains("scopes:  read write"), "{text}");
    assert!(
        text.contains("expires: ") && (text.contains("(in 59m") || text.contains("(in 1h 0m)")),
        "{text}"
    );
    let token = server.last_access_token().unwrap();
    assert!(!text.contains(&token), "the token itself is never printed");

    let (json, _) = ok(&env, &["inspect", "--json"], "");
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["jwt"], true);
    assert_eq!(doc["signature_verified"], false);
    assert_eq!(doc["claims"], jwt_claims(&token).unwrap());
    assert_eq!(doc["scopes"], serde_json::json!(["read", "write"]));
    assert!(doc["expires_in"].as_u64().unwrap() > 3500);
}

#[test]
fn inspect_says_when_a_token_is_not_a_jwt() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = env_for(&server, "");
    ok(&env, &["login", "--secret-stdin"], &format!("{SECRET}\n"));
    let (text, _) = ok(&env, &["inspect"], "");
    assert!(text.contains("not a JWT"), "{text}");
    let (json, _) = ok(&env, &["inspect", "--json"], "");
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        (doc["jwt"].as_bool(), doc["claims"].is_null()),
        (Some(false), true)
    );
}

#[test]
fn doctor_checks_one_line_each_and_sends_no_credentials() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = env_for(&server, "");
    ok(
        &env,
        &["login", "--secret-stdin", "--no-verify"],
        &format!("{SECRET}\n"),
    );
    let (out, err) = ok(&env, &["doctor"], "");
    assert_eq!(out, "", "the report is diagnostics: stderr");
    for check in [
        "config:",
        "secret store (file): reachable; client_secret stored",
        "trust roots:",
        "proxy:",
        "reachable: TCP connect",
    ] {
        assert!(err.contains(check), "wanted `{check}`:\n{err}");
    }
    assert!(!err.contains("FAIL"), "{err}");
    assert_eq!(server.request_count(), 0, "doctor sends no request");

    // A proxy variable is reported, with its password hidden; NO_PROXY wins.
    let mut proxied = env_for(&server, "");
    proxied.set_env("HTTP_PROXY", "http://user:hunter2@proxy.invalid:3128");
    proxied.set_env("NO_PROXY", "127.0.0.1");
    let (_, err) = ok(&proxied, &["doctor"], "");
    assert!(
        err.contains("NO_PROXY=127.0.0.1 excludes 127.0.0.1"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");

    // Nothing listening: exit 5, stdout empty.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let env = TestEnv::new();
    env.write_config(&format!(
        "[profiles.org]\nprovider = \"oauth2\"\ntoken_url = \"http://127.0.0.1:{port}/t\"\nclient_id = \"x\"\nclient_secret_env = \"NOPE\"\n"
    ));
    let err = fails(&env, &["doctor"], "", 5, "FAIL  profile 'org': reachable");
    assert!(err.contains("checks failed"), "{err}");

    // A broken profile: exit 2.
    env.write_config("[profiles.org]\nprovider = \"oauth2\"\ntokn_url = \"x\"\n");
    fails(&env, &["doctor", "org"], "", 2, "FAIL  profile 'org'");
    // No config at all: exit 2.
    let none = TestEnv::new();
    fails(&none, &["doctor"], "", 2, "FAIL  config");
}

#[test]
fn no_command_shows_a_secret_with_verbose_output() {
    let server = FakeServer::start(
        FakeOAuth2::new(ID, SECRET)
            .with_user(USER, PASSWORD)
            .lifetime_secs(600),
    );
    let env = env_for(
        &server,
        &format!("grant = \"password\"\nusername = \"{USER}\"\n"),
    );
    let stdin = format!("{SECRET}\n{PASSWORD}\n");
    let mut refresh_tokens = Vec::new();
    let mut check = |args: &[&str], token_printed: bool| {
        let mut args = args.to_vec();
        args.push("-v");
        let out = run(&env, &args, &stdin);
        assert!(out.status.success(), "{args:?}\n{}", transcript(&out));
        let token = server.last_access_token().unwrap_or_default();
        refresh_tokens.extend(server.last_refresh_token());
        let mut hidden = vec![SECRET, PASSWORD];
        hidden.extend(refresh_tokens.iter().map(String::as_str));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        for s in &hidden {
            assert!(
                !stdout.contains(s) && !stderr.contains(s),
                "{args:?} leaked {s}\n{}",
                transcript(&out)
            );
        }
        assert!(
            !stderr.contains(&token),
            "{args:?} leaked the token on stderr"
        );
        assert_eq!(stdout.contains(&token), token_printed, "{args:?}\n{stdout}");
    };
    check(&["login", "--secret-stdin"], false);
    check(&["token"], true);
    check(&["header"], true);
    check(&["token", "--min-ttl", "1h"], true);
    check(&["refresh"], false);
    check(&["status"], false);
    check(&["status", "--json"], false);
    check(&["inspect"], false);
    check(&["inspect", "--json"], false);
    check(&["doctor"], false);
    check(&["logout"], false);
    check(&["logout", "--forget"], false);
}
