//! `setup docker`: `"credHelpers": {"<registry>": "authtool"}` for each of
//! the profile's `urls` in Docker's `config.json` (`$DOCKER_CONFIG`, else
//! `~/.docker`), and the `docker-credential-authtool` link Docker runs.
//! The JSON is read and written back with every other key kept (written
//! as Docker writes it: tab-indented; keys in sorted order).

use super::{Options, Plan, env_path, home, link_step, read_text, unparsable, write_step};
use crate::config::Profile;
use crate::envvars;
use crate::error::{Error, Result};
use serde::Serialize;
use serde_json::{Map, Value};

/// The helper's name in `credHelpers` (Docker runs `docker-credential-<name>`).
const HELPER: &str = "authtool";

pub fn plan(profile: &Profile, options: &Options) -> Result<Plan> {
    let urls = super::urls_of(profile)?;
    let dir = match env_path(envvars::DOCKER_CONFIG) {
        Some(dir) => dir,
        None => home()?.join(".docker"),
    };
    let path = dir.join("config.json");
    let before = read_text(&path, "Docker config ")?;
    let mut doc = match before.as_deref() {
        None => Value::Object(Map::new()),
        Some(text) if text.trim().is_empty() => Value::Object(Map::new()),
        Some(text) => {
            serde_json::from_str(text).map_err(|e| unparsable(&path, "Docker config ", e))?
        }
    };
    let Value::Object(root) = &mut doc else {
        return Err(unparsable(
            &path,
            "Docker config ",
            "it is not a JSON object",
        ));
    };
    let helpers = root
        .entry("credHelpers")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(helpers) = helpers else {
        return Err(unparsable(
            &path,
            "Docker config ",
            "`credHelpers` is not an object",
        ));
    };
    for url in urls {
        let registry = registry_of(url)?;
        helpers.insert(registry, Value::String(HELPER.into()));
    }
    let mut after = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"\t");
    let mut ser = serde_json::Serializer::with_formatter(&mut after, formatter);
    doc.serialize(&mut ser)
        .map_err(|e| Error::internal(format!("cannot encode JSON: {e}")))?;
    let mut after = String::from_utf8(after).unwrap_or_default();
    after.push('\n');
    let mut plan = Plan::default();
    // Unchanged content (only formatting differs) is not rewritten.
    let same = before
        .as_deref()
        .and_then(|t| serde_json::from_str::<Value>(t).ok())
        .is_some_and(|old| old == doc);
    if !same {
        plan.steps.extend(write_step(&path, before, after));
    }
    plan.steps
        .extend(link_step(options, "docker-credential-authtool")?);
    Ok(plan)
}

/// `registry.example.com` (with `:port` when not the default) for a URL.
fn registry_of(url: &str) -> Result<String> {
    let parsed = url::Url::parse(url)
        .ok()
        .filter(|u| u.host_str().is_some())
        .ok_or_else(|| Error::config(format!("`{url}` is not a URL with a host")))?;
    let host = parsed.host_str().unwrap_or_default();
    Ok(match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_are_hosts_with_their_port() {
        assert_eq!(
            registry_of("https://registry.example.com").unwrap(),
            "registry.example.com"
        );
        assert_eq!(
            registry_of("https://registry.example.com:443/v2/").unwrap(),
            "registry.example.com"
        );
        assert_eq!(
            registry_of("https://r.internal:5000/v2/").unwrap(),
            "r.internal:5000"
        );
        assert!(registry_of("mailto:x@y").is_err());
    }
}
