//! The performance benchmark (issues 7 and 16). Run it with
//! `benches/run.sh`, which installs the tools, builds release and calls
//! this with `--bench`.
//!
//! Everything runs against the loopback fake OAuth2 server from the shared
//! test support, in a hermetic `TestEnv` (temp `HOME`, XDG dirs, config),
//! and every comparison is measured in the same run, interleaved: the
//! commands of a group alternate round by round (hyperfine runs one command
//! at a time within a round), and the medians pool every round.
//!
//! - cached path: `authtool token` vs `cat` of its cache file, vs a static
//!   C program that reads the same two files (benches/floor.c), vs
//!   `bench-reference` (benches/reference.rs) and `gh auth token`;
//! - config size: the cached `token` with 1, 50, 200 and 1,000 profiles;
//! - the other hot paths: `git-credential get`, `docker-credential get` and
//!   `exec` against `token` (a request on stdin: the driver's own
//!   interleaved runner, one run of each command in turn);
//! - cold path: `authtool token --no-cache` vs `curl` making the same
//!   token request to the same server, and which trust-store files it
//!   opens (`strace`);
//! - DPoP (issue 13): a cached `header --method --url` of a `dpop = true`
//!   profile (its key read from the `file` secret store, a proof signed
//!   per call; a second fake server in DPoP mode) vs a cached bearer
//!   `header`; no token request may be made;
//! - renewal storms: 100 and 500 processes on an expired token vs on a
//!   valid one, the server taking 300 ms to answer; exactly one token
//!   request, one token printed;
//! - peak RSS (`/usr/bin/time -v`) and the binary size.
//!
//! The results (`perf_report.rs`) replace the part of `docs/performance.md`
//! between the `bench:begin` / `bench:end` markers; the rest of the file is
//! kept.
//!
//! Modes (the first argument that is not a flag):
//! - `all` (default): the above;
//! - `dpop`: only the DPoP group; prints its goal, writes nothing;
//! - `profile`: `strace -c`, `valgrind --tool=callgrind` and `perf stat`
//!   of one cached call, written to `target/bench-profile/`;
//! - `serve`: sets everything up, prints the environment as `export` lines
//!   and waits until stdin closes, for profiling by hand.
//!
//! `cargo test --all-targets` also runs this `harness = false` target, in
//! test mode and without `--bench`: it then returns at once (unless
//! `AUTHTOOL_BENCH` is set).
//!
//! Settings (environment): `AUTHTOOL_BENCH_ROUNDS` (5),
//! `AUTHTOOL_BENCH_RUNS` (runs per command per round, 100),
//! `AUTHTOOL_BENCH_STORMS` (the storm sizes, `100,500`),
//! `AUTHTOOL_BENCH_OUT` (the markdown file), `AUTHTOOL_BENCH_BIN` (the
//! authtool binary to measure), `AUTHTOOL_BENCH_MAX_LOAD` (wait, at most
//! `AUTHTOOL_BENCH_WAIT_SECS`, until the 1-minute load average is below
//! this).

#[path = "../tests/it/support/mod.rs"]
mod support;

#[path = "perf_report.rs"]
mod report;

use report::{Burst, Report, Sample, Storm, utc_now, write_section};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::{FakeOAuth2, FakeServer, TestEnv, find_authtool_bin, transcript};

const PROFILE: &str = "bench";
/// The `dpop = true` profile, against a second fake server in DPoP mode.
const DPOP_PROFILE: &str = "bench-dpop";
/// The API request its proofs are made for.
const DPOP_URL: &str = "https://api.example.com/v1/items";
const CLIENT_ID: &str = "bench-client";
const CLIENT_SECRET: &str = "bench-secret";
const SECRET_VAR: &str = "BENCH_CLIENT_SECRET";
/// A token in the shape gh stores (`gho_` + 36 characters).
const GH_TOKEN: &str = "gho_0123456789abcdefghijABCDEFGHIJ012345";
/// The URL the `bench` profile serves to git and Docker.
const BENCH_URL: &str = "https://bench.example.com/";
/// How long the fake server takes to answer during the storms.
pub const STORM_DELAY: Duration = Duration::from_millis(300);
/// The config sizes measured (profiles in the file).
pub const CONFIG_SIZES: [usize; 4] = [1, 50, 200, 1000];

type Res<T> = std::result::Result<T, String>;

/// `header` of the DPoP profile for one API request.
const DPOP_ARGS: [&str; 7] = [
    "header",
    "-p",
    DPOP_PROFILE,
    "--method",
    "GET",
    "--url",
    DPOP_URL,
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") && std::env::var_os("AUTHTOOL_BENCH").is_none() {
        println!("perf: skipped (benches/run.sh runs the benchmark)");
        return ExitCode::SUCCESS;
    }
    let mode = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .map_or("all", String::as_str);
    let result = match mode {
        "all" => run_all(),
        "dpop" => run_dpop(),
        "profile" => profile(),
        "order" => order(),
        "serve" => serve(),
        other => Err(format!(
            "unknown mode `{other}` (all, dpop, profile, order or serve)"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("perf: error: {e}");
            ExitCode::from(1)
        }
    }
}

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The release directory this driver was built in (it runs from `deps/`).
fn release_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(|| repo_root().join("target/release"))
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fake server, the hermetic environment and the programs measured.
struct Bench {
    server: FakeServer<FakeOAuth2>,
    dpop_server: FakeServer<FakeOAuth2>,
    env: TestEnv,
    authtool: PathBuf,
    reference: PathBuf,
    /// The static C floor (benches/floor.c), when run.sh could build it.
    floor: Option<PathBuf>,
}

impl Bench {
    /// Starts the fake server, writes a realistic config (the example
    /// config's eight profiles plus `bench`), a gh config, and fills the
    /// token cache with one login.
    fn new() -> Res<Self> {
        let authtool = match std::env::var_os("AUTHTOOL_BENCH_BIN") {
            Some(p) => PathBuf::from(p),
            None => find_authtool_bin().ok_or("the authtool binary was not found")?,
        };
        let target_dir = authtool
            .parent()
            .ok_or("the authtool binary has no parent dir")?
            .to_path_buf();
        let reference = target_dir.join("examples").join("bench-reference");
        let reference = if reference.is_file() {
            reference
        } else {
            // A profiling build of authtool sits elsewhere; the reference is
            // always the release one.
            release_dir().join("examples/bench-reference")
        };
        for bin in [&authtool, &reference] {
            if !bin.is_file() {
                return Err(format!(
                    "{} is missing: run `cargo build --release --bin authtool --example bench-reference` (benches/run.sh does)",
                    bin.display()
                ));
            }
        }

        let server = FakeServer::start(FakeOAuth2::new(CLIENT_ID, CLIENT_SECRET));
        let dpop_server = FakeServer::start(FakeOAuth2::new(CLIENT_ID, CLIENT_SECRET).dpop(true));
        let mut env = TestEnv::new();
        // As a user runs it: the config at its default place (under
        // $XDG_CONFIG_HOME), found without $AUTHTOOL_CONFIG.
        env.remove_env("AUTHTOOL_CONFIG");
        env.set_env(SECRET_VAR, CLIENT_SECRET);
        // The refresh token goes to the secret store: the explicit file one.
        env.set_env("AUTHTOOL_SECRET_STORE", "file");
        env.set_env("GH_CONFIG_DIR", env.root().join("gh"));
        env.set_env("GH_NO_UPDATE_NOTIFIER", "1");
        env.set_env("GH_PROMPT_DISABLED", "1");
        let example = std::fs::read_to_string(repo_root().join("config.example.toml"))
            .map_err(|e| format!("config.example.toml: {e}"))?;
        let example = example.replace(
            "default_profile = \"org\"",
            &format!("default_profile = \"{PROFILE}\""),
        );
        let profile = format!(
            "[profiles.{PROFILE}]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret_env = \"{SECRET_VAR}\"\nurls = [\"{BENCH_URL}\"]\n",
            server.token_url()
        );
        let dpop_profile = format!(
            "[profiles.{DPOP_PROFILE}]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret_env = \"{SECRET_VAR}\"\ndpop = true\n",
            dpop_server.token_url()
        );
        // Configs of 1 to 1,000 profiles, `bench` in the middle: the same
        // profile, so the same cached token.
        for size in CONFIG_SIZES {
            let filler = |i: usize| {
                format!(
                    "\n# Team {i}'s API.\n[profiles.team-{i}]\nprovider = \"oauth2\"\ntoken_url = \"https://auth{i}.example.com/oauth2/token\"\nclient_id = \"team-{i}-client\"\nclient_secret_env = \"TEAM_{i}_SECRET\"\nscope = \"api.read api.write\"\ntimeout = \"20s\"\n"
                )
            };
            let mut text = String::from("[defaults]\ntimeout = \"30s\"\n");
            for i in 0..(size - 1) / 2 {
                text.push_str(&filler(i));
            }
            text.push('\n');
            text.push_str(&profile);
            for i in (size - 1) / 2..size - 1 {
                text.push_str(&filler(i));
            }
            env.write_file(format!("profiles-{size}.toml"), &text);
        }
        env.write_file(
            "git-request.txt",
            "protocol=https\nhost=bench.example.com\n\n",
        );
        env.write_file("docker-request.txt", "https://bench.example.com\n");
        env.write_config(&format!(
            "{example}\n# The profiles the benchmark uses: the loopback fake servers.\n{profile}\n{dpop_profile}"
        ));
        env.write_file("small.toml", &profile);
        env.write_file(
            "gh/hosts.yml",
            &format!(
                "github.com:\n    user: bench\n    oauth_token: {GH_TOKEN}\n    git_protocol: https\n"
            ),
        );
        let floor = Some(target_dir.join("bench-floor"))
            .filter(|p| p.is_file())
            .or_else(|| Some(release_dir().join("bench-floor")).filter(|p| p.is_file()));
        let bench = Bench {
            server,
            dpop_server,
            env,
            authtool,
            reference,
            floor,
        };
        // A large config is read through its index once the file is
        // settled (src/config/index.rs): wait for that, and the checks
        // below record it, as a user's first call would.
        std::thread::sleep(std::time::Duration::from_millis(2100));
        // Fill the cache; then every command must print the same token.
        let token = bench.run(&bench.authtool, &["token", "-p", PROFILE])?;
        let small = bench.small_config().display().to_string();
        for (program, args) in [
            (&bench.authtool, &["token", "-p", PROFILE][..]),
            (&bench.reference, &["token", "-p", PROFILE][..]),
            (
                &bench.authtool,
                &["token", "--config", &small, "-p", PROFILE][..],
            ),
            (
                &bench.reference,
                &["token", "--config", &small, "-p", PROFILE][..],
            ),
        ] {
            let again = bench.run(program, args)?;
            if again != token {
                return Err(format!(
                    "{} printed {again:?}, expected the cached token",
                    program.display()
                ));
            }
        }
        let mut same: Vec<(PathBuf, Vec<String>)> = CONFIG_SIZES
            .iter()
            .map(|n| {
                let config = bench.config_of(*n).display().to_string();
                let args = vec![
                    "token".into(),
                    "--config".into(),
                    config,
                    "-p".into(),
                    PROFILE.into(),
                ];
                (bench.authtool.clone(), args)
            })
            .collect();
        if let Some(floor) = &bench.floor {
            same.push((
                floor.clone(),
                vec!["token".into(), "-p".into(), PROFILE.into()],
            ));
        }
        for (program, args) in &same {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let again = bench.run(program, &args)?;
            if again != token {
                return Err(format!(
                    "{} {args:?} printed {again:?}, expected the cached token",
                    program.display()
                ));
            }
        }
        // git and Docker get the same token for the profile's URL.
        let helpers = bench.helper_commands();
        for (label, program, args, stdin) in &helpers[1..4] {
            let out = bench.run_with_stdin(program, args, stdin.as_deref())?;
            if !out.contains(token.trim_end()) {
                return Err(format!("{label} printed {out:?}, not the cached token"));
            }
        }
        if bench.server.counters().token_requests != 1 {
            return Err("the cached calls made requests".into());
        }
        // The DPoP profile: one login (its key goes to the secret store),
        // then proofs from the cache.
        bench.run(&bench.authtool, &["token", "-p", DPOP_PROFILE])?;
        let headers = bench.run(&bench.authtool, &DPOP_ARGS)?;
        if !headers.starts_with("Authorization: DPoP ") || !headers.contains("\nDPoP: ") {
            return Err(format!("the DPoP header call printed {headers:?}"));
        }
        if bench.dpop_server.counters().token_requests != 1 {
            return Err("the cached DPoP header call made requests".into());
        }
        let gh = bench.run(Path::new("gh"), &["auth", "token"])?;
        if gh.trim_end() != GH_TOKEN {
            return Err(format!("gh auth token printed {gh:?}"));
        }
        Ok(bench)
    }

    fn cmd(&self, program: &Path) -> Command {
        self.env.command_for(program)
    }

    /// Runs a program to completion; its stdout, or an error with a transcript.
    fn run(&self, program: &Path, args: &[&str]) -> Res<String> {
        let out = self
            .cmd(program)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        if !out.status.success() {
            return Err(format!(
                "{} {} failed\n{}",
                program.display(),
                args.join(" "),
                transcript(&out)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs a program with `stdin` (a file) to completion; its stdout.
    fn run_with_stdin(&self, program: &Path, args: &[String], stdin: Option<&Path>) -> Res<String> {
        let input = match stdin {
            Some(path) => Stdio::from(
                std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?,
            ),
            None => Stdio::null(),
        };
        let out = self
            .cmd(program)
            .args(args)
            .stdin(input)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        if !out.status.success() {
            return Err(format!(
                "{} {} failed\n{}",
                program.display(),
                args.join(" "),
                transcript(&out)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The config holding `n` profiles.
    fn config_of(&self, n: usize) -> PathBuf {
        self.env.root().join(format!("profiles-{n}.toml"))
    }

    /// The other hot paths, beside `token`: (label, program, args, stdin).
    fn helper_commands(&self) -> Vec<(String, PathBuf, Vec<String>, Option<PathBuf>)> {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let root = self.env.root();
        vec![
            (
                "authtool token".into(),
                self.authtool.clone(),
                s(&["token", "-p", PROFILE]),
                None,
            ),
            (
                "authtool git-credential -p bench get".into(),
                self.authtool.clone(),
                s(&["git-credential", "-p", PROFILE, "get"]),
                Some(root.join("git-request.txt")),
            ),
            (
                "authtool docker-credential get".into(),
                self.authtool.clone(),
                s(&["docker-credential", "get"]),
                Some(root.join("docker-request.txt")),
            ),
            (
                "authtool exec -p bench -- printenv AUTHTOOL_TOKEN".into(),
                self.authtool.clone(),
                s(&["exec", "-p", PROFILE, "--", "printenv", "AUTHTOOL_TOKEN"]),
                None,
            ),
            (
                "printenv HOME (exec's child alone)".into(),
                PathBuf::from("printenv"),
                s(&["HOME"]),
                None,
            ),
        ]
    }

    /// Measures `commands` interleaved run by run (A B C … A B C …), each
    /// timed from spawn to exit, with its stdin from a file; `warmup`
    /// rounds first.
    fn interleaved(
        &self,
        group: &str,
        commands: &[(String, PathBuf, Vec<String>, Option<PathBuf>)],
        runs: usize,
        warmup: usize,
    ) -> Res<Vec<Sample>> {
        let mut samples: Vec<Sample> = commands
            .iter()
            .map(|(label, program, args, stdin)| Sample {
                label: label.clone(),
                command: format!(
                    "{} {}{}",
                    program.display(),
                    args.join(" "),
                    stdin.as_ref().map_or(String::new(), |p| format!(
                        " < {}",
                        p.file_name().unwrap_or_default().to_string_lossy()
                    ))
                ),
                times: Vec::new(),
                user: Vec::new(),
                system: Vec::new(),
            })
            .collect();
        eprintln!("perf: {group}: {runs} interleaved runs");
        for round in 0..warmup + runs {
            for (i, (_, program, args, stdin)) in commands.iter().enumerate() {
                let input = match stdin {
                    Some(path) => {
                        Stdio::from(std::fs::File::open(path).map_err(|e| e.to_string())?)
                    }
                    None => Stdio::null(),
                };
                let mut cmd = self.cmd(program);
                cmd.args(args)
                    .stdin(input)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null());
                let t = Instant::now();
                let status = cmd
                    .status()
                    .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
                let took = t.elapsed().as_secs_f64();
                if !status.success() {
                    return Err(format!("{} failed in {group}", samples[i].command));
                }
                if round >= warmup {
                    samples[i].times.push(took);
                }
            }
        }
        Ok(samples)
    }

    /// Which trust-store files `authtool token --no-cache` opens or looks
    /// at (`strace`); `None` when strace is not installed.
    fn trust_store_files(&self) -> Option<usize> {
        let log = self.env.root().join("cold.strace");
        let status = self
            .cmd(Path::new("strace"))
            .args([
                "-f",
                "-qq",
                "-e",
                "trace=open,openat,stat,statx,newfstatat,lstat,access",
                "-o",
            ])
            .arg(&log)
            .arg(&self.authtool)
            .args(["token", "--no-cache", "-p", PROFILE])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        if !status.success() {
            return None;
        }
        let text = std::fs::read_to_string(&log).ok()?;
        Some(
            text.lines()
                .filter(|l| {
                    l.contains("/ssl/") || l.contains("ca-certificates") || l.contains("/pki/")
                })
                .count(),
        )
    }

    /// `n` processes on a valid token (the baseline) and on an expired one,
    /// three bursts each, the server taking [`STORM_DELAY`] to answer.
    fn storm(&self, n: usize) -> Res<Storm> {
        let args = ["token", "-p", PROFILE];
        self.server.set_delay(STORM_DELAY);
        let mut valid = Vec::new();
        let mut expired = Vec::new();
        let result = (|| -> Res<()> {
            for _ in 0..3 {
                eprintln!("perf: {n} processes on a valid token");
                let before = self.server.counters();
                let (times, printed, wall) = self.burst(n, &args)?;
                let after = self.server.counters();
                valid.push(Burst {
                    times,
                    wall,
                    requests: after.token_requests - before.token_requests,
                    refreshes: after.refreshes - before.refreshes,
                    distinct_tokens: printed
                        .iter()
                        .collect::<std::collections::BTreeSet<_>>()
                        .len(),
                });
            }
            for _ in 0..3 {
                eprintln!("perf: {n} processes on an expired token");
                self.expire_cached_token()?;
                let before = self.server.counters();
                let (times, printed, wall) = self.burst(n, &args)?;
                let after = self.server.counters();
                expired.push(Burst {
                    times,
                    wall,
                    requests: after.token_requests - before.token_requests,
                    refreshes: after.refreshes - before.refreshes,
                    distinct_tokens: printed
                        .iter()
                        .collect::<std::collections::BTreeSet<_>>()
                        .len(),
                });
            }
            Ok(())
        })();
        self.server.set_delay(Duration::ZERO);
        result?;
        Ok(Storm { n, valid, expired })
    }

    fn cache_file(&self) -> PathBuf {
        self.env
            .cache_dir()
            .join("tokens")
            .join(format!("{PROFILE}.json"))
    }

    /// Makes the cached token expired a minute ago (it keeps its refresh
    /// token, which is in the file secret store).
    fn expire_cached_token(&self) -> Res<()> {
        let path = self.cache_file();
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut entry: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let now = unix_now();
        let token = entry
            .get_mut("token")
            .and_then(|t| t.as_object_mut())
            .ok_or("the cache entry has no `token` object")?;
        token.insert("issued_at".into(), (now - 3660).into());
        token.insert("expires_at".into(), (now - 60).into());
        std::fs::write(&path, entry.to_string()).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// A config holding only the `bench` profile, without comments: the
    /// same profile, so the same cached token.
    fn small_config(&self) -> PathBuf {
        self.env.root().join("small.toml")
    }

    /// The DPoP group: a cached DPoP `header --method --url` vs a cached
    /// bearer `header`; an error if it made a token request.
    fn dpop(&self, rounds: usize, runs: usize) -> Res<Vec<Sample>> {
        let before = self.dpop_server.counters().token_requests;
        let samples = self.hyperfine(
            "dpop",
            &[
                (
                    "authtool header --method --url (DPoP, cached)",
                    format!("{} {}", self.authtool.display(), DPOP_ARGS.join(" ")),
                ),
                (
                    "authtool header (bearer, cached)",
                    format!("{} header -p {PROFILE}", self.authtool.display()),
                ),
            ],
            rounds,
            runs,
            20,
        )?;
        if self.dpop_server.counters().token_requests != before {
            return Err("the cached DPoP measurements made token requests".into());
        }
        Ok(samples)
    }

    /// The command line of authtool's cached call, for hyperfine.
    fn authtool_line(&self, extra: &str) -> String {
        format!("{} token {extra}-p {PROFILE}", self.authtool.display())
    }

    fn reference_line(&self, extra: &str) -> String {
        format!("{} token {extra}-p {PROFILE}", self.reference.display())
    }

    fn curl_line(&self) -> String {
        format!(
            "curl -q -sS --noproxy * -u {CLIENT_ID}:{CLIENT_SECRET} -d grant_type=client_credentials {}",
            self.server.token_url()
        )
    }

    /// Measures `commands` interleaved: `rounds` hyperfine runs, each
    /// running every command `runs` times (after `warmup`), the order
    /// reversed every other round. Returns each command's times, pooled.
    fn hyperfine(
        &self,
        group: &str,
        commands: &[(&str, String)],
        rounds: usize,
        runs: usize,
        warmup: usize,
    ) -> Res<Vec<Sample>> {
        let mut samples: Vec<Sample> = commands
            .iter()
            .map(|(label, line)| Sample {
                label: label.to_string(),
                command: line.clone(),
                times: Vec::new(),
                user: Vec::new(),
                system: Vec::new(),
            })
            .collect();
        let json = self.env.root().join("hyperfine.json");
        for round in 0..rounds {
            let mut order: Vec<usize> = (0..commands.len()).collect();
            if round % 2 == 1 {
                order.reverse();
            }
            eprintln!("perf: {group}: round {}/{rounds}", round + 1);
            let mut cmd = self.cmd(Path::new("hyperfine"));
            cmd.args(["-N", "--style", "basic", "--warmup"])
                .arg(warmup.to_string())
                .arg("--runs")
                .arg(runs.to_string())
                .arg("--export-json")
                .arg(&json);
            for &i in &order {
                cmd.args(["--command-name", commands[i].0, &commands[i].1]);
            }
            let status = cmd
                .stdout(Stdio::null())
                .status()
                .map_err(|e| format!("cannot run hyperfine: {e}"))?;
            if !status.success() {
                return Err(format!("hyperfine failed ({status}) in {group}"));
            }
            let text =
                std::fs::read_to_string(&json).map_err(|e| format!("hyperfine json: {e}"))?;
            let value: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("hyperfine json: {e}"))?;
            let results = value["results"]
                .as_array()
                .ok_or("hyperfine json: no results")?;
            for (&i, result) in order.iter().zip(results) {
                let times = result["times"]
                    .as_array()
                    .ok_or("hyperfine json: no times (hyperfine too old?)")?;
                samples[i]
                    .times
                    .extend(times.iter().filter_map(serde_json::Value::as_f64));
                samples[i].user.push(result["user"].as_f64().unwrap_or(0.0));
                samples[i]
                    .system
                    .push(result["system"].as_f64().unwrap_or(0.0));
            }
        }
        Ok(samples)
    }

    /// `n` processes started at once (a barrier); the time of each from
    /// spawn to exit, and what each printed.
    fn burst(&self, n: usize, args: &[&str]) -> Res<(Vec<f64>, Vec<String>, f64)> {
        let barrier = Arc::new(Barrier::new(n + 1));
        let mut commands: Vec<Command> = (0..n)
            .map(|_| {
                let mut c = self.cmd(&self.authtool);
                c.args(args).stdin(Stdio::null());
                c
            })
            .collect();
        let started = Instant::now();
        let results: Vec<Res<(f64, Output)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = commands
                .drain(..)
                .map(|mut c| {
                    let barrier = Arc::clone(&barrier);
                    scope.spawn(move || {
                        barrier.wait();
                        let t = Instant::now();
                        let out = c
                            .output()
                            .map_err(|e| format!("cannot run authtool: {e}"))?;
                        Ok((t.elapsed().as_secs_f64(), out))
                    })
                })
                .collect();
            barrier.wait();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("a burst thread panicked".into()))
                })
                .collect()
        });
        let wall = started.elapsed().as_secs_f64();
        let mut times = Vec::with_capacity(n);
        let mut printed = Vec::with_capacity(n);
        for r in results {
            let (t, out) = r?;
            if !out.status.success() {
                return Err(format!("a concurrent call failed\n{}", transcript(&out)));
            }
            times.push(t);
            printed.push(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        Ok((times, printed, wall))
    }

    /// Peak RSS (KiB) of `runs` runs of `program args`, by `/usr/bin/time -v`.
    fn peak_rss(&self, program: &Path, args: &[&str], runs: usize) -> Res<Vec<u64>> {
        (0..runs)
            .map(|_| {
                let out = self
                    .cmd(Path::new("/usr/bin/time"))
                    .arg("-v")
                    .arg(program)
                    .args(args)
                    .stdin(Stdio::null())
                    .output()
                    .map_err(|e| format!("cannot run /usr/bin/time: {e}"))?;
                if !out.status.success() {
                    return Err(format!(
                        "/usr/bin/time -v {} failed\n{}",
                        program.display(),
                        transcript(&out)
                    ));
                }
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .find_map(|l| {
                        l.trim()
                            .strip_prefix("Maximum resident set size (kbytes): ")
                    })
                    .and_then(|v| v.trim().parse().ok())
                    .ok_or_else(|| "no `Maximum resident set size` from /usr/bin/time".into())
            })
            .collect()
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn load_1min() -> f64 {
    load_average()
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0)
}

/// Waits (bounded) for a quiet machine when `AUTHTOOL_BENCH_MAX_LOAD` is set.
fn wait_for_quiet() {
    let Some(max) = std::env::var("AUTHTOOL_BENCH_MAX_LOAD")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
    else {
        return;
    };
    let limit = Duration::from_secs(setting("AUTHTOOL_BENCH_WAIT_SECS", 600) as u64);
    let start = Instant::now();
    while load_1min() >= max && start.elapsed() < limit {
        eprintln!(
            "perf: load {} ≥ {max}; waiting for a quieter machine",
            load_average()
        );
        std::thread::sleep(Duration::from_secs(15));
    }
}

fn run_all() -> Res<()> {
    let rounds = setting("AUTHTOOL_BENCH_ROUNDS", 5).max(1);
    let runs = setting("AUTHTOOL_BENCH_RUNS", 100).max(2);
    let storm_sizes: Vec<usize> = std::env::var("AUTHTOOL_BENCH_STORMS")
        .unwrap_or_else(|_| "100,500".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .filter(|n| *n >= 2)
        .collect();
    wait_for_quiet();
    let load_before = load_average();
    let started = utc_now();
    let bench = Bench::new()?;

    // 1. The cached path against its floors and against gh.
    let cache_file = bench.cache_file().display().to_string();
    let mut group = vec![
        ("authtool token (cached)", bench.authtool_line("")),
        ("cat of its cache file", format!("cat {cache_file}")),
    ];
    if let Some(floor) = &bench.floor {
        group.push((
            "static C floor (benches/floor.c)",
            format!("{} token -p {PROFILE}", floor.display()),
        ));
    }
    group.push(("reference (benches/reference.rs)", bench.reference_line("")));
    group.push(("gh auth token", "gh auth token".to_string()));
    let cached = bench.hyperfine("cached", &group, rounds, runs, 20)?;

    // 2. Config size.
    let sizes: Vec<(String, String)> = CONFIG_SIZES
        .iter()
        .map(|n| {
            (
                format!(
                    "authtool token, {n} profile{}",
                    if *n == 1 { "" } else { "s" }
                ),
                bench.authtool_line(&format!("--config {} ", bench.config_of(*n).display())),
            )
        })
        .collect();
    let sizes: Vec<(&str, String)> = sizes.iter().map(|(l, c)| (l.as_str(), c.clone())).collect();
    let config_sizes = bench.hyperfine("config size", &sizes, rounds, runs, 20)?;

    // 3. The other hot paths.
    let helpers = bench.interleaved("hot paths", &bench.helper_commands(), rounds * runs, 10)?;
    if bench.server.counters().token_requests != 1 {
        return Err("the cached measurements made token requests".into());
    }

    // 4. The cold path against curl making the same request.
    let before = bench.server.counters().token_requests;
    let cold = bench.hyperfine(
        "cold",
        &[
            (
                "authtool token --no-cache",
                bench.authtool_line("--no-cache "),
            ),
            ("curl (same token request)", bench.curl_line()),
        ],
        rounds,
        runs,
        10,
    )?;
    let cold_requests = bench.server.counters().token_requests - before;
    let trust_files = bench.trust_store_files();

    // 5. DPoP: a cached header with a proof vs a cached bearer header.
    let dpop = bench.dpop(rounds, runs)?;

    // 6. Renewal storms.
    let storms = storm_sizes
        .iter()
        .map(|n| bench.storm(*n))
        .collect::<Res<Vec<_>>>()?;

    // 7. Memory and size.
    let args = ["token", "-p", PROFILE];
    let rss = bench.peak_rss(&bench.authtool, &args, 20)?;
    let big = bench.config_of(1000).display().to_string();
    let rss_big = bench.peak_rss(
        &bench.authtool,
        &["token", "--config", &big, "-p", PROFILE],
        20,
    )?;
    let rss_ref = bench.peak_rss(&bench.reference, &args, 20)?;
    let rss_gh = bench.peak_rss(Path::new("gh"), &["auth", "token"], 5)?;
    let size = std::fs::metadata(&bench.authtool)
        .map_err(|e| e.to_string())?
        .len();
    let load_after = load_average();

    let report = Report {
        rounds,
        runs,
        started,
        load_before,
        load_after,
        cached,
        config_sizes,
        helpers,
        cold,
        cold_requests,
        trust_files,
        dpop,
        storms,
        rss,
        rss_big,
        rss_ref,
        rss_gh,
        size,
        authtool: bench.authtool.clone(),
    };
    let markdown = report.markdown();
    println!("{markdown}");
    let out = std::env::var_os("AUTHTOOL_BENCH_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("docs/performance.md"));
    write_section(&out, &markdown)?;
    eprintln!("perf: wrote {}", out.display());
    eprint!("perf: goals\n{}", report.summary());
    Ok(())
}

/// Only the DPoP group (`perf dpop --bench`): its goal on the terminal;
/// docs/performance.md is not touched.
fn run_dpop() -> Res<()> {
    let rounds = setting("AUTHTOOL_BENCH_ROUNDS", 5).max(1);
    let runs = setting("AUTHTOOL_BENCH_RUNS", 100).max(2);
    wait_for_quiet();
    let load = load_average();
    let bench = Bench::new()?;
    let dpop = bench.dpop(rounds, runs)?;
    let (goal, measured, ok) = report::dpop_goal(&dpop);
    eprintln!(
        "perf: load average {load} before, {} after; {rounds} rounds × {runs} runs",
        load_average()
    );
    eprintln!(
        "{} {goal}: {measured}",
        if ok { "met    " } else { "NOT MET" }
    );
    Ok(())
}

/// `strace -c`, a full `strace`, `callgrind` and `perf stat` of one cached
/// call, into `target/bench-profile/`. For readable callgrind output, point
/// `AUTHTOOL_BENCH_BIN` at a binary with symbols (benches/run.sh profile
/// builds one).
fn profile() -> Res<()> {
    let bench = Bench::new()?;
    let dir = repo_root().join("target/bench-profile");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let args = ["token", "-p", PROFILE];
    let save = |name: &str, out: &Output| -> Res<()> {
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        std::fs::write(dir.join(name), text).map_err(|e| e.to_string())
    };
    let run = |program: &str, pre: &[&str]| -> Res<Output> {
        let out = bench
            .cmd(Path::new(program))
            .args(pre)
            .arg(&bench.authtool)
            .args(args)
            .stdin(Stdio::null())
            // The token is not what a profile is about.
            .stdout(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {program}: {e}"))?;
        Ok(out)
    };

    let strace_c = dir.join("strace-c.txt");
    run(
        "strace",
        &["-f", "-c", "-o", &strace_c.display().to_string()],
    )?;
    let strace = dir.join("strace.txt");
    run(
        "strace",
        &["-f", "-tt", "-o", &strace.display().to_string()],
    )?;
    let strace_ref = dir.join("strace-reference.txt");
    bench
        .cmd(Path::new("strace"))
        .args(["-f", "-o", &strace_ref.display().to_string()])
        .arg(&bench.reference)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run strace: {e}"))?;

    let callgrind = dir.join("callgrind.out");
    let out = run(
        "valgrind",
        &[
            "--tool=callgrind",
            &format!("--callgrind-out-file={}", callgrind.display()),
        ],
    )?;
    save("valgrind.txt", &out)?;
    let annotate = bench
        .cmd(Path::new("callgrind_annotate"))
        .args(["--inclusive=yes"])
        .arg(&callgrind)
        .output()
        .map_err(|e| format!("cannot run callgrind_annotate: {e}"))?;
    save("callgrind-inclusive.txt", &annotate)?;
    let annotate = bench
        .cmd(Path::new("callgrind_annotate"))
        .arg(&callgrind)
        .output()
        .map_err(|e| format!("cannot run callgrind_annotate: {e}"))?;
    save("callgrind-self.txt", &annotate)?;

    let out = run("perf", &["stat", "-r", "200"])?;
    save("perf-stat.txt", &out)?;
    let out = bench
        .cmd(Path::new("perf"))
        .args(["stat", "-r", "200"])
        .arg(&bench.reference)
        .args(args)
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run perf: {e}"))?;
    save("perf-stat-reference.txt", &out)?;

    eprintln!("perf: profile written to {}", dir.display());
    for name in ["strace-c.txt", "perf-stat.txt", "perf-stat-reference.txt"] {
        eprintln!("--- {name}");
        eprintln!(
            "{}",
            std::fs::read_to_string(dir.join(name)).unwrap_or_default()
        );
    }
    Ok(())
}

/// Sets everything up and waits until stdin closes, printing the
/// environment for profiling by hand: `eval "$(… serve)"` in another shell.
/// Writes `build/hot-symbols.txt` (see build.rs): every function the hot
/// paths run, in the order callgrind first meets them, as the symbols of
/// `AUTHTOOL_BENCH_BIN` (the release build, not stripped) name them.
fn order() -> Res<()> {
    let bench = Bench::new()?;
    let dir = repo_root().join("target/bench-profile");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    let mut commands: Vec<(Vec<String>, Option<PathBuf>)> = bench
        .helper_commands()
        .into_iter()
        .filter(|(_, program, _, _)| *program == bench.authtool)
        .map(|(_, _, args, stdin)| (args, stdin))
        .collect();
    let large = bench.config_of(1000).display().to_string();
    commands.push((s(&["token", "--config", &large, "-p", PROFILE]), None));
    commands.push((s(&["header", "-p", PROFILE]), None));
    commands.push((s(&DPOP_ARGS), None));
    let mut names: Vec<String> = Vec::new();
    for (i, (args, stdin)) in commands.iter().enumerate() {
        let out_file = dir.join(format!("order-{i}.callgrind"));
        let stdin = match stdin {
            Some(path) => Stdio::from(std::fs::File::open(path).map_err(|e| e.to_string())?),
            None => Stdio::null(),
        };
        let status = bench
            .cmd(Path::new("valgrind"))
            .args(["--tool=callgrind", "--demangle=no"])
            .arg(format!("--callgrind-out-file={}", out_file.display()))
            .arg(&bench.authtool)
            .args(args)
            .stdin(stdin)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| format!("cannot run valgrind: {e}"))?;
        if !status.success() {
            return Err(format!("valgrind authtool {args:?} failed"));
        }
        let text = std::fs::read_to_string(&out_file).map_err(|e| e.to_string())?;
        for line in text.lines() {
            let Some(rest) = line
                .strip_prefix("fn=")
                .or_else(|| line.strip_prefix("cfn="))
            else {
                continue;
            };
            // `(id) name` the first time, `(id)` after; `'2` marks recursion.
            let Some((_, name)) = rest.split_once(") ") else {
                continue;
            };
            let name = name.split('\'').next().unwrap_or(name);
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
    let nm = bench
        .cmd(Path::new("nm"))
        .arg(&bench.authtool)
        .output()
        .map_err(|e| format!("cannot run nm: {e}"))?;
    let symbols: std::collections::HashSet<String> = String::from_utf8_lossy(&nm.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2).map(str::to_string))
        .collect();
    if symbols.is_empty() {
        return Err(format!(
            "{} has no symbols: build it with `-C strip=none`",
            bench.authtool.display()
        ));
    }
    let mut kept = hot_order(&names, &symbols);
    for name in touched_data(&bench, &dir)? {
        if !kept.contains(&name) {
            kept.push(name);
        }
    }
    let mut text = String::new();
    for name in &kept {
        text.push_str(name);
        text.push('\n');
    }
    let path = repo_root().join("build/hot-symbols.txt");
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!(
        "perf: wrote {} ({} functions of {} run)",
        path.display(),
        kept.len(),
        names.len()
    );
    Ok(())
}

/// The writable data (`.data`, `.bss`, `.data.rel.ro`, TLS) a cached
/// `token` touches, by symbol, in the order it first does (valgrind's
/// lackey traces every load and store): listed in the order file, it
/// shares pages instead of spreading over them, and every page of it
/// touched costs a page fault. (glibc's objects have one `.data` and one
/// `.bss` each: naming one symbol moves all of its object's.)
fn touched_data(bench: &Bench, dir: &Path) -> Res<Vec<String>> {
    let trace = dir.join("order-data.lackey");
    let status = bench
        .cmd(Path::new("valgrind"))
        .args(["--tool=lackey", "--trace-mem=yes"])
        .arg(format!("--log-file={}", trace.display()))
        .arg(&bench.authtool)
        .args(["token", "-p", PROFILE])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run valgrind: {e}"))?;
    if !status.success() {
        return Err("valgrind --tool=lackey authtool token failed".into());
    }
    // The writable segments, from the program headers.
    let headers = bench
        .cmd(Path::new("readelf"))
        .args(["-lW"])
        .arg(&bench.authtool)
        .output()
        .map_err(|e| format!("cannot run readelf: {e}"))?;
    let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok();
    let writable: Vec<(u64, u64)> = String::from_utf8_lossy(&headers.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.first() == Some(&"LOAD") && f.get(6) == Some(&"RW"))
                .then(|| Some((hex(f[2])?, hex(f[2])? + hex(f[5])?)))?
        })
        .collect();
    // Data symbols with their sizes, by address.
    let nm = bench
        .cmd(Path::new("nm"))
        .args(["-n", "-S"])
        .arg(&bench.authtool)
        .output()
        .map_err(|e| format!("cannot run nm: {e}"))?;
    let mut symbols: Vec<(u64, u64, String)> = String::from_utf8_lossy(&nm.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let [addr, size, kind, name] = f[..] else {
                return None;
            };
            let data = matches!(kind, "d" | "D" | "b" | "B" | "V");
            data.then(|| Some((hex(addr)?, hex(size)?.max(1), name.to_string())))?
        })
        .filter(|(a, _, _)| writable.iter().any(|(lo, hi)| (lo..hi).contains(&a)))
        .collect();
    symbols.sort();
    let text = std::fs::read_to_string(&trace).map_err(|e| e.to_string())?;
    let mut touched: Vec<String> = Vec::new();
    for line in text.lines() {
        // ` L 0000000000948e80,8` (load), ` S …` (store), ` M …` (modify).
        let mut f = line.split_whitespace();
        let (Some("L" | "S" | "M"), Some(at)) = (f.next(), f.next()) else {
            continue;
        };
        let Some(addr) = at.split(',').next().and_then(hex) else {
            continue;
        };
        let i = symbols.partition_point(|(a, _, _)| *a <= addr);
        if let Some((start, size, name)) = i.checked_sub(1).map(|i| &symbols[i])
            && addr < start + size
            && !touched.contains(name)
        {
            touched.push(name.clone());
        }
    }
    Ok(touched)
}

/// Start-up code a real machine runs and valgrind does not show: the C
/// runtime's entry and frame registration (crtbegin's functions have no
/// symbols valgrind reads), and the set-up of the vDSO (valgrind gives the
/// program none), which looks up its symbols with `strcmp`.
const START_UP: &[&str] = &[
    "_start",
    "frame_dummy",
    "_dl_new_object",
    "_dl_setup_hash",
    "_dl_lookup_symbol_x",
    "_dl_add_to_namespace_list",
];

/// glibc's string functions whose variant is chosen by the CPU at start-up
/// (IFUNC) and that the hot paths call; `strcmp` for the vDSO set-up.
const STRING_FUNCTIONS: &[&str] = &["strcmp"];

/// The order of the hot functions in the binary: start-up code first, then
/// every variant of each glibc string function the hot paths call
/// (valgrind's virtual CPU picks one variant, the machine running authtool
/// perhaps another), then the functions in the order the commands first ran
/// them: the cached `token` first, so that its code is the most compact.
/// Only names the binary has.
fn hot_order(run: &[String], symbols: &std::collections::HashSet<String>) -> Vec<String> {
    // `__memmove_avx_unaligned_erms` → `memmove`; memcpy and mempcpy are
    // memmove's aliases, wmemset lives with memset.
    let family = |base: &str| -> &'static [&'static str] {
        match base {
            "memcpy" | "memmove" | "mempcpy" => &["memcpy", "memmove", "mempcpy"],
            "memset" | "wmemset" => &["memset", "wmemset"],
            _ => &[],
        }
    };
    let variant_base = |name: &str| -> Option<String> {
        let rest = name.strip_prefix("__")?;
        let (base, variant) = rest.split_once('_')?;
        let cpu = [
            "sse2", "ssse3", "sse4", "sse42", "avx", "avx2", "avx512", "evex", "erms",
        ];
        cpu.iter()
            .any(|c| variant.split('_').next() == Some(*c))
            .then(|| base.to_string())
    };
    let mut bases: Vec<String> = STRING_FUNCTIONS.iter().map(|b| b.to_string()).collect();
    for base in run.iter().filter_map(|n| variant_base(n)) {
        let family = family(&base);
        let all = if family.is_empty() {
            vec![base.as_str()]
        } else {
            family.to_vec()
        };
        for b in all {
            if !bases.iter().any(|x| x == b) {
                bases.push(b.to_string());
            }
        }
    }
    let mut variants: Vec<&String> = symbols
        .iter()
        .filter(|s| variant_base(s).is_some_and(|b| bases.contains(&b)))
        .collect();
    variants.sort();
    let mut order: Vec<String> = Vec::new();
    let names = START_UP
        .iter()
        .map(|s| s.to_string())
        .chain(variants.into_iter().cloned())
        .chain(run.iter().cloned());
    for name in names {
        if symbols.contains(&name) && !order.contains(&name) {
            order.push(name);
        }
    }
    order
}

fn serve() -> Res<()> {
    let bench = Bench::new()?;
    for (name, value) in bench.env.env_vars() {
        println!(
            "export {}='{}'",
            name.to_string_lossy(),
            value.to_string_lossy()
        );
    }
    println!("# token URL: {}", bench.server.token_url());
    println!("# authtool: {}", bench.authtool.display());
    println!("# reference: {}", bench.reference.display());
    println!("# waiting until stdin closes");
    let mut sink = String::new();
    while std::io::stdin().read_line(&mut sink).is_ok_and(|n| n > 0) {
        sink.clear();
    }
    Ok(())
}
