//! `bazel-credential get`: Bazel's credential-helper protocol; it lives in
//! [`crate::bazelcred`].

use super::{Outcome, RequestEnd, load_config_for_urls, read_stdin};
use crate::bazelcred;
use crate::cli::{BazelCredentialArgs, Global};
use crate::error::{Error, Result};

pub fn run(g: &Global, args: &BazelCredentialArgs) -> Result<Outcome> {
    if args.command != bazelcred::GET {
        return Err(Error::config(format!(
            "bazel-credential: unknown command `{}` (Bazel sends `get`)",
            crate::log::sanitize_remote(&args.command)
        )));
    }
    let config = load_config_for_urls(g)?;
    let input = read_stdin(RequestEnd::JsonValue)?;
    Ok(Outcome::text(bazelcred::get(config.as_ref(), &input)?))
}
