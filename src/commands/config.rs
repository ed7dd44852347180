//! `config path|check|init`.

use super::{Outcome, load_config};
use crate::cli::{ConfigCommand, Global};
use crate::config::{EXAMPLE, config_path};
use crate::error::{Error, Result};
use crate::fsutil;

pub fn run(g: &Global, cmd: &ConfigCommand) -> Result<Outcome> {
    match cmd {
        ConfigCommand::Path => {
            let path = config_path(g.config.as_deref())?;
            Ok(Outcome::text(format!("{}\n", path.display())))
        }
        ConfigCommand::Check => {
            let config = load_config(g)?;
            let names = config.profile_names();
            // Every broken profile, not only the first (docs/configuration.md).
            let mut errors: Vec<Error> = names
                .iter()
                .filter_map(|name| config.profile(name).err())
                .collect();
            if let Some(default) = &config.default_profile
                && !names.contains(default)
            {
                errors.push(
                    Error::config(format!(
                        "{}: default_profile = '{default}' names no profile",
                        config.path.display()
                    ))
                    .hint(format!("known profiles: {}", names.join(", "))),
                );
            }
            if let Some(last) = errors.pop() {
                return Err(all_errors(errors, last));
            }
            Ok(Outcome::text(format!(
                "{}: ok, {} profile{}{}{}\n",
                config.path.display(),
                names.len(),
                if names.len() == 1 { "" } else { "s" },
                if names.is_empty() { "" } else { ": " },
                names.join(", ")
            )))
        }
        ConfigCommand::Init { force } => {
            let path = config_path(g.config.as_deref())?;
            if path.exists() && !force {
                return Err(Error::config(format!(
                    "{} already exists; not overwriting it",
                    path.display()
                ))
                .hint("pass --force to replace it with the example"));
            }
            fsutil::write_atomic(&path, EXAMPLE.as_bytes())?;
            eprintln!(
                "authtool: wrote an example config to {}; edit it, then run `authtool config check`",
                path.display()
            );
            Ok(Outcome::text(format!("{}\n", path.display())))
        }
    }
}

/// One error that reports `earlier` too: their messages are printed now, in
/// order, and their hints join `last`'s, each once.
fn all_errors(earlier: Vec<Error>, mut last: Error) -> Error {
    let mut hints = Vec::new();
    for e in earlier {
        eprintln!("authtool: error: {}", e.message);
        hints.extend(e.hints);
    }
    hints.append(&mut last.hints);
    for hint in hints {
        if !last.hints.contains(&hint) {
            last.hints.push(hint);
        }
    }
    last
}
