//! `login`: ask for the profile's secrets that live in the secret store,
//! store them, then prove them by logging in. A secret the provider rejects
//! is not kept: the previous value is put back (or the entry removed).

use super::{Outcome, load_profile};
use crate::cli::{Global, LoginArgs};
use crate::config::{Profile, SecretName, SecretSource};
use crate::error::{Error, Kind, Result};
use crate::secret::Secret;
use crate::session::Session;
use crate::store::{self, SecretStore};
use crate::timefmt;
use std::io::{IsTerminal, Read};

/// The most `--secret-stdin` reads.
const MAX_STDIN: u64 = 1024 * 1024;

pub fn run(g: &Global, args: &LoginArgs) -> Result<Outcome> {
    let (_config, profile) = load_profile(g, &args.profile)?;
    let name = &profile.name;
    let wanted = stored_secrets(&profile);
    let person = profile.provider.provider().person_wait() > std::time::Duration::ZERO;
    let values = if wanted.is_empty() && person {
        // A person's login (browser or device): nothing to store first.
        Vec::new()
    } else if wanted.is_empty() {
        eprintln!(
            "authtool: profile '{name}' takes every secret from its config (NAME_env, NAME_command, NAME_file or inline); nothing to store"
        );
        Vec::new()
    } else if args.secret_stdin {
        read_stdin(&profile, &wanted)?
    } else if std::io::stdin().is_terminal() {
        prompt(&profile, &wanted)?
    } else {
        return Err(Error::login_required(format!(
            "profile '{name}': stdin is not a terminal, so authtool cannot ask for {}",
            keys(&wanted)
        ))
        .hint(format!(
            "pipe them in, one per line in this order: {}, and pass --secret-stdin",
            keys(&wanted)
        ))
        .hint("or configure them with NAME_env / NAME_command / NAME_file in the profile"));
    };

    let session = Session::new(&profile)?;
    let mut previous = Vec::new();
    let mut stored = None;
    if !values.is_empty() {
        let store = session.secrets().store()?;
        for (secret, value) in wanted.iter().zip(&values) {
            let account = store::account(name, secret.key());
            previous.push((account.clone(), store.get(&account)?));
            store.set(&account, value)?;
        }
        stored = Some(format!(
            "authtool: profile '{name}': stored {} in the {} secret store",
            keys(&wanted),
            store.name()
        ));
    }
    // "stored" is said only once it stays true: a rejected value is taken
    // back below.
    let say_stored = || stored.iter().for_each(|line| eprintln!("{line}"));
    if args.no_verify {
        say_stored();
        return Ok(Outcome::default());
    }

    match session.login() {
        Ok(token) => {
            say_stored();
            let now = timefmt::now();
            let what = if person {
                "logged in (the token expires"
            } else {
                "verified: the provider issued a token (expires"
            };
            eprintln!(
                "authtool: profile '{name}': {what} {})",
                timefmt::relative(token.expires_at.unwrap_or(now), now)
            );
            Ok(Outcome::default())
        }
        Err(mut e) if e.kind == Kind::Rejected && !previous.is_empty() => {
            let restored = session
                .secrets()
                .store()
                .and_then(|store| restore(store, &previous));
            let (what, was) = if wanted.len() == 1 {
                ("it", "was")
            } else {
                ("they", "were")
            };
            e.message = match restored {
                Ok(()) => format!(
                    "profile '{name}': the login with the new {} was refused, so {what} {was} not kept: {}",
                    keys(&wanted),
                    e.message
                ),
                Err(r) => format!(
                    "profile '{name}': the login with the new {} was refused, and {what} {was} kept all the same: putting back the previous value failed ({}): {}",
                    keys(&wanted),
                    r.message,
                    e.message
                ),
            };
            if e.hints.is_empty() {
                e = e.hint(format!(
                    "check the value and run `authtool login {name}` again"
                ));
            }
            Err(e)
        }
        Err(e) if !previous.is_empty() => {
            say_stored();
            Err(e.hint(format!(
                "the secrets are stored but could not be checked; `authtool token {name}` will try them, or run `authtool login {name}` again"
            )))
        }
        Err(e) => Err(e),
    }
}

/// The secrets the provider needs that come from the secret store, in the
/// provider's order (the order `--secret-stdin` reads them).
pub fn stored_secrets(profile: &Profile) -> Vec<SecretName> {
    profile
        .provider
        .provider()
        .secret_names()
        .into_iter()
        .filter(|s| profile.secret_source(*s) == SecretSource::Store)
        .collect()
}

fn keys(names: &[SecretName]) -> String {
    names.iter().map(|s| s.key()).collect::<Vec<_>>().join(", ")
}

/// One secret per line; `\r\n` accepted; nothing but empty lines may follow.
fn read_stdin(profile: &Profile, wanted: &[SecretName]) -> Result<Vec<Secret>> {
    let mut raw = Vec::new();
    std::io::stdin()
        .take(MAX_STDIN + 1)
        .read_to_end(&mut raw)
        .map_err(|e| Error::internal(format!("cannot read stdin: {e}")))?;
    if raw.len() as u64 > MAX_STDIN {
        // Refused rather than cut short. Wiped as a Secret is (volatile
        // writes), once zeroed to be valid UTF-8.
        raw.fill(0);
        drop(Secret::new(String::from_utf8(raw).unwrap_or_default()));
        return Err(Error::config(format!(
            "profile '{}': --secret-stdin: the input is larger than {} MiB, the most authtool reads; nothing was stored",
            profile.name,
            MAX_STDIN / (1024 * 1024)
        ))
        .hint("give one secret per line, each as the provider issued it"));
    }
    let text = Secret::new(
        String::from_utf8(raw)
            .map_err(|_| Error::config("--secret-stdin: the input is not UTF-8 text"))?,
    );
    parse_lines(&profile.name, text.expose(), wanted)
}

/// Groups the lines of a PEM block (`-----BEGIN …` to `-----END …`) into
/// one value: a private key is the one multi-line secret.
fn pem_values(lines: Vec<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let mut block: Option<Vec<&str>> = None;
    for line in lines {
        match &mut block {
            Some(b) => {
                b.push(line);
                if line.starts_with("-----END ") {
                    out.push(b.join("\n"));
                    block = None;
                }
            }
            None if line.starts_with("-----BEGIN ") => block = Some(vec![line]),
            None => out.push(line.to_string()),
        }
    }
    if let Some(b) = block {
        out.push(b.join("\n"));
    }
    out
}

fn parse_lines(profile: &str, text: &str, wanted: &[SecretName]) -> Result<Vec<Secret>> {
    let pem = if wanted.contains(&SecretName::PrivateKey) {
        " (a PEM key as its BEGIN to END lines)"
    } else {
        ""
    };
    let order = || {
        format!(
            "give one secret per line, in this order: {}{pem}",
            keys(wanted)
        )
    };
    let lines: Vec<String> = pem_values(
        text.split_terminator('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .collect(),
    );
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (values, rest) = lines.split_at(wanted.len().min(lines.len()));
    if values.len() < wanted.len() {
        return Err(Error::config(format!(
            "profile '{profile}': --secret-stdin expected {} line{}, got {}",
            wanted.len(),
            if wanted.len() == 1 { "" } else { "s" },
            values.len()
        ))
        .hint(order()));
    }
    if rest.iter().any(|l| !l.is_empty()) {
        return Err(Error::config(format!(
            "profile '{profile}': --secret-stdin got more lines than the {} expected; nothing was stored",
            keys(wanted)
        ))
        .hint(order()));
    }
    values
        .iter()
        .zip(wanted)
        .map(|(value, name)| check(profile, *name, value).map(|()| Secret::new(*value)))
        .collect()
}

fn check(profile: &str, name: SecretName, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::config(format!(
            "profile '{profile}': the {} is empty; nothing was stored",
            name.key()
        )));
    }
    let multiline = name == SecretName::PrivateKey;
    if value
        .chars()
        .any(|c| c.is_control() && !(multiline && c == '\n'))
    {
        return Err(Error::config(format!(
            "profile '{profile}': the {} contains a control character; nothing was stored",
            name.key()
        )));
    }
    Ok(())
}

/// Asks on the terminal, without echo.
fn prompt(profile: &Profile, wanted: &[SecretName]) -> Result<Vec<Secret>> {
    let mut out = Vec::new();
    for name in wanted {
        let read = |prompt: String| {
            rpassword::prompt_password(prompt).map_err(|e| {
                Error::login_required(format!(
                    "cannot read the {} from the terminal: {e}",
                    name.key()
                ))
            })
        };
        let pem = if *name == SecretName::PrivateKey {
            " (paste the PEM; it ends at its END line)"
        } else {
            ""
        };
        let mut value = Secret::new(read(format!(
            "{} for profile '{}'{pem} (hidden): ",
            name.key(),
            profile.name
        ))?);
        if value.expose().starts_with("-----BEGIN ") {
            // A PEM block, pasted line by line.
            let mut lines = vec![value.expose().to_string()];
            while !lines.last().is_some_and(|l| l.starts_with("-----END ")) {
                lines.push(read(String::new())?);
            }
            value = Secret::new(lines.join("\n"));
        }
        check(&profile.name, *name, value.expose())?;
        out.push(value);
    }
    Ok(out)
}

/// Puts back what was stored before a rejected login.
fn restore(store: &dyn SecretStore, previous: &[(String, Option<Secret>)]) -> Result<()> {
    for (account, value) in previous {
        match value {
            Some(v) => store.set(account, v)?,
            None => {
                store.delete(account)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: [SecretName; 2] = [SecretName::ApiKey, SecretName::Password];

    #[test]
    fn stdin_lines() {
        let got = parse_lines("p", "k1\r\npw\n", &TWO).unwrap();
        assert_eq!(got[0].expose(), "k1");
        assert_eq!(got[1].expose(), "pw");
        // No trailing newline, or trailing empty lines: fine.
        assert_eq!(parse_lines("p", "k1\npw", &TWO).unwrap().len(), 2);
        assert_eq!(parse_lines("p", "k1\npw\n\n", &TWO).unwrap().len(), 2);
    }

    #[test]
    fn pem_keys_span_lines() {
        let two = [SecretName::PrivateKey, SecretName::Password];
        let got = parse_lines(
            "p",
            "-----BEGIN PRIVATE KEY-----\r\nAAA\nBBB\n-----END PRIVATE KEY-----\npw\n",
            &two,
        )
        .unwrap();
        assert_eq!(
            got[0].expose(),
            "-----BEGIN PRIVATE KEY-----\nAAA\nBBB\n-----END PRIVATE KEY-----"
        );
        assert_eq!(got[1].expose(), "pw");
        assert!(parse_lines("p", "a\nb\n", &TWO[..1]).is_err());
        assert!(parse_lines("p", "x\ny\n", &[SecretName::ApiKey, SecretName::Password]).is_ok());
        assert!(check("p", SecretName::Password, "a\nb").is_err());
    }

    #[test]
    fn bad_stdin() {
        let short = parse_lines("p", "k1\n", &TWO).unwrap_err();
        assert!(
            short.message.contains("expected 2 lines"),
            "{}",
            short.message
        );
        assert!(short.hints[0].contains("api_key, password"));
        let long = parse_lines("p", "a\nb\nc\n", &TWO).unwrap_err();
        assert!(long.message.contains("more lines"), "{}", long.message);
        let empty = parse_lines("p", "\npw\n", &TWO).unwrap_err();
        assert!(
            empty.message.contains("api_key is empty"),
            "{}",
            empty.message
        );
        let ctl = parse_lines("p", "k\u{1b}1\npw\n", &TWO).unwrap_err();
        assert!(ctl.message.contains("control character"), "{}", ctl.message);
        assert!(!ctl.message.contains("k\u{1b}1"));
    }
}
