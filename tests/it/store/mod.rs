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

const SECRET: &str = "s3cret-in-the-store";
const USER: &str = "alice";
const PASSWORD: &str = "pa55-in-the-store";

/// A hermetic env with the file store and the `org` profile (client
/// credentials, secret from the store) pointing at `server`.
fn env_for(server: &FakeServer<FakeOAuth2>, extra: &str) -> TestEnv {
    let mut env = TestEnv::new();
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    env.write_config(&org_profile(&server.token_url(), extra));
    env
}

/// The fake `org` logs in to, with the secret of this module.
fn fake() -> FakeOAuth2 {
    FakeOAuth2::new(ORG_ID, SECRET)
}

/// `authtool ARGS` (a `login --secret-stdin`) with this module's secret
/// on stdin: stored in the file store and proved by a login of `profile`.
#[track_caller]
fn login(env: &TestEnv, args: &[&str], profile: &str) {
    login_to(env, args, SECRET, profile, "file");
}

/// `authtool ARGS` (a `login --secret-stdin`) with `secret` on stdin:
/// stored in `store` and proved by a login of `profile`.
#[track_caller]
fn login_to(env: &TestEnv, args: &[&str], secret: &str, profile: &str, store: &str) {
    env.case(args)
        .stdin(format!("{secret}\n"))
        .run()
        .success()
        .stdout("")
        .stderr(stored_and_verified(profile, "client_secret", store))
        .hides(&[secret]);
}

/// `login --secret-stdin` with a wrong `secret`: exit 6 with the server's
/// refusal, and the new value not kept.
#[track_caller]
fn login_refused(env: &TestEnv, secret: &str) {
    env.case(["login", "--secret-stdin"])
        .stdin(format!("{secret}\n"))
        .run()
        .code(6)
        .stdout("")
        .stderr(
            "authtool: error: profile 'org': the login with the new client_secret was refused, so it was not kept: http://127.0.0.1:[PORT]/oauth2/token answered HTTP 401: invalid_client (client authentication failed: unknown client or wrong secret)\n\
             hint: the client id or client secret is wrong: check client_id and run `authtool login` to store the right secret\n",
        )
        .hides(&[SECRET, PASSWORD, secret]);
}

/// What `login` says once it stored `secrets` in `store` and a login with
/// them worked.
fn stored_and_verified(profile: &str, secrets: &str, store: &str) -> String {
    format!(
        "authtool: profile '{profile}': stored {secrets} in the {store} secret store\n\
         authtool: profile '{profile}': verified: the provider issued a token (expires in [DURATION])\n"
    )
}

/// What `token` says when no client secret is stored for `profile` in
/// `store` (exit 3).
fn not_stored(profile: &str, store: &str) -> String {
    format!(
        "authtool: error: profile '{profile}': no client_secret is stored in the {store} secret store\n\
         hint: run `authtool login {profile}` to store it\n\
         hint: or set `client_secret_env = \"VARIABLE\"`, `client_secret_command = \"…\"` or `client_secret_file = \"PATH\"` in the profile\n"
    )
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
    let server = FakeServer::start(fake());
    let env = env_for(&server, "");
    login(&env, &["login", "org", "--secret-stdin"], "org");
    assert_eq!(server.counters().logins, 1);
    assert_eq!(stored(&env)["org/client_secret"], SECRET);

    // The verifying login's token is cached: `token` makes no request.
    env.case(["token", "org"])
        .run()
        .token(server.last_access_token().unwrap())
        .success()
        .stdout("[TOKEN]\n")
        .stderr("");
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
    env.case(["token", "--no-cache"])
        .run()
        .filter(server.last_access_token().unwrap(), "[NEW]")
        .success()
        .stdout("[NEW]\n")
        .stderr("");
    assert_eq!(server.counters().logins, 2);
}

#[test]
fn login_reads_several_secrets_in_the_providers_order() {
    let server = FakeServer::start(fake().with_user(USER, PASSWORD));
    let env = env_for(
        &server,
        &format!("grant = \"password\"\nusername = \"{USER}\"\n"),
    );
    // client_secret, then password (as `status` lists them); CRLF accepted.
    env.case(["login", "--secret-stdin"])
        .stdin(format!("{SECRET}\r\n{PASSWORD}\r\n"))
        .run()
        .success()
        .stdout("")
        .stderr(stored_and_verified(
            "org",
            "client_secret, password",
            "file",
        ))
        .hides(&[SECRET, PASSWORD]);
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
    fresh
        .case(["login", "--secret-stdin"])
        .stdin(format!("{SECRET}\n"))
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: profile 'org': --secret-stdin expected 2 lines, got 1\n\
             hint: give one secret per line, in this order: client_secret, password\n",
        )
        .hides(&[SECRET, PASSWORD]);
    assert!(!secrets_file(&fresh).exists());
}

#[test]
fn a_rejected_secret_is_not_kept() {
    let server = FakeServer::start(fake());
    let env = env_for(&server, "");
    // Never stored before: the wrong value is removed again.
    login_refused(&env, "wrong-one");
    assert!(
        stored(&env).get("org/client_secret").is_none(),
        "{}",
        stored(&env)
    );

    // A good value, then a wrong one: the good one is put back.
    login(&env, &["login", "--secret-stdin"], "org");
    let token = env.case(["token"]).run().success().stderr("").line();
    env.filter(&token, "[TOKEN]");
    login_refused(&env, "wrong-two");
    assert_eq!(stored(&env)["org/client_secret"], SECRET);
    // The cached token from the good login is still served.
    env.case(["token"])
        .run()
        .success()
        .stdout("[TOKEN]\n")
        .stderr("");
    env.case(["token", "--no-cache"])
        .run()
        .filter(server.last_access_token().unwrap(), "[NEW]")
        .success()
        .stdout("[NEW]\n")
        .stderr("");

    // --no-verify keeps whatever it is given.
    env.case(["login", "--secret-stdin", "--no-verify"])
        .stdin("unchecked\n")
        .run()
        .success()
        .stdout("")
        .stderr("authtool: profile 'org': stored client_secret in the file secret store\n");
    assert_eq!(stored(&env)["org/client_secret"], "unchecked");
}

#[test]
fn login_never_prompts_without_a_terminal() {
    let server = FakeServer::start(fake());
    let env = env_for(&server, "");
    env.case(["login"])
        .run()
        .code(3)
        .stdout("")
        .stderr("authtool: error: profile 'org': stdin is not a terminal, so authtool cannot ask for client_secret\n\
             hint: pipe them in, one per line in this order: client_secret, and pass --secret-stdin\n\
             hint: or configure them with NAME_env / NAME_command / NAME_file in the profile\n")
        .hides(&[SECRET, PASSWORD]);
    assert_eq!(server.counters().token_requests, 0);
    // A secret that comes from the environment is not asked for at all.
    let mut env = env_for(&server, "client_secret_env = \"ORG_SECRET\"\n");
    env.set_env("ORG_SECRET", SECRET);
    env.case(["login"])
        .run()
        .success()
        .stdout("")
        .stderr("authtool: profile 'org' takes every secret from its config (NAME_env, NAME_command, NAME_file or inline); nothing to store\n\
             authtool: profile 'org': verified: the provider issued a token (expires in [DURATION])\n");
    assert!(stored(&env).get("org/client_secret").is_none());
    // Missing stored secret for `token`: exit 3, pointing at login.
    let env = env_for(&server, "");
    env.case(["token"])
        .run()
        .code(3)
        .stdout("")
        .stderr(not_stored("org", "file"))
        .hides(&[SECRET, PASSWORD]);
}

#[test]
fn refresh_tokens_rotate_in_the_store_and_are_never_reused() {
    let server = FakeServer::start(fake().lifetime_secs(600));
    let env = env_for(&server, "");
    login(&env, &["login", "--secret-stdin"], "org");
    // `--min-ttl 1h` makes the 10-minute token stale; `refresh` forces it.
    for (round, args, stdout, stderr) in [
        (
            1,
            &["token", "--min-ttl", "1h"][..],
            "[NEW]\n",
            "authtool: warning: profile 'org': the server issues tokens valid for [DURATION], less than --min-ttl 1h 0m\n",
        ),
        (
            2,
            &["refresh"],
            "",
            "authtool: profile 'org': new token, expires in [DURATION]\n",
        ),
    ] {
        let ran = env.case(args).run();
        ran.filter(server.last_access_token().unwrap(), "[NEW]")
            .success()
            .stdout(stdout)
            .stderr(stderr);
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
    login(&env, &["login", "--secret-stdin"], "org");
    assert!(
        stored(&env).get("org/refresh_token").is_none(),
        "{}",
        stored(&env)
    );
}

#[test]
fn logout_drops_tokens_and_forget_deletes_stored_secrets() {
    let server = FakeServer::start(fake());
    let env = env_for(
        &server,
        &format!(
            "\n[profiles.other]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{ORG_ID}\"\n",
            server.token_url()
        ),
    );
    login(&env, &["login", "org", "--secret-stdin"], "org");
    login(&env, &["login", "other", "--secret-stdin"], "other");

    // Plain logout: the cached token and its refresh token go, the secret stays.
    env.case(["logout", "org"])
        .run()
        .success()
        .stdout("")
        .stderr("authtool: profile 'org': cached token and refresh token dropped\n");
    assert!(!cache_file(&env).exists());
    let s = stored(&env);
    assert!(
        s.get("org/refresh_token").is_none() && s["org/client_secret"] == SECRET,
        "{s}"
    );
    env.case(["token", "org"])
        .run()
        .filter(server.last_access_token().unwrap(), "[NEW]")
        .success()
        .stdout("[NEW]\n")
        .stderr("");
    assert_eq!(server.counters().logins, 3);

    // --forget --all: every profile's secrets and refresh tokens.
    env.case(["logout", "--all", "--forget"])
        .run()
        .success()
        .stdout("")
        .stderr("authtool: profile 'org': cached token and refresh token dropped; deleted client_secret from the file store\n\
             authtool: profile 'other': cached token and refresh token dropped; deleted client_secret from the file store\n");
    assert_eq!(stored(&env), serde_json::json!({}));
    env.case(["token", "org"])
        .run()
        .code(3)
        .stdout("")
        .stderr(not_stored("org", "file"))
        .hides(&[SECRET, PASSWORD]);
}

#[test]
fn status_lists_every_profile_without_secrets() {
    let server = FakeServer::start(fake());
    let env = env_for(
        &server,
        "\n[profiles.broken]\nprovider = \"oauth2\"\ntokn_url = \"https://x\"\n\n[profiles.envy]\nprovider = \"oauth2\"\ntoken_url = \"https://auth.example.com/t\"\nclient_id = \"x\"\nclient_secret_env = \"ENVY_SECRET\"\n",
    );
    // The table's columns are as wide as their widest cell, which depends
    // on how long a token has left: runs of spaces are shown as two.
    let table = |env: &TestEnv, args: &[&str]| env.case(args).filter_regex(" {2,}", "  ").run();
    table(&env, &["status"])
        .success()
        .stdout("PROFILE  PROVIDER  SECRETS  TOKEN  REFRESH\n\
             broken  -  error: [ROOT]/config/authtool/config.toml:8: profile 'broken': unknown field `tokn_url`, expected one of `token_url`, `issuer`, `authorization_url`, `device_authorization_url`, `revocation_url`, `grant`, `client_auth`, `client_id`, `redirect_port`, `login_timeout`, `username`, `scope`, `audience`, `resource`, `extra`, `key_id`, `signing_alg`\n\
             envy  oauth2  client_secret: env $ENVY_SECRET, missing  none  no\n\
             org  oauth2  client_secret: file, missing  none  no\n")
        .stderr("");

    login(&env, &["login", "org", "--secret-stdin"], "org");
    let token = server.last_access_token().unwrap();
    for args in [&["list"][..], &["status"]] {
        table(&env, args)
            .success()
            .stdout("PROFILE  PROVIDER  SECRETS  TOKEN  REFRESH\n\
                 broken  -  error: [ROOT]/config/authtool/config.toml:8: profile 'broken': unknown field `tokn_url`, expected one of `token_url`, `issuer`, `authorization_url`, `device_authorization_url`, `revocation_url`, `grant`, `client_auth`, `client_id`, `redirect_port`, `login_timeout`, `username`, `scope`, `audience`, `resource`, `extra`, `key_id`, `signing_alg`\n\
                 envy  oauth2  client_secret: env $ENVY_SECRET, missing  none  no\n\
                 org  oauth2  client_secret: file, present  expires in [DURATION]  yes\n")
            .stderr("")
            .stdout_is("a table with a token of about an hour", |out| {
                out.contains("expires in 59m") || out.contains("expires in 1h")
            })
            .hides(&[SECRET, &token]);
    }
    let doc = env
        .case(["status", "--json"])
        .filter_regex(r#""expires_in": \d+"#, "\"expires_in\": [SECS]")
        .run()
        .success()
        .stdout(r#"{
  "config": "[ROOT]/config/authtool/config.toml",
  "profiles": [
    {
      "error": "[ROOT]/config/authtool/config.toml:8: profile 'broken': unknown field `tokn_url`, expected one of `token_url`, `issuer`, `authorization_url`, `device_authorization_url`, `revocation_url`, `grant`, `client_auth`, `client_id`, `redirect_port`, `login_timeout`, `username`, `scope`, `audience`, `resource`, `extra`, `key_id`, `signing_alg`",
      "name": "broken",
      "provider": null,
      "refresh_token": false,
      "secrets": [],
      "token": null
    },
    {
      "error": null,
      "name": "envy",
      "provider": "oauth2",
      "refresh_token": false,
      "secrets": [
        {
          "env": "ENVY_SECRET",
          "name": "client_secret",
          "present": false,
          "source": "env"
        }
      ],
      "token": null
    },
    {
      "error": null,
      "name": "org",
      "provider": "oauth2",
      "refresh_token": true,
      "secrets": [
        {
          "name": "client_secret",
          "present": true,
          "source": "store",
          "store": "file"
        }
      ],
      "token": {
        "expired": false,
        "expires_at": "[TIME]",
        "expires_in": [SECS]
      }
    }
  ]
}
"#)
        .stderr("")
        .hides(&[SECRET, &token])
        .json();
    let profiles = doc["profiles"].as_array().unwrap();
    let org = profiles.iter().find(|p| p["name"] == "org").unwrap();
    assert!(org["token"]["expires_in"].as_u64().unwrap() > 3500);
}

#[test]
fn inspect_decodes_the_cached_jwt_without_verifying_it() {
    let server = FakeServer::start(fake().jwt_tokens(true));
    let env = env_for(&server, "scope = \"read write\"\n");
    server.with_vendor(|v| v.expected_scope = Some("read write".into()));
    env.case(["inspect"]).run().code(3).stdout("").stderr(
        "authtool: error: profile 'org' has no cached token for its current settings\n\
         hint: run `authtool token org` first (with token_cache = \"none\" nothing is cached)\n",
    );

    login(&env, &["login", "--secret-stdin"], "org");
    let token = server.last_access_token().unwrap();
    let claims = jwt_claims(&token).unwrap();
    // The claims that vary: when it was issued, when it expires, its id.
    fn varying<'e>(case: Case<'e>, claims: &Value) -> Case<'e> {
        case.filter(claims["iat"].to_string(), "[IAT]")
            .filter(claims["exp"].to_string(), "[EXP]")
            .filter(claims["jti"].as_str().unwrap(), "[JTI]")
    }
    // The token itself is never printed.
    // Issued just now: "in 0s" or "1s ago".
    varying(env.case(["inspect", "org"]), &claims)
        .filter_regex(r"issued:  \[TIME\] \([^)]*\)", "issued:  [TIME] ([WHEN])")
        .run()
        .success()
        .stdout(r#"profile: org
type:    Bearer
format:  JWT (signature not verified: this shows what the token says about itself, not proof of who issued it)
header:  {
           "alg": "HS256",
           "kid": "fake",
           "typ": "JWT"
         }
claims:  {
           "client_id": "org-client",
           "exp": [EXP],
           "iat": [IAT],
           "iss": "fake-vendor",
           "jti": "[JTI]",
           "scope": "read write",
           "sub": "org-client"
         }
issued:  [TIME] ([WHEN])
scopes:  read write
expires: [TIME] (in [DURATION])
"#)
        .stderr("")
        .stdout_is("a token of about an hour", |out| {
            out.contains("(in 59m") || out.contains("(in 1h 0m)")
        })
        .hides(&[&token]);

    let doc = varying(env.case(["inspect", "--json"]), &claims)
        .filter_regex(r#""expires_in": \d+"#, "\"expires_in\": [SECS]")
        .run()
        .success()
        .stdout(
            r#"{
  "claims": {
    "client_id": "org-client",
    "exp": [EXP],
    "iat": [IAT],
    "iss": "fake-vendor",
    "jti": "[JTI]",
    "scope": "read write",
    "sub": "org-client"
  },
  "expires_at": "[TIME]",
  "expires_in": [SECS],
  "header": {
    "alg": "HS256",
    "kid": "fake",
    "typ": "JWT"
  },
  "jwt": true,
  "profile": "org",
  "scopes": [
    "read",
    "write"
  ],
  "signature_verified": false,
  "token_type": "Bearer"
}
"#,
        )
        .stderr("")
        .json();
    assert_eq!(doc["claims"], claims);
    assert!(doc["expires_in"].as_u64().unwrap() > 3500);
}

#[test]
fn inspect_says_when_a_token_is_not_a_jwt() {
    let server = FakeServer::start(fake());
    let env = env_for(&server, "");
    login(&env, &["login", "--secret-stdin"], "org");
    env.case(["inspect"])
        .run()
        .success()
        .stdout(
            "profile: org\n\
             type:    Bearer\n\
             format:  not a JWT (an opaque token): there are no claims to decode\n\
             expires: [TIME] (in [DURATION])\n",
        )
        .stderr("");
    env.case(["inspect", "--json"])
        .filter_regex(r#""expires_in": \d+"#, "\"expires_in\": [SECS]")
        .run()
        .success()
        .stdout(
            r#"{
  "claims": null,
  "expires_at": "[TIME]",
  "expires_in": [SECS],
  "header": null,
  "jwt": false,
  "profile": "org",
  "scopes": [],
  "signature_verified": false,
  "token_type": "Bearer"
}
"#,
        )
        .stderr("");
}

#[test]
fn doctor_checks_one_line_each_and_sends_no_credentials() {
    let server = FakeServer::start(fake());
    let env = env_for(&server, "");
    env.case(["login", "--secret-stdin", "--no-verify"])
        .stdin(format!("{SECRET}\n"))
        .run()
        .success()
        .stdout("")
        .stderr("authtool: profile 'org': stored client_secret in the file secret store\n");
    // The report is diagnostics: stderr. How long a connect takes varies.
    let connect_ms = r"directly in \d+ ms";
    env.case(["doctor"])
        .filter_regex(connect_ms, "directly in [N] ms")
        .run()
        .success()
        .stdout("")
        .stderr("ok    config: [ROOT]/config/authtool/config.toml (1 profile)\n      checking profile 'org', the only one\n\
             ok    profile 'org': valid (oauth2, token URL http://127.0.0.1:[PORT]/oauth2/token)\n\
             ok    profile 'org': secret store (file): reachable; client_secret stored\n\
             ok    profile 'org': trust roots: not used: the token URL is plain http (loopback or allow_insecure_http)\n\
             ok    profile 'org': proxy: plain http to loopback never goes through a proxy; connecting directly\n\
             ok    profile 'org': reachable: TCP connect to 127.0.0.1:[PORT] directly in [N] ms; plain http, no TLS; nothing sent\n");
    assert_eq!(server.request_count(), 0, "doctor sends no request");

    // Plain http to loopback never takes a proxy, whatever the variables
    // say, and the proxy's password is never shown (NO_PROXY for remote
    // URLs: tls::https_proxy_is_used_and_no_proxy_bypasses_it).
    env.case(["doctor"])
        .filter_regex(connect_ms, "directly in [N] ms")
        .env("HTTP_PROXY", "http://user:hunter2@proxy.invalid:3128")
        .env("NO_PROXY", "127.0.0.1")
        .run()
        .success()
        .stdout("")
        .stderr("ok    config: [ROOT]/config/authtool/config.toml (1 profile)\n      checking profile 'org', the only one\n\
             ok    profile 'org': valid (oauth2, token URL http://127.0.0.1:[PORT]/oauth2/token)\n\
             ok    profile 'org': secret store (file): reachable; client_secret stored\n\
             ok    profile 'org': trust roots: not used: the token URL is plain http (loopback or allow_insecure_http)\n\
             ok    profile 'org': proxy: plain http to loopback never goes through a proxy; connecting directly\n\
             ok    profile 'org': reachable: TCP connect to 127.0.0.1:[PORT] directly in [N] ms; plain http, no TLS; nothing sent\n")
        .hides(&["hunter2"]);

    // Nothing listening: exit 5, stdout empty.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let mut env = TestEnv::new();
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    env.write_config(&format!(
        "[profiles.org]\nprovider = \"oauth2\"\ntoken_url = \"http://127.0.0.1:{port}/t\"\nclient_id = \"x\"\nclient_secret_env = \"NOPE\"\n"
    ));
    env.case(["doctor"]).run().code(5).stdout("").stderr(r#"ok    config: [ROOT]/config/authtool/config.toml (1 profile)
      checking profile 'org', the only one
ok    profile 'org': valid (oauth2, token URL http://127.0.0.1:[PORT]/t)
ok    profile 'org': secret store (file): reachable (no secret of this profile comes from it)
warn  profile 'org': client_secret: $NOPE (from `client_secret_env`) is not set
ok    profile 'org': trust roots: not used: the token URL is plain http (loopback or allow_insecure_http)
ok    profile 'org': proxy: plain http to loopback never goes through a proxy; connecting directly
FAIL  profile 'org': reachable: cannot connect to 127.0.0.1:[PORT]: Connection refused (os error 111)
      hint: check the URL, your network and proxy settings (HTTPS_PROXY, NO_PROXY)
authtool: error: doctor: 1 of 7 checks failed
hint: see the FAIL lines above
"#);

    // A broken profile: exit 2.
    env.write_config("[profiles.org]\nprovider = \"oauth2\"\ntokn_url = \"x\"\n");
    env.case(["doctor", "org"])
        .run()
        .code(2)
        .stdout("")
        .stderr(r#"ok    config: [ROOT]/config/authtool/config.toml (1 profile)
      checking profile 'org' only, the one named
FAIL  profile 'org': [ROOT]/config/authtool/config.toml:3: profile 'org': unknown field `tokn_url`, expected one of `token_url`, `issuer`, `authorization_url`, `device_authorization_url`, `revocation_url`, `grant`, `client_auth`, `client_id`, `redirect_port`, `login_timeout`, `username`, `scope`, `audience`, `resource`, `extra`, `key_id`, `signing_alg`
      hint: fix the file, then check it with `authtool config check`
authtool: error: doctor: 1 of 2 checks failed
hint: see the FAIL lines above
"#);
    // No config at all: exit 2.
    TestEnv::new()
        .case(["doctor"])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            r#"FAIL  config: config file [ROOT]/config/authtool/config.toml does not exist
      hint: run `authtool config init` to write an example config there, then edit it
      hint: or point --config / $AUTHTOOL_CONFIG at your config file
authtool: error: doctor: 1 of 1 checks failed
hint: see the FAIL lines above
"#,
        );
}

#[test]
fn doctor_checks_every_profile_unless_one_is_named() {
    let server = FakeServer::start(fake());
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let mut env = TestEnv::new();
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    env.set_env("ORG_SECRET", SECRET);
    // `default_profile` does not narrow the check: a doctor looks at the
    // whole setup.
    env.write_config(&format!(
        "default_profile = \"org\"\n\n{}\n[profiles.dead]\nprovider = \"oauth2\"\ntoken_url = \"http://127.0.0.1:{port}/t\"\nclient_id = \"x\"\nclient_secret_env = \"ORG_SECRET\"\n",
        org_profile(&server.token_url(), "client_secret_env = \"ORG_SECRET\"\n")
    ));
    let connect_ms = r"directly in \d+ ms";
    let org = "ok    profile 'org': valid (oauth2, token URL http://127.0.0.1:[PORT]/oauth2/token)
ok    profile 'org': secret store (file): reachable (no secret of this profile comes from it)
ok    profile 'org': trust roots: not used: the token URL is plain http (loopback or allow_insecure_http)
ok    profile 'org': proxy: plain http to loopback never goes through a proxy; connecting directly
ok    profile 'org': reachable: TCP connect to 127.0.0.1:[PORT] directly in [N] ms; plain http, no TLS; nothing sent
";
    let dead = "ok    profile 'dead': valid (oauth2, token URL http://127.0.0.1:[PORT]/t)
ok    profile 'dead': secret store (file): reachable (no secret of this profile comes from it)
ok    profile 'dead': trust roots: not used: the token URL is plain http (loopback or allow_insecure_http)
ok    profile 'dead': proxy: plain http to loopback never goes through a proxy; connecting directly
FAIL  profile 'dead': reachable: cannot connect to 127.0.0.1:[PORT]: Connection refused (os error 111)
      hint: check the URL, your network and proxy settings (HTTPS_PROXY, NO_PROXY)
";
    let config = "ok    config: [ROOT]/config/authtool/config.toml (2 profiles)\n";
    let failed = |n: usize| {
        format!("authtool: error: doctor: 1 of {n} checks failed\nhint: see the FAIL lines above\n")
    };

    // None named: all of them, each line naming its profile.
    env.case(["doctor"])
        .filter_regex(connect_ms, "directly in [N] ms")
        .run()
        .code(5)
        .stdout("")
        .stderr(format!(
            "{config}      checking all 2 profiles: 'dead', 'org' (name one to check only it)\n{dead}{org}{}",
            failed(11)
        ));
    // One named, as -p NAME, as the argument, or in $AUTHTOOL_PROFILE:
    // only that one.
    env.case(["doctor", "-p", "org"])
        .filter_regex(connect_ms, "directly in [N] ms")
        .run()
        .success()
        .stdout("")
        .stderr(format!(
            "{config}      checking profile 'org' only, the one named\n{org}"
        ));
    env.case(["doctor", "dead"])
        .run()
        .code(5)
        .stdout("")
        .stderr(format!(
            "{config}      checking profile 'dead' only, the one named\n{dead}{}",
            failed(6)
        ));
    env.case(["doctor"])
        .env("AUTHTOOL_PROFILE", "org")
        .filter_regex(connect_ms, "directly in [N] ms")
        .run()
        .success()
        .stdout("")
        .stderr(format!(
            "{config}      checking profile 'org' only, named by $AUTHTOOL_PROFILE\n{org}"
        ));
    assert_eq!(server.request_count(), 0, "doctor sends no request");
}

#[test]
fn no_command_shows_a_secret_with_verbose_output() {
    let server = FakeServer::start(fake().with_user(USER, PASSWORD).lifetime_secs(600));
    let env = env_for(
        &server,
        &format!("grant = \"password\"\nusername = \"{USER}\"\n"),
    );
    let stdin = format!("{SECRET}\n{PASSWORD}\n");
    let mut refresh_tokens = Vec::new();
    let mut check = |args: &[&str], token_printed: bool| {
        let mut args = args.to_vec();
        args.push("-v");
        let out = env
            .case(&args)
            .stdin(stdin.as_str())
            .run()
            .success()
            .into_output();
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
