//! Secrets never leak (issue 6): every command, with `-v`, for every
//! provider, shows no client secret, password, API key, secret key or
//! refresh token on stdout or stderr — and the access token only on the
//! stdout of the commands that exist to print it. Failures too. Every file
//! authtool writes is 0600, every directory it makes 0700.

use crate::support::*;
use std::path::Path;

/// Checks one command's output: none of `hidden` anywhere, the access
/// token on stdout only if `prints_token`, never on stderr, no panic.
/// Predicates, not transcripts: the same checks hold for every command of
/// every provider.
#[track_caller]
fn check(ran: Ran, hidden: &[String], token: &str, prints_token: bool) -> Ran {
    let hidden: Vec<&str> = hidden.iter().map(String::as_str).collect();
    let ran = ran
        .stderr_is("free of panics", |stderr| !stderr.contains("panicked"))
        .hides(&hidden);
    if token.is_empty() {
        return ran;
    }
    let shown = if prints_token {
        "the token"
    } else {
        "free of the token"
    };
    ran.stderr_hides(&[token])
        .stdout_is(shown, |stdout| stdout.contains(token) == prints_token)
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every file under `dir` is 0600 and every directory (itself included)
/// 0700; returns how many files there are.
#[cfg(unix)]
fn assert_private(dir: &Path) -> usize {
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    let mut files = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files += assert_private(&path);
        } else {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
            files += 1;
        }
    }
    files
}

#[test]
fn no_command_shows_a_secret_for_any_provider() {
    for case in ProviderCase::all() {
        // Secrets go to the file store through `login --secret-stdin`.
        let mut env = TestEnv::new();
        env.set_env("AUTHTOOL_SECRET_STORE", "file");
        env.write_config(&case.profile_toml(&case.fake.url(), false));
        let stdin = case.secret_stdin();
        let p = case.profile;
        let header_works = case.provider != "primaerp";
        // (arguments, prints the token, exit code)
        let commands: Vec<(Vec<&str>, bool, i32)> = vec![
            (vec!["login", p, "--secret-stdin"], false, 0),
            (vec!["token", p], true, 0),
            (
                vec!["header", p],
                header_works,
                if header_works { 0 } else { 2 },
            ),
            (vec!["token", p, "--format", "json"], true, 0),
            (vec!["token", p, "--format", "env"], true, 0),
            (vec!["token", p, "--format", "curl"], true, 0),
            (vec!["token", p, "--min-ttl", "1000h"], true, 0),
            (vec!["refresh", p], false, 0),
            (vec!["refresh", p], false, 0),
            (vec!["status"], false, 0),
            (vec!["status", "--json"], false, 0),
            (vec!["inspect", p], false, 0),
            (vec!["inspect", p, "--json"], false, 0),
            (vec!["doctor", p], false, 0),
            (vec!["logout", p], false, 0),
            (vec!["token", p], true, 0),
            (vec!["logout", p, "--forget"], false, 0),
            (vec!["status"], false, 0),
        ];
        let mut files_checked = false;
        for (args, prints_token, code) in commands {
            let mut args = args;
            args.push("-v");
            let what = format!("{p}: {args:?}");
            let ran = env.case(&args).stdin(stdin.as_str()).run();
            // inspect on an opaque token explains itself with exit 0 or 2.
            let ran = if args[0] == "inspect" && ran.output().status.code() == Some(2) {
                ran
            } else {
                ran.code(code)
            };
            let mut hidden: Vec<String> =
                case.secret_values().iter().map(|s| s.to_string()).collect();
            hidden.extend(case.fake.refresh_tokens());
            let token = case.fake.last_access_token().unwrap_or_default();
            check(ran, &hidden, &token, prints_token && code == 0);
            #[cfg(unix)]
            if args[0] == "refresh" && !files_checked {
                files_checked = true;
                assert!(assert_private(&env.cache_dir()) >= 2, "{what}");
                assert!(assert_private(&env.data_dir()) >= 1, "{what}");
            }
        }
        assert!(files_checked);
    }
}

#[test]
fn failures_with_verbose_output_show_no_secret() {
    for case in ProviderCase::all() {
        let p = case.profile;
        // Every secret wrong: the server refuses (exit 6).
        let mut env = case.env("");
        let wrong: Vec<String> = case
            .secrets
            .iter()
            .map(|(var, value)| {
                let bad = format!("wrong-{value}");
                env.set_env(var, &bad);
                bad
            })
            .collect();
        let mut hidden = wrong.clone();
        hidden.extend(case.secret_values().iter().map(|s| s.to_string()));
        check(
            env.case(["token", p, "-v"]).run().code(6),
            &hidden,
            "",
            false,
        );

        // The server fails after seeing them (exit 5).
        let env = case.env("");
        case.fake.script(vec![Fault::status(
            500,
            r#"{"error":"server_error","error_description":"boom"}"#,
        )]);
        check(
            env.case(["token", p, "-v"]).run().code(5),
            &hidden,
            "",
            false,
        );
    }
}

/// Issue 17 (1): a lock file planted as a symbolic link is refused, never
/// followed: the file it points to keeps its contents.
#[cfg(unix)]
#[test]
fn lock_files_planted_as_symlinks_are_refused_not_followed() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    let important = env.write_file("important.txt", "keep me\n");
    let tokens = env.cache_dir().join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    std::os::unix::fs::symlink(&important, tokens.join("org.lock")).unwrap();
    token_is_refused(
        &env,
        "authtool: error: refusing to use [ROOT]/cache/authtool/tokens/org.lock: it is a symbolic link, not a regular file\nhint: remove it (`rm [ROOT]/cache/authtool/tokens/org.lock`): authtool creates its own files again\n",
    );
    assert_eq!(std::fs::read_to_string(&important).unwrap(), "keep me\n");

    // The same for the lock of the `file` secret store.
    std::fs::remove_file(tokens.join("org.lock")).unwrap();
    std::fs::create_dir_all(env.data_dir()).unwrap();
    std::os::unix::fs::symlink(&important, env.data_dir().join("secrets.lock")).unwrap();
    token_is_refused(
        &env,
        "authtool: error: refusing to use [ROOT]/data/authtool/secrets.lock: it is a symbolic link, not a regular file\nhint: remove it (`rm [ROOT]/data/authtool/secrets.lock`): authtool creates its own files again\n",
    );
    assert_eq!(std::fs::read_to_string(&important).unwrap(), "keep me\n");
    assert_eq!(server.counters().token_requests, 1);
}

/// Issue 17 (2): a cache directory others can write to is made private
/// again; a cache file another user planted there is refused, not served.
#[cfg(unix)]
#[test]
fn open_cache_directories_are_repaired_and_foreign_cache_files_refused() {
    use std::os::unix::fs::PermissionsExt;
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    let tokens = env.cache_dir().join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    std::fs::set_permissions(&tokens, std::fs::Permissions::from_mode(0o777)).unwrap();
    env.case(["token", "-p", "org"]).run().success().stderr("");
    assert_eq!(mode(&tokens), 0o700);

    // Another user (nobody) drops a cache file with the right fingerprint.
    let file = tokens.join("org.json");
    let real = std::fs::read_to_string(&file).unwrap();
    let token = env.token_json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let planted = real.replace(&token, "ATTACKER-TOKEN");
    std::fs::remove_file(&file).unwrap();
    std::fs::write(&file, planted).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    // Changing a file's owner takes root (the tests run as root here).
    if std::os::unix::fs::chown(&file, Some(65534), Some(65534)).is_err() {
        eprintln!("skipped the foreign-owner half: chown needs root");
        return;
    }
    token_is_refused(
        &env,
        "authtool: error: refusing to use [ROOT]/cache/authtool/tokens/org.json: it is owned by uid 65534, not by you (uid 0)\nhint: remove it (`rm [ROOT]/cache/authtool/tokens/org.json`): authtool creates its own files again\n",
    );
}

/// Issue 17 (2): a cache file the user owns but others may read is made
/// private again, and still served.
#[cfg(unix)]
#[test]
fn cache_files_readable_by_others_are_made_private() {
    use std::os::unix::fs::PermissionsExt;
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    env.case(["token", "-p", "org"]).run().success();
    let file = env.cache_dir().join("tokens/org.json");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    env.case(["token", "-p", "org"]).run().success().stderr("");
    assert_eq!(mode(&file), 0o600);
    assert_eq!(server.counters().token_requests, 1);
}

/// `token -p org` fails with exit 2, nothing on stdout and `stderr`.
#[cfg(unix)]
#[track_caller]
fn token_is_refused(env: &TestEnv, stderr: &str) {
    env.case(["token", "-p", "org"])
        .run()
        .code(2)
        .stdout("")
        .stderr(stderr);
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Issue 17 (8): FIFOs where authtool expects its files never block (each
/// run is bounded by the case builder's 60 s timeout, so a hang fails).
#[cfg(unix)]
#[test]
fn fifos_in_place_of_files_are_refused_without_blocking() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    let tokens = env.cache_dir().join("tokens");

    // The cache file.
    mkfifo(&tokens.join("org.json"));
    token_is_refused(
        &env,
        "authtool: error: refusing to use [ROOT]/cache/authtool/tokens/org.json: it is a FIFO, not a regular file\nhint: remove it (`rm [ROOT]/cache/authtool/tokens/org.json`): authtool creates its own files again\n",
    );
    std::fs::remove_file(tokens.join("org.json")).unwrap();

    // The marker of a refresh in flight: ignored, then replaced.
    mkfifo(&tokens.join("org.refreshing"));
    env.case(["token", "-p", "org"]).run().success().stderr("");

    // The `file` secret store.
    std::fs::remove_dir_all(env.data_dir()).unwrap();
    mkfifo(&env.data_dir().join("secrets.json"));
    env.case(["refresh", "org"])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: refusing to use [ROOT]/data/authtool/secrets.json: it is a FIFO, not a regular file\nhint: remove it (`rm [ROOT]/data/authtool/secrets.json`): authtool creates its own files again\n",
        );

    // The config.
    std::fs::remove_file(env.config_path()).unwrap();
    mkfifo(&env.config_path());
    token_is_refused(
        &env,
        "authtool: error: refusing to use [ROOT]/config/authtool/config.toml: it is a FIFO, not a regular file\n",
    );
}

/// Issue 17 (8): reads are capped: a config, cache file or CA file that is
/// `/dev/zero` (or just huge) is refused, memory does not grow.
#[cfg(unix)]
#[test]
fn endless_or_huge_files_are_refused() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    let tokens = env.cache_dir().join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    std::os::unix::fs::symlink("/dev/zero", tokens.join("org.json")).unwrap();
    token_is_refused(
        &env,
        "authtool: error: refusing to use [ROOT]/cache/authtool/tokens/org.json: it is a symbolic link, not a regular file\nhint: remove it (`rm [ROOT]/cache/authtool/tokens/org.json`): authtool creates its own files again\n",
    );
    std::fs::remove_file(tokens.join("org.json")).unwrap();

    // A CA file.
    env.write_config(&org_config(
        &server.token_url(),
        "ca_file = \"/dev/zero\"\n",
    ));
    env.case(["token", "-p", "org"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: refusing to use /dev/zero: it is a device, not a regular file\n");

    // The config, endless then huge.
    std::fs::remove_file(env.config_path()).unwrap();
    std::os::unix::fs::symlink("/dev/zero", env.config_path()).unwrap();
    token_is_refused(
        &env,
        "authtool: error: refusing to use [ROOT]/config/authtool/config.toml: it is a device, not a regular file\n",
    );
    std::fs::remove_file(env.config_path()).unwrap();
    let huge = format!(
        "{}{}",
        "# padding\n".repeat(200_000),
        org_config(&server.token_url(), "")
    );
    env.write_config(&huge);
    token_is_refused(
        &env,
        "authtool: error: refusing to use [ROOT]/config/authtool/config.toml: it is larger than 1048576 bytes, the most authtool reads\nhint: check that it is the config file you meant\n",
    );
}

/// Issue 17 (9): a secret over the 1 MiB `--secret-stdin` reads is refused,
/// not silently cut short.
#[test]
fn login_refuses_a_secret_stdin_larger_than_it_reads() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    env.write_config(&org_profile(&server.token_url(), ""));
    let secret = "s".repeat(1024 * 1024 + 10);
    env.case(["login", "org", "--secret-stdin"])
        .stdin(format!("{secret}\n"))
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: profile 'org': --secret-stdin: the input is larger than 1 MiB, the most authtool reads; nothing was stored\nhint: give one secret per line, each as the provider issued it\n",
        );
}
/// A server whose failure answer echoes the request: the client secret is
/// masked in every form it was sent or may be echoed in (raw, form- and
/// percent-encoded, inside the Basic credentials, cut off in an excerpt).
#[test]
fn server_answers_that_echo_the_request_show_no_secret() {
    use base64::Engine as _;
    let form: String = url::form_urlencoded::byte_serialize(ORG_SECRET.as_bytes()).collect();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{ORG_ID}:{form}"));
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    server.script(vec![
        Fault::status(
            500,
            format!("echo: grant_type=client_credentials&client_secret={form}&x=1 Authorization: Basic {basic}"),
        ),
        Fault::status(
            401,
            format!(
                r#"{{"error":"invalid_client","error_description":"wrong secret {ORG_SECRET} sent as {form} in Basic {basic}"}}"#
            ),
        ),
        Fault::status(400, format!("client_secret={}", &form[..form.len() - 2])),
    ]);
    env.case(["token", "-p", "org"])
        .run()
        .code(5)
        .stdout("")
        .stderr(
            "authtool: error: http://127.0.0.1:[PORT]/oauth2/token answered HTTP 500: echo: grant_type=client_credentials&client_secret=***&x=1 Authorization: Basic ***\n\
             hint: the server has a problem; try again later\n",
        );
    env.case(["token", "-p", "org"])
        .run()
        .code(6)
        .stdout("")
        .stderr(
            "authtool: error: http://127.0.0.1:[PORT]/oauth2/token answered HTTP 401: invalid_client (wrong secret *** sent as *** in Basic ***)\n\
             hint: the client id or client secret is wrong: check client_id and run `authtool login` to store the right secret\n",
        );
    env.case(["token", "-p", "org"])
        .run()
        .code(5)
        .stdout("")
        .stderr("authtool: error: http://127.0.0.1:[PORT]/oauth2/token answered HTTP 400: client_secret=***\n");
}
