//! Which profile serves a URL, for `git-credential` and `docker-credential`.
//!
//! Each entry of a profile's `urls` is a prefix of the request URL: the
//! scheme, host and port must be equal (a default port counts as given),
//! and the request's path must start with the prefix's path at a segment
//! boundary (`https://h/org` covers `/org` and `/org/repo.git`, not
//! `/organization`). When several profiles match, the longest path wins.

use crate::config::{Config, Profile};
use crate::error::Result;
use url::Url;

/// A URL reduced to what matching compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    scheme: String,
    host: String,
    port: Option<u16>,
    /// Normalized (dot segments resolved, percent-encoded), starting with `/`.
    path: String,
}

impl Target {
    /// An absolute URL (`https://git.example.com/org/`).
    pub fn parse(text: &str) -> Option<Target> {
        Self::from_url(&Url::parse(text).ok()?)
    }

    /// git's `protocol`, `host` (maybe with `:port`) and `path` (without
    /// the leading `/`; git sends it only with `credential.useHttpPath`).
    pub fn from_git(protocol: &str, host: &str, path: Option<&str>) -> Option<Target> {
        // The host must not smuggle in userinfo, a path or a query.
        if host.is_empty() || host.contains(['/', '\\', '@', '?', '#', ' ']) {
            return None;
        }
        let mut url = Url::parse(&format!("{protocol}://{host}/")).ok()?;
        // set_path percent-encodes what a path cannot hold (`?`, `#`, …).
        url.set_path(path.unwrap_or(""));
        Self::from_url(&url)
    }

    /// A Docker server address: a URL, or often a bare host
    /// (`registry.example.com`, `localhost:5000`), taken as https.
    pub fn from_server(server: &str) -> Option<Target> {
        if server.contains("://") {
            Self::parse(server)
        } else {
            Self::parse(&format!("https://{server}"))
        }
    }

    fn from_url(url: &Url) -> Option<Target> {
        Some(Target {
            scheme: url.scheme().to_string(),
            host: url.host_str()?.to_ascii_lowercase(),
            port: url.port_or_known_default(),
            path: url.path().to_string(),
        })
    }

    /// Whether `self` is covered by `prefix`.
    pub fn starts_with(&self, prefix: &Target) -> bool {
        let base = prefix.path.trim_end_matches('/');
        self.scheme == prefix.scheme
            && self.host == prefix.host
            && self.port == prefix.port
            && self
                .path
                .strip_prefix(base)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }

    /// How specific a prefix is (longer paths win).
    fn specificity(&self) -> usize {
        self.path.trim_end_matches('/').len()
    }
}

/// The profile whose `urls` cover `target` (the most specific one), if any.
/// A profile that does not validate is an error: its `urls` cannot be
/// trusted to say it does not match.
pub fn profile_for(config: &Config, target: &Target) -> Result<Option<Profile>> {
    let mut best: Option<(usize, Profile)> = None;
    for name in config.profile_names() {
        let profile = config.profile(&name)?;
        let covering = profile
            .common
            .urls
            .iter()
            .filter_map(|u| Target::parse(u))
            .filter(|prefix| target.starts_with(prefix))
            .map(|prefix| prefix.specificity())
            .max();
        if let Some(score) = covering
            && best.as_ref().is_none_or(|(b, _)| score > *b)
        {
            best = Some((score, profile));
        }
    }
    Ok(best.map(|(_, p)| p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn t(s: &str) -> Target {
        Target::parse(s).unwrap()
    }

    #[test]
    fn prefixes() {
        let org = t("https://git.example.com/org/");
        assert!(t("https://git.example.com/org/repo.git").starts_with(&org));
        assert!(t("https://git.example.com/org").starts_with(&org));
        assert!(!t("https://git.example.com/organization").starts_with(&org));
        assert!(!t("https://git.example.com/").starts_with(&org));
        assert!(!t("http://git.example.com/org/x").starts_with(&org));
        assert!(!t("https://git.example.com:8443/org/x").starts_with(&org));
        assert!(t("https://GIT.example.com:443/org/x").starts_with(&org));
        assert!(!t("https://git.example.com.evil/org/x").starts_with(&org));
        let root = t("https://git.example.com");
        assert!(t("https://git.example.com/anything").starts_with(&root));
        // Dot segments cannot climb out of a prefix.
        assert!(!t("https://git.example.com/org/../other").starts_with(&org));
    }

    #[test]
    fn git_fields() {
        let org = t("https://git.example.com/org/");
        let g = |host: &str, path: Option<&str>| Target::from_git("https", host, path);
        assert!(
            g("git.example.com", Some("org/repo.git"))
                .unwrap()
                .starts_with(&org)
        );
        assert!(!g("git.example.com", None).unwrap().starts_with(&org));
        assert!(
            g("git.example.com", None)
                .unwrap()
                .starts_with(&t("https://git.example.com/"))
        );
        assert!(
            g("git.example.com:443", None)
                .unwrap()
                .starts_with(&t("https://git.example.com/"))
        );
        assert!(g("evil.com@git.example.com", None).is_none());
        assert!(g("git.example.com/org", None).is_none());
        // `#` and `?` in a path stay in the path.
        assert!(
            g("git.example.com", Some("org/x#y?z"))
                .unwrap()
                .starts_with(&org)
        );
        assert!(
            !g("git.example.com", Some("org#/x"))
                .unwrap()
                .starts_with(&org)
        );
        assert!(
            !g("git.example.com", Some("other#/org"))
                .unwrap()
                .starts_with(&org)
        );
    }

    #[test]
    fn docker_servers() {
        let reg = t("https://registry.example.com/");
        assert!(
            Target::from_server("registry.example.com")
                .unwrap()
                .starts_with(&reg)
        );
        assert!(
            Target::from_server("https://registry.example.com/v2/")
                .unwrap()
                .starts_with(&reg)
        );
        assert!(
            !Target::from_server("registry.example.com:5000")
                .unwrap()
                .starts_with(&reg)
        );
    }

    #[test]
    fn most_specific_profile_wins() {
        let config = Config::parse(
            Path::new("c.toml"),
            r#"
[profiles.a]
provider = "oauth2"
token_url = "https://auth.example.com/token"
client_id = "a"
urls = ["https://git.example.com/"]

[profiles.b]
provider = "oauth2"
token_url = "https://auth.example.com/token"
client_id = "b"
urls = ["https://other.example.com/", "https://git.example.com/team/"]
"#
            .to_string(),
        )
        .unwrap();
        let pick = |url: &str| profile_for(&config, &t(url)).unwrap().map(|p| p.name);
        assert_eq!(pick("https://git.example.com/x.git").as_deref(), Some("a"));
        assert_eq!(
            pick("https://git.example.com/team/x.git").as_deref(),
            Some("b")
        );
        assert_eq!(pick("https://nowhere.example.com/"), None);
    }
}
