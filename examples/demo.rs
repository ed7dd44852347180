//! The end-to-end demo: `cargo run --example demo`.
//!
//! Starts the loopback fake vendor servers from the shared test support
//! (nothing leaves 127.0.0.1), writes a temporary config, and runs the real
//! `authtool` binary the way a user would, printing each command and what
//! it printed.

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::{Command, ExitCode};
use support::{FakeOAuth2, FakeServer, TestEnv, find_authtool_bin};

fn main() -> ExitCode {
    if let Err(e) = build_binary() {
        eprintln!("demo: {e}");
        return ExitCode::from(1);
    }
    let Some(bin) = find_authtool_bin() else {
        eprintln!("demo: the authtool binary was not found; run `cargo build` first");
        return ExitCode::from(1);
    };

    let org = FakeServer::start(FakeOAuth2::new("demo-client", "demo-secret").lifetime_secs(3600));

    let mut env = TestEnv::new();
    env.set_env("ORG_CLIENT_SECRET", "demo-secret");
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    env.write_config(&format!(
        r#"default_profile = "org"

[profiles.org]
provider = "oauth2"
token_url = "{}"
client_id = "demo-client"
client_secret_env = "ORG_CLIENT_SECRET"
"#,
        org.token_url()
    ));

    println!("authtool demo — fake vendor servers on 127.0.0.1, a temporary config:\n");
    println!("{}", indent(&std::fs::read_to_string(env.config_path()).unwrap_or_default()));

    let mut ok = true;
    let mut run = |args: &[&str], note: &str| {
        println!("$ authtool {}    # {note}", args.join(" "));
        let out = match env.command_for(&bin).args(args).output() {
            Ok(out) => out,
            Err(e) => {
                println!("  (could not run authtool: {e})");
                ok = false;
                return String::new();
            }
        };
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        print!("{}", indent(&stdout));
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !stderr.is_empty() {
            print!("{}", indent(&format!("[stderr] {}", stderr.replace('\n', "\n[stderr] ").trim_end_matches("[stderr] "))));
        }
        if !out.status.success() {
            println!("  [exit {}]", out.status.code().unwrap_or(-1));
        }
        println!();
        stdout
    };

    run(&["token"], "logs in: one request to the token endpoint");
    let before = org.counters().token_requests;
    run(&["token"], "served from the cache: no request");
    let cached_requests = org.counters().token_requests - before;
    run(&["header"], "the ready Authorization header");
    run(&["token", "--format", "json"], "for scripts");
    run(&["-v", "token", "--min-ttl", "2h"], "needs more than the cached token has left: refreshes");
    run(&["token", "--format", "curl"], "for `curl -K -` (token never in argv)");

    let header = run(&["header"], "and use it:");
    let whoami = support::curl(&["-H", header.trim_end(), &org.whoami_url()]);
    println!("$ authtool header | curl -H @- {}", org.whoami_url());
    println!("  HTTP {} {}\n", whoami.status, whoami.body.trim());

    let c = org.counters();
    println!(
        "token endpoint: {} logins, {} refreshes, {} refresh-token reuses; cached calls made {} requests",
        c.logins, c.refreshes, c.refresh_reuse, cached_requests
    );
    if ok && whoami.status == 200 && cached_requests == 0 {
        println!("demo: ok");
        ExitCode::SUCCESS
    } else {
        println!("demo: something did not work as expected (see above)");
        ExitCode::from(1)
    }
}

/// Builds the authtool binary the demo runs (cargo sets $CARGO for `cargo run`).
fn build_binary() -> Result<(), String> {
    let Some(cargo) = std::env::var_os("CARGO") else {
        return Ok(());
    };
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--quiet", "--bin", "authtool"]);
    if !cfg!(debug_assertions) {
        cmd.arg("--release");
    }
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("building authtool failed".into())
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}
