//! Shared test plumbing: a real server on 127.0.0.1:0 and a real rustls/hyper client that trusts
//! only the generated CA, read back from `ca.pem` on disk (what users and Node get).
#![allow(dead_code)] // each test binary uses a different subset

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::{Request, StatusCode, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use server::{DevCa, ServeOptions};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

pub struct TestServer {
    pub addr: SocketAddr,
    pub ca: DevCa,
    pub dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    pub task: JoinHandle<()>,
}

impl TestServer {
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Fires the shutdown future given to `serve_with`.
    pub fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Boots `app` with TLS on a fresh CA, or plain-only with `tls == false`.
pub async fn start(app: Router, tls: bool, options: ServeOptions) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let ca = DevCa::load_or_create(dir.path()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let config = tls.then(|| ca.server_config());
    let task = tokio::spawn(server::serve_with(listener, app, config, async { let _ = rx.await; }, options));
    TestServer { addr, ca, dir, stop: Some(tx), task }
}

/// A client that trusts exactly the CA in `ca_pem` and offers the given ALPN protocols.
pub fn client_config(ca_pem: &Path, alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_file(ca_pem).unwrap()).unwrap();
    let mut cfg = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    cfg.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(cfg)
}

/// TCP connect to `addr`, TLS handshake verifying the certificate for `server_name`.
pub async fn tls_connect(
    addr: SocketAddr,
    server_name: &str,
    cfg: Arc<rustls::ClientConfig>,
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from(server_name.to_string()).unwrap();
    TlsConnector::from(cfg).connect(name, tcp).await
}

pub struct Reply {
    pub status: StatusCode,
    pub version: Version,
    pub body: String,
}

/// One GET over an established connection, HTTP/1.1 or HTTP/2 (prior knowledge / ALPN).
pub async fn get<I>(io: I, url: &str, h2: bool) -> anyhow::Result<Reply>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let uri: hyper::Uri = url.parse()?;
    let io = TokioIo::new(io);
    let response = if h2 {
        let (mut sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io).await?;
        tokio::spawn(conn);
        sender.send_request(Request::get(uri).body(Empty::<Bytes>::new())?).await?
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await?;
        tokio::spawn(conn);
        let host = uri.authority().unwrap().to_string();
        let req = Request::get(uri.path()).header("host", host).body(Empty::<Bytes>::new())?;
        sender.send_request(req).await?
    };
    let status = response.status();
    let version = response.version();
    let body = String::from_utf8(response.into_body().collect().await?.to_bytes().to_vec())?;
    Ok(Reply { status, version, body })
}
