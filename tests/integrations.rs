//! Integrations, through the real programs: `git credential
//! fill|approve|reject` with authtool configured as the helper (git's own
//! external-helper conformance cases from t/lib-credential.sh, and profile
//! tokens), `curl -K -` against the fake vendors, `sh` evaluating
//! `--format env`, a kubectl-shaped ExecCredential check, Docker's
//! credential-helper protocol, and `exec`. Unix only: they run sh.

#![cfg(unix)]

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use support::*;

const ID: &str = "my-client";
const SECRET: &str = "s3cret:+ %é";

/// Quotes a path for sh.
fn sh_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// Runs `command` with `stdin` and returns its output.
fn run_with_stdin(mut command: Command, stdin: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A hermetic environment whose config has one `oauth2` profile `org`
/// against `server` (secret in $ORG_SECRET) plus `extra` keys; secrets and
/// refresh tokens go to the file store.
fn org_env(server: &FakeServer<FakeOAuth2>, extra: &str) -> TestEnv {
    let mut env = TestEnv::new();
    env.set_env("ORG_SECRET", SECRET);
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    env.write_config(&format!(
        "[profiles.org]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{ID}\"\nclient_secret_env = \"ORG_SECRET\"\n{extra}",
        server.token_url()
    ));
    env
}

/// `authtool token --format json` (from the cache when fresh).
fn token_json(env: &TestEnv) -> serde_json::Value {
    let out = env
        .cmd()
        .args(["token", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", transcript(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

// ---------------------------------------------------------------------------
// git

/// git with a private HOME and global config, no system config, and the
/// askpass script of git's t/lib-credential.sh.
struct Git {
    env: TestEnv,
}

impl Git {
    fn new(env: TestEnv) -> Git {
        let mut env = env;
        let gitconfig = env.write_file("gitconfig", "");
        let askpass = env.write_file(
            "askpass",
            "#!/bin/sh\necho >&2 askpass: $*\nwhat=$(echo $1 | cut -d\" \" -f1 | tr A-Z a-z | tr -cd a-z)\necho \"askpass-$what\"\n",
        );
        make_executable(&askpass);
        env.set_env("GIT_CONFIG_NOSYSTEM", "1");
        env.set_env("GIT_CONFIG_GLOBAL", &gitconfig);
        env.set_env("GIT_ASKPASS", &askpass);
        Git { env }
    }

    /// Store mode only: no config file, the file secret store.
    fn store_mode() -> Git {
        let mut env = TestEnv::new();
        env.set_env("AUTHTOOL_SECRET_STORE", "file");
        Git::new(env)
    }

    /// `credential.helper` running the built binary.
    fn helper(args: &str) -> String {
        format!("!{} git-credential{args}", sh_quote(&authtool_bin()))
    }

    /// `git -c credential.helper=HELPER [-c CONFIG…] credential OP`.
    fn run(&self, helper: &str, config: &[&str], op: &str, stdin: &str) -> Output {
        let mut cmd = self.env.command_for("git");
        cmd.arg("-c").arg(format!("credential.helper={helper}"));
        for c in config {
            cmd.arg("-c").arg(c);
        }
        cmd.args(["credential", op]);
        run_with_stdin(cmd, stdin.as_bytes())
    }

    /// lib-credential.sh's `check`: `script` is stdin, expected stdout and
    /// expected stderr, separated by `--` lines; git must succeed and both
    /// outputs must be exactly as expected.
    fn check_with(&self, helper: &str, config: &[&str], op: &str, script: &str) {
        let mut chunks = vec![String::new()];
        for line in script.trim_start_matches('\n').lines() {
            if line == "--" {
                chunks.push(String::new());
            } else {
                let chunk = chunks.last_mut().unwrap();
                chunk.push_str(line);
                chunk.push('\n');
            }
        }
        chunks.resize(3, String::new());
        let out = self.run(helper, config, op, &chunks[0]);
        let context = format!(
            "git credential {op}\n--- stdin\n{}{}",
            chunks[0],
            transcript(&out)
        );
        assert!(out.status.success(), "{context}");
        assert_eq!(text(&out.stdout), chunks[1], "stdout of {context}");
        assert_eq!(text(&out.stderr), chunks[2], "stderr of {context}");
    }

    fn check(&self, op: &str, script: &str) {
        self.check_with(&Self::helper(""), &[], op, script);
    }

    /// lib-credential.sh's `reject` (used by `helper_test_clean`).
    fn reject(&self, protocol: &str, host: &str, username: &str) {
        let out = self.run(
            &Self::helper(""),
            &[],
            "reject",
            &format!("protocol={protocol}\nhost={host}\nusername={username}\n"),
        );
        assert!(out.status.success(), "{}", transcript(&out));
    }

    /// lib-credential.sh's `helper_test_clean`, then checks that nothing
    /// is left: no index entry, no secret.
    fn clean_and_check_empty(&self) {
        for (protocol, host, user) in [
            ("https", "example.com", "store-user"),
            ("https", "example.com", "user1"),
            ("https", "example.com", "user2"),
            ("https", "example.com", "user-expiry"),
            ("https", "example.com", "user-expiry-overwrite"),
            ("https", "example.com", "user4"),
            ("https", "example.com", "user-distinct-pass"),
            ("https", "example.com", "user-overwrite"),
            ("https", "example.com", "user-erase1"),
            ("https", "example.com", "user-erase2"),
            ("https", "victim.example.com", "user"),
            ("http", "path.tld", "user"),
            ("https", "timeout.tld", "user"),
            ("https", "sso.tld", ""),
            ("https", "git.example.com", ""),
            ("https", "git.example.com", "foobar"),
        ] {
            self.reject(protocol, host, user);
        }
        // A reject with `username=` only matches an empty user name; the
        // entries stored without one go with a reject that names none.
        for host in ["sso.tld", "git.example.com"] {
            let out = self.run(
                &Self::helper(""),
                &[],
                "reject",
                &format!("protocol=https\nhost={host}\n"),
            );
            assert!(out.status.success(), "{}", transcript(&out));
        }
        let index = std::fs::read_to_string(self.env.data_dir().join("git-credential.json"))
            .unwrap_or_default();
        let index: serde_json::Value =
            serde_json::from_str(&index).unwrap_or(serde_json::json!({"entries": []}));
        assert_eq!(index["entries"], serde_json::json!([]), "{index}");
        let secrets = std::fs::read_to_string(self.env.data_dir().join("secrets.json"))
            .unwrap_or_else(|_| "{}".into());
        let secrets: serde_json::Value = serde_json::from_str(&secrets).unwrap();
        assert_eq!(secrets, serde_json::json!({}));
    }
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// t/lib-credential.sh `helper_test`, case by case, in order (the cases
/// build on each other), with authtool in store mode.
#[test]
fn git_t0303_helper_test() {
    let g = Git::store_mode();

    // has no existing data
    g.check(
        "fill",
        "
protocol=https
host=example.com
--
protocol=https
host=example.com
username=askpass-username
password=askpass-password
--
askpass: Username for 'https://example.com':
askpass: Password for 'https://askpass-username@example.com':
",
    );
    // stores password
    g.check(
        "approve",
        "
protocol=https
host=example.com
username=store-user
password=store-pass
",
    );
    // can retrieve password
    g.check(
        "fill",
        "
protocol=https
host=example.com
--
protocol=https
host=example.com
username=store-user
password=store-pass
--
",
    );
    // requires matching protocol
    g.check(
        "fill",
        "
protocol=http
host=example.com
--
protocol=http
host=example.com
username=askpass-username
password=askpass-password
--
askpass: Username for 'http://example.com':
askpass: Password for 'http://askpass-username@example.com':
",
    );
    // requires matching host
    g.check(
        "fill",
        "
protocol=https
host=other.tld
--
protocol=https
host=other.tld
username=askpass-username
password=askpass-password
--
askpass: Username for 'https://other.tld':
askpass: Password for 'https://askpass-username@other.tld':
",
    );
    // requires matching username
    g.check(
        "fill",
        "
protocol=https
host=example.com
username=other
--
protocol=https
host=example.com
username=other
password=askpass-password
--
askpass: Password for 'https://other@example.com':
",
    );
    // requires matching path (test_config credential.usehttppath true)
    let helper = Git::helper("");
    let use_path = ["credential.usehttppath=true"];
    g.check_with(
        &helper,
        &use_path,
        "approve",
        "
protocol=http
host=path.tld
path=foo.git
username=user
password=pass
",
    );
    g.check_with(
        &helper,
        &use_path,
        "fill",
        "
protocol=http
host=path.tld
path=bar.git
--
protocol=http
host=path.tld
path=bar.git
username=askpass-username
password=askpass-password
--
askpass: Username for 'http://path.tld/bar.git':
askpass: Password for 'http://askpass-username@path.tld/bar.git':
",
    );
    // overwrites on store
    g.check(
        "approve",
        "
protocol=https
host=example.com
username=user-overwrite
password=pass1
",
    );
    g.check(
        "approve",
        "
protocol=https
host=example.com
username=user-overwrite
password=pass2
",
    );
    g.check(
        "fill",
        "
protocol=https
host=example.com
username=user-overwrite
--
protocol=https
host=example.com
username=user-overwrite
password=pass2
",
    );
    g.check(
        "reject",
        "
protocol=https
host=example.com
username=user-overwrite
password=pass2
",
    );
    g.check(
        "fill",
        "
protocol=https
host=example.com
username=user-overwrite
--
protocol=https
host=example.com
username=user-overwrite
password=askpass-password
--
askpass: Password for 'https://user-overwrite@example.com':
",
    );
    // can forget host
    g.check(
        "reject",
        "
protocol=https
host=example.com
",
    );
    g.check(
        "fill",
        "
protocol=https
host=example.com
--
protocol=https
host=example.com
username=askpass-username
password=askpass-password
--
askpass: Username for 'https://example.com':
askpass: Password for 'https://askpass-username@example.com':
",
    );
    // can store multiple users
    g.check(
        "approve",
        "
protocol=https
host=example.com
username=user1
password=pass1
",
    );
    g.check(
        "approve",
        "
protocol=https
host=example.com
username=user2
password=pass2
",
    );
    g.check(
        "fill",
        "
protocol=https
host=example.com
username=user1
--
protocol=https
host=example.com
username=user1
password=pass1
",
    );
    g.check(
        "fill",
        "
protocol=https
host=example.com
username=user2
--
protocol=https
host=example.com
username=user2
password=pass2
",
    );
    // does not erase a password distinct from input
    g.check(
        "approve",
        "
protocol=https
host=example.com
username=user-distinct-pass
password=pass1
",
    );
    g.check(
        "reject",
        "
protocol=https
host=example.com
username=user-distinct-pass
password=pass2
",
    );
    g.check(
        "fill",
        "
protocol=https
host=example.com
username=user-distinct-pass
--
protocol=https
host=example.com
username=user-distinct-pass
password=pass1
",
    );
    // can forget user
    g.check(
        "reject",
        "
protocol=https
host=example.com
username=user1
",
    );
    g.check(
        "fill",
        "
protocol=https
host=example.com
username=user1
--
protocol=https
host=example.com
username=user1
password=askpass-password
--
askpass: Password for 'https://user1@example.com':
",
    );
    // remembers other user
    g.check(
        "fill",
        "
protocol=https
host=example.com
username=user2
--
protocol=https
host=example.com
username=user2
password=pass2
",
    );
    // can store empty username
    g.check(
        "approve",
        "
protocol=https
host=sso.tld
username=
password=
",
    );
    g.check(
        "fill",
        "
protocol=https
host=sso.tld
--
protocol=https
host=sso.tld
username=
password=
",
    );
    // erases all matching credentials
    g.check(
        "approve",
        "
protocol=https
host=example.com
username=user-erase1
password=pass1
",
    );
    g.check(
        "approve",
        "
protocol=https
host=example.com
username=user-erase2
password=pass1
",
    );
    g.check(
        "reject",
        "
protocol=https
host=example.com
",
    );
    g.check(
        "fill",
        "
protocol=https
host=example.com
--
protocol=https
host=example.com
username=askpass-username
password=askpass-password
--
askpass: Username for 'https://example.com':
askpass: Password for 'https://askpass-username@example.com':
",
    );
    // not confused by long header: a `wwwauth[]` value is never parsed
    // as attributes, however long.
    let long = "a".repeat(1024 - 23);
    g.check(
        "approve",
        "
protocol=https
host=victim.example.com
username=user
password=to-be-stolen
",
    );
    g.check(
        "fill",
        &format!(
            "
protocol=https
host=badguy.example.com
wwwauth[]=basic realm={long}host=victim.example.com
--
protocol=https
host=badguy.example.com
username=askpass-username
password=askpass-password
wwwauth[]=basic realm={long}host=victim.example.com
--
askpass: Username for 'https://badguy.example.com':
askpass: Password for 'https://askpass-username@badguy.example.com':
"
        ),
    );

    g.clean_and_check_empty();
}

/// `helper_test_password_expiry_utc` and `helper_test_oauth_refresh_token`.
#[test]
fn git_t0303_password_expiry_and_oauth_refresh_token() {
    let g = Git::store_mode();
    // stores password_expiry_utc
    g.check(
        "approve",
        "
protocol=https
host=example.com
username=user-expiry
password=pass
password_expiry_utc=9999999999
",
    );
    // gets password_expiry_utc
    g.check(
        "fill",
        "
protocol=https
host=example.com
username=user-expiry
--
protocol=https
host=example.com
username=user-expiry
password=pass
password_expiry_utc=9999999999
--
",
    );
    // overwrites when password_expiry_utc changes
    g.check(
        "approve",
        "
protocol=https
host=example.com
username=user-expiry-overwrite
password=pass1
password_expiry_utc=9999999998
",
    );
    g.check(
        "approve",
        "
protocol=https
host=example.com
username=user-expiry-overwrite
password=pass2
password_expiry_utc=9999999999
",
    );
    g.check(
        "fill",
        "
protocol=https
host=example.com
username=user-expiry-overwrite
--
protocol=https
host=example.com
username=user-expiry-overwrite
password=pass2
password_expiry_utc=9999999999
",
    );
    g.check(
        "reject",
        "
protocol=https
host=example.com
username=user-expiry-overwrite
password=pass2
",
    );
    g.check(
        "fill",
        "
protocol=https
host=example.com
username=user-expiry-overwrite
--
protocol=https
host=example.com
username=user-expiry-overwrite
password=askpass-password
--
askpass: Password for 'https://user-expiry-overwrite@example.com':
",
    );
    // An expired password is never handed out (git would drop it anyway).
    let out = g.run(
        &Git::helper(""),
        &[],
        "approve",
        "protocol=https\nhost=expired.tld\nusername=u\npassword=p\npassword_expiry_utc=1000\n",
    );
    assert!(out.status.success(), "{}", transcript(&out));
    let mut get = g.env.cmd();
    get.args(["git-credential", "get"])
        .write_stdin("protocol=https\nhost=expired.tld\n")
        .assert()
        .success()
        .stdout("")
        .stderr("");

    // stores oauth_refresh_token
    g.check(
        "approve",
        "
protocol=https
host=example.com
username=user4
password=pass
oauth_refresh_token=xyzzy
",
    );
    // gets oauth_refresh_token
    g.check(
        "fill",
        "
protocol=https
host=example.com
username=user4
--
protocol=https
host=example.com
username=user4
password=pass
oauth_refresh_token=xyzzy
--
",
    );
    g.clean_and_check_empty();
}

/// `helper_test_authtype`.
#[test]
fn git_t0303_authtype() {
    let g = Git::store_mode();
    // stores authtype and credential
    g.check(
        "approve",
        "
capability[]=authtype
authtype=Bearer
credential=random-token
protocol=https
host=git.example.com
",
    );
    // gets authtype and credential
    g.check(
        "fill",
        "
capability[]=authtype
protocol=https
host=git.example.com
--
capability[]=authtype
authtype=Bearer
credential=random-token
protocol=https
host=git.example.com
--
",
    );
    // does not get authtype and credential without authtype capability
    g.check(
        "fill",
        "
protocol=https
host=git.example.com
--
protocol=https
host=git.example.com
username=askpass-username
password=askpass-password
--
askpass: Username for 'https://git.example.com':
askpass: Password for 'https://askpass-username@git.example.com':
",
    );
    // stores authtype and credential with username
    g.check(
        "approve",
        "
capability[]=authtype
authtype=Bearer
credential=other-token
protocol=https
host=git.example.com
username=foobar
",
    );
    // gets authtype and credential with username
    g.check(
        "fill",
        "
capability[]=authtype
protocol=https
host=git.example.com
username=foobar
--
capability[]=authtype
authtype=Bearer
credential=other-token
protocol=https
host=git.example.com
username=foobar
--
",
    );
    // does not get authtype and credential with different username
    g.check(
        "fill",
        "
capability[]=authtype
protocol=https
host=git.example.com
username=barbaz
--
protocol=https
host=git.example.com
username=barbaz
password=askpass-password
--
askpass: Password for 'https://barbaz@git.example.com':
",
    );
    // does not store ephemeral authtype and credential
    g.check(
        "approve",
        "
capability[]=authtype
authtype=Bearer
credential=git2-token
protocol=https
host=git2.example.com
ephemeral=1
",
    );
    g.check(
        "fill",
        "
capability[]=authtype
protocol=https
host=git2.example.com
--
protocol=https
host=git2.example.com
username=askpass-username
password=askpass-password
--
askpass: Username for 'https://git2.example.com':
askpass: Password for 'https://askpass-username@git2.example.com':
",
    );
    // does not store ephemeral username and password
    g.check(
        "approve",
        "
capability[]=authtype
protocol=https
host=git2.example.com
user=barbaz
password=secret
ephemeral=1
",
    );
    g.check(
        "fill",
        "
capability[]=authtype
protocol=https
host=git2.example.com
--
protocol=https
host=git2.example.com
username=askpass-username
password=askpass-password
--
askpass: Username for 'https://git2.example.com':
askpass: Password for 'https://askpass-username@git2.example.com':
",
    );
    g.clean_and_check_empty();
}

/// `helper_test_timeout`, with `--timeout=1` as
/// GIT_TEST_CREDENTIAL_HELPER_TIMEOUT.
#[test]
fn git_t0303_timeout() {
    let g = Git::store_mode();
    let helper = Git::helper(" --timeout=1");
    g.check_with(
        &helper,
        &[],
        "approve",
        "
protocol=https
host=timeout.tld
username=user
password=pass
",
    );
    // Stored with a longer timeout: still there after the sleep.
    g.check_with(
        &Git::helper(" --timeout=1h"),
        &[],
        "approve",
        "protocol=https\nhost=patient.tld\nusername=patient\npassword=pass\n",
    );
    std::thread::sleep(std::time::Duration::from_secs(2));
    g.check_with(
        &helper,
        &[],
        "fill",
        "
protocol=https
host=timeout.tld
--
protocol=https
host=timeout.tld
username=askpass-username
password=askpass-password
--
askpass: Username for 'https://timeout.tld':
askpass: Password for 'https://askpass-username@timeout.tld':
",
    );
    g.check(
        "fill",
        "
protocol=https
host=patient.tld
--
protocol=https
host=patient.tld
username=patient
password=pass
",
    );
    g.reject("https", "patient.tld", "patient");
    g.clean_and_check_empty();
}

/// Store mode against the real OS keychain (Secret Service), when
/// `scripts/test.sh` provides one (`AUTHTOOL_TEST_KEYRING=1`): the secret
/// goes to the keychain, never to a file.
#[test]
fn git_and_docker_store_mode_in_the_real_keychain() {
    if std::env::var_os("AUTHTOOL_TEST_KEYRING").is_none() {
        eprintln!(
            "skipped: the real keychain is tested only with AUTHTOOL_TEST_KEYRING=1 (scripts/test.sh)"
        );
        return;
    }
    let mut env = TestEnv::new();
    env.set_env(
        "DBUS_SESSION_BUS_ADDRESS",
        std::env::var("DBUS_SESSION_BUS_ADDRESS").expect("a D-Bus session"),
    );
    let host = format!("{}.example.com", unique_token("kc"));
    let g = Git::new(env);
    g.check(
        "approve",
        &format!("protocol=https\nhost={host}\nusername=kc-user\npassword=kc-pass\n"),
    );
    g.check(
        "fill",
        &format!(
            "protocol=https\nhost={host}\n--\nprotocol=https\nhost={host}\nusername=kc-user\npassword=kc-pass\n--\n"
        ),
    );
    g.check("reject", &format!("protocol=https\nhost={host}\n"));
    let out = g
        .env
        .cmd()
        .args(["git-credential", "get"])
        .write_stdin(format!("protocol=https\nhost={host}\n"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", transcript(&out));
    assert_eq!(text(&out.stdout), "");

    let store = format!(r#"{{"ServerURL":"{host}","Username":"u","Secret":"kc-docker"}}"#);
    assert!(docker(&g.env, "store", &store).status.success());
    let out = docker(&g.env, "get", &host);
    assert!(out.status.success(), "{}", transcript(&out));
    assert!(text(&out.stdout).contains("\"Secret\":\"kc-docker\""));
    assert!(docker(&g.env, "erase", &host).status.success());
    assert!(!g.env.data_dir().join("secrets.json").exists());
}

/// A profile's URL gets the profile's token: as a Bearer credential when
/// git can take one, else as the password; with the expiry minus the
/// margin; an unmatched host gets silence.
#[test]
fn git_gets_profile_tokens() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let g = Git::new(org_env(
        &server,
        "urls = [\"https://git.example.com/\"]\ngit_username = \"bot\"\n",
    ));

    let out = g.run(
        &Git::helper(""),
        &[],
        "fill",
        "capability[]=authtype\nprotocol=https\nhost=git.example.com\n",
    );
    assert!(out.status.success(), "{}", transcript(&out));
    let json = token_json(&g.env);
    let token = json["access_token"].as_str().unwrap().to_string();
    let expires_at = unix_secs(std::time::SystemTime::now()) + json["expires_in"].as_u64().unwrap();
    // 1 h token: the default margin is 5 min.
    let stdout = text(&out.stdout);
    let expiry = stdout
        .lines()
        .find_map(|l| l.strip_prefix("password_expiry_utc="))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no password_expiry_utc in\n{stdout}"));
    assert!(
        expiry.abs_diff(expires_at - 300) <= 2,
        "{expiry} vs {expires_at}"
    );
    assert_eq!(
        stdout,
        format!(
            "capability[]=authtype\nauthtype=Bearer\ncredential={token}\nephemeral=1\nprotocol=https\nhost=git.example.com\npassword_expiry_utc={expiry}\n"
        )
    );
    assert_eq!(text(&out.stderr), "");

    // Without the capability: user name and password.
    g.check(
        "fill",
        &format!(
            "
protocol=https
host=git.example.com
--
protocol=https
host=git.example.com
username=bot
password={token}
password_expiry_utc={expiry}
--
"
        ),
    );
    // A path under the profile's URL matches too (credential.useHttpPath).
    g.check_with(
        &Git::helper(""),
        &["credential.usehttppath=true"],
        "fill",
        &format!(
            "
protocol=https
host=git.example.com
path=team/repo.git
--
protocol=https
host=git.example.com
path=team/repo.git
username=bot
password={token}
password_expiry_utc={expiry}
--
"
        ),
    );
    assert_eq!(server.counters().logins, 1);

    // git stores what worked: authtool issued it, so nothing is kept.
    g.check(
        "approve",
        &format!("protocol=https\nhost=git.example.com\nusername=bot\npassword={token}\n"),
    );
    assert!(!g.env.data_dir().join("git-credential.json").exists());

    // An unmatched host: the helper prints nothing and says nothing.
    g.check(
        "fill",
        "
protocol=https
host=elsewhere.example.com
--
protocol=https
host=elsewhere.example.com
username=askpass-username
password=askpass-password
--
askpass: Username for 'https://elsewhere.example.com':
askpass: Password for 'https://askpass-username@elsewhere.example.com':
",
    );
    g.env
        .cmd()
        .args(["git-credential", "get"])
        .write_stdin("protocol=http\nhost=git.example.com\n")
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert_eq!(server.counters().logins, 1);
}

/// git rejects a token after a 401: authtool drops it, and the next fill
/// renews. A reject naming another token than the cached one drops nothing.
#[test]
fn git_erase_renews_the_profile_token() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let g = Git::new(org_env(&server, "urls = [\"https://git.example.com\"]\n"));
    let fill = |g: &Git| {
        let out = g.run(
            &Git::helper(""),
            &[],
            "fill",
            "protocol=https\nhost=git.example.com\n",
        );
        assert!(out.status.success(), "{}", transcript(&out));
        let stdout = text(&out.stdout);
        stdout
            .lines()
            .find_map(|l| l.strip_prefix("password="))
            .unwrap_or_else(|| panic!("no password in\n{stdout}"))
            .to_string()
    };
    let first = fill(&g);
    g.check(
        "reject",
        "protocol=https\nhost=git.example.com\nusername=oauth2\npassword=not-the-cached-token\n",
    );
    assert_eq!(
        fill(&g),
        first,
        "a reject of another token dropped the cached one"
    );
    g.check(
        "reject",
        &format!("protocol=https\nhost=git.example.com\nusername=oauth2\npassword={first}\n"),
    );
    let second = fill(&g);
    assert_ne!(second, first);
    assert_eq!(server.counters().logins, 2);
    // The new token works where the old one is no longer cached.
    assert_eq!(
        curl(&[
            "-H",
            &format!("Authorization: Bearer {second}"),
            &server.whoami_url()
        ])
        .status,
        200
    );
}

/// `-p NAME` answers for any host; `git-credential-authtool` (a link) is
/// the same helper under git's naming convention (`credential.helper =
/// authtool`).
#[test]
fn git_helper_by_profile_flag_and_installed_name() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let mut env = org_env(&server, "");
    let bin = env.root().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(authtool_bin(), bin.join("git-credential-authtool")).unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin.clone()];
    paths.extend(std::env::split_paths(&path));
    env.set_env("PATH", std::env::join_paths(paths).unwrap());
    let g = Git::new(env);

    let out = g.run(
        &Git::helper(" -p org"),
        &[],
        "fill",
        "protocol=https\nhost=any.example.org\n",
    );
    assert!(out.status.success(), "{}", transcript(&out));
    let token = server.last_access_token().unwrap();
    assert!(
        text(&out.stdout).contains(&format!("\nusername=oauth2\npassword={token}\n")),
        "{}",
        transcript(&out)
    );

    // credential.helper = "authtool -p org" runs `git-credential-authtool -p org get`.
    let out = g.run(
        "authtool -p org",
        &[],
        "fill",
        "capability[]=authtype\nprotocol=https\nhost=any.example.org\n",
    );
    assert!(out.status.success(), "{}", transcript(&out));
    assert!(
        text(&out.stdout).starts_with(&format!(
            "capability[]=authtype\nauthtype=Bearer\ncredential={token}\nephemeral=1\n"
        )),
        "{}",
        transcript(&out)
    );
    assert_eq!(text(&out.stderr), "");
    assert_eq!(server.counters().logins, 1);
}

/// Lines are read exactly: a CR or NUL in a value is refused, and nothing
/// reaches stdout.
#[test]
fn git_protocol_refuses_cr_and_nul() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = org_env(&server, "urls = [\"https://git.example.com/\"]\n");
    for input in [
        "protocol=https\r\nhost=git.example.com\r\n",
        "protocol=https\nhost=git.example.com\0evil\n",
        "protocol=https\nhost git.example.com\n",
    ] {
        env.cmd()
            .args(["git-credential", "get"])
            .write_stdin(input)
            .assert()
            .fails_cleanly(2);
    }
    // Unknown operations are ignored, as gitcredentials(7) asks.
    env.cmd()
        .args(["git-credential", "frobnicate"])
        .write_stdin("protocol=https\nhost=git.example.com\n")
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert_eq!(server.counters().token_requests, 0);
}

// ---------------------------------------------------------------------------
// curl -K -

/// `curl -K -` with `config` on stdin (never in argv); the HTTP status.
fn curl_config(config: &str, url: &str) -> u16 {
    let mut cmd = Command::new("curl");
    cmd.args(["-q", "-sS", "--noproxy", "*", "--max-time", "20"])
        .args(["-o", "/dev/null", "-w", "%{http_code}", "-K", "-", url]);
    let out = run_with_stdin(cmd, config.as_bytes());
    text(&out.stdout).trim().parse().unwrap_or(0)
}

fn curl_format(env: &TestEnv) -> String {
    let out = env
        .cmd()
        .args(["token", "--format", "curl"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", transcript(&out));
    text(&out.stdout)
}

#[test]
fn curl_config_works_for_header_and_query_providers() {
    // A Bearer header.
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = org_env(&server, "");
    assert_eq!(curl_config(&curl_format(&env), &server.whoami_url()), 200);
    assert_eq!(curl_config("", &server.whoami_url()), 401);

    // pipeline-lbm: Bearer and X-Customer.
    let lbm = FakeServer::start(FakeLbm::new("lbm-client", "lbm+secret/=", "lbmsales"));
    let mut env = TestEnv::new();
    env.set_env("LBM_SECRET", "lbm+secret/=");
    env.write_config(&format!(
        "[profiles.lbm]\nprovider = \"pipeline-lbm\"\ntoken_url = \"{}\"\ntenant = \"lbmsales\"\nclient_id = \"lbm-client\"\nclient_secret_env = \"LBM_SECRET\"\n",
        lbm.token_url()
    ));
    let config = curl_format(&env);
    assert!(
        config.contains("header = \"X-Customer: lbmsales\"\n"),
        "{config}"
    );
    assert_eq!(curl_config(&config, &lbm.jobs_url()), 200);
    assert_eq!(lbm.counters().jobs_ok, 1);

    // primaERP: `?token=`, URL-encoded once (`+`: curl must not encode it again).
    let erp = FakeServer::start(FakePrimaerp::new("api-key", "user@domain.com", "pw"));
    let mut env = TestEnv::new();
    env.set_env("ERP_API_KEY", "api-key");
    env.set_env("ERP_PASSWORD", "pw");
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    env.write_config(&format!(
        "[profiles.erp]\nprovider = \"primaerp\"\nbase_url = \"{}\"\nauth = \"user\"\nusername = \"user@domain.com\"\napi_key_env = \"ERP_API_KEY\"\npassword_env = \"ERP_PASSWORD\"\n",
        erp.url()
    ));
    let config = curl_format(&env);
    let token = erp.last_access_token().unwrap();
    assert_eq!(config, format!("url-query = \"+token={token}\"\n"));
    assert_eq!(curl_config(&config, &erp.projects_url()), 200);
    assert_eq!(erp.counters().projects_ok, 1);
}

// ---------------------------------------------------------------------------
// sh and --format env

#[test]
fn sh_evaluates_format_env() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let mut env = org_env(&server, "");
    env.set_env("AUTHTOOL", authtool_bin());
    let out = env
        .command_for("sh")
        .args([
            "-c",
            r#"eval "$("$AUTHTOOL" token --format env)" && printf '%s' "$AUTHTOOL_TOKEN""#,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", transcript(&out));
    assert_eq!(text(&out.stdout), server.last_access_token().unwrap());
    // A failure injects nothing into the shell.
    env.set_env("ORG_SECRET", "wrong");
    env.cmd()
        .args(["token", "--format", "env", "--no-cache"])
        .assert()
        .fails_cleanly(6);
}

// ---------------------------------------------------------------------------
// kubectl

/// What kubectl runs for a kubeconfig user with
/// `exec: {apiVersion, command: authtool, args: [token, --format,
/// exec-credential, -p, org], interactiveMode: Never}`: the ExecCredential
/// it reads back.
fn exec_credential(env: &TestEnv, exec_info: Option<&str>) -> serde_json::Value {
    let mut cmd = env.cmd();
    cmd.args(["token", "--format", "exec-credential", "-p", "org"]);
    if let Some(info) = exec_info {
        cmd.env("KUBERNETES_EXEC_INFO", info);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", transcript(&out));
    assert_eq!(text(&out.stderr), "");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn kubectl_exec_credential_v1_and_v1beta1() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = org_env(&server, "");
    for (info, version) in [
        (
            Some(
                r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}"#,
            ),
            "client.authentication.k8s.io/v1",
        ),
        (
            Some(
                r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false}}"#,
            ),
            "client.authentication.k8s.io/v1beta1",
        ),
        (None, "client.authentication.k8s.io/v1"),
    ] {
        let doc = exec_credential(&env, info);
        assert_eq!(doc["apiVersion"], version, "{doc}");
        assert_eq!(doc["kind"], "ExecCredential", "{doc}");
        let status = doc["status"].as_object().unwrap();
        assert_eq!(
            status["token"].as_str(),
            server.last_access_token().as_deref()
        );
        // RFC 3339 UTC, 5 min (the margin) before the 1 h token expires.
        let at = status["expirationTimestamp"].as_str().unwrap();
        assert!(at.ends_with('Z') && at.len() == 20, "{at}");
        let json = token_json(&env);
        let expires_at = json["expires_at"].as_str().unwrap();
        assert!(at < expires_at, "{at} vs {expires_at}");
        assert_eq!(status.len(), 2, "{doc}");
    }
    assert_eq!(server.counters().logins, 1);
    // A version authtool does not speak is a clear error, stdout empty.
    env.cmd()
        .args(["token", "--format", "exec-credential"])
        .env(
            "KUBERNETES_EXEC_INFO",
            r#"{"apiVersion":"client.authentication.k8s.io/v1alpha1"}"#,
        )
        .assert()
        .fails_cleanly(2);
}

// ---------------------------------------------------------------------------
// Docker

fn docker(env: &TestEnv, op: &str, stdin: &str) -> Output {
    env.cmd()
        .args(["docker-credential", op])
        .write_stdin(stdin)
        .output()
        .unwrap()
}

#[test]
fn docker_credential_protocol() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
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
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = org_env(&server, "urls = [\"https://registry.example.com\"]\n");
    let link = env.root().join("docker-credential-authtool");
    std::os::unix::fs::symlink(authtool_bin(), &link).unwrap();
    let out = run_with_stdin(
        {
            let mut c = env.command_for(&link);
            c.arg("get");
            c
        },
        b"registry.example.com",
    );
    assert!(out.status.success(), "{}", transcript(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["Username"], "oauth2");
    assert_eq!(
        doc["Secret"].as_str(),
        server.last_access_token().as_deref()
    );
}

// ---------------------------------------------------------------------------
// exec

#[test]
fn exec_passes_the_token_in_the_environment() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = org_env(
        &server,
        "env = { API_TOKEN = \"token\", API_AUTH = \"header\", API_EXPIRES = \"expires_at\" }\n",
    );
    let out = env
        .cmd()
        .args(["exec", "org", "--", "sh", "-c"])
        .arg(r#"printf '%s|%s|%s|%s' "$AUTHTOOL_TOKEN" "$AUTHTOOL_AUTH_HEADER" "$API_TOKEN" "$API_AUTH"; printf '\n%s' "$API_EXPIRES" >&2"#)
        .env("AUTHTOOL_AUTH_HEADER", "stale")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", transcript(&out));
    let token = server.last_access_token().unwrap();
    assert_eq!(
        text(&out.stdout),
        format!("{token}|Bearer {token}|{token}|Bearer {token}")
    );
    assert!(
        text(&out.stderr).trim().ends_with('Z'),
        "{}",
        transcript(&out)
    );
    // The token is in no command line: authtool passes it only by environment.
    assert!(!text(&out.stderr).contains(&token));
}

/// A provider without an Authorization header (primaERP): no
/// AUTHTOOL_AUTH_HEADER, not even one inherited; `query` gives `token=…`.
#[test]
fn exec_for_a_query_token_provider() {
    let erp = FakeServer::start(FakePrimaerp::new("api-key", "user@domain.com", "pw"));
    let mut env = TestEnv::new();
    env.set_env("ERP_API_KEY", "api-key");
    env.set_env("ERP_PASSWORD", "pw");
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    env.set_env("AUTHTOOL_AUTH_HEADER", "stale");
    env.write_config(&format!(
        "[profiles.erp]\nprovider = \"primaerp\"\nbase_url = \"{}\"\nauth = \"user\"\nusername = \"user@domain.com\"\napi_key_env = \"ERP_API_KEY\"\npassword_env = \"ERP_PASSWORD\"\nenv = {{ ERP_QUERY = \"query\" }}\n",
        erp.url()
    ));
    let out = env
        .cmd()
        .args(["exec", "--", "sh", "-c"])
        .arg(r#"printf '%s|%s|%s' "$AUTHTOOL_TOKEN" "${AUTHTOOL_AUTH_HEADER-unset}" "$ERP_QUERY""#)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", transcript(&out));
    let token = erp.last_access_token().unwrap();
    assert_eq!(text(&out.stdout), format!("{token}|unset|token={token}"));
}

#[test]
fn exec_exit_codes() {
    let server = FakeServer::start(FakeOAuth2::new(ID, SECRET));
    let env = org_env(&server, "");
    env.cmd()
        .args(["exec", "--", "sh", "-c", "exit 7"])
        .assert()
        .code(7)
        .stdout("");
    // Killed by a signal: 128 + N, as a shell reports it.
    env.cmd()
        .args(["exec", "--", "sh", "-c", "kill -TERM $$"])
        .assert()
        .code(128 + 15);
    env.cmd()
        .args(["exec", "--", "sh", "-c", "kill -KILL $$"])
        .assert()
        .code(128 + 9);
    // Not found: 127 and a message.
    let out = env
        .cmd()
        .args(["exec", "--", "authtool-no-such-command"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(127), "{}", transcript(&out));
    assert!(
        text(&out.stderr).contains("cannot run `authtool-no-such-command`"),
        "{}",
        transcript(&out)
    );
    // Not executable: 126.
    let script = env.write_file("not-executable", "#!/bin/sh\n");
    env.cmd()
        .args(["exec", "--"])
        .arg(&script)
        .assert()
        .code(126);
    // No command: a usage error.
    env.cmd().args(["exec", "org"]).assert().fails_cleanly(2);
    env.cmd()
        .args(["exec", "org", "--"])
        .assert()
        .fails_cleanly(2);
    // A bad `env` value names the profile and the variable; CMD never runs.
    let env = org_env(&server, "env = { API = \"tokn\" }\n");
    let out = env
        .cmd()
        .args(["exec", "--", "sh", "-c", "echo ran"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert_eq!(text(&out.stdout), "");
    assert!(
        text(&out.stderr).contains("env.API"),
        "{}",
        transcript(&out)
    );
    // A failed login: the provider's exit code, and CMD never runs.
    let mut env = org_env(&server, "");
    env.set_env("ORG_SECRET", "wrong");
    env.cmd()
        .args(["exec", "--", "sh", "-c", "echo ran"])
        .assert()
        .fails_cleanly(6);
}
