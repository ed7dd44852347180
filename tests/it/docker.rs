//! Docker's credential-helper protocol (`docker-credential`), as Docker
//! runs it.

use crate::support::*;

/// `authtool docker-credential OP` reading `stdin`, as Docker runs it.
pub(crate) fn docker<'e>(env: &'e TestEnv, op: &str, stdin: &str) -> Case<'e> {
    env.case(["docker-credential", op]).stdin(stdin)
}

/// One step of the protocol: `docker-credential OP` with `stdin` exits
/// `code` with exactly `stdout` and nothing on stderr.
#[track_caller]
fn step(env: &TestEnv, op: &str, stdin: &str, code: i32, stdout: &str) {
    docker(env, op, stdin)
        .run()
        .code(code)
        .stdout(stdout)
        .stderr("");
}

/// Docker's answer to `get`, on one line.
pub(crate) fn credentials(secret: &str, server_url: &str, username: &str) -> String {
    format!(
        "{{\"Secret\":\"{secret}\",\"ServerURL\":\"{server_url}\",\"Username\":\"{username}\"}}\n"
    )
}

/// Docker's "not found" answer: on stdout, exit 1.
const NOT_FOUND: &str = "credentials not found in native keychain\n";

const HUB: &str = "https://index.docker.io/v1/";

#[test]
fn docker_credential_protocol() {
    let server = FakeServer::start(org_fake());
    let env = org_env(
        &server,
        "urls = [\"https://registry.example.com\"]\ndocker_username = \"bot\"\n",
    );

    // A profile's registry: its token, as Docker asked for it.
    let ran = docker(&env, "get", "registry.example.com\n").run();
    let token = server.last_access_token().unwrap();
    ran.token(&token)
        .success()
        .stdout(credentials("[TOKEN]", "registry.example.com", "bot"))
        .stderr("");

    // Unknown: exactly Docker's "not found" text on stdout, exit 1.
    step(&env, "get", HUB, 1, NOT_FOUND);

    // store / get / list / erase for another registry.
    step(
        &env,
        "store",
        r#"{"ServerURL":"https://index.docker.io/v1/","Username":"alice","Secret":"hub-pass"}"#,
        0,
        "",
    );
    step(&env, "get", HUB, 0, &credentials("hub-pass", HUB, "alice"));
    step(
        &env,
        "list",
        "",
        0,
        concat!(
            r#"{"https://index.docker.io/v1/":"alice","https://registry.example.com":"bot"}"#,
            "\n"
        ),
    );
    // The secret is in the secret store, not in the index.
    let index = std::fs::read_to_string(env.data_dir().join("docker-credential.json")).unwrap();
    assert!(!index.contains("hub-pass"), "{index}");
    // Storing again replaces (a trailing `/` names the same registry).
    step(
        &env,
        "store",
        r#"{"ServerURL":"https://index.docker.io/v1","Username":"bob","Secret":"pass2"}"#,
        0,
        "",
    );
    step(&env, "get", HUB, 0, &credentials("pass2", HUB, "bob"));
    step(&env, "erase", HUB, 0, "");
    step(&env, "get", HUB, 1, NOT_FOUND);
    step(&env, "erase", HUB, 1, NOT_FOUND);

    // Erasing a profile's registry drops its token: the next get renews.
    step(&env, "erase", "registry.example.com", 0, "");
    let ran = docker(&env, "get", "https://registry.example.com/")
        .run()
        .filter(&token, "[OLD]");
    let renewed = server.last_access_token().unwrap();
    assert_ne!(renewed, token);
    ran.token(&renewed)
        .success()
        .stdout(credentials(
            "[TOKEN]",
            "https://registry.example.com/",
            "bot",
        ))
        .stderr("");
    assert_eq!(server.counters().logins, 2);

    // Bad input: a clear error on stderr, nothing on stdout.
    docker(&env, "store", "not json")
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: docker-credential store: expected {\"ServerURL\",\"Username\",\"Secret\"} on stdin: expected ident at line 1 column 2\n",
        );
    docker(&env, "get", "\n")
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: docker-credential: no server URL on stdin\n");
}

/// `docker-credential-authtool` (a link) is the same helper, as Docker
/// runs it for `"credHelpers": {"registry.example.com": "authtool"}`.
#[test]
fn docker_helper_by_installed_name() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "urls = [\"https://registry.example.com\"]\n");
    let link = env.root().join("docker-credential-authtool");
    std::os::unix::fs::symlink(authtool_bin(), &link).unwrap();
    let ran = env
        .case(["get"])
        .program(&link)
        .stdin("registry.example.com")
        .run();
    ran.token(server.last_access_token().unwrap())
        .success()
        .stdout(credentials("[TOKEN]", "registry.example.com", "oauth2"))
        .stderr("");
}

/// Docker's requests are one line (`get`, `erase`) or one JSON value
/// (`store`): the answer does not wait for the end of stdin.
#[test]
fn docker_request_ends_with_its_line_or_value() {
    let mut env = TestEnv::new();
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    crate::git::with_stdin_left_open(
        &env,
        "docker-credential store",
        r#"{"ServerURL":"https://kept.example.com","Username":"u","Secret":"s3cr3t-kept"}"#,
    )
    .run()
    .success()
    .stdout("")
    .stderr("");
    crate::git::with_stdin_left_open(&env, "docker-credential get", "https://kept.example.com\n")
        .run()
        .success()
        .stdout(credentials("s3cr3t-kept", "https://kept.example.com", "u"))
        .stderr("");
}

/// A server address with userinfo, a query, a fragment, a control
/// character or a percent-escape matches no profile.
#[test]
fn docker_server_addresses_are_checked_before_matching() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "urls = [\"https://registry.example.com\"]\n");
    for address in [
        "registry.example.com#@evil.test",
        "evil.test#registry.example.com",
        "registry%2eexample.com",
        "registry.exa\tmple.com",
        "https://registry.example.com?x",
    ] {
        docker(&env, "get", address)
            .run()
            .code(1)
            .stdout(NOT_FOUND)
            .stderr("");
    }
    assert_eq!(server.counters().token_requests, 0);
}
