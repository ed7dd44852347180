//! `setup bazel`: one `common --credential_helper=<host>=<link>` line per
//! host of the profile's `urls`, in `~/.bazelrc` (or `--file`, e.g. the
//! workspace's `.bazelrc`), and the `authtool-bazel-credential` link the
//! lines name (Bazel runs a helper without arguments besides `get`). Lines
//! already there are not added again; the rest of the file is kept.

use super::{Options, Plan, home, link_step, read_text, write_step};
use crate::config::Profile;
use crate::error::{Error, Result};

/// The name Bazel runs authtool under.
pub const LINK: &str = "authtool-bazel-credential";

pub fn plan(profile: &Profile, options: &Options) -> Result<Plan> {
    let urls = super::urls_of(profile)?;
    let path = match &options.file {
        Some(path) => path.clone(),
        None => home()?.join(".bazelrc"),
    };
    let before = read_text(&path, "")?;
    let link = options.bin_dir.join(LINK);
    let mut after = before.clone().unwrap_or_default();
    for url in urls {
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .ok_or_else(|| Error::config(format!("`{url}` is not a URL with a host")))?;
        let line = format!("common --credential_helper={host}={}", link.display());
        if after.lines().any(|l| l.trim() == line) {
            continue;
        }
        if !after.is_empty() && !after.ends_with('\n') {
            after.push('\n');
        }
        after.push_str(&line);
        after.push('\n');
    }
    let mut plan = Plan::default();
    plan.steps.extend(write_step(&path, before, after));
    plan.steps.extend(link_step(options, LINK)?);
    Ok(plan)
}
