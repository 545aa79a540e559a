//! The QuickJS side of AppSync JS resolvers: compiling resolver files to bytecode and running
//! their `request`/`response` functions on a small pool of engine threads.
//!
//! QuickJS contexts are single-threaded, so each worker thread owns one runtime with the
//! `@aws-appsync/utils` module ([`UTILS_JS`]) evaluated once; jobs arrive over a channel and
//! answer through a oneshot. A resolver file is transpiled (TypeScript allowed) and compiled to
//! bytecode once per backend version ([`compile`]); each worker instantiates that bytecode the
//! first time it runs it and keeps the module until a newer version replaces it. Every call runs
//! under a time limit (an interrupt handler) and a per-runtime memory limit, so a runaway
//! resolver fails its own request with an error instead of stalling the server.

use std::cell::Cell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rquickjs::{Context, Ctx, Function, Module, Object, Persistent, Runtime, WriteOptions};

const UTILS_JS: &str = include_str!("utils.js");
/// How long one `request` or `response` function may run.
pub const CALL_TIMEOUT: Duration = Duration::from_millis(1000);
const MEMORY_LIMIT: usize = 64 * 1024 * 1024;
const WORKERS: usize = 2;

/// A resolver file compiled to QuickJS bytecode.
pub struct Compiled {
    id: u64,
    pub path: PathBuf,
    bytecode: Vec<u8>,
}

/// What one function call produced (the JSON `__ampstack_call` answers).
pub type Outcome = serde_json::Value;

enum Job {
    Compile {
        path: PathBuf,
        source: String,
        reply: tokio::sync::oneshot::Sender<Result<Compiled, String>>,
    },
    Call {
        code: Arc<Compiled>,
        func: &'static str,
        ctx_json: String,
        meta_json: String,
        reply: tokio::sync::oneshot::Sender<Result<Outcome, String>>,
    },
}

struct Pool {
    tx: Mutex<Sender<Job>>,
}

static POOL: OnceLock<Pool> = OnceLock::new();
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn pool() -> &'static Pool {
    POOL.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..WORKERS {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new().name(format!("appsync-js-{i}")).spawn(move || worker(rx));
            if let Err(e) = spawned {
                tracing::error!("data: cannot start a resolver engine thread: {e}");
            }
        }
        Pool { tx: Mutex::new(tx) }
    })
}

fn send(job: Job) -> Result<(), String> {
    let tx = pool().tx.lock().map_err(|_| "the resolver engine is unavailable".to_string())?;
    tx.send(job).map_err(|_| "the resolver engine stopped".to_string())
}

/// Transpiles and compiles the resolver file at `path`; the error names `file:line:col`.
pub async fn compile(path: &Path) -> Result<Arc<Compiled>, String> {
    let source = tokio::fs::read_to_string(path)
        .await
        .map_err(|e| format!("{}: cannot read the resolver file: {e}", path.display()))?;
    let (reply, rx) = tokio::sync::oneshot::channel();
    send(Job::Compile {
        path: path.to_path_buf(),
        source,
        reply,
    })?;
    rx.await.map_err(|_| "the resolver engine stopped".to_string())?.map(Arc::new)
}

/// Runs `func` (`request` or `response`) of `code` with the context `ctx_json`.
pub async fn call(code: Arc<Compiled>, func: &'static str, ctx_json: String, meta_json: String) -> Result<Outcome, String> {
    let (reply, rx) = tokio::sync::oneshot::channel();
    send(Job::Call {
        code,
        func,
        ctx_json,
        meta_json,
        reply,
    })?;
    rx.await.map_err(|_| "the resolver engine stopped".to_string())?
}

struct Worker {
    rt: Runtime,
    ctx: Context,
    deadline: Rc<Cell<Instant>>,
    /// Module namespaces by resolver path: (compiled id, namespace).
    modules: HashMap<PathBuf, (u64, Persistent<Object<'static>>)>,
}

fn worker(rx: Arc<Mutex<Receiver<Job>>>) {
    let mut w = match Worker::new() {
        Ok(w) => w,
        Err(e) => {
            tracing::error!("data: cannot start the resolver engine: {e}");
            return;
        }
    };
    loop {
        let job = {
            let Ok(rx) = rx.lock() else { return };
            match rx.recv() {
                Ok(j) => j,
                Err(_) => return,
            }
        };
        match job {
            Job::Compile { path, source, reply } => {
                let _ = reply.send(w.compile(&path, &source));
            }
            Job::Call {
                code,
                func,
                ctx_json,
                meta_json,
                reply,
            } => {
                let _ = reply.send(w.call(&code, func, &ctx_json, &meta_json));
            }
        }
    }
}

impl Worker {
    fn new() -> Result<Worker, String> {
        let rt = Runtime::new().map_err(|e| e.to_string())?;
        rt.set_memory_limit(MEMORY_LIMIT);
        rt.set_max_stack_size(1024 * 1024);
        let deadline = Rc::new(Cell::new(Instant::now() + Duration::from_secs(3600)));
        let d = deadline.clone();
        rt.set_interrupt_handler(Some(Box::new(move || Instant::now() > d.get())));
        let ctx = Context::full(&rt).map_err(|e| e.to_string())?;
        let w = Worker {
            rt,
            ctx,
            deadline,
            modules: HashMap::new(),
        };
        w.ctx
            .with(|ctx| -> rquickjs::Result<()> {
                let g = ctx.globals();
                g.set("__ampstack_uuid", Function::new(ctx.clone(), || uuid::Uuid::new_v4().to_string())?)?;
                g.set(
                    "__ampstack_random",
                    Function::new(ctx.clone(), |n: usize| {
                        let mut buf = vec![0u8; n.min(1024)];
                        let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut buf);
                        buf.into_iter().map(u32::from).collect::<Vec<u32>>()
                    })?,
                )?;
                w.arm();
                ctx.eval::<(), _>(UTILS_JS)
            })
            .map_err(|e| format!("the AppSync utilities did not load: {e}"))?;
        Ok(w)
    }

    fn arm(&self) {
        self.deadline.set(Instant::now() + CALL_TIMEOUT);
    }

    fn compile(&mut self, path: &Path, source: &str) -> Result<Compiled, String> {
        let transpiled = definition::transpile::transpile(path, source).map_err(|d| d.to_string())?;
        let code = transpiled.code;
        if let Some(line) = code.lines().find(|l| l.trim_start().starts_with("import ")) {
            return Err(format!(
                "{}: AppSync JS resolvers are single files; only @aws-appsync/utils and @aws-appsync/utils/dynamodb can be imported (found `{}`)",
                path.display(),
                line.trim()
            ));
        }
        self.arm();
        let name = path.to_string_lossy().into_owned();
        let bytecode = self.ctx.with(|ctx| {
            let m = Module::declare(ctx.clone(), name.clone(), code.clone()).map_err(|e| describe(&ctx, e))?;
            m.write(WriteOptions::default()).map_err(|e| describe(&ctx, e))
        })?;
        Ok(Compiled {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            path: path.to_path_buf(),
            bytecode,
        })
    }

    fn call(&mut self, code: &Compiled, func: &'static str, ctx_json: &str, meta_json: &str) -> Result<Outcome, String> {
        self.arm();
        let cached = self.modules.get(&code.path).filter(|(id, _)| *id == code.id).map(|(_, ns)| ns.clone());
        let deadline = self.deadline.clone();
        let result = self.ctx.with(|ctx| -> Result<(String, Option<Persistent<Object<'static>>>), String> {
            let (ns, fresh) = match cached {
                Some(ns) => (ns.restore(&ctx).map_err(|e| describe(&ctx, e))?, None),
                None => {
                    // SAFETY: the bytecode was produced by `Module::write` of this QuickJS build.
                    let declared = unsafe { Module::load(ctx.clone(), &code.bytecode) }.map_err(|e| describe(&ctx, e))?;
                    let (evaluated, promise) = declared.eval().map_err(|e| describe(&ctx, e))?;
                    promise.finish::<()>().map_err(|e| describe(&ctx, e))?;
                    let ns = evaluated.namespace().map_err(|e| describe(&ctx, e))?;
                    (ns.clone(), Some(Persistent::save(&ctx, ns)))
                }
            };
            let run: Function = ctx.globals().get("__ampstack_call").map_err(|e| describe(&ctx, e))?;
            let out: String = run.call((ns, func, ctx_json, meta_json)).map_err(|e| {
                if Instant::now() > deadline.get() {
                    format!("The resolver ran longer than {} ms and was stopped", CALL_TIMEOUT.as_millis())
                } else {
                    describe(&ctx, e)
                }
            })?;
            Ok((out, fresh))
        });
        // A stopped or failed call may leave garbage behind; collect it now rather than later.
        if result.is_err() {
            self.rt.run_gc();
        }
        let (out, fresh) = result?;
        if let Some(ns) = fresh {
            if self.modules.len() > 512 {
                self.modules.clear();
            }
            self.modules.insert(code.path.clone(), (code.id, ns));
        }
        serde_json::from_str(&out).map_err(|e| format!("the resolver's result is not JSON: {e}"))
    }
}

/// The message of a QuickJS failure (the pending exception when there is one).
fn describe(ctx: &Ctx<'_>, e: rquickjs::Error) -> String {
    if !matches!(e, rquickjs::Error::Exception) {
        return e.to_string();
    }
    let v = ctx.catch();
    if let Some(obj) = v.as_object() {
        let msg: Option<String> = obj.get("message").ok();
        let name: Option<String> = obj.get("name").ok();
        if let Some(m) = msg {
            return match name {
                Some(n) if !n.is_empty() => format!("{n}: {m}"),
                _ => m,
            };
        }
    }
    v.as_string().and_then(|s| s.to_string().ok()).unwrap_or_else(|| format!("{v:?}"))
}
