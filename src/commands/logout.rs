//! `logout`: revoke the tokens at the server when it has a revocation
//! endpoint (RFC 7009; `--no-revoke` skips it), then drop the cached tokens
//! (and the refresh token that goes with them); `--forget` also deletes
//! everything the profile keeps in its secret store; `--all` does it for
//! every profile.

use super::{Outcome, explicit_profile, load_config};
use crate::cli::{Global, LogoutArgs};
use crate::config::{Config, SecretName, SecretSource};
use crate::error::Result;
use crate::session::{REFRESH_TOKEN, Session, TOKEN_CACHE};
use crate::store;

pub fn run(g: &Global, args: &LogoutArgs) -> Result<Outcome> {
    let config = load_config(g)?;
    if !args.all {
        let name = config.select(explicit_profile(g, &args.profile)?)?;
        logout(&config, &name, args)?;
        return Ok(Outcome::default());
    }
    // Every profile; one that fails does not stop the others.
    let mut first_error = None;
    for name in config.profile_names() {
        if let Err(e) = logout(&config, &name, args) {
            eprintln!("authtool: profile '{name}': {}", e.message);
            first_error.get_or_insert(e);
        }
    }
    match first_error {
        Some(e) => Err(e.context("logout --all: not every profile was logged out")),
        None => Ok(Outcome::default()),
    }
}

fn logout(config: &Config, name: &str, args: &LogoutArgs) -> Result<()> {
    let forget = args.forget;
    let profile = config.profile(name)?;
    let session = Session::new(&profile)?;
    let revoked = if args.no_revoke {
        Vec::new()
    } else {
        session.revoke()
    };
    let had_refresh = session.has_refresh_token()?;
    let had_token = session.forget_token()?;
    let revoked = match revoked.as_slice() {
        [] => String::new(),
        what => format!("{} revoked at the server; ", what.join(" and ")),
    };
    let mut msg = format!(
        "authtool: profile '{name}': {revoked}{}",
        match (had_token, had_refresh) {
            (true, true) => "cached token and refresh token dropped",
            (true, false) => "cached token dropped",
            (false, _) => "no cached token",
        }
    );
    if forget {
        // Every entry authtool may have written for this profile, including
        // secrets of a provider the profile used before.
        let mut entries: Vec<&str> = SecretName::ALL
            .iter()
            .filter(|s| profile.secret_source(**s) == SecretSource::Store)
            .map(|s| s.key())
            .collect();
        entries.extend([REFRESH_TOKEN, TOKEN_CACHE, crate::dpop::KEY_ENTRY]);
        let store = session.secrets().store()?;
        let mut forgotten = Vec::new();
        for what in entries {
            if store.delete(&store::account(name, what))? {
                forgotten.push(what);
            }
        }
        if forgotten.is_empty() {
            msg.push_str(&format!("; nothing stored in the {} store", store.name()));
        } else {
            msg.push_str(&format!(
                "; deleted {} from the {} store",
                forgotten.join(", "),
                store.name()
            ));
        }
    }
    eprintln!("{msg}");
    Ok(())
}
