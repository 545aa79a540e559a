//! Node.js worker processes: one per concurrent invocation of a function, kept warm between
//! invocations (Lambda's execution environments).
//!
//! Protocol (see `js/bootstrap.mjs`): the worker is `node bootstrap.mjs` with the built handler's
//! path in its environment. It imports the handler once (the init phase) and reports
//! `{"ready": true, "error": null | {errorType, errorMessage}}`; then, for each request line
//! `{"requestId", "event", "deadlineMs", …}` written to its stdin, it answers
//! `{"requestId", "result"}` or `{"requestId", "error": {errorType, errorMessage, trace}}`.
//! Replies are stdout lines that start with a random marker chosen per worker; every other line
//! on stdout or stderr is the handler's output and goes to the sandbox log as `[name] line`.
//! A worker that overruns its timeout is killed (the next invocation starts a fresh one), as is
//! one that crashes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use context::InvokeError;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::{mpsc, Mutex, Semaphore};

const BOOTSTRAP: &str = include_str!("js/bootstrap.mjs");
/// Lambda's init phase limit.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// Concurrent invocations of one function (Lambda scales further; a laptop should not).
pub const MAX_CONCURRENCY: usize = 8;

/// How to start a function's workers.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerSpec {
    pub function: String,
    pub entry: PathBuf,
    pub env: BTreeMap<String, String>,
    pub timeout: Duration,
    pub memory_mb: u32,
    pub region: String,
}

/// The warm workers of one function build.
pub struct Pool {
    pub spec: WorkerSpec,
    node: PathBuf,
    bootstrap: PathBuf,
    idle: Mutex<Vec<Worker>>,
    permits: Semaphore,
}

struct Worker {
    log_stream: String,
    child: Child,
    stdin: ChildStdin,
    replies: mpsc::UnboundedReceiver<Value>,
}

/// `node` on PATH, or why functions cannot run.
pub fn find_node() -> Result<PathBuf, InvokeError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("node"))
        .find(|p| p.is_file())
        .ok_or_else(|| InvokeError::Unavailable("Node.js (`node`) was not found on PATH; install Node.js 18 or newer to run functions".into()))
}

/// Writes the bootstrap script into `dir` (once per build folder).
pub fn write_bootstrap(dir: &Path) -> Result<PathBuf, String> {
    let path = dir.join("__ampstack").join("bootstrap.mjs");
    std::fs::create_dir_all(path.parent().unwrap_or(dir)).map_err(|e| e.to_string())?;
    std::fs::write(&path, BOOTSTRAP).map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(path)
}

impl Pool {
    pub fn new(spec: WorkerSpec, node: PathBuf, bootstrap: PathBuf) -> Pool {
        Pool {
            spec,
            node,
            bootstrap,
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(MAX_CONCURRENCY),
        }
    }

    /// Runs one invocation on a warm worker, or a new one.
    pub async fn invoke(&self, event: Value) -> Result<Value, InvokeError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| InvokeError::Unavailable("the function runtime is shutting down".into()))?;
        let warm = self.idle.lock().await.pop();
        let mut worker = match warm {
            Some(w) => w,
            None => self.spawn().await?,
        };
        let request_id = uuid::Uuid::new_v4().to_string();
        let deadline_ms = now_ms() + self.spec.timeout.as_millis() as i64;
        let request = json!({
            "requestId": request_id,
            "event": event,
            "deadlineMs": deadline_ms,
            "functionName": self.spec.function,
            "functionArn": format!("arn:aws:lambda:{}:{}:function:{}", self.spec.region, crate::env::ACCOUNT_ID, self.spec.function),
            "memoryMb": self.spec.memory_mb,
            "logStream": worker.log_stream,
        });
        let mut line = serde_json::to_vec(&request).map_err(|e| InvokeError::Failed {
            error_type: "Runtime.MarshalError".into(),
            message: e.to_string(),
        })?;
        line.push(b'\n');
        // The lines `ampx sandbox --stream-function-logs` shows for every invocation.
        let name = &self.spec.function;
        eprintln!("[{name}] START RequestId: {request_id} Version: $LATEST");
        let started = std::time::Instant::now();
        if worker.stdin.write_all(&line).await.is_err() {
            return Err(self.crashed(worker).await);
        }
        match tokio::time::timeout(self.spec.timeout, worker.replies.recv()).await {
            Err(_) => {
                let _ = worker.child.start_kill();
                eprintln!(
                    "[{}] {request_id} Task timed out after {:.2} seconds",
                    self.spec.function,
                    self.spec.timeout.as_secs_f64()
                );
                Err(InvokeError::Timeout {
                    seconds: self.spec.timeout.as_secs() as u32,
                })
            }
            Ok(None) => Err(self.crashed(worker).await),
            Ok(Some(reply)) => {
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                eprintln!("[{name}] END RequestId: {request_id}");
                eprintln!(
                    "[{name}] REPORT RequestId: {request_id}\tDuration: {ms:.2} ms\tMemory Size: {} MB",
                    self.spec.memory_mb
                );
                let outcome = outcome(reply);
                self.idle.lock().await.push(worker);
                outcome
            }
        }
    }

    /// Starts a worker and waits for its init phase.
    async fn spawn(&self) -> Result<Worker, InvokeError> {
        let log_stream = crate::env::log_stream();
        let mark = format!("\u{1}AMPSTACK{}:", uuid::Uuid::new_v4().simple());
        let mut cmd = Command::new(&self.node);
        cmd.arg(&self.bootstrap)
            .env_clear()
            .envs(
                ["PATH", "HOME", "SYSTEMROOT", "NODE_EXTRA_CA_CERTS"]
                    .iter()
                    .filter_map(|k| std::env::var_os(k).map(|v| (*k, v))),
            )
            .envs(&self.spec.env)
            .env("AWS_LAMBDA_LOG_STREAM_NAME", &log_stream)
            .env("AMPSTACK_REPLY_MARK", &mark)
            .env("AMPSTACK_HANDLER_FILE", &self.spec.entry)
            .current_dir(self.spec.entry.parent().unwrap_or(Path::new(".")))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd
            .spawn()
            .map_err(|e| InvokeError::Unavailable(format!("cannot start node ({}): {e}", self.node.display())))?;
        let (tx, mut replies) = mpsc::unbounded_channel();
        let name: Arc<str> = Arc::from(self.spec.function.as_str());
        if let Some(out) = child.stdout.take() {
            let (name, mark) = (name.clone(), mark.clone());
            tokio::spawn(async move {
                let mut lines = BufReader::new(out).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    match line.strip_prefix(mark.as_str()) {
                        Some(reply) => {
                            let _ = tx.send(serde_json::from_str(reply).unwrap_or(Value::Null));
                        }
                        None if line.is_empty() => {}
                        None => eprintln!("[{name}] {line}"),
                    }
                }
            });
        }
        if let Some(err) = child.stderr.take() {
            tokio::spawn(async move {
                let mut lines = BufReader::new(err).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    eprintln!("[{name}] {line}");
                }
            });
        }
        let stdin = child.stdin.take().ok_or_else(|| InvokeError::Unavailable("node has no stdin".into()))?;
        let ready = tokio::time::timeout(INIT_TIMEOUT, replies.recv()).await;
        let mut worker = Worker {
            log_stream,
            child,
            stdin,
            replies,
        };
        match ready {
            Ok(Some(r)) if r.get("ready").is_some() => match r.get("error").filter(|e| !e.is_null()) {
                None => Ok(worker),
                Some(e) => {
                    let _ = worker.child.start_kill();
                    Err(error_of(e))
                }
            },
            Ok(_) => Err(self.crashed(worker).await),
            Err(_) => {
                let _ = worker.child.start_kill();
                Err(InvokeError::Failed {
                    error_type: "Runtime.InitError".into(),
                    message: format!("the init phase took longer than {} s", INIT_TIMEOUT.as_secs()),
                })
            }
        }
    }

    /// The error for a worker that exited mid-invocation (uncaught exception, process.exit, OOM).
    async fn crashed(&self, mut worker: Worker) -> InvokeError {
        let status = tokio::time::timeout(Duration::from_secs(2), worker.child.wait()).await;
        let code = match status {
            Ok(Ok(s)) => s.code().map(|c| format!("exit status {c}")).unwrap_or_else(|| "killed by a signal".into()),
            _ => {
                let _ = worker.child.start_kill();
                "unresponsive".into()
            }
        };
        InvokeError::Failed {
            error_type: "Runtime.ExitError".into(),
            message: format!("RequestId: Error: Runtime exited with error: {code}"),
        }
    }

    /// Stops every idle worker (the build they run is stale).
    pub async fn shutdown(&self) {
        for mut w in self.idle.lock().await.drain(..) {
            let _ = w.child.start_kill();
        }
    }
}

fn outcome(reply: Value) -> Result<Value, InvokeError> {
    match reply.get("error").filter(|e| !e.is_null()) {
        Some(e) => Err(error_of(e)),
        None => Ok(reply.get("result").cloned().unwrap_or(Value::Null)),
    }
}

fn error_of(e: &Value) -> InvokeError {
    InvokeError::Failed {
        error_type: e.get("errorType").and_then(Value::as_str).unwrap_or("Error").to_string(),
        message: e.get("errorMessage").and_then(Value::as_str).unwrap_or_default().to_string(),
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
