//! `doctor`: one line per check on stderr — config, secret store, trust
//! roots, proxy variables, and whether the token URL can be reached — for
//! every profile, or only the one named (see `chosen`). The
//! reachability check stops after the TCP connect and TLS handshake: no
//! request is made and no credential is sent. Exits with the code of the
//! first failed check (2 config, 4 secret store, 5 network or TLS).

use super::{Outcome, explicit_profile, login};
use crate::cli::{DoctorArgs, Global};
use crate::config::{Config, Profile, SecretSource, config_path};
use crate::envvars;
use crate::error::{Error, Kind, Result};
use crate::http::probe::{self, Reach};
use crate::http::{Http, proxy, redact_url, trust};
use crate::session;
use crate::store::{self, Secrets};
use std::time::Duration;
use url::Url;

/// The longest a single connect or handshake may take in `doctor`.
const MAX_WAIT: Duration = Duration::from_secs(10);

/// The checks so far: printed as they run, failures remembered.
#[derive(Default)]
struct Report {
    checks: usize,
    failed: Vec<Kind>,
}

impl Report {
    fn ok(&mut self, what: &str, detail: impl AsRef<str>) {
        self.checks += 1;
        eprintln!("ok    {what}: {}", detail.as_ref());
    }

    fn warn(&mut self, what: &str, detail: impl AsRef<str>) {
        self.checks += 1;
        eprintln!("warn  {what}: {}", detail.as_ref());
    }

    fn fail(&mut self, what: &str, err: &Error) {
        self.checks += 1;
        self.failed.push(err.kind);
        eprintln!("FAIL  {what}: {}", err.message);
        for hint in &err.hints {
            eprintln!("      hint: {hint}");
        }
    }

    fn finish(self) -> Result<Outcome> {
        match self.failed.first() {
            None => Ok(Outcome::default()),
            Some(kind) => Err(Error::new(
                *kind,
                format!(
                    "doctor: {} of {} checks failed",
                    self.failed.len(),
                    self.checks
                ),
            )
            .hint("see the FAIL lines above")),
        }
    }
}

pub fn run(g: &Global, args: &DoctorArgs) -> Result<Outcome> {
    let mut report = Report::default();
    let explicit = explicit_profile(g, &args.profile)?;
    let config = match config_path(g.config.as_deref()).and_then(|p| Config::load(&p)) {
        Ok(c) => {
            let n = c.profile_names().len();
            report.ok(
                "config",
                format!(
                    "{} ({n} profile{})",
                    c.path.display(),
                    if n == 1 { "" } else { "s" }
                ),
            );
            c
        }
        Err(e) => {
            report.fail("config", &e);
            return report.finish();
        }
    };
    let (names, which) = match chosen(&config, explicit) {
        Ok(chosen) => chosen,
        Err(e) => {
            report.fail("profile", &e);
            return report.finish();
        }
    };
    eprintln!("      {which}");
    for name in names {
        match config.profile(&name) {
            Ok(profile) => check_profile(&mut report, &profile),
            Err(e) => report.fail(&format!("profile '{name}'"), &e),
        }
    }
    report.finish()
}

/// The profiles to check, and a line that says which and why: the one
/// named (`-p NAME`, the argument, or `$AUTHTOOL_PROFILE`), else all of
/// them — `default_profile` does not narrow a check of the whole setup.
fn chosen(config: &Config, explicit: Option<&str>) -> Result<(Vec<String>, String)> {
    let from_env = std::env::var(envvars::PROFILE)
        .ok()
        .filter(|s| !s.is_empty());
    if explicit.is_some() || from_env.is_some() {
        let name = config.select(explicit)?;
        let how = if explicit.is_some() {
            "the one named".to_string()
        } else {
            format!("named by ${}", envvars::PROFILE)
        };
        let which = format!("checking profile '{name}' only, {how}");
        return Ok((vec![name], which));
    }
    let names = config.profile_names();
    if names.is_empty() {
        // No profile at all: the error `select` gives for that.
        config.select(None)?;
    }
    let which = match names.as_slice() {
        [only] => format!("checking profile '{only}', the only one"),
        all => format!(
            "checking all {} profiles: {} (name one to check only it)",
            all.len(),
            all.iter()
                .map(|n| format!("'{n}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Ok((names, which))
}

fn check_profile(report: &mut Report, profile: &Profile) {
    let name = &profile.name;
    let provider = profile.provider.provider();
    let endpoint = provider.endpoint();
    let url = Url::parse(&endpoint).map_err(|e| {
        Error::config(format!(
            "the token URL `{}` is not a URL: {e}",
            crate::providers::shown_url_text(&endpoint)
        ))
    });
    let shown = url
        .as_ref()
        .map_or_else(|_| crate::providers::shown_url_text(&endpoint), redact_url);
    report.ok(
        &format!("profile '{name}'"),
        format!("valid ({}, token URL {shown})", provider.id()),
    );
    check_store(report, profile);
    let options = session::http_options(profile);
    let url = match url.and_then(|u| Http::new(options.clone()).check_url(&u).map(|()| u)) {
        Ok(u) => u,
        Err(e) => {
            report.fail(&format!("profile '{name}': token URL"), &e);
            return;
        }
    };
    let roots = format!("profile '{name}': trust roots");
    let verifier = if url.scheme() != "https" {
        report.ok(
            &roots,
            "not used: the token URL is plain http (loopback or allow_insecure_http)",
        );
        None
    } else {
        match trust::roots(options.ca_file.as_deref()) {
            Ok(found) => {
                report.ok(
                    &roots,
                    describe_roots(options.ca_file.as_deref(), found.extra),
                );
                Some(found.verifier)
            }
            Err(e) => {
                report.fail(&roots, &e);
                return;
            }
        }
    };
    let proxy = proxy::proxy_for(&url);
    report.ok(&format!("profile '{name}': proxy"), proxy.describe(&url));
    let what = format!("profile '{name}': reachable");
    match probe::reach(&url, &proxy, verifier, options.timeout.min(MAX_WAIT)) {
        Ok(Reach::Done(detail)) => report.ok(&what, detail),
        Ok(Reach::Skipped(why)) => report.warn(&what, why),
        Err(e) => report.fail(&what, &e),
    }
}

/// The store is reachable and holds the secrets that must come from it.
fn check_store(report: &mut Report, profile: &Profile) {
    let name = &profile.name;
    let kind = match store::kind_for(profile) {
        Ok(k) => k,
        Err(e) => {
            report.fail(&format!("profile '{name}': secret store"), &e);
            return;
        }
    };
    let what = format!(
        "profile '{name}': secret store ({})",
        store::kind_name(kind)
    );
    let needed = login::stored_secrets(profile);
    let secrets = Secrets::new(profile);
    // With nothing needed from the store, the probe is the refresh token.
    let probe: Vec<&str> = if needed.is_empty() {
        vec![crate::session::REFRESH_TOKEN]
    } else {
        needed.iter().map(|s| s.key()).collect()
    };
    let mut missing = Vec::new();
    for key in &probe {
        match secrets
            .store()
            .and_then(|s| s.get(&store::account(name, key)))
        {
            Ok(Some(_)) => {}
            Ok(None) => missing.push(*key),
            Err(e) if needed.is_empty() => {
                report.warn(
                    &what,
                    format!(
                        "unavailable ({}); no secret of this profile comes from it, but refresh tokens cannot be kept",
                        e.message
                    ),
                );
                return;
            }
            Err(e) => {
                report.fail(&what, &e);
                return;
            }
        }
    }
    if needed.is_empty() {
        report.ok(&what, "reachable (no secret of this profile comes from it)");
    } else if missing.is_empty() {
        report.ok(&what, format!("reachable; {} stored", probe.join(", ")));
    } else {
        report.warn(
            &what,
            format!(
                "reachable; {} not stored: run `authtool login {name}`",
                missing.join(", ")
            ),
        );
    }
    for secret in profile.provider.provider().secret_names() {
        let source = profile.secret_source(secret);
        if let SecretSource::Env(var) = &source
            && std::env::var_os(var).is_none_or(|v| v.is_empty())
        {
            report.warn(
                &format!("profile '{name}': {}", secret.key()),
                format!("${var} (from `{}_env`) is not set", secret.key()),
            );
            continue;
        }
        if let SecretSource::File(path) = &source
            && !std::fs::metadata(path).is_ok_and(|m| m.is_file())
        {
            report.warn(
                &format!("profile '{name}': {}", secret.key()),
                format!(
                    "{} (from `{}_file`) is not a readable file",
                    path.display(),
                    secret.key()
                ),
            );
            continue;
        }
        // A private key at hand (not behind a command or the store) is
        // checked without a request.
        if secret == crate::config::SecretName::PrivateKey
            && matches!(
                source,
                SecretSource::File(_) | SecretSource::Env(_) | SecretSource::Inline(_)
            )
        {
            let what = format!("profile '{name}': private_key");
            let key = crate::store::Secrets::new(profile)
                .get(profile, secret)
                .map_err(|e| e.message)
                .and_then(|pem| crate::jose::SigningKey::from_pem(pem.expose()));
            match key {
                Ok(key) => report.ok(
                    &what,
                    format!(
                        "{} (signs {:?} by default)",
                        key.kind().describe(),
                        key.kind().default_alg()
                    ),
                ),
                Err(why) => report.warn(&what, format!("cannot be used: {why}")),
            }
        }
    }
}

/// What the trust roots are: the system's, plus `extra` from `ca_file`.
fn describe_roots(ca_file: Option<&std::path::Path>, extra: usize) -> String {
    match ca_file {
        None => "the platform verifier and system trust store are available".to_string(),
        Some(ca) => format!(
            "the platform verifier is available; ca_file {} adds {extra} certificate{}",
            ca.display(),
            if extra == 1 { "" } else { "s" }
        ),
    }
}
