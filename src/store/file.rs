//! The `file` secret store: one JSON file, mode 0600, in a 0700 directory
//! under the data dir, replaced atomically on every write and guarded by a
//! lock file. Chosen only explicitly (`secret_store = "file"` or
//! `$AUTHTOOL_SECRET_STORE=file`): it is as safe as the disk it is on.

use super::SecretStore;
use crate::error::{Error, Result};
use crate::fsutil;
use crate::secret::Secret;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    pub fn open_default() -> Result<Self> {
        Ok(FileStore {
            path: crate::config::data_dir()?.join("secrets.json"),
        })
    }

    pub fn at(path: PathBuf) -> Self {
        FileStore { path }
    }

    fn read(&self) -> Result<BTreeMap<String, Secret>> {
        match fsutil::read_optional(&self.path)? {
            None => Ok(BTreeMap::new()),
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::store(format!(
                    "the secret file {} is damaged: {e}",
                    self.path.display()
                ))
                .hint("move it away and run `authtool login` again for your profiles")
            }),
        }
    }

    fn update<T>(&self, f: impl FnOnce(&mut BTreeMap<String, Secret>) -> T) -> Result<T> {
        let _lock = fsutil::lock(&self.path.with_extension("lock"), Duration::from_secs(10))?;
        let mut map = self.read()?;
        let out = f(&mut map);
        let data = serde_json::to_vec_pretty(&map)
            .map_err(|e| Error::internal(format!("cannot encode secrets: {e}")))?;
        fsutil::write_atomic(&self.path, &data)?;
        Ok(out)
    }
}

impl SecretStore for FileStore {
    fn name(&self) -> &'static str {
        "file"
    }

    fn get(&self, account: &str) -> Result<Option<Secret>> {
        Ok(self.read()?.remove(account))
    }

    fn set(&self, account: &str, value: &Secret) -> Result<()> {
        self.update(|m| {
            m.insert(account.to_string(), value.clone());
        })
    }

    fn delete(&self, account: &str) -> Result<bool> {
        self.update(|m| m.remove(account).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::at(dir.path().join("d/secrets.json"));
        assert_eq!(store.get("p/client_secret").unwrap(), None);
        store.set("p/client_secret", &Secret::new("s3")).unwrap();
        assert_eq!(
            store.get("p/client_secret").unwrap().unwrap().expose(),
            "s3"
        );
        assert!(store.delete("p/client_secret").unwrap());
        assert!(!store.delete("p/client_secret").unwrap());
    }
}
