//! URL prefixes, as a profile's `urls` give them, for `git-credential` and
//! `docker-credential` (which profile serves a URL is
//! `Config::profile_for_url`).
//!
//! Each entry of a profile's `urls` is a prefix of the request URL: the
//! scheme, host and port must be equal (a default port counts as given),
//! and the request's path must start with the prefix's path at a segment
//! boundary (`https://h/org` covers `/org` and `/org/repo.git`, not
//! `/organization`). When several profiles match, the longest path wins.

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
    /// Only a plain scheme is a protocol, and the host is refused when it
    /// holds a control character, white space or a percent-escape (the URL
    /// parser would drop or decode them); a non-ASCII host is compared in
    /// its IDNA (ASCII) form.
    pub fn from_git(protocol: &str, host: &str, path: Option<&str>) -> Option<Target> {
        if !plain_scheme(protocol) {
            return None;
        }
        // The host must not smuggle in userinfo, a path or a query.
        if host.is_empty() || host.contains(['/', '\\', '@', '?', '#']) || !clean(host) {
            return None;
        }
        let mut url = Url::parse(&format!("{protocol}://{host}/")).ok()?;
        // set_path percent-encodes what a path cannot hold (`?`, `#`, …).
        url.set_path(path.unwrap_or(""));
        Self::from_url(&url)
    }

    /// A Docker server address: a URL, or often a bare host
    /// (`registry.example.com`, `localhost:5000`), taken as https.
    /// Userinfo, a query, a fragment, control characters, white space and
    /// percent-escapes in the host are refused.
    pub fn from_server(server: &str) -> Option<Target> {
        if server.contains(['@', '?', '#', '\\']) || !clean(server) {
            return None;
        }
        let (scheme, rest) = match server.split_once("://") {
            Some((scheme, rest)) => (scheme, rest),
            None => ("https", server),
        };
        let authority = rest.split('/').next().unwrap_or("");
        if !plain_scheme(&scheme.to_ascii_lowercase()) || authority.contains('%') {
            return None;
        }
        Self::parse(&format!("{scheme}://{rest}"))
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
    pub fn specificity(&self) -> usize {
        self.path.trim_end_matches('/').len()
    }
}

/// A scheme as RFC 3986 writes it, in lower case: `[a-z][a-z0-9+.-]*`.
fn plain_scheme(scheme: &str) -> bool {
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+.-".contains(c))
}

/// No control character, no white space, no percent-escape.
fn clean(text: &str) -> bool {
    !text
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '%')
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // Only a plain scheme; no control characters or escapes in hosts.
        let root = t("https://git.example.com/");
        assert!(Target::from_git("https://git.example.com/team#", "evil.test", None).is_none());
        assert!(Target::from_git("HTTPS", "git.example.com", None).is_none());
        assert!(Target::from_git("git+ssh", "git.example.com", None).is_some());
        for host in [
            "git.exa\tmple.com",
            "git%2eexample.com",
            "git.example.com\u{85}",
            "git .example.com",
        ] {
            assert!(g(host, None).is_none(), "{host:?}");
        }
        // A non-ASCII host is compared in its IDNA form.
        assert!(
            g("\u{ff47}it.example.com", None)
                .unwrap()
                .starts_with(&root)
        );
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
        for server in [
            "registry.example.com#@evil.test",
            "evil.test#registry.example.com",
            "user@registry.example.com",
            "registry.example.com?x",
            "registry%2eexample.com",
            "registry.exa\tmple.com",
            "https://registry.example.com#/v2/",
            "h ttps://registry.example.com",
        ] {
            assert!(Target::from_server(server).is_none(), "{server}");
        }
        assert!(
            Target::from_server("HTTPS://registry.example.com/v2/")
                .unwrap()
                .starts_with(&reg)
        );
        assert!(
            !Target::from_server("registry.example.com:5000")
                .unwrap()
                .starts_with(&reg)
        );
    }
}
