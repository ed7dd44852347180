//! The README as a new user follows it: its Install and Quick start blocks,
//! read from README.md and run as written.

use crate::support::*;
use std::path::Path;

/// The lines of the first ```sh block under the README heading `heading`,
/// each without its trailing `# comment`.
fn readme_block(heading: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("read README.md");
    let section = readme
        .split_once(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("README.md has no `{heading}` section"))
        .1;
    let block = section
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .unwrap_or_else(|| panic!("README.md: no ```sh block under `{heading}`"))
        .0;
    block
        .lines()
        .map(|line| line.split_once(" #").map_or(line, |(cmd, _)| cmd))
        .map(|line| line.trim().to_string())
        .collect()
}

/// Install honours Cargo.lock: the versions built are the ones tested.
#[test]
fn readme_install_uses_the_lock_file() {
    assert_eq!(
        readme_block("## Install"),
        ["cargo install --locked --path ."]
    );
}

/// Every line of the README's quick start, run in order on the config
/// `config init` writes, against the fake OAuth2 server: the user gets a
/// token on the first try. A line the test does not know fails it, so the
/// README cannot change without this transcript.
#[test]
fn readme_quick_start_gets_a_token_with_the_generated_config() {
    const SECRET: &str = "quick-start-secret";
    // The generated [profiles.org] names client `my-client-id` and the
    // client_credentials grant, for which RFC 6749 §4.4.3 issues no refresh
    // token: nothing goes to the secret store (the test has no keychain;
    // what a headless machine shows then is issue 15's item 2).
    let server =
        FakeServer::start(FakeOAuth2::new("my-client-id", SECRET).issue_refresh_tokens(false));
    let mut env = TestEnv::new();
    let mut token = None;
    let steps = readme_block("## Quick start");
    for step in &steps {
        match step.as_str() {
            "authtool config init" => {
                env.case(["config", "init"])
                    .run()
                    .success()
                    .stdout("[ROOT]/config/authtool/config.toml\n")
                    .stderr("authtool: wrote an example config to [ROOT]/config/authtool/config.toml; edit it, then run `authtool config check`\n");
            }
            "$EDITOR \"$(authtool config path)\"" => {
                env.case(["config", "path"])
                    .run()
                    .success()
                    .stdout("[ROOT]/config/authtool/config.toml\n")
                    .stderr("");
                // The one edit the test makes: the example's token_url
                // becomes the fake server's loopback URL. Everything
                // else is the generated file as is.
                let generated = std::fs::read_to_string(env.config_path()).unwrap();
                let example_url = "token_url = \"https://auth.example.com/oauth2/token\"";
                assert!(generated.contains(example_url), "{generated}");
                env.write_config(&generated.replace(
                    example_url,
                    &format!("token_url = \"{}\"", server.token_url()),
                ));
            }
            "authtool config check" => {
                env.case(["config", "check"])
                    .run()
                    .success()
                    .stdout("[ROOT]/config/authtool/config.toml: ok, 12 profiles: acme, ci-deploy, connect-dev, connect-prod, corp, corp-device, erp, lbm-prod, lrs, org, org-user, workload\n")
                    .stderr("");
            }
            "export ORG_CLIENT_SECRET=…" => {
                env.set_env("ORG_CLIENT_SECRET", SECRET);
            }
            "authtool token -p org" => {
                let ran = env.case(["token", "-p", "org"]).run().success().stderr("");
                token = Some(ran.line());
            }
            other => panic!("README.md quick start: a step this test does not know: `{other}`"),
        }
    }
    assert_eq!(
        steps.last().map(String::as_str),
        Some("authtool token -p org")
    );
    assert_eq!(token, server.last_access_token());
    assert_eq!(server.counters().logins, 1);
}

/// `cargo run --example fake-vendors`: what it prints is enough to get a
/// token from every provider. The example prints exactly
/// [`Sandbox::try_by_hand`]; this test pastes its `export` lines and runs
/// the commands it suggests.
#[test]
fn fake_vendors_print_a_config_that_works_for_every_provider() {
    let sandbox = Sandbox::start();
    let mut env = TestEnv::new();
    let dir = env.root().join("fake-vendors");
    std::fs::create_dir(&dir).unwrap();
    let printed = sandbox.try_by_hand(&dir).unwrap();
    let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    assert!(
        printed.contains(config.lines().nth(3).unwrap()),
        "{printed}"
    );
    let mut exports = 0;
    for line in printed.lines() {
        let Some(export) = line.strip_prefix("export ") else {
            continue;
        };
        let assignment = export.split_once(" #").map_or(export, |(a, _)| a).trim();
        let (var, value) = assignment.split_once('=').unwrap();
        env.set_env(var, value.trim_matches('\''));
        exports += 1;
    }
    assert_eq!(exports, 2 + Sandbox::SECRETS.len(), "{printed}");

    env.case(["config", "check"])
        .run()
        .success()
        .stdout("[ROOT]/fake-vendors/config.toml: ok, 6 profiles: fake-acme, fake-connect, fake-erp, fake-lbm, fake-lrs, fake-org\n")
        .stderr("");
    for profile in sandbox.profiles() {
        let name = format!("fake-{}", profile.name);
        let query = if profile.name == "erp" {
            &["--format", "query"][..]
        } else {
            &["--format", "header"][..]
        };
        let shown = env
            .case(["token", "-p", &name])
            .args(query)
            .run()
            .success()
            .stderr("")
            .stdout_text();
        // The fake API takes the token.
        let answer = if profile.name == "erp" {
            curl(&[&format!("{}?{}", profile.api_url, shown.trim())])
        } else {
            let mut args: Vec<String> = Vec::new();
            for header in shown.lines() {
                args.extend(["-H".to_string(), header.to_string()]);
            }
            args.push(profile.api_url.clone());
            curl(&args.iter().map(String::as_str).collect::<Vec<_>>())
        };
        assert_eq!(answer.status, 200, "{name}: {}", answer.body);
    }
    // The commands it suggests, in order.
    let suggested: Vec<&str> = printed
        .lines()
        .filter_map(|l| l.strip_prefix("authtool "))
        .collect();
    for line in suggested {
        let args: Vec<&str> = line
            .split_once(" #")
            .map_or(line, |(a, _)| a)
            .split_whitespace()
            .collect();
        let ran = env.case(&args).run();
        assert!(
            ran.output().status.success(),
            "authtool {line}:\n{}{}",
            ran.stdout_text(),
            ran.stderr_text()
        );
    }
}
