//! TLS and proxies (issue 6): every provider over HTTPS with a CA made in
//! the test — refused without `ca_file` (exit 5, "not trusted", a hint
//! naming `ca_file`), working with it; plain http:// to anything but
//! loopback refused before connecting; `HTTPS_PROXY` and `NO_PROXY`
//! honoured.

use crate::support::*;

/// The hints after a certificate authtool does not trust.
const CA_FILE_HINTS: &str = "hint: if the server uses a private or company certificate authority, save its CA certificate (PEM) to a file and set `ca_file = \"/path/to/ca.pem\"` in the profile\n\
    hint: authtool trusts the system's certificate store plus `ca_file`\n";

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
        // Refused at the handshake: not retried (one attempt), nothing
        // reached the server.
        let (p, method, query) = (case.profile, case.login_method(), case.shown_query());
        env.case(["token", "-v"])
            .filter(tls.url_for(case.login_path), "[URL]")
            .run()
            .code(5)
            .stdout("")
            .stderr(format!(
                "authtool: profile '{p}': no cached token for this profile's current settings\n\
                 authtool: profile '{p}': logging in at [URL]\n\
                 authtool: {method} [URL]{query} (attempt 1)\n\
                 authtool: error: refusing [URL]{query}: its certificate is not trusted: it is not signed by a certificate authority this machine trusts (unknown issuer)\n\
                 {CA_FILE_HINTS}"
            ))
            .hides(&case.secret_values());
        assert_eq!(case.fake.request_count(), 0, "{what}");
        assert_eq!(tls.handshakes(), 0, "{what}");

        // With the CA in ca_file (added to the OS store), it works.
        let env = case.env_at(&tls.url(), "");
        let extra = ca_file(&env, tls.ca_pem());
        env.write_config(&format!("{}{extra}", case.profile_toml(&tls.url(), true)));
        let ran = env.case(["token"]).run();
        ran.token(case.fake.last_access_token().unwrap())
            .success()
            .stdout("[TOKEN]\n")
            .stderr("");
        assert!(tls.handshakes() >= 1, "{what}");
    }
}

#[test]
fn a_certificate_from_another_ca_is_refused_and_a_bad_ca_file_is_a_config_error() {
    let server = FakeServer::start(org_fake());
    let tls = TlsFront::start(server.addr());
    let token_url = tls.url_for("/oauth2/token");
    let config = |extra: &str| org_config(&token_url, extra);
    let env = org_env_at(&token_url, "");

    // Another CA, however valid, did not sign this server.
    let other = TestPki::new();
    env.write_config(&config(&ca_file(&env, &other.ca_pem)));
    env.case(["token"])
        .run()
        .code(5)
        .stdout("")
        .stderr(format!(
            "authtool: error: refusing https://localhost:[PORT]/oauth2/token: its certificate is not trusted: BadSignature\n\
             {CA_FILE_HINTS}"
        ))
        .hides(&[ORG_SECRET]);

    // A ca_file that is missing or holds no certificate: exit 2, named.
    let missing = env.root().join("nope.pem");
    env.write_config(&config(&format!("ca_file = \"{}\"\n", missing.display())));
    env.case(["token"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: [ROOT]/config/authtool/config.toml:6: profile 'org': key `ca_file`: ca_file [ROOT]/nope.pem does not exist\n\
            hint: fix the file, then check it with `authtool config check`\n")
        .hides(&[ORG_SECRET]);
    let junk = env.write_file("junk.pem", "not a certificate\n");
    env.write_config(&config(&format!("ca_file = \"{}\"\n", junk.display())));
    env.case(["token"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: ca_file [ROOT]/junk.pem contains no PEM certificates\n")
        .hides(&[ORG_SECRET]);
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
        env.case(["token"])
            .run()
            .code(2)
            .stdout("")
            .stderr("authtool: error: refusing to send credentials over plain http to auth.example.com\n\
                hint: use an https:// URL\n\
                hint: or, if you really mean it, set allow_insecure_http = true in the profile\n")
            .hides(&case.secret_values());
    }
    assert!(proxy.tunnels().is_empty());
    assert!(proxy.refused().is_empty(), "{:?}", proxy.refused());
}

#[test]
fn https_proxy_is_used_and_no_proxy_bypasses_it() {
    let server = FakeServer::start(org_fake());
    let tls = TlsFront::start(server.addr());
    let proxy = ConnectProxy::start();
    let token_url = tls.url_for("/oauth2/token");
    let mut env = org_env_at(&token_url, "");
    let extra = ca_file(&env, tls.ca_pem());
    env.write_config(&org_config(&token_url, &extra));
    let target = format!("localhost:{}", tls.addr().port());

    // Through the proxy: one CONNECT tunnel to the token server.
    env.set_env("HTTPS_PROXY", proxy.url());
    let ran = env.case(["token", "--no-cache"]).run();
    ran.token(server.last_access_token().unwrap())
        .success()
        .stdout("[TOKEN]\n")
        .stderr("");
    assert_eq!(proxy.tunnels(), vec![target.clone()]);

    // `-v` names the proxy a request goes through, its password hidden.
    let with_password = proxy.url().replace("http://", "http://user:pw@");
    env.set_env("HTTPS_PROXY", &with_password);
    env.case(["-v", "token", "--no-cache"])
        .run()
        .success()
        .stderr(
            "authtool: profile 'org': cache bypassed; logging in\n\
             authtool: HTTPS_PROXY=http://user:***@127.0.0.1:[PORT]/ is used for localhost\n\
             authtool: POST https://localhost:[PORT]/oauth2/token (attempt 1)\n\
             authtool: HTTP 200 ([SIZE] bytes)\n",
        )
        .hides(&["pw@"]);
    assert_eq!(proxy.tunnels().len(), 2);

    // The lower-case spelling too.
    env.remove_env("HTTPS_PROXY")
        .set_env("https_proxy", proxy.url());
    let ran = env.case(["token", "--no-cache"]).run();
    ran.token(server.last_access_token().unwrap())
        .success()
        .stdout("[TOKEN]\n")
        .stderr("");
    assert_eq!(proxy.tunnels().len(), 3);

    // NO_PROXY names the host: straight there, the proxy sees nothing.
    env.set_env("NO_PROXY", "localhost");
    let ran = env.case(["token", "--no-cache"]).run();
    ran.token(server.last_access_token().unwrap())
        .success()
        .stdout("[TOKEN]\n")
        .stderr("");
    assert_eq!(proxy.tunnels().len(), 3);
    assert_eq!(server.counters().logins, 4);

    // A proxy that is down is a connection error that names the proxy
    // settings.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    env.remove_env("NO_PROXY")
        .set_env("https_proxy", format!("http://127.0.0.1:{closed}"))
        .write_config(&org_config(
            &token_url,
            &format!("timeout = \"2s\"\n{extra}"),
        ));
    env.case(["token", "--no-cache"])
        // How many jittered retries fit in the 2 s varies.
        .filter_regex(r"\(after \d+ attempts\)", "(after [N] attempts)")
        .run()
        .code(5)
        .stdout("")
        .stderr("authtool: error: cannot connect to https://localhost:[PORT]/oauth2/token (after [N] attempts): client error (Connect): tunnel error: failed to create underlying connection: tcp connect error: Connection refused (os error 111)\n\
            hint: check the URL, your network and proxy settings (HTTPS_PROXY, NO_PROXY)\n")
        .hides(&[ORG_SECRET]);
    assert_eq!(server.counters().logins, 4);
}
