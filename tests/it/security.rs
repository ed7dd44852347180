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
