//! TLS and proxies (issue 6): every provider over HTTPS with a CA made in
//! the test — refused without `ca_file` (exit 5, "not trusted", a hint
//! naming `ca_file`), working with it; plain http:// to anything but
//! loopback refused before connecting; `HTTPS_PROXY` and `NO_PROXY`
//! honoured.

use crate::support::providers::assert_fails;
use crate::support::*;

fn ca_file(env: &TestEnv, pem: &str) -> String {
    let path = env.write_file("ca.pem", pem);
    format!("ca_file = \"{}\"\n", path.display())
}

#[test]
fn every_provider_refuses_an_untrusted_certificate_and_works_with_ca_file() {
    for case in ProviderCase::all() {
        let tls = TlsFront::start(case.fake.addr());
        let what = case.profile;

        // The OS trust store does not know the test CA.
        let env = case.env_at(&tls.url(), "");
        let out = env.case(["token", "-v"]).run().into_output();
        let stderr = assert_fails(
            &out,
            5,
            &[
                "certificate is not trusted",
                "unknown issuer",
                "hint: if the server uses a private or company certificate authority",
                "ca_file",
            ],
            &case.secret_values(),
        );
        // Refused at the handshake: not retried, nothing reached the server.
        assert!(stderr.contains("(attempt 1)"), "{what}: {stderr}");
        assert!(!stderr.contains("(attempt 2)"), "{what}: {stderr}");
        assert_eq!(case.fake.request_count(), 0, "{what}");
        assert_eq!(tls.handshakes(), 0, "{what}");

        // With the CA in ca_file (added to the OS store), it works.
        let env = case.env_at(&tls.url(), "");
        let extra = ca_file(&env, tls.ca_pem());
        env.write_config(&format!("{}{extra}", case.profile_toml(&tls.url(), true)));
        let out = env.case(["token"]).run().into_output();
        assert!(out.status.success(), "{what}\n{}", transcript(&out));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim_end(),
            case.fake.last_access_token().unwrap(),
            "{what}"
        );
        assert!(tls.handshakes() >= 1, "{what}");
    }
}

#[test]
fn a_certificate_from_another_ca_is_refused_and_a_bad_ca_file_is_a_config_error() {
    let server = FakeServer::start(FakeOAuth2::new("id", "s3cret"));
    let tls = TlsFront::start(server.addr());
    let config = |extra: &str| {
        format!(
            "[profiles.org]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"id\"\nclient_secret_env = \"ORG_SECRET\"\n{extra}",
            tls.url_for("/oauth2/token")
        )
    };
    let mut env = TestEnv::new();
    env.set_env("ORG_SECRET", "s3cret");

    // Another CA, however valid, did not sign this server.
    let other = TestPki::new();
    env.write_config(&config(&ca_file(&env, &other.ca_pem)));
    assert_fails(
        &env.case(["token"]).run().into_output(),
        5,
        &["certificate is not trusted", "ca_file"],
        &["s3cret"],
    );

    // A ca_file that is missing or holds no certificate: exit 2, named.
    let missing = env.root().join("nope.pem");
    env.write_config(&config(&format!("ca_file = \"{}\"\n", missing.display())));
    assert_fails(
        &env.case(["token"]).run().into_output(),
        2,
        &["ca_file", "nope.pem"],
        &["s3cret"],
    );
    let junk = env.write_file("junk.pem", "not a certificate\n");
    env.write_config(&config(&format!("ca_file = \"{}\"\n", junk.display())));
    assert_fails(
        &env.case(["token"]).run().into_output(),
        2,
        &["ca_file", "junk.pem"],
        &["s3cret"],
    );
    assert_eq!(server.request_count(), 0);
}

#[test]
fn plain_http_to_a_remote_host_is_refused_for_every_provider() {
    // Were authtool to try, the proxy would see the request.
    let proxy = ConnectProxy::start();
    for case in ProviderCase::all() {
        let mut env = TestEnv::new();
        env.set_env("AUTHTOOL_SECRET_STORE", "file");
        for (name, value) in &case.secrets {
            env.set_env(name, value);
        }
        for var in ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"] {
            env.set_env(var, proxy.url());
        }
        env.write_config(&case.profile_toml("http://auth.example.com", true));
        assert_fails(
            &env.case(["token"]).run().into_output(),
            2,
            &["refusing to send credentials over plain http to auth.example.com"],
            &case.secret_values(),
        );
    }
    assert!(proxy.tunnels().is_empty());
    assert!(proxy.refused().is_empty(), "{:?}", proxy.refused());
}

#[test]
fn https_proxy_is_used_and_no_proxy_bypasses_it() {
    let server = FakeServer::start(FakeOAuth2::new("id", "s3cret"));
    let tls = TlsFront::start(server.addr());
    let proxy = ConnectProxy::start();
    let mut env = TestEnv::new();
    env.set_env("ORG_SECRET", "s3cret");
    let extra = ca_file(&env, tls.ca_pem());
    env.write_config(&format!(
        "[profiles.org]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"id\"\nclient_secret_env = \"ORG_SECRET\"\n{extra}",
        tls.url_for("/oauth2/token")
    ));
    let target = format!("localhost:{}", tls.addr().port());

    // Through the proxy: one CONNECT tunnel to the token server.
    env.set_env("HTTPS_PROXY", proxy.url());
    let out = env.case(["token", "--no-cache"]).run().into_output();
    assert!(out.status.success(), "{}", transcript(&out));
    assert_eq!(proxy.tunnels(), vec![target.clone()]);

    // The lower-case spelling too.
    env.remove_env("HTTPS_PROXY")
        .set_env("https_proxy", proxy.url());
    let out = env.case(["token", "--no-cache"]).run().into_output();
    assert!(out.status.success(), "{}", transcript(&out));
    assert_eq!(proxy.tunnels().len(), 2);

    // NO_PROXY names the host: straight there, the proxy sees nothing.
    env.set_env("NO_PROXY", "localhost");
    let out = env.case(["token", "--no-cache"]).run().into_output();
    assert!(out.status.success(), "{}", transcript(&out));
    assert_eq!(proxy.tunnels().len(), 2);
    assert_eq!(server.counters().logins, 3);

    // A proxy that is down is a connection error that names the proxy
    // settings.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    env.remove_env("NO_PROXY")
        .set_env("https_proxy", format!("http://127.0.0.1:{closed}"))
        .write_config(&format!(
            "[profiles.org]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"id\"\nclient_secret_env = \"ORG_SECRET\"\ntimeout = \"2s\"\n{extra}",
            tls.url_for("/oauth2/token")
        ));
    assert_fails(
        &env.case(["token", "--no-cache"]).run().into_output(),
        5,
        &["cannot connect", "HTTPS_PROXY"],
        &["s3cret"],
    );
    assert_eq!(server.counters().logins, 3);
}
