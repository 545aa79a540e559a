//! The service context: what the server hands every service (auth, data, storage, functions).
//!
//! Services never reach into each other or into the server; they get a [`ServiceContext`] with
//! the store, the backend IR as it is *now* (swapped on hot reload through a watch channel), and
//! the sandbox's stable identifiers and public URLs.

use std::path::Path;
use std::sync::Arc;

use definition::ir::Backend;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

/// Stable identifiers of one sandbox, persisted so that restarts keep tokens and clients valid.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SandboxIds {
    pub region: String,
    pub user_pool_id: String,
    pub user_pool_client_id: String,
    pub identity_pool_id: String,
    pub api_key: String,
    /// Suffix for physical bucket names, unique per sandbox.
    pub bucket_suffix: String,
}

impl SandboxIds {
    /// Fresh identifiers in AWS's formats (`us-east-1_AbC…`, `us-east-1:<uuid>`, `da2-…`).
    pub fn generate(region: &str) -> SandboxIds {
        let alnum = |n: usize| -> String {
            let raw = uuid::Uuid::new_v4().simple().to_string() + &uuid::Uuid::new_v4().simple().to_string();
            raw.chars().take(n).collect()
        };
        let pool: String = alnum(9).chars().enumerate().map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c }).collect();
        SandboxIds {
            region: region.to_string(),
            user_pool_id: format!("{region}_{pool}"),
            user_pool_client_id: alnum(26),
            identity_pool_id: format!("{region}:{}", uuid::Uuid::new_v4()),
            api_key: format!("da2-{}", alnum(26)),
            bucket_suffix: alnum(8),
        }
    }

    /// Reads `path`, or generates and writes it on first use.
    pub fn load_or_create(path: &Path, region: &str) -> std::io::Result<SandboxIds> {
        if let Ok(text) = std::fs::read_to_string(path) {
            if let Ok(ids) = serde_json::from_str::<SandboxIds>(&text) {
                return Ok(ids);
            }
        }
        let ids = SandboxIds::generate(region);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_string_pretty(&ids)?)?;
        std::fs::rename(&tmp, path)?;
        Ok(ids)
    }

    /// The physical bucket name for a storage resource (`todoFiles` → `amplify-todofiles-<suffix>`).
    pub fn bucket_name(&self, name: &str) -> String {
        let clean: String = name.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
        format!("amplify-{clean}-{}", self.bucket_suffix)
    }
}

/// Everything a service needs, cheap to clone.
#[derive(Clone)]
pub struct ServiceContext {
    pub store: Arc<dyn store::Store>,
    /// The backend being served; `borrow()` for the current one, `changed()` to follow reloads.
    pub backend: watch::Receiver<Arc<Backend>>,
    pub ids: SandboxIds,
    /// The public base URL clients use, e.g. `https://127.0.0.1:20002`.
    pub base_url: String,
    /// The sandbox's data directory (keys, files).
    pub data_dir: std::path::PathBuf,
}

impl ServiceContext {
    /// The backend as it is now.
    pub fn backend(&self) -> Arc<Backend> {
        self.backend.borrow().clone()
    }
}
