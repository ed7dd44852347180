//! The real secret stores, not a mock.
//!
//! - The tests of the OS keychain (Secret Service over D-Bus) and of the
//!   kernel keyring are `#[ignore]`d, with the reason, so that without their
//!   prerequisites the runner's summary counts them as ignored, not passed.
//!   `scripts/test.sh` selects them when it can give them what they need: it
//!   runs the suite inside `keyctl session - dbus-run-session` with an
//!   unlocked gnome-keyring of its own, sets `AUTHTOOL_TEST_KEYRING=1` /
//!   `AUTHTOOL_TEST_KERNEL_KEYRING=1`, and picks them by name: every test of
//!   the real keychain has `real_keychain` in its name, the kernel keyring's
//!   has `kernel_keyring`. Run without those variables (`cargo test --
//!   --ignored`), they fail and say why rather than touch the user's own
//!   keyrings.
//! - A missing or hanging keychain needs no keychain at all, so those tests
//!   always run: exit 4, quickly, with hints, and no plaintext file.

use super::{login_to, not_stored};
use crate::support::*;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const SECRET: &str = "kc-s3cret-value";

/// A profile name no other test (or earlier run) uses.
fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", unique_token("p"))
}

fn env_with(config: &str) -> TestEnv {
    let env = TestEnv::new();
    env.write_config(config);
    env
}

/// The `org` profile against `server`, renamed `name`, with `extra` keys.
fn profile(name: &str, server: &FakeServer<FakeOAuth2>, extra: &str) -> String {
    org_profile(&server.token_url(), extra).replacen(
        "[profiles.org]",
        &format!("[profiles.{name}]"),
        1,
    )
}

/// The fake the profile logs in to, with this module's secret.
fn fake() -> FakeOAuth2 {
    FakeOAuth2::new(ORG_ID, SECRET)
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
/// nothing on stdout, exactly `stderr` (the other stores in the hints) and
/// no secret shown.
#[track_caller]
fn store_unavailable(env: &TestEnv, args: &[&str], limit: Duration, stderr: &str) {
    let started = Instant::now();
    env.case(args)
        .stdin(format!("{SECRET}\n"))
        .run()
        .code(4)
        .stdout("")
        .stderr(stderr)
        .hides(&[SECRET]);
    assert!(started.elapsed() < limit, "{args:?} took too long");
}

#[test]
#[ignore = "needs a Secret Service: scripts/test.sh runs it in a D-Bus session with gnome-keyring"]
fn login_token_refresh_logout_in_the_real_keychain() {
    let bus = real_keychain_bus();
    let server = FakeServer::start(fake());
    let name = unique("kc");
    let mut env = env_with(&profile(&name, &server, ""));
    env.set_env("DBUS_SESSION_BUS_ADDRESS", &bus);
    let account = format!("{name}/client_secret");

    // login --secret-stdin: stored in the keychain, proved by a login.
    env.filter(&name, "[NAME]");
    login_to(
        &env,
        &["login", &name, "--secret-stdin"],
        SECRET,
        "[NAME]",
        "keyring",
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
    env.case(["token", &name])
        .run()
        .token(server.last_access_token().unwrap())
        .success()
        .stdout("[TOKEN]\n")
        .stderr("");
    assert_eq!(server.counters().token_requests, 1);

    // A renewal reads the refresh token from the keychain and rotates it there.
    env.case(["token", &name, "--min-ttl", "2h"])
        .run()
        .token(server.last_access_token().unwrap())
        .success()
        .stdout("[TOKEN]\n")
        .stderr("authtool: warning: profile '[NAME]': the server issues tokens valid for [DURATION], less than --min-ttl 2h 0m\n")
        .hides(&[SECRET]);
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
    env.case(["status", "--json"])
        .filter_regex(r#""expires_in": \d+"#, "\"expires_in\": [SECS]")
        .run()
        .success()
        .stdout(
            r#"{
  "config": "[ROOT]/config/authtool/config.toml",
  "profiles": [
    {
      "error": null,
      "name": "[NAME]",
      "provider": "oauth2",
      "refresh_token": true,
      "secrets": [
        {
          "name": "client_secret",
          "present": true,
          "source": "store",
          "store": "keyring"
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
"#,
        )
        .stderr("");

    // Nothing in plaintext: no file store, and the cache has no secrets.
    assert_no_plaintext_store(&env);
    assert_file_lacks(
        &env.cache_dir().join("tokens").join(format!("{name}.json")),
        &[SECRET, &newest],
    );

    // logout --forget: gone from the keychain; token now needs a login.
    env.case(["logout", &name, "--forget"])
        .run()
        .success()
        .stdout("")
        .stderr("authtool: profile '[NAME]': cached token and refresh token dropped; deleted client_secret from the keyring store\n");
    assert_eq!(
        tool(
            "secret-tool",
            &["lookup", "service", "authtool", "username", &account]
        ),
        None
    );
    env.case(["token", &name])
        .run()
        .code(3)
        .stdout("")
        .stderr(not_stored("[NAME]", "keyring"));
    assert_no_plaintext_store(&env);
}

#[test]
#[ignore = "needs dbus-run-session and gnome-keyring: scripts/test.sh runs it when they are installed"]
fn a_locked_real_keychain_is_exit_4_not_a_missing_secret() {
    real_keychain_bus();
    // A D-Bus session and keyring daemon of this test's own (its HOME and
    // XDG dirs are the TestEnv's), so locking it disturbs no other test.
    let server = FakeServer::start(fake());
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
    // The session bus and the keyring's prompter talk on stderr too (with
    // pids and times): only authtool's own lines are compared.
    env.case(["--", "sh", "-c", script])
        .program("dbus-run-session")
        .filter_regex(r"(?m)^(?:dbus-daemon\[.*|\(gcr-prompter.*|)\n", "")
        .run()
        .success()
        .stdout("exit=4\n")
        .stderr(
            "authtool: error: the OS keychain (Secret Service over D-Bus) is locked or refused access (read entry `org/client_secret`): Secret Service: unlock prompt was dismissed\n\
             hint: unlock your login keyring (Seahorse, \"Passwords and Keys\", or `gnome-keyring-daemon --unlock`) and run the command again\n",
        )
        .hides(&[SECRET]);
    assert_no_plaintext_store(&env);
}

/// What to do without a D-Bus session: the file store or env/command
/// secrets (not "unlock your keyring": there is none).
const NO_BUS_HINT: &str = "hint: without a desktop session (SSH, containers, CI) there is no keychain: use the file store ($AUTHTOOL_SECRET_STORE=file, or `secret_store = \"file\"` in the config), or give each secret with `NAME_env = \"VARIABLE\"`, `NAME_command = \"…\"` or `NAME_file = \"PATH\"` in the profile\n";

#[test]
fn without_a_dbus_session_the_keychain_fails_fast_with_exit_4() {
    let server = FakeServer::start(fake());
    // The hermetic env has no DBUS_SESSION_BUS_ADDRESS and an empty runtime dir.
    let mut env = env_with(&profile("org", &server, ""));
    for args in [
        &["login", "org", "--secret-stdin"][..],
        &["token", "org"][..],
        &["logout", "org", "--forget"][..],
    ] {
        store_unavailable(
            &env,
            args,
            Duration::from_secs(4),
            &format!(
                "authtool: error: no D-Bus session, so the OS keychain (Secret Service over D-Bus) cannot be reached: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead\n{NO_BUS_HINT}"
            ),
        );
    }
    // `status`: the problem is one cell of the table, its hint one line.
    env.case(["status"])
        .run()
        .success()
        .stdout(
            "PROFILE  PROVIDER  SECRETS                                   TOKEN  REFRESH\n\
             org      oauth2    client_secret: keyring, no D-Bus session  none   no\n",
        )
        .stderr(NO_BUS_HINT);
    // An address where no bus listens is the same situation.
    env.set_env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    store_unavailable(
        &env,
        &["token", "org"],
        Duration::from_secs(4),
        &format!(
            "authtool: error: no D-Bus session, so the OS keychain (Secret Service over D-Bus) cannot be reached: DBus error: Failed to connect to socket /nonexistent/bus: No such file or directory\n{NO_BUS_HINT}"
        ),
    );
    assert_no_plaintext_store(&env);
    assert_eq!(server.counters().token_requests, 0);
}

#[test]
#[ignore = "needs dbus-run-session: scripts/test.sh runs it when D-Bus and gnome-keyring are installed"]
fn a_session_bus_without_a_real_keychain_says_so() {
    real_keychain_bus();
    // A session bus of this test's own that can start no service at all.
    let server = FakeServer::start(fake());
    let mut env = env_with(&profile("org", &server, ""));
    let conf = env.root().join("bus.conf");
    std::fs::write(
        &conf,
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
    )
    .unwrap();
    env.set_env("AUTHTOOL", authtool_bin());
    let script = r#"
        code=0; "$AUTHTOOL" token org || code=$?
        echo "exit=$code"
        "$AUTHTOOL" status
    "#;
    let hint = "hint: start one in this session (`gnome-keyring-daemon --start --components=secrets`), or use the file store ($AUTHTOOL_SECRET_STORE=file, or `secret_store = \"file\"` in the config), or give each secret with `NAME_env = \"VARIABLE\"`, `NAME_command = \"…\"` or `NAME_file = \"PATH\"` in the profile\n";
    let conf_arg = format!("--config-file={}", conf.display());
    env.case([
        conf_arg.as_str(),
        "--",
        "sh",
        "-c",
        script,
    ])
    .program("dbus-run-session")
    .filter_regex(r"(?m)^dbus-daemon\[.*\n", "")
    .run()
    .success()
    .stdout(
        "exit=4\n\
         PROFILE  PROVIDER  SECRETS                                    TOKEN  REFRESH\n\
         org      oauth2    client_secret: keyring, no Secret Service  none   no\n",
    )
    .stderr(format!(
        "authtool: error: the D-Bus session has no Secret Service (no gnome-keyring, KeePassXC or KWallet runs in it): DBus error: The name org.freedesktop.secrets was not provided by any .service files\n\
         {hint}{hint}"
    ));
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
    let server = FakeServer::start(fake());
    let mut env = env_with(&profile("org", &server, ""));
    env.set_env(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", socket.display()),
    );
    env.set_env("AUTHTOOL_KEYRING_TIMEOUT", "1s");
    store_unavailable(
        &env,
        &["login", "org", "--secret-stdin"],
        Duration::from_secs(5),
        "authtool: error: the OS keychain (Secret Service over D-Bus) did not answer within 1s (connect to the keychain)\n\
         hint: if it is asking for its password, unlock it and run the command again\n\
         hint: a slow keychain can be given more time: $AUTHTOOL_KEYRING_TIMEOUT=30s\n\
         hint: or use the file store: `secret_store = \"file\"` in the profile, or $AUTHTOOL_SECRET_STORE=file\n\
         hint: or the kernel keyring (lost at logout and reboot): `secret_store = \"kernel\"`\n\
         hint: or give each secret with `NAME_env = \"VARIABLE\"`, `NAME_command = \"…\"` or `NAME_file = \"PATH\"` in the profile\n",
    );
    assert_no_plaintext_store(&env);
}

#[test]
fn env_secrets_work_without_a_keychain_and_only_the_refresh_token_is_lost() {
    let server = FakeServer::start(fake().lifetime_secs(600));
    let mut env = env_with(&profile(
        "ci",
        &server,
        "client_secret_env = \"CI_SECRET\"\n",
    ));
    env.set_env("CI_SECRET", SECRET);
    let ran = env.case(["token"]).run();
    env.filter(server.last_access_token().unwrap(), "[TOKEN]");
    ran.token(server.last_access_token().unwrap())
        .success()
        .stdout("[TOKEN]\n")
        .stderr("authtool: warning: profile 'ci': the refresh token cannot be kept (no D-Bus session, so the OS keychain (Secret Service over D-Bus) cannot be reached: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead); the next renewal logs in again\n\
             hint: without a desktop session (SSH, containers, CI) there is no keychain: use the file store ($AUTHTOOL_SECRET_STORE=file, or `secret_store = \"file\"` in the config), or give each secret with `NAME_env = \"VARIABLE\"`, `NAME_command = \"…\"` or `NAME_file = \"PATH\"` in the profile\n")
        .hides(&[SECRET]);
    // The cached token is served without touching the keychain again.
    env.case(["token"])
        .run()
        .success()
        .stdout("[TOKEN]\n")
        .stderr("");
    // Renewal logs in again (there is no refresh token to use).
    env.case(["token", "--min-ttl", "1h"])
        .run()
        .success()
        .stderr("authtool: warning: profile 'ci': the refresh token cannot be kept (no D-Bus session, so the OS keychain (Secret Service over D-Bus) cannot be reached: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead); the next renewal logs in again\n\
             hint: without a desktop session (SSH, containers, CI) there is no keychain: use the file store ($AUTHTOOL_SECRET_STORE=file, or `secret_store = \"file\"` in the config), or give each secret with `NAME_env = \"VARIABLE\"`, `NAME_command = \"…\"` or `NAME_file = \"PATH\"` in the profile\n\
             authtool: warning: profile 'ci': the server issues tokens valid for [DURATION], less than --min-ttl 1h 0m\n")
        .hides(&[SECRET]);
    let c = server.counters();
    assert_eq!((c.logins, c.refreshes), (2, 0), "{c:?}");
    assert_no_plaintext_store(&env);
}

#[test]
#[ignore = "needs a kernel keyring session: scripts/test.sh runs it under `keyctl session` where permitted"]
fn the_kernel_keyring_round_trip() {
    assert!(
        std::env::var_os("AUTHTOOL_TEST_KERNEL_KEYRING").is_some(),
        "the kernel keyring is tested only inside a session keyring of its own: \
         run it with scripts/test.sh (which sets AUTHTOOL_TEST_KERNEL_KEYRING=1 under `keyctl session`)"
    );
    let server = FakeServer::start(fake().lifetime_secs(600));
    let name = unique("kern");
    let env = env_with(&profile(&name, &server, "secret_store = \"kernel\"\n"));
    env.filter(&name, "[NAME]");
    login_to(
        &env,
        &["login", &name, "--secret-stdin"],
        SECRET,
        "[NAME]",
        "kernel",
    );
    let description = format!("%user:authtool:{name}/client_secret");
    match tool("keyctl", &["print", &description]) {
        Some(value) => assert_eq!(value, SECRET),
        None => {
            eprintln!("note: keyctl (keyutils) is not installed; checked through authtool only")
        }
    }
    env.case(["token", &name, "--min-ttl", "1h"])
        .run()
        .success()
        .stderr("authtool: warning: profile '[NAME]': the server issues tokens valid for [DURATION], less than --min-ttl 1h 0m\n")
        .hides(&[SECRET]);
    let c = server.counters();
    assert_eq!((c.logins, c.refreshes), (1, 1), "{c:?}");
    env.case(["logout", &name, "--forget"])
        .run()
        .success()
        .stdout("")
        .stderr("authtool: profile '[NAME]': cached token and refresh token dropped; deleted client_secret from the kernel store\n");
    assert_eq!(tool("keyctl", &["print", &description]), None);
    env.case(["token", &name])
        .run()
        .code(3)
        .stdout("")
        .stderr(not_stored("[NAME]", "kernel"));
    assert_no_plaintext_store(&env);
}
