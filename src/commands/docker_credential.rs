//! `docker-credential get|store|erase|list`: Docker's credential-helper
//! protocol; it lives in [`crate::dockercred`].

use super::{Outcome, RequestEnd, load_config_for_urls, load_config_if_present, read_stdin};
use crate::cli::{DockerCredentialArgs, Global};
use crate::dockercred::{self, Operation};
use crate::error::Result;

pub fn run(g: &Global, args: &DockerCredentialArgs) -> Result<Outcome> {
    let op = Operation::parse(&args.operation)?;
    let config = match op {
        // Only the profiles that can match a URL.
        Operation::Get | Operation::Erase => load_config_for_urls(g)?,
        Operation::List | Operation::Store => load_config_if_present(g)?,
    };
    let input = match op {
        Operation::List => Vec::new(),
        Operation::Store => read_stdin(RequestEnd::JsonValue)?,
        Operation::Get | Operation::Erase => read_stdin(RequestEnd::Line)?,
    };
    let reply = dockercred::serve(op, config.as_ref(), &input, args.interactive.interactive)?;
    Ok(Outcome {
        stdout: reply.stdout.into_bytes(),
        code: reply.code,
    })
}
