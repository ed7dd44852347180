//! The real secret stores, not a mock.
//!
//! - The OS keychain (Secret Service over D-Bus) is tested only with
//!   `AUTHTOOL_TEST_KEYRING=1`, the kernel keyring only with
//!   `AUTHTOOL_TEST_KERNEL_KEYRING=1`: `scripts/test.sh` sets them and runs
//!   the suite inside `keyctl session - dbus-run-session` with an unlocked
//!   gnome-keyring of its own. Without them these tests print why they were
//!   skipped and return.
//! - A missing or hanging keychain needs no keychain at all, so those tests
//!   always run: exit 4, quickly, with hints, and no plaintext file.

use crate::support::*;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const ID: &str = "kc-client";
const SECRET: &str = "kc-s3cret-value";

/// The D-Bus session address when the real keychain is to be tested.
fn real_keychain(test: &str) -> Option<String> {
    if std::env::var_os("AUTHTOOL_TEST_KEYRING").is_none() {
        eprintln!(
            "skipped {test}: the real keychain is tested only with AUTHTOOL_TEST_KEYRING=1 \
             (scripts/test.sh sets it inside a D-Bus session with an unlocked gnome-keyring)"
        );
        return None;
    }
    Some(
        std::env::var("DBUS_SESSION_BUS_ADDRESS").expect(
            "AUTHTOOL_TEST_KEYRING=1 but no D-Bus session: run the tests with scripts/test.sh",
        ),
    )
}

/// A profile name no other test (or earlier run) uses.
fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", unique_token("p"))
}

fn env_with(config: &str) -> TestEnv {
    let env = TestEnv::new();
    env.write_config(config);
    env
}

fn profile(name: &str, server: &FakeServer<FakeOAuth2>, extra: &str) -> String {
    format!(
        "[profiles.{name}]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{ID}\"\n{extra}",
        server.token_url()
    )
}

fn run(env: &TestEnv, args: &[&str], stdin: &str) -> Output {
    env.cmd().args(args).write_stdin(stdin).output().unwrap()
}

fn ok(env: &TestEnv, args: &[&str], stdin: &str) -> String {
    let out = run(env, args, stdin);
    assert!(out.status.success(), "{args:?}\n{}", transcript(&out));
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains(SECRET),
        "{args:?} leaked the secret\n{}",
        transcript(&out)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A program's trimmed stdout, or `None` if it failed or is not installed.
fn tool(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// No `file` store was written.
fn assert_no_plaintext_store(env: &TestEnv) {
    let file = env.data_dir().join("secrets.json");
    assert!(
        !file.exists(),
        "a plaintext secret file appeared: {}",
        file.display()
    );
}

fn assert_file_lacks(path: &Path, values: &[&str]) {
    if let Ok(text) = std::fs::read_to_string(path) {
        for v in values {
            assert!(
                !text.contains(v),
                "{} holds a secret:\n{text}",
                path.display()
            );
        }
    }
}

/// Runs `args` (the secret on stdin) and asserts exit 4 within `limit`,
/// nothing on stdout, the other stores in the hints and no secret shown.
fn store_unavailable(env: &TestEnv, args: &[&str], limit: Duration) -> String {
    let started = Instant::now();
    let out = run(env, args, &format!("{SECRET}\n"));
    assert!(started.elapsed() < limit, "{args:?} took too long");
    assert_eq!(out.status.code(), Some(4), "{args:?}\n{}", transcript(&out));
    assert!(out.stdout.is_empty(), "{}", transcript(&out));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("secret_store = \"file\""), "{stderr}");
    assert!(stderr.contains("NAME_env"), "{stderr}");
    assert!(!stderr.contains(SECRET), "{stderr}");
    stderr
}

#[test]
fn login_token_refresh_logout_on_the_real_secret_service() {
    let Some(bus) = real_keychain("login_token_refresh_logout_on_the_real_secret_service") else {
        return;
    };
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let name = unique("kc");
    let mut env = env_with(&profile(&name, &server, ""));
    env.set_env("DBUS_SESSION_BUS_ADDRESS", &bus);
    let account = format!("{name}/client_secret");

    // login --secret-stdin: stored in the keychain, proved by a login.
    ok(
        &env,
        &["login", &name, "--secret-stdin"],
        &format!("{SECRET}\n"),
    );
    assert_eq!(server.counters().logins, 1);
    if let Some(found) = tool(
        "secret-tool",
        &["lookup", "service", "authtool", "username", &account],
    ) {
        assert_eq!(found, SECRET);
        let listing = tool(
            "secret-tool",
            &["search", "service", "authtool", "username", &account],
        )
        .unwrap_or_default();
        assert!(
            listing.contains(&format!("label = authtool: {account}")),
            "{listing}"
        );
    } else {
        eprintln!(
            "note: secret-tool (libsecret-tools) is not installed; checked through authtool only"
        );
    }

    // token: no env secret anywhere, served from the cache.
    let token = ok(&env, &["token", &name], "");
    assert_eq!(token.trim_end(), server.last_access_token().unwrap());
    assert_eq!(server.counters().token_requests, 1);

    // A renewal reads the refresh token from the keychain and rotates it there.
    ok(&env, &["token", &name, "--min-ttl", "2h"], "");
    let c = server.counters();
    assert_eq!((c.logins, c.refreshes, c.refresh_reuse), (1, 1, 0), "{c:?}");
    let newest = server.last_refresh_token().unwrap();
    if let Some(found) = tool(
        "secret-tool",
        &[
            "lookup",
            "service",
            "authtool",
            "username",
            &format!("{name}/refresh_token"),
        ],
    ) {
        assert_eq!(found, newest);
    }
    let status: serde_json::Value =
        serde_json::from_str(&ok(&env, &["status", "--json"], "")).unwrap();
    let row = &status["profiles"][0];
    assert_eq!(row["secrets"][0]["store"], "keyring");
    assert_eq!(row["secrets"][0]["present"], true);
    assert_eq!(row["refresh_token"], true);

    // Nothing in plaintext: no file store, and the cache has no secrets.
    assert_no_plaintext_store(&env);
    assert_file_lacks(
        &env.cache_dir().join("tokens").join(format!("{name}.json")),
        &[SECRET, &newest],
    );

    // logout --forget: gone from the keychain; token now needs a login.
    ok(&env, &["logout", &name, "--forget"], "");
    assert_eq!(
        tool(
            "secret-tool",
            &["lookup", "service", "authtool", "username", &account]
        ),
        None
    );
    let out = run(&env, &["token", &name], "");
    assert_eq!(out.status.code(), Some(3), "{}", transcript(&out));
    assert!(out.stdout.is_empty());
    assert_no_plaintext_store(&env);
}

#[test]
fn a_locked_keychain_is_exit_4_not_a_missing_secret() {
    if real_keychain("a_locked_keychain_is_exit_4_not_a_missing_secret").is_none() {
        return;
    }
    // A D-Bus session and keyring daemon of this test's own (its HOME and
    // XDG dirs are the TestEnv's), so locking it disturbs no other test.
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let mut env = env_with(&profile("org", &server, ""));
    env.set_env("AUTHTOOL", authtool_bin());
    env.set_env("THE_SECRET", SECRET);
    let script = r#"
        set -eu
        printf %s test-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        printf '%s\n' "$THE_SECRET" | "$AUTHTOOL" login org --secret-stdin --no-verify 2>/dev/null
        "$AUTHTOOL" status | grep -q 'keyring, present'
        dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
          org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
        code=0; "$AUTHTOOL" token org || code=$?
        echo "exit=$code"
    "#;
    let out = env
        .command_for("dbus-run-session")
        .args(["--", "sh", "-c", script])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stdout, "exit=4\n", "{}", transcript(&out));
    assert!(stderr.contains("locked or refused access"), "{stderr}");
    assert!(!stderr.contains("no client_secret is stored"), "{stderr}");
    assert!(!stderr.contains(SECRET));
    assert_no_plaintext_store(&env);
}

#[test]
fn without_a_dbus_session_the_keychain_fails_fast_with_exit_4() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    // The hermetic env has no DBUS_SESSION_BUS_ADDRESS and an empty runtime dir.
    let env = env_with(&profile("org", &server, ""));
    for args in [
        &["login", "org", "--secret-stdin"][..],
        &["token", "org"][..],
        &["logout", "org", "--forget"][..],
    ] {
        let stderr = store_unavailable(&env, args, Duration::from_secs(4));
        assert!(stderr.contains("cannot reach the OS keychain"), "{stderr}");
    }
    assert_no_plaintext_store(&env);
    assert_eq!(server.counters().token_requests, 0);
}

#[cfg(unix)]
#[test]
fn a_keychain_that_never_answers_is_abandoned_with_exit_4() {
    // A "D-Bus daemon" that accepts connections and never says a word.
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("bus");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            held.push(conn);
        }
    });
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let mut env = env_with(&profile("org", &server, ""));
    env.set_env(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", socket.display()),
    );
    env.set_env("AUTHTOOL_KEYRING_TIMEOUT", "1s");
    let stderr = store_unavailable(
        &env,
        &["login", "org", "--secret-stdin"],
        Duration::from_secs(5),
    );
    assert!(stderr.contains("did not answer within 1s"), "{stderr}");
    assert!(stderr.contains("AUTHTOOL_KEYRING_TIMEOUT"), "{stderr}");
    assert_no_plaintext_store(&env);
}

#[test]
fn env_secrets_work_without_a_keychain_and_only_the_refresh_token_is_lost() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET).lifetime_secs(600));
    let mut env = env_with(&profile(
        "ci",
        &server,
        "client_secret_env = \"CI_SECRET\"\n",
    ));
    env.set_env("CI_SECRET", SECRET);
    let out = run(&env, &["token"], "");
    assert!(out.status.success(), "{}", transcript(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim_end(),
        server.last_access_token().unwrap()
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the refresh token cannot be kept"),
        "{stderr}"
    );
    // The cached token is served without touching the keychain again.
    let out = run(&env, &["token"], "");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        transcript(&out)
    );
    // Renewal logs in again (there is no refresh token to use).
    ok(&env, &["token", "--min-ttl", "1h"], "");
    let c = server.counters();
    assert_eq!((c.logins, c.refreshes), (2, 0), "{c:?}");
    assert_no_plaintext_store(&env);
}

#[test]
fn the_kernel_keyring_round_trip() {
    if std::env::var_os("AUTHTOOL_TEST_KERNEL_KEYRING").is_none() {
        eprintln!(
            "skipped the_kernel_keyring_round_trip: it runs only with AUTHTOOL_TEST_KERNEL_KEYRING=1 \
             (scripts/test.sh sets it inside its own `keyctl session`)"
        );
        return;
    }
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET).lifetime_secs(600));
    let name = unique("kern");
    let env = env_with(&profile(&name, &server, "secret_store = \"kernel\"\n"));
    ok(
        &env,
        &["login", &name, "--secret-stdin"],
        &format!("{SECRET}\n"),
    );
    let description = format!("%user:authtool:{name}/client_secret");
    match tool("keyctl", &["print", &description]) {
        Some(value) => assert_eq!(value, SECRET),
        None => {
            eprintln!("note: keyctl (keyutils) is not installed; checked through authtool only")
        }
    }
    ok(&env, &["token", &name, "--min-ttl", "1h"], "");
    let c = server.counters();
    assert_eq!((c.logins, c.refreshes), (1, 1), "{c:?}");
    ok(&env, &["logout", &name, "--forget"], "");
    assert_eq!(tool("keyctl", &["print", &description]), None);
    let out = run(&env, &["token", &name], "");
    assert_eq!(out.status.code(), Some(3), "{}", transcript(&out));
    assert_no_plaintext_store(&env);
}
