//! Which proxy a request to a URL goes through: the choice reqwest makes
//! from the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`,
//! `NO_PROXY`), written out so `doctor` can say it and [`super::probe`]
//! can go the same way.

use url::Url;

/// The proxy HTTPS requests to `url` go through, as reqwest picks it:
/// `HTTPS_PROXY`/`HTTP_PROXY` by scheme, else `ALL_PROXY`, unless
/// `NO_PROXY` matches the host (each upper case first, then lower case).
/// Plain http to loopback never goes through a proxy: the proxy would
/// see the request, secrets included, in clear.
#[derive(Debug, PartialEq)]
pub enum Proxy {
    None,
    Loopback,
    Excluded { no_proxy: String },
    Via { var: &'static str, url: String },
}

pub fn proxy_for(url: &Url) -> Proxy {
    fn first(names: [&'static str; 2]) -> Option<(&'static str, String)> {
        names
            .into_iter()
            .find_map(|n| std::env::var(n).ok().map(|v| (n, v)))
            .filter(|(_, v)| !v.trim().is_empty())
    }
    // As reqwest does: behind CGI, HTTP_PROXY is a request header.
    if std::env::var_os("REQUEST_METHOD").is_some() {
        return Proxy::None;
    }
    if url.scheme() == "http" && super::is_loopback(url) {
        return Proxy::Loopback;
    }
    let by_scheme = if url.scheme() == "https" {
        first(["HTTPS_PROXY", "https_proxy"])
    } else {
        first(["HTTP_PROXY", "http_proxy"])
    };
    let Some((var, value)) = by_scheme.or_else(|| first(["ALL_PROXY", "all_proxy"])) else {
        return Proxy::None;
    };
    let no_proxy = first(["NO_PROXY", "no_proxy"])
        .map(|(_, v)| v)
        .unwrap_or_default();
    let host = url.host_str().unwrap_or("");
    if no_proxy_matches(&no_proxy, host) {
        return Proxy::Excluded { no_proxy };
    }
    Proxy::Via { var, url: value }
}

impl Proxy {
    /// What `doctor` says about the choice for `url`.
    pub fn describe(&self, url: &Url) -> String {
        let host = url.host_str().unwrap_or("?");
        match self {
            Proxy::None => "no proxy variables apply; connecting directly".to_string(),
            Proxy::Loopback => {
                "plain http to loopback never goes through a proxy; connecting directly".to_string()
            }
            Proxy::Excluded { no_proxy } => {
                format!("NO_PROXY={no_proxy} excludes {host}; connecting directly")
            }
            Proxy::Via { var, url: proxy } => {
                format!("{var}={} is used for {host}", shown_proxy(proxy))
            }
        }
    }
}

/// A proxy URL without its password.
pub fn shown_proxy(value: &str) -> String {
    match proxy_url(value) {
        Some(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        None => "(not a URL)".to_string(),
    }
}

/// A proxy variable's value as a URL (`host:port` means `http://host:port`).
pub fn proxy_url(value: &str) -> Option<Url> {
    let value = value.trim();
    if value.contains("://") {
        Url::parse(value).ok()
    } else {
        Url::parse(&format!("http://{value}")).ok()
    }
}

/// `NO_PROXY` matching as reqwest does it: `*`, exact IPs, and domains
/// matching themselves and their subdomains (a leading dot is optional).
fn no_proxy_matches(list: &str, host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            if let (Ok(a), Ok(b)) = (
                entry.parse::<std::net::IpAddr>(),
                host.parse::<std::net::IpAddr>(),
            ) {
                return a == b;
            }
            let domain = entry.trim_start_matches('.');
            host.eq_ignore_ascii_case(domain)
                || host
                    .to_ascii_lowercase()
                    .ends_with(&format!(".{}", domain.to_ascii_lowercase()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_rules() {
        assert!(no_proxy_matches("*", "a.example"));
        assert!(no_proxy_matches("example.com", "example.com"));
        assert!(no_proxy_matches("example.com", "api.example.com"));
        assert!(no_proxy_matches(".example.com", "api.example.com"));
        assert!(!no_proxy_matches("example.com", "notexample.com"));
        assert!(no_proxy_matches("localhost, 127.0.0.1", "127.0.0.1"));
        assert!(no_proxy_matches("::1", "[::1]"));
        assert!(!no_proxy_matches("", "example.com"));
    }

    #[test]
    fn proxy_passwords_are_hidden() {
        assert_eq!(
            shown_proxy("http://user:pw@proxy:3128"),
            "http://user:***@proxy:3128/"
        );
        assert_eq!(shown_proxy("proxy:3128"), "http://proxy:3128/");
    }
}
