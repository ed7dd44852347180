//! `git-credential get|store|erase`: git's credential-helper protocol; the
//! protocol and both ways of answering live in [`crate::gitcred`].

use super::{Outcome, RequestEnd, load_config_for_urls, read_stdin};
use crate::cli::{GitCredentialArgs, Global};
use crate::config::{Config, config_path};
use crate::debug;
use crate::error::Result;
use crate::gitcred::{self, Operation, Request};

pub fn run(g: &Global, args: &GitCredentialArgs) -> Result<Outcome> {
    let op = args.operation.as_str();
    let Some(operation) = Operation::parse(op) else {
        // gitcredentials(7): ignore operations you do not support.
        debug!("git-credential: ignoring the unknown operation `{op}`");
        return Ok(Outcome::default());
    };
    let request = Request::parse(&read_stdin(RequestEnd::BlankLine)?)?;
    let config = match g.profile.as_deref() {
        // One profile: only its tables are parsed.
        Some(name) => Some(Config::load_profile(&config_path(g.config.as_deref())?, Some(name))?.0),
        None => load_config_for_urls(g)?,
    };
    let answer = gitcred::serve(
        operation,
        &request,
        config.as_ref(),
        g.profile.as_deref(),
        args.timeout,
        args.interactive.interactive,
    )?;
    Ok(Outcome::text(answer))
}
