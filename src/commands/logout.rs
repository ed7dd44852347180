//! `logout`: drop cached tokens; `--forget` also deletes stored secrets.

use super::{Outcome, explicit_profile, load_config};
use crate::cli::{Global, LogoutArgs};
use crate::config::{SecretName, SecretSource};
use crate::error::Result;
use crate::session::Session;
use crate::store;

pub fn run(g: &Global, args: &LogoutArgs) -> Result<Outcome> {
    let config = load_config(g)?;
    let names = if args.all {
        config.profile_names()
    } else {
        vec![config.select(explicit_profile(g, &args.profile)?)?]
    };
    for name in names {
        let profile = config.profile(&name)?;
        let session = Session::new(&profile)?;
        let had_token = session.forget_token()?;
        let mut forgotten = Vec::new();
        if args.forget {
            let mut accounts: Vec<String> = SecretName::ALL
                .iter()
                .filter(|s| profile.secret_source(**s) == SecretSource::Store)
                .map(|s| s.key().to_string())
                .collect();
            accounts.push("token-cache".into());
            let store = session.secrets().store()?;
            for what in accounts {
                if store.delete(&store::account(&name, &what))? {
                    forgotten.push(what);
                }
            }
        }
        let mut msg = format!(
            "authtool: profile '{name}': {}",
            if had_token {
                "cached token dropped"
            } else {
                "no cached token"
            }
        );
        if args.forget {
            if forgotten.is_empty() {
                msg.push_str("; no stored secrets");
            } else {
                msg.push_str(&format!("; forgot {}", forgotten.join(", ")));
            }
        }
        eprintln!("{msg}");
    }
    Ok(Outcome::default())
}
