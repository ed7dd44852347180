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
            for name in &names {
                config.profile(name)?;
            }
            if let Some(default) = &config.default_profile
                && !names.contains(default)
            {
                return Err(Error::config(format!(
                    "{}: default_profile = '{default}' names no profile",
                    config.path.display()
                ))
                .hint(format!("known profiles: {}", names.join(", "))));
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
