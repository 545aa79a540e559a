//! Sandbox secrets (`secret('NAME')` in `defineFunction({ environment })`): what `ampx sandbox
//! secret set|get|list|remove` keeps in SSM Parameter Store, kept here in
//! `<data-dir>/secrets.json` (file mode 0600), read by the function runtime at each cold start.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One stored secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Secret {
    pub value: String,
    /// Increases with every `set`, as SSM parameter versions do.
    pub version: u64,
    /// RFC 3339 time of the last `set`.
    pub last_updated: String,
}

/// The secrets of one sandbox.
pub struct SecretStore {
    path: PathBuf,
}

impl SecretStore {
    pub fn new(data_dir: &Path) -> SecretStore {
        SecretStore {
            path: data_dir.join("secrets.json"),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every secret, by name (empty when none was ever set).
    pub fn all(&self) -> std::io::Result<BTreeMap<String, Secret>> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {e}", self.path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(e),
        }
    }

    pub fn get(&self, name: &str) -> std::io::Result<Option<Secret>> {
        Ok(self.all()?.remove(name))
    }

    /// Sets `name` to `value`; returns the new version.
    pub fn set(&self, name: &str, value: &str) -> std::io::Result<u64> {
        check_name(name)?;
        let mut all = self.all()?;
        let version = all.get(name).map(|s| s.version + 1).unwrap_or(1);
        all.insert(
            name.to_string(),
            Secret {
                value: value.to_string(),
                version,
                last_updated: now_rfc3339(),
            },
        );
        self.save(&all)?;
        Ok(version)
    }

    /// Removes `name`; false when it did not exist.
    pub fn remove(&self, name: &str) -> std::io::Result<bool> {
        let mut all = self.all()?;
        let existed = all.remove(name).is_some();
        if existed {
            self.save(&all)?;
        }
        Ok(existed)
    }

    /// Writes atomically (temp file + rename) with owner-only permissions.
    fn save(&self, all: &BTreeMap<String, Secret>) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = self.path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(all)?;
        {
            use std::io::Write;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut f = options.open(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
        }
        #[cfg(unix)]
        std::fs::set_permissions(&tmp, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        std::fs::rename(&tmp, &self.path)
    }
}

/// SSM parameter names allow letters, digits and `_.-`; Amplify secret names are identifiers.
fn check_name(name: &str) -> std::io::Result<()> {
    if name.is_empty() || name.len() > 512 || !name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("invalid secret name `{name}`: use letters, digits, `_`, `.` and `-`"),
        ));
    }
    Ok(())
}

fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    crate::schedule::format_rfc3339(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_list_remove_with_versions_and_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecretStore::new(dir.path());
        assert!(store.all().unwrap().is_empty());
        assert_eq!(store.set("API_KEY", "one").unwrap(), 1);
        assert_eq!(store.set("API_KEY", "two").unwrap(), 2);
        store.set("OTHER", "x").unwrap();
        let s = store.get("API_KEY").unwrap().unwrap();
        assert_eq!((s.value.as_str(), s.version), ("two", 2));
        assert_eq!(store.all().unwrap().keys().cloned().collect::<Vec<_>>(), vec!["API_KEY", "OTHER"]);
        assert!(store.remove("OTHER").unwrap());
        assert!(!store.remove("OTHER").unwrap());
        assert!(store.set("bad name", "x").is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path()).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
