//! Functions through the real `ampstack` binary: `ampstack secret`, a missing secret named in the
//! error, a secret set while the sandbox runs, handler hot reload, a broken handler, and a
//! scheduled function (`every 1m`) writing through the data API. The sandbox runs on SQLite, and
//! on PostgreSQL when AMPSTACK_TEST_DATABASE_URL is set. Needs `node` (skipped without it); the
//! handlers import npm packages from conformance/node_modules (linked into the project copy).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_ampstack");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            if [".ampstack", ".amplify", "node_modules"].contains(&e.file_name().to_str().unwrap_or_default()) {
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
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn secret(dir: &Path, args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(BIN)
        .arg("secret")
        .args(args)
        .arg("--dir")
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn secret_cli_set_get_list_remove() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (ok, _, err) = secret(dir, &["set", "STRIPE_KEY"], "sk_test_1\n");
    assert!(ok, "{err}");
    assert!(err.contains("version 1"), "{err}");
    assert!(secret(dir, &["set", "STRIPE_KEY"], "sk_test_2\n").0);
    assert!(secret(dir, &["set", "OTHER"], "x").0);
    let (ok, out, _) = secret(dir, &["get", "STRIPE_KEY"], "");
    assert!(ok);
    assert!(out.contains("value: sk_test_2") && out.contains("version: 2"), "{out}");
    let (_, out, _) = secret(dir, &["list"], "");
    assert_eq!(out, " - OTHER\n - STRIPE_KEY\n");
    assert!(secret(dir, &["remove", "OTHER"], "").0);
    let (ok, _, err) = secret(dir, &["get", "OTHER"], "");
    assert!(!ok && err.contains("no secret named OTHER"), "{err}");
    let (ok, _, err) = secret(dir, &["set", "EMPTY"], "\n");
    assert!(!ok && err.contains("empty"), "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(".ampstack/secrets.json")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

struct Sandbox {
    child: Child,
    log: PathBuf,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// POST /graphql over plain HTTP with the API key.
fn graphql(port: u16, api_key: &str, query: &str) -> Value {
    let body = json!({ "query": query }).to_string();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nx-api-key: {api_key}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).unwrap();
    let body = buf.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {buf}"))
}

fn functions_in_sandbox(database_url: Option<&str>) {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("node not found: skipping");
        return;
    }
    let node_modules = repo().join("conformance/node_modules");
    if !node_modules.join("aws-amplify").is_dir() {
        eprintln!("conformance/node_modules not installed: skipping");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    copy_dir(&repo().join("conformance/projects/functions"), &dir);
    std::os::unix::fs::symlink(&node_modules, dir.join("node_modules")).unwrap();
    let log = dir.join("sandbox.log");
    let mut cmd = Command::new(BIN);
    cmd.args(["sandbox", "--dir"]).arg(&dir).args(["--port", "0"]);
    if let Some(url) = database_url {
        cmd.args(["--database-url", url]);
    }
    let started = functions::schedule::format_rfc3339(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64);
    let sb = Sandbox {
        child: cmd.stdout(Stdio::null()).stderr(std::fs::File::create(&log).unwrap()).spawn().unwrap(),
        log,
    };
    let outputs: Value = wait_for("amplify_outputs.json", Duration::from_secs(30), || {
        serde_json::from_str(&std::fs::read_to_string(dir.join("amplify_outputs.json")).ok()?).ok()
    });
    let port: u16 = outputs["custom"]["ampstack"]["endpoint"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let key = outputs["data"]["api_key"].as_str().unwrap().to_string();
    let q = |query: &str| graphql(port, &key, query);

    // A secret that is not set: the error names it and the command that sets it.
    let r = q("{ whoAmI }");
    let message = r["errors"][0]["message"].as_str().unwrap_or_default().to_string();
    assert!(message.contains("API_TOKEN") && message.contains("ampstack secret set API_TOKEN"), "{r}");
    // Set while the sandbox runs: the next invocation has it.
    assert!(secret(&dir, &["set", "API_TOKEN"], "live-token\n").0);
    let r = q("{ whoAmI }");
    let who: Value = serde_json::from_str(r["data"]["whoAmI"].as_str().unwrap_or("null")).unwrap();
    assert_eq!(who["token"], "live-token", "{r}");

    // Editing a handler reloads it.
    let r = q("{ echo(content: \"x\") { content } }");
    assert_eq!(r["data"]["echo"]["content"], "Echoing content: x", "{r}");
    let handler = dir.join("amplify/functions/echo/handler.ts");
    let src = std::fs::read_to_string(&handler).unwrap();
    std::fs::write(&handler, src.replace("Echoing content:", "Reloaded:")).unwrap();
    wait_for("the reloaded handler", Duration::from_secs(20), || {
        (q("{ echo(content: \"x\") { content } }")["data"]["echo"]["content"] == "Reloaded: x").then_some(())
    });
    // A syntax error in a handler is reported with its position; the field errors.
    std::fs::write(&handler, src.replace("return {", "return {{")).unwrap();
    let r = wait_for("the broken handler's error", Duration::from_secs(20), || {
        let r = q("{ echo(content: \"x\") { content } }");
        r["errors"][0]["message"].as_str().is_some_and(|m| m.contains("handler.ts:")).then_some(r)
    });
    assert_eq!(r["errors"][0]["errorType"], "Lambda:Unhandled", "{r}");
    std::fs::write(&handler, &src).unwrap();

    // The `every 1m` schedule runs at the next minute with EventBridge's event and writes a Note.
    let note = wait_for("a scheduled run", Duration::from_secs(80), || {
        let r = q("{ listNotes(filter: { source: { eq: \"schedule\" } }, limit: 1000) { items { content } } }");
        r["data"]["listNotes"]["items"]
            .as_array()?
            .iter()
            .filter_map(|i| i["content"].as_str().map(str::to_string))
            .find(|c| c.rsplit(' ').next().is_some_and(|t| t > started.as_str()))
    });
    assert!(note.starts_with("Scheduled Event aws.events "), "{note}");
    assert!(note.ends_with(":00Z"), "fires at the minute: {note}");
    let log = std::fs::read_to_string(&sb.log).unwrap();
    assert!(
        log.contains("[echo] ") && log.contains("echo called with x"),
        "console output is forwarded with the function's name:\n{log}"
    );
}

#[test]
fn functions_on_sqlite() {
    functions_in_sandbox(None);
}

#[test]
fn functions_on_postgres() {
    match std::env::var("AMPSTACK_TEST_DATABASE_URL") {
        Ok(url) => functions_in_sandbox(Some(&url)),
        Err(_) => eprintln!("AMPSTACK_TEST_DATABASE_URL not set: skipping the PostgreSQL run"),
    }
}
