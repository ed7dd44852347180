//! Bad input never panics (issue 6): malformed, mistyped, unknown,
//! non-UTF-8 or absurd configuration is exit 2 with an error that names
//! the file (and the line, profile and key where there is one); bad
//! arguments and environment are exit 2 or 3 with a hint; a damaged cache
//! is a warning and a renewal; a damaged secret file is exit 4.

use std::ffi::OsStr;
use std::fs;
use std::sync::LazyLock;

use crate::support::*;

/// The `org` profile, its secret in `$ORG_SECRET`.
static PROFILE: LazyLock<String> = LazyLock::new(|| {
    org_profile(
        "https://auth.example.com/oauth2/token",
        "client_secret_env = \"ORG_SECRET\"\n",
    )
});

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

#[test]
fn broken_config_files_are_located_exit_2_errors() {
    let with = |extra: &str| format!("{}{extra}", *PROFILE).into_bytes();
    // (what, file contents, stderr: the file, line, profile and key)
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "malformed TOML",
            b"[profiles.org\nprovider = \"oauth2\"\n".to_vec(),
            "authtool: error: [ROOT]/config/authtool/config.toml:1: profile 'org': unclosed table, expected `]`\n  |\n1 | [profiles.org\n  |              ^\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "an unquoted duration (a TOML syntax error): the line, a caret under the value",
            with("timeout = 1s\n"),
            "authtool: error: [ROOT]/config/authtool/config.toml:6: profile 'org': string values must be quoted, expected literal string\n  |\n6 | timeout = 1s\n  |           ^^\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "a string where a number or duration goes",
            with("timeout = true\n"),
            "authtool: error: [ROOT]/config/authtool/config.toml:6: profile 'org': key `timeout`: expected a duration like \"90s\", \"5m\" or a number of seconds\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "a number where a string goes",
            PROFILE
                .replace("client_id = \"org-client\"", "client_id = 42")
                .into_bytes(),
            "authtool: error: [ROOT]/config/authtool/config.toml:4: profile 'org': key `client_id`: invalid type: integer `42`, expected a string\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "a string where a list goes",
            with("urls = \"https://x\"\n"),
            "authtool: error: [ROOT]/config/authtool/config.toml:6: profile 'org': key `urls`: invalid type: string \"https://x\", expected a sequence\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "an unknown key (a typo)",
            with("client_secrte = \"x\"\n"),
            "authtool: error: [ROOT]/config/authtool/config.toml:6: profile 'org': unknown field `client_secrte`, expected one of `token_url`, `issuer`, `authorization_url`, `device_authorization_url`, `revocation_url`, `grant`, `client_auth`, `client_id`, `redirect_port`, `login_timeout`, `username`, `scope`, `audience`, `resource`, `extra`, `key_id`, `signing_alg`, `dpop`\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "an unknown top-level table",
            with("[profile.x]\n"),
            "authtool: error: [ROOT]/config/authtool/config.toml:6: unknown field `profile`, expected one of `default_profile`, `defaults`, `profiles`\n  |\n6 | [profile.x]\n  |  ^^^^^^^\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "an unknown key in [defaults]",
            format!("[defaults]\ntimeout = \"1s\"\nbogus = 1\n{}", *PROFILE).into_bytes(),
            "authtool: error: [ROOT]/config/authtool/config.toml:3: [defaults]: unknown field `bogus`, expected one of `refresh_margin`, `timeout`, `token_lifetime`, `ca_file`, `allow_insecure_http`, `token_cache`, `secret_store`, `urls`, `git_username`, `docker_username`, `keyring_username`, `env`\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "an unknown provider",
            PROFILE.replace("\"oauth2\"", "\"oauth3\"").into_bytes(),
            "authtool: error: [ROOT]/config/authtool/config.toml:2: profile 'org': key `provider`: unknown provider `oauth3` (known providers: connect-enterprise, pipeline-lbm, primaerp, lrs-connect, oauth2, http)\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "no provider",
            PROFILE.replace("provider = \"oauth2\"\n", "").into_bytes(),
            "authtool: error: [ROOT]/config/authtool/config.toml: profile 'org': missing key `provider` (one of: connect-enterprise, pipeline-lbm, primaerp, lrs-connect, oauth2, http)\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "not UTF-8",
            [PROFILE.as_bytes(), b"# caf\xe9\n"].concat(),
            "authtool: error: [ROOT]/config/authtool/config.toml: the config file is not valid UTF-8 (invalid byte at offset 150)\n\
             hint: save the file as UTF-8\n",
        ),
        (
            "a NUL byte in a string",
            [PROFILE.as_bytes(), b"scope = \"a\0b\"\n"].concat(),
            "authtool: error: [ROOT]/config/authtool/config.toml:6: profile 'org': invalid basic string, expected non-double-quote visible characters, `\\`\n  |\n6 | scope = \"a\u{fffd}b\"\n  |           ^\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "a duplicate key",
            with("client_id = \"again\"\n"),
            "authtool: error: [ROOT]/config/authtool/config.toml:6: profile 'org': duplicate key\n  |\n6 | client_id = \"again\"\n  | ^^^^^^^^^\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "a duration that is not one",
            with("timeout = \"soon\"\n"),
            "authtool: error: [ROOT]/config/authtool/config.toml:6: profile 'org': key `timeout`: expected number at 0 (expected a duration like \"90s\", \"5m\" or \"1h\")\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "a negative duration",
            with("refresh_margin = \"-5m\"\n"),
            "authtool: error: [ROOT]/config/authtool/config.toml:6: profile 'org': key `refresh_margin`: expected number at 0 (expected a duration like \"90s\", \"5m\" or \"1h\")\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "a URL that is not one",
            PROFILE
                .replace("https://auth.example.com/oauth2/token", "not a url")
                .into_bytes(),
            "authtool: error: [ROOT]/config/authtool/config.toml:3: profile 'org': key `token_url`: `not a url` is not a valid URL: relative URL without a base\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "a URL of another scheme",
            PROFILE.replace("https://", "ftp://").into_bytes(),
            "authtool: error: [ROOT]/config/authtool/config.toml:3: profile 'org': key `token_url`: `ftp://auth.example.com/oauth2/token` must be an https:// URL\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "a secret configured twice",
            with("client_secret_command = \"echo x\"\n"),
            "authtool: error: [ROOT]/config/authtool/config.toml:5: profile 'org': `client_secret` is configured more than once; keep one of `client_secret`, `client_secret_env`, `client_secret_command`, `client_secret_file`\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "deeply nested arrays",
            with(&format!(
                "scope = {}{}\n",
                "[".repeat(5000),
                "]".repeat(5000)
            )),
            "authtool: error: [ROOT]/config/authtool/config.toml:6: profile 'org': cannot recurse further; max recursion depth met\n  |\n6 | …[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[…\n  |                                          ^\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "deeply nested tables",
            with(&format!(
                "extra = {}{}\n",
                "{a=".repeat(5000),
                "}".repeat(5000)
            )),
            "authtool: error: [ROOT]/config/authtool/config.toml:6: profile 'org': cannot recurse further; max recursion depth met\n  |\n6 | …={a={a={a={a={a={a={a={a={a={a={a={a={a={a={a={a={a={a={a={a={a={a={a={a={a={a={…\n  |                                          ^\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "profiles that are not a table",
            b"profiles = 5\n".to_vec(),
            "authtool: error: [ROOT]/config/authtool/config.toml:1: invalid type: integer `5`, expected a map\n  |\n1 | profiles = 5\n  |            ^\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "a profile that is not a table",
            b"[profiles]\norg = 5\n".to_vec(),
            "authtool: error: [ROOT]/config/authtool/config.toml:2: invalid type: integer `5`, expected a map\n  |\n2 | org = 5\n  |       ^\n\
             hint: fix the file, then check it with `authtool config check`\n",
        ),
        (
            "no profiles at all",
            Vec::new(),
            "authtool: error: [ROOT]/config/authtool/config.toml: no profiles are defined\n\
             hint: add a [profiles.NAME] table; `authtool config init` writes an example\n",
        ),
    ];
    for (what, bytes, stderr) in cases {
        let env = env();
        write_config(&env, &bytes);
        eprintln!("case: {what}");
        env.case(["token"])
            .run()
            .code(2)
            .stdout("")
            .stderr(stderr)
            .hides(&[ORG_SECRET]);
        // `config check` says the same, except that an empty file is a
        // valid (if useless) config.
        if !bytes.is_empty() {
            env.case(["config", "check"])
                .run()
                .code(2)
                .stdout("")
                .stderr(stderr);
        }
        others_survive(&env, what);
    }
}

/// Other commands that read a broken config: no panic, no internal error
/// (`status` lists the broken profile with its error; `doctor` reports it
/// as a failed check; `header` is exit 2).
fn others_survive(env: &TestEnv, what: &str) {
    for args in [&["status"][..], &["header"], &["doctor"]] {
        let out = env.case(args).run().into_output();
        let stderr = text(&out.stderr);
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

/// A `default_profile` that names no profile: `token` looks for it, `config
/// check` says which key is wrong.
#[test]
fn a_default_profile_that_does_not_exist() {
    let env = env();
    write_config(
        &env,
        format!("default_profile = \"nope\"\n{}", *PROFILE).as_bytes(),
    );
    env.case(["token"]).run().code(2).stdout("").stderr(
        "authtool: error: [ROOT]/config/authtool/config.toml: no profile named 'nope'\n\
             hint: known profiles: org\n",
    );
    env.case(["config", "check"])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: [ROOT]/config/authtool/config.toml: default_profile = 'nope' names no profile\n\
             hint: known profiles: org\n",
        );
    others_survive(&env, "a default profile that does not exist");
}

/// `config check` reports every broken profile (each with its line, profile
/// and key), not only the first, and exits 2.
#[test]
fn config_check_reports_every_broken_profile() {
    let env = env();
    let good = PROFILE.replace("[profiles.org]", "[profiles.good]");
    write_config(
        &env,
        format!(
            "default_profile = \"nope\"\n\
             {}timeout = true\n\
             {good}\
             [profiles.third]\n\
             provider = \"oauth2\"\n\
             token_url = \"ftp://auth.example.com/token\"\n\
             client_id = \"x\"\n",
            *PROFILE
        )
        .as_bytes(),
    );
    env.case(["config", "check"]).run().code(2).stdout("").stderr(
        "authtool: error: [ROOT]/config/authtool/config.toml:7: profile 'org': key `timeout`: expected a duration like \"90s\", \"5m\" or a number of seconds\n\
         authtool: error: [ROOT]/config/authtool/config.toml:15: profile 'third': key `token_url`: `ftp://auth.example.com/token` must be an https:// URL\n\
         authtool: error: [ROOT]/config/authtool/config.toml: default_profile = 'nope' names no profile\n\
         hint: fix the file, then check it with `authtool config check`\n\
         hint: known profiles: good, org, third\n",
    );
}

#[test]
fn the_config_path_itself_can_be_wrong() {
    let env = env();
    // Missing.
    env.case(["token"]).run().code(2).stdout("").stderr(
        "authtool: error: config file [ROOT]/config/authtool/config.toml does not exist\n\
         hint: run `authtool config init` to write an example config there, then edit it\n\
         hint: or point --config / $AUTHTOOL_CONFIG at your config file\n",
    );
    // A directory.
    fs::create_dir_all(env.config_path()).unwrap();
    env.case(["token"]).run().code(2).stdout("").stderr("authtool: error: cannot read config file [ROOT]/config/authtool/config.toml: Is a directory (os error 21)\n");
    // Given explicitly and missing.
    env.case(["token"])
        .env("AUTHTOOL_CONFIG", env.root().join("nope.toml"))
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: config file [ROOT]/nope.toml does not exist\n\
             hint: run `authtool config init` to write an example config there, then edit it\n\
             hint: or point --config / $AUTHTOOL_CONFIG at your config file\n",
        );
}

#[test]
fn bad_arguments_and_environment_exit_2_or_3() {
    let env = env();
    write_config(&env, PROFILE.as_bytes());
    env.case(["token", "--min-ttl", "soon"])
        .run()
        .code(2)
        .stdout("")
        .stderr("error: invalid value 'soon' for '--min-ttl <DURATION>': expected number at 0 (expected a duration like \"90s\", \"5m\" or \"1h\")\n\
             \n\
             For more information, try '--help'.\n");
    env.case(["token", "--format", "yaml"])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            r#"error: invalid value 'yaml' for '--format <FORMAT>'
  [possible values: raw, header, json, env, curl, query, exec-credential]

For more information, try '--help'.
"#,
        );
    env.case(["token", "--bogus"])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            r#"error: unexpected argument '--bogus' found

  tip: to pass '--bogus' as a value, use '-- --bogus'

Usage: authtool token [OPTIONS] [PROFILE]

For more information, try '--help'.
"#,
        );
    env.case(["token", "nope"]).run().code(2).stdout("").stderr(
        "authtool: error: [ROOT]/config/authtool/config.toml: no profile named 'nope'\n\
             hint: known profiles: org\n",
    );
    env.case(["tokne"]).run().code(2).stdout("").stderr(
        r#"error: unrecognized subcommand 'tokne'

  tip: a similar subcommand exists: 'token'

Usage: authtool [OPTIONS] <COMMAND>

For more information, try '--help'.
"#,
    );
    // A profile name that is not UTF-8.
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        env.case(["token"])
            .arg(OsStr::from_bytes(b"caf\xe9"))
            .run()
            .code(2)
            .stdout("")
            .stderr(
                "error: invalid UTF-8 was detected in one or more arguments\n\
                 \n\
                 Usage: authtool token [OPTIONS] [PROFILE]\n\
                 \n\
                 For more information, try '--help'.\n",
            );
    }

    env.case(["token"])
        .env("AUTHTOOL_PROFILE", "nope")
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: [ROOT]/config/authtool/config.toml: no profile named 'nope'\n\
             hint: known profiles: org\n",
        );
    // A secret variable that is empty, or not UTF-8: exit 3, named.
    env.case(["token"])
        .env("ORG_SECRET", "")
        .run()
        .code(3)
        .stdout("")
        .stderr("authtool: error: profile 'org': environment variable $ORG_SECRET (from `client_secret_env`) is empty\n\
             hint: export ORG_SECRET=… before running authtool\n");
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        env.case(["token"])
            .env("ORG_SECRET", OsStr::from_bytes(b"s3cr\xe9t"))
            .run()
            .code(3)
            .stdout("")
            .stderr("authtool: error: profile 'org': environment variable $ORG_SECRET (from `client_secret_env`) is not valid UTF-8\n\
                 hint: export ORG_SECRET=… with the secret as UTF-8 text\n");
    }
}

#[test]
fn a_damaged_cache_is_a_warning_and_a_renewal() {
    let server = FakeServer::start(org_fake());
    let env = env();
    write_config(
        &env,
        PROFILE
            .replace("https://auth.example.com/oauth2/token", &server.token_url())
            .as_bytes(),
    );
    env.case(["token"]).run().success().stderr("");
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
    // (what, the cache file, why authtool says it is damaged); where the
    // JSON breaks depends on the length of the token in it.
    let damaged: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "garbage",
            b"\x00\xffnot json".to_vec(),
            "expected value at line 1 column [N]",
        ),
        (
            "truncated",
            good.as_bytes()[..good.len() / 2].to_vec(),
            "EOF while parsing [WHAT] at line 1 column [N]",
        ),
        (
            "empty",
            Vec::new(),
            "EOF while parsing [WHAT] at line 1 column [N]",
        ),
        (
            "a JSON array",
            b"[1,2,3]".to_vec(),
            "invalid type: integer `2`, expected a string at line 1 column [N]",
        ),
        (
            "a wrong type",
            with_field("expires_at", "tomorrow".into()),
            "invalid type: string \"tomorrow\", expected u64 at line 1 column [N]",
        ),
        (
            "a negative time",
            with_field("issued_at", (-5).into()),
            "invalid value: integer `-5`, expected u64 at line 1 column [N]",
        ),
        (
            "a token with a newline",
            with_token("abc\nX-Evil: 1"),
            "its token is empty or holds characters no token has",
        ),
        (
            "an empty token",
            with_token(""),
            "its token is empty or holds characters no token has",
        ),
    ];
    for (what, bytes, why) in damaged {
        eprintln!("case: {what}");
        fs::write(&cache, &bytes).unwrap();
        let before = server.counters().logins;
        let ran = env
            .case(["token"])
            .filter_regex(r"EOF while parsing an? \w+", "EOF while parsing [WHAT]")
            .filter_regex(r"column \d+", "column [N]")
            .run();
        let warning = format!(
            "authtool: warning: profile 'org': ignoring the damaged token cache [ROOT]/cache/authtool/tokens/org.json ({why})\n"
        );
        ran.token(server.last_access_token().unwrap())
            .success()
            .stdout("[TOKEN]\n")
            // Read once without the lock and once with it.
            .stderr(format!("{warning}{warning}"))
            .stderr_hides(&["X-Evil"]);
        assert_eq!(server.counters().logins, before + 1, "{what}");
        // Repaired: served from the cache again, silently.
        env.case(["token"]).run().success().stderr("");
    }
    // A damaged refresh marker is stale, not a reason to fail.
    fs::write(env.cache_dir().join("tokens/org.refreshing"), b"\xff\xfe").unwrap();
    env.case(["token", "--min-ttl", "2h"])
        .run()
        .success()
        .stderr("authtool: warning: profile 'org': the server issues tokens valid for [DURATION], less than --min-ttl 2h 0m\n");
    assert_eq!(server.counters().refreshes, 1);
}

#[test]
fn a_damaged_secret_file_is_exit_4_with_a_hint() {
    let server = FakeServer::start(org_fake());
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
    for (bytes, why) in [
        (
            &b"{\"org/client_secret\": "[..],
            "EOF while parsing a value at line 1 column [N]",
        ),
        (b"\xff\xfe", "expected value at line 1 column [N]"),
        (
            b"[]",
            "invalid type: sequence, expected a map at line 1 column [N]",
        ),
    ] {
        fs::write(data.join("secrets.json"), bytes).unwrap();
        env.case(["token"])
            .filter_regex(r"column \d+", "column [N]")
            .run()
            .code(4)
            .stdout("")
            .stderr(format!(
                "authtool: error: the secret file [ROOT]/data/authtool/secrets.json is damaged: {why}\n\
                 hint: move it away and run `authtool login` again for your profiles\n"
            ));
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
        write_config(&env, format!("{}{key} = {value}\n", *PROFILE).as_bytes());
        env.case(["token"])
            .run()
            .code(2)
            .stdout("")
            .stderr(format!(
                "authtool: error: [ROOT]/config/authtool/config.toml:6: profile 'org': key `{key}`: more than 100 years\n\
                 hint: fix the file, then check it with `authtool config check`\n"
            ))
            .hides(&[ORG_SECRET]);
    }
}

// ---------------------------------------------------------------------------
// Issue 17, finding 12: exit codes of damaged caches and absurd settings.

/// A cache file or a refresh marker that is a directory is a damaged
/// cache: a warning and a renewal, not exit 1.
#[test]
fn a_cache_or_refresh_marker_that_is_a_directory_is_a_warning_and_a_renewal() {
    let server = FakeServer::start(org_fake().issue_refresh_tokens(true));
    let env = org_env(&server, "");
    let tokens = env.cache_dir().join("tokens");
    fs::create_dir_all(tokens.join("org.json")).unwrap();
    let ran = env.case(["token"]).run();
    ran.token(server.last_access_token().unwrap())
        .success()
        .stdout("[TOKEN]\n")
        .stderr("authtool: warning: profile 'org': ignoring the damaged token cache [ROOT]/cache/authtool/tokens/org.json (a directory, not a file)\n\
                 authtool: warning: profile 'org': ignoring the damaged token cache [ROOT]/cache/authtool/tokens/org.json (a directory, not a file)\n\
                 authtool: warning: profile 'org': replaced the damaged token cache [ROOT]/cache/authtool/tokens/org.json (a directory, not a file)\n");
    assert!(tokens.join("org.json").is_file());

    env.expire_cached_tokens();
    fs::create_dir(tokens.join("org.refreshing")).unwrap();
    let ran = env.case(["token"]).run();
    ran.token(server.last_access_token().unwrap())
        .success()
        .stdout("[TOKEN]\n")
        .stderr("authtool: warning: profile 'org': replaced the damaged refresh marker [ROOT]/cache/authtool/tokens/org.refreshing (a directory, not a file)\n");
    let c = server.counters();
    assert_eq!((c.logins, c.refreshes), (1, 1), "{c:?}");
}

/// A profile name too long for its cache files is a config error (exit 2).
#[test]
fn a_300_character_profile_name_is_a_config_error() {
    let name = "p".repeat(300);
    let env = env();
    env.write_config(&PROFILE.replace("[profiles.org]", &format!("[profiles.{name}]")));
    env.case(["token", "-p", &name])
        .filter(&name, "[NAME]")
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: [ROOT]/config/authtool/config.toml: profile '[NAME]': the profile name is 300 bytes long; at most 64 (it names the profile's cache files)\n\
                 hint: fix the file, then check it with `authtool config check`\n");
}

/// `header` for a provider that takes the token in the query is refused
/// before any request: no login is spent.
#[test]
fn header_for_a_query_parameter_profile_is_refused_before_any_request() {
    let case = ProviderCase::primaerp();
    let env = case.env("");
    env.case(["header"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: profile 'erp' (primaerp) passes the token as a URL query parameter, not a header\n\
                 hint: use `authtool token --format query -p erp` and append it to the URL (or --format curl for curl -K -)\n");
    assert_eq!(case.fake.request_count(), 0);
}

/// `timeout = "0s"` would fail every request: a located config error.
#[test]
fn a_zero_timeout_is_a_located_config_error() {
    let env = env();
    env.write_config(&format!("{}timeout = \"0s\"\n", *PROFILE));
    env.case(["token"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: [ROOT]/config/authtool/config.toml:6: profile 'org': `timeout` must be more than 0s (every request would time out at once)\n\
                 hint: fix the file, then check it with `authtool config check`\n");
    env.write_config(&format!("[defaults]\ntimeout = 0\n\n{}", *PROFILE));
    env.case(["token"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: [ROOT]/config/authtool/config.toml:2: [defaults]: `timeout` must be more than 0s (every request would time out at once)\n\
                 hint: fix the file, then check it with `authtool config check`\n");
}

#[test]
#[cfg_attr(
    not(all(target_os = "linux", target_env = "gnu", target_feature = "crt-static")),
    ignore = "needs the static Linux build"
)]
fn without_home_the_files_have_no_place() {
    // The static build never asks NSS for the home directory
    // (src/config.rs `home_known`): $HOME must be set, unless the XDG
    // variables name every directory the command needs.
    let mut env = env();
    env.write_config("[profiles.a]\nprovider = \"oauth2\"\ntoken_url = \"https://a.example.com/t\"\nclient_id = \"x\"\n");
    env.remove_env("HOME").remove_env("XDG_CACHE_HOME");
    env.case(["token", "-p", "a"])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: cannot find your home directory to place authtool's files\n\
         hint: set HOME to your home directory\n",
        );
}
