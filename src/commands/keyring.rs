//! `keyring get SERVICE [USERNAME] [--mode creds]`: the keyring command
//! line pip and uv run; it lives in [`crate::keyringcred`].

use super::{Outcome, load_config_for_urls};
use crate::cli::{Global, KeyringArgs};
use crate::error::{Error, Result};
use crate::keyringcred::{self, Mode};

pub fn run(g: &Global, args: &KeyringArgs) -> Result<Outcome> {
    let mode = Mode::parse(&args.mode)?;
    if args.operation != "get" {
        return Err(Error::config(format!(
            "keyring: `{}` is not supported; authtool answers `get` only (pip and uv ask nothing else)",
            crate::log::sanitize_remote(&args.operation)
        ))
        .hint("profiles' tokens are issued by authtool: configure them in authtool's config file, not with `keyring set`"));
    }
    let Some(service) = args.service.as_deref() else {
        return Err(
            Error::config("keyring get: no SERVICE given (the index URL)")
                .hint("usage: `keyring get URL USERNAME`, as pip and uv call it"),
        );
    };
    let config = load_config_for_urls(g)?;
    let reply = keyringcred::get(config.as_ref(), service, args.username.as_deref(), mode)?;
    Ok(Outcome {
        stdout: reply.stdout.into_bytes(),
        code: reply.code,
    })
}
