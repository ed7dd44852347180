//! `token`, `header` and `config` against the strict fake OAuth2 server:
//! caching, renewal, single-flight, formats, exit codes.

use crate::support::*;

#[test]
fn token_is_fetched_then_served_from_cache() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    let token = env
        .case(["token", "-p", "org"])
        .run()
        .success()
        .stderr("")
        .line();
    assert_eq!(Some(&token), server.last_access_token().as_ref());
    env.filter(&token, "[TOKEN]");
    assert_eq!(server.counters().logins, 1);

    // Cached: zero requests, same token.
    for _ in 0..3 {
        env.case(["token", "org"])
            .run()
            .success()
            .stdout("[TOKEN]\n")
            .stderr("");
    }
    assert_eq!(server.counters().token_requests, 1);

    // The token works against the protected resource.
    let whoami = curl(&[
        "-H",
        &format!("Authorization: Bearer {token}"),
        &server.whoami_url(),
    ]);
    assert_eq!(whoami.status, 200, "{}", whoami.body);
}

#[test]
fn cache_file_is_private_and_holds_no_client_secret() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    env.case(["token"]).run().success().stderr("");
    let dir = env.cache_dir().join("tokens");
    let file = dir.join("org.json");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(ORG_SECRET));
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
    let server = FakeServer::start(org_fake().lifetime_secs(600));
    let env = org_env(&server, "");
    env.case(["token"]).run().success();
    let mut seen = vec![server.last_access_token().unwrap()];
    // A 10-minute token is stale for --min-ttl 1h: each call renews once,
    // with the newest (rotated) refresh token.
    for round in 1..=3 {
        let token = env
            .case(["token", "--min-ttl", "1h"])
            .run()
            .success()
            .stderr("authtool: warning: profile 'org': the server issues tokens valid for [DURATION], less than --min-ttl 1h 0m\n")
            .line();
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
    env.case(["token"])
        .run()
        .token(seen.last().unwrap())
        .success()
        .stdout("[TOKEN]\n");
    assert_eq!(server.counters().token_requests, 4);
}

#[test]
fn a_really_expired_token_is_renewed() {
    // The cached token is made to have expired (a 1-second lifetime made
    // the renewed token expire on arrival on a loaded machine).
    let server = FakeServer::start(org_fake().lifetime_secs(600));
    let env = org_env(&server, "");
    env.case(["token"]).run().success();
    let first = server.last_access_token().unwrap();
    env.expire_cached_tokens();
    let ran = env.case(["token", "-v"]).run().filter(&first, "[OLD]");
    let token = server.last_access_token().unwrap();
    assert_ne!(token, first);
    ran.token(&token).success().stdout("[TOKEN]\n").stderr(
        "authtool: profile 'org': renewing: the cached token expired [DURATION] ago\n\
         authtool: profile 'org': using the refresh token\n\
         authtool: POST http://127.0.0.1:[PORT]/oauth2/token (attempt 1)\n\
         authtool: HTTP 200 ([SIZE] bytes)\n\
         authtool: profile 'org': refresh token kept in the secret store\n",
    );
    assert_eq!(server.counters().refreshes, 1);
}

#[test]
fn twenty_concurrent_processes_make_one_renewal() {
    let server = FakeServer::start(org_fake().lifetime_secs(600));
    let env = org_env(&server, "");
    env.case(["token"]).run().success();
    // Slow answers widen the race window.
    server.set_delay(std::time::Duration::from_millis(300));
    let outputs = env.run_concurrently(20, &["token", "--min-ttl", "20m"]);
    for out in &outputs {
        assert!(out.status.success(), "{}", transcript(out));
    }
    // Only the one that renewed says the server's tokens are short-lived.
    let warned: Vec<_> = outputs
        .iter()
        .filter(|out| !out.stderr.is_empty())
        .map(|out| env.filtered(&out.stderr))
        .collect();
    assert_eq!(
        warned,
        [
            "authtool: warning: profile 'org': the server issues tokens valid for [DURATION], less than --min-ttl 20m 0s\n"
        ],
    );
    // Every process printed the same, new token.
    let tokens: std::collections::BTreeSet<_> = outputs.iter().map(|o| text(&o.stdout)).collect();
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
        let server = FakeServer::start(org_fake().allowed_auth(&[allowed]));
        let env = org_env(&server, &format!("client_auth = \"{auth}\"\n"));
        env.case(["token"]).run().success().stderr("");
        // Refresh authenticates the same way.
        env.case(["token", "--min-ttl", "2h"])
            .run()
            .success()
            .stderr("authtool: warning: profile 'org': the server issues tokens valid for [DURATION], less than --min-ttl 2h 0m\n");
        assert_eq!(server.counters().refreshes, 1, "{auth}");
    }

    let server = FakeServer::start(
        org_fake()
            .with_user("alice", "pw'\"")
            .expected_scope("read write")
            .expected_audience("https://api.example.com")
            .expected_extra("tenant", "acme")
            .expires_in_as_string(true),
    );
    let env = org_env(
        &server,
        "grant = \"password\"\nusername = \"alice\"\npassword_env = \"PW\"\nscope = \"read write\"\naudience = \"https://api.example.com\"\nextra = { tenant = \"acme\" }\n",
    );
    let ran = env
        .case(["token", "--format", "json"])
        .env("PW", "pw'\"")
        .run()
        .success()
        .stderr("");
    let json = ran.json();
    assert_eq!(json["profile"], "org");
    assert_eq!(json["token_type"], "Bearer");
    assert!(json["expires_in"].as_u64().unwrap() > 3500);
    assert_eq!(server.counters().password, 1);
}

#[test]
fn output_formats() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    let token = env.case(["token"]).run().success().line();
    env.filter(&token, "[TOKEN]");

    for (args, stdout) in [
        (&["header"][..], "Authorization: Bearer [TOKEN]\n"),
        (&["token", "-n"], "[TOKEN]"),
        (
            &["token", "--format", "header"],
            "Authorization: Bearer [TOKEN]\n",
        ),
        (
            &["token", "--format", "env"],
            "export AUTHTOOL_TOKEN='[TOKEN]'\n",
        ),
        (
            &["token", "--format", "curl"],
            "header = \"Authorization: Bearer [TOKEN]\"\n",
        ),
        (
            &["token", "--format", "json"],
            "{\n  \"access_token\": \"[TOKEN]\",\n  \"expires_at\": \"[TIME]\",\n  \"expires_in\": [SECS],\n  \"headers\": {\n    \"Authorization\": \"Bearer [TOKEN]\"\n  },\n  \"profile\": \"org\",\n  \"query\": {},\n  \"token_type\": \"Bearer\"\n}\n",
        ),
    ] {
        env.case(args)
            .filter_regex(r#""expires_in": \d+"#, "\"expires_in\": [SECS]")
            .run()
            .success()
            .stdout(stdout)
            .stderr("");
    }
    let json = env.token_json();
    assert_eq!(json["access_token"], token.as_str());
    assert_eq!(json["headers"]["Authorization"], format!("Bearer {token}"));
    assert!(json["expires_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(json["query"], serde_json::json!({}));
    // The header works through real curl, read from stdin (never argv).
    let header = env.case(["header"]).run().success().into_output();
    let whoami = curl_with_stdin(&["-H", "@-", &server.whoami_url()], &header.stdout);
    assert_eq!(whoami.status, 200, "{whoami:?}");
    // Query format is refused for a header provider.
    env.case(["token", "--format", "query"])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: profile 'org' (oauth2) sends the token in a header, not in the URL\n\
             hint: use `authtool header -p org`\n",
        );
}

/// `token -v` of `org` after its settings changed: the cached token is
/// not used, a new login is.
const NEW_SETTINGS_LOGIN: &str = "authtool: profile 'org': the cached token was issued for other settings; not using it\n\
     authtool: profile 'org': no cached token for this profile's current settings\n\
     authtool: profile 'org': the cached token was issued for other settings; not using it\n\
     authtool: profile 'org': logging in at http://127.0.0.1:[PORT]/oauth2/token\n\
     authtool: POST http://127.0.0.1:[PORT]/oauth2/token (attempt 1)\n\
     authtool: HTTP 200 ([SIZE] bytes)\n\
     authtool: profile 'org': refresh token kept in the secret store\n";

#[test]
fn changed_settings_never_get_the_old_token() {
    let server = FakeServer::start(org_fake().with_client("other", ORG_SECRET));
    let env = org_env(&server, "");
    let first = env.case(["token"]).run().success().line();
    // Same profile name, another client id: a new login, a new token.
    env.write_config(
        &org_profile(&server.token_url(), "client_secret_env = \"ORG_SECRET\"\n")
            .replace(ORG_ID, "other"),
    );
    let second = env
        .case(["token", "-v"])
        .run()
        .success()
        .filter(&first, "[OLD]")
        .stderr(NEW_SETTINGS_LOGIN)
        .line();
    assert_ne!(first, second);
    assert_eq!(server.counters().logins, 2);
}

#[test]
fn a_large_config_is_read_through_its_index_until_it_changes() {
    // Over 64 KiB: once the file is 2 s old, a call records where `org`
    // sits (config-index/) and later calls read only those bytes; a
    // change to the file (the same size, another client id) is seen.
    let server = FakeServer::start(org_fake().with_client("org-clienu", ORG_SECRET));
    let env = org_env(&server, "");
    let team = |i: usize| {
        format!(
            "\n[profiles.team-{i}]\nprovider = \"oauth2\"\ntoken_url = \"https://auth{i}.example.com/oauth2/token\"\nclient_id = \"team-{i}-client\"\nclient_secret_env = \"TEAM_{i}_SECRET\"\nscope = \"api.read api.write\"\n"
        )
    };
    let large = |client_id: &str| {
        let mut text: String = (0..300).map(team).collect();
        text.push('\n');
        text.push_str(&org_config(&server.token_url(), "").replace(ORG_ID, client_id));
        text.extend((300..600).map(team));
        assert!(text.len() > 64 * 1024);
        text
    };
    env.write_config(&large(ORG_ID));
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let index = env.cache_dir().join("config-index");
    let first = env
        .case(["token", "-p", "org"])
        .run()
        .success()
        .stderr("")
        .line();
    let entries: Vec<_> = std::fs::read_dir(&index).unwrap().collect();
    assert_eq!(entries.len(), 1);
    let entry = entries[0].as_ref().unwrap().path();
    let recorded = std::fs::read_to_string(&entry).unwrap();
    assert!(
        recorded.starts_with("authtool config index 2\nkey "),
        "{recorded}"
    );
    assert!(recorded.contains("\nname org\nrange "), "{recorded}");
    env.case(["token", "-p", "org"])
        .run()
        .success()
        .stderr("")
        .stdout(format!("{first}\n"));
    // A damaged entry is ignored.
    std::fs::write(&entry, "garbage").unwrap();
    env.case(["token", "-p", "org"])
        .run()
        .success()
        .stderr("")
        .stdout(format!("{first}\n"));
    assert_eq!(server.counters().logins, 1);
    // The same size, another client id: not the old token.
    env.write_config(&large("org-clienu"));
    let second = env
        .case(["token", "-p", "org", "-v"])
        .run()
        .success()
        .filter(&first, "[OLD]")
        .stderr(NEW_SETTINGS_LOGIN)
        .line();
    assert_ne!(first, second);
    assert_eq!(server.counters().logins, 2);
}

#[test]
fn without_xdg_variables_the_files_live_under_home() {
    // No $XDG_CACHE_HOME, and a relative $XDG_CONFIG_HOME, which the XDG
    // spec says to ignore: ~/.config/authtool/config.toml, ~/.cache/authtool.
    let server = FakeServer::start(org_fake());
    let mut env = org_env(&server, "");
    let config = std::fs::read_to_string(env.config_path()).unwrap();
    env.remove_env(authtool::envvars::CONFIG)
        .remove_env("XDG_CACHE_HOME")
        .set_env("XDG_CONFIG_HOME", "relative/config");
    env.write_file("home/.config/authtool/config.toml", &config);
    env.case(["token", "-p", "org"]).run().success().stderr("");
    assert!(env.home().join(".cache/authtool/tokens/org.json").is_file());
    assert!(!env.cache_dir().exists());
    assert_eq!(server.counters().token_requests, 1);
}

#[test]
fn no_cache_fetches_every_time_and_writes_nothing() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    for _ in 0..2 {
        env.case(["token", "--no-cache"]).run().success().stderr("");
    }
    assert_eq!(server.counters().logins, 2);
    assert!(!env.cache_dir().join("tokens/org.json").exists());
}

#[test]
fn corrupt_cache_is_ignored_with_a_warning() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    env.write_file("cache/authtool/tokens/org.json", "{\"version\":1,\"fing");
    env.case(["token"]).run().success().stderr("authtool: warning: profile 'org': ignoring the damaged token cache [ROOT]/cache/authtool/tokens/org.json (EOF while parsing a string at line 1 column 18)\n\
         authtool: warning: profile 'org': ignoring the damaged token cache [ROOT]/cache/authtool/tokens/org.json (EOF while parsing a string at line 1 column 18)\n");
    // And it was replaced by a good one.
    env.case(["token"]).run().success().stderr("");
    assert_eq!(server.counters().logins, 1);
}

#[test]
fn wrong_secret_exits_6_with_the_server_message() {
    let server = FakeServer::start(FakeOAuth2::new(ORG_ID, "right"));
    let env = org_env(&server, "");
    env.case(["token"])
        .run()
        .code(6)
        .stdout("")
        .stderr("authtool: error: http://127.0.0.1:[PORT]/oauth2/token answered HTTP 401: invalid_client (client authentication failed: unknown client or wrong secret)\n\
             hint: the client id or client secret is wrong: check client_id and run `authtool login` to store the right secret\n")
        .hides(&[ORG_SECRET]);
}

#[test]
fn missing_secret_exits_3_with_a_hint() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    env.case(["header", "-p", "org"])
        .env_remove("ORG_SECRET")
        .run()
        .code(3)
        .stdout("")
        .stderr("authtool: error: profile 'org': environment variable $ORG_SECRET (from `client_secret_env`) is not set\n\
             hint: export ORG_SECRET=… before running authtool\n");
    assert_eq!(server.request_count(), 0);
}

#[test]
fn secret_command_and_inline_sources() {
    let server = FakeServer::start(FakeOAuth2::new(ORG_ID, "from-command"));
    let mut env = TestEnv::new();
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    let url = server.token_url();
    env.write_config(&format!(
        "{}{}{}",
        org_profile(
            &url,
            "client_secret_command = \"printf '%s\\\\n' from-command\"\n"
        )
        .replace("profiles.org", "profiles.cmd"),
        org_profile(&url, "client_secret_command = \"exit 7\"\n")
            .replace("profiles.org", "profiles.bad"),
        org_profile(&url, "client_secret = \"from-command\"\n")
            .replace("profiles.org", "profiles.inline"),
    ));
    env.case(["token", "cmd"]).run().success().stderr("");
    env.case(["token", "bad"]).run().code(3).stdout("").stderr(
        "authtool: error: profile 'bad': `client_secret_command` (exit 7) failed (exit status: 7)\n\
             hint: run the command yourself to see what is wrong, or fix `client_secret_command`\n",
    );
    env.case(["token", "inline"])
        .run()
        .success()
        .stderr("authtool: warning: profile 'inline': `client_secret` is written in plain text in the config file; prefer `authtool login` or `client_secret_env`\n");
}

#[test]
fn server_errors_and_unreachable_servers_exit_5() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "timeout = \"3s\"\n");
    server.script(vec![Fault::status(500, "{\"error\":\"server_error\"}")]);
    env.case(["token"])
        .run()
        .code(5)
        .stdout("")
        .stderr("authtool: error: http://127.0.0.1:[PORT]/oauth2/token answered HTTP 500: {\"error\":\"server_error\"}\n\
             hint: the server has a problem; try again later\n");
    server.script(vec![Fault::html_200()]);
    env.case(["token"])
        .run()
        .code(5)
        .stdout("")
        .stderr("authtool: error: http://127.0.0.1:[PORT]/oauth2/token answered HTTP 200 with a body that is not JSON (it looks like an HTML page: is the URL right?): expected value at line 1 column 1\n");

    // Nothing listening.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let env = TestEnv::new();
    env.write_config(&org_profile(
        &format!("http://127.0.0.1:{port}/oauth2/token"),
        "client_secret = \"y\"\ntimeout = \"2s\"\n",
    ));
    // How many attempts fit in the 2 s budget depends on the jittered
    // back-off.
    env.case(["token"])
        .filter_regex(r"after \d attempts", "after [N] attempts")
        .run()
        .code(5)
        .stdout("")
        .stderr("authtool: warning: profile 'org': `client_secret` is written in plain text in the config file; prefer `authtool login` or `client_secret_env`\n\
             authtool: error: cannot connect to http://127.0.0.1:[PORT]/oauth2/token (after [N] attempts): client error (Connect): tcp connect error: Connection refused (os error 111)\n\
             hint: check the URL, your network and proxy settings (HTTPS_PROXY, NO_PROXY)\n");
}

#[test]
fn a_host_name_that_does_not_resolve_fails_at_once() {
    // `.invalid` never resolves (RFC 6761): no network needed. Unlike a
    // refused connection, it will not heal within the timeout, so there is
    // one attempt and no "retrying" line.
    let mut env = TestEnv::new();
    env.set_env("ORG_SECRET", "y");
    env.write_config(&org_profile(
        "https://auth.example.invalid/oauth2/token",
        "client_secret_env = \"ORG_SECRET\"\n",
    ));
    // What the resolver says varies (no such name; no resolver reachable;
    // hickory's words in the static build, getaddrinfo's elsewhere).
    let reason = r"error resolving DNS: .*";
    env.case(["token", "-v"])
        .filter_regex(reason, "error resolving DNS: [REASON]")
        .run()
        .code(5)
        .stdout("")
        .stderr("authtool: profile 'org': no cached token for this profile's current settings\n\
             authtool: profile 'org': logging in at https://auth.example.invalid/oauth2/token\n\
             authtool: POST https://auth.example.invalid/oauth2/token (attempt 1)\n\
             authtool: error: cannot connect to https://auth.example.invalid/oauth2/token: client error (Connect): dns error: error resolving DNS: [REASON]\n\
             hint: check the URL, your network and proxy settings (HTTPS_PROXY, NO_PROXY)\n");
    env.case(["token"])
        .filter_regex(reason, "error resolving DNS: [REASON]")
        .run()
        .code(5)
        .stdout("")
        .stderr("authtool: error: cannot connect to https://auth.example.invalid/oauth2/token: client error (Connect): dns error: error resolving DNS: [REASON]\n\
             hint: check the URL, your network and proxy settings (HTTPS_PROXY, NO_PROXY)\n");
}

#[test]
fn transient_503_is_retried() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    server.script(vec![Fault::status(503, "busy"), Fault::RetryAfter(429, 1)]);
    env.case(["token"]).run().success().stderr("");
    assert_eq!(server.request_count(), 3);
}

#[test]
fn plain_http_to_a_remote_host_is_refused_before_any_connection() {
    // A proxy that would see the request if authtool tried to connect.
    let proxy = FakeServer::start(org_fake());
    let config = |insecure: &str| {
        org_profile(
            "http://auth.example.com/oauth2/token",
            &format!("client_secret = \"y\"\ntimeout = \"2s\"\n{insecure}"),
        )
    };
    let mut env = TestEnv::new();
    env.set_env("HTTP_PROXY", proxy.url())
        .set_env("http_proxy", proxy.url());
    env.write_config(&config(""));
    env.case(["token"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: warning: profile 'org': `client_secret` is written in plain text in the config file; prefer `authtool login` or `client_secret_env`\n\
             authtool: error: refusing to send credentials over plain http to auth.example.com\n\
             hint: use an https:// URL\n\
             hint: or, if you really mean it, set allow_insecure_http = true in the profile\n");
    assert_eq!(proxy.request_count(), 0);
    // Control: with allow_insecure_http the same setup does reach the proxy.
    env.write_config(&config("allow_insecure_http = true\n"));
    let _ = env.case(["token"]).run();
    assert!(proxy.request_count() > 0);
}

#[test]
fn config_errors_name_file_line_profile_and_key() {
    let env = TestEnv::new();
    let path = env.write_config(&org_profile("https://a.example/t", "timeout = \"soon\"\n"));
    env.case(["token"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: [ROOT]/config/authtool/config.toml:5: profile 'org': key `timeout`: expected number at 0 (expected a duration like \"90s\", \"5m\" or \"1h\")\n\
             hint: fix the file, then check it with `authtool config check`\n");

    env.write_config("[profiles.org]\nprovider = \"oauth2\"\ntoken_url = \"https://a.example/t\"\nclientid = \"x\"\n");
    env.case(["token"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: [ROOT]/config/authtool/config.toml:4: profile 'org': unknown field `clientid`, expected one of `token_url`, `issuer`, `authorization_url`, `device_authorization_url`, `revocation_url`, `grant`, `client_auth`, `client_id`, `redirect_port`, `login_timeout`, `username`, `scope`, `audience`, `resource`, `extra`, `key_id`, `signing_alg`, `dpop`\n\
             hint: fix the file, then check it with `authtool config check`\n");

    env.write_config("[profiles.org\nprovider = \"oauth2\"\n");
    env.case(["token"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: [ROOT]/config/authtool/config.toml:1: profile 'org': unclosed table, expected `]`\n  |\n1 | [profiles.org\n  |              ^\n\
             hint: fix the file, then check it with `authtool config check`\n");

    std::fs::write(&path, b"[profiles.org]\nprovider = \"\xff\"\n").unwrap();
    env.case(["token"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: [ROOT]/config/authtool/config.toml: the config file is not valid UTF-8 (invalid byte at offset 27)\n\
             hint: save the file as UTF-8\n");

    std::fs::remove_file(&path).unwrap();
    env.case(["token"]).run().code(2).stdout("").stderr(
        "authtool: error: config file [ROOT]/config/authtool/config.toml does not exist\n\
             hint: run `authtool config init` to write an example config there, then edit it\n\
             hint: or point --config / $AUTHTOOL_CONFIG at your config file\n",
    );
}

#[test]
fn profile_selection() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    let cfg = std::fs::read_to_string(env.config_path()).unwrap();
    env.write_config(&format!(
        "{cfg}\n{}",
        cfg.replace("profiles.org", "profiles.two")
    ));
    env.case(["token"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: no profile given and no default_profile set\n\
             hint: pass -p NAME (one of: org, two), set $AUTHTOOL_PROFILE, or set default_profile in [ROOT]/config/authtool/config.toml\n");
    env.case(["token", "-p", "org", "two"])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: two different profiles given: -p org and two\n\
             hint: give the profile once, either as -p NAME or as the argument\n",
        );
    env.case(["token", "-p", "nope"])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: [ROOT]/config/authtool/config.toml: no profile named 'nope'\n\
             hint: known profiles: org, two\n",
        );
    env.case(["token"])
        .env("AUTHTOOL_PROFILE", "two")
        .run()
        .success()
        .stderr("");
    env.case(["token", "org"])
        .env("AUTHTOOL_PROFILE", "two")
        .run()
        .success()
        .stderr("");
}

#[test]
fn verbose_explains_without_leaking() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "client_auth = \"query\"\n");
    env.case(["-v", "token"])
        .run()
        .success()
        .stderr("authtool: profile 'org': no cached token for this profile's current settings\n\
             authtool: profile 'org': logging in at http://127.0.0.1:[PORT]/oauth2/token\n\
             authtool: POST http://127.0.0.1:[PORT]/oauth2/token?client_id=***&client_secret=*** (attempt 1)\n\
             authtool: HTTP 200 ([SIZE] bytes)\n\
             authtool: profile 'org': refresh token kept in the secret store\n")
        .hides(&[ORG_SECRET, "s3cret", &form_encode_component(ORG_SECRET)]);
    let refresh = server.last_refresh_token().unwrap();
    env.case(["token", "-v", "--min-ttl", "2h"])
        .run()
        .success()
        .stderr("authtool: profile 'org': renewing: the cached token expires in [DURATION], less than --min-ttl 2h 0m\n\
             authtool: profile 'org': using the refresh token\n\
             authtool: POST http://127.0.0.1:[PORT]/oauth2/token?client_id=***&client_secret=*** (attempt 1)\n\
             authtool: HTTP 200 ([SIZE] bytes)\n\
             authtool: profile 'org': refresh token kept in the secret store\n\
             authtool: warning: profile 'org': the server issues tokens valid for [DURATION], less than --min-ttl 2h 0m\n")
        .stderr_hides(&[
            ORG_SECRET,
            "s3cret",
            &refresh,
            &form_encode_component(ORG_SECRET),
        ]);
}

#[test]
fn config_path_check_and_init() {
    let env = TestEnv::new();
    env.case(["config", "path"])
        .run()
        .success()
        .stdout("[ROOT]/config/authtool/config.toml\n")
        .stderr("");
    env.case(["config", "check"])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: config file [ROOT]/config/authtool/config.toml does not exist\n\
             hint: run `authtool config init` to write an example config there, then edit it\n\
             hint: or point --config / $AUTHTOOL_CONFIG at your config file\n",
        );
    env.case(["config", "init"])
        .run()
        .success()
        .stdout("[ROOT]/config/authtool/config.toml\n")
        .stderr("authtool: wrote an example config to [ROOT]/config/authtool/config.toml; edit it, then run `authtool config check`\n");
    env.case(["config", "check"])
        .run()
        .success()
        .stdout("[ROOT]/config/authtool/config.toml: ok, 12 profiles: acme, ci-deploy, connect-dev, connect-prod, corp, corp-device, erp, lbm-prod, lrs, org, org-user, workload\n")
        .stderr("");
    // init never overwrites without --force.
    env.case(["config", "init"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: [ROOT]/config/authtool/config.toml already exists; not overwriting it\n\
             hint: pass --force to replace it with the example\n");
    env.case(["config", "init", "--force"])
        .run()
        .success()
        .stdout("[ROOT]/config/authtool/config.toml\n")
        .stderr("authtool: wrote an example config to [ROOT]/config/authtool/config.toml; edit it, then run `authtool config check`\n");
    // A profile that does not validate fails the check.
    env.write_config("[profiles.x]\nprovider = \"oauth2\"\n");
    env.case(["config", "check"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: [ROOT]/config/authtool/config.toml: profile 'x': key `.`: missing field `client_id`\n\
             hint: fix the file, then check it with `authtool config check`\n");
}

#[test]
fn usage_errors_exit_2() {
    let env = TestEnv::new();
    env.case(["token", "--format", "nope"])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "error: invalid value 'nope' for '--format <FORMAT>'\n\
             \x20 [possible values: raw, header, json, env, curl, query, exec-credential]\n\
             \n\
             For more information, try '--help'.\n",
        );
    env.case(["frobnicate"]).run().code(2).stdout("").stderr(
        "error: unrecognized subcommand 'frobnicate'\n\
         \n\
         Usage: authtool [OPTIONS] <COMMAND>\n\
         \n\
         For more information, try '--help'.\n",
    );
    env.case(["token", "--min-ttl", "soon"])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "error: invalid value 'soon' for '--min-ttl <DURATION>': expected number at 0 (expected a duration like \"90s\", \"5m\" or \"1h\")\n\
             \n\
             For more information, try '--help'.\n",
        );
}

#[test]
fn plain_http_to_loopback_never_goes_through_a_proxy() {
    // A plain-http forward proxy that counts what it is sent.
    let proxy = FakeServer::start(org_fake());
    let server = FakeServer::start(org_fake());
    for token_url in [
        server.token_url(),
        server.token_url().replace("127.0.0.1", "localhost"),
    ] {
        let mut env = org_env_at(&token_url, "");
        for var in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
            env.set_env(var, proxy.url());
            let ran = env.case(["token", "--no-cache"]).run();
            ran.token(server.last_access_token().unwrap())
                .success()
                .stdout("[TOKEN]\n")
                .stderr("");
            env.remove_env(var);
        }
        // doctor says what token does.
        env.set_env("HTTP_PROXY", proxy.url());
        let ran = env.case(["doctor"]).run();
        assert!(
            ran.stderr_text().contains(
                "proxy: plain http to loopback never goes through a proxy; connecting directly"
            ),
            "{}{}",
            ran.stdout_text(),
            ran.stderr_text()
        );
    }
    assert_eq!(proxy.request_count(), 0);
    assert_eq!(server.counters().logins, 8);
}

#[test]
fn names_that_only_look_like_loopback_are_refused_before_any_connection() {
    let server = FakeServer::start(org_fake());
    let port = server.addr().port();
    for host in ["evil.localhost", "localhost."] {
        let env = org_env_at(&format!("http://{host}:{port}/oauth2/token"), "");
        env.case(["token"])
            .run()
            .code(2)
            .stdout("")
            .stderr(format!(
                "authtool: error: refusing to send credentials over plain http to {host}\n\
                 hint: only 127.0.0.0/8, ::1 and `localhost` itself count as loopback: a resolver may send other names anywhere\n\
                 hint: use an https:// URL\n\
                 hint: or, if you really mean it, set allow_insecure_http = true in the profile\n"
            ));
    }
    assert_eq!(server.request_count(), 0);
    assert_eq!(server.counters().logins, 0);
}

#[test]
fn token_urls_with_user_info_are_refused_and_queries_are_never_shown() {
    // User info: a config error, located, the URL shown without it.
    let mut env = TestEnv::new();
    env.set_env("ORG_SECRET", ORG_SECRET);
    env.write_config(&org_config(
        "https://alice9:pa55@a.example/t?tenant=Q5ECRET",
        "",
    ));
    env.case(["token"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: [ROOT]/config/authtool/config.toml:3: profile 'org': key `token_url`: `https://***@a.example/t?tenant=***` holds a user name or password (`user:password@`): authtool does not send credentials in URLs; remove it and give them with the profile's own keys (client_id, client_secret_env, …)\n\
             hint: fix the file, then check it with `authtool config check`\n")
        .hides(&["pa55", "Q5ECRET", "alice9"]);

    // A query: its values are hidden in `-v` and in errors.
    let server = FakeServer::start(org_fake());
    let url = format!("{}?tenant=Q5ECRET", server.token_url());
    let mut env = org_env_at(&url, "");
    env.case(["-v", "token"])
        .run()
        .code(6)
        .stdout("")
        .stderr("authtool: profile 'org': no cached token for this profile's current settings\n\
             authtool: profile 'org': logging in at http://127.0.0.1:[PORT]/oauth2/token?tenant=***\n\
             authtool: POST http://127.0.0.1:[PORT]/oauth2/token?tenant=*** (attempt 1)\n\
             authtool: HTTP 400 ([SIZE] bytes)\n\
             authtool: error: http://127.0.0.1:[PORT]/oauth2/token?tenant=*** answered HTTP 400: invalid_request (unexpected parameter `tenant`)\n")
        .hides(&["Q5ECRET"]);
    env.set_env("ORG_SECRET", "wrong");
    env.case(["token", "--no-cache"])
        .run()
        .code(6)
        .stdout("")
        .stderr("authtool: error: http://127.0.0.1:[PORT]/oauth2/token?tenant=*** answered HTTP 401: invalid_client (client authentication failed: unknown client or wrong secret)\n\
             hint: the client id or client secret is wrong: check client_id and run `authtool login` to store the right secret\n")
        .hides(&["Q5ECRET"]);
}

// ---------------------------------------------------------------------------
// Issue 17, finding 10: what a server issues is presented as it is, or
// refused.

/// `args` against a server `fake`: exit 5, nothing printed, `stderr`.
fn refused(fake: FakeOAuth2, args: &[&str], stderr: String) {
    let server = FakeServer::start(fake);
    let env = org_env(&server, "");
    env.case(args.iter().copied())
        .run()
        .code(5)
        .stdout("")
        .stderr(stderr)
        .hides(&[ORG_SECRET]);
}

/// A proof-of-possession token (`DPoP`, `mac`) cannot be presented as
/// `Authorization: Bearer`: refused with a clear error, nothing printed.
#[test]
fn a_token_type_authtool_cannot_present_is_refused() {
    for (token_type, why, hint) in [
        (
            "DPoP",
            "each request needs a DPoP proof signed with the client's key (RFC 9449)",
            "if the server binds tokens to a key, set dpop = true in the profile (authtool then sends DPoP proofs)",
        ),
        (
            "mac",
            "each request must be signed with the token's key",
            "ask the server for Bearer tokens",
        ),
    ] {
        refused(
            org_fake().token_type(token_type),
            &["header"],
            format!(
                "authtool: error: http://127.0.0.1:[PORT]/oauth2/token issued a `{token_type}` token, which authtool cannot present: {why}; only Bearer and DPoP (dpop = true) tokens are supported\nhint: {hint}\n"
            ),
        );
    }
}

/// An unsigned JWT with these claims.
fn jwt(claims: &str) -> String {
    use base64::Engine;
    let enc = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!("{}.{}.sig", enc(r#"{"alg":"none"}"#), enc(claims))
}

/// A JWT `exp` of 1 (1970) or -1 is no expiry: refused alike, neither
/// served as expired nor given the assumed `token_lifetime`.
#[test]
fn a_jwt_exp_that_is_no_expiry_is_refused() {
    for exp in ["1", "-1"] {
        refused(
            org_fake()
                .omit_expires_in(true)
                .fixed_access_token(&jwt(&format!(r#"{{"exp":{exp},"sub":"x"}}"#))),
            &["token"],
            format!(
                "authtool: error: the server sent a token whose JWT `exp` claim ({exp}) is not a valid expiry\n"
            ),
        );
    }
}

/// Bidi controls and zero-width characters are refused in tokens, as
/// control characters are: they make a token read as another.
#[test]
fn a_token_with_bidi_or_zero_width_characters_is_refused() {
    for (c, shown) in [
        ('\u{202E}', "\\\\u{202e}"),
        ('\u{200B}', "\\\\u{200b}"),
        ('\u{FEFF}', "\\\\u{feff}"),
    ] {
        refused(
            org_fake().fixed_access_token(&format!("abc{c}def")),
            &["token"],
            format!(
                "authtool: error: the server sent a access_token containing the character \"{shown}\", which cannot be used in a header\n"
            ),
        );
    }
}
