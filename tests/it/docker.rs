//! Docker's credential-helper protocol (`docker-credential`), as Docker
//! runs it.

use crate::support::*;

/// `authtool docker-credential OP` reading `stdin`, as Docker runs it.
pub(crate) fn docker<'e>(env: &'e TestEnv, op: &str, stdin: &str) -> Case<'e> {
    env.case(["docker-credential", op]).stdin(stdin)
}

/// Docker's "not found" answer: on stdout, exit 1.
const NOT_FOUND: &str = "credentials not found in native keychain\n";

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
        .stdout(
            r#"{"Secret":"[TOKEN]","ServerURL":"registry.example.com","Username":"bot"}"#
                .to_string()
                + "\n",
        )
        .stderr("");

    // Unknown: exactly Docker's "not found" text on stdout, exit 1.
    docker(&env, "get", "https://index.docker.io/v1/")
        .run()
        .code(1)
        .stdout(NOT_FOUND)
        .stderr("");

    // store / get / list / erase for another registry.
    docker(
        &env,
        "store",
        r#"{"ServerURL":"https://index.docker.io/v1/","Username":"alice","Secret":"hub-pass"}"#,
    )
    .run()
    .success()
    .stdout("")
    .stderr("");
    docker(&env, "get", "https://index.docker.io/v1/")
        .run()
        .success()
        .stdout(
            r#"{"Secret":"hub-pass","ServerURL":"https://index.docker.io/v1/","Username":"alice"}"#
                .to_string()
                + "\n",
        )
        .stderr("");
    docker(&env, "list", "")
        .run()
        .success()
        .stdout(
            r#"{"https://index.docker.io/v1/":"alice","https://registry.example.com":"bot"}"#
                .to_string()
                + "\n",
        )
        .stderr("");
    // The secret is in the secret store, not in the index.
    let index = std::fs::read_to_string(env.data_dir().join("docker-credential.json")).unwrap();
    assert!(!index.contains("hub-pass"), "{index}");
    // Storing again replaces (a trailing `/` names the same registry).
    docker(
        &env,
        "store",
        r#"{"ServerURL":"https://index.docker.io/v1","Username":"bob","Secret":"pass2"}"#,
    )
    .run()
    .success()
    .stdout("")
    .stderr("");
    docker(&env, "get", "https://index.docker.io/v1/")
        .run()
        .success()
        .stdout(
            r#"{"Secret":"pass2","ServerURL":"https://index.docker.io/v1/","Username":"bob"}"#
                .to_string()
                + "\n",
        )
        .stderr("");
    docker(&env, "erase", "https://index.docker.io/v1/")
        .run()
        .success()
        .stdout("")
        .stderr("");
    docker(&env, "get", "https://index.docker.io/v1/")
        .run()
        .code(1)
        .stdout(NOT_FOUND)
        .stderr("");
    docker(&env, "erase", "https://index.docker.io/v1/")
        .run()
        .code(1)
        .stdout(NOT_FOUND)
        .stderr("");

    // Erasing a profile's registry drops its token: the next get renews.
    docker(&env, "erase", "registry.example.com")
        .run()
        .success()
        .stdout("")
        .stderr("");
    let ran = docker(&env, "get", "https://registry.example.com/")
        .run()
        .filter(&token, "[OLD]");
    let renewed = server.last_access_token().unwrap();
    assert_ne!(renewed, token);
    ran.token(&renewed)
        .success()
        .stdout(
            r#"{"Secret":"[TOKEN]","ServerURL":"https://registry.example.com/","Username":"bot"}"#
                .to_string()
                + "\n",
        )
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
        .stdout(
            r#"{"Secret":"[TOKEN]","ServerURL":"registry.example.com","Username":"oauth2"}"#
                .to_string()
                + "\n",
        )
        .stderr("");
}
