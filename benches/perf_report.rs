//! The benchmark's results: statistics, the targets of issue 7, and the
//! markdown section of `docs/performance.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Res, repo_root};

pub const BEGIN: &str = "<!-- bench:begin (written by benches/run.sh; edits here are replaced) -->";
pub const END: &str = "<!-- bench:end -->";

/// The targets of issue 7.
pub const CACHED_VS_REFERENCE_MAX: f64 = 1.5;
/// A cached DPoP `header --method --url` (a store read and a signature
/// more) against a cached bearer `header` (issue 13).
pub const DPOP_VS_BEARER_MAX: f64 = 1.25;
pub const GH_OVER_CACHED_MIN: f64 = 20.0;
pub const COLD_VS_CURL_MAX: f64 = 1.3;
pub const MIB: u64 = 1024 * 1024;
pub const RSS_MAX: u64 = 8 * MIB;
pub const BINARY_MAX: u64 = 8 * MIB;

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

pub struct Report {
    pub rounds: usize,
    pub runs: usize,
    pub n: usize,
    pub started: String,
    pub load_before: String,
    pub load_after: String,
    pub cached: Vec<Sample>,
    pub cold: Vec<Sample>,
    pub cold_requests: u64,
    /// Cached `header`: the DPoP profile's (with a proof), then the bearer one's.
    pub dpop: Vec<Sample>,
    pub base_times: Vec<f64>,
    pub base_wall: f64,
    pub bursts: Vec<Burst>,
    pub rss: Vec<u64>,
    pub rss_ref: Vec<u64>,
    pub rss_gh: Vec<u64>,
    pub size: u64,
    pub authtool: PathBuf,
}

impl Report {
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let (at, reference, gh) = (&self.cached[0], &self.cached[1], &self.cached[2]);
        let (cold, curl) = (&self.cold[0], &self.cold[1]);
        let vs_ref = at.median() / reference.median();
        let gh_over = gh.median() / at.median();
        let vs_curl = cold.median() / curl.median();
        let (dpop, bearer) = (&self.dpop[0], &self.dpop[1]);
        let dpop_over = dpop.median() / bearer.median();
        let rss_max = self.rss.iter().copied().max().unwrap_or(0) * 1024;
        let burst_ok = self
            .bursts
            .iter()
            .all(|b| b.requests == 1 && b.refreshes == 1 && b.distinct_tokens == 1);
        let all_times: Vec<f64> = self.bursts.iter().flat_map(|b| b.times.clone()).collect();

        let _ = writeln!(s, "## Results\n");
        let _ = writeln!(
            s,
            "Measured {} on {} ({} CPUs), load average {} before and {} after \
             (other engineers building on the same machine), at niceness {}; \
             {}, {}, {}. Each group is {} interleaved hyperfine rounds × {} runs per command \
             (`-N`, no shell), the order reversed every other round; medians pool all rounds.\n",
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
        );

        let targets = [
            (
                format!("cached `authtool token` ≤ {CACHED_VS_REFERENCE_MAX}× the reference"),
                format!(
                    "{vs_ref:.2}× ({} vs {})",
                    ms(at.median()),
                    ms(reference.median())
                ),
                vs_ref <= CACHED_VS_REFERENCE_MAX,
            ),
            (
                format!(
                    "cached `authtool token` ≥ {GH_OVER_CACHED_MIN}× faster than `gh auth token`"
                ),
                format!("{gh_over:.1}× ({} vs {})", ms(at.median()), ms(gh.median())),
                gh_over >= GH_OVER_CACHED_MIN,
            ),
            (
                format!("cold `authtool token --no-cache` ≤ {COLD_VS_CURL_MAX}× `curl`"),
                format!(
                    "{vs_curl:.2}× ({} vs {})",
                    ms(cold.median()),
                    ms(curl.median())
                ),
                vs_curl <= COLD_VS_CURL_MAX,
            ),
            (
                format!(
                    "cached DPoP `header --method --url` ≤ {DPOP_VS_BEARER_MAX}× a cached bearer `header`"
                ),
                format!(
                    "{dpop_over:.2}× ({} vs {})",
                    ms(dpop.median()),
                    ms(bearer.median())
                ),
                dpop_over <= DPOP_VS_BEARER_MAX,
            ),
            (
                format!(
                    "{} concurrent calls on an expired token: one renewal request",
                    self.n
                ),
                self.bursts
                    .iter()
                    .map(|b| {
                        format!(
                            "{} request(s), {} token(s) printed",
                            b.requests, b.distinct_tokens
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                burst_ok,
            ),
            (
                format!("peak RSS, cached path ≤ {}", mib(RSS_MAX)),
                format!("{} (max of {})", mib(rss_max), self.rss.len()),
                rss_max <= RSS_MAX,
            ),
            (
                format!("release binary ≤ {}", mib(BINARY_MAX)),
                format!("{} ({} bytes)", mib(self.size), self.size),
                self.size <= BINARY_MAX,
            ),
        ];
        let _ = writeln!(s, "| target | measured | |\n|---|---|---|");
        for (target, measured, ok) in targets {
            let _ = writeln!(s, "| {target} | {measured} | {} |", verdict(ok));
        }
        s.push('\n');

        for (title, group, base) in [
            ("Cached path", &self.cached, 1usize),
            (
                "Cold path (loopback fake OAuth2 server)",
                &self.cold,
                1usize,
            ),
            (
                "Cached DPoP header (a proof per call) vs bearer header",
                &self.dpop,
                1usize,
            ),
        ] {
            let _ = writeln!(s, "### {title}\n");
            let _ = writeln!(
                s,
                "| command | median | p10 | p90 | mean user | mean sys | ratio |\n|---|---|---|---|---|---|---|"
            );
            let first = group[0].median();
            for (i, sample) in group.iter().enumerate() {
                let ratio = if i == 0 {
                    format!("{:.2}× {}", first / group[base].median(), group[base].label)
                } else {
                    format!("{:.2}× authtool", sample.median() / first)
                };
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    sample.label,
                    ms(sample.median()),
                    ms(quantile(&sample.times, 0.1)),
                    ms(quantile(&sample.times, 0.9)),
                    ms(mean(&sample.user)),
                    ms(mean(&sample.system)),
                    ratio
                );
            }
            if let [at, reference, _, at_small, ref_small] = &group[..] {
                let _ = writeln!(
                    s,
                    "\nThe first two rows read the example config (`config.example.toml`: eight profiles, \
                     half comments, plus `bench`); the last two a config holding only `bench`. \
                     authtool/reference: {:.2}× with the example config, {:.2}× with the one-profile config.",
                    at.median() / reference.median(),
                    at_small.median() / ref_small.median()
                );
            }
            let _ = writeln!(s, "\n<details><summary>command lines</summary>\n");
            for sample in group.iter() {
                let _ = writeln!(s, "- {}: `{}`", sample.label, shorten(&sample.command));
            }
            let _ = writeln!(s, "\n</details>\n");
        }
        let _ = writeln!(
            s,
            "The cold group made {} token requests ({} rounds × ({} warm-up + {} runs) × 2 commands).\n",
            self.cold_requests, self.rounds, 10, self.runs
        );

        let _ = writeln!(s, "### {} concurrent calls\n", self.n);
        let _ = writeln!(
            s,
            "All {} processes are started at once (a barrier); each call is timed from spawn to exit. \
             On this machine they share {} CPUs, so the tail is mostly queueing for a CPU.\n",
            self.n,
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        let _ = writeln!(
            s,
            "| token | p50 per call | p99 per call | max | wall (all {}) | token requests |\n|---|---|---|---|---|---|",
            self.n
        );
        let _ = writeln!(
            s,
            "| valid, cached (baseline) | {} | {} | {} | {} | 0 |",
            ms(quantile(&self.base_times, 0.5)),
            ms(quantile(&self.base_times, 0.99)),
            ms(quantile(&self.base_times, 1.0)),
            ms(self.base_wall)
        );
        for (i, b) in self.bursts.iter().enumerate() {
            let _ = writeln!(
                s,
                "| expired (burst {}) | {} | {} | {} | {} | {} ({} refresh) |",
                i + 1,
                ms(quantile(&b.times, 0.5)),
                ms(quantile(&b.times, 0.99)),
                ms(quantile(&b.times, 1.0)),
                ms(b.wall),
                b.requests,
                b.refreshes
            );
        }
        let _ = writeln!(
            s,
            "| expired (all {} calls) | {} | {} | {} | | |\n",
            all_times.len(),
            ms(quantile(&all_times, 0.5)),
            ms(quantile(&all_times, 0.99)),
            ms(quantile(&all_times, 1.0)),
        );

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
        let _ = writeln!(s, "| authtool token (cached) | {} |", kib(&self.rss));
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
