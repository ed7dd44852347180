//! The `keyring` secret store: the OS keychain through the keyring-core
//! family — the Secret Service over D-Bus on Linux (gnome-keyring,
//! KWallet, KeePassXC), the login Keychain on macOS, the Credential Manager
//! on Windows. There is no in-memory mock and no fallback: a platform
//! without a keychain store gets an error.
//!
//! Entries: service `authtool`, account `<profile>/<secret name>`; on Linux
//! the label `authtool: <profile>/<secret name>` is what Seahorse shows.
//!
//! Every call runs on a worker thread and is abandoned after a time limit
//! (a locked keychain may be waiting for someone to type its password; a
//! wedged D-Bus daemon may never answer). The connection is made once per
//! process and only when a secret is actually needed, never on the
//! cached-token path.

use super::SecretStore;
use crate::envvars;
use crate::error::{Error, Result};
use crate::secret::Secret;
use keyring_core::{CredentialStore, Entry};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// What the keychain is called in messages.
#[cfg(target_os = "linux")]
const PLATFORM: &str = "the OS keychain (Secret Service over D-Bus)";
#[cfg(target_os = "macos")]
const PLATFORM: &str = "the macOS Keychain";
#[cfg(windows)]
const PLATFORM: &str = "the Windows Credential Manager";
#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
const PLATFORM: &str = "the OS keychain";

/// The time limit of one keychain call when nobody is at the terminal.
const SCRIPT_LIMIT: Duration = Duration::from_secs(5);
/// The time limit when stdin is a terminal: a person may be answering the
/// keychain's unlock prompt.
const INTERACTIVE_LIMIT: Duration = Duration::from_secs(30);

/// The one connection of this process (or why there is none).
static CONNECTION: OnceLock<std::result::Result<Arc<CredentialStore>, Error>> = OnceLock::new();
/// Set once a call timed out: the worker may still hold the connection, so
/// later calls fail at once instead of waiting again.
static WEDGED: AtomicBool = AtomicBool::new(false);

/// The OS keychain.
pub struct KeyringStore {
    store: Arc<CredentialStore>,
    limit: Duration,
}

impl KeyringStore {
    /// Connects to the keychain (once per process), within the time limit.
    pub fn open() -> Result<Self> {
        let limit = time_limit()?;
        let store = CONNECTION
            .get_or_init(|| bounded(limit, "connect to", None, connect))
            .clone()?;
        Ok(KeyringStore { store, limit })
    }

    /// Runs `op` on the entry for `account` within the time limit.
    fn call<T: Send + 'static>(
        &self,
        what: &'static str,
        account: &str,
        op: impl FnOnce(&Entry) -> keyring_core::Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = self.store.clone();
        let owned = account.to_string();
        bounded(self.limit, what, Some(account), move || {
            let label = label(&owned);
            let mut mods = HashMap::new();
            // On Linux: the label Seahorse shows. Other stores take no label.
            if cfg!(target_os = "linux") {
                mods.insert("label", label.as_str());
            }
            let entry = store.build(super::SERVICE, &owned, Some(&mods))?;
            op(&entry)
        })
    }
}

impl SecretStore for KeyringStore {
    fn name(&self) -> &'static str {
        "keyring"
    }

    fn get(&self, account: &str) -> Result<Option<Secret>> {
        self.call("read", account, |entry| match entry.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        })
    }

    fn set(&self, account: &str, value: &Secret) -> Result<()> {
        let value = value.clone();
        self.call("write", account, move |entry| {
            entry.set_password(value.expose())
        })
    }

    fn delete(&self, account: &str) -> Result<bool> {
        self.call("delete", account, |entry| match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(e),
        })
    }
}

/// `$AUTHTOOL_KEYRING_TIMEOUT`, else 30 s at a terminal, else 5 s.
fn time_limit() -> Result<Duration> {
    use std::io::IsTerminal;
    match std::env::var(envvars::KEYRING_TIMEOUT) {
        Ok(text) if !text.trim().is_empty() => crate::timefmt::parse_duration(&text)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                Error::config(format!(
                    "${} = `{text}` is not a duration like \"5s\"",
                    envvars::KEYRING_TIMEOUT
                ))
            }),
        _ if std::io::stdin().is_terminal() => Ok(INTERACTIVE_LIMIT),
        _ => Ok(SCRIPT_LIMIT),
    }
}

/// The platform store. Each platform has exactly one; anything else is an
/// error, never a mock.
fn connect() -> keyring_core::Result<Arc<CredentialStore>> {
    #[cfg(target_os = "linux")]
    let store: Arc<CredentialStore> = dbus_secret_service_keyring_store::Store::new()?;
    #[cfg(target_os = "macos")]
    let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new()?;
    #[cfg(windows)]
    let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new()?;
    #[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
    let store: Arc<CredentialStore> = {
        return Err(keyring_core::Error::NotSupportedByStore(
            "authtool has no OS keychain support on this platform".into(),
        ));
    };
    Ok(store)
}

/// What a user sees in their keychain app.
pub fn label(account: &str) -> String {
    format!("{}: {account}", super::SERVICE)
}

/// Runs `op` on a worker thread and waits at most `limit` for it.
fn bounded<T: Send + 'static>(
    limit: Duration,
    what: &'static str,
    account: Option<&str>,
    op: impl FnOnce() -> keyring_core::Result<T> + Send + 'static,
) -> Result<T> {
    if WEDGED.load(Ordering::Relaxed) {
        return Err(timed_out(limit, what, account));
    }
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("authtool-keychain".into())
        .spawn(move || {
            let _ = tx.send(op());
        })
        .map_err(|e| Error::internal(format!("cannot start a thread for the keychain: {e}")))?;
    match rx.recv_timeout(limit) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(keychain_error(what, account, e)),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            WEDGED.store(true, Ordering::Relaxed);
            Err(timed_out(limit, what, account))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(with_alternatives(Error::store(format!(
            "{PLATFORM} failed unexpectedly ({what} {})",
            target(account)
        )))),
    }
}

fn target(account: Option<&str>) -> String {
    match account {
        Some(a) => format!("entry `{a}`"),
        None => "the keychain".to_string(),
    }
}

fn timed_out(limit: Duration, what: &str, account: Option<&str>) -> Error {
    with_alternatives(
        Error::store(format!(
            "{PLATFORM} did not answer within {} ({what} {})",
            crate::timefmt::human_secs(limit.as_secs().max(1)),
            target(account)
        ))
        .hint("if it is asking for its password, unlock it and run the command again")
        .hint(format!(
            "a slow keychain can be given more time: ${}=30s",
            envvars::KEYRING_TIMEOUT
        )),
    )
}

/// Maps a keychain failure to an exit-4 error that says what to do. Only
/// "no such entry" is not an error, and callers handle that themselves.
fn keychain_error(what: &str, account: Option<&str>, err: keyring_core::Error) -> Error {
    use keyring_core::Error as K;
    let at = target(account);
    let error = match &err {
        K::NoStorageAccess(detail) => {
            return Error::store(format!(
                "{PLATFORM} is locked or refused access ({what} {at}): {detail}"
            ))
            .summary("keychain locked")
            .hint(unlock_hint());
        }
        K::PlatformFailure(detail) if account.is_none() => {
            let detail = detail.to_string();
            match unreachable(&detail) {
                Unreachable::NoBus => return no_bus(&detail),
                Unreachable::NoSecretService => return no_secret_service(&detail),
                Unreachable::Other => {
                    Error::store(format!("cannot reach {PLATFORM}: {detail}")).hint(start_hint())
                }
            }
        }
        K::TooLong(field, limit) => {
            let error = Error::store(format!(
                "{at} is too large for {PLATFORM}: its {field} may be at most {limit} bytes"
            ));
            let error = if account.is_some_and(|a| a.ends_with("/token-cache")) {
                error.hint(
                    "keep access tokens in the cache file: `token_cache = \"file\"` (the default)",
                )
            } else {
                error
            };
            return error.hint(format!(
                "keep this profile's secrets in the file store: `secret_store = \"file\"` or ${}=file",
                envvars::SECRET_STORE
            ));
        }
        K::Ambiguous(entries) => {
            return Error::store(format!(
                "{} keychain entries match service `{}`, {at}",
                entries.len(),
                super::SERVICE
            ))
            .hint("delete the duplicates in your keychain app, then run `authtool login` again");
        }
        K::BadEncoding(_) => {
            return Error::store(format!("the keychain {at} is not UTF-8 text"))
                .hint("run `authtool login` to replace it");
        }
        other => Error::store(format!("{PLATFORM} failed ({what} {at}): {other}")),
    };
    with_alternatives(error)
}

/// Why the keychain could not be reached, as far as the connection error
/// tells (Linux: libdbus's and the bus daemon's standard messages).
#[derive(Debug, PartialEq)]
enum Unreachable {
    /// No D-Bus session bus: SSH, containers, CI.
    NoBus,
    /// A session bus that has no Secret Service and cannot start one.
    NoSecretService,
    Other,
}

fn unreachable(detail: &str) -> Unreachable {
    if !cfg!(target_os = "linux") {
        return Unreachable::Other;
    }
    // The bus answered: "The name org.freedesktop.secrets was not provided
    // by any .service files" (ServiceUnknown), or its activation failed.
    if detail.contains("org.freedesktop.secrets") || detail.contains("ServiceUnknown") {
        return Unreachable::NoSecretService;
    }
    // libdbus found no bus: no address and no autolaunch, or nothing
    // listening at the address.
    let no_bus = [
        "DBUS_SESSION_BUS_ADDRESS",
        "autolaunch",
        "Failed to connect to socket",
        "Connection refused",
    ];
    if no_bus.iter().any(|m| detail.contains(m)) {
        Unreachable::NoBus
    } else {
        Unreachable::Other
    }
}

/// The other stores, for a machine that has no keychain to offer.
fn headless_alternatives() -> String {
    format!(
        "use the file store (${}=file, or `secret_store = \"file\"` in the config), or give each secret with `NAME_env = \"VARIABLE\"`, `NAME_command = \"…\"` or `NAME_file = \"PATH\"` in the profile",
        envvars::SECRET_STORE
    )
}

fn no_bus(detail: &str) -> Error {
    Error::store(format!(
        "no D-Bus session, so {PLATFORM} cannot be reached: {detail}"
    ))
    .summary("no D-Bus session")
    .hint(format!(
        "without a desktop session (SSH, containers, CI) there is no keychain: {}",
        headless_alternatives()
    ))
}

fn no_secret_service(detail: &str) -> Error {
    Error::store(format!(
        "the D-Bus session has no Secret Service (no gnome-keyring, KeePassXC or KWallet runs in it): {detail}"
    ))
    .summary("no Secret Service")
    .hint(format!(
        "start one in this session (`gnome-keyring-daemon --start --components=secrets`), or {}",
        headless_alternatives()
    ))
}

fn unlock_hint() -> &'static str {
    if cfg!(target_os = "linux") {
        "unlock your login keyring (Seahorse, \"Passwords and Keys\", or `gnome-keyring-daemon --unlock`) and run the command again"
    } else {
        "unlock your keychain and run the command again"
    }
}

fn start_hint() -> &'static str {
    if cfg!(target_os = "linux") {
        "start a Secret Service such as gnome-keyring or KeePassXC in this session"
    } else {
        "unlock your keychain and run the command again"
    }
}

/// The other places a secret can live, as hints.
fn with_alternatives(error: Error) -> Error {
    let error = error.hint(format!(
        "or use the file store: `secret_store = \"file\"` in the profile, or ${}=file",
        envvars::SECRET_STORE
    ));
    let error = if cfg!(target_os = "linux") {
        error.hint("or the kernel keyring (lost at logout and reboot): `secret_store = \"kernel\"`")
    } else {
        error
    };
    error.hint("or give each secret with `NAME_env = \"VARIABLE\"`, `NAME_command = \"…\"` or `NAME_file = \"PATH\"` in the profile")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_exit_4_with_hints() {
        let locked = keychain_error(
            "read",
            Some("p/client_secret"),
            keyring_core::Error::NoStorageAccess("Secret Service: locked".into()),
        );
        assert_eq!(locked.kind, crate::Kind::Store);
        assert!(locked.message.contains("locked"), "{}", locked.message);
        assert!(locked.message.contains("p/client_secret"));
        // One hint, the one that fits: unlock it.
        assert_eq!(locked.hints.len(), 1, "{:?}", locked.hints);
        assert!(locked.hints[0].contains("unlock"), "{:?}", locked.hints);
        assert_eq!(locked.summary.as_deref(), Some("keychain locked"));

        let big = keychain_error(
            "write",
            Some("p/token-cache"),
            keyring_core::Error::TooLong("password encoded as UTF-16".into(), 2560),
        );
        assert_eq!(big.kind, crate::Kind::Store);
        assert!(big.message.contains("2560 bytes"), "{}", big.message);
        assert!(big.hints.iter().any(|h| h.contains("token_cache")));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn no_bus_no_secret_service_or_something_else() {
        use Unreachable::*;
        for (detail, want) in [
            (
                "DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead",
                NoBus,
            ),
            (
                "DBus error: Failed to connect to socket /run/user/1/bus: No such file or directory",
                NoBus,
            ),
            (
                "DBus error: Failed to connect to socket /tmp/x: Connection refused",
                NoBus,
            ),
            (
                "DBus error: The name org.freedesktop.secrets was not provided by any .service files",
                NoSecretService,
            ),
            (
                "DBus error: org.freedesktop.DBus.Error.ServiceUnknown",
                NoSecretService,
            ),
            ("DBus error: something else", Other),
        ] {
            assert_eq!(unreachable(detail), want, "{detail}");
        }
        let err = keychain_error(
            "connect to",
            None,
            keyring_core::Error::PlatformFailure(
                "DBus error: Failed to connect to socket /x: No such file or directory".into(),
            ),
        );
        assert_eq!(err.kind, crate::Kind::Store);
        assert_eq!(err.summary.as_deref(), Some("no D-Bus session"));
        assert_eq!(err.hints.len(), 1, "{:?}", err.hints);
        assert!(!err.hints[0].contains("unlock"), "{:?}", err.hints);
        assert!(err.hints[0].contains("=file"), "{:?}", err.hints);
    }

    #[test]
    fn a_hung_call_times_out() {
        let started = std::time::Instant::now();
        let err = bounded(Duration::from_millis(50), "read", Some("p/x"), || {
            std::thread::sleep(Duration::from_secs(5));
            Ok(())
        })
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(err.kind, crate::Kind::Store);
        assert!(err.message.contains("did not answer"), "{}", err.message);
        // Later calls fail at once instead of waiting on the wedged worker.
        assert!(WEDGED.load(Ordering::Relaxed));
        let again = bounded(Duration::from_secs(5), "read", None, || Ok(())).unwrap_err();
        assert!(again.message.contains("did not answer"));
        WEDGED.store(false, Ordering::Relaxed);
    }

    #[test]
    fn labels_are_recognisable() {
        assert_eq!(
            label("lbm-prod/client_secret"),
            "authtool: lbm-prod/client_secret"
        );
    }
}
