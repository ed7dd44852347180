//! The index of credentials other programs hand authtool to keep: the
//! store mode of `git-credential` and `docker-credential`.
//!
//! Each kept secret is one secret-store entry (service `authtool`, account
//! `<namespace>:<key>`), written to $AUTHTOOL_SECRET_STORE, else
//! `[defaults] secret_store`, else the OS keychain. An index file under the
//! data dir (`<namespace>.json`: 0600, replaced atomically, changed only
//! under a lock file) lists what is kept with its non-secret fields (URL
//! parts, user name) and the store that holds it. So a lookup for a host
//! with nothing kept never opens the keychain, `list` needs no secret, and
//! an entry stays findable when the store setting changes later.

use crate::config::{Config, StoreKind};
use crate::error::{Error, Result};
use crate::fsutil::{self, FileLock};
use crate::secret::Secret;
use crate::store::{self, SecretStore};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::cell::OnceCell;
use std::path::PathBuf;
use std::time::Duration;

/// Bump when the index format changes.
const INDEX_VERSION: u32 = 1;

/// One kept credential, as the index lists it. `M` holds the caller's
/// non-secret fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry<M> {
    /// The secret-store account.
    pub account: String,
    /// Which store holds the secret (`keyring`, `file`, `kernel`).
    pub store: String,
    /// Unix seconds after which the entry is forgotten (`--timeout`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<u64>,
    #[serde(flatten)]
    pub meta: M,
}

impl<M> Entry<M> {
    /// Not yet past `until`. Whole seconds, so an entry lives at least its
    /// timeout and less than a second longer, never shorter.
    fn live(&self, now: u64) -> bool {
        self.until.is_none_or(|t| t >= now)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(bound = "M: Serialize + DeserializeOwned")]
struct Index<M> {
    version: u32,
    /// Newest first.
    entries: Vec<Entry<M>>,
}

/// The kept credentials of one namespace (`git-credential`, …).
pub struct Kept<M> {
    namespace: &'static str,
    index: PathBuf,
    lock_file: PathBuf,
    /// Where new entries go.
    kind: StoreKind,
    /// Opened on first use, one slot per [`StoreKind`].
    stores: [OnceCell<Box<dyn SecretStore>>; 3],
    _meta: std::marker::PhantomData<M>,
}

/// Where credentials that belong to no profile are kept: [`store::choose`]
/// with `[defaults] secret_store`.
pub fn store_kind(config: Option<&Config>) -> Result<StoreKind> {
    store::choose(config.and_then(Config::default_secret_store))
}

fn slot(kind: StoreKind) -> usize {
    match kind {
        StoreKind::Keyring => 0,
        StoreKind::File => 1,
        StoreKind::Kernel => 2,
    }
}

impl<M: Serialize + DeserializeOwned + Clone> Kept<M> {
    /// The kept credentials of `namespace`; nothing is read yet.
    pub fn open(namespace: &'static str, config: Option<&Config>) -> Result<Self> {
        let dir = crate::config::data_dir()?;
        Ok(Kept {
            namespace,
            index: dir.join(format!("{namespace}.json")),
            lock_file: dir.join(format!("{namespace}.lock")),
            kind: store_kind(config)?,
            stores: Default::default(),
            _meta: std::marker::PhantomData,
        })
    }

    /// The secret-store account for `key` (already escaped by the caller).
    pub fn account(&self, key: &str) -> String {
        format!("{}:{key}", self.namespace)
    }

    /// Serializes changes to this namespace across processes.
    pub fn lock(&self) -> Result<FileLock> {
        fsutil::lock(&self.lock_file, Duration::from_secs(10))
    }

    /// The live entries, newest first (entries past their `until` are
    /// left out). Reads only the index file.
    pub fn entries(&self) -> Result<Vec<Entry<M>>> {
        let now = crate::timefmt::now();
        Ok(self
            .read_index()?
            .into_iter()
            .filter(|e| e.live(now))
            .collect())
    }

    /// The secret of `entry`, from the store that holds it.
    pub fn secret(&self, entry: &Entry<M>) -> Result<Option<Secret>> {
        self.store_named(&entry.store)?.get(&entry.account)
    }

    /// Keeps `secret` under `account` (replacing an entry with the same
    /// account), listed first. Call with [`Kept::lock`] held.
    pub fn put(
        &self,
        _lock: &FileLock,
        account: String,
        meta: M,
        secret: &Secret,
        until: Option<u64>,
    ) -> Result<()> {
        // The secret first: an index entry never points at nothing new.
        self.store(self.kind)?.set(&account, secret)?;
        let kind = store::kind_name(self.kind).to_string();
        let mut entries = self.read_index()?;
        let (replaced, mut kept): (Vec<_>, Vec<_>) =
            entries.drain(..).partition(|e| e.account == account);
        for old in replaced.iter().filter(|e| e.store != kind) {
            self.forget_secret(old);
        }
        self.prune(&mut kept);
        kept.insert(
            0,
            Entry {
                account,
                store: kind,
                until,
                meta,
            },
        );
        self.write_index(kept)
    }

    /// Deletes the entries with these accounts (and their secrets). Call
    /// with [`Kept::lock`] held. Returns how many there were.
    pub fn remove(&self, _lock: &FileLock, accounts: &[String]) -> Result<usize> {
        let entries = self.read_index()?;
        let (doomed, mut kept): (Vec<_>, Vec<_>) = entries
            .into_iter()
            .partition(|e| accounts.contains(&e.account));
        for entry in &doomed {
            self.store_named(&entry.store)?.delete(&entry.account)?;
        }
        let pruned = self.prune(&mut kept);
        if !doomed.is_empty() || pruned {
            self.write_index(kept)?;
        }
        Ok(doomed.len())
    }

    /// Drops entries past their `until` (and their secrets, as far as the
    /// store allows). Returns whether any were dropped.
    fn prune(&self, entries: &mut Vec<Entry<M>>) -> bool {
        let now = crate::timefmt::now();
        let before = entries.len();
        entries.retain(|e| {
            let live = e.live(now);
            if !live {
                self.forget_secret(e);
            }
            live
        });
        entries.len() != before
    }

    /// Deletes an entry's secret; a store that fails only leaves an
    /// orphaned secret behind, never a broken index.
    fn forget_secret(&self, entry: &Entry<M>) {
        let deleted = self
            .store_named(&entry.store)
            .and_then(|s| s.delete(&entry.account));
        if let Err(e) = deleted {
            crate::debug!(
                "could not delete the old {} entry {} ({})",
                entry.store,
                entry.account,
                e.message
            );
        }
    }

    fn store_named(&self, name: &str) -> Result<&dyn SecretStore> {
        let kind = StoreKind::parse(name).ok_or_else(|| {
            Error::store(format!(
                "{}: unknown secret store `{name}`",
                self.index.display()
            ))
        })?;
        self.store(kind)
    }

    fn store(&self, kind: StoreKind) -> Result<&dyn SecretStore> {
        let cell = &self.stores[slot(kind)];
        if let Some(s) = cell.get() {
            return Ok(s.as_ref());
        }
        let opened = store::open(kind)?;
        Ok(cell.get_or_init(|| opened).as_ref())
    }

    fn read_index(&self) -> Result<Vec<Entry<M>>> {
        let Some(bytes) = fsutil::read_optional(&self.index)? else {
            return Ok(Vec::new());
        };
        let index: Index<M> = serde_json::from_slice(&bytes).map_err(|e| {
            Error::store(format!(
                "the index of kept credentials {} is damaged: {e}",
                self.index.display()
            ))
            .hint("move it away; the credentials it listed will be asked for again")
        })?;
        if index.version != INDEX_VERSION {
            return Err(Error::store(format!(
                "{} was written by another version of authtool (format {})",
                self.index.display(),
                index.version
            ))
            .hint("use that version, or move the file away"));
        }
        Ok(index.entries)
    }

    fn write_index(&self, entries: Vec<Entry<M>>) -> Result<()> {
        let index = Index {
            version: INDEX_VERSION,
            entries,
        };
        let data = serde_json::to_vec_pretty(&index)
            .map_err(|e| Error::internal(format!("cannot encode {}: {e}", self.index.display())))?;
        fsutil::write_atomic(&self.index, &data)
    }
}

/// Escapes one part of an account name so `/`, `@`, `:` and `%` in it can
/// never be confused with the separators around it.
pub fn escape(part: &str) -> String {
    url::form_urlencoded::byte_serialize(part.as_bytes()).collect()
}
