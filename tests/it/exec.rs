//! authtool's output in the programs that use it: `exec`, a kubectl-shaped
//! ExecCredential check, `curl -K -` against the fake vendors and `sh`
//! evaluating `--format env`. Unix only: they run sh.

use crate::support::*;

// ---------------------------------------------------------------------------
// exec

/// What a login with a wrong client secret says.
const WRONG_SECRET: &str = "authtool: error: http://127.0.0.1:[PORT]/oauth2/token answered HTTP 401: invalid_client (client authentication failed: unknown client or wrong secret)\n\
    hint: the client id or client secret is wrong: check client_id and run `authtool login` to store the right secret\n";

#[test]
fn exec_passes_the_token_in_the_environment() {
    let server = FakeServer::start(org_fake());
    let env = org_env(
        &server,
        "env = { API_TOKEN = \"token\", API_AUTH = \"header\", API_EXPIRES = \"expires_at\" }\n",
    );
    let ran = env
        .case(["exec", "org", "--", "sh", "-c"])
        .arg(r#"printf '%s|%s|%s|%s' "$AUTHTOOL_TOKEN" "$AUTHTOOL_AUTH_HEADER" "$API_TOKEN" "$API_AUTH"; printf '\n%s' "$API_EXPIRES" >&2"#)
        .env("AUTHTOOL_AUTH_HEADER", "stale")
        .run();
    let token = server.last_access_token().unwrap();
    ran.token(&token)
        .success()
        .stdout("[TOKEN]|Bearer [TOKEN]|[TOKEN]|Bearer [TOKEN]")
        // API_EXPIRES: the expiry, in UTC.
        .stderr("\n[TIME]")
        .stderr_is("a time in UTC", |e| e.trim().ends_with('Z'))
        // The token is in no command line: authtool passes it only by
        // environment.
        .stderr_hides(&[&token]);
}

/// A provider without an Authorization header (primaERP): no
/// AUTHTOOL_AUTH_HEADER, not even one inherited; `query` gives `token=…`.
#[test]
fn exec_for_a_query_token_provider() {
    let erp = ProviderCase::primaerp();
    let mut env = erp.env("env = { ERP_QUERY = \"query\" }\n");
    env.set_env("AUTHTOOL_AUTH_HEADER", "stale");
    let ran = env
        .case(["exec", "--", "sh", "-c"])
        .arg(r#"printf '%s|%s|%s' "$AUTHTOOL_TOKEN" "${AUTHTOOL_AUTH_HEADER-unset}" "$ERP_QUERY""#)
        .run();
    ran.token(erp.fake.last_access_token().unwrap())
        .success()
        .stdout("[TOKEN]|unset|token=[TOKEN]")
        .stderr("");
}

#[test]
fn exec_exit_codes() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    env.case(["exec", "--", "sh", "-c", "exit 7"])
        .run()
        .code(7)
        .stdout("")
        .stderr("");
    // Killed by a signal: 128 + N, as a shell reports it.
    env.case(["exec", "--", "sh", "-c", "kill -TERM $$"])
        .run()
        .code(128 + 15)
        .stdout("")
        .stderr("");
    env.case(["exec", "--", "sh", "-c", "kill -KILL $$"])
        .run()
        .code(128 + 9)
        .stdout("")
        .stderr("");
    // Not found: 127 and a message.
    env.case(["exec", "--", "authtool-no-such-command"])
        .run()
        .code(127)
        .stdout("")
        .stderr("authtool: error: cannot run `authtool-no-such-command`: No such file or directory (os error 2)\n\
            hint: check the command name and your PATH\n");
    // Not executable: 126.
    let script = env.write_file("not-executable", "#!/bin/sh\n");
    env.case(["exec", "--"])
        .arg(&script)
        .run()
        .code(126)
        .stdout("")
        .stderr("authtool: error: cannot run `[ROOT]/not-executable`: Permission denied (os error 13)\n");
    // No command: a usage error, with the usage line of `exec --help`.
    let help = env.case(["exec", "--help"]).run().success().stdout_text();
    let help = help.lines().find(|l| l.starts_with("Usage:")).unwrap();
    assert_eq!(help, "Usage: authtool exec [OPTIONS] [PROFILE] -- <CMD>...");
    for args in [
        &["exec"][..],
        &["exec", "org"],
        &["exec", "org", "--"],
        &["exec", "-p", "org"],
    ] {
        env.case(args).run().code(2).stdout("").stderr(format!(
            "error: the following required arguments were not provided:\n  <CMD>...\n\n\
             {help}\n\n\
             For more information, try '--help'.\n"
        ));
    }
    // A bad `env` value names the profile and the variable; CMD never runs.
    let env = org_env(&server, "env = { API = \"tokn\" }\n");
    env.case(["exec", "--", "sh", "-c", "echo ran"])
        .run()
        .code(2)
        .stdout("")
        .stderr(
            "authtool: error: profile 'org': env.API = \"tokn\": unknown value\n\
            hint: the values are: token, header, header:NAME, query, expires_at\n",
        );
    // A failed login: the provider's exit code, and CMD never runs.
    let mut env = org_env(&server, "");
    env.set_env("ORG_SECRET", "wrong");
    env.case(["exec", "--", "sh", "-c", "echo ran"])
        .run()
        .code(6)
        .stdout("")
        .stderr(WRONG_SECRET);
}

// ---------------------------------------------------------------------------
// curl -K -

/// `curl -K -` with `config` on stdin (never in argv); the HTTP status.
fn curl_config(config: &str, url: &str) -> u16 {
    curl_with_stdin(&["-K", "-", url], config.as_bytes()).status
}

/// `authtool token --format curl`, which must succeed silently.
fn curl_format(env: &TestEnv) -> Ran {
    env.case(["token", "--format", "curl"])
        .run()
        .success()
        .stderr("")
}

/// `token --format curl` for `case`'s profile, which must print exactly
/// `expected`; returns it.
#[track_caller]
fn curl_config_of(case: &ProviderCase, expected: &str) -> String {
    let ran = curl_format(&case.env(""));
    ran.token(case.fake.last_access_token().unwrap())
        .stdout(expected)
        .stdout_text()
}

#[test]
fn curl_config_works_for_header_and_query_providers() {
    // A Bearer header.
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    let config = curl_format(&env)
        .token(server.last_access_token().unwrap())
        .stdout("header = \"Authorization: Bearer [TOKEN]\"\n")
        .stdout_text();
    assert_eq!(curl_config(&config, &server.whoami_url()), 200);
    assert_eq!(curl_config("", &server.whoami_url()), 401);

    // pipeline-lbm: Bearer and X-Customer.
    let case = ProviderCase::pipeline_lbm();
    let AnyFake::Lbm(lbm) = &case.fake else {
        unreachable!()
    };
    let config = curl_config_of(
        &case,
        "header = \"Authorization: Bearer [TOKEN]\"\n\
            header = \"X-Customer: lbmsales\"\n",
    );
    assert_eq!(curl_config(&config, &lbm.jobs_url()), 200);
    assert_eq!(lbm.counters().jobs_ok, 1);

    // primaERP: `?token=`, URL-encoded once (`+`: curl must not encode it again).
    let case = ProviderCase::primaerp();
    let AnyFake::Primaerp(erp) = &case.fake else {
        unreachable!()
    };
    let config = curl_config_of(&case, "url-query = \"+token=[TOKEN]\"\n");
    assert_eq!(curl_config(&config, &erp.projects_url()), 200);
    assert_eq!(erp.counters().projects_ok, 1);
}

// ---------------------------------------------------------------------------
// sh and --format env

#[test]
fn sh_evaluates_format_env() {
    let server = FakeServer::start(org_fake());
    let mut env = org_env(&server, "");
    env.set_env("AUTHTOOL", authtool_bin());
    let ran = env
        .case([
            "-c",
            r#"eval "$("$AUTHTOOL" token --format env)" && printf '%s' "$AUTHTOOL_TOKEN""#,
        ])
        .program("sh")
        .run();
    ran.token(server.last_access_token().unwrap())
        .success()
        .stdout("[TOKEN]")
        .stderr("");
    // A failure injects nothing into the shell.
    env.set_env("ORG_SECRET", "wrong");
    env.case(["token", "--format", "env", "--no-cache"])
        .run()
        .code(6)
        .stdout("")
        .stderr(WRONG_SECRET);
}

// ---------------------------------------------------------------------------
// kubectl

/// What kubectl runs for a kubeconfig user with
/// `exec: {apiVersion, command: authtool, args: [token, --format,
/// exec-credential, -p, org], interactiveMode: Never}`: the ExecCredential
/// it reads back.
fn exec_credential(env: &TestEnv, exec_info: Option<&str>) -> Ran {
    let mut case = env.case(["token", "--format", "exec-credential", "-p", "org"]);
    if let Some(info) = exec_info {
        case = case.env("KUBERNETES_EXEC_INFO", info);
    }
    case.run().success().stderr("")
}

#[test]
fn kubectl_exec_credential_v1_and_v1beta1() {
    let server = FakeServer::start(org_fake());
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
        let ran = exec_credential(&env, info)
            .token(server.last_access_token().unwrap())
            .stdout(format!(
                "{{\n  \"apiVersion\": \"{version}\",\n  \"kind\": \"ExecCredential\",\n  \"status\": {{\n    \"expirationTimestamp\": \"[TIME]\",\n    \"token\": \"[TOKEN]\"\n  }}\n}}\n"
            ));
        let doc = ran.json();
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
        let json = env.token_json();
        let expires_at = json["expires_at"].as_str().unwrap();
        assert!(at < expires_at, "{at} vs {expires_at}");
        assert_eq!(status.len(), 2, "{doc}");
    }
    assert_eq!(server.counters().logins, 1);
    // A version authtool does not speak is a clear error, stdout empty.
    env.case(["token", "--format", "exec-credential"])
        .env(
            "KUBERNETES_EXEC_INFO",
            r#"{"apiVersion":"client.authentication.k8s.io/v1alpha1"}"#,
        )
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: kubectl asked for ExecCredential client.authentication.k8s.io/v1alpha1; authtool speaks client.authentication.k8s.io/v1 and v1beta1\n\
            hint: set apiVersion: client.authentication.k8s.io/v1 in the kubeconfig's exec section\n");
}

/// CMD gets the token, never the variables the profile takes secrets from;
/// and no core file: authtool sets the core size limit to 0, which CMD
/// inherits.
#[test]
fn exec_hides_the_profile_secrets_and_core_dumps() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    let ran = env
        .case(["exec", "org", "--", "sh", "-c"])
        .arg(r#"printf '%s\n' "${ORG_SECRET-unset}"; grep 'core file' /proc/self/limits"#)
        .run();
    ran.token(server.last_access_token().unwrap())
        .success()
        .stdout("unset\nMax core file size        0                    0                    bytes     \n")
        .stderr("");
}

/// A `NAME_command` gets none of the profile's secret variables either.
#[test]
fn secret_commands_do_not_see_the_other_secrets() {
    use crate::support::providers::{ERP_API_KEY, ERP_PASSWORD};
    let erp = ProviderCase::primaerp();
    let toml = erp
        .profile_toml(&erp.fake.url(), false)
        .replace("[profiles.erp]\n", "");
    let mut env = TestEnv::new();
    env.set_env("AUTHTOOL_SECRET_STORE", "file")
        .set_env("ERP_API_KEY", ERP_API_KEY);
    env.write_config(&format!(
        "[profiles.erp]\n{toml}api_key_env = \"ERP_API_KEY\"\npassword_command = \"printf '%s' \\\"${{ERP_API_KEY-{ERP_PASSWORD}}}\\\"\"\n"
    ));
    env.case(["token", "-p", "erp"])
        .run()
        .success()
        .stdout_is("a token", |t| !t.trim().is_empty())
        .stderr("");
}
