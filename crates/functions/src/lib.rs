//! Functions: the backend's `defineFunction` handlers, run locally as AWS Lambda runs them.
//!
//! [`FunctionRuntime`] implements [`context::FunctionInvoker`] for every service (custom
//! operation handlers and Lambda authorizers in Data, Cognito and storage triggers, schedules).
//! An invocation goes: the served backend's [`Function`](definition::ir::Function) → its code
//! built into ES modules under `<project>/.amplify/ampstack/functions/<name>/` ([`build`]) → its
//! environment ([`env`], secrets from [`secrets`]) → a warm Node.js worker from that function's
//! pool ([`worker`], which documents the stdin/stdout protocol and the Lambda contract the
//! bootstrap emulates) → the handler's result or its `{errorType, errorMessage}`.
//!
//! Pools are dropped and rebuilt lazily when the backend is reloaded (any change under
//! `amplify/`, handler code included) or when a function's environment changes (a secret set
//! while the sandbox runs takes effect at the next cold start). [`FunctionRuntime::spawn_scheduler`]
//! runs `schedule`d functions ([`schedule`]).

pub mod build;
pub mod env;
pub mod schedule;
pub mod secrets;
pub mod worker;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use context::{FunctionInvoker, InvokeError, ServiceContext};
use definition::ir::Backend;
use serde_json::Value;
use tokio::sync::Mutex;

use secrets::SecretStore;
use worker::{Pool, WorkerSpec};

/// Runs the served backend's functions in Node.js workers.
pub struct FunctionRuntime {
    ctx: ServiceContext,
    project: PathBuf,
    secrets: SecretStore,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The backend the pools were built for.
    backend: Option<Arc<Backend>>,
    pools: HashMap<String, Arc<Pool>>,
}

impl FunctionRuntime {
    /// A runtime for the project in `project` served with `ctx` (its store, ids, URLs, data dir).
    pub fn new(ctx: ServiceContext, project: &Path) -> Arc<FunctionRuntime> {
        Arc::new(FunctionRuntime {
            secrets: SecretStore::new(&ctx.data_dir),
            ctx,
            project: project.to_path_buf(),
            state: Mutex::new(State::default()),
        })
    }

    /// The pool of `name` for the backend served now, building its code if needed.
    async fn pool(&self, name: &str) -> Result<Arc<Pool>, InvokeError> {
        let backend = self.ctx.backend();
        let mut state = self.state.lock().await;
        if !state.backend.as_ref().is_some_and(|b| Arc::ptr_eq(b, &backend)) {
            for p in state.pools.values() {
                p.shutdown().await;
            }
            state.pools.clear();
            state.backend = Some(backend.clone());
        }
        let f = backend
            .functions
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| InvokeError::NotFound(name.to_string()))?;
        let secrets = self
            .secrets
            .all()
            .map_err(|e| InvokeError::Unavailable(format!("cannot read the sandbox's secrets: {e}")))?;
        let env = env::environment(&self.ctx, &backend, f, &secrets, &self.project)?;
        if let Some(p) = state.pools.get(name) {
            if p.spec.env == env {
                return Ok(p.clone());
            }
            p.shutdown().await;
        }
        let node = worker::find_node()?;
        let (project, fname, entry) = (self.project.clone(), f.name.clone(), f.entry.clone());
        let mis = backend
            .data
            .as_ref()
            .filter(|_| env::has_data_access(&backend, name))
            .map(|d| data::introspection::model_introspection(&d.schema));
        let built = tokio::task::spawn_blocking(move || {
            let built = build::build(&project, &fname, &entry, mis.as_ref())?;
            let bootstrap = worker::write_bootstrap(&built.dir)?;
            Ok::<_, String>((built, bootstrap))
        })
        .await
        .map_err(|e| InvokeError::Unavailable(format!("build task failed: {e}")))?;
        let (built, bootstrap) = built.map_err(|message| {
            eprintln!("[{name}] build failed: {message}");
            InvokeError::Failed {
                error_type: "Runtime.UserCodeSyntaxError".into(),
                message,
            }
        })?;
        let spec = WorkerSpec {
            function: f.name.clone(),
            entry: built.entry,
            env,
            timeout: Duration::from_secs(u64::from(f.timeout_seconds.max(1))),
            memory_mb: f.memory_mb,
            region: self.ctx.ids.region.clone(),
        };
        let pool = Arc::new(Pool::new(spec, node, bootstrap));
        state.pools.insert(name.to_string(), pool.clone());
        Ok(pool)
    }

    /// Invokes scheduled functions at every UTC minute their schedule matches, until dropped.
    pub fn spawn_scheduler(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let runtime = Arc::downgrade(self);
        let mut backend_rx = self.ctx.backend.clone();
        tokio::spawn(async move {
            let mut reported: Option<Arc<Backend>> = None;
            loop {
                let now = now_s_f64();
                let next = (now / 60.0).floor() * 60.0 + 60.0;
                let backend = backend_rx.borrow_and_update().clone();
                // Invalid schedules are reported when a backend is loaded, not a minute later.
                if !reported.as_ref().is_some_and(|b| Arc::ptr_eq(b, &backend)) {
                    for f in &backend.functions {
                        for e in f.schedules.iter().filter_map(|s| schedule::parse(s).err()) {
                            eprintln!("[ampstack] function `{}`: {e}; this schedule is not run", f.name);
                        }
                    }
                    reported = Some(backend);
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs_f64(next - now + 0.01)) => {}
                    changed = backend_rx.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        continue;
                    }
                }
                let Some(runtime) = runtime.upgrade() else { return };
                let backend = backend_rx.borrow_and_update().clone();
                let minute_start = next as i64;
                let minute = schedule::Minute::from_epoch(minute_start);
                for f in &backend.functions {
                    for (i, expression) in f.schedules.iter().enumerate() {
                        match schedule::parse(expression) {
                            Ok(cron) if cron.matches(&minute) => {
                                let event = schedule::scheduled_event(&f.name, i, &runtime.ctx.ids.region, minute_start);
                                let _ = runtime.invoke_async(&f.name, event).await;
                            }
                            _ => {}
                        }
                    }
                }
            }
        })
    }
}

fn now_s_f64() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

#[async_trait::async_trait]
impl FunctionInvoker for FunctionRuntime {
    async fn invoke(&self, function: &str, event: Value) -> Result<Value, InvokeError> {
        let pool = self.pool(function).await?;
        pool.invoke(event).await
    }

    async fn invoke_async(&self, function: &str, event: Value) -> Result<(), InvokeError> {
        // Fail fast on what the caller can act on (unknown function, missing secret, no node).
        let pool = self.pool(function).await?;
        let name = function.to_string();
        tokio::spawn(async move {
            if let Err(e) = pool.invoke(event).await {
                eprintln!("[{name}] asynchronous invocation failed: {e}");
            }
        });
        Ok(())
    }
}
