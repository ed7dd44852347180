//! authtool's output in the programs that use it: `exec`, a kubectl-shaped
//! ExecCredential check, `curl -K -` against the fake vendors and `sh`
//! evaluating `--format env`. Unix only: they run sh.

use crate::support::*;

// ---------------------------------------------------------------------------
// exec

#[test]
fn exec_passes_the_token_in_the_environment() {
    let server = FakeServer::start(org_fake());
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
    let server = FakeServer::start(org_fake());
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

// ---------------------------------------------------------------------------
// curl -K -

/// `curl -K -` with `config` on stdin (never in argv); the HTTP status.
fn curl_config(config: &str, url: &str) -> u16 {
    curl_with_stdin(&["-K", "-", url], config.as_bytes()).status
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
    let server = FakeServer::start(org_fake());
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
    let server = FakeServer::start(org_fake());
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
        let json = env.token_json();
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
