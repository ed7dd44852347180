//! `setup pip` and `setup uv`: the `keyring` link (pip and uv run
//! `keyring` from PATH with `--keyring-provider subprocess`) and the
//! settings that make them use it for the profile's index:
//!
//! - pip: `[global]` `keyring-provider = subprocess` and
//!   `index-url = https://<user>@<host>/<path>` in pip.conf (pip asks
//!   keyring only for a user name it knows: the profile's
//!   `keyring_username`, default `oauth2`);
//! - uv: `keyring-provider = "subprocess"` and an `[[index]]` with the URL
//!   and `authenticate = "always"` in uv.toml (uv then asks
//!   `keyring get URL --mode creds`). The TOML is edited in place, comments
//!   and layout kept.
//!
//! The index URL is `--index-url`, else the profile's only `urls` entry; it
//! must be covered by the profile's `urls`.

use super::{Options, Plan, config_home, env_path, link_step, read_text, unparsable, write_step};
use crate::config::Profile;
use crate::envvars;
use crate::error::{Error, Result};
use crate::keyringcred::DEFAULT_USERNAME;
use crate::urlmatch::Target;

/// The index URL to configure.
fn index_url(profile: &Profile, options: &Options) -> Result<url::Url> {
    let urls = super::urls_of(profile)?;
    let text = match (&options.index_url, urls) {
        (Some(url), _) => url.clone(),
        (None, [only]) => only.clone(),
        (None, _) => {
            return Err(Error::config(format!(
                "profile '{}' has several `urls`; which one is the package index?",
                profile.name
            ))
            .hint("pass --index-url URL"));
        }
    };
    let parsed = url::Url::parse(&text)
        .ok()
        .filter(|u| matches!(u.scheme(), "https" | "http") && u.host_str().is_some())
        .ok_or_else(|| Error::config(format!("`{text}` is not an http(s) URL")))?;
    let covered = Target::parse(parsed.as_str()).is_some_and(|t| {
        urls.iter()
            .filter_map(|u| Target::parse(u))
            .any(|prefix| t.starts_with(&prefix))
    });
    if !covered {
        return Err(Error::config(format!(
            "{text} is not covered by profile '{}''s `urls`: keyring would not answer for it",
            profile.name
        ))
        .hint("add it to the profile's `urls`"));
    }
    Ok(parsed)
}

pub fn plan_pip(profile: &Profile, options: &Options) -> Result<Plan> {
    let mut index = index_url(profile, options)?;
    let user = profile
        .common
        .keyring_username
        .as_deref()
        .unwrap_or(DEFAULT_USERNAME);
    let _ = index.set_username(user);
    let path = match (options.file.clone(), env_path(envvars::PIP_CONFIG_FILE)) {
        (Some(path), _) | (None, Some(path)) => path,
        (None, None) => config_home()?.join("pip").join("pip.conf"),
    };
    let before = read_text(&path, "pip config ")?;
    let mut ini = Ini::parse(before.as_deref().unwrap_or(""))
        .map_err(|why| unparsable(&path, "pip config ", why))?;
    ini.set("global", "keyring-provider", "subprocess");
    ini.set("global", "index-url", index.as_str());
    let mut plan = Plan::default();
    plan.steps.extend(link_step(options, "keyring")?);
    plan.steps.extend(write_step(&path, before, ini.text()));
    Ok(plan)
}

pub fn plan_uv(profile: &Profile, options: &Options) -> Result<Plan> {
    let index = index_url(profile, options)?;
    let path = match (options.file.clone(), env_path(envvars::UV_CONFIG_FILE)) {
        (Some(path), _) | (None, Some(path)) => path,
        (None, None) => config_home()?.join("uv").join("uv.toml"),
    };
    let before = read_text(&path, "uv config ")?;
    let mut doc: toml_edit::DocumentMut = before
        .as_deref()
        .unwrap_or("")
        .parse()
        .map_err(|e: toml_edit::TomlError| unparsable(&path, "uv config ", e.message().trim()))?;
    doc["keyring-provider"] = toml_edit::value("subprocess");
    let same_url = |t: &toml_edit::Table| {
        t.get("url")
            .and_then(|v| v.as_str())
            .is_some_and(|u| u.trim_end_matches('/') == index.as_str().trim_end_matches('/'))
    };
    let indexes = doc
        .entry("index")
        .or_insert(toml_edit::Item::ArrayOfTables(Default::default()));
    let Some(indexes) = indexes.as_array_of_tables_mut() else {
        return Err(unparsable(
            &path,
            "uv config ",
            "`index` is not an array of tables ([[index]])",
        ));
    };
    let found = indexes.iter().position(same_url);
    match found.and_then(|i| indexes.get_mut(i)) {
        Some(table) => {
            table["authenticate"] = toml_edit::value("always");
        }
        None => {
            let mut table = toml_edit::Table::new();
            table["name"] = toml_edit::value(index_name(&profile.name));
            table["url"] = toml_edit::value(index.as_str());
            table["authenticate"] = toml_edit::value("always");
            indexes.push(table);
        }
    }
    let mut plan = Plan::default();
    plan.steps.extend(link_step(options, "keyring")?);
    plan.steps
        .extend(write_step(&path, before, doc.to_string()));
    Ok(plan)
}

/// An index name uv accepts (ASCII letters, digits, `-`, `_`, `.`).
fn index_name(profile: &str) -> String {
    profile
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A pip.conf: INI lines, edited in place (comments and order kept).
struct Ini {
    lines: Vec<String>,
}

impl Ini {
    /// Sections, `key = value` / `key: value` lines, continuation lines
    /// (indented), comments and blank lines; anything else does not parse.
    fn parse(text: &str) -> std::result::Result<Ini, String> {
        let mut in_section = false;
        for (i, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
                continue;
            }
            if t.starts_with('[') {
                if !t.ends_with(']') {
                    return Err(format!("line {}: `{t}` is not a [section] header", i + 1));
                }
                in_section = true;
                continue;
            }
            if line.starts_with([' ', '\t']) {
                continue;
            }
            if !in_section {
                return Err(format!("line {}: a setting outside any [section]", i + 1));
            }
            if !t.contains(['=', ':']) {
                return Err(format!("line {}: `{t}` is not `key = value`", i + 1));
            }
        }
        Ok(Ini {
            lines: text.lines().map(str::to_string).collect(),
        })
    }

    /// Sets `key` in `[section]`: its line is replaced, or one is added at
    /// the end of the section (the section is added when missing). pip
    /// reads `_` and `-` in names alike.
    fn set(&mut self, section: &str, key: &str, value: &str) {
        let header = format!("[{section}]");
        let norm = |k: &str| k.trim().replace('_', "-").to_ascii_lowercase();
        let new_line = format!("{key} = {value}");
        let Some(start) = self.lines.iter().position(|l| l.trim() == header) else {
            if self.lines.last().is_some_and(|l| !l.trim().is_empty()) {
                self.lines.push(String::new());
            }
            self.lines.push(header);
            self.lines.push(new_line);
            return;
        };
        let end = self.lines[start + 1..]
            .iter()
            .position(|l| l.trim_start().starts_with('['))
            .map_or(self.lines.len(), |i| start + 1 + i);
        for i in start + 1..end {
            let line = &self.lines[i];
            if line.starts_with([' ', '\t']) || line.trim().starts_with(['#', ';']) {
                continue;
            }
            if let Some((k, _)) = line.split_once(['=', ':'])
                && norm(k) == norm(key)
            {
                self.lines[i] = new_line;
                // A value continued on the next lines is replaced too.
                while i + 1 < end && self.lines[i + 1].starts_with([' ', '\t']) {
                    self.lines.remove(i + 1);
                }
                return;
            }
        }
        // After the section's last non-blank line.
        let mut at = end;
        while at > start + 1 && self.lines[at - 1].trim().is_empty() {
            at -= 1;
        }
        self.lines.insert(at, new_line);
    }

    fn text(&self) -> String {
        let mut out = self.lines.join("\n");
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_are_what_uv_accepts() {
        assert_eq!(index_name("corp.pypi_1-x"), "corp.pypi_1-x");
        assert_eq!(index_name("my team/π"), "my-team--");
    }

    #[test]
    fn ini_edits_keep_the_rest() {
        let mut ini = Ini::parse("# mine\n[global]\ntimeout = 60\nindex_url = https://old/\n  more\n\n[install]\nuser = true\n").unwrap();
        ini.set("global", "index-url", "https://new/");
        ini.set("global", "keyring-provider", "subprocess");
        assert_eq!(
            ini.text(),
            "# mine\n[global]\ntimeout = 60\nindex-url = https://new/\nkeyring-provider = subprocess\n\n[install]\nuser = true\n"
        );
        let mut ini = Ini::parse("").unwrap();
        ini.set("global", "a", "b");
        assert_eq!(ini.text(), "[global]\na = b\n");
        assert!(Ini::parse("key = value\n").is_err());
        assert!(Ini::parse("[global\n").is_err());
        assert!(Ini::parse("[global]\njunk\n").is_err());
    }
}
