//! The `kernel` secret store (Linux only): `user` keys in the kernel's
//! session keyring (keyutils). It needs no D-Bus and no daemon, so it works
//! on headless machines, but it is session-scoped and in memory only: the
//! keys are gone when the login session ends and at reboot. Chosen only
//! explicitly (`secret_store = "kernel"` or `$AUTHTOOL_SECRET_STORE=kernel`).
//!
//! Keys are described `authtool:<profile>/<secret name>`
//! (`keyctl search @s user authtool:prod/client_secret`).
//!
//! Keyring system calls do not block, so unlike the OS keychain they need
//! no time limit.

use super::SecretStore;
use crate::envvars;
use crate::error::{Error, Result};
use crate::secret::Secret;
use linux_keyutils::{KeyError, KeyRing, KeyRingIdentifier};

/// The largest value a `user` key holds.
const MAX_VALUE: usize = 32_767;

pub struct KernelStore {
    session: KeyRing,
}

impl KernelStore {
    /// The session keyring of this process (the user-session keyring when
    /// the process has none). Never creates a keyring that would die with
    /// this process.
    pub fn open() -> Result<Self> {
        let session = KeyRing::from_special_id(KeyRingIdentifier::Session, false)
            .map_err(|e| kernel_error("open the session keyring", None, e))?;
        Ok(KernelStore { session })
    }
}

/// The key description of an account.
pub fn description(account: &str) -> String {
    format!("{}:{account}", super::SERVICE)
}

impl SecretStore for KernelStore {
    fn name(&self) -> &'static str {
        "kernel"
    }

    fn get(&self, account: &str) -> Result<Option<Secret>> {
        let key = match self.session.search(&description(account)) {
            Ok(key) => key,
            Err(e) if is_missing(e) => return Ok(None),
            Err(e) => return Err(kernel_error("search", Some(account), e)),
        };
        let bytes = match key.read_to_vec() {
            Ok(bytes) => bytes,
            // Invalidated or expired between the search and the read.
            Err(e) if is_missing(e) => return Ok(None),
            Err(e) => return Err(kernel_error("read", Some(account), e)),
        };
        String::from_utf8(bytes)
            .map(|s| Some(Secret::new(s)))
            .map_err(|_| {
                Error::store(format!(
                    "the kernel keyring key `{}` is not UTF-8 text",
                    description(account)
                ))
                .hint("run `authtool login` to replace it")
            })
    }

    fn set(&self, account: &str, value: &Secret) -> Result<()> {
        if value.expose().len() > MAX_VALUE {
            return Err(Error::store(format!(
                "the value for `{account}` is {} bytes; the kernel keyring holds at most {MAX_VALUE}",
                value.expose().len()
            ))
            .hint("use `secret_store = \"file\"` for this profile"));
        }
        // Replaces a key of the same description in the session keyring.
        self.session
            .add_key(&description(account), value.expose().as_bytes())
            .map(|_| ())
            .map_err(|e| kernel_error("write", Some(account), e))
    }

    fn delete(&self, account: &str) -> Result<bool> {
        let key = match self.session.search(&description(account)) {
            Ok(key) => key,
            Err(e) if is_missing(e) => return Ok(false),
            Err(e) => return Err(kernel_error("search", Some(account), e)),
        };
        match key.invalidate() {
            Ok(()) => Ok(true),
            Err(e) if is_missing(e) => Ok(false),
            Err(e) => Err(kernel_error("delete", Some(account), e)),
        }
    }
}

fn is_missing(e: KeyError) -> bool {
    matches!(
        e,
        KeyError::KeyDoesNotExist | KeyError::KeyRevoked | KeyError::KeyExpired
    )
}

/// ENOSYS: the system calls are missing or filtered (seccomp in containers).
const ENOSYS: i32 = 38;

fn kernel_error(what: &str, account: Option<&str>, e: KeyError) -> Error {
    let at = account
        .map(|a| format!(" `{}`", description(a)))
        .unwrap_or_default();
    let reason = match e {
        KeyError::AccessDenied | KeyError::PermissionDenied => {
            "permission denied (the session keyring belongs to another user or session)".into()
        }
        KeyError::QuotaExceeded => {
            "your kernel key quota is full (see /proc/key-users; `keyctl clear @s` frees it)".into()
        }
        KeyError::Unknown(ENOSYS) | KeyError::OperationNotSupported => {
            "the kernel keyring is not available here (container seccomp filters often block it)"
                .into()
        }
        other => format!("{other}"),
    };
    Error::store(format!("the kernel keyring: cannot {what}{at}: {reason}"))
        .hint(format!(
            "use another store: `secret_store = \"file\"` in the profile, or ${}=file",
            envvars::SECRET_STORE
        ))
        .hint("or give each secret with `NAME_env = \"VARIABLE\"`, `NAME_command = \"…\"` or `NAME_file = \"PATH\"`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions() {
        assert_eq!(description("p/client_secret"), "authtool:p/client_secret");
    }

    #[test]
    fn errors_are_exit_4() {
        let e = kernel_error("write", Some("p/x"), KeyError::Unknown(ENOSYS));
        assert_eq!(e.kind, crate::Kind::Store);
        assert!(e.message.contains("seccomp"), "{}", e.message);
    }
}
