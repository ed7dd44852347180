//! Docker's credential-helper protocol (`docker-credential`), as Docker
//! runs it.

use std::process::Output;

use crate::support::*;

// Docker

/// `authtool docker-credential OP` with `stdin`, as Docker runs it.
pub(crate) fn docker(env: &TestEnv, op: &str, stdin: &str) -> Output {
    env.cmd()
        .args(["docker-credential", op])
        .write_stdin(stdin)
        .output()
        .unwrap()
}

#[test]
fn docker_credential_protocol() {
    let server = FakeServer::start(org_fake());
    let env = org_env(
        &server,
        "urls = [\"https://registry.example.com\"]\ndocker_username = \"bot\"\n",
    );

    // A profile's registry: its token, as Docker asked for it.
    let out = docker(&env, "get", "registry.example.com\n");
    assert!(out.status.success(), "{}", transcript(&out));
    let token = server.last_access_token().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc,
        serde_json::json!({"ServerURL": "registry.example.com", "Username": "bot", "Secret": token})
    );

    // Unknown: exactly Docker's "not found" text on stdout, exit 1.
    let out = docker(&env, "get", "https://index.docker.io/v1/");
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    assert_eq!(
        text(&out.stdout),
        "credentials not found in native keychain\n"
    );
    assert_eq!(text(&out.stderr), "");

    // store / get / list / erase for another registry.
    let out = docker(
        &env,
        "store",
        r#"{"ServerURL":"https://index.docker.io/v1/","Username":"alice","Secret":"hub-pass"}"#,
    );
    assert!(out.status.success(), "{}", transcript(&out));
    assert_eq!(text(&out.stdout), "");
    let out = docker(&env, "get", "https://index.docker.io/v1/");
    assert!(out.status.success(), "{}", transcript(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc,
        serde_json::json!({"ServerURL": "https://index.docker.io/v1/", "Username": "alice", "Secret": "hub-pass"})
    );
    let out = docker(&env, "list", "");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc,
        serde_json::json!({"https://index.docker.io/v1/": "alice", "https://registry.example.com": "bot"})
    );
    // The secret is in the secret store, not in the index.
    let index = std::fs::read_to_string(env.data_dir().join("docker-credential.json")).unwrap();
    assert!(!index.contains("hub-pass"), "{index}");
    // Storing again replaces (a trailing `/` names the same registry).
    let out = docker(
        &env,
        "store",
        r#"{"ServerURL":"https://index.docker.io/v1","Username":"bob","Secret":"pass2"}"#,
    );
    assert!(out.status.success(), "{}", transcript(&out));
    let out = docker(&env, "get", "https://index.docker.io/v1/");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["Username"], "bob");
    assert_eq!(doc["Secret"], "pass2");
    let out = docker(&env, "erase", "https://index.docker.io/v1/");
    assert!(out.status.success(), "{}", transcript(&out));
    let out = docker(&env, "get", "https://index.docker.io/v1/");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "credentials not found in native keychain\n"
    );
    let out = docker(&env, "erase", "https://index.docker.io/v1/");
    assert_eq!(out.status.code(), Some(1));

    // Erasing a profile's registry drops its token: the next get renews.
    assert!(
        docker(&env, "erase", "registry.example.com")
            .status
            .success()
    );
    let out = docker(&env, "get", "https://registry.example.com/");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(doc["Secret"], token.as_str());
    assert_eq!(server.counters().logins, 2);

    // Bad input: a clear error on stderr, nothing on stdout.
    env.cmd()
        .args(["docker-credential", "store"])
        .write_stdin("not json")
        .assert()
        .fails_cleanly(2);
    env.cmd()
        .args(["docker-credential", "get"])
        .write_stdin("\n")
        .assert()
        .fails_cleanly(2);
}

/// `docker-credential-authtool` (a link) is the same helper, as Docker
/// runs it for `"credHelpers": {"registry.example.com": "authtool"}`.
#[test]
fn docker_helper_by_installed_name() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "urls = [\"https://registry.example.com\"]\n");
    let link = env.root().join("docker-credential-authtool");
    std::os::unix::fs::symlink(authtool_bin(), &link).unwrap();
    let out = env
        .case(["get"])
        .program(&link)
        .stdin("registry.example.com")
        .run()
        .into_output();
    assert!(out.status.success(), "{}", transcript(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["Username"], "oauth2");
    assert_eq!(
        doc["Secret"].as_str(),
        server.last_access_token().as_deref()
    );
}
