//! Bazel's credential-helper protocol (`bazel-credential get`), through its
//! documented stdin/stdout contract: `{"uri": …}` in, `{"expires",
//! "headers"}` out. Bazel itself is not installable from a package
//! registry here (it ships as its own binaries), so no test runs it.

use crate::support::*;
use serde_json::Value;

/// `authtool bazel-credential get` reading `request`, as Bazel runs it.
fn bazel<'e>(env: &'e TestEnv, request: &str) -> Case<'e> {
    env.case(["bazel-credential", "get"]).stdin(request)
}

fn uri(uri: &str) -> String {
    format!("{{\"uri\": \"{uri}\"}}")
}

#[test]
fn bazel_credential_protocol() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "urls = [\"https://a.example.com/\"]\n");

    let ran = bazel(&env, &uri("https://a.example.com/dl/x.tar.gz")).run();
    let token = server.last_access_token().unwrap();
    let ran = ran
        .token(&token)
        .success()
        .stdout("{\"expires\":\"[TIME]\",\"headers\":{\"Authorization\":[\"Bearer [TOKEN]\"]}}\n")
        .stderr("");
    // `expires` is the expiry minus the refresh margin (5 min of 1 h).
    let answer = ran.json();
    let expires = answer["expires"].as_str().unwrap();
    let expires_at = authtool::timefmt::parse_rfc3339(expires).unwrap();
    let json = env.token_json();
    let want = unix_secs(std::time::SystemTime::now()) + json["expires_in"].as_u64().unwrap() - 300;
    assert!(expires_at.abs_diff(want) <= 2, "{expires} vs {want}");

    // Served from the cache: one login for both.
    assert_eq!(server.counters().logins, 1);

    // No profile covers these: `{}`, exit 0, nothing on stderr.
    for other in [
        "https://a.example.com.evil.test/dl/x.tar.gz",
        "https://b.example.com/",
        "http://a.example.com/dl/x.tar.gz",
        "https://a.example.com:8443/dl/x.tar.gz",
        "not a uri",
    ] {
        bazel(&env, &uri(other))
            .run()
            .success()
            .stdout("{}\n")
            .stderr("");
    }
    // Other members of the request are ignored.
    bazel(&env, r#"{"uri": "https://b.example.com/", "future": [1]}"#)
        .run()
        .success()
        .stdout("{}\n")
        .stderr("");
    assert_eq!(server.counters().token_requests, 1);
}

/// Bad input: a clear error on stderr, exit 2, nothing on stdout.
#[test]
fn bazel_credential_bad_input() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "urls = [\"https://a.example.com/\"]\n");
    bazel(&env, "not json")
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: bazel-credential get: expected {\"uri\": \"…\"} on stdin: expected ident at line 1 column 2\n");
    bazel(&env, r#"{"url": "https://a.example.com/"}"#)
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: bazel-credential get: expected {\"uri\": \"…\"} on stdin: missing field `uri` at line 1 column 33\n");
    bazel(&env, "")
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: bazel-credential get: expected {\"uri\": \"…\"} on stdin: EOF while parsing a value at line 1 column 0\n");
    env.case(["bazel-credential", "store"])
        .stdin(uri("https://a.example.com/"))
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: bazel-credential: unknown command `store` (Bazel sends `get`)\n");
    assert_eq!(server.counters().token_requests, 0);
}

/// Every provider's headers, as `header` prints them (pipeline-lbm's
/// `X-Customer` too); a query-token provider cannot be served by a
/// protocol of headers: exit 2, naming the profile.
#[test]
fn bazel_credential_sends_every_header_of_each_provider() {
    for case in ProviderCase::all() {
        let env = case.env("urls = [\"https://a.example.com/\"]\n");
        let ran = bazel(&env, &uri("https://a.example.com/x")).run();
        if case.provider == "primaerp" {
            ran.code(2).stdout("").stderr(format!(
                "authtool: error: profile '{0}' (primaerp) passes its token as a URL query parameter; Bazel's credential helpers can only send headers\nhint: remove this URL from the profile's `urls`\n",
                case.profile
            ));
            continue;
        }
        let answer = ran.success().stderr("").json();
        let header = env.case(["header"]).run().success().stdout_text();
        let mut want = serde_json::Map::new();
        for line in header.lines() {
            let (name, value) = line.split_once(": ").unwrap();
            want.insert(name.into(), Value::Array(vec![value.into()]));
        }
        assert_eq!(answer["headers"], Value::Object(want), "{}", case.profile);
    }
}

/// `authtool-bazel-credential get` (a link) is the same helper, as
/// `--credential_helper=…/authtool-bazel-credential` runs it; without a
/// config file every URI gets `{}`.
#[test]
fn bazel_helper_by_installed_name() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "urls = [\"https://a.example.com/\"]\n");
    let link = env.root().join("authtool-bazel-credential");
    std::os::unix::fs::symlink(authtool_bin(), &link).unwrap();
    let ran = env
        .case(["get"])
        .program(&link)
        .stdin(uri("https://a.example.com/x"))
        .run();
    ran.token(server.last_access_token().unwrap())
        .success()
        .stdout("{\"expires\":\"[TIME]\",\"headers\":{\"Authorization\":[\"Bearer [TOKEN]\"]}}\n")
        .stderr("");
    std::fs::remove_file(env.config_path()).unwrap();
    env.case(["get"])
        .program(&link)
        .stdin(uri("https://a.example.com/x"))
        .run()
        .success()
        .stdout("{}\n")
        .stderr("");
}

/// Twenty builds' fetches at once on an expired token: one renewal, and
/// every one of them gets the new token.
#[test]
fn bazel_credential_renews_an_expired_token_once_across_parallel_calls() {
    let server = FakeServer::start(org_fake().issue_refresh_tokens(false));
    let env = org_env(&server, "urls = [\"https://a.example.com/\"]\n");
    env.token_json();
    env.expire_cached_tokens();
    let request = uri("https://a.example.com/x");
    let outputs = parallel(&env, 20, &["bazel-credential", "get"], &request);
    let token = server.last_access_token().unwrap();
    for out in &outputs {
        assert!(out.status.success(), "{}", transcript(out));
        let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            answer["headers"]["Authorization"][0],
            format!("Bearer {token}"),
            "{}",
            transcript(out)
        );
    }
    assert_eq!(server.counters().logins, 2);
}

/// `n` authtool processes with `args` at once, each reading `stdin`.
pub(crate) fn parallel(
    env: &TestEnv,
    n: usize,
    args: &[&str],
    stdin: &str,
) -> Vec<std::process::Output> {
    use std::io::Write;
    use std::process::Stdio;
    let children: Vec<_> = (0..n)
        .map(|_| {
            let mut child = env
                .command_for(authtool_bin())
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(stdin.as_bytes())
                .unwrap();
            child
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}
