//! DPoP (RFC 9449, `dpop = true`) against the strict fake OAuth2 server
//! in its DPoP mode: it verifies every proof (signature with the `jwk`,
//! `typ`, `htm`, `htu`, `iat`, unique `jti`, `ath`), demands a nonce first,
//! binds tokens and refresh tokens to the key, and accepts a bound token
//! at its resource only with a proof.

use crate::support::dpop::{self, Expect};
use crate::support::*;
use std::collections::HashSet;

const NONCE: &str = "nonce-1.f_Xz";

fn dpop_env(server: &FakeServer<FakeOAuth2>) -> TestEnv {
    org_env(server, "dpop = true\n")
}

fn dpop_fake() -> FakeOAuth2 {
    org_fake().dpop(true).dpop_nonce(NONCE)
}

/// The `dpop_key` entry of the `file` store, as kept.
fn stored_key(env: &TestEnv) -> Option<String> {
    let text = std::fs::read_to_string(env.data_dir().join("secrets.json")).ok()?;
    let map: serde_json::Value = serde_json::from_str(&text).ok()?;
    map["org/dpop_key"].as_str().map(str::to_string)
}

/// Pieces of the stored private key that must never show anywhere else:
/// every line of its PEM body.
fn key_pieces(env: &TestEnv) -> Vec<String> {
    let stored = stored_key(env).expect("a DPoP key in the store");
    let pieces: Vec<String> = stored
        .lines()
        .filter(|l| !l.contains("PRIVATE KEY") && l.len() > 20)
        .map(str::to_string)
        .collect();
    assert!(!pieces.is_empty(), "{stored}");
    pieces
}

/// Checks a proof printed for an API request, as the resource server
/// would (its `jti` added to `seen`).
fn check_api_proof(
    proof: &str,
    htm: &str,
    htu: &str,
    token: &str,
    seen: &mut HashSet<String>,
) -> dpop::Proof {
    let want = Expect {
        htm,
        htu,
        now: unix_secs(std::time::SystemTime::now()),
        nonce: None,
        access_token: Some(token),
    };
    dpop::verify(proof, &want, seen).unwrap_or_else(|why| panic!("{why}: {proof}"))
}

/// The nonce dance: the first proof has no nonce, the server answers
/// `use_dpop_nonce` with one, authtool sends the request once more with
/// it, and remembers it, so the refresh that follows needs no retry. Every
/// proof verifies, the refresh token stays bound to the same key, and a
/// cached token costs no request.
#[test]
fn token_requests_carry_proofs_and_the_nonce_dance_takes_one_retry() {
    let server = FakeServer::start(dpop_fake());
    let env = dpop_env(&server);
    let token = env
        .case(["-v", "token", "-p", "org"])
        .filter(NONCE, "[NONCE]")
        .filter_regex(r"thumbprint [A-Za-z0-9_-]{43}", "thumbprint [JKT]")
        .run()
        .success()
        .stderr(
            "authtool: profile 'org': no cached token for this profile's current settings
authtool: profile 'org': logging in at http://127.0.0.1:[PORT]/oauth2/token
authtool: profile 'org': made a new DPoP key (thumbprint [JKT]) and kept it in the secret store
authtool: POST http://127.0.0.1:[PORT]/oauth2/token (attempt 1)
authtool: HTTP 400 ([SIZE] bytes)
authtool: profile 'org': http://127.0.0.1:[PORT]/oauth2/token asks for a DPoP nonce; sending the request once more with it
authtool: POST http://127.0.0.1:[PORT]/oauth2/token (attempt 1)
authtool: HTTP 200 ([SIZE] bytes)
authtool: profile 'org': refresh token kept in the secret store
",
        )
        .line();
    assert_eq!(Some(&token), server.last_access_token().as_ref());
    let c = server.counters();
    assert_eq!(
        (
            c.token_requests,
            c.dpop_nonce_demands,
            c.logins,
            c.dpop_refused
        ),
        (2, 1, 1, 0),
        "{c:?}"
    );
    let nonce_file = env.cache_dir().join("tokens/org.dpop-nonce");
    assert_eq!(std::fs::read_to_string(&nonce_file).unwrap(), NONCE);

    // Cached: no request.
    env.case(["token", "org"])
        .token(&token)
        .run()
        .success()
        .stdout("[TOKEN]\n")
        .stderr("");
    assert_eq!(server.counters().token_requests, 2);

    // Stale: one refresh, with the remembered nonce (no retry), the same key.
    env.expire_cached_tokens();
    let renewed = env.case(["token", "org"]).run().success().stderr("").line();
    assert_ne!(renewed, token);
    let c = server.counters();
    assert_eq!(
        (c.token_requests, c.dpop_nonce_demands, c.refreshes),
        (3, 1, 1),
        "{c:?}"
    );
    let proofs = server.with_vendor(|v| v.dpop_proofs.clone());
    assert_eq!(
        proofs.len(),
        2,
        "the proof without the nonce is not counted"
    );
    assert_eq!(proofs[0].jkt, proofs[1].jkt, "refresh keeps the binding");
    assert_ne!(proofs[0].jti, proofs[1].jti);
    assert_eq!(proofs[1].claims["nonce"], NONCE);
    assert_eq!(
        server.with_vendor(|v| v.dpop_bound.get(&renewed).cloned()),
        Some(proofs[0].jkt.clone())
    );
}

/// `header --method --url`: `Authorization: DPoP` and a proof for that
/// request (query and fragment left out of `htu`, `ath` the token's hash),
/// a new one on every call from the cached token; the resource accepts
/// each once, through real curl.
#[test]
fn header_prints_the_token_and_a_fresh_proof_for_the_request() {
    let server = FakeServer::start(dpop_fake());
    let env = dpop_env(&server);
    let whoami = server.whoami_url();
    let url = format!("{whoami}?page=2#top");
    let mut seen = HashSet::new();
    let mut proofs = Vec::new();
    let mut token = String::new();
    for _ in 0..2 {
        let ran = env
            .case(["header", "-p", "org", "--method", "get", "--url", &url])
            .filter_regex(r"DPoP: [A-Za-z0-9_.-]+", "DPoP: [PROOF]")
            .filter_regex(r"DPoP [A-Za-z0-9_-]+", "DPoP [TOKEN]")
            .run()
            .success()
            .stdout("Authorization: DPoP [TOKEN]\nDPoP: [PROOF]\n")
            .stderr("");
        let out = ran.stdout_text();
        let lines: Vec<&str> = out.lines().collect();
        token = lines[0]
            .strip_prefix("Authorization: DPoP ")
            .unwrap()
            .into();
        let proof = lines[1].strip_prefix("DPoP: ").unwrap();
        let checked = check_api_proof(proof, "GET", &whoami, &token, &mut seen);
        proofs.push((proof.to_string(), checked));
    }
    // One login; the second call was served from the cache.
    assert_eq!(server.counters().token_requests, 2);
    let bound = server.with_vendor(|v| v.dpop_bound.get(&token).cloned());
    assert_eq!(bound.as_ref(), Some(&proofs[0].1.jkt));
    assert_eq!(proofs[0].1.jkt, proofs[1].1.jkt);
    assert_ne!(proofs[0].1.jti, proofs[1].1.jti, "a fresh jti per call");

    // Each proof works once at the resource; a replay, or the token as a
    // bearer token, is refused.
    let with_proof = |proof: &str| {
        curl(&[
            "-H",
            &format!("Authorization: DPoP {token}"),
            "-H",
            &format!("DPoP: {proof}"),
            &whoami,
        ])
    };
    for (proof, _) in &proofs {
        let got = with_proof(proof);
        assert_eq!(got.status, 200, "{}", got.body);
    }
    let replay = with_proof(&proofs[0].0);
    assert_eq!(replay.status, 401, "{}", replay.body);
    let bearer = curl(&["-H", &format!("Authorization: Bearer {token}"), &whoami]);
    assert_eq!(bearer.status, 401, "{}", bearer.body);

    // --format curl feeds `curl -K -`; --format json carries the same.
    let config = env
        .case([
            "token", "--format", "curl", "--method", "GET", "--url", &whoami,
        ])
        .run()
        .success()
        .stderr("")
        .stdout_text();
    let got = curl_with_stdin(&["-K", "-", &whoami], config.as_bytes());
    assert_eq!(got.status, 200, "{}", got.body);
    let json = env
        .case([
            "token", "--format", "json", "--method", "POST", "--url", &whoami,
        ])
        .run()
        .success()
        .json();
    assert_eq!(json["token_type"], "DPoP");
    assert_eq!(json["headers"]["Authorization"], format!("DPoP {token}"));
    let proof = json["headers"]["DPoP"].as_str().unwrap();
    check_api_proof(proof, "POST", &whoami, &token, &mut seen);
    assert_eq!(server.counters().token_requests, 2);
}

/// The outputs that carry a proof need the request; the bare token does
/// not. Refused before any request.
#[test]
fn headers_without_the_request_are_a_usage_error() {
    let server = FakeServer::start(dpop_fake());
    let env = dpop_env(&server);
    env.case(["header", "-p", "org"])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: profile 'org' has DPoP-bound tokens (dpop = true): its headers hold a proof made for one request; give the request with --method and --url
hint: authtool header -p org --method GET --url https://api.example.com/v1/items
hint: or `authtool token -p org` for the bare token, and `authtool dpop-proof -p org --method M --url U` for each request's proof
",
        );
    env.case(["token", "--format", "curl", "--method", "GET"])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: profile 'org' has DPoP-bound tokens (dpop = true): its headers hold a proof made for one request; give the request with --method and --url
hint: authtool token --format curl -p org --method GET --url https://api.example.com/v1/items
hint: or `authtool token -p org` for the bare token, and `authtool dpop-proof -p org --method M --url U` for each request's proof
",
        );
    env.case(["header", "--method", "GET", "--url", "ftp://x/"])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: --url `ftp://x/` is not an http(s) URL
hint: give the full URL of the request, like https://api.example.com/v1/items
",
        );
    env.case(["token", "--format", "exec-credential"])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: profile 'org' has DPoP-bound tokens (dpop = true): kubectl's exec plugin sends them as bearer tokens, without the proof each request needs
hint: use a profile without dpop = true for kubectl's exec plugin
",
        );
    assert_eq!(server.counters().token_requests, 0);
    // `token` alone: the bare token.
    let token = env.case(["token"]).run().success().stderr("").line();
    assert_eq!(Some(token), server.last_access_token());
}

/// A key whose store entry is gone: the cached token (bound to it) is not
/// served and its refresh token not used; a login with a new key gets a
/// new token.
#[test]
fn a_lost_key_means_a_new_key_and_a_new_token() {
    let server = FakeServer::start(dpop_fake());
    let env = dpop_env(&server);
    let first = env.case(["token"]).run().success().line();
    let first_key = stored_key(&env).unwrap();
    // Lose the key, keep everything else (the cache, the refresh token).
    let path = env.data_dir().join("secrets.json");
    let mut map: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    map.as_object_mut().unwrap().remove("org/dpop_key");
    std::fs::write(&path, serde_json::to_vec(&map).unwrap()).unwrap();

    env.case(["-v", "token"])
        .filter_regex(r"thumbprint [A-Za-z0-9_-]{43}", "thumbprint [JKT]")
        .filter_regex(r"(?m)^authtool: (POST|HTTP) .*\n", "")
        .filter_regex(r"(?m)^authtool: .*asks for a DPoP nonce.*\n", "")
        .run()
        .success()
        .stderr(
            "authtool: profile 'org': renewing: the cached token is bound to a DPoP key that is no longer in the secret store
authtool: profile 'org': the cached token is bound to a DPoP key that is no longer in the secret store; logging in with a new key
authtool: profile 'org': logging in at http://127.0.0.1:[PORT]/oauth2/token
authtool: profile 'org': made a new DPoP key (thumbprint [JKT]) and kept it in the secret store
authtool: profile 'org': refresh token kept in the secret store
",
        );
    let second = server.last_access_token().unwrap();
    assert_ne!(first, second);
    let c = server.counters();
    assert_eq!((c.logins, c.refreshes), (2, 0), "{c:?}");
    let proofs = server.with_vendor(|v| v.dpop_proofs.clone());
    assert_ne!(proofs[0].jkt, proofs[1].jkt);
    let second_key = stored_key(&env).unwrap();
    assert_ne!(first_key, second_key);
    // The new token is bound to the new key, and served from the cache.
    env.case(["token"])
        .token(&second)
        .run()
        .success()
        .stdout("[TOKEN]\n");
    assert_eq!(server.counters().logins, 2);
}

/// With dpop = true, a token the server did not bind (`token_type`
/// Bearer) is refused (exit 5), nothing cached.
#[test]
fn a_bearer_token_is_refused_when_dpop_is_on() {
    let mut fake = dpop_fake();
    fake.dpop_token_type = "Bearer".into();
    let server = FakeServer::start(fake);
    let env = dpop_env(&server);
    env.case(["token"])
        .run()
        .code(5)
        .stdout("")
        .stderr(
            "authtool: error: http://127.0.0.1:[PORT]/oauth2/token issued a `Bearer` token, not a DPoP-bound one (`token_type` DPoP), though the profile sets dpop = true
hint: register the client for DPoP-bound tokens at the server (e.g. dpop_bound_access_tokens), or remove dpop = true from the profile
",
        );
    assert!(!env.cache_dir().join("tokens/org.json").exists());
}

/// The private key is in the secret store only: never on stdout or
/// stderr (`-v`), in the token cache or the nonce file.
#[test]
fn the_key_never_leaves_the_secret_store() {
    let server = FakeServer::start(dpop_fake().jwt_tokens(true));
    let env = dpop_env(&server);
    env.case(["-v", "token"]).run().success();
    let pieces = key_pieces(&env);
    let hidden: Vec<&str> = pieces.iter().map(String::as_str).collect();
    let url = server.whoami_url();
    for args in [
        &["-v", "token"][..],
        &["-v", "header", "--method", "GET", "--url", &url],
        &[
            "-v", "token", "--format", "json", "--method", "GET", "--url", &url,
        ],
        &["-v", "dpop-proof", "--method", "GET", "--url", &url],
        &["-v", "refresh"],
        &["inspect"],
        &["inspect", "--json"],
        &["status"],
    ] {
        env.case(args.iter().copied())
            .run()
            .success()
            .hides(&hidden);
    }
    let cache = std::fs::read_to_string(env.cache_dir().join("tokens/org.json")).unwrap();
    for piece in &pieces {
        assert!(!cache.contains(piece.as_str()), "the key is in the cache");
    }
    assert!(cache.contains("\"dpop_jkt\""), "{cache}");
    let nonce = std::fs::read_to_string(env.cache_dir().join("tokens/org.dpop-nonce")).unwrap();
    assert_eq!(nonce, NONCE);
}

/// `inspect` shows the key's RFC 7638 thumbprint next to the token's
/// `cnf.jkt`.
#[test]
fn inspect_shows_the_key_thumbprint_beside_cnf_jkt() {
    let server = FakeServer::start(dpop_fake().jwt_tokens(true));
    let env = dpop_env(&server);
    env.case(["token"]).run().success();
    let jkt = server.with_vendor(|v| v.dpop_proofs[0].jkt.clone());
    let text = env.case(["inspect"]).run().success().stdout_text();
    assert!(
        text.contains(&format!(
            "dpop key: {jkt} (RFC 7638 thumbprint)\ncnf.jkt:  {jkt} (matches the key)\n"
        )),
        "{text}"
    );
    let json = env.case(["inspect", "--json"]).run().success().json();
    assert_eq!(json["dpop"]["key_thumbprint"], jkt.as_str());
    assert_eq!(json["dpop"]["cnf_jkt"], jkt.as_str());
    assert_eq!(json["dpop"]["cnf_jkt_matches_key"], true);
    assert_eq!(json["claims"]["cnf"]["jkt"], jkt.as_str());
}

/// `dpop-proof` prints one proof per call for the request, with the
/// current token's `ath` and a nonce when given; a profile without DPoP is
/// a usage error.
#[test]
fn dpop_proof_prints_a_proof_per_request() {
    let server = FakeServer::start(dpop_fake());
    let env = dpop_env(&server);
    let token = env.case(["token"]).run().success().line();
    let url = server.whoami_url();
    let mut seen = HashSet::new();
    let proof = env
        .case([
            "dpop-proof",
            "--method",
            "DELETE",
            "--url",
            &url,
            "--nonce",
            "rs-n",
        ])
        .run()
        .success()
        .stderr("")
        .line();
    let checked = check_api_proof(&proof, "DELETE", &url, &token, &mut seen);
    assert_eq!(checked.claims["nonce"], "rs-n");
    env.case([
        "dpop-proof",
        "--method",
        "GET",
        "--url",
        &url,
        "--nonce",
        "a b",
    ])
    .run()
    .code(2)
    .stdout("")
    .stderr(
        "authtool: error: --nonce holds characters a DPoP nonce cannot have (RFC 9449 §8)
hint: pass the value of the API server's DPoP-Nonce header as it is
",
    );
    assert_eq!(server.counters().token_requests, 2);

    let plain = FakeServer::start(org_fake());
    let env = org_env(&plain, "");
    env.case(["dpop-proof", "--method", "GET", "--url", &url])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: profile 'org' does not use DPoP-bound tokens
hint: set dpop = true in the profile if its server binds tokens to a key; else `authtool header -p org` is all a request needs
",
        );
}

/// Under `exec`, the child has `AUTHTOOL_AUTH_HEADER` = `DPoP <token>`
/// and mints a proof per request with `authtool dpop-proof` (the profile
/// and config found through the variables exec sets).
#[cfg(unix)]
#[test]
fn exec_children_mint_a_proof_per_request() {
    let server = FakeServer::start(dpop_fake());
    let mut env = dpop_env(&server);
    env.set_env("AUTHTOOL", authtool_bin());
    env.set_env("URL", server.whoami_url());
    let script = r#"for i in 1 2; do curl -sf -H "Authorization: $AUTHTOOL_AUTH_HEADER" -H "DPoP: $("$AUTHTOOL" dpop-proof --method GET --url "$URL")" "$URL" >/dev/null || exit 9; done; echo ok"#;
    env.case(["exec", "org", "--", "sh", "-c", script])
        .run()
        .success()
        .stdout("ok\n")
        .stderr("");
    assert_eq!(server.counters().whoami_ok, 2);
    assert_eq!(server.counters().token_requests, 2);
}

/// Against the real oidc-provider (`features.dPoP`, a client registered
/// with `dpop_bound_access_tokens`): the token authtool gets introspects
/// active, DPoP-bound, with a `cnf.jkt` equal to the thumbprint of the
/// key `inspect` shows; a proof printed by `header` verifies against that
/// key with the right claims; the second call makes no request and mints
/// a new proof.
#[test]
#[ignore = "needs node and tests/oidc/node_modules (npm ci)"]
fn oidc_provider_binds_the_token_to_the_key() {
    use crate::support::oidc::OidcServer;
    const CLIENT: &str = "authtool-dpop";
    const SECRET: &str = "dpop-client-secret";
    let op = OidcServer::start_with(serde_json::json!({
        "extra_clients": [{
            "client_id": CLIENT,
            "client_secret": SECRET,
            "token_endpoint_auth_method": "client_secret_basic",
            "grant_types": ["client_credentials"],
            "redirect_uris": [],
            "response_types": [],
            "dpop_bound_access_tokens": true,
        }],
        "features": { "dPoP": { "enabled": true } },
    }));
    let mut env = TestEnv::new();
    env.set_env("DPOP_SECRET", SECRET)
        .set_env("AUTHTOOL_SECRET_STORE", "file");
    env.write_config(&format!(
        "[profiles.op]\nprovider = \"oauth2\"\ntoken_url = \"{}/token\"\nclient_id = \"{CLIENT}\"\nclient_secret_env = \"DPOP_SECRET\"\ndpop = true\n",
        op.issuer()
    ));
    let api = "https://api.example.test/v1/items";
    let mut seen = HashSet::new();
    let mut jtis = Vec::new();
    let mut token = String::new();
    for _ in 0..2 {
        let out = env
            .case([
                "header",
                "-p",
                "op",
                "--method",
                "PUT",
                "--url",
                &format!("{api}?x=1"),
            ])
            .run()
            .success()
            .stderr("")
            .stdout_text();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        token = lines[0]
            .strip_prefix("Authorization: DPoP ")
            .unwrap()
            .into();
        let proof = lines[1].strip_prefix("DPoP: ").unwrap();
        jtis.push(check_api_proof(proof, "PUT", api, &token, &mut seen));
    }
    assert_eq!(op.requests("POST /token"), 1, "{:?}", op.log());
    assert_ne!(jtis[0].jti, jtis[1].jti);
    assert_eq!(jtis[0].jkt, jtis[1].jkt);

    let introspection = curl(&[
        "-u",
        &format!("{CLIENT}:{SECRET}"),
        "-d",
        &format!("token={token}"),
        &format!("{}/token/introspection", op.issuer()),
    ]);
    assert_eq!(introspection.status, 200, "{introspection:?}");
    let answer: serde_json::Value = serde_json::from_str(&introspection.body).unwrap();
    assert_eq!(answer["active"], true, "{answer}");
    assert_eq!(answer["token_type"], "DPoP", "{answer}");
    assert_eq!(answer["cnf"]["jkt"], jtis[0].jkt.as_str(), "{answer}");

    let inspected = env.case(["inspect", "--json"]).run().success().json();
    assert_eq!(inspected["token_type"], "DPoP");
    assert_eq!(inspected["dpop"]["key_thumbprint"], jtis[0].jkt.as_str());
}

/// git and Docker send a token as a password (a bearer token), never with
/// a proof: a DPoP profile is refused there before any request.
#[cfg(unix)]
#[test]
fn git_and_docker_refuse_dpop_profiles() {
    let server = FakeServer::start(dpop_fake());
    let env = org_env(
        &server,
        "dpop = true\nurls = [\"https://git.example.test/\"]\n",
    );
    // Bazel and pip/uv send what they get as a bearer token too.
    let cases: [(&[&str], Option<&str>, &str); 4] = [
        (
            &["git-credential", "get"],
            Some("protocol=https\nhost=git.example.test\npath=org/repo.git\n\n"),
            "git",
        ),
        (
            &["docker-credential", "get"],
            Some("https://git.example.test/\n"),
            "Docker",
        ),
        (
            &["bazel-credential", "get"],
            Some(r#"{"uri": "https://git.example.test/org/repo"}"#),
            "Bazel",
        ),
        (
            &[
                "keyring",
                "get",
                "https://git.example.test/simple/",
                "oauth2",
            ],
            None,
            "the keyring helper (pip, uv)",
        ),
    ];
    for (args, stdin, tool) in cases {
        let mut case = env.case(args.iter().copied());
        if let Some(stdin) = stdin {
            case = case.stdin(stdin);
        }
        case.run()
            .code(2)
            .stdout("")
            .stderr(format!(
                "authtool: error: profile 'org' has DPoP-bound tokens (dpop = true): {tool} sends them as bearer tokens, without the proof each request needs\n\
                 hint: use a profile without dpop = true for {tool}\n"
            ));
    }
    assert_eq!(server.counters().token_requests, 0);
}
