//! The end-to-end demo: `cargo run --example demo`.
//!
//! Starts the loopback fake vendor servers from the shared test support
//! (one per provider; nothing leaves 127.0.0.1), writes a temporary config
//! with a profile for each of the six providers (`support::Sandbox`), and
//! runs the real `authtool` binary the way a user would, printing each
//! command and what it printed (tokens shortened to `eyJhbGciOi… (N chars)`).
//! Each token is then used against the vendor's fake API with real
//! `curl -K -`, so it never appears in an argument list. Then a person
//! logs in with a browser against the real OpenID server of the tests
//! (`oidc-provider`, when node and `tests/oidc/node_modules` are there), its
//! `$BROWSER` a script that signs in and consents. `status` ends it.

#[path = "../tests/it/support/mod.rs"]
mod support;

use regex::Regex;
use std::io::Write;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use support::*;

fn main() -> ExitCode {
    if let Err(e) = build_binary() {
        eprintln!("demo: {e}");
        return ExitCode::from(1);
    }
    if demo() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Runs the demo, printing it; whether everything worked as expected.
fn demo() -> bool {
    let Some(bin) = find_authtool_bin() else {
        eprintln!("demo: the authtool binary was not found; run `cargo build` first");
        return false;
    };

    let sandbox = Sandbox::start();
    let mut env = TestEnv::new();
    for (var, value) in Sandbox::SECRETS {
        env.set_env(var, value);
    }
    // Refresh tokens go to the secret store: the file store keeps the demo
    // independent of a desktop keychain.
    env.set_env("AUTHTOOL_SECRET_STORE", "file");
    // The person of the browser login (`person_login`): a script.
    let person_log = env.root().join("person.log");
    env.set_env("BROWSER", oidc::browser())
        .set_env("PERSON_LOG", person_log);
    env.write_config(&sandbox.config(""));

    println!("authtool demo: six fake vendor APIs on 127.0.0.1 and this temporary config:\n");
    println!(
        "{}",
        indent(&std::fs::read_to_string(env.config_path()).unwrap_or_default())
    );

    let demo = Demo {
        env: &env,
        bin: &bin,
    };
    let mut ok = true;

    let apis = sandbox.profiles();
    for api in &apis {
        println!("── profile '{}' ──\n", api.name);
        ok &= demo.run(&["token", "-p", api.name], "logs in").success;
        let before = (api.requests)();
        ok &= demo.run(&["token", "-p", api.name], "cached").success;
        let cached = (api.requests)() - before;
        println!("  ({cached} requests to the vendor for the cached call)\n");
        ok &= cached == 0;
        ok &= demo.curl(api.name, &api.api_url);
    }

    println!("── presentation quirks ──\n");
    ok &= demo
        .run(
            &["header", "-p", "lbm"],
            "pipeline-lbm needs X-Customer too",
        )
        .success;
    ok &= demo
        .run(
            &["token", "-p", "erp", "--format", "query"],
            "primaERP takes the token as ?token=",
        )
        .success;
    ok &= !demo
        .run(
            &["header", "-p", "erp"],
            "so a header is refused, with a hint",
        )
        .success;
    ok &= demo
        .run(&["token", "-p", "org", "--format", "json"], "for scripts")
        .success;

    println!("── renewal ──\n");
    ok &= demo
        .run(
            &["-v", "token", "-p", "erp", "--min-ttl", "2h"],
            "asks for more than the cached token has left: a single-use refresh",
        )
        .success;
    ok &= demo
        .run(
            &["-v", "token", "-p", "connect", "--min-ttl", "2h"],
            "no refresh tokens at Connect Enterprise: logs in again",
        )
        .success;

    let e = sandbox.erp.counters();
    println!(
        "primaERP: {} logins, {} refreshes, {} reuses of a spent refresh token",
        e.logins, e.refreshes, e.refresh_reuse
    );
    ok &= e.refreshes == 1 && e.refresh_reuse == 0;
    let c = sandbox.connect.counters();
    println!("Connect Enterprise: {} logins", c.logins);

    ok &= person_login(&demo);

    println!("\n── every profile ──\n");
    ok &= demo
        .run(
            &["status"],
            "provider, where each secret comes from, when each token expires",
        )
        .success;

    if ok {
        println!("demo: ok");
    } else {
        println!("\ndemo: something did not work as expected (see above)");
    }
    ok
}

/// A browser login against the real OpenID server: `authtool login` opens
/// `$BROWSER` (the person script), which signs in, consents and delivers
/// the redirect to authtool's loopback listener; then the token is cached.
fn person_login(demo: &Demo) -> bool {
    println!("── a person logs in with a browser ──\n");
    if !oidc::available() {
        println!(
            "  (skipped: needs node and tests/oidc/node_modules; run `npm ci` in tests/oidc)\n"
        );
        return true;
    }
    let op = oidc::OidcServer::start();
    let profile = format!(
        "\n[profiles.corp]\nprovider = \"oauth2\"\nissuer = \"{}\"\ngrant = \"authorization_code\"\n\
         client_id = \"{}\"\nscope = \"openid offline_access\"\n",
        op.issuer(),
        oidc::NATIVE_CLIENT
    );
    let config = std::fs::read_to_string(demo.env.config_path()).unwrap_or_default();
    demo.env.write_config(&format!("{config}{profile}"));
    println!(
        "oidc-provider (OpenID Certified) at {}, and this profile:\n",
        op.issuer()
    );
    println!("{}", indent(profile.trim()));
    let mut ok = demo
        .run(
            &["login", "-p", "corp"],
            "$BROWSER is a script that signs in as alice and consents",
        )
        .success;
    // What the browser went through (the script's log, without its query strings).
    let walked = std::fs::read_to_string(demo.env.root().join("person.log")).unwrap_or_default();
    for line in walked.lines() {
        println!("  [browser] {}", shorten_tokens(line));
    }
    println!();
    let before = op.log().len();
    ok &= demo.run(&["token", "-p", "corp"], "cached").success;
    let cached = op.log().len() - before;
    println!("  ({cached} requests to the server for the cached call)\n");
    ok & (cached == 0)
}

struct Demo<'a> {
    env: &'a TestEnv,
    bin: &'a Path,
}

struct Ran {
    success: bool,
}

impl Demo<'_> {
    /// Runs `authtool ARGS` and prints it like a terminal transcript.
    fn run(&self, args: &[&str], note: &str) -> Ran {
        println!("$ authtool {}    # {note}", args.join(" "));
        let out = match self.env.command_for(self.bin).args(args).output() {
            Ok(out) => out,
            Err(e) => {
                println!("  (could not run authtool: {e})\n");
                return Ran { success: false };
            }
        };
        print!(
            "{}",
            indent(&shorten_tokens(&String::from_utf8_lossy(&out.stdout)))
        );
        for line in shorten_tokens(&String::from_utf8_lossy(&out.stderr)).lines() {
            println!("  [stderr] {line}");
        }
        if !out.status.success() {
            println!("  [exit {}]", out.status.code().unwrap_or(-1));
        }
        println!();
        Ran {
            success: out.status.success(),
        }
    }

    /// `authtool token -p P --format curl | curl -K - URL`: the vendor's
    /// fake API must accept the token.
    fn curl(&self, profile: &str, url: &str) -> bool {
        println!("$ authtool token -p {profile} --format curl | curl -K - {url}");
        let config = self
            .env
            .command_for(self.bin)
            .args(["token", "-p", profile, "--format", "curl"])
            .output();
        let Ok(config) = config.map(|o| o.stdout) else {
            return false;
        };
        let child = Command::new("curl")
            .args([
                "-q",
                "-sS",
                "--noproxy",
                "*",
                "-w",
                "  → HTTP %{http_code}",
                "-K",
                "-",
            ])
            .arg(url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn();
        let Ok(mut child) = child else {
            println!("  (curl is not installed)\n");
            return false;
        };
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(&config);
        }
        let Ok(out) = child.wait_with_output() else {
            return false;
        };
        let text = shorten_tokens(&String::from_utf8_lossy(&out.stdout));
        println!("  {}\n", text.trim());
        text.ends_with("HTTP 200")
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

/// Each token in `text` (a run of 40 or more token characters, as a JWT or
/// an opaque token is) as its first ten characters, `…` and its length:
/// `eyJhbGciOi… (412 chars)`. The whole token would bury the story.
fn shorten_tokens(text: &str) -> String {
    let token = Regex::new(r"[A-Za-z0-9._~-]{40,}").expect("a valid regex");
    token
        .replace_all(text, |m: &regex::Captures| {
            let whole = &m[0];
            format!("{}… ({} chars)", &whole[..10], whole.len())
        })
        .into_owned()
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

/// `cargo test --example demo`, and `cargo test --all-targets`
/// (scripts/test.sh): the demo runs as it should (with the authtool binary
/// cargo built next to it).
#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_works() {
        assert!(super::demo());
    }

    #[test]
    fn tokens_are_shown_shortened() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.ZmFrZS1zaWduYXR1cmU";
        assert_eq!(
            super::shorten_tokens(&format!("Authorization: Bearer {jwt}\nat_short_1\n")),
            format!(
                "Authorization: Bearer eyJhbGciOi… ({} chars)\nat_short_1\n",
                jwt.len()
            )
        );
    }
}
