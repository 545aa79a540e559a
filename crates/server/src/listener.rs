//! The accept loop: one TCP port that speaks both HTTPS and plain HTTP.
//!
//! Owns connection handling between `accept()` and the axum [`Router`]: protocol sniffing, the TLS
//! handshake, HTTP/1.1 + HTTP/2 (with upgrades, so WebSockets work as `ws://` and `wss://`),
//! per-request connection facts ([`Scheme`], [`ConnectInfo`]) and graceful shutdown.
//!
//! Why one port: `amplify_outputs.json` holds a single endpoint per service, and some clients
//! can only use https (browsers on secure pages, Amplify's WebSocket subscriptions from https
//! origins) while others are simplest with http (curl, scripts, anything without the CA).
//! A TLS connection always opens with a handshake record, whose first byte is 0x16; no HTTP/1
//! method and not the HTTP/2 preface starts with it, so peeking one byte tells them apart.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::Router;
use hyper::body::Incoming;
use hyper::Request;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower_service::Service;

/// The first byte of a TLS record carrying a handshake message (ClientHello).
const TLS_HANDSHAKE: u8 = 0x16;

/// How the client reached us; inserted into every request's extensions, and extractable directly
/// in handlers (`async fn h(scheme: Scheme)`), because URLs handed back to the client (presigned
/// S3 URLs, subscription endpoints) must use the scheme the client is already talking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    /// `"http"` or `"https"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// The matching WebSocket scheme: `"ws"` or `"wss"`.
    pub fn websocket(self) -> &'static str {
        match self {
            Scheme::Http => "ws",
            Scheme::Https => "wss",
        }
    }
}

impl std::fmt::Display for Scheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Scheme {
    type Rejection = Infallible;

    /// Defaults to `Http` when the request did not come through [`serve`] (e.g. a router driven
    /// directly in a unit test), which is what such a request effectively is.
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Scheme>().copied().unwrap_or(Scheme::Http))
    }
}

/// Tunables for [`serve_with`]; [`serve`] uses the defaults.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// After the shutdown signal, how long in-flight requests get before their connections are
    /// dropped.
    pub grace_period: Duration,
    /// Budget from accept to a completed TLS handshake (or to the first byte of plain HTTP). Kept
    /// generous because browsers open speculative connections they use only later.
    pub handshake_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions { grace_period: Duration::from_secs(10), handshake_timeout: Duration::from_secs(30) }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then drains (see [`serve_with`]).
///
/// With `tls: None` every connection is treated as plain HTTP.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()>,
) {
    serve_with(listener, app, tls, shutdown, ServeOptions::default()).await
}

/// [`serve`] with explicit options.
///
/// On shutdown: the listener is closed at once (new connections are refused), idle keep-alive
/// connections are closed, HTTP/2 connections get GOAWAY, in-flight requests run to completion for
/// at most `grace_period`, then whatever is left is dropped and this returns. WebSockets already
/// upgraded live in tasks axum spawned and are not waited for: the app closes them if it wants to.
pub async fn serve_with(
    listener: TcpListener,
    app: Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()>,
    options: ServeOptions,
) {
    let acceptor = tls.map(TlsAcceptor::from);
    let builder = Arc::new(http_builder());
    // `true` is sent once, at shutdown; every connection task holds a receiver.
    let (stop_tx, stop_rx) = watch::channel(false);
    // The connection tasks, so that shutdown can wait for them and then abort the stragglers.
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);

    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            // Reap finished tasks so the set does not grow with every connection ever accepted.
            Some(done) = connections.join_next(), if !connections.is_empty() => {
                if let Err(e) = done {
                    if e.is_panic() {
                        tracing::error!(error = %e, "connection task panicked");
                    }
                }
            }
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    let conn = Conn {
                        peer,
                        acceptor: acceptor.clone(),
                        builder: builder.clone(),
                        app: app.clone(),
                        stop: stop_rx.clone(),
                        handshake_timeout: options.handshake_timeout,
                    };
                    connections.spawn(conn.run(tcp));
                }
                Err(e) if is_per_connection_error(&e) => {
                    tracing::debug!(error = %e, "accept failed for one connection");
                }
                Err(e) => {
                    // EMFILE and friends: the loop must survive, but spinning on it would burn a core.
                    tracing::error!(error = %e, "accept failed; backing off");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    drop(listener);
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(options.grace_period, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(connections = connections.len(), "grace period over; dropping open connections");
        connections.shutdown().await;
    }
}

/// Errors that concern only the connection being accepted, not the listener.
fn is_per_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e.kind(), ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted)
}

fn http_builder() -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // A timer is what makes hyper's HTTP/1 header-read timeout (slowloris protection) and HTTP/2
    // keep-alive actually run.
    builder.http1().timer(TokioTimer::new());
    // Extended CONNECT (RFC 8441) is how WebSockets travel over HTTP/2; axum supports it when the
    // server advertises it.
    builder.http2().timer(TokioTimer::new()).enable_connect_protocol();
    builder
}

/// One accepted connection and what it needs to be served.
struct Conn {
    peer: SocketAddr,
    acceptor: Option<TlsAcceptor>,
    builder: Arc<auto::Builder<TokioExecutor>>,
    app: Router,
    stop: watch::Receiver<bool>,
    handshake_timeout: Duration,
}

impl Conn {
    async fn run(self, tcp: TcpStream) {
        // Small request/response exchanges (GraphQL, Cognito JSON) must not wait on Nagle.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(peer = %self.peer, error = %e, "could not set TCP_NODELAY");
        }
        let mut stop = self.stop.clone();
        let started = tokio::select! {
            r = tokio::time::timeout(self.handshake_timeout, self.start(tcp)) => r,
            // Connections still handshaking carry no request yet: drop them at once on shutdown.
            () = stopped(&mut stop) => return,
        };
        match started {
            Ok(Ok(Some(Started::Tls(stream)))) => self.serve_http(stream, Scheme::Https).await,
            Ok(Ok(Some(Started::Plain(stream)))) => self.serve_http(stream, Scheme::Http).await,
            Ok(Ok(None)) => {} // closed before sending anything (port scanners, health probes)
            Ok(Err(e)) => tracing::debug!(peer = %self.peer, error = %e, "connection dropped during handshake"),
            Err(_) => tracing::debug!(peer = %self.peer, "connection dropped: handshake timed out"),
        }
    }

    /// Sniffs the first byte and completes the TLS handshake when that is what it is.
    async fn start(&self, tcp: TcpStream) -> std::io::Result<Option<Started>> {
        let mut first = [0u8; 1];
        // peek leaves the byte in the socket buffer for rustls or hyper to read.
        if tcp.peek(&mut first).await? == 0 {
            return Ok(None);
        }
        match (&self.acceptor, first[0]) {
            (Some(acceptor), TLS_HANDSHAKE) => Ok(Some(Started::Tls(Box::new(acceptor.accept(tcp).await?)))),
            _ => Ok(Some(Started::Plain(tcp))),
        }
    }

    async fn serve_http<I>(self, io: I, scheme: Scheme)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Conn { peer, builder, app, mut stop, .. } = self;
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(scheme);
            // The same extension `Router::into_make_service_with_connect_info` would add, so
            // handlers use the stock `ConnectInfo<SocketAddr>` extractor.
            req.extensions_mut().insert(ConnectInfo(peer));
            // Router is always ready (poll_ready is a no-op), so calling it directly is fine.
            app.clone().call(req)
        });
        let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
        let mut conn = std::pin::pin!(conn);
        let result = tokio::select! {
            r = conn.as_mut() => r,
            () = stopped(&mut stop) => {
                // Finish what is in flight, accept nothing new on this connection.
                conn.as_mut().graceful_shutdown();
                conn.await
            }
        };
        if let Err(e) = result {
            // Client resets, aborted uploads, bad requests: routine, and not the server's problem.
            tracing::debug!(peer = %peer, %scheme, error = %e, "connection ended with an error");
        }
    }
}

/// Resolves once shutdown has begun. The watch guard is dropped here, not held across the caller's
/// awaits, which would make the connection future `!Send`.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

enum Started {
    // Boxed: a rustls server connection is over 1 KiB and would bloat every plain connection's enum.
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
    Plain(TcpStream),
}
