//! `ampstack sandbox`: load the project, serve it, write `amplify_outputs.json`, and reload on
//! every change under `amplify/` while keeping the last good backend when a change is broken.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use definition::ir::Backend;
use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::app;
use context::ServiceContext;
use crate::outputs::{build_outputs, Endpoints, SandboxIds};

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The project folder (holds `amplify/`).
    pub dir: PathBuf,
    pub port: u16,
    /// Where SQLite, the CA and sandbox ids live (default `<dir>/.ampstack`).
    pub data_dir: PathBuf,
    /// `postgres://…` to share state between nodes; SQLite under `data_dir` otherwise.
    pub database_url: Option<String>,
    /// `s3://BUCKET?endpoint=…` to keep object bytes in an S3-compatible object store (shared
    /// between nodes); files under `data_dir` otherwise.
    pub blob_store: Option<String>,
    pub region: String,
    /// Where to write `amplify_outputs.json` (default: `dir`).
    pub outputs_dir: PathBuf,
}

/// Loads the project off the async runtime (the JS engine is synchronous).
pub async fn load(dir: &Path) -> Result<definition::Loaded, definition::LoadError> {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || definition::load_project(&dir))
        .await
        .unwrap_or_else(|e| Err(definition::LoadError::one(definition::Diagnostic::error("amplify/backend.ts", None, format!("loader crashed: {e}")))))
}

/// Writes `<outputs_dir>/amplify_outputs.json` for `backend`.
pub fn write_outputs(backend: &Backend, ids: &SandboxIds, ep: &Endpoints, outputs_dir: &Path) -> anyhow::Result<PathBuf> {
    let mi = backend.data.as_ref().map(|d| data::introspection::model_introspection(&d.schema));
    let outputs = build_outputs(backend, ids, ep, mi);
    let path = outputs_dir.join("amplify_outputs.json");
    let mut text = serde_json::to_string_pretty(&outputs)?;
    text.push('\n');
    crate::fsutil::write_atomic(&path, text.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

fn print_diagnostics(dir: &Path, loaded: &definition::Loaded) {
    for w in &loaded.backend.warnings {
        eprintln!("{}", w.render(dir));
    }
    for l in &loaded.logs {
        eprintln!("[amplify] {l}");
    }
}

/// Runs until `shutdown` resolves.
pub async fn run(config: SandboxConfig, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
    let started = Instant::now();
    let dir = std::fs::canonicalize(&config.dir).with_context(|| format!("project folder {}", config.dir.display()))?;
    std::fs::create_dir_all(&config.data_dir).with_context(|| format!("creating {}", config.data_dir.display()))?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await.with_context(|| format!("binding 127.0.0.1:{}", config.port))?;
    let port = listener.local_addr()?.port();
    let ca_dir = config.data_dir.join("ca");
    let (loaded, ca) = tokio::join!(load(&dir), tokio::task::spawn_blocking(move || crate::tls::DevCa::load_or_create(&ca_dir)));
    let ca = ca.context("CA task")?.context("creating the development CA")?;
    let store_url = config.database_url.clone().unwrap_or_else(|| config.data_dir.join("ampstack.db").to_string_lossy().into_owned());
    let store = store::open(&store_url).await.with_context(|| format!("opening the store at {store_url}"))?;
    let blobs = storage::blobs::open(config.blob_store.as_deref(), &config.data_dir).await.map_err(|e| anyhow::anyhow!("opening the blob store: {e}"))?;
    let ids = SandboxIds::load_or_create(&config.data_dir.join("sandbox.json"), &config.region)?;
    let ep = Endpoints { base: format!("https://127.0.0.1:{port}") };
    let backend = match loaded {
        Ok(l) => {
            print_diagnostics(&dir, &l);
            Some(l.backend)
        }
        Err(e) => {
            eprintln!("{}", e.render(&dir));
            eprintln!("[ampstack] the backend definition has errors; serving nothing until they are fixed");
            None
        }
    };
    let (backend_tx, backend_rx) = tokio::sync::watch::channel(Arc::new(backend.clone().unwrap_or_default()));
    let ctx = ServiceContext::new(store, backend_rx, ids.clone(), ep.base.clone(), config.data_dir.clone());
    let functions = functions::FunctionRuntime::new(ctx.clone(), &dir);
    let scheduler = functions.spawn_scheduler();
    let ctx = ctx.with_functions(functions);
    let router = app::router(ctx, blobs);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let server = tokio::spawn(crate::listener::serve(listener, router, Some(ca.server_config()), async move {
        let mut rx = stop_rx;
        let _ = rx.wait_for(|v| *v).await;
    }));
    if let Some(b) = &backend {
        let path = write_outputs(b, &ids, &ep, &config.outputs_dir)?;
        eprintln!(
            "[ampstack] sandbox ready in {} ms on {} (outputs: {}, CA: {})",
            started.elapsed().as_millis(),
            ep.base,
            path.display(),
            ca.ca_cert_path().display()
        );
    }
    let watch = tokio::spawn(watch_and_reload(dir.clone(), backend_tx, ids.clone(), ep.clone(), config.outputs_dir.clone()));
    shutdown.await;
    eprintln!("[ampstack] stopping");
    watch.abort();
    scheduler.abort();
    let _ = stop_tx.send(true);
    let _ = server.await;
    Ok(())
}

/// Watches `<dir>/amplify` and reloads on change (debounced), swapping the served backend only
/// when the new definition is valid.
async fn watch_and_reload(dir: PathBuf, backend_tx: tokio::sync::watch::Sender<Arc<Backend>>, ids: SandboxIds, ep: Endpoints, outputs_dir: PathBuf) {
    let (tx, mut rx) = mpsc::unbounded_channel::<()>();
    let mut watcher = match notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res {
            let relevant = ev.paths.iter().any(|p| !p.components().any(|c| c.as_os_str() == "node_modules"));
            if relevant && !matches!(ev.kind, notify::EventKind::Access(_)) {
                let _ = tx.send(());
            }
        }
    }) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("[ampstack] cannot watch for changes: {e}");
            return;
        }
    };
    if let Err(e) = watcher.watch(&dir.join("amplify"), RecursiveMode::Recursive) {
        eprintln!("[ampstack] cannot watch {}: {e}", dir.join("amplify").display());
        return;
    }
    while rx.recv().await.is_some() {
        // Editors write in bursts (truncate, write, rename): settle before loading.
        tokio::time::sleep(Duration::from_millis(15)).await;
        while rx.try_recv().is_ok() {}
        let t = Instant::now();
        match load(&dir).await {
            Ok(l) => {
                print_diagnostics(&dir, &l);
                let backend = Arc::new(l.backend);
                backend_tx.send_replace(backend.clone());
                match write_outputs(&backend, &ids, &ep, &outputs_dir) {
                    Ok(_) => eprintln!("[ampstack] reloaded in {} ms", t.elapsed().as_millis()),
                    Err(e) => eprintln!("[ampstack] reload failed to write outputs: {e:#}"),
                }
            }
            Err(e) => {
                eprintln!("{}", e.render(&dir));
                eprintln!("[ampstack] still serving the last good backend");
            }
        }
    }
}
