//! Keyless clients (`client_auth = "private_key_jwt"` and
//! `"client_assertion"`), `NAME_file` secrets, revocation on `logout`
//! (RFC 7009) and `--id-token`, against the strict fake OAuth2 server: it
//! checks every assertion's signature with the client's public key, its
//! claims, and refuses a `jti` it has seen.

use crate::support::oidc;
use crate::support::*;
use serde_json::json;

/// A hermetic env with the `org` profile authenticating with `key`
/// (`private_key_file`), plus `extra` keys; the server knows the key.
fn key_env(key: &TestKey, extra: &str) -> (FakeServer<FakeOAuth2>, TestEnv) {
    let server = FakeServer::start(org_fake().with_jwt_client(ORG_ID, key.jwk.clone()));
    let mut env = TestEnv::new();
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    let path = env.write_file("keys/org.pem", &key.pem);
    env.write_config(&org_profile(
        &server.token_url(),
        &format!(
            "client_auth = \"private_key_jwt\"\nprivate_key_file = \"{}\"\n{extra}",
            path.display()
        ),
    ));
    (server, env)
}

/// The key's PEM body lines: none may ever be shown.
fn key_lines(key: &TestKey) -> Vec<&str> {
    key.pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect()
}

#[test]
fn private_key_jwt_signs_a_fresh_assertion_per_request_with_each_key_type() {
    let p256 = TestKey::p256();
    let rsa = TestKey::rsa();
    let keys = [
        ("P-256 PKCS#8", p256.clone(), "ES256", ""),
        ("P-256 SEC1", p256.traditional(), "ES256", ""),
        ("Ed25519", TestKey::ed25519(), "EdDSA", ""),
        ("RSA PKCS#8", rsa.clone(), "RS256", ""),
        ("RSA PKCS#1", rsa.traditional(), "RS256", ""),
        (
            "RSA PS256",
            rsa.clone(),
            "PS256",
            "signing_alg = \"PS256\"\n",
        ),
        ("kid", p256.clone(), "ES256", "key_id = \"deploy-2026\"\n"),
    ];
    for (what, key, alg, extra) in keys {
        let (server, env) = key_env(&key, extra);
        let token = env.case(["token"]).run().success().stderr("").line();
        assert_eq!(Some(&token), server.last_access_token().as_ref(), "{what}");
        // A second login signs a new assertion (a new jti).
        env.case(["token", "--no-cache"]).run().success().stderr("");
        let c = server.counters();
        assert_eq!((c.logins, c.assertions), (2, 2), "{what}: {c:?}");
        let jtis = server.with_vendor(|v| v.seen_jti.clone());
        assert_ne!(jtis[0], jtis[1], "{what}");
        // The cached token costs nothing.
        env.case(["token"])
            .run()
            .success()
            .stdout(format!("{token}\n"));
        assert_eq!(server.counters().token_requests, 2, "{what}");
        // Signed with the key's default algorithm, or the one configured.
        let kid = extra
            .strip_prefix("key_id = \"")
            .map(|k| k.trim_end_matches("\"\n").to_string());
        assert_eq!(
            server.with_vendor(|v| v.assertion_headers[0].clone()),
            (alg.to_string(), kid),
            "{what}"
        );
    }
}

#[test]
fn the_assertion_header_and_claims_are_as_rfc_7523_says() {
    // A fake that records the last assertion, to look at it.
    let key = TestKey::p256();
    let (server, env) = key_env(&key, "key_id = \"k1\"\n");
    let recorder = FakeServer::start(RecordingToken::default());
    let url = recorder.url_for("/token");
    let path = env.root().join("keys/org.pem");
    env.write_config(&org_profile(
        &url,
        &format!(
            "client_auth = \"private_key_jwt\"\nprivate_key_file = \"{}\"\nkey_id = \"k1\"\n",
            path.display()
        ),
    ));
    env.case(["token"]).run().success().stderr("");
    let form = recorder.with_vendor(|v| v.last.clone());
    let get = |name: &str| {
        form.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(get("grant_type"), "client_credentials");
    assert_eq!(get("client_id"), ORG_ID);
    assert_eq!(get("client_assertion_type"), JWT_BEARER);
    let assertion = get("client_assertion");
    let header = jsonwebtoken::decode_header(&assertion).unwrap();
    assert_eq!(
        (header.alg, header.kid.as_deref(), header.typ.as_deref()),
        (jsonwebtoken::Algorithm::ES256, Some("k1"), Some("JWT"))
    );
    let claims = jwt_claims(&assertion).unwrap();
    assert_eq!(claims["iss"], ORG_ID);
    assert_eq!(claims["sub"], ORG_ID);
    assert_eq!(claims["aud"], url.as_str());
    let (iat, exp) = (
        claims["iat"].as_u64().unwrap(),
        claims["exp"].as_u64().unwrap(),
    );
    assert_eq!(exp - iat, 60);
    // The server the profile was made for never saw a request.
    assert_eq!(server.counters().token_requests, 0);
}

/// A token endpoint that accepts anything and records the form it got.
#[derive(Debug, Default)]
struct RecordingToken {
    last: Vec<(String, String)>,
}

impl Vendor for RecordingToken {
    fn handle(&mut self, req: &Request, _now: std::time::SystemTime) -> Response {
        self.last = req.form().unwrap_or_default();
        Response::json(
            200,
            json!({"access_token": "at_recorded", "token_type": "Bearer", "expires_in": 3600}),
        )
    }
}

#[test]
fn a_key_the_server_does_not_know_is_rejected() {
    let key = TestKey::p256();
    let (server, env) = key_env(&key, "");
    server.with_vendor(|v| v.jwt_clients[0].1 = TestKey::p256().jwk);
    env.case(["token"])
        .run()
        .code(6)
        .stdout("")
        .stderr("authtool: error: http://127.0.0.1:[PORT]/oauth2/token answered HTTP 401: invalid_client (client assertion: rejected: InvalidSignature)\nhint: the server did not accept the signed client assertion: check client_id, and that the server has this key's public half for the client (and key_id, signing_alg)\n");
}

#[test]
fn a_malformed_or_unreadable_private_key_is_a_config_error() {
    let key = TestKey::p256();
    let (server, env) = key_env(&key, "");
    let path = env.root().join("keys/org.pem");
    let hint = "hint: give a PEM private key (RSA, P-256 or Ed25519; PKCS#8 `PRIVATE KEY`, `RSA PRIVATE KEY` or `EC PRIVATE KEY`) through `private_key_file`, `private_key_env`, `private_key_command` or `authtool login`\n";
    let cases = [
        (
            "not a key at all\n".to_string(),
            "it is not PEM text (`-----BEGIN PRIVATE KEY-----` …)",
        ),
        (
            "-----BEGIN PRIVATE KEY-----\nTUlJQm9ndXM=\n-----END PRIVATE KEY-----\n".to_string(),
            "it is not an RSA, P-256 or Ed25519 private key",
        ),
        (
            key.pem.replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"),
            "it is encrypted (`ENCRYPTED PRIVATE KEY`); give the decrypted key, e.g. with `private_key_command = \"openssl pkcs8 -in KEY.pem\"`",
        ),
    ];
    for (pem, why) in cases {
        std::fs::write(&path, &pem).unwrap();
        env.case(["token"]).run().code(2).stdout("").stderr(format!(
            "authtool: error: profile 'org': the `private_key` cannot be used: {why}\n{hint}"
        ));
    }
    // signing_alg that the key cannot sign.
    std::fs::write(&path, &key.pem).unwrap();
    let config = std::fs::read_to_string(env.config_path()).unwrap();
    env.write_config(&format!("{config}signing_alg = \"RS256\"\n"));
    env.case(["token"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: profile 'org': `signing_alg` does not fit the `private_key`: it is a P-256 EC key, which cannot sign RS256 (it signs ES256)\nhint: remove `signing_alg` to use the key's default, or give a key of that type\n");
    env.write_config(&format!("{config}signing_alg = \"HS256\"\n"));
    env.case(["token"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: [ROOT]/config/authtool/config.toml:7: profile 'org': key `signing_alg`: unknown signing_alg `HS256` (one of: RS256, RS384, RS512, PS256, PS384, PS512, ES256, EdDSA; the default comes from the key)\nhint: fix the file, then check it with `authtool config check`\n");
    // A key file that is a directory.
    env.write_config(&config);
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    env.case(["token"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: profile 'org': `private_key_file`: cannot read [ROOT]/keys/org.pem: Is a directory (os error 21)\nhint: check `private_key_file` and the file's permissions\n");
    assert_eq!(server.counters().token_requests, 0);
}

#[test]
fn the_private_key_and_assertion_are_never_shown() {
    let key = TestKey::rsa();
    let (server, env) = key_env(&key, "");
    let ran = env.case(["-v", "token"]).run().success();
    let lines = key_lines(&key);
    let assertion_jti = server.with_vendor(|v| v.seen_jti[0].clone());
    ran.hides(&lines).hides(&[&assertion_jti]);
    // Not in the token cache either.
    let cache = std::fs::read_to_string(env.cache_dir().join("tokens/org.json")).unwrap();
    for line in &lines {
        assert!(!cache.contains(line));
    }
    assert!(!cache.contains(&assertion_jti));
    // A server that echoes the assertion back sees it masked.
    server.with_vendor(|v| v.jwt_clients.clear());
    env.case(["token", "--no-cache"])
        .run()
        .code(6)
        .stderr_is("a masked answer", |s| !s.contains("eyJ"));
}

#[test]
fn client_assertion_is_read_fresh_at_every_login() {
    let issuer = TestKey::p256();
    let server = FakeServer::start(org_fake().with_jwt_client(ORG_ID, issuer.jwk.clone()));
    let mut env = TestEnv::new();
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    let file = env.write_file("run/identity-token", "");
    env.write_config(&org_profile(
        &server.token_url(),
        &format!(
            "client_auth = \"client_assertion\"\nclient_assertion_file = \"{}\"\n",
            file.display()
        ),
    ));
    // A workload's token, as its platform would issue it.
    let encoding = jsonwebtoken::EncodingKey::from_ec_pem(issuer.pem.as_bytes()).unwrap();
    let now = unix_secs(std::time::SystemTime::now());
    let issue = |jti: &str| {
        let claims = json!({
            "iss": ORG_ID, "sub": ORG_ID, "aud": server.token_url(),
            "jti": jti, "iat": now, "exp": now + 120,
        });
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        jsonwebtoken::encode(&header, &claims, &encoding).unwrap()
    };
    std::fs::write(&file, format!("{}\n", issue("first"))).unwrap();
    env.case(["token"]).run().success().stderr("");
    // The platform rotates the token: the next login reads the new one.
    std::fs::write(&file, issue("second")).unwrap();
    env.case(["token", "--no-cache"]).run().success().stderr("");
    assert_eq!(
        server.with_vendor(|v| v.seen_jti.clone()),
        ["first", "second"]
    );
    // Not rotated: the server refuses the replay, and says so.
    env.case(["token", "--no-cache"])
        .run()
        .code(6)
        .stdout("")
        .stderr_is("the replay refused", |s| {
            s.contains("jti second was already used")
        });
    // An empty file is a missing assertion.
    std::fs::write(&file, "\n").unwrap();
    env.case(["token", "--no-cache"])
        .run()
        .code(3)
        .stdout("")
        .stderr("authtool: error: profile 'org': `client_assertion_file` [ROOT]/run/identity-token is empty\nhint: write the client_assertion into it\n");
    assert_eq!(server.counters().assertions, 2);
}

#[test]
fn secret_files_are_read_at_each_use_and_must_be_regular_files() {
    let server = FakeServer::start(org_fake());
    let mut env = TestEnv::new();
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    let file = env.write_file("secrets/client_secret", &format!("  {ORG_SECRET}\n"));
    env.write_config(&org_profile(
        &server.token_url(),
        &format!("client_secret_file = \"{}\"\n", file.display()),
    ));
    env.case(["token"]).run().success().stderr("");
    env.case(["status"])
        .run()
        .success()
        .stdout_is("the file source", |s| {
            s.contains("client_secret: file, present")
        });
    // A wrong secret in the file is used at the next login.
    std::fs::write(&file, "wrong").unwrap();
    env.case(["token", "--no-cache"]).run().code(6).stdout("");
    // Missing.
    std::fs::remove_file(&file).unwrap();
    env.case(["token", "--no-cache"])
        .run()
        .code(3)
        .stdout("")
        .stderr("authtool: error: profile 'org': `client_secret_file` [ROOT]/secrets/client_secret does not exist\nhint: create it, or point `client_secret_file` at the file that holds the client_secret\n");
    // A FIFO would block: refused without opening it for long.
    #[cfg(unix)]
    {
        let made = std::process::Command::new("mkfifo")
            .arg(&file)
            .status()
            .unwrap();
        assert!(made.success());
        env.case(["token", "--no-cache"])
            .run()
            .code(2)
            .stdout("")
            .stderr("authtool: error: profile 'org': `client_secret_file`: refusing to use [ROOT]/secrets/client_secret: it is a FIFO, not a regular file\nhint: check `client_secret_file` and the file's permissions\n");
    }
    // A relative path: relative to what? Refused where it is written.
    env.write_config(&org_profile(
        &server.token_url(),
        "client_secret_file = \"secrets/client_secret\"\n",
    ));
    env.case(["token"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: [ROOT]/config/authtool/config.toml:5: profile 'org': `client_secret_file` must be an absolute path, not `secrets/client_secret`\nhint: fix the file, then check it with `authtool config check`\n");
    // Configured twice.
    env.write_config(&org_profile(
        &server.token_url(),
        "client_secret_file = \"/x\"\nclient_secret_env = \"ORG_SECRET\"\n",
    ));
    env.case(["token"])
        .run()
        .code(2)
        .stderr_is("a duplicate source", |s| {
            s.contains("keep one of `client_secret`, `client_secret_env`, `client_secret_command`, `client_secret_file`")
        });
}

#[test]
fn every_providers_secrets_accept_a_file() {
    for vendor in ProviderCase::all() {
        let env = vendor.file_env();
        env.case(["token", "-p", vendor.profile])
            .run()
            .success()
            .stderr("");
        assert!(
            vendor.fake.last_access_token().is_some(),
            "{}",
            vendor.provider
        );
    }
}

// ---------------------------------------------------------------------------
// Revocation.

fn revoking_env(server: &FakeServer<FakeOAuth2>) -> TestEnv {
    org_env(
        server,
        &format!("revocation_url = \"{}\"\n", server.revocation_url()),
    )
}

#[test]
fn logout_revokes_the_refresh_token_then_the_access_token() {
    let server = FakeServer::start(org_fake());
    let env = revoking_env(&server);
    env.case(["token"]).run().success();
    let refresh = server.last_refresh_token().unwrap();
    env.case(["logout"])
        .run()
        .success()
        .stdout("")
        .stderr("authtool: profile 'org': refresh token and access token revoked at the server; cached token and refresh token dropped\n");
    assert_eq!(
        server.revocations(),
        [
            Revocation {
                kind: "refresh_token",
                hint: Some("refresh_token".into())
            },
            Revocation {
                kind: "access_token",
                hint: Some("access_token".into())
            },
        ]
    );
    // Dead at the server, gone here.
    assert_eq!(server.valid_access_tokens(), 0);
    assert!(server.with_vendor(|v| v.refresh.check(&refresh, server.now()).is_err()));
    env.case(["logout"])
        .run()
        .success()
        .stderr("authtool: profile 'org': no cached token\n");
    assert_eq!(server.revocations().len(), 2);
}

#[test]
fn a_failed_revocation_warns_and_the_local_logout_happens() {
    let server = FakeServer::start(org_fake());
    server.with_vendor(|v| v.revocation_failure = Some(400));
    let env = revoking_env(&server);
    env.case(["token"]).run().success();
    env.case(["logout"])
        .run()
        .success()
        .stdout("")
        .stderr(
            "authtool: warning: profile 'org': the refresh token was not revoked: http://127.0.0.1:[PORT]/oauth2/revoke answered HTTP 400: temporarily_unavailable (revocation is down); it is forgotten here all the same\n\
             authtool: warning: profile 'org': the access token was not revoked: http://127.0.0.1:[PORT]/oauth2/revoke answered HTTP 400: temporarily_unavailable (revocation is down); it is forgotten here all the same\n\
             authtool: profile 'org': cached token and refresh token dropped\n",
        );
    // The server is down altogether: the same, never blocking.
    env.case(["token"]).run().success();
    drop(server);
    env.case(["logout"]).run().success().stdout("").stderr_is(
        "two warnings, then the logout",
        |s| {
            s.matches("authtool: warning: profile 'org': the ").count() == 2
                && s.ends_with("authtool: profile 'org': cached token and refresh token dropped\n")
        },
    );
}

#[test]
fn no_revoke_skips_the_server() {
    let server = FakeServer::start(org_fake());
    let env = revoking_env(&server);
    env.case(["token"]).run().success();
    env.case(["logout", "--no-revoke"])
        .run()
        .success()
        .stderr("authtool: profile 'org': cached token and refresh token dropped\n");
    assert_eq!(server.revocations(), []);
    // Without a revocation endpoint nothing is sent either.
    let env = org_env(&server, "");
    env.case(["token"]).run().success();
    env.case(["logout"])
        .run()
        .success()
        .stderr("authtool: profile 'org': cached token and refresh token dropped\n");
    assert_eq!(server.revocations(), []);
}

#[test]
fn revocation_uses_the_profiles_client_authentication() {
    let key = TestKey::ed25519();
    let (server, env) = key_env(&key, "");
    let config = std::fs::read_to_string(env.config_path()).unwrap();
    env.write_config(&format!(
        "{config}revocation_url = \"{}\"\n",
        server.revocation_url()
    ));
    env.case(["token"]).run().success();
    env.case(["logout"])
        .run()
        .success()
        .stderr("authtool: profile 'org': refresh token and access token revoked at the server; cached token and refresh token dropped\n");
    // Three assertions: the login and one per revocation.
    assert_eq!(server.counters().assertions, 3);
}

// ---------------------------------------------------------------------------
// ID tokens.

fn id_env(server: &FakeServer<FakeOAuth2>) -> TestEnv {
    let mut env = org_env(
        server,
        &format!(
            "grant = \"password\"\nusername = \"{ORG_USER}\"\npassword_env = \"ORG_PASSWORD\"\nscope = \"openid\"\n"
        ),
    );
    env.set_env("ORG_PASSWORD", ORG_PASSWORD);
    env
}

#[test]
fn id_token_prints_the_id_token_in_every_format() {
    let server = FakeServer::start(org_fake().with_user(ORG_USER, ORG_PASSWORD).id_tokens(true));
    let env = id_env(&server);
    let id = env
        .case(["token", "--id-token"])
        .run()
        .success()
        .stderr("")
        .line();
    assert_eq!(Some(&id), server.last_id_token().as_ref());
    env.filter(&id, "[ID_TOKEN]");
    env.case(["header", "--id-token"])
        .run()
        .success()
        .stdout("Authorization: Bearer [ID_TOKEN]\n");
    let cred = env
        .case(["token", "--id-token", "--format", "exec-credential"])
        .run()
        .success()
        .json();
    assert_eq!(cred["kind"], "ExecCredential");
    assert_eq!(cred["status"]["token"], id.as_str());
    let json = env
        .case(["token", "--id-token", "--format", "json"])
        .run()
        .success()
        .json();
    assert_eq!(json["access_token"], id.as_str());
    // The access token is still there, unchanged.
    let access = env.case(["token"]).run().success().line();
    assert_eq!(Some(&access), server.last_access_token().as_ref());
    assert_eq!(server.counters().token_requests, 1);
}

#[test]
fn id_tokens_are_renewed_by_their_own_expiry() {
    let server = FakeServer::start(
        org_fake()
            .with_user(ORG_USER, ORG_PASSWORD)
            .id_tokens(true)
            .lifetime_secs(7200),
    );
    server.with_vendor(|v| v.id_token_lifetime_secs = 600);
    let env = id_env(&server);
    let first = env.case(["token", "--id-token"]).run().success().line();
    // The access token is good for 2 h, the ID token for 10 min: asking
    // for 30 min refreshes for the ID token.
    let second = env
        .case(["token", "--id-token", "--min-ttl", "30m"])
        .run()
        .success()
        .stderr("")
        .line();
    assert_ne!(first, second);
    assert_eq!(Some(&second), server.last_id_token().as_ref());
    let c = server.counters();
    assert_eq!((c.logins, c.refreshes), (1, 1), "{c:?}");
    // The access token alone is fresh for 30 min: no request.
    env.case(["token", "--min-ttl", "30m"]).run().success();
    assert_eq!(server.counters().token_requests, 2);
    // A refresh that brings no ID token keeps the last one.
    server.with_vendor(|v| v.id_tokens_on_refresh = false);
    env.case(["refresh"]).run().success();
    env.case(["token", "--id-token"])
        .run()
        .success()
        .stdout(format!("{second}\n"));
}

#[test]
fn no_id_token_is_exit_3_with_a_hint() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    env.case(["token", "--id-token"])
        .run()
        .code(3)
        .stdout("")
        .stderr("authtool: error: profile 'org': the server issued no ID token with the last login or refresh\nhint: ID tokens come with OpenID Connect logins: add `openid` to the profile's `scope` (the client_credentials grant issues none)\n");
    // The token it got is cached: asking again costs no request.
    env.case(["token", "--id-token"]).run().code(3);
    assert_eq!(server.counters().token_requests, 1);
}

// ---------------------------------------------------------------------------
// Against the real OpenID Certified server (oidc-provider).

/// Whether oidc-provider says `token` is active (RFC 7662), asked as the
/// confidential machine client.
fn active(op: &oidc::OidcServer, token: &str) -> bool {
    let answer = curl(&[
        "-u",
        &format!("{}:{}", oidc::MACHINE_CLIENT, oidc::MACHINE_SECRET),
        "-d",
        &format!("token={token}"),
        &format!("{}/token/introspection", op.issuer()),
    ]);
    assert_eq!(answer.status, 200, "{answer:?}");
    serde_json::from_str::<serde_json::Value>(&answer.body).unwrap()["active"] == true
}

/// A `private_key_jwt` client of oidc-provider (client_credentials) with
/// `key` in its `jwks`.
fn jwt_client(client_id: &str, key: &TestKey, alg: &str) -> serde_json::Value {
    json!({
        "client_id": client_id,
        "token_endpoint_auth_method": "private_key_jwt",
        "token_endpoint_auth_signing_alg": alg,
        "jwks": { "keys": [key.jwk_with(&format!("{client_id}-key"), alg)] },
        "grant_types": ["client_credentials"],
        "redirect_uris": [],
        "response_types": [],
    })
}

/// A `bot` profile authenticating with `private_key_jwt`, its key (`pem`)
/// in a file, at the endpoints (and other keys) `keys`; and the key file.
fn bot_env(pem: &str, client_id: &str, keys: &str) -> (TestEnv, std::path::PathBuf) {
    let mut env = TestEnv::new();
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    let path = env.write_file("keys/bot.pem", pem);
    env.write_config(&format!(
        "[profiles.bot]\nprovider = \"oauth2\"\n{keys}client_id = \"{client_id}\"\nclient_auth = \"private_key_jwt\"\nprivate_key_file = \"{}\"\n",
        path.display()
    ));
    (env, path)
}

/// `token_url` and `revocation_url` of oidc-provider at `issuer`.
fn op_endpoints(issuer: &str) -> String {
    format!("token_url = \"{issuer}/token\"\nrevocation_url = \"{issuer}/token/revocation\"\n")
}

#[test]
#[ignore = "needs node and tests/oidc/node_modules (npm ci)"]
fn oidc_provider_private_key_jwt_with_rsa_p256_and_ed25519_keys_then_revocation() {
    let keys = [
        ("bot-rsa", TestKey::rsa().traditional(), "RS256"),
        ("bot-p256", TestKey::p256(), "ES256"),
        ("bot-ed25519", TestKey::ed25519(), "EdDSA"),
    ];
    let clients: Vec<_> = keys
        .iter()
        .map(|(id, key, alg)| jwt_client(id, key, alg))
        .collect();
    let op = oidc::OidcServer::start_with(json!({ "extra_clients": clients }));
    for (client_id, key, _) in &keys {
        let keys = format!(
            "{}key_id = \"{client_id}-key\"\n",
            op_endpoints(op.issuer())
        );
        let (env, _) = bot_env(&key.pem, client_id, &keys);
        let token = env.case(["token"]).run().success().stderr("").line();
        assert!(active(&op, &token), "{client_id}: {:?}", op.log());
        // Revoked at the server (with a fresh assertion), then forgotten.
        env.case(["logout"]).run().success().stdout("").stderr(
            "authtool: profile 'bot': access token revoked at the server; cached token dropped\n",
        );
        assert!(!active(&op, &token), "{client_id}: still active");
    }
    assert_eq!(
        op.requests("POST /token/revocation 200"),
        3,
        "{:?}",
        op.log()
    );
}

#[test]
#[ignore = "needs node and tests/oidc/node_modules (npm ci)"]
fn oidc_provider_refuses_a_key_it_does_not_know_and_a_revocation_failure_does_not_block_logout() {
    let registered = TestKey::p256();
    let op = oidc::OidcServer::start_with(json!({
        "extra_clients": [jwt_client("bot", &registered, "ES256")],
    }));
    let (env, path) = bot_env(&TestKey::p256().pem, "bot", &op_endpoints(op.issuer()));
    env.case(["token"])
        .run()
        .code(6)
        .stdout("")
        .stderr("authtool: error: http://127.0.0.1:[PORT]/token answered HTTP 401: invalid_client (client authentication failed)\nhint: the server did not accept the signed client assertion: check client_id, and that the server has this key's public half for the client (and key_id, signing_alg)\n");
    // The right key: a token; then the key file is replaced by a wrong
    // one, so the revocation fails: a warning, and the logout happens.
    std::fs::write(&path, &registered.pem).unwrap();
    let token = env.case(["token"]).run().success().line();
    std::fs::write(&path, TestKey::p256().pem).unwrap();
    env.case(["logout"])
        .run()
        .success()
        .stdout("")
        .stderr("authtool: warning: profile 'bot': the access token was not revoked: http://127.0.0.1:[PORT]/token/revocation answered HTTP 401: invalid_client (client authentication failed); it is forgotten here all the same\nauthtool: profile 'bot': cached token dropped\n");
    assert!(active(&op, &token));
}

#[test]
#[ignore = "needs node and tests/oidc/node_modules (npm ci)"]
fn oidc_provider_revocation_with_a_client_secret() {
    let op = oidc::OidcServer::start();
    let mut env = TestEnv::new();
    env.set_env("AUTHTOOL_SECRET_STORE", "file")
        .set_env("MACHINE_SECRET", oidc::MACHINE_SECRET);
    env.write_config(&format!(
        "[profiles.m]\nprovider = \"oauth2\"\ntoken_url = \"{0}/token\"\nrevocation_url = \"{0}/token/revocation\"\nclient_id = \"{1}\"\nclient_secret_env = \"MACHINE_SECRET\"\n",
        op.issuer(),
        oidc::MACHINE_CLIENT
    ));
    let token = env.case(["token"]).run().success().line();
    assert!(active(&op, &token));
    env.case(["logout", "--no-revoke"]).run().success();
    assert!(active(&op, &token), "--no-revoke revoked it");
    let token = env.case(["token"]).run().success().line();
    env.case(["logout"]).run().success().stderr(
        "authtool: profile 'm': access token revoked at the server; cached token dropped\n",
    );
    assert!(!active(&op, &token));
}

#[test]
fn doctor_checks_the_private_key_without_a_request() {
    let key = TestKey::ed25519();
    let (server, env) = key_env(&key, "");
    let ran = env.case(["doctor"]).run();
    let out = format!("{}{}", ran.stdout_text(), ran.stderr_text());
    assert!(
        out.contains("profile 'org': private_key: an Ed25519 key (signs EdDSA by default)"),
        "{out}"
    );
    ran.hides(&key_lines(&key));
    std::fs::write(env.root().join("keys/org.pem"), "garbage").unwrap();
    let ran = env.case(["doctor"]).run();
    let out = format!("{}{}", ran.stdout_text(), ran.stderr_text());
    assert!(
        out.contains("profile 'org': private_key: cannot be used: it is not PEM text"),
        "{out}"
    );
    std::fs::remove_file(env.root().join("keys/org.pem")).unwrap();
    let ran = env.case(["doctor"]).run();
    let out = format!("{}{}", ran.stdout_text(), ran.stderr_text());
    assert!(
        out.contains(&format!(
            "profile 'org': private_key: {}/keys/org.pem (from `private_key_file`) is not a readable file",
            env.root().display()
        )),
        "{out}"
    );
    assert_eq!(server.counters().token_requests, 0);
}

#[test]
fn a_private_key_can_live_in_the_secret_store() {
    let key = TestKey::rsa();
    let server = FakeServer::start(org_fake().with_jwt_client(ORG_ID, key.jwk.clone()));
    let mut env = TestEnv::new();
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    env.write_config(&org_profile(
        &server.token_url(),
        "client_auth = \"private_key_jwt\"\n",
    ));
    env.case(["login", "--secret-stdin"])
        .stdin(key.pem.clone())
        .run()
        .success()
        .stdout("")
        .stderr("authtool: profile 'org': stored private_key in the file secret store\nauthtool: profile 'org': verified: the provider issued a token (expires in [DURATION])\n");
    env.case(["token", "--no-cache"]).run().success().stderr("");
    assert_eq!(server.counters().assertions, 2);
    env.case(["logout", "--forget"])
        .run()
        .success()
        .stderr("authtool: profile 'org': cached token and refresh token dropped; deleted private_key from the file store\n");
    env.case(["token"])
        .run()
        .code(3)
        .stdout("")
        .stderr("authtool: error: profile 'org': no private_key is stored in the file secret store\nhint: run `authtool login org` to store it\nhint: or set `private_key_env = \"VARIABLE\"`, `private_key_command = \"…\"` or `private_key_file = \"PATH\"` in the profile\n");
}

#[test]
#[ignore = "needs node and tests/oidc/node_modules (npm ci)"]
fn oidc_provider_private_key_jwt_with_discovered_endpoints_and_revocation() {
    let key = TestKey::p256();
    let op = oidc::OidcServer::start_with(json!({
        "extra_clients": [jwt_client("bot", &key, "ES256")],
    }));
    let issuer = format!("issuer = \"{}\"\n", op.issuer());
    let (env, _) = bot_env(&key.pem, "bot", &issuer);
    let token = env.case(["token"]).run().success().stderr("").line();
    assert!(active(&op, &token), "{:?}", op.log());
    // The revocation endpoint comes from the discovery document.
    env.case(["logout"]).run().success().stdout("").stderr(
        "authtool: profile 'bot': access token revoked at the server; cached token dropped\n",
    );
    assert!(!active(&op, &token));
    assert_eq!(
        op.requests("POST /token/revocation 200"),
        1,
        "{:?}",
        op.log()
    );
}

#[test]
#[ignore = "needs node and tests/oidc/node_modules (npm ci)"]
fn oidc_provider_id_token_of_a_browser_login_renewed_by_its_own_expiry() {
    // ID tokens live 10 minutes, access tokens an hour.
    let op = oidc::OidcServer::start_with(json!({ "ttl": { "IdToken": 600 } }));
    let mut env = TestEnv::new();
    env.set_env("AUTHTOOL_SECRET_STORE", "file")
        .set_env("BROWSER", oidc::browser());
    let (tabs, log) = (env.root().join("tabs"), env.root().join("person.log"));
    for (k, v) in oidc::person_env("approve", &tabs, &log) {
        env.set_env(k, v);
    }
    env.write_config(&format!(
        "[profiles.corp]\nprovider = \"oauth2\"\nissuer = \"{}\"\ngrant = \"authorization_code\"\nclient_id = \"{}\"\nscope = \"openid offline_access\"\n",
        op.issuer(),
        oidc::NATIVE_CLIENT
    ));
    env.case(["login", "-p", "corp"]).run().success();
    let id = env
        .case(["token", "--id-token", "-p", "corp"])
        .run()
        .success()
        .stderr("")
        .line();
    let claims = jwt_claims(&id).expect("a JWT");
    assert_eq!(claims["sub"], oidc::PERSON);
    assert_eq!(claims["aud"], oidc::NATIVE_CLIENT);
    let cred = env
        .case(["token", "--id-token", "--format", "exec-credential", "corp"])
        .run()
        .success()
        .json();
    assert_eq!(cred["status"]["token"], id.as_str());
    assert_eq!(op.requests("POST /token"), 1, "{:?}", op.log());
    // The access token is good for 30 more minutes: no request for it.
    env.case(["token", "--min-ttl", "30m", "corp"])
        .run()
        .success();
    assert_eq!(op.requests("POST /token"), 1, "{:?}", op.log());
    // 30 more minutes: the access token has them, the ID token not; the
    // refresh brings a new ID token (no browser).
    let renewed = env
        .case(["token", "--id-token", "--min-ttl", "30m", "corp"])
        .run()
        .success()
        .line();
    // The refreshed ID token (byte-identical when issued within the same
    // second: RS256 is deterministic and its claims are the same).
    let exp = |t: &str| jwt_claims(t).unwrap()["exp"].as_u64().unwrap();
    assert!(exp(&renewed) >= exp(&id));
    assert_eq!(jwt_claims(&renewed).unwrap()["sub"], oidc::PERSON);
    assert_eq!(op.requests("POST /token"), 2, "{:?}", op.log());
    assert_eq!(std::fs::read_to_string(&tabs).unwrap().lines().count(), 1);
}
