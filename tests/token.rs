//! Black-box tests of `token`, `header` and `config` against the strict fake
//! OAuth2 server: caching, renewal, single-flight, formats, exit codes.

mod support;

use std::process::Stdio;
use support::*;

const ID: &str = "my-client";
const SECRET: &str = "s3cret:+ %é";

/// A TestEnv with one `oauth2` profile `org` pointing at `server`, the
/// client secret in $ORG_SECRET.
fn env_for(server: &FakeServer<FakeOAuth2>, extra: &str) -> TestEnv {
    let mut env = TestEnv::new();
    env.set_env("ORG_SECRET", SECRET);
    // Refresh tokens go to the secret store; the keychain has its own tests.
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    env.write_config(&format!(
        "[profiles.org]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{ID}\"\nclient_secret_env = \"ORG_SECRET\"\n{extra}",
        server.token_url()
    ));
    env
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn token_is_fetched_then_served_from_cache() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = env_for(&server, "");
    let first = env.cmd().args(["token", "-p", "org"]).output().unwrap();
    assert!(first.status.success(), "{}", transcript(&first));
    let token = stdout(&first);
    assert_eq!(token.trim_end(), server.last_access_token().unwrap());
    assert!(token.ends_with('\n'));
    assert_eq!(server.counters().logins, 1);

    // Cached: zero requests, same token.
    for _ in 0..3 {
        let again = env.cmd().args(["token", "org"]).output().unwrap();
        assert_eq!(stdout(&again), token);
    }
    assert_eq!(server.counters().token_requests, 1);

    // The token works against the protected resource.
    let whoami = curl(&[
        "-H",
        &format!("Authorization: Bearer {}", token.trim_end()),
        &server.whoami_url(),
    ]);
    assert_eq!(whoami.status, 200, "{}", whoami.body);
}

#[test]
fn cache_file_is_private_and_holds_no_client_secret() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = env_for(&server, "");
    env.cmd().args(["token"]).assert().success();
    let dir = env.cache_dir().join("tokens");
    let file = dir.join("org.json");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(SECRET));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&dir), 0o700);
    }
}

#[test]
fn expiry_triggers_exactly_one_refresh_and_rotated_tokens_are_never_reused() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET).lifetime_secs(600));
    let env = env_for(&server, "");
    env.cmd().arg("token").assert().success();
    let mut seen = vec![server.last_access_token().unwrap()];
    // A 10-minute token is stale for --min-ttl 1h: each call renews once,
    // with the newest (rotated) refresh token.
    for round in 1..=3 {
        let out = env
            .cmd()
            .args(["token", "--min-ttl", "1h"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", transcript(&out));
        let token = stdout(&out).trim_end().to_string();
        assert!(
            !seen.contains(&token),
            "round {round}: an old token was served"
        );
        seen.push(token);
        let c = server.counters();
        assert_eq!((c.logins, c.refreshes), (1, round), "{c:?}");
    }
    assert_eq!(server.counters().refresh_reuse, 0);
    // Without --min-ttl the newest token is fresh: no request.
    env.cmd().arg("token").assert().success();
    assert_eq!(server.counters().token_requests, 4);
}

#[test]
fn a_really_expired_token_is_renewed() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET).lifetime_secs(1));
    let env = env_for(&server, "");
    env.cmd().arg("token").assert().success();
    let first = server.last_access_token().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let out = env.cmd().args(["token", "-v"]).output().unwrap();
    assert!(out.status.success(), "{}", transcript(&out));
    assert_ne!(stdout(&out).trim_end(), first);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("renewing"), "{stderr}");
    assert!(stderr.contains("expired"), "{stderr}");
    assert_eq!(server.counters().refreshes, 1);
}

#[test]
fn twenty_concurrent_processes_make_one_renewal() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET).lifetime_secs(600));
    let env = env_for(&server, "");
    env.cmd().arg("token").assert().success();
    // Slow answers widen the race window.
    server.set_delay(std::time::Duration::from_millis(300));
    let children: Vec<_> = (0..20)
        .map(|_| {
            env.command_for(authtool_bin())
                .args(["token", "--min-ttl", "20m"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for out in &outputs {
        assert!(out.status.success(), "{}", transcript(out));
    }
    // Every process printed the same, new token.
    let tokens: std::collections::BTreeSet<_> = outputs.iter().map(stdout).collect();
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    let c = server.counters();
    assert_eq!((c.logins, c.refreshes, c.refresh_reuse), (1, 1, 0), "{c:?}");
}

#[test]
fn client_auth_methods_and_grants() {
    for (auth, allowed) in [
        ("basic", ClientAuth::Basic),
        ("body", ClientAuth::Body),
        ("query", ClientAuth::Query),
    ] {
        let server = FakeServer::start(FakeOAuth2::new(ID, SECRET).allowed_auth(&[allowed]));
        let env = env_for(&server, &format!("client_auth = \"{auth}\"\n"));
        let out = env.cmd().arg("token").output().unwrap();
        assert!(out.status.success(), "{auth}: {}", transcript(&out));
        // Refresh authenticates the same way.
        env.cmd()
            .args(["token", "--min-ttl", "2h"])
            .assert()
            .success();
        assert_eq!(server.counters().refreshes, 1, "{auth}");
    }

    let server = FakeServer::start(
        FakeOAuth2::new(ID, SECRET)
            .with_user("alice", "pw'\"")
            .expected_scope("read write")
            .expected_audience("https://api.example.com")
            .expected_extra("tenant", "acme")
            .expires_in_as_string(true),
    );
    let mut env = env_for(
        &server,
        "grant = \"password\"\nusername = \"alice\"\npassword_env = \"PW\"\nscope = \"read write\"\naudience = \"https://api.example.com\"\nextra = { tenant = \"acme\" }\n",
    );
    env.set_env("PW", "pw'\"");
    let out = env
        .cmd()
        .args(["token", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", transcript(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["profile"], "org");
    assert_eq!(json["token_type"], "Bearer");
    assert!(json["expires_in"].as_u64().unwrap() > 3500);
    assert_eq!(server.counters().password, 1);
}

#[test]
fn output_formats() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = env_for(&server, "");
    let token = stdout(&env.cmd().arg("token").output().unwrap())
        .trim_end()
        .to_string();

    env.cmd()
        .args(["header"])
        .assert()
        .success()
        .stdout(format!("Authorization: Bearer {token}\n"));
    env.cmd()
        .args(["token", "-n"])
        .assert()
        .success()
        .stdout(token.clone());
    env.cmd()
        .args(["token", "--format", "header"])
        .assert()
        .success()
        .stdout(format!("Authorization: Bearer {token}\n"));
    env.cmd()
        .args(["token", "--format", "env"])
        .assert()
        .success()
        .stdout(format!("export AUTHTOOL_TOKEN='{token}'\n"));
    env.cmd()
        .args(["token", "--format", "curl"])
        .assert()
        .success()
        .stdout(format!("header = \"Authorization: Bearer {token}\"\n"));
    let out = env
        .cmd()
        .args(["token", "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["access_token"], token.as_str());
    assert_eq!(json["headers"]["Authorization"], format!("Bearer {token}"));
    assert!(json["expires_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(json["query"], serde_json::json!({}));
    // The header works through real curl, read from stdin (never argv).
    let header = env.cmd().arg("header").output().unwrap();
    let mut child = std::process::Command::new("curl")
        .args([
            "-q",
            "-sS",
            "--noproxy",
            "*",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-H",
            "@-",
        ])
        .arg(server.whoami_url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&header.stdout)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "200");
    // Query format is refused for a header provider.
    env.cmd()
        .args(["token", "--format", "query"])
        .assert()
        .fails_cleanly(2);
}

#[test]
fn changed_settings_never_get_the_old_token() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET).with_client("other", SECRET));
    let env = env_for(&server, "");
    let first = stdout(&env.cmd().arg("token").output().unwrap());
    // Same profile name, another client id: a new login, a new token.
    env.write_config(&format!(
        "[profiles.org]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"other\"\nclient_secret_env = \"ORG_SECRET\"\n",
        server.token_url()
    ));
    let second = stdout(&env.cmd().arg("token").output().unwrap());
    assert_ne!(first, second);
    assert_eq!(server.counters().logins, 2);
}

#[test]
fn no_cache_fetches_every_time_and_writes_nothing() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = env_for(&server, "");
    env.cmd().args(["token", "--no-cache"]).assert().success();
    env.cmd().args(["token", "--no-cache"]).assert().success();
    assert_eq!(server.counters().logins, 2);
    assert!(!env.cache_dir().join("tokens/org.json").exists());
}

#[test]
fn corrupt_cache_is_ignored_with_a_warning() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = env_for(&server, "");
    env.write_file("cache/authtool/tokens/org.json", "{\"version\":1,\"fing");
    let out = env.cmd().arg("token").output().unwrap();
    assert!(out.status.success(), "{}", transcript(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("damaged token cache"));
    // And it was replaced by a good one.
    env.cmd().arg("token").assert().success().stderr("");
    assert_eq!(server.counters().logins, 1);
}

#[test]
fn wrong_secret_exits_6_with_the_server_message() {
    let server = FakeServer::start(FakeOAuth2::new(ID, "right"));
    let env = env_for(&server, "");
    let out = env.cmd().arg("token").output().unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", transcript(&out));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid_client"), "{stderr}");
    assert!(stderr.contains("hint: "), "{stderr}");
    assert!(!stderr.contains(SECRET), "{stderr}");
}

#[test]
fn missing_secret_exits_3_with_a_hint() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let mut env = env_for(&server, "");
    env.remove_env("ORG_SECRET");
    let out = env.cmd().args(["header", "-p", "org"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", transcript(&out));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("$ORG_SECRET"), "{stderr}");
    assert!(stderr.contains("export ORG_SECRET"), "{stderr}");
    assert_eq!(server.request_count(), 0);
}

#[test]
fn secret_command_and_inline_sources() {
    let server = FakeServer::start(FakeOAuth2::new(ID, "from-command"));
    let env = TestEnv::new();
    env.write_config(&format!(
        "[profiles.cmd]\nprovider = \"oauth2\"\ntoken_url = \"{0}\"\nclient_id = \"{ID}\"\nclient_secret_command = \"printf '%s\\\\n' from-command\"\n\
         [profiles.bad]\nprovider = \"oauth2\"\ntoken_url = \"{0}\"\nclient_id = \"{ID}\"\nclient_secret_command = \"exit 7\"\n\
         [profiles.inline]\nprovider = \"oauth2\"\ntoken_url = \"{0}\"\nclient_id = \"{ID}\"\nclient_secret = \"from-command\"\n",
        server.token_url()
    ));
    env.cmd().args(["token", "cmd"]).assert().success();
    let out = env.cmd().args(["token", "bad"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", transcript(&out));
    assert!(out.stdout.is_empty());
    let out = env.cmd().args(["token", "inline"]).output().unwrap();
    assert!(out.status.success(), "{}", transcript(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("plain text"));
}

#[test]
fn server_errors_and_unreachable_servers_exit_5() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = env_for(&server, "timeout = \"3s\"\n");
    server.script(vec![Fault::status(500, "{\"error\":\"server_error\"}")]);
    env.cmd().arg("token").assert().fails_cleanly(5);
    server.script(vec![Fault::html_200()]);
    let out = env.cmd().arg("token").output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", transcript(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HTML"));

    // Nothing listening.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let env = TestEnv::new();
    env.write_config(&format!(
        "[profiles.org]\nprovider = \"oauth2\"\ntoken_url = \"http://127.0.0.1:{port}/oauth2/token\"\nclient_id = \"x\"\nclient_secret = \"y\"\ntimeout = \"2s\"\n"
    ));
    let out = env.cmd().arg("token").output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", transcript(&out));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot connect"));
}

#[test]
fn transient_503_is_retried() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = env_for(&server, "");
    server.script(vec![Fault::status(503, "busy"), Fault::RetryAfter(429, 1)]);
    let out = env.cmd().arg("token").output().unwrap();
    assert!(out.status.success(), "{}", transcript(&out));
    assert_eq!(server.request_count(), 3);
}

#[test]
fn plain_http_to_a_remote_host_is_refused_before_any_connection() {
    // A proxy that would see the request if authtool tried to connect.
    let proxy = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let config = |insecure: &str| {
        format!(
            "[profiles.org]\nprovider = \"oauth2\"\ntoken_url = \"http://auth.example.com/oauth2/token\"\nclient_id = \"x\"\nclient_secret = \"y\"\ntimeout = \"2s\"\n{insecure}"
        )
    };
    let mut env = TestEnv::new();
    env.set_env("HTTP_PROXY", proxy.url())
        .set_env("http_proxy", proxy.url());
    env.write_config(&config(""));
    let out = env.cmd().arg("token").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("plain http"));
    assert_eq!(proxy.request_count(), 0);
    // Control: with allow_insecure_http the same setup does reach the proxy.
    env.write_config(&config("allow_insecure_http = true\n"));
    let _ = env.cmd().arg("token").output().unwrap();
    assert!(proxy.request_count() > 0);
}

#[test]
fn config_errors_name_file_line_profile_and_key() {
    let env = TestEnv::new();
    let path = env.write_config(
        "[profiles.org]\nprovider = \"oauth2\"\ntoken_url = \"https://a.example/t\"\nclient_id = \"x\"\ntimeout = \"soon\"\n",
    );
    let out = env.cmd().arg("token").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:5: profile 'org'", path.display())),
        "{stderr}"
    );
    assert!(stderr.contains("timeout"), "{stderr}");

    env.write_config("[profiles.org]\nprovider = \"oauth2\"\ntoken_url = \"https://a.example/t\"\nclientid = \"x\"\n");
    let out = env.cmd().arg("token").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("clientid"));

    env.write_config("[profiles.org\nprovider = \"oauth2\"\n");
    env.cmd().arg("token").assert().fails_cleanly(2);

    std::fs::write(&path, b"[profiles.org]\nprovider = \"\xff\"\n").unwrap();
    let out = env.cmd().arg("token").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("UTF-8"));

    std::fs::remove_file(&path).unwrap();
    let out = env.cmd().arg("token").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("authtool config init"));
}

#[test]
fn profile_selection() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let mut env = env_for(&server, "");
    let cfg = std::fs::read_to_string(env.config_path()).unwrap();
    env.write_config(&format!(
        "{cfg}\n{}",
        cfg.replace("profiles.org", "profiles.two")
    ));
    let out = env.cmd().arg("token").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("org, two"));
    env.cmd()
        .args(["token", "-p", "org", "two"])
        .assert()
        .fails_cleanly(2);
    env.cmd()
        .args(["token", "-p", "nope"])
        .assert()
        .fails_cleanly(2);
    env.set_env("AUTHTOOL_PROFILE", "two");
    env.cmd().arg("token").assert().success();
    env.cmd().args(["token", "org"]).assert().success();
}

#[test]
fn verbose_explains_without_leaking() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = env_for(&server, "client_auth = \"query\"\n");
    let out = env.cmd().args(["-v", "token"]).output().unwrap();
    assert!(out.status.success(), "{}", transcript(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("logging in"), "{stderr}");
    assert!(stderr.contains("client_secret=***"), "{stderr}");
    let refresh = server.last_refresh_token().unwrap();
    let out = env
        .cmd()
        .args(["token", "-v", "--min-ttl", "2h"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("using the refresh token"), "{stderr}");
    for secret in [SECRET, "s3cret", &refresh, &form_encode_component(SECRET)] {
        assert!(!stderr.contains(secret), "leaked {secret}: {stderr}");
    }
}

#[test]
fn config_path_check_and_init() {
    let env = TestEnv::new();
    env.cmd()
        .args(["config", "path"])
        .assert()
        .success()
        .stdout(format!("{}\n", env.config_path().display()));
    env.cmd()
        .args(["config", "check"])
        .assert()
        .fails_cleanly(2);
    env.cmd().args(["config", "init"]).assert().success();
    let out = env.cmd().args(["config", "check"]).output().unwrap();
    assert!(out.status.success(), "{}", transcript(&out));
    assert!(stdout(&out).contains("ok,"));
    // init never overwrites without --force.
    env.cmd().args(["config", "init"]).assert().fails_cleanly(2);
    env.cmd()
        .args(["config", "init", "--force"])
        .assert()
        .success();
    // A profile that does not validate fails the check.
    env.write_config("[profiles.x]\nprovider = \"oauth2\"\n");
    let out = env.cmd().args(["config", "check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("token_url"));
}

#[test]
fn usage_errors_exit_2() {
    let env = TestEnv::new();
    env.cmd()
        .args(["token", "--format", "nope"])
        .assert()
        .fails_cleanly(2);
    env.cmd().args(["frobnicate"]).assert().fails_cleanly(2);
    env.cmd()
        .args(["token", "--min-ttl", "soon"])
        .assert()
        .fails_cleanly(2);
}
