//! The floor for a cached `authtool token`: the least any credential helper
//! must do on a cache hit. It finds (`--config`, `$AUTHTOOL_CONFIG`, the XDG
//! default) and reads the same config file, reads
//! the same cache file (`<cache>/authtool/tokens/<profile>.json`) and prints
//! the access token and a newline — no config parsing, no JSON parsing, no
//! expiry or fingerprint check, no argument parser. `benches/run.sh` builds
//! it (`cargo build --release --example bench-reference`) and measures
//! `authtool token -p NAME` against `bench-reference token -p NAME`.
//!
//! std only, so its cost is process start-up plus the two reads and a write.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-reference: {e}");
            ExitCode::from(1)
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<OsString> = std::env::args_os().collect();
    let profile = args
        .iter()
        .position(|a| a == "-p")
        .and_then(|i| args.get(i + 1))
        .ok_or("usage: bench-reference token [--config PATH] -p PROFILE")?;
    let profile = profile.to_str().ok_or("the profile is not UTF-8")?;

    let flag = args
        .iter()
        .position(|a| a == "--config")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let config = flag
        .or_else(|| env_path("AUTHTOOL_CONFIG"))
        .or_else(|| xdg("XDG_CONFIG_HOME", ".config").map(|d| d.join("authtool/config.toml")))
        .ok_or("no config path")?;
    let config = std::fs::read(&config).map_err(|e| format!("{}: {e}", config.display()))?;
    if config.is_empty() {
        return Err("the config file is empty".into());
    }

    let cache = xdg("XDG_CACHE_HOME", ".cache")
        .ok_or("no cache dir")?
        .join("authtool/tokens")
        .join(format!("{profile}.json"));
    let cache = std::fs::read(&cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    let token = access_token(&cache).ok_or("no access_token in the cache file")?;

    let mut line = Vec::with_capacity(token.len() + 1);
    line.extend_from_slice(token);
    line.push(b'\n');
    std::io::stdout()
        .lock()
        .write_all(&line)
        .map_err(|e| e.to_string())
}

/// The value of the first `"access_token":"…"` (no escapes in tokens).
fn access_token(json: &[u8]) -> Option<&[u8]> {
    const KEY: &[u8] = b"\"access_token\":\"";
    let start = json.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let len = json[start..].iter().position(|&b| b == b'"')?;
    Some(&json[start..start + len])
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `$XDG_…_HOME`, else `$HOME/<fallback>`.
fn xdg(name: &str, fallback: &str) -> Option<PathBuf> {
    env_path(name).or_else(|| env_path("HOME").map(|h| h.join(fallback)))
}
