//! Self-tests of the shared test support: the fake servers checked with
//! `curl`, and the hermetic command environment.

use std::collections::HashSet;
use std::time::Duration;

use crate::support::{
    ClientAuth, FakeOAuth2, FakeServer, Fault, TestEnv, basic_header, basic_header_rfc6749, curl,
    form_encode, jwt_claims,
};

const ID: &str = "client-1";
const SECRET: &str = "s3cret";

fn server() -> FakeServer<FakeOAuth2> {
    FakeServer::start(FakeOAuth2::new(ID, SECRET))
}

/// POSTs a form body to the token endpoint with RFC 6749 Basic client auth.
fn post_basic(
    server: &FakeServer<FakeOAuth2>,
    id: &str,
    secret: &str,
    form: &[(&str, &str)],
) -> crate::support::CurlOutput {
    let auth = format!("Authorization: {}", basic_header_rfc6749(id, secret));
    curl(&[
        "-H",
        &auth,
        "--data",
        &form_encode(form),
        &server.token_url(),
    ])
}

fn client_credentials(server: &FakeServer<FakeOAuth2>) -> crate::support::CurlOutput {
    post_basic(server, ID, SECRET, &[("grant_type", "client_credentials")])
}

fn assert_oauth_error(out: &crate::support::CurlOutput, status: u16, error: &str) {
    assert_eq!(out.status, status, "{out:?}");
    assert_eq!(out.json()["error"], error, "{out:?}");
    assert!(out.json()["error_description"].is_string(), "{out:?}");
}

#[test]
fn basic_auth_with_special_characters_encoded_per_rfc6749() {
    let id = "my:client+id é%";
    let secret = "p@ss w%rd:+ö/=";
    let server = FakeServer::start(FakeOAuth2::new(id, secret));
    let out = post_basic(&server, id, secret, &[("grant_type", "client_credentials")]);
    assert_eq!(out.status, 200, "{out:?}");
    assert_eq!(out.header("content-type"), Some("application/json"));
    assert_eq!(out.header("cache-control"), Some("no-store"));
    let body = out.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(
        body["refresh_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    assert_eq!(server.counters().logins, 1);
    assert_eq!(server.counters().client_credentials, 1);
}

#[test]
fn basic_auth_with_raw_special_characters_is_rejected() {
    // Sent without the §2.3.1 form-encoding, these decode to other values.
    for (id, secret) in [
        ("my:client", "secret"),
        ("client", "a+b c"),
        ("client", "50%off"),
    ] {
        let server = FakeServer::start(FakeOAuth2::new(id, secret));
        let auth = format!("Authorization: {}", basic_header(id, secret));
        let out = curl(&[
            "-H",
            &auth,
            "-d",
            "grant_type=client_credentials",
            &server.token_url(),
        ]);
        assert_oauth_error(&out, 401, "invalid_client");
        assert_eq!(
            out.header("www-authenticate"),
            Some(r#"Basic realm="fake""#)
        );
        assert_eq!(server.counters().logins, 0);
        assert_eq!(server.counters().rejected, 1);
    }
    // Plain ASCII is the same either way.
    let server = server();
    let auth = format!("Authorization: {}", basic_header(ID, SECRET));
    let out = curl(&[
        "-H",
        &auth,
        "-d",
        "grant_type=client_credentials",
        &server.token_url(),
    ]);
    assert_eq!(out.status, 200, "{out:?}");
}

#[test]
fn raw_basic_when_configured() {
    let server = FakeServer::start(FakeOAuth2::new("id+1", "se cret:").basic_form_encoded(false));
    let auth = format!("Authorization: {}", basic_header("id+1", "se cret:"));
    let out = curl(&[
        "-H",
        &auth,
        "-d",
        "grant_type=client_credentials",
        &server.token_url(),
    ]);
    assert_eq!(out.status, 200, "{out:?}");
    let out = post_basic(
        &server,
        "id+1",
        "se cret:",
        &[("grant_type", "client_credentials")],
    );
    assert_oauth_error(&out, 401, "invalid_client");
}

#[test]
fn body_auth() {
    let server = server();
    let form = form_encode(&[
        ("grant_type", "client_credentials"),
        ("client_id", ID),
        ("client_secret", SECRET),
    ]);
    let out = curl(&["--data", &form, &server.token_url()]);
    assert_eq!(out.status, 200, "{out:?}");
    let request = &server.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.form().expect("form body")[1],
        ("client_id".to_string(), ID.to_string())
    );
}

#[test]
fn query_auth_with_all_parameters_in_the_query() {
    let server = server();
    let url = format!(
        "{}?{}",
        server.token_url(),
        form_encode(&[
            ("grant_type", "client_credentials"),
            ("client_id", ID),
            ("client_secret", SECRET)
        ])
    );
    let out = curl(&["-X", "POST", &url]);
    assert_eq!(out.status, 200, "{out:?}");
    assert_eq!(server.requests()[0].query_param("client_id"), Some(ID));
}

#[test]
fn query_auth_with_parameters_in_the_body() {
    let server = server();
    let url = format!(
        "{}?{}",
        server.token_url(),
        form_encode(&[("client_id", ID), ("client_secret", SECRET)])
    );
    let out = curl(&["-d", "grant_type=client_credentials", &url]);
    assert_eq!(out.status, 200, "{out:?}");
}

#[test]
fn two_auth_methods_are_rejected() {
    let server = server();
    let auth = format!("Authorization: {}", basic_header_rfc6749(ID, SECRET));
    let form = form_encode(&[
        ("grant_type", "client_credentials"),
        ("client_id", ID),
        ("client_secret", SECRET),
    ]);
    let out = curl(&["-H", &auth, "--data", &form, &server.token_url()]);
    assert_oauth_error(&out, 400, "invalid_request");

    let url = format!(
        "{}?client_id={ID}&client_secret={SECRET}",
        server.token_url()
    );
    let out = curl(&["-H", &auth, "-d", "grant_type=client_credentials", &url]);
    assert_oauth_error(&out, 400, "invalid_request");

    let out = curl(&["-d", "grant_type=client_credentials", &server.token_url()]);
    assert_oauth_error(&out, 400, "invalid_request");
    assert_eq!(server.counters().logins, 0);
    assert_eq!(server.counters().rejected, 3);
}

#[test]
fn disallowed_auth_method_is_rejected() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET).allowed_auth(&[ClientAuth::Basic]));
    let form = form_encode(&[
        ("grant_type", "client_credentials"),
        ("client_id", ID),
        ("client_secret", SECRET),
    ]);
    let out = curl(&["--data", &form, &server.token_url()]);
    assert_oauth_error(&out, 400, "invalid_request");
    assert_eq!(client_credentials(&server).status, 200);
}

#[test]
fn wrong_secret_is_invalid_client() {
    let server = server();
    let out = post_basic(
        &server,
        ID,
        "wrong",
        &[("grant_type", "client_credentials")],
    );
    assert_oauth_error(&out, 401, "invalid_client");
    assert_eq!(
        out.header("www-authenticate"),
        Some(r#"Basic realm="fake""#)
    );

    let form = form_encode(&[
        ("grant_type", "client_credentials"),
        ("client_id", ID),
        ("client_secret", "wrong"),
    ]);
    let out = curl(&["--data", &form, &server.token_url()]);
    assert_oauth_error(&out, 401, "invalid_client");
    assert_eq!(out.header("www-authenticate"), None);
}

#[test]
fn password_grant() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET).with_user("alice", "pw d+"));
    let form = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", "pw d+"),
    ];
    let out = post_basic(&server, ID, SECRET, &form);
    assert_eq!(out.status, 200, "{out:?}");
    let whoami = curl(&[
        "-H",
        &format!("Authorization: Bearer {}", out.field("access_token")),
        &server.whoami_url(),
    ]);
    assert_eq!(whoami.json()["sub"], "alice");

    let out = post_basic(
        &server,
        ID,
        SECRET,
        &[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "nope"),
        ],
    );
    assert_oauth_error(&out, 400, "invalid_grant");
    let out = post_basic(
        &server,
        ID,
        SECRET,
        &[("grant_type", "password"), ("username", "alice")],
    );
    assert_oauth_error(&out, 400, "invalid_request");
    let counters = server.counters();
    assert_eq!(
        (counters.password, counters.logins, counters.rejected),
        (1, 1, 2)
    );
}

#[test]
fn grant_type_missing_or_unsupported() {
    let server = server();
    let out = post_basic(&server, ID, SECRET, &[("scope", "a")]);
    assert_oauth_error(&out, 400, "invalid_request");
    let out = post_basic(&server, ID, SECRET, &[("grant_type", "authorization_code")]);
    assert_oauth_error(&out, 400, "unsupported_grant_type");
}

#[test]
fn refresh_tokens_rotate() {
    let server = server();
    let first = client_credentials(&server);
    let rt1 = first.field("refresh_token");

    let second = post_basic(
        &server,
        ID,
        SECRET,
        &[("grant_type", "refresh_token"), ("refresh_token", &rt1)],
    );
    assert_eq!(second.status, 200, "{second:?}");
    let rt2 = second.field("refresh_token");
    assert_ne!(rt1, rt2);
    assert_ne!(first.field("access_token"), second.field("access_token"));

    let third = post_basic(
        &server,
        ID,
        SECRET,
        &[("grant_type", "refresh_token"), ("refresh_token", &rt2)],
    );
    assert_eq!(third.status, 200, "{third:?}");
    let counters = server.counters();
    assert_eq!(
        (counters.logins, counters.refreshes, counters.refresh_reuse),
        (1, 2, 0)
    );
    assert_eq!(server.valid_access_tokens(), 3);
}

#[test]
fn reused_refresh_token_is_invalid_grant() {
    let server = server();
    let rt1 = client_credentials(&server).field("refresh_token");
    let refresh = [
        ("grant_type", "refresh_token"),
        ("refresh_token", rt1.as_str()),
    ];
    assert_eq!(post_basic(&server, ID, SECRET, &refresh).status, 200);

    let again = post_basic(&server, ID, SECRET, &refresh);
    assert_oauth_error(&again, 400, "invalid_grant");
    assert_eq!(server.counters().refresh_reuse, 1);

    let unknown = post_basic(
        &server,
        ID,
        SECRET,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "made-up"),
        ],
    );
    assert_oauth_error(&unknown, 400, "invalid_grant");
    let counters = server.counters();
    assert_eq!(
        (
            counters.refreshes,
            counters.refresh_reuse,
            counters.refresh_unknown
        ),
        (1, 1, 1)
    );
}

#[test]
fn refresh_requires_the_same_client() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET).with_client("other", "pw"));
    let rt = client_credentials(&server).field("refresh_token");
    let refresh = [
        ("grant_type", "refresh_token"),
        ("refresh_token", rt.as_str()),
    ];
    assert_oauth_error(
        &post_basic(&server, "other", "pw", &refresh),
        400,
        "invalid_grant",
    );
    assert_oauth_error(
        &post_basic(&server, ID, "wrong", &refresh),
        401,
        "invalid_client",
    );
    // Neither attempt consumed the token.
    assert_eq!(post_basic(&server, ID, SECRET, &refresh).status, 200);
}

#[test]
fn wrong_content_type_is_rejected() {
    let server = server();
    let auth = format!("Authorization: {}", basic_header_rfc6749(ID, SECRET));
    let out = curl(&[
        "-H",
        &auth,
        "-H",
        "Content-Type: application/json",
        "--data",
        r#"{"grant_type":"client_credentials"}"#,
        &server.token_url(),
    ]);
    assert_oauth_error(&out, 400, "invalid_request");
    let out = curl(&[
        "-H",
        &auth,
        "-H",
        "Content-Type: application/x-www-form-urlencoded; charset=UTF-8",
        "--data",
        "grant_type=client_credentials",
        &server.token_url(),
    ]);
    assert_eq!(out.status, 200, "{out:?}");
}

#[test]
fn unknown_or_repeated_parameters_are_rejected() {
    let server = server();
    let out = post_basic(
        &server,
        ID,
        SECRET,
        &[("grant_type", "client_credentials"), ("colour", "red")],
    );
    assert_oauth_error(&out, 400, "invalid_request");
    assert_eq!(
        out.json()["error_description"],
        "unexpected parameter `colour`"
    );
    let out = post_basic(
        &server,
        ID,
        SECRET,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "a"),
            ("scope", "b"),
        ],
    );
    assert_oauth_error(&out, 400, "invalid_request");
    assert_eq!(server.counters().logins, 0);
}

#[test]
fn expected_scope_audience_and_extra() {
    let server = FakeServer::start(
        FakeOAuth2::new(ID, SECRET)
            .expected_scope("read write")
            .expected_audience("https://api.example")
            .expected_extra("tenant", "acme"),
    );
    let good = [
        ("grant_type", "client_credentials"),
        ("scope", "write read"),
        ("audience", "https://api.example"),
        ("tenant", "acme"),
    ];
    let out = post_basic(&server, ID, SECRET, &good);
    assert_eq!(out.status, 200, "{out:?}");
    assert_eq!(out.field("scope"), "write read");

    let mut no_scope = good.to_vec();
    no_scope.remove(1);
    assert_oauth_error(
        &post_basic(&server, ID, SECRET, &no_scope),
        400,
        "invalid_scope",
    );
    let mut other_audience = good.to_vec();
    other_audience[2].1 = "https://elsewhere";
    assert_oauth_error(
        &post_basic(&server, ID, SECRET, &other_audience),
        400,
        "invalid_request",
    );
    let mut no_tenant = good.to_vec();
    no_tenant.pop();
    assert_oauth_error(
        &post_basic(&server, ID, SECRET, &no_tenant),
        400,
        "invalid_request",
    );
}

#[test]
fn only_post_to_the_token_endpoint() {
    let server = server();
    let out = curl(&[&server.token_url()]);
    assert_eq!(out.status, 405, "{out:?}");
    assert_eq!(out.header("allow"), Some("POST"));
    let out = curl(&[
        "-d",
        "grant_type=client_credentials",
        &server.url_for("/oauth2/other"),
    ]);
    assert_eq!(out.status, 404, "{out:?}");
}

#[test]
fn whoami_accepts_only_issued_unexpired_tokens() {
    let server = server();
    let token = client_credentials(&server).field("access_token");
    let out = curl(&[
        "-H",
        &format!("Authorization: Bearer {token}"),
        &server.whoami_url(),
    ]);
    assert_eq!(out.status, 200, "{out:?}");
    assert_eq!(out.json()["ok"], true);
    assert_eq!(out.json()["sub"], ID);

    let out = curl(&[
        "-H",
        "Authorization: Bearer not-a-token",
        &server.whoami_url(),
    ]);
    assert_eq!(out.status, 401, "{out:?}");
    assert_eq!(
        out.header("www-authenticate"),
        Some(
            r#"Bearer realm="fake", error="invalid_token", error_description="the access token is unknown or revoked""#
        )
    );
    let out = curl(&[&server.whoami_url()]);
    assert_eq!(out.status, 401, "{out:?}");

    server.advance_clock(Duration::from_secs(3601));
    let out = curl(&[
        "-H",
        &format!("Authorization: Bearer {token}"),
        &server.whoami_url(),
    ]);
    assert_eq!(out.status, 401, "{out:?}");
    assert_eq!(server.valid_access_tokens(), 0);
    let counters = server.counters();
    assert_eq!((counters.whoami_ok, counters.whoami_rejected), (1, 3));
}

#[test]
fn fault_script_then_normal() {
    let server = server();
    server.script(vec![
        Fault::status(503, "upstream down"),
        Fault::RetryAfter(429, 1),
    ]);
    let out = client_credentials(&server);
    assert_eq!((out.status, out.body.as_str()), (503, "upstream down"));
    let out = client_credentials(&server);
    assert_eq!(out.status, 429);
    assert_eq!(out.header("retry-after"), Some("1"));
    assert_eq!(server.faults_remaining(), 0);
    assert_eq!(client_credentials(&server).status, 200);
    assert_eq!(
        server.counters().token_requests,
        1,
        "faulted requests never reach the vendor"
    );
    assert_eq!(server.request_count(), 3, "but they are logged");
}

#[test]
fn faults_drop_raw_and_delay() {
    let server = server();
    server.script(vec![
        Fault::Drop,
        Fault::truncated(r#"{"access_tok"#),
        Fault::garbage(),
        Fault::Delay(Duration::from_secs(3)),
        Fault::Pass,
    ]);
    let out = client_credentials(&server);
    assert_eq!((out.status, out.exit_code), (0, 52), "empty reply: {out:?}");
    let out = client_credentials(&server);
    assert_eq!(out.exit_code, 18, "partial body: {out:?}");
    let out = client_credentials(&server);
    assert_ne!(out.exit_code, 0, "garbage: {out:?}");
    let auth = format!("Authorization: {}", basic_header_rfc6749(ID, SECRET));
    let out = curl(&[
        "--max-time",
        "1",
        "-H",
        &auth,
        "-d",
        "grant_type=client_credentials",
        &server.token_url(),
    ]);
    assert_eq!(out.exit_code, 28, "timeout: {out:?}");
    assert_eq!(client_credentials(&server).status, 200);
}

#[test]
fn script_on_a_path_leaves_other_paths_alone() {
    let server = server();
    server.script_on(
        "/oauth2/token",
        vec![Fault::status(500, r#"{"error":"server_error"}"#)],
    );
    assert_eq!(curl(&[&server.whoami_url()]).status, 401);
    let out = client_credentials(&server);
    assert_eq!(out.status, 500);
    assert_eq!(out.header("content-type"), Some("application/json"));
}

#[test]
fn expires_in_as_string_and_omitted() {
    let server = FakeServer::start(
        FakeOAuth2::new(ID, SECRET)
            .expires_in_as_string(true)
            .lifetime_secs(120),
    );
    assert_eq!(client_credentials(&server).json()["expires_in"], "120");
    server.with_vendor(|v| v.omit_expires_in = true);
    assert!(
        client_credentials(&server)
            .json()
            .get("expires_in")
            .is_none()
    );
}

#[test]
fn jwt_access_tokens() {
    let server = FakeServer::start(
        FakeOAuth2::new(ID, SECRET)
            .jwt_tokens(true)
            .lifetime_secs(600),
    );
    let out = post_basic(
        &server,
        ID,
        SECRET,
        &[("grant_type", "client_credentials"), ("scope", "read")],
    );
    let token = out.field("access_token");
    assert_eq!(token.split('.').count(), 3);
    let claims = jwt_claims(&token).expect("a JWT");
    assert_eq!(claims["sub"], ID);
    assert_eq!(claims["scope"], "read");
    let (iat, exp) = (
        claims["iat"].as_u64().expect("iat"),
        claims["exp"].as_u64().expect("exp"),
    );
    assert_eq!(exp - iat, 600);
    let whoami = curl(&[
        "-H",
        &format!("Authorization: Bearer {token}"),
        &server.whoami_url(),
    ]);
    assert_eq!(whoami.status, 200);
}

#[test]
fn no_refresh_tokens_when_disabled() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET).issue_refresh_tokens(false));
    assert!(
        client_credentials(&server)
            .json()
            .get("refresh_token")
            .is_none()
    );
}

#[test]
fn concurrent_clients() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    server.set_delay(Duration::from_millis(200));
    let tokens: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..50)
            .map(|_| scope.spawn(|| client_credentials(&server)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("curl thread").field("access_token"))
            .collect()
    });
    assert_eq!(tokens.iter().collect::<HashSet<_>>().len(), 50);
    assert_eq!(server.counters().logins, 50);
    assert_eq!(server.request_count(), 50);
}

#[test]
fn test_env_is_hermetic() {
    let mut env = TestEnv::new();
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    // Exactly these variables (Command passes them sorted by name); PATH
    // is inherited.
    env.case(Vec::<&str>::new())
        .program("env")
        .filter_regex(r"(?m)^PATH=.*$", "PATH=[PATH]")
        .run()
        .success()
        .stdout(
            "AUTHTOOL_CONFIG=[ROOT]/config/authtool/config.toml\n\
            AUTHTOOL_SECRET_STORE=file\n\
            HOME=[ROOT]/home\n\
            LANG=C\n\
            PATH=[PATH]\n\
            XDG_CACHE_HOME=[ROOT]/cache\n\
            XDG_CONFIG_HOME=[ROOT]/config\n\
            XDG_DATA_HOME=[ROOT]/data\n\
            XDG_RUNTIME_DIR=[ROOT]/runtime\n\
            XDG_STATE_HOME=[ROOT]/state\n",
        )
        .stderr("");

    env.remove_env("AUTHTOOL_CONFIG");
    assert!(env.env_vars().iter().all(|(n, _)| n != "AUTHTOOL_CONFIG"));

    let config = env.write_config("default_profile = \"x\"\n");
    assert_eq!(
        std::fs::read_to_string(config).expect("config"),
        "default_profile = \"x\"\n"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(env.runtime_dir())
            .expect("runtime dir")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}

#[test]
fn test_env_runs_authtool() {
    let env = TestEnv::new();
    env.case(["--help"])
        .run()
        .success()
        .stdout_is("the help", |help| {
            help.starts_with(
                "Bearer tokens for the APIs you call, with secrets in the OS keychain.\n",
            )
        })
        .stderr("");
}
