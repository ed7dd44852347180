//! A profile's secrets, each from its source: an environment variable
//! (`NAME_env`), a command's stdout (`NAME_command`), a file's content
//! (`NAME_file`, read at each use), an inline value (accepted with a
//! warning), else the profile's secret store.

use super::{SecretStore, account, kind_for, open};
use crate::config::{Profile, SecretName, SecretSource};
use crate::error::{Error, Result};
use crate::secret::Secret;
use std::cell::OnceCell;
use std::time::{Duration, Instant};

/// Resolves secrets for one profile, opening its store only if a secret
/// actually has to come from there.
pub struct Secrets<'a> {
    profile: &'a Profile,
    store: OnceCell<Box<dyn SecretStore>>,
}

impl<'a> Secrets<'a> {
    pub fn new(profile: &'a Profile) -> Self {
        Secrets {
            profile,
            store: OnceCell::new(),
        }
    }

    /// The profile's store, opened on first use.
    pub fn store(&self) -> Result<&dyn SecretStore> {
        if let Some(s) = self.store.get() {
            return Ok(s.as_ref());
        }
        let store = open(kind_for(self.profile)?)?;
        Ok(self.store.get_or_init(|| store).as_ref())
    }

    /// The value of `name` for `profile`: env, command, file, inline, else
    /// store.
    pub fn get(&self, profile: &Profile, name: SecretName) -> Result<Secret> {
        let key = name.key();
        let missing = |why: String| {
            Error::login_required(format!("profile '{}': {why}", profile.name))
                .hint(format!("run `authtool login {}` to store it", profile.name))
                .hint(format!(
                    "or set `{key}_env = \"VARIABLE\"`, `{key}_command = \"…\"` or `{key}_file = \"PATH\"` in the profile"
                ))
        };
        match profile.secret_source(name) {
            SecretSource::Env(var) => match std::env::var(&var) {
                Ok(v) if !v.is_empty() => Ok(Secret::new(v)),
                Ok(_) => Err(Error::login_required(format!(
                    "profile '{}': environment variable ${var} (from `{key}_env`) is empty",
                    profile.name
                ))
                .hint(format!("export {var}=… before running authtool"))),
                Err(std::env::VarError::NotUnicode(_)) => Err(Error::login_required(format!(
                    "profile '{}': environment variable ${var} (from `{key}_env`) is not valid UTF-8",
                    profile.name
                ))
                .hint(format!("export {var}=… with the secret as UTF-8 text"))),
                Err(std::env::VarError::NotPresent) => Err(Error::login_required(format!(
                    "profile '{}': environment variable ${var} (from `{key}_env`) is not set",
                    profile.name
                ))
                .hint(format!("export {var}=… before running authtool"))),
            },
            SecretSource::Command(cmd) => {
                run_secret_command(profile, key, &cmd)
            }
            SecretSource::File(path) => read_secret_file(profile, key, &path),
            SecretSource::Inline(value) => {
                crate::warn!(
                    "profile '{}': `{key}` is written in plain text in the config file; prefer `authtool login` or `{key}_env`",
                    profile.name
                );
                Ok(value)
            }
            SecretSource::Store => {
                let store = self.store()?;
                match store.get(&account(&profile.name, key))? {
                    Some(v) if !v.is_empty() => Ok(v),
                    _ => Err(missing(format!(
                        "no {key} is stored in the {} secret store",
                        store.name()
                    ))),
                }
            }
        }
    }
}

/// The most a secret file may hold (a PEM RSA key is a few kB, a
/// workload's token a few kB more).
const MAX_SECRET_FILE: u64 = 1024 * 1024;

/// Reads `NAME_file`: the file's trimmed content, at each use (a mounted
/// secret or a projected token may be replaced at any time). A regular
/// file only (never a FIFO or device), size-capped, through
/// [`crate::fsutil`].
fn read_secret_file(profile: &Profile, key: &str, path: &std::path::Path) -> Result<Secret> {
    let name = &profile.name;
    let located = |e: Error| {
        let mut err = e.context(format_args!("profile '{name}': `{key}_file`"));
        if err.hints.is_empty() {
            err = err.hint(format!("check `{key}_file` and the file's permissions"));
        }
        err
    };
    let bytes = crate::fsutil::read_limited(path, MAX_SECRET_FILE, false, "")
        .map_err(located)?
        .ok_or_else(|| {
            Error::login_required(format!(
                "profile '{name}': `{key}_file` {} does not exist",
                path.display()
            ))
            .hint(format!(
                "create it, or point `{key}_file` at the file that holds the {key}"
            ))
        })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::config(format!(
            "profile '{name}': `{key}_file` {} is not UTF-8 text",
            path.display()
        ))
        .hint(format!(
            "`{key}_file` must name a text file (PEM, a token, a password)"
        ))
    })?;
    // Held as a secret, so the untrimmed copy is wiped too.
    let text = Secret::new(text);
    let value = text.expose().trim();
    if value.is_empty() {
        return Err(Error::login_required(format!(
            "profile '{name}': `{key}_file` {} is empty",
            path.display()
        ))
        .hint(format!("write the {key} into it")));
    }
    Ok(Secret::new(value))
}

/// Runs `NAME_command` with `sh -c` (`cmd /C` on Windows) and returns its
/// trimmed stdout. Bounded by the profile's timeout.
fn run_secret_command(profile: &Profile, key: &str, cmd: &str) -> Result<Secret> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let timeout = profile.common.timeout;
    let secret_vars = profile.secret_env_vars();
    let profile = &profile.name;
    let fail = |why: String| {
        Error::login_required(format!(
            "profile '{profile}': `{key}_command` ({cmd}) {why}"
        ))
        .hint(format!(
            "run the command yourself to see what is wrong, or fix `{key}_command`"
        ))
    };
    #[cfg(windows)]
    let mut command = {
        let mut c = Command::new("cmd");
        c.arg("/C").arg(cmd);
        c
    };
    #[cfg(not(windows))]
    let mut command = {
        let mut c = Command::new("sh");
        c.arg("-c").arg(cmd);
        c
    };
    // The command gets none of the profile's other secrets.
    for var in secret_vars {
        command.env_remove(var);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| fail(format!("could not be started: {e}")))?;
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = (&mut stdout).take(1024 * 1024).read_to_end(&mut buf);
        buf
    });
    let deadline = crate::timefmt::deadline(timeout);
    let status = loop {
        match child.try_wait()? {
            Some(status) => break status,
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail(format!(
                    "did not finish within {}s",
                    timeout.as_secs()
                )));
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        return Err(fail(format!("failed ({status})")));
    }
    let text =
        String::from_utf8(out).map_err(|_| fail("printed something that is not UTF-8".into()))?;
    let value = text.trim();
    if value.is_empty() {
        return Err(fail("printed nothing".into()));
    }
    Ok(Secret::new(value))
}
