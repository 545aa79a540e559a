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
    /// Runs the backend's functions (custom operation handlers, triggers, Lambda authorizers).
    pub functions: Arc<dyn FunctionInvoker>,
}

impl ServiceContext {
    /// A context with no function runtime attached (invocations answer [`InvokeError::Unavailable`]).
    pub fn new(store: Arc<dyn store::Store>, backend: watch::Receiver<Arc<Backend>>, ids: SandboxIds, base_url: String, data_dir: std::path::PathBuf) -> Self {
        ServiceContext { store, backend, ids, base_url, data_dir, functions: Arc::new(NoFunctions) }
    }

    /// The same context with `functions` as its function runtime.
    pub fn with_functions(mut self, functions: Arc<dyn FunctionInvoker>) -> Self {
        self.functions = functions;
        self
    }

    /// The backend as it is now.
    pub fn backend(&self) -> Arc<Backend> {
        self.backend.borrow().clone()
    }
}

/// Why a function invocation did not produce a result.
#[derive(Debug, Clone, PartialEq)]
pub enum InvokeError {
    /// No function runtime is available (e.g. `node` missing); the message says what to do.
    Unavailable(String),
    /// The backend defines no function of that name.
    NotFound(String),
    /// The handler threw or returned an error: Lambda's `errorType` and `errorMessage`.
    Failed { error_type: String, message: String },
    /// The handler ran past its `timeoutSeconds`.
    Timeout { seconds: u32 },
}

impl std::fmt::Display for InvokeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InvokeError::Unavailable(m) => write!(f, "function runtime not available: {m}"),
            InvokeError::NotFound(n) => write!(f, "no function named {n}"),
            InvokeError::Failed { error_type, message } => write!(f, "{error_type}: {message}"),
            InvokeError::Timeout { seconds } => write!(f, "function timed out after {seconds} s"),
        }
    }
}

impl std::error::Error for InvokeError {}

/// The one way services run backend functions, whatever runs them. Events and results are the
/// JSON a Lambda handler receives and returns (AppSync resolver events, Cognito trigger events,
/// S3 notifications, scheduled events).
#[async_trait::async_trait]
pub trait FunctionInvoker: Send + Sync {
    /// Runs `function` (its IR name) with `event` and waits for its result (RequestResponse).
    async fn invoke(&self, function: &str, event: serde_json::Value) -> Result<serde_json::Value, InvokeError>;

    /// Queues `function` with `event` without waiting for it (Lambda's `Event` invocation type).
    async fn invoke_async(&self, function: &str, event: serde_json::Value) -> Result<(), InvokeError>;
}

/// The stand-in used until a function runtime is attached: every call is `Unavailable`.
pub struct NoFunctions;

#[async_trait::async_trait]
impl FunctionInvoker for NoFunctions {
    async fn invoke(&self, function: &str, _event: serde_json::Value) -> Result<serde_json::Value, InvokeError> {
        Err(InvokeError::Unavailable(format!("function {function} cannot run: no function runtime is attached")))
    }

    async fn invoke_async(&self, function: &str, event: serde_json::Value) -> Result<(), InvokeError> {
        self.invoke(function, event).await.map(|_| ())
    }
}
