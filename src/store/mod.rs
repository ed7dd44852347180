//! Secret stores, the choice among them, and secret resolution.
//!
//! - this file: the [`SecretStore`] trait, opening a backend ([`open`]) and
//!   which store to use ([`choose`]: the precedence, written once);
//! - [`file`], [`keyring`], [`kernel`]: the backends;
//! - [`resolve`]: a profile's secret from its source (env, command,
//!   inline, else the store): [`Secrets`];
//! - [`index`]: the store-mode index of what git and Docker hand authtool
//!   to keep.
//!
//! Long-lived secrets (client secrets, passwords, API keys) live in a
//! [`SecretStore`]: the OS keychain by default, or a file store chosen
//! explicitly, or (Linux) the kernel keyring chosen explicitly. Entries
//! are named service `authtool`, account `<profile>/<secret name>`; a
//! profile's refresh token is the entry `<profile>/refresh_token`. There is
//! never a silent fallback from one store to another.

pub mod file;
pub mod index;
#[cfg(target_os = "linux")]
pub mod kernel;
pub mod keyring;
pub mod resolve;

pub use resolve::Secrets;

use crate::config::{Profile, StoreKind};
use crate::envvars;
use crate::error::{Error, Result};
use crate::secret::Secret;

/// The service name of every entry.
pub const SERVICE: &str = "authtool";

/// A place to keep secrets. Every call is bounded in time by the backend.
pub trait SecretStore {
    /// A short name for messages (`keyring`, `file`).
    fn name(&self) -> &'static str;
    fn get(&self, account: &str) -> Result<Option<Secret>>;
    fn set(&self, account: &str, value: &Secret) -> Result<()>;
    /// Deletes an entry; returns whether it existed.
    fn delete(&self, account: &str) -> Result<bool>;
}

/// The account name of a profile's secret: `<profile>/<name>`.
pub fn account(profile: &str, name: &str) -> String {
    format!("{profile}/{name}")
}

/// Which store to use, the one place this precedence is written:
/// `$AUTHTOOL_SECRET_STORE`, else the configured `secret_store` (a
/// profile's own or its `[defaults]`, as the profile resolved it; for
/// credentials of no profile, `[defaults] secret_store`), else the OS
/// keychain.
pub fn choose(configured: Option<StoreKind>) -> Result<StoreKind> {
    Ok(env_kind()?.or(configured).unwrap_or_default())
}

/// Which store a profile uses ([`choose`] with its `secret_store`).
pub fn kind_for(profile: &Profile) -> Result<StoreKind> {
    choose(Some(profile.common.secret_store))
}

/// The store `$AUTHTOOL_SECRET_STORE` names, if it is set.
fn env_kind() -> Result<Option<StoreKind>> {
    match std::env::var(envvars::SECRET_STORE) {
        Ok(v) if !v.is_empty() => StoreKind::parse(&v).map(Some).ok_or_else(|| {
            Error::config(format!(
                "${} = `{v}` is not a secret store (use keyring, file or kernel)",
                envvars::SECRET_STORE
            ))
        }),
        _ => Ok(None),
    }
}

/// The name of a store kind, as written in `secret_store`.
pub fn kind_name(kind: StoreKind) -> &'static str {
    match kind {
        StoreKind::Keyring => "keyring",
        StoreKind::File => "file",
        StoreKind::Kernel => "kernel",
    }
}

/// Opens a store. For the OS keychain this connects (within its time
/// limit), so call it only when a secret is actually needed.
pub fn open(kind: StoreKind) -> Result<Box<dyn SecretStore>> {
    match kind {
        StoreKind::File => Ok(Box::new(file::FileStore::open_default()?)),
        StoreKind::Keyring => Ok(Box::new(keyring::KeyringStore::open()?)),
        #[cfg(target_os = "linux")]
        StoreKind::Kernel => Ok(Box::new(kernel::KernelStore::open()?)),
        #[cfg(not(target_os = "linux"))]
        StoreKind::Kernel => Err(Error::store(
            "the kernel keyring store (`secret_store = \"kernel\"`) exists only on Linux",
        )
        .hint("use `secret_store = \"keyring\"` (the OS keychain) or `secret_store = \"file\"`")),
    }
}
