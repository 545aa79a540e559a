//! The one-port HTTPS + HTTP listener, exercised with real clients over loopback.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::ConnectInfo;
use axum::http::Version;
use axum::routing::{any, get};
use axum::Router;
use common::{client_config, get as fetch, start, tls_connect};
use futures_util::{SinkExt, StreamExt};
use server::{Scheme, ServeOptions};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::Notify;

fn app(slow_started: Arc<Notify>) -> Router {
    Router::new()
        .route("/health", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .route(
            "/whoami",
            get(|scheme: Scheme, ConnectInfo(peer): ConnectInfo<SocketAddr>, version: Version| async move {
                format!("{scheme} {peer} {version:?}")
            }),
        )
        .route(
            "/slow",
            get(move || async move {
                slow_started.notify_one();
                tokio::time::sleep(Duration::from_millis(800)).await;
                "done"
            }),
        )
        .route("/forever", get(|| async { tokio::time::sleep(Duration::from_secs(60)).await }))
        // `any`, not `get`: over HTTP/2 a WebSocket arrives as an extended CONNECT.
        .route("/ws", any(|ws: WebSocketUpgrade, scheme: Scheme| async move { ws.on_upgrade(move |s| echo(s, scheme)) }))
}

/// Echoes text frames, prefixed with the scheme the upgrade request arrived on.
async fn echo(mut socket: WebSocket, scheme: Scheme) {
    while let Some(Ok(msg)) = socket.recv().await {
        if let Message::Text(text) = msg {
            if socket.send(Message::text(format!("{scheme}:{}", text.as_str()))).await.is_err() {
                break;
            }
        }
    }
}

fn default_app() -> Router {
    app(Arc::new(Notify::new()))
}

#[tokio::test]
async fn https_and_plain_http_on_the_same_port() {
    let srv = start(default_app(), true, ServeOptions::default()).await;
    let port = srv.port();
    let tls = client_config(&srv.ca.ca_cert_path(), &[b"http/1.1"]);

    let stream = tls_connect(srv.addr, "localhost", tls.clone()).await.expect("certificate validates against ca.pem");
    let reply = fetch(stream, &format!("https://localhost:{port}/health"), false).await.unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, r#"{"status":"ok"}"#);

    let tcp = TcpStream::connect(srv.addr).await.unwrap();
    let reply = fetch(tcp, &format!("http://localhost:{port}/health"), false).await.unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, r#"{"status":"ok"}"#);

    // Scheme and peer address reach the handler.
    let stream = tls_connect(srv.addr, "localhost", tls).await.unwrap();
    let local = stream.get_ref().0.local_addr().unwrap();
    let reply = fetch(stream, &format!("https://localhost:{port}/whoami"), false).await.unwrap();
    assert_eq!(reply.body, format!("https {local} HTTP/1.1"));
    let tcp = TcpStream::connect(srv.addr).await.unwrap();
    let local = tcp.local_addr().unwrap();
    let reply = fetch(tcp, &format!("http://localhost:{port}/whoami"), false).await.unwrap();
    assert_eq!(reply.body, format!("http {local} HTTP/1.1"));
}

#[tokio::test]
async fn http2_over_tls_via_alpn_and_h2c_prior_knowledge() {
    let srv = start(default_app(), true, ServeOptions::default()).await;
    let port = srv.port();
    let stream = tls_connect(srv.addr, "localhost", client_config(&srv.ca.ca_cert_path(), &[b"h2", b"http/1.1"]))
        .await
        .unwrap();
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]), "server must pick h2");
    let reply = fetch(stream, &format!("https://localhost:{port}/whoami"), true).await.unwrap();
    assert_eq!(reply.version, Version::HTTP_2);
    assert!(reply.body.starts_with("https ") && reply.body.ends_with("HTTP/2.0"), "{}", reply.body);

    let tcp = TcpStream::connect(srv.addr).await.unwrap();
    let reply = fetch(tcp, &format!("http://localhost:{port}/whoami"), true).await.unwrap();
    assert!(reply.body.starts_with("http ") && reply.body.ends_with("HTTP/2.0"), "{}", reply.body);
}

#[tokio::test]
async fn certificate_covers_ip_names_and_untrusted_clients_fail() {
    let srv = start(default_app(), true, ServeOptions::default()).await;
    let tls = client_config(&srv.ca.ca_cert_path(), &[]);
    tls_connect(srv.addr, "127.0.0.1", tls.clone()).await.expect("IP SAN 127.0.0.1");
    tls_connect(srv.addr, "elsewhere.example", tls).await.expect_err("name not on the certificate");

    // A client trusting a different CA must be refused: the check above is real verification.
    let other = tempfile::tempdir().unwrap();
    server::DevCa::load_or_create(other.path()).unwrap();
    let stranger = client_config(&other.path().join("ca.pem"), &[]);
    tls_connect(srv.addr, "localhost", stranger).await.expect_err("unknown issuer");

    // ::1 is on the certificate too; checked when this machine has IPv6 loopback.
    if let Ok(v6) = tokio::net::TcpListener::bind("[::1]:0").await {
        let addr = v6.local_addr().unwrap();
        let task = tokio::spawn(server::serve(v6, default_app(), Some(srv.ca.server_config()), std::future::pending()));
        let tls = client_config(&srv.ca.ca_cert_path(), &[]);
        let stream = tls_connect(addr, "::1", tls).await.expect("IP SAN ::1");
        let reply = fetch(stream, &format!("https://[::1]:{}/health", addr.port()), false).await.unwrap();
        assert_eq!(reply.status, 200);
        task.abort();
    }
}

#[tokio::test]
async fn failed_handshakes_and_garbage_do_not_stop_the_server() {
    let srv = start(default_app(), true, ServeOptions::default()).await;
    // A TLS record header followed by junk, then a hang-up.
    let mut tcp = TcpStream::connect(srv.addr).await.unwrap();
    tcp.write_all(&[0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]).await.unwrap();
    drop(tcp);
    // Connect and leave without a byte.
    drop(TcpStream::connect(srv.addr).await.unwrap());
    // Not HTTP at all.
    let mut tcp = TcpStream::connect(srv.addr).await.unwrap();
    tcp.write_all(b"\x00\x01garbage\r\n\r\n").await.unwrap();
    drop(tcp);

    let tls = client_config(&srv.ca.ca_cert_path(), &[]);
    let stream = tls_connect(srv.addr, "localhost", tls).await.unwrap();
    let reply = fetch(stream, &format!("https://localhost:{}/health", srv.port()), false).await.unwrap();
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn websocket_echo_over_wss_and_ws() {
    let srv = start(default_app(), true, ServeOptions::default()).await;
    let port = srv.port();

    let stream = tls_connect(srv.addr, "localhost", client_config(&srv.ca.ca_cert_path(), &[b"http/1.1"])).await.unwrap();
    let (mut ws, _) = tokio_tungstenite::client_async(format!("wss://localhost:{port}/ws"), stream).await.unwrap();
    ws.send(tokio_tungstenite::tungstenite::Message::text("hello")).await.unwrap();
    let reply = ws.next().await.unwrap().unwrap();
    assert_eq!(reply.into_text().unwrap().as_str(), "https:hello");
    ws.close(None).await.unwrap();

    let tcp = TcpStream::connect(srv.addr).await.unwrap();
    let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://localhost:{port}/ws"), tcp).await.unwrap();
    ws.send(tokio_tungstenite::tungstenite::Message::text("plain")).await.unwrap();
    let reply = ws.next().await.unwrap().unwrap();
    assert_eq!(reply.into_text().unwrap().as_str(), "http:plain");
}

#[tokio::test]
async fn plain_only_when_tls_is_off() {
    let srv = start(default_app(), false, ServeOptions::default()).await;
    let tcp = TcpStream::connect(srv.addr).await.unwrap();
    let reply = fetch(tcp, &format!("http://localhost:{}/whoami", srv.port()), false).await.unwrap();
    assert!(reply.body.starts_with("http "));
    let tls = client_config(&srv.ca.ca_cert_path(), &[]);
    tls_connect(srv.addr, "localhost", tls).await.expect_err("no TLS without a config");
}

#[tokio::test]
async fn graceful_shutdown_lets_the_in_flight_request_finish() {
    let started = Arc::new(Notify::new());
    let mut srv = start(app(started.clone()), true, ServeOptions::default()).await;
    let url = format!("https://localhost:{}/slow", srv.port());
    let stream = tls_connect(srv.addr, "localhost", client_config(&srv.ca.ca_cert_path(), &[])).await.unwrap();
    let request = tokio::spawn(async move { fetch(stream, &url, false).await });
    // An idle keep-alive connection (one request done, socket kept open) must not hold shutdown
    // up, and neither must a connection that never sent a byte.
    let (mut keep_alive, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(TcpStream::connect(srv.addr).await.unwrap()))
            .await
            .unwrap();
    let keep_alive_conn = tokio::spawn(conn);
    let req = hyper::Request::get("/health").header("host", "localhost").body(http_body_util::Empty::<hyper::body::Bytes>::new());
    assert_eq!(keep_alive.send_request(req.unwrap()).await.unwrap().status(), 200);
    let silent = TcpStream::connect(srv.addr).await.unwrap();

    started.notified().await;
    srv.stop();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!srv.task.is_finished(), "serve returned while a request was in flight");
    assert!(TcpStream::connect(srv.addr).await.is_err(), "listener still accepting after shutdown");

    let reply = request.await.unwrap().expect("in-flight request completes");
    assert_eq!((reply.status.as_u16(), reply.body.as_str()), (200, "done"));
    // Well inside the default 10 s grace period: nothing was left to wait for.
    tokio::time::timeout(Duration::from_secs(5), &mut srv.task).await.expect("serve returns after draining").unwrap();
    // The server closed the idle keep-alive connection rather than leaving it to time out.
    tokio::time::timeout(Duration::from_secs(1), keep_alive_conn).await.expect("keep-alive connection closed").unwrap().ok();
    drop((keep_alive, silent));
}

#[tokio::test]
async fn grace_period_bounds_shutdown() {
    let options = ServeOptions { grace_period: Duration::from_millis(300), ..ServeOptions::default() };
    let mut srv = start(default_app(), true, options).await;
    let tcp = TcpStream::connect(srv.addr).await.unwrap();
    let url = format!("http://localhost:{}/forever", srv.port());
    let request = tokio::spawn(async move { fetch(tcp, &url, false).await });
    tokio::time::sleep(Duration::from_millis(200)).await;

    let begun = Instant::now();
    srv.stop();
    tokio::time::timeout(Duration::from_secs(5), &mut srv.task).await.expect("serve returns").unwrap();
    assert!(begun.elapsed() < Duration::from_secs(3), "took {:?}", begun.elapsed());
    assert!(request.await.unwrap().is_err(), "the dropped request fails on the client");
}

/// Node's fetch (OpenSSL, its own hostname checks) trusts the CA through NODE_EXTRA_CA_CERTS.
/// Skipped when node is not installed.
#[tokio::test]
async fn node_fetch_trusts_the_ca() {
    if std::process::Command::new("node").arg("--version").output().is_err() {
        eprintln!("node not found; skipping");
        return;
    }
    let srv = start(default_app(), true, ServeOptions::default()).await;
    let script = format!(
        "fetch('https://localhost:{}/health').then(async r => console.log(r.status, await r.text()))\
         .catch(e => {{ console.error(e.cause ?? e); process.exit(1); }})",
        srv.port()
    );
    let out = tokio::process::Command::new("node")
        .env("NODE_EXTRA_CA_CERTS", srv.ca.ca_cert_path())
        .arg("-e")
        .arg(script)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "node failed: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.trim(), r#"200 {"status":"ok"}"#);
}
