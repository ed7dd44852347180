//! Bad input never panics (issue 6): malformed, mistyped, unknown,
//! non-UTF-8 or absurd configuration is exit 2 with an error that names
//! the file (and the line, profile and key where there is one); bad
//! arguments and environment are exit 2 or 3 with a hint; a damaged cache
//! is a warning and a renewal; a damaged secret file is exit 4.

use std::ffi::OsStr;
use std::fs;
use std::process::Output;

use crate::support::providers::{ORG_SECRET, assert_fails};
use crate::support::*;

const PROFILE: &str = "[profiles.org]\nprovider = \"oauth2\"\ntoken_url = \"https://auth.example.com/oauth2/token\"\nclient_id = \"org-client\"\nclient_secret_env = \"ORG_SECRET\"\n";

fn env() -> TestEnv {
    let mut env = TestEnv::new();
    env.set_env("ORG_SECRET", ORG_SECRET)
        .set_env("AUTHTOOL_SECRET_STORE", "file");
    env
}

fn write_config(env: &TestEnv, bytes: &[u8]) {
    let path = env.config_path();
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, bytes).unwrap();
}

fn run(env: &TestEnv, args: &[&str]) -> Output {
    env.cmd().args(args).output().unwrap()
}

#[test]
fn broken_config_files_are_located_exit_2_errors() {
    let with = |extra: &str| format!("{PROFILE}{extra}").into_bytes();
    // (what, file contents, what stderr must say: line and key)
    let cases: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        (
            "malformed TOML",
            b"[profiles.org\nprovider = \"oauth2\"\n".to_vec(),
            vec![":1:", "profile 'org'"],
        ),
        (
            "a string where a number or duration goes",
            with("timeout = true\n"),
            vec![":6:", "key `timeout`", "duration"],
        ),
        (
            "a number where a string goes",
            PROFILE
                .replace("client_id = \"org-client\"", "client_id = 42")
                .into_bytes(),
            vec![":4:", "key `client_id`", "expected a string"],
        ),
        (
            "a string where a list goes",
            with("urls = \"https://x\"\n"),
            vec![":6:", "key `urls`"],
        ),
        (
            "an unknown key (a typo)",
            with("client_secrte = \"x\"\n"),
            vec![":6:", "profile 'org'", "unknown field `client_secrte`"],
        ),
        (
            "an unknown top-level table",
            with("[profile.x]\n"),
            vec![":6:", "unknown field `profile`"],
        ),
        (
            "an unknown key in [defaults]",
            format!("[defaults]\ntimeout = \"1s\"\nbogus = 1\n{PROFILE}").into_bytes(),
            vec![":3:", "[defaults]", "unknown field `bogus`"],
        ),
        (
            "an unknown provider",
            PROFILE.replace("\"oauth2\"", "\"oauth3\"").into_bytes(),
            vec![":2:", "key `provider`", "unknown provider `oauth3`"],
        ),
        (
            "no provider",
            PROFILE.replace("provider = \"oauth2\"\n", "").into_bytes(),
            vec!["profile 'org'", "missing key `provider`"],
        ),
        (
            "not UTF-8",
            [PROFILE.as_bytes(), b"# caf\xe9\n"].concat(),
            vec!["not valid UTF-8", "hint: save the file as UTF-8"],
        ),
        (
            "a NUL byte in a string",
            [PROFILE.as_bytes(), b"scope = \"a\0b\"\n"].concat(),
            vec![":6:"],
        ),
        (
            "a duplicate key",
            with("client_id = \"again\"\n"),
            vec![":6:", "duplicate key"],
        ),
        (
            "a duration that is not one",
            with("timeout = \"soon\"\n"),
            vec![":6:", "key `timeout`", "like \"90s\""],
        ),
        (
            "a negative duration",
            with("refresh_margin = \"-5m\"\n"),
            vec![":6:", "key `refresh_margin`"],
        ),
        (
            "a URL that is not one",
            PROFILE
                .replace("https://auth.example.com/oauth2/token", "not a url")
                .into_bytes(),
            vec![":3:", "key `token_url`", "not a valid URL"],
        ),
        (
            "a URL of another scheme",
            PROFILE.replace("https://", "ftp://").into_bytes(),
            vec![":3:", "key `token_url`", "https://"],
        ),
        (
            "a secret configured twice",
            with("client_secret_command = \"echo x\"\n"),
            vec!["profile 'org'", "configured more than once"],
        ),
        (
            "deeply nested arrays",
            with(&format!(
                "scope = {}{}\n",
                "[".repeat(5000),
                "]".repeat(5000)
            )),
            vec![":6:"],
        ),
        (
            "deeply nested tables",
            with(&format!(
                "extra = {}{}\n",
                "{a=".repeat(5000),
                "}".repeat(5000)
            )),
            vec![":6:"],
        ),
        (
            "profiles that are not a table",
            b"profiles = 5\n".to_vec(),
            vec![":1:"],
        ),
        (
            "a profile that is not a table",
            b"[profiles]\norg = 5\n".to_vec(),
            vec![":2:"],
        ),
        (
            "a default profile that does not exist",
            format!("default_profile = \"nope\"\n{PROFILE}").into_bytes(),
            vec!["'nope'", "hint: known profiles: org"],
        ),
        (
            "no profiles at all",
            Vec::new(),
            vec!["no profiles", "config init"],
        ),
    ];
    for (what, bytes, needles) in cases {
        let env = env();
        write_config(&env, &bytes);
        let config = env.config_path().display().to_string();
        let mut needles = needles;
        needles.push(&config);
        eprintln!("case: {what}");
        assert_fails(&run(&env, &["token"]), 2, &needles, &[ORG_SECRET]);
        // `config check` says the same, except that an empty file is a
        // valid (if useless) config.
        if !bytes.is_empty() {
            assert_fails(&run(&env, &["config", "check"]), 2, &needles, &[]);
        }
        // Other commands that read the config: no panic, no internal error
        // (`status` lists the broken profile with its error; `doctor`
        // reports it as a failed check).
        for args in [&["status"][..], &["header"], &["doctor"]] {
            let out = run(&env, args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let expected = if args[0] == "header" { 2..=2 } else { 0..=6 };
            assert!(
                out.status
                    .code()
                    .is_some_and(|c| c != 1 && expected.contains(&c)),
                "{what}: {args:?}\n{}",
                transcript(&out)
            );
            assert!(!stderr.contains("panicked"), "{what}: {args:?}\n{stderr}");
        }
    }
}

#[test]
fn the_config_path_itself_can_be_wrong() {
    let mut env = env();
    // Missing.
    let out = run(&env, &["token"]);
    assert_fails(&out, 2, &["config.toml", "config init"], &[]);
    // A directory.
    fs::create_dir_all(env.config_path()).unwrap();
    assert_fails(&run(&env, &["token"]), 2, &["config.toml"], &[]);
    // Given explicitly and missing.
    env.set_env("AUTHTOOL_CONFIG", env.root().join("nope.toml"));
    assert_fails(&run(&env, &["token"]), 2, &["nope.toml"], &[]);
}

#[test]
fn bad_arguments_and_environment_exit_2_or_3() {
    let mut env = env();
    write_config(&env, PROFILE.as_bytes());
    for (args, code, needle) in [
        (&["token", "--min-ttl", "soon"][..], 2, "soon"),
        (&["token", "--format", "yaml"], 2, "yaml"),
        (&["token", "--bogus"], 2, "--bogus"),
        (&["token", "nope"], 2, "no profile named 'nope'"),
        (&["tokne"], 2, "tokne"),
    ] {
        let out = run(&env, args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}\n{}",
            transcript(&out)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}\n{stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}\n{stderr}");
    }
    // A profile name that is not UTF-8.
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let out = env
            .cmd()
            .arg("token")
            .arg(OsStr::from_bytes(b"caf\xe9"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }

    env.set_env("AUTHTOOL_PROFILE", "nope");
    assert_fails(&run(&env, &["token"]), 2, &["'nope'"], &[]);
    env.remove_env("AUTHTOOL_PROFILE");
    // A secret variable that is empty, or not UTF-8: exit 3, named.
    env.set_env("ORG_SECRET", "");
    assert_fails(&run(&env, &["token"]), 3, &["$ORG_SECRET", "empty"], &[]);
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        env.set_env("ORG_SECRET", OsStr::from_bytes(b"s3cr\xe9t"));
        assert_fails(
            &run(&env, &["token"]),
            3,
            &["$ORG_SECRET", "not valid UTF-8"],
            &[],
        );
    }
}

#[test]
fn a_damaged_cache_is_a_warning_and_a_renewal() {
    let server = FakeServer::start(FakeOAuth2::new("org-client", ORG_SECRET));
    let env = env();
    write_config(
        &env,
        PROFILE
            .replace("https://auth.example.com/oauth2/token", &server.token_url())
            .as_bytes(),
    );
    let out = run(&env, &["token"]);
    assert!(out.status.success(), "{}", transcript(&out));
    let cache = env.cache_dir().join("tokens/org.json");
    let good = fs::read_to_string(&cache).unwrap();
    let entry: serde_json::Value = serde_json::from_str(&good).unwrap();
    let with_token = |token: &str| {
        let mut e = entry.clone();
        e["token"]["access_token"] = token.into();
        e.to_string().into_bytes()
    };
    let with_field = |field: &str, value: serde_json::Value| {
        let mut e = entry.clone();
        e["token"][field] = value;
        e.to_string().into_bytes()
    };
    let damaged: Vec<(&str, Vec<u8>)> = vec![
        ("garbage", b"\x00\xffnot json".to_vec()),
        ("truncated", good.as_bytes()[..good.len() / 2].to_vec()),
        ("empty", Vec::new()),
        ("a JSON array", b"[1,2,3]".to_vec()),
        ("a wrong type", with_field("expires_at", "tomorrow".into())),
        ("a negative time", with_field("issued_at", (-5).into())),
        ("a token with a newline", with_token("abc\nX-Evil: 1")),
        ("an empty token", with_token("")),
    ];
    for (what, bytes) in damaged {
        fs::write(&cache, &bytes).unwrap();
        let before = server.counters().logins;
        let out = run(&env, &["token"]);
        assert!(out.status.success(), "{what}\n{}", transcript(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("warning") && stderr.contains("damaged token cache"),
            "{what}\n{stderr}"
        );
        assert!(!stderr.contains("X-Evil"), "{what}\n{stderr}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim_end(),
            server.last_access_token().unwrap(),
            "{what}"
        );
        assert_eq!(server.counters().logins, before + 1, "{what}");
        // Repaired: served from the cache again, silently.
        let out = run(&env, &["token"]);
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{what}\n{}",
            transcript(&out)
        );
    }
    // A damaged refresh marker is stale, not a reason to fail.
    fs::write(env.cache_dir().join("tokens/org.refreshing"), b"\xff\xfe").unwrap();
    let out = run(&env, &["token", "--min-ttl", "2h"]);
    assert!(out.status.success(), "{}", transcript(&out));
    assert_eq!(server.counters().refreshes, 1);
}

#[test]
fn a_damaged_secret_file_is_exit_4_with_a_hint() {
    let server = FakeServer::start(FakeOAuth2::new("org-client", ORG_SECRET));
    let env = env();
    write_config(
        &env,
        PROFILE
            .replace("https://auth.example.com/oauth2/token", &server.token_url())
            .replace("client_secret_env = \"ORG_SECRET\"\n", "")
            .as_bytes(),
    );
    let data = env.data_dir();
    fs::create_dir_all(&data).unwrap();
    for bytes in [&b"{\"org/client_secret\": "[..], b"\xff\xfe", b"[]"] {
        fs::write(data.join("secrets.json"), bytes).unwrap();
        assert_fails(
            &run(&env, &["token"]),
            4,
            &["secrets.json", "damaged", "hint: move it away"],
            &[],
        );
    }
    assert_eq!(server.request_count(), 0);
}

#[test]
fn absurd_durations_are_config_errors() {
    for (key, value) in [
        ("timeout", "\"500000000000y\""),
        ("timeout", "9223372036854775807"),
        ("token_lifetime", "\"200y\""),
        ("refresh_margin", "\"101y\""),
    ] {
        let env = env();
        write_config(&env, format!("{PROFILE}{key} = {value}\n").as_bytes());
        let config = env.config_path().display().to_string();
        assert_fails(
            &run(&env, &["token"]),
            2,
            &[&config, ":6:", &format!("key `{key}`")],
            &[ORG_SECRET],
        );
    }
}
