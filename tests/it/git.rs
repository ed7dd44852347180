//! git, through the real program: `git credential fill|approve|reject` with
//! authtool configured as the helper: git's own external-helper conformance
//! cases from t/lib-credential.sh (store mode), and profile tokens. Unix
//! only: the helper runs through sh.

use std::path::Path;

use crate::docker::{credentials, docker};
use crate::support::*;

/// Quotes a path for sh.
fn sh_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
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

    /// `git -c credential.helper=HELPER [-c CONFIG…] credential OP`, reading
    /// `stdin`.
    fn git(&self, helper: &str, config: &[&str], op: &str, stdin: &str) -> Case<'_> {
        let mut case = self
            .env
            .case(["-c", &format!("credential.helper={helper}")])
            .program("git");
        for c in config {
            case = case.args(["-c", c]);
        }
        case.args(["credential", op]).stdin(stdin)
    }

    /// `git credential fill` through `helper`, reading `stdin`; the expiry
    /// git gets (`password_expiry_utc`) shows as `[EXPIRY]`.
    fn fill(&self, helper: &str, stdin: &str) -> Case<'_> {
        self.git(helper, &[], "fill", stdin)
            .filter_regex(r"password_expiry_utc=\d+", "password_expiry_utc=[EXPIRY]")
    }

    /// `authtool git-credential OP` reading `stdin`, as git runs the helper.
    fn helper_case(&self, op: &str, stdin: &str) -> Case<'_> {
        self.env.case(["git-credential", op]).stdin(stdin)
    }

    /// lib-credential.sh's `check`: `script` is stdin, expected stdout and
    /// expected stderr, separated by `--` lines; git must succeed and both
    /// outputs must be exactly as expected.
    #[track_caller]
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
        self.git(helper, config, op, &chunks[0])
            .run()
            .success()
            .stdout(&chunks[1])
            .stderr(&chunks[2]);
    }

    #[track_caller]
    fn check(&self, op: &str, script: &str) {
        self.check_with(&Self::helper(""), &[], op, script);
    }

    /// lib-credential.sh's `reject` (used by `helper_test_clean`).
    fn reject(&self, protocol: &str, host: &str, username: &str) {
        self.check(
            "reject",
            &format!("protocol={protocol}\nhost={host}\nusername={username}\n"),
        );
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
            self.check("reject", &format!("protocol=https\nhost={host}\n"));
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
    g.check(
        "approve",
        "protocol=https\nhost=expired.tld\nusername=u\npassword=p\npassword_expiry_utc=1000\n",
    );
    g.helper_case("get", "protocol=https\nhost=expired.tld\n")
        .run()
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

/// Store mode against the real OS keychain (Secret Service), which
/// `scripts/test.sh` provides (`AUTHTOOL_TEST_KEYRING=1`): the secret goes to
/// the keychain, never to a file.
#[test]
#[ignore = "needs a Secret Service: scripts/test.sh runs it in a D-Bus session with gnome-keyring"]
fn git_and_docker_store_mode_in_the_real_keychain() {
    let mut env = TestEnv::new();
    env.set_env("DBUS_SESSION_BUS_ADDRESS", real_keychain_bus());
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
    g.helper_case("get", &format!("protocol=https\nhost={host}\n"))
        .run()
        .success()
        .stdout("")
        .stderr("");

    let store = format!(r#"{{"ServerURL":"{host}","Username":"u","Secret":"kc-docker"}}"#);
    docker(&g.env, "store", &store)
        .run()
        .success()
        .stdout("")
        .stderr("");
    docker(&g.env, "get", &host)
        .filter(&host, "[HOST]")
        .run()
        .success()
        .stdout(credentials("kc-docker", "[HOST]", "u"))
        .stderr("");
    docker(&g.env, "erase", &host)
        .run()
        .success()
        .stdout("")
        .stderr("");
    assert!(!g.env.data_dir().join("secrets.json").exists());
}

/// A profile's URL gets the profile's token: as a Bearer credential when
/// git can take one, else as the password; with the expiry minus the
/// margin; an unmatched host gets silence.
#[test]
fn git_gets_profile_tokens() {
    let server = FakeServer::start(org_fake());
    let g = Git::new(org_env(
        &server,
        "urls = [\"https://git.example.com/\"]\ngit_username = \"bot\"\n",
    ));

    let ran = g
        .git(
            &Git::helper(""),
            &[],
            "fill",
            "capability[]=authtype\nprotocol=https\nhost=git.example.com\n",
        )
        .run();
    let json = g.env.token_json();
    let token = json["access_token"].as_str().unwrap().to_string();
    let expires_at = unix_secs(std::time::SystemTime::now()) + json["expires_in"].as_u64().unwrap();
    // 1 h token: the default margin is 5 min.
    let stdout = ran.stdout_text();
    let expiry = stdout
        .lines()
        .find_map(|l| l.strip_prefix("password_expiry_utc="))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no password_expiry_utc in\n{stdout}"));
    assert!(
        expiry.abs_diff(expires_at - 300) <= 2,
        "{expiry} vs {expires_at}"
    );
    g.env.filter(&token, "[TOKEN]");
    g.env.filter(expiry.to_string(), "[EXPIRY]");
    ran.token(&token)
        .filter(expiry.to_string(), "[EXPIRY]")
        .success()
        .stdout(
            "capability[]=authtype\nauthtype=Bearer\ncredential=[TOKEN]\nephemeral=1\nprotocol=https\nhost=git.example.com\npassword_expiry_utc=[EXPIRY]\n",
        )
        .stderr("");

    // Without the capability: user name and password.
    g.check(
        "fill",
        "
protocol=https
host=git.example.com
--
protocol=https
host=git.example.com
username=bot
password=[TOKEN]
password_expiry_utc=[EXPIRY]
--
",
    );
    // A path under the profile's URL matches too (credential.useHttpPath).
    g.check_with(
        &Git::helper(""),
        &["credential.usehttppath=true"],
        "fill",
        "
protocol=https
host=git.example.com
path=team/repo.git
--
protocol=https
host=git.example.com
path=team/repo.git
username=bot
password=[TOKEN]
password_expiry_utc=[EXPIRY]
--
",
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
    g.helper_case("get", "protocol=http\nhost=git.example.com\n")
        .run()
        .success()
        .stdout("")
        .stderr("");
    assert_eq!(server.counters().logins, 1);
}

/// git rejects a token after a 401: authtool drops it, and the next fill
/// renews. A reject naming another token than the cached one drops nothing.
#[test]
fn git_erase_renews_the_profile_token() {
    let server = FakeServer::start(org_fake());
    let g = Git::new(org_env(&server, "urls = [\"https://git.example.com\"]\n"));
    // What git gets: the profile's current token (the server's newest).
    let fill = |g: &Git| {
        let ran = g
            .fill(&Git::helper(""), "protocol=https\nhost=git.example.com\n")
            .run();
        let token = server.last_access_token().unwrap();
        ran.token(&token)
            .success()
            .stdout(
                "protocol=https\nhost=git.example.com\nusername=oauth2\npassword=[TOKEN]\npassword_expiry_utc=[EXPIRY]\n",
            )
            .stderr("");
        token
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
    let server = FakeServer::start(org_fake());
    let mut env = org_env(&server, "");
    let bin = env.root().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(authtool_bin(), bin.join("git-credential-authtool")).unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin.clone()];
    paths.extend(std::env::split_paths(&path));
    env.set_env("PATH", std::env::join_paths(paths).unwrap());
    let g = Git::new(env);

    let ran = g
        .fill(
            &Git::helper(" -p org"),
            "protocol=https\nhost=any.example.org\n",
        )
        .run();
    let token = server.last_access_token().unwrap();
    g.env.filter(&token, "[TOKEN]");
    ran.token(&token)
        .success()
        .stdout(
            "protocol=https\nhost=any.example.org\nusername=oauth2\npassword=[TOKEN]\npassword_expiry_utc=[EXPIRY]\n",
        )
        .stderr("");

    // credential.helper = "authtool -p org" runs `git-credential-authtool -p org get`.
    g.fill("authtool -p org", "capability[]=authtype\nprotocol=https\nhost=any.example.org\n")
    .run()
    .success()
    .stdout(
        "capability[]=authtype\nauthtype=Bearer\ncredential=[TOKEN]\nephemeral=1\nprotocol=https\nhost=any.example.org\npassword_expiry_utc=[EXPIRY]\n",
    )
    .stderr("");
    assert_eq!(server.counters().logins, 1);
}

/// Lines are read exactly: a CR or NUL in a value is refused, and nothing
/// reaches stdout.
#[test]
fn git_protocol_refuses_cr_and_nul() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "urls = [\"https://git.example.com/\"]\n");
    for (input, stderr) in [
        (
            "protocol=https\r\nhost=git.example.com\r\n",
            "authtool: error: git-credential: the value of `protocol` holds a carriage return or NUL; refusing the request\n",
        ),
        (
            "protocol=https\nhost=git.example.com\0evil\n",
            "authtool: error: git-credential: the value of `host` holds a carriage return or NUL; refusing the request\n",
        ),
        (
            "protocol=https\nhost git.example.com\n",
            "authtool: error: git-credential: `host git.example.com` is not a `key=value` line\n",
        ),
    ] {
        env.case(["git-credential", "get"])
            .stdin(input)
            .run()
            .code(2)
            .stdout("")
            .stderr(stderr);
    }
    // Unknown operations are ignored, as gitcredentials(7) asks.
    env.case(["git-credential", "frobnicate"])
        .stdin("protocol=https\nhost=git.example.com\n")
        .run()
        .success()
        .stdout("")
        .stderr("");
    assert_eq!(server.counters().token_requests, 0);
}

/// `authtool ARGS` in bash, its stdin a pipe that gets `request` and then
/// stays open for 30 s: under `timeout 5`, so a helper that waits for the
/// end of stdin fails (exit 124) rather than hangs.
pub(crate) fn with_stdin_left_open<'e>(env: &'e TestEnv, args: &str, request: &str) -> Case<'e> {
    let script =
        format!("timeout 5 \"$0\" {args} < <(exec 2>/dev/null; printf '%s' \"$1\"; exec sleep 30)");
    env.case(["-c", &script])
        .program("bash")
        .filter(authtool_bin().display().to_string(), "authtool")
        .arg(authtool_bin())
        .arg(request)
}

/// git's helpers stop at the blank line that ends a request: git may keep
/// stdin open, and the answer must not wait for its end.
#[test]
fn git_request_ends_at_the_blank_line() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "urls = [\"https://git.example.com/\"]\n");
    let started = std::time::Instant::now();
    let case = with_stdin_left_open(
        &env,
        "git-credential get",
        "protocol=https\nhost=git.example.com\n\n",
    );
    answers_with_the_token(case, &server);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // Store mode, nothing kept: silence, at once.
    let g = Git::store_mode();
    with_stdin_left_open(
        &g.env,
        "git-credential get",
        "protocol=https\nhost=elsewhere.test\n\n",
    )
    .run()
    .success()
    .stdout("")
    .stderr("");
}

/// Only a plain scheme is a protocol, and a host with a control character,
/// white space or a percent-escape matches no profile; a host in another
/// script is compared in its IDNA form.
#[test]
fn git_protocol_and_host_are_checked_before_matching() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "urls = [\"https://git.example.com/\"]\n");
    for request in [
        "protocol=https://git.example.com/team#\nhost=evil.test\npath=team/x\n",
        "protocol=https\nhost=git.exa\tmple.com\n",
        "protocol=https\nhost=git%2eexample.com\n",
        "protocol=https\nhost=git.example.com\u{85}\n",
    ] {
        env.case(["git-credential", "get"])
            .stdin(request)
            .run()
            .success()
            .stdout("")
            .stderr("");
    }
    assert_eq!(server.counters().token_requests, 0);
    let case = env
        .case(["git-credential", "get"])
        .stdin("protocol=https\nhost=\u{ff47}it.example.com\n");
    answers_with_the_token(case, &server);
}

/// `case` (a `git-credential get`) answers with the org profile's token.
fn answers_with_the_token(case: Case<'_>, server: &FakeServer<FakeOAuth2>) {
    let ran = case
        .filter_regex(r"password_expiry_utc=\d+", "password_expiry_utc=[EXPIRY]")
        .run();
    ran.token(server.last_access_token().unwrap())
        .success()
        .stdout("username=oauth2\npassword=[TOKEN]\npassword_expiry_utc=[EXPIRY]\n")
        .stderr("");
}
