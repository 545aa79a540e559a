//! The function runtime against real Node.js workers: the Lambda handler contract (async,
//! callback, sync, context), errors, timeouts, warm reuse, concurrency, environment and secrets,
//! rebuild on reload. Skipped with a message when `node` is not installed.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use context::{FunctionInvoker, InvokeError, SandboxIds, ServiceContext};
use definition::ir::{Backend, EnvValue, Function};
use functions::FunctionRuntime;
use serde_json::json;

fn function(name: &str, entry: &str, timeout: u32, env: &[(&str, EnvValue)]) -> Function {
    Function {
        name: name.into(),
        entry: entry.into(),
        timeout_seconds: timeout,
        memory_mb: 256,
        runtime: None,
        environment: env.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<BTreeMap<_, _>>(),
        schedules: vec![],
        resource_group: None,
    }
}

fn write(project: &Path, rel: &str, text: &str) {
    let p = project.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

async fn runtime(project: &Path, backend: Backend) -> (Arc<FunctionRuntime>, tokio::sync::watch::Sender<Arc<Backend>>) {
    let store = store::open(&project.join(".ampstack/db.sqlite").to_string_lossy()).await.unwrap();
    let (tx, rx) = tokio::sync::watch::channel(Arc::new(backend));
    let ctx = ServiceContext::new(
        store,
        rx,
        SandboxIds::generate("eu-west-1"),
        "https://127.0.0.1:1".into(),
        project.join(".ampstack"),
    );
    (FunctionRuntime::new(ctx, project), tx)
}

fn have_node() -> bool {
    if functions::worker::find_node().is_err() {
        eprintln!("node not on PATH: skipping");
        return false;
    }
    true
}

#[tokio::test]
async fn lambda_contract_errors_timeouts_env_and_reload() {
    if !have_node() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write(p, "amplify/functions/echo/handler.ts", "import { env } from '$amplify/env/echo';\nimport { shout } from './shout';\nexport const handler = async (event: { name: string }, context: any) => {\n  console.log('echoing', event.name);\n  return { hello: shout(event.name), greeting: env.GREETING, token: env.API_TOKEN, fn: context.functionName, region: process.env.AWS_REGION, lambdaName: process.env.AWS_LAMBDA_FUNCTION_NAME, requestId: context.awsRequestId, remaining: context.getRemainingTimeInMillis(), pid: process.pid };\n};\n");
    write(
        p,
        "amplify/functions/echo/shout.ts",
        "export const shout = (s: string): string => s.toUpperCase();\n",
    );
    write(
        p,
        "amplify/functions/cb/handler.js",
        "export const handler = (event, context, callback) => { setTimeout(() => callback(null, { doubled: event.n * 2 }), 10); };\n",
    );
    write(
        p,
        "amplify/functions/sync/handler.ts",
        "export function handler(event: any) { return event.n + 1; }\n",
    );
    write(p, "amplify/functions/boom/handler.ts", "class PaymentError extends Error { constructor(m: string) { super(m); this.name = 'PaymentError'; } }\nexport const handler = async () => { throw new PaymentError('card declined'); };\n");
    write(
        p,
        "amplify/functions/slow/handler.ts",
        "export const handler = async () => { await new Promise(r => setTimeout(r, 5000)); return 'late'; };\n",
    );
    write(
        p,
        "amplify/functions/crash/handler.ts",
        "export const handler = async () => { process.exit(3); };\n",
    );
    write(p, "amplify/functions/noexport/handler.ts", "export const other = 1;\n");
    write(
        p,
        "amplify/functions/cjs/handler.js",
        "const { twice } = require('./twice');\nexports.handler = async (event) => twice(event.n);\n",
    );
    write(p, "amplify/functions/cjs/twice.js", "module.exports.twice = (n) => n * 2;\n");
    let backend = Backend {
        functions: vec![
            function(
                "echo",
                "amplify/functions/echo/handler.ts",
                3,
                &[("GREETING", EnvValue::Plain("hi".into())), ("API_TOKEN", EnvValue::Secret("API_TOKEN".into()))],
            ),
            function("cb", "amplify/functions/cb/handler.js", 3, &[]),
            function("sync", "amplify/functions/sync/handler.ts", 3, &[]),
            function("boom", "amplify/functions/boom/handler.ts", 3, &[]),
            function("slow", "amplify/functions/slow/handler.ts", 1, &[]),
            function("crash", "amplify/functions/crash/handler.ts", 3, &[]),
            function("noexport", "amplify/functions/noexport/handler.ts", 3, &[]),
            function("cjs", "amplify/functions/cjs/handler.js", 3, &[]),
        ],
        ..Backend::default()
    };
    let (rt, tx) = runtime(p, backend.clone()).await;

    // A missing secret names the secret and the command that sets it.
    match rt.invoke("echo", json!({ "name": "ada" })).await {
        Err(InvokeError::Unavailable(m)) => assert!(m.contains("API_TOKEN") && m.contains("ampstack secret set API_TOKEN"), "{m}"),
        other => panic!("expected a missing-secret error, got {other:?}"),
    }
    functions::secrets::SecretStore::new(&p.join(".ampstack")).set("API_TOKEN", "s3cret").unwrap();

    let first = rt.invoke("echo", json!({ "name": "ada" })).await.unwrap();
    assert_eq!(first["hello"], "ADA");
    assert_eq!(first["greeting"], "hi");
    assert_eq!(first["token"], "s3cret");
    assert_eq!(first["fn"], "echo");
    assert_eq!(first["region"], "eu-west-1");
    assert_eq!(first["lambdaName"], "echo");
    let remaining = first["remaining"].as_i64().unwrap();
    assert!(remaining > 0 && remaining <= 3000, "{remaining}");
    let second = rt.invoke("echo", json!({ "name": "bob" })).await.unwrap();
    assert_eq!(second["pid"], first["pid"], "a warm worker is reused");
    assert_ne!(second["requestId"], first["requestId"]);

    // Concurrent invocations run in parallel workers.
    let many = futures_join(rt.clone(), "cb", 4).await;
    assert!(many.iter().all(|v| v["doubled"] == 8), "{many:?}");

    assert_eq!(rt.invoke("sync", json!({ "n": 41 })).await.unwrap(), json!(42));
    assert_eq!(rt.invoke("cjs", json!({ "n": 21 })).await.unwrap(), json!(42));
    assert_eq!(
        rt.invoke("boom", json!({})).await.unwrap_err(),
        InvokeError::Failed {
            error_type: "PaymentError".into(),
            message: "card declined".into()
        }
    );
    assert_eq!(rt.invoke("slow", json!({})).await.unwrap_err(), InvokeError::Timeout { seconds: 1 });
    match rt.invoke("crash", json!({})).await.unwrap_err() {
        InvokeError::Failed { error_type, .. } => assert_eq!(error_type, "Runtime.ExitError"),
        other => panic!("{other:?}"),
    }
    match rt.invoke("noexport", json!({})).await.unwrap_err() {
        InvokeError::Failed { error_type, .. } => assert_eq!(error_type, "Runtime.HandlerNotFound"),
        other => panic!("{other:?}"),
    }
    assert_eq!(rt.invoke("nope", json!({})).await.unwrap_err(), InvokeError::NotFound("nope".into()));

    // A reload (new backend) rebuilds the code: the edited handler answers.
    write(p, "amplify/functions/echo/shout.ts", "export const shout = (s: string): string => s + '!';\n");
    tx.send_replace(Arc::new(backend));
    let third = rt.invoke("echo", json!({ "name": "ada" })).await.unwrap();
    assert_eq!(third["hello"], "ada!");
    assert_ne!(third["pid"], first["pid"]);

    // A secret changed while running takes effect at the next cold start.
    functions::secrets::SecretStore::new(&p.join(".ampstack")).set("API_TOKEN", "rotated").unwrap();
    assert_eq!(rt.invoke("echo", json!({ "name": "x" })).await.unwrap()["token"], "rotated");
}

async fn futures_join(rt: Arc<FunctionRuntime>, name: &'static str, n: usize) -> Vec<serde_json::Value> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let rt = rt.clone();
            tokio::spawn(async move { rt.invoke(name, json!({ "n": 4 })).await.unwrap() })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}
