//! The real `ampstack` binary as a user runs it: sandbox start, outputs, /health, hot reload,
//! a broken edit that keeps the last good backend, clean stop; `generate outputs` errors.
//! Runs on SQLite, and on PostgreSQL when AMPSTACK_TEST_DATABASE_URL is set.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ampstack");

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/todo")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            if e.file_name() == ".ampstack" || e.file_name() == "node_modules" {
                continue;
            }
            copy_dir(&e.path(), &target);
        } else if e.file_name() != "amplify_outputs.json" {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Plain HTTP GET on the sandbox's shared HTTP/HTTPS port.
fn http_get(port: u16, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).unwrap();
    let status = buf.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = buf.split("\r\n\r\n").nth(1).unwrap_or_default().to_string();
    (status, body)
}

fn outputs(dir: &Path) -> Option<serde_json::Value> {
    serde_json::from_str(&std::fs::read_to_string(dir.join("amplify_outputs.json")).ok()?).ok()
}

struct Sandbox {
    child: Child,
    log: PathBuf,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn start(dir: &Path, database_url: Option<&str>) -> Sandbox {
    let log = dir.join("sandbox.log");
    let mut cmd = Command::new(BIN);
    cmd.args(["sandbox", "--dir"]).arg(dir).args(["--port", "0"]);
    if let Some(url) = database_url {
        cmd.args(["--database-url", url]);
    }
    let child = cmd.stdout(Stdio::null()).stderr(std::fs::File::create(&log).unwrap()).spawn().unwrap();
    Sandbox { child, log }
}

fn port_of(outputs: &serde_json::Value) -> u16 {
    let ep = outputs["custom"]["ampstack"]["endpoint"].as_str().unwrap();
    ep.rsplit(':').next().unwrap().parse().unwrap()
}

fn sandbox_lifecycle(database_url: Option<&str>) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    copy_dir(&example(), &dir);
    let mut sb = start(&dir, database_url);

    let out = wait_for("amplify_outputs.json", Duration::from_secs(20), || outputs(&dir));
    let port = port_of(&out);
    assert_eq!(out["version"], "1.4");
    assert!(out["auth"]["user_pool_id"].as_str().unwrap().starts_with("us-east-1_"));
    assert!(out["data"]["url"].as_str().unwrap().starts_with("https://127.0.0.1:"));
    assert!(out["data"]["model_introspection"]["models"]["Todo"].is_object());
    let (status, body) = http_get(port, "/health");
    assert_eq!(status, 200, "{body}");

    // A valid change is served and written.
    let resource = dir.join("amplify/data/resource.ts");
    let src = std::fs::read_to_string(&resource).unwrap();
    std::fs::write(&resource, src.replace("isDone: a.boolean(),", "isDone: a.boolean(),\n      priority: a.integer(),")).unwrap();
    wait_for("the reloaded outputs", Duration::from_secs(30), || {
        outputs(&dir).filter(|o| o["data"]["model_introspection"]["models"]["Todo"]["fields"]["priority"].is_object())
    });

    // A broken change keeps the last good backend and says where the problem is.
    std::fs::write(&resource, src.replace("a.boolean(),", "a.ref('Missing'),")).unwrap();
    wait_for("the error report", Duration::from_secs(30), || {
        let log = std::fs::read_to_string(&sb.log).unwrap_or_default();
        log.contains("amplify/data/resource.ts:7:").then_some(())
    });
    let still = outputs(&dir).unwrap();
    assert!(still["data"]["model_introspection"]["models"]["Todo"]["fields"]["priority"].is_object());
    assert_eq!(http_get(port, "/health").0, 200);

    // Fixing it reloads again.
    std::fs::write(&resource, &src).unwrap();
    wait_for("the fixed outputs", Duration::from_secs(30), || {
        outputs(&dir).filter(|o| o["data"]["model_introspection"]["models"]["Todo"]["fields"]["priority"].is_null())
    });

    // SIGINT (what Ctrl-C sends) stops it cleanly.
    send_ctrl_c(sb.child.id());
    let status = wait_for("the sandbox to exit", Duration::from_secs(30), || sb.child.try_wait().unwrap());
    assert!(status.success(), "sandbox exited with {status}");
}

fn send_ctrl_c(pid: u32) {
    Command::new("kill").args(["-INT", &pid.to_string()]).status().unwrap();
}

#[test]
fn sandbox_on_sqlite() {
    sandbox_lifecycle(None);
}

#[test]
fn sandbox_on_postgres() {
    match std::env::var("AMPSTACK_TEST_DATABASE_URL") {
        Ok(url) => sandbox_lifecycle(Some(&url)),
        Err(_) => eprintln!("AMPSTACK_TEST_DATABASE_URL not set: PostgreSQL variant not run"),
    }
}

#[test]
fn generate_outputs_reports_errors_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    copy_dir(&example(), &dir);
    let resource = dir.join("amplify/data/resource.ts");
    let src = std::fs::read_to_string(&resource).unwrap();
    std::fs::write(&resource, src.replace("a.boolean(),", "a.ref('Missing'),")).unwrap();
    let out = Command::new(BIN).args(["generate", "outputs", "--dir"]).arg(&dir).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("amplify/data/resource.ts:7:"), "{stderr}");
    assert!(stderr.contains("a.ref('Missing')"), "{stderr}");
    assert!(!dir.join("amplify_outputs.json").exists());
}

#[test]
fn generate_outputs_writes_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    copy_dir(&example(), &dir);
    let out_dir = tmp.path().join("out");
    let out = Command::new(BIN).args(["generate", "outputs", "--dir"]).arg(&dir).arg("--out-dir").arg(&out_dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let o = outputs(&out_dir).unwrap();
    assert_eq!(o["storage"]["buckets"][0]["name"], "todoFiles");
    assert_eq!(o["storage"]["buckets"][0]["paths"]["media/${cognito-identity.amazonaws.com:sub}/*"]["entityidentity"], serde_json::json!(["get", "list", "write", "delete"]));
    assert_eq!(o["storage"]["buckets"][0]["paths"]["media/*"]["guest"], serde_json::json!(["get", "list"]));
}

#[test]
fn trust_prints_the_ca_path_and_instructions() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    copy_dir(&example(), &dir);
    let out = Command::new(BIN).args(["trust", "--print-path", "--dir"]).arg(&dir).output().unwrap();
    assert!(out.status.success());
    let path = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    let pem = std::fs::read_to_string(&path).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let help = Command::new(BIN).args(["trust", "--dir"]).arg(&dir).output().unwrap();
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(text.contains("NODE_EXTRA_CA_CERTS") && text.contains(&*path.to_string_lossy()), "{text}");
}

/// Stored records are untouched by reloads that add or remove model fields: the store is
/// schemaless, and a reload never migrates or drops anything. The record is written straight into
/// the sandbox's database (the GraphQL API has its own tests of the same through the client).
fn records_survive_reloads(database_url: Option<&str>) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    copy_dir(&example(), &dir);
    let _sb = start(&dir, database_url);
    wait_for("amplify_outputs.json", Duration::from_secs(20), || outputs(&dir));
    let target = database_url.map(str::to_string).unwrap_or_else(|| dir.join(".ampstack/ampstack.db").to_string_lossy().into_owned());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let id = format!("survivor-{}", std::process::id());
    let store = rt.block_on(store::open(&target)).unwrap();
    let item = serde_json::json!({ "id": id, "content": "keep me", "isDone": true });
    rt.block_on(store.put("Todo", &id, "", item.clone(), &store::Condition::None)).unwrap();
    let resource = dir.join("amplify/data/resource.ts");
    let src = std::fs::read_to_string(&resource).unwrap();
    // Remove a field, then add it back with another one: the record keeps every value.
    std::fs::write(&resource, src.replace("isDone: a.boolean(),", "")).unwrap();
    wait_for("reload without isDone", Duration::from_secs(30), || {
        outputs(&dir).filter(|o| o["data"]["model_introspection"]["models"]["Todo"]["fields"]["isDone"].is_null())
    });
    std::fs::write(&resource, src.replace("isDone: a.boolean(),", "isDone: a.boolean(),\n      note: a.string(),")).unwrap();
    wait_for("reload with note", Duration::from_secs(30), || {
        outputs(&dir).filter(|o| o["data"]["model_introspection"]["models"]["Todo"]["fields"]["note"].is_object())
    });
    let got = rt.block_on(store.get("Todo", &id, "")).unwrap().expect("record still stored");
    assert_eq!(got.data, item);
}

#[test]
fn records_survive_reloads_on_sqlite() {
    records_survive_reloads(None);
}

#[test]
fn records_survive_reloads_on_postgres() {
    match std::env::var("AMPSTACK_TEST_DATABASE_URL") {
        Ok(url) => records_survive_reloads(Some(&url)),
        Err(_) => eprintln!("AMPSTACK_TEST_DATABASE_URL not set: PostgreSQL variant not run"),
    }
}
