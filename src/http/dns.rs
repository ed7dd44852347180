//! Host names to addresses.
//!
//! The static Linux build (`.cargo/config.toml`) cannot use glibc's
//! `getaddrinfo`: it would load the NSS modules named in
//! `/etc/nsswitch.conf` (`mdns4`, `resolve`, `sss`, …) as shared
//! libraries into a static process, which works only with the very glibc
//! it was linked against and breaks after a system upgrade. There the
//! names are resolved by hickory-resolver instead: `/etc/hosts` first,
//! then the name servers, search list and options of `/etc/resolv.conf`.
//! What is lost: the NSS modules themselves (mDNS `.local` names, LDAP
//! host maps); a profile that needs one can use an IP address.
//! Elsewhere the system resolver (reqwest's default) is used.

use std::net::SocketAddr;

#[cfg(all(target_os = "linux", target_env = "gnu", target_feature = "crt-static"))]
mod imp {
    use hickory_resolver::TokioResolver;
    use hickory_resolver::config::{LookupIpStrategy, ResolveHosts};
    use std::net::SocketAddr;
    use std::sync::{Arc, OnceLock};

    /// A resolver built on first use (it needs a Tokio runtime) and reused
    /// by every request of the process.
    #[derive(Clone, Default)]
    pub struct Resolver {
        inner: Arc<OnceLock<Result<TokioResolver, String>>>,
    }

    fn build() -> Result<TokioResolver, String> {
        let mut builder = TokioResolver::builder_tokio()
            .map_err(|e| format!("cannot read the DNS settings in /etc/resolv.conf: {e}"))?;
        let options = builder.options_mut();
        // Both families, for the connector's happy eyeballs.
        options.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
        options.use_hosts_file = ResolveHosts::Always;
        builder.build().map_err(|e| e.to_string())
    }

    impl Resolver {
        pub async fn lookup(&self, host: &str) -> Result<Vec<SocketAddr>, String> {
            let resolver = self
                .inner
                .get_or_init(build)
                .as_ref()
                .map_err(Clone::clone)?;
            let found = resolver
                .lookup_ip(host)
                .await
                .map_err(|e| format!("no address for {host}: {e}"))?;
            Ok(found.iter().map(|ip| SocketAddr::new(ip, 0)).collect())
        }
    }

    impl reqwest::dns::Resolve for Resolver {
        fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
            let this = self.clone();
            Box::pin(async move {
                let addrs = this.lookup(name.as_str()).await?;
                Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
            })
        }
    }

    /// For `doctor`'s plain TCP probe: one lookup on a runtime of its own.
    pub fn lookup_blocking(host: &str) -> std::io::Result<Vec<SocketAddr>> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        runtime
            .block_on(Resolver::default().lookup(host))
            .map_err(std::io::Error::other)
    }
}

/// Makes `builder` resolve names as this module describes.
pub fn install(builder: reqwest::blocking::ClientBuilder) -> reqwest::blocking::ClientBuilder {
    #[cfg(all(target_os = "linux", target_env = "gnu", target_feature = "crt-static"))]
    let builder = builder.dns_resolver(std::sync::Arc::new(imp::Resolver::default()));
    builder
}

/// The addresses of `host` (`port` filled in), as requests resolve it.
pub fn lookup(host: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
    #[cfg(all(target_os = "linux", target_env = "gnu", target_feature = "crt-static"))]
    let found = imp::lookup_blocking(host)?
        .into_iter()
        .map(|a| SocketAddr::new(a.ip(), port))
        .collect();
    #[cfg(not(all(target_os = "linux", target_env = "gnu", target_feature = "crt-static")))]
    let found = std::net::ToSocketAddrs::to_socket_addrs(&(host, port))?.collect();
    Ok(found)
}
