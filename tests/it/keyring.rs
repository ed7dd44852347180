//! The `keyring` command line pip and uv run with `--keyring-provider
//! subprocess` (authtool linked as `keyring`, or `authtool keyring`).

use crate::support::*;

fn keyring<'e>(env: &'e TestEnv, args: &[&str]) -> Case<'e> {
    env.case(["keyring"]).args(args)
}

#[test]
fn keyring_get_prints_the_profile_token() {
    let server = FakeServer::start(org_fake());
    let env = org_env(
        &server,
        "urls = [\"https://pypi.example.com/simple/\"]\nkeyring_username = \"bot\"\n",
    );

    // pip: `keyring get URL USERNAME` → the token.
    let ran = keyring(&env, &["get", "https://pypi.example.com/simple/", "bot"]).run();
    let token = server.last_access_token().unwrap();
    env.filter(&token, "[TOKEN]");
    ran.token(&token).success().stdout("[TOKEN]\n").stderr("");
    // A package's page under the index is covered too.
    keyring(
        &env,
        &["get", "https://pypi.example.com/simple/requests/", "bot"],
    )
    .run()
    .success()
    .stdout("[TOKEN]\n")
    .stderr("");
    // uv: `keyring get URL --mode creds` → user name and token.
    keyring(
        &env,
        &["get", "https://pypi.example.com/simple/", "--mode", "creds"],
    )
    .run()
    .success()
    .stdout("bot\n[TOKEN]\n")
    .stderr("");
    keyring(
        &env,
        &["--mode=creds", "get", "https://pypi.example.com/simple/x/"],
    )
    .run()
    .success()
    .stdout("bot\n[TOKEN]\n")
    .stderr("");
    assert_eq!(server.counters().logins, 1);

    // Not this profile's: nothing on stdout, exit 1, as keyring does.
    for args in [
        &["get", "https://pypi.example.com.evil.test/simple/", "bot"][..],
        &["get", "https://pypi.example.com/other/", "bot"],
        &["get", "http://pypi.example.com/simple/", "bot"],
        &["get", "https://pypi.example.com/simple/", "alice"],
        // uv's second try, the bare host: the profile covers /simple/ only.
        &["get", "pypi.example.com", "bot"],
        &[
            "get",
            "https://pypi.example.com.evil.test/simple/",
            "--mode",
            "creds",
        ],
    ] {
        keyring(&env, args).run().code(1).stdout("").stderr("");
    }
    assert_eq!(server.counters().token_requests, 1);
}

/// Without `keyring_username`, any user name gets the token, and
/// `--mode creds` names `oauth2`; a bare host matches a profile URL of the
/// whole host (https).
#[test]
fn keyring_user_names_and_hosts() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "urls = [\"https://pypi.example.com\"]\n");
    let ran = keyring(&env, &["get", "pypi.example.com", "anyone"]).run();
    let token = server.last_access_token().unwrap();
    env.filter(&token, "[TOKEN]");
    ran.token(&token).success().stdout("[TOKEN]\n").stderr("");
    keyring(
        &env,
        &["get", "https://pypi.example.com/simple/", "--mode", "creds"],
    )
    .run()
    .success()
    .stdout("oauth2\n[TOKEN]\n")
    .stderr("");
    keyring(&env, &["get", "pypi.example.com:8443", "anyone"])
        .run()
        .code(1)
        .stdout("")
        .stderr("");
}

/// Installed as `keyring`: the same helper; other verbs and bad usage are
/// clear errors (exit 2), with nothing on stdout.
#[test]
fn keyring_by_installed_name_and_other_verbs() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "urls = [\"https://pypi.example.com/simple/\"]\n");
    let bin = env.root().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let link = bin.join("keyring");
    std::os::unix::fs::symlink(authtool_bin(), &link).unwrap();
    let ran = env
        .case(["get", "https://pypi.example.com/simple/", "oauth2"])
        .program(&link)
        .run();
    ran.token(server.last_access_token().unwrap())
        .success()
        .stdout("[TOKEN]\n")
        .stderr("");
    env.case(["set", "https://pypi.example.com/simple/", "oauth2"])
        .program(&link)
        .stdin("pw\n")
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: keyring: `set` is not supported; authtool answers `get` only (pip and uv ask nothing else)\nhint: profiles' tokens are issued by authtool: configure them in authtool's config file, not with `keyring set`\n");
    env.case(["get", "https://pypi.example.com/simple/"])
        .program(&link)
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: keyring get: a USERNAME is needed (or --mode creds)\n");
    env.case(["get", "https://pypi.example.com/simple/", "--mode", "json"])
        .program(&link)
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: keyring: unknown --mode `json` (password or creds)\n");
    // No config file: nothing matches.
    std::fs::remove_file(env.config_path()).unwrap();
    env.case(["get", "https://pypi.example.com/simple/", "oauth2"])
        .program(&link)
        .run()
        .code(1)
        .stdout("")
        .stderr("");
}

/// Parallel `keyring get` calls on an expired token: renewed once.
#[test]
fn keyring_renews_an_expired_token_once_across_parallel_calls() {
    let server = FakeServer::start(org_fake().issue_refresh_tokens(false));
    let env = org_env(&server, "urls = [\"https://pypi.example.com/simple/\"]\n");
    env.token_json();
    env.expire_cached_tokens();
    let outputs = env.run_concurrently(
        20,
        &[
            "keyring",
            "get",
            "https://pypi.example.com/simple/",
            "--mode",
            "creds",
        ],
    );
    let token = server.last_access_token().unwrap();
    for out in &outputs {
        assert!(out.status.success(), "{}", transcript(out));
        assert_eq!(text(&out.stdout), format!("oauth2\n{token}\n"));
    }
    assert_eq!(server.counters().logins, 2);
}
