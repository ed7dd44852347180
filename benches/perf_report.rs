//! The benchmark's results: statistics, the targets of issues 7, 13 and 16,
//! and the markdown section of `docs/performance.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Res, STORM_DELAY, repo_root};

pub const BEGIN: &str = "<!-- bench:begin (written by benches/run.sh; edits here are replaced) -->";
pub const END: &str = "<!-- bench:end -->";

/// The targets of issue 7.
pub const CACHED_VS_REFERENCE_MAX: f64 = 1.5;
pub const GH_OVER_CACHED_MIN: f64 = 20.0;
pub const MIB: u64 = 1024 * 1024;
pub const RSS_MAX: u64 = 8 * MIB;
pub const BINARY_MAX: u64 = 8 * MIB;

/// Issue 13: a cached DPoP `header --method --url` (a secret-store read and
/// a signature more) against a cached bearer `header`.
pub const DPOP_VS_BEARER_MAX: f64 = 1.25;

/// The goals of issue 16.
pub const CACHED_VS_CAT_MAX: f64 = 1.0;
pub const CACHED_VS_FLOOR_MAX: f64 = 1.3;
pub const BIG_CONFIG_MAX: f64 = 1.1;
pub const BIG_CONFIG_RSS_MAX: u64 = 5 * MIB;
pub const HOT_PATHS_MAX: f64 = 1.1;
pub const COLD_VS_CURL_MAX: f64 = 0.85;
/// Storm wall time over the valid-token wall time, the server's own time
/// taken off: for 100 processes, then for 500 (and more).
pub const STORM_100_MAX: f64 = 1.5;
pub const STORM_500_MAX: f64 = 1.3;

/// One command's pooled measurements (seconds).
pub struct Sample {
    pub label: String,
    pub command: String,
    pub times: Vec<f64>,
    pub user: Vec<f64>,
    pub system: Vec<f64>,
}

impl Sample {
    pub fn median(&self) -> f64 {
        quantile(&self.times, 0.5)
    }
}

pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    // Nearest rank.
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

pub fn ms(secs: f64) -> String {
    format!("{:.2} ms", secs * 1e3)
}

pub fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / MIB as f64)
}

pub fn tool_version(program: &str, arg: &str) -> String {
    Command::new(program)
        .arg(arg)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| "?".into())
}

pub fn utc_now() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "?".into(), |s| s.trim().to_string())
}

/// This process's niceness (inherited by everything it runs).
pub fn niceness() -> i32 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after_name = s.rsplit_once(')')?.1.to_string();
            // Field 19 of the file; the first one after the name is field 3.
            after_name.split_whitespace().nth(16)?.parse().ok()
        })
        .unwrap_or(0)
}

pub fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "**not met**" }
}

pub struct Burst {
    pub times: Vec<f64>,
    pub wall: f64,
    pub requests: u64,
    pub refreshes: u64,
    pub distinct_tokens: usize,
}

/// `n` processes at once: bursts on a valid token, then on expired ones.
pub struct Storm {
    pub n: usize,
    pub valid: Vec<Burst>,
    pub expired: Vec<Burst>,
}

impl Storm {
    pub fn valid_wall(&self) -> f64 {
        quantile(&self.valid.iter().map(|b| b.wall).collect::<Vec<_>>(), 0.5)
    }
    pub fn expired_wall(&self) -> f64 {
        quantile(
            &self.expired.iter().map(|b| b.wall).collect::<Vec<_>>(),
            0.5,
        )
    }
    /// The expired bursts' median wall, the server's answer time taken
    /// off, over the valid ones'.
    pub fn ratio(&self) -> f64 {
        (self.expired_wall() - STORM_DELAY.as_secs_f64()) / self.valid_wall()
    }
    pub fn max_ratio(&self) -> f64 {
        if self.n <= 100 {
            STORM_100_MAX
        } else {
            STORM_500_MAX
        }
    }
    /// One token request and one token printed per expired burst, none
    /// for the valid ones.
    pub fn single_flight(&self) -> bool {
        self.expired
            .iter()
            .all(|b| b.requests == 1 && b.distinct_tokens == 1)
            && self
                .valid
                .iter()
                .all(|b| b.requests == 0 && b.distinct_tokens == 1)
    }
}

pub struct Report {
    pub rounds: usize,
    pub runs: usize,
    pub started: String,
    pub load_before: String,
    pub load_after: String,
    pub cached: Vec<Sample>,
    pub config_sizes: Vec<Sample>,
    pub helpers: Vec<Sample>,
    pub cold: Vec<Sample>,
    pub cold_requests: u64,
    pub trust_files: Option<usize>,
    /// Cached `header`: the DPoP profile's (with a proof), then the bearer one's.
    pub dpop: Vec<Sample>,
    pub storms: Vec<Storm>,
    pub rss: Vec<u64>,
    pub rss_big: Vec<u64>,
    pub rss_ref: Vec<u64>,
    pub rss_gh: Vec<u64>,
    pub size: u64,
    pub authtool: PathBuf,
}

fn find<'a>(group: &'a [Sample], prefix: &str) -> Option<&'a Sample> {
    group.iter().find(|s| s.label.starts_with(prefix))
}

fn med(group: &[Sample], prefix: &str) -> f64 {
    find(group, prefix).map_or(f64::NAN, Sample::median)
}

fn vs(a: f64, b: f64) -> String {
    format!("{:.2}× ({} vs {})", a / b, ms(a), ms(b))
}

/// The DPoP goal of issue 13: (goal, what was measured, met).
pub fn dpop_goal(group: &[Sample]) -> (String, String, bool) {
    let dpop = med(group, "authtool header --method");
    let bearer = med(group, "authtool header (bearer");
    (
        format!(
            "(issue 13) cached DPoP `header --method --url` ≤ {DPOP_VS_BEARER_MAX}× a cached bearer `header`"
        ),
        vs(dpop, bearer),
        dpop / bearer <= DPOP_VS_BEARER_MAX,
    )
}

impl Report {
    /// Every goal: (goal, what was measured, met).
    fn goals(&self) -> Vec<(String, String, bool)> {
        let mut goals = Vec::new();
        let at = med(&self.cached, "authtool token");
        let cat = med(&self.cached, "cat ");
        let reference = med(&self.cached, "reference");
        let gh = med(&self.cached, "gh ");
        goals.push((
            format!("1. cached `token` ≤ {CACHED_VS_CAT_MAX}× `cat` of its cache file"),
            vs(at, cat),
            at / cat <= CACHED_VS_CAT_MAX,
        ));
        match find(&self.cached, "static C floor") {
            Some(floor) => goals.push((
                format!("1. cached `token` ≤ {CACHED_VS_FLOOR_MAX}× a static C program reading the same files"),
                vs(at, floor.median()),
                at / floor.median() <= CACHED_VS_FLOOR_MAX,
            )),
            None => goals.push((
                format!("1. cached `token` ≤ {CACHED_VS_FLOOR_MAX}× a static C program reading the same files"),
                "not measured (no C compiler or static libc)".into(),
                false,
            )),
        }
        let one = med(&self.config_sizes, "authtool token, 1 profile");
        let big = med(&self.config_sizes, "authtool token, 1000 profiles");
        goals.push((
            format!("2. 1,000 profiles ≤ {BIG_CONFIG_MAX}× one profile"),
            vs(big, one),
            big / one <= BIG_CONFIG_MAX,
        ));
        let rss_big = self.rss_big.iter().copied().max().unwrap_or(0) * 1024;
        goals.push((
            format!(
                "2. peak RSS with 1,000 profiles ≤ {}",
                mib(BIG_CONFIG_RSS_MAX)
            ),
            format!("{} (max of {})", mib(rss_big), self.rss_big.len()),
            rss_big <= BIG_CONFIG_RSS_MAX,
        ));
        for storm in &self.storms {
            goals.push((
                format!(
                    "3. {} processes on an expired token ≤ {}× the valid-token wall + {} ms at the server; one request",
                    storm.n,
                    storm.max_ratio(),
                    STORM_DELAY.as_millis()
                ),
                format!(
                    "{:.2}× ({} − {} ms vs {}); {}",
                    storm.ratio(),
                    ms(storm.expired_wall()),
                    STORM_DELAY.as_millis(),
                    ms(storm.valid_wall()),
                    storm
                        .expired
                        .iter()
                        .map(|b| format!("{} request, {} token", b.requests, b.distinct_tokens))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                storm.ratio() <= storm.max_ratio() && storm.single_flight(),
            ));
        }
        let token = med(&self.helpers, "authtool token");
        for (prefix, name) in [
            ("authtool git-credential", "`git-credential -p bench get`"),
            ("authtool docker-credential", "`docker-credential get`"),
        ] {
            let t = med(&self.helpers, prefix);
            goals.push((
                format!("4. {name} ≤ {HOT_PATHS_MAX}× `token`"),
                vs(t, token),
                t / token <= HOT_PATHS_MAX,
            ));
        }
        let exec = med(&self.helpers, "authtool exec");
        let child = med(&self.helpers, "printenv");
        goals.push((
            format!("4. `exec`, its child's own time taken off, ≤ {HOT_PATHS_MAX}× `token`"),
            format!(
                "{:.2}× ({} − {} vs {})",
                (exec - child) / token,
                ms(exec),
                ms(child),
                ms(token)
            ),
            (exec - child) / token <= HOT_PATHS_MAX,
        ));
        let (cold, curl) = (self.cold[0].median(), self.cold[1].median());
        goals.push((
            format!("5. cold `token --no-cache` ≤ {COLD_VS_CURL_MAX}× `curl`"),
            vs(cold, curl),
            cold / curl <= COLD_VS_CURL_MAX,
        ));
        goals.push((
            "5. no trust store loaded for an `http://` loopback URL".into(),
            match self.trust_files {
                Some(n) => format!("{n} trust-store paths opened or looked at (strace)"),
                None => "not measured (no strace)".into(),
            },
            self.trust_files == Some(0),
        ));
        goals.push(dpop_goal(&self.dpop));
        goals.push((
            format!("(issue 7) cached `token` ≤ {CACHED_VS_REFERENCE_MAX}× the Rust reference"),
            vs(at, reference),
            at / reference <= CACHED_VS_REFERENCE_MAX,
        ));
        goals.push((
            format!("(issue 7) cached `token` ≥ {GH_OVER_CACHED_MIN}× faster than `gh auth token`"),
            format!("{:.1}× ({} vs {})", gh / at, ms(at), ms(gh)),
            gh / at >= GH_OVER_CACHED_MIN,
        ));
        let rss_max = self.rss.iter().copied().max().unwrap_or(0) * 1024;
        goals.push((
            format!("(issue 7) peak RSS, cached path ≤ {}", mib(RSS_MAX)),
            format!("{} (max of {})", mib(rss_max), self.rss.len()),
            rss_max <= RSS_MAX,
        ));
        goals.push((
            format!("release binary ≤ {}", mib(BINARY_MAX)),
            format!("{} ({} bytes)", mib(self.size), self.size),
            self.size <= BINARY_MAX,
        ));
        goals
    }

    /// One line per goal, for the terminal.
    pub fn summary(&self) -> String {
        self.goals()
            .iter()
            .map(|(goal, measured, ok)| {
                format!(
                    "{} {goal}: {measured}\n",
                    if *ok { "met    " } else { "NOT MET" }
                )
            })
            .collect()
    }

    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "## Results\n");
        let _ = writeln!(
            s,
            "Measured {} on {} ({} CPUs), load average {} before and {} after \
             (other engineers building on the same machine), at niceness {}; \
             {}, {}, {}. Each hyperfine group is {} interleaved rounds × {} runs per command \
             (`-N`, no shell), the order reversed every other round; medians pool all rounds. \
             The hot paths that read stdin are timed by the driver itself, one run of each \
             command in turn, {} runs each.\n",
            self.started,
            cpu_model(),
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            self.load_before,
            self.load_after,
            niceness(),
            tool_version("hyperfine", "--version"),
            tool_version("gh", "--version"),
            tool_version("curl", "--version")
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" "),
            self.rounds,
            self.runs,
            self.rounds * self.runs,
        );

        let _ = writeln!(s, "| goal | measured | |\n|---|---|---|");
        for (goal, measured, ok) in self.goals() {
            let _ = writeln!(s, "| {goal} | {measured} | {} |", verdict(ok));
        }
        s.push('\n');

        let groups: [(&str, &Vec<Sample>, &str); 5] = [
            (
                "Cached path",
                &self.cached,
                "The example config (`config.example.toml`: eight profiles, half comments) plus `bench`.",
            ),
            (
                "Config size",
                &self.config_sizes,
                "The same cached token, configs of 1 to 1,000 profiles (about 250 bytes each, `bench` in the middle), `--config`.",
            ),
            (
                "The other hot paths",
                &self.helpers,
                "A request on stdin (git: `protocol=https`, `host=bench.example.com`; Docker: the server URL). `exec` runs `printenv AUTHTOOL_TOKEN`; the last row times `printenv HOME`, the same child alone.",
            ),
            ("Cold path (loopback fake OAuth2 server)", &self.cold, ""),
            (
                "DPoP: a cached header with a proof vs a bearer one",
                &self.dpop,
                "`bench-dpop` (`dpop = true`, a second fake server in DPoP mode, its key in the `file` secret store) against `bench`; no token request was made.",
            ),
        ];
        for (title, group, note) in groups {
            let _ = writeln!(s, "### {title}\n");
            if !note.is_empty() {
                let _ = writeln!(s, "{note}\n");
            }
            let _ = writeln!(
                s,
                "| command | median | p10 | p90 | mean user | mean sys | ratio |\n|---|---|---|---|---|---|---|"
            );
            let first = group[0].median();
            for (i, sample) in group.iter().enumerate() {
                let ratio = if i == 0 {
                    "1.00×".to_string()
                } else {
                    format!("{:.2}× the first", sample.median() / first)
                };
                let cpu = |v: &[f64]| {
                    if v.is_empty() {
                        "—".to_string()
                    } else {
                        ms(mean(v))
                    }
                };
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    sample.label,
                    ms(sample.median()),
                    ms(quantile(&sample.times, 0.1)),
                    ms(quantile(&sample.times, 0.9)),
                    cpu(&sample.user),
                    cpu(&sample.system),
                    ratio
                );
            }
            let _ = writeln!(s, "\n<details><summary>command lines</summary>\n");
            for sample in group.iter() {
                let _ = writeln!(s, "- {}: `{}`", sample.label, shorten(&sample.command));
            }
            let _ = writeln!(s, "\n</details>\n");
            if std::ptr::eq(group, &self.cold) {
                let _ = writeln!(
                    s,
                    "The cold group made {} token requests ({} rounds × ({} warm-up + {} runs) × 2 commands).\n",
                    self.cold_requests, self.rounds, 10, self.runs
                );
            }
        }

        let _ = writeln!(s, "### Renewal storms\n");
        let _ = writeln!(
            s,
            "All processes are started at once (a barrier); each call is timed from spawn to exit; \
             the fake server takes {} ms to answer. On this machine they share {} CPUs, so the tail \
             is mostly queueing for a CPU. Three bursts on a valid token, then three on a token \
             expired just before each.\n",
            STORM_DELAY.as_millis(),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        let _ = writeln!(
            s,
            "| processes | token | p50 per call | p99 per call | max | wall | token requests | tokens printed |\n|---|---|---|---|---|---|---|---|"
        );
        for storm in &self.storms {
            for (kind, bursts) in [("valid", &storm.valid), ("expired", &storm.expired)] {
                for b in bursts.iter() {
                    let _ = writeln!(
                        s,
                        "| {} | {kind} | {} | {} | {} | {} | {} ({} refresh) | {} |",
                        storm.n,
                        ms(quantile(&b.times, 0.5)),
                        ms(quantile(&b.times, 0.99)),
                        ms(quantile(&b.times, 1.0)),
                        ms(b.wall),
                        b.requests,
                        b.refreshes,
                        b.distinct_tokens
                    );
                }
            }
        }
        s.push('\n');

        let kib = |v: &[u64]| -> String {
            let as_f: Vec<f64> = v.iter().map(|&k| k as f64).collect();
            format!(
                "{} median, {} max",
                mib(quantile(&as_f, 0.5) as u64 * 1024),
                mib(v.iter().copied().max().unwrap_or(0) * 1024)
            )
        };
        let _ = writeln!(s, "### Memory and size\n");
        let _ = writeln!(s, "| | peak RSS (`/usr/bin/time -v`) |\n|---|---|");
        let _ = writeln!(
            s,
            "| authtool token (cached, example config) | {} |",
            kib(&self.rss)
        );
        let _ = writeln!(
            s,
            "| authtool token (cached, 1,000 profiles) | {} |",
            kib(&self.rss_big)
        );
        let _ = writeln!(s, "| reference | {} |", kib(&self.rss_ref));
        let _ = writeln!(s, "| gh auth token | {} |\n", kib(&self.rss_gh));
        let _ = writeln!(
            s,
            "Release binary `{}`: {} ({} bytes; `lto`, `codegen-units = 1`, `strip`, `panic = \"abort\"`).",
            self.authtool
                .strip_prefix(repo_root())
                .unwrap_or(&self.authtool)
                .display(),
            mib(self.size),
            self.size
        );
        s
    }
}

/// A command line with the repo and temp paths shortened.
pub fn shorten(line: &str) -> String {
    let root = format!("{}/", repo_root().display());
    line.replace(&root, "")
}

/// Replaces the generated section of `path` (or creates the file).
pub fn write_section(path: &Path, markdown: &str) -> Res<()> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let section = format!("{BEGIN}\n\n{}\n{END}", markdown.trim_end());
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if e > b => {
            format!("{}{section}{}", &old[..b], &old[e + END.len()..])
        }
        _ if old.is_empty() => format!("# Performance\n\n{section}\n"),
        _ => format!("{}\n\n{section}\n", old.trim_end()),
    };
    std::fs::write(path, new).map_err(|e| format!("{}: {e}", path.display()))
}
