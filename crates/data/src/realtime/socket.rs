//! One realtime connection: `GET /graphql/realtime` upgraded to a WebSocket speaking `graphql-ws`.
//!
//! The handshake selects `graphql-ws` and reads the connection's authorization headers (see
//! [`protocol::connection_headers`]); they are verified like an HTTP request's (an IAM signature
//! covers `POST <graphql path>/connect` with body `{}`). After `connection_init` the server sends
//! `connection_ack` (or a non-retryable `connection_error` for bad credentials), then `ka` every
//! keep-alive interval. Each `start` runs as its own task executing the subscription document
//! with the caller of its `extensions.authorization` (or the connection's); it answers `start_ack`
//! once the subscriber is registered, then `data` per event; `stop` ends it with `complete`.
//! Outgoing frames go through one bounded queue, so a slow client only slows (and eventually
//! loses events of) its own subscriptions.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Uri};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::protocol::{self, ClientMessage};
use super::subscription::Delivery;
use super::Realtime;
use crate::runtime::auth::{identify, Caller};
use crate::runtime::error::render_errors;
use crate::runtime::request::RequestCtx;
use crate::runtime::service::DataService;

/// Frames queued per connection before subscription tasks wait for the client.
const OUT_QUEUE: usize = 1024;
/// Initial read/write buffer of a connection (bytes).
const SOCKET_BUFFER: usize = 4 * 1024;
/// A connection must send `connection_init` within this time.
const INIT_TIMEOUT: Duration = Duration::from_secs(30);

/// The upgrade handler.
pub async fn upgrade(
    State(svc): State<Arc<DataService>>,
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let graphql_path = uri
        .path()
        .strip_suffix("/realtime")
        .unwrap_or("/graphql")
        .to_string();
    let protocols = headers
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let caller = match protocol::connection_headers(protocols, uri.query()) {
        Ok(Some(h)) => authenticate(&svc, &h, &format!("{graphql_path}/connect"), b"{}").await,
        Ok(None) => Err("Missing authorization header".to_string()),
        Err(e) => Err(e.0),
    };
    let max = svc.realtime.limits.max_message_bytes;
    // Small initial buffers (tungstenite's default read buffer is 128 KiB per connection): most
    // connections are idle subscribers; buffers grow for large messages.
    ws.protocols([protocol::SUBPROTOCOL])
        .max_message_size(max)
        .read_buffer_size(SOCKET_BUFFER)
        .write_buffer_size(SOCKET_BUFFER)
        .on_upgrade(move |socket| async move {
            Connection::new(svc, graphql_path).run(socket, caller).await;
        })
}

/// Verifies a set of AppSync authorization headers as if they came with `POST path` and `body`.
async fn authenticate(
    svc: &DataService,
    headers: &Map<String, Value>,
    path: &str,
    body: &[u8],
) -> Result<Caller, String> {
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        let Some(v) = v.as_str() else { continue };
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()),
            HeaderValue::from_str(v),
        ) {
            map.insert(name, value);
        }
    }
    let expired = svc.api_key_expired().await;
    identify(&svc.ctx, &map, path, body, expired).await
}

struct Connection {
    svc: Arc<DataService>,
    hub: Arc<Realtime>,
    graphql_path: String,
    subs: HashMap<String, JoinHandle<()>>,
}

/// Counts the connection for the node's limit while it lives.
struct Counted(Arc<Realtime>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Connection {
    fn new(svc: Arc<DataService>, graphql_path: String) -> Connection {
        let hub = svc.realtime.clone();
        Connection {
            svc,
            hub,
            graphql_path,
            subs: HashMap::new(),
        }
    }

    async fn run(mut self, socket: WebSocket, caller: Result<Caller, String>) {
        let open = self.hub.connections.fetch_add(1, Ordering::Relaxed) + 1;
        let _counted = Counted(self.hub.clone());
        let (mut sink, mut incoming) = socket.split();
        let (out, mut out_rx) = mpsc::channel::<Message>(OUT_QUEUE);
        let writer = tokio::spawn(async move {
            while let Some(m) = out_rx.recv().await {
                let closing = matches!(m, Message::Close(_));
                if sink.send(m).await.is_err() || closing {
                    break;
                }
            }
            let _ = sink.close().await;
        });
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<String>();
        let limits = self.hub.limits.clone();
        let mut caller_ok: Option<Caller> = None;
        let mut initialized = false;
        let mut ka = tokio::time::interval(Duration::from_millis(limits.keep_alive_ms.max(10)));
        ka.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let idle = Duration::from_millis(limits.idle_timeout_ms);
        let mut idle_deadline = Instant::now() + INIT_TIMEOUT;
        loop {
            tokio::select! {
                frame = incoming.next() => {
                    let text = match frame {
                        None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                        Some(Ok(Message::Text(t))) => t.to_string(),
                        Some(Ok(Message::Binary(_))) => {
                            send(&out, protocol::error(None, vec![protocol::error_object("BadRequestException", "Binary messages are not supported")])).await;
                            continue;
                        }
                        Some(Ok(_)) => continue,
                    };
                    let msg = match protocol::parse(&text) {
                        Ok(m) => m,
                        Err(e) => {
                            send(&out, protocol::error(None, vec![protocol::error_object("BadRequestException", &e.0)])).await;
                            continue;
                        }
                    };
                    match msg {
                        ClientMessage::ConnectionInit => {
                            if open > limits.max_connections {
                                send(&out, protocol::connection_error("LimitExceededError", "Too many connections on this node", 429)).await;
                                break;
                            }
                            match &caller {
                                Ok(c) => {
                                    caller_ok = Some(c.clone());
                                    initialized = true;
                                    send(&out, protocol::connection_ack(limits.connection_timeout_ms)).await;
                                    send(&out, protocol::keep_alive()).await;
                                    ka.reset();
                                    idle_deadline = Instant::now() + idle;
                                }
                                Err(message) => {
                                    send(&out, protocol::connection_error("UnauthorizedException", message, 401)).await;
                                    break;
                                }
                            }
                        }
                        ClientMessage::Start { id, data, authorization } => {
                            let Some(conn_caller) = caller_ok.clone().filter(|_| initialized) else {
                                send(&out, protocol::error(Some(&id), vec![protocol::error_object("BadRequestException", "Send connection_init before start")])).await;
                                continue;
                            };
                            if self.subs.contains_key(&id) {
                                send(&out, protocol::error(Some(&id), vec![protocol::error_object("DuplicatedOperationError", &format!("A subscription with id {id} is already running"))])).await;
                                continue;
                            }
                            if self.subs.len() >= limits.max_subscriptions {
                                send(&out, protocol::error(Some(&id), vec![protocol::error_object("MaxSubscriptionsReachedError", &format!("A connection holds at most {} subscriptions", limits.max_subscriptions))])).await;
                                continue;
                            }
                            let caller = match authorization {
                                None => conn_caller,
                                Some(h) => match authenticate(&self.svc, &h, &self.graphql_path, data.as_bytes()).await {
                                    Ok(c) => c,
                                    Err(message) => {
                                        send(&out, protocol::error(Some(&id), vec![protocol::error_object("UnauthorizedException", &message)])).await;
                                        continue;
                                    }
                                },
                            };
                            let task = tokio::spawn(run_subscription(self.svc.clone(), caller, id.clone(), data, out.clone(), done_tx.clone()));
                            self.subs.insert(id, task);
                        }
                        ClientMessage::Stop { id } => {
                            if let Some(task) = self.subs.remove(&id) {
                                task.abort();
                                send(&out, protocol::complete(&id)).await;
                            }
                            if self.subs.is_empty() {
                                idle_deadline = Instant::now() + idle;
                            }
                        }
                        ClientMessage::Unsupported { id, kind } => {
                            send(&out, protocol::error(id.as_deref(), vec![protocol::error_object("UnsupportedOperation", &format!("{kind} not supported through the realtime channel"))])).await;
                        }
                    }
                }
                Some(id) = done_rx.recv() => {
                    // The subscription ended by itself (an error, or the event stream closed).
                    if self.subs.get(&id).is_some_and(JoinHandle::is_finished) {
                        self.subs.remove(&id);
                    }
                    if self.subs.is_empty() {
                        idle_deadline = Instant::now() + idle;
                    }
                }
                _ = ka.tick(), if initialized => {
                    send(&out, protocol::keep_alive()).await;
                }
                _ = tokio::time::sleep_until(idle_deadline), if self.subs.is_empty() => {
                    break;
                }
            }
        }
        for (_, task) in self.subs.drain() {
            task.abort();
        }
        let _ = out.send(Message::Close(None)).await;
        drop(out);
        let _ = writer.await;
    }
}

async fn send(out: &mpsc::Sender<Message>, text: String) {
    let _ = out.send(Message::Text(text.into())).await;
}

/// Runs one subscription until it is stopped, fails, or its connection closes.
async fn run_subscription(
    svc: Arc<DataService>,
    caller: Caller,
    id: String,
    data: String,
    out: mpsc::Sender<Message>,
    done: mpsc::UnboundedSender<String>,
) {
    struct Done(mpsc::UnboundedSender<String>, String);
    impl Drop for Done {
        fn drop(&mut self) {
            let _ = self.0.send(self.1.clone());
        }
    }
    let _done = Done(done, id.clone());
    let fail = |errors: Vec<Value>| protocol::error(Some(&id), errors);
    let req = match protocol::start_request(&data) {
        Ok(r) => r,
        Err(e) => {
            return send(
                &out,
                fail(vec![protocol::error_object("BadRequestException", &e.0)]),
            )
            .await
        }
    };
    if let Ok(doc) = async_graphql::parser::parse_query(&req.query) {
        let is_subscription = doc.operations.iter().any(|(name, op)| {
            (req.operation_name.is_none()
                || name.map(|n| n.as_str()) == req.operation_name.as_deref())
                && op.node.ty == async_graphql::parser::types::OperationType::Subscription
        });
        if !is_subscription {
            return send(
                &out,
                fail(vec![protocol::error_object(
                    "UnsupportedOperation",
                    "Only subscription operations are served through the realtime channel",
                )]),
            )
            .await;
        }
    }
    let built = svc.current().await;
    let schema = match &built.schema {
        Ok(s) => s.clone(),
        Err(e) => {
            return send(
                &out,
                fail(vec![protocol::error_object("NotFoundException", e)]),
            )
            .await
        }
    };
    let signer = match svc.signer().await {
        Ok(s) => s,
        Err(e) => {
            return send(
                &out,
                fail(vec![protocol::error_object("InternalFailure", &e.message)]),
            )
            .await
        }
    };
    let rctx = RequestCtx::new(&svc.ctx, caller, &built, signer);
    let (delivery, acked) = Delivery::new();
    let mut request = async_graphql::Request::new(req.query)
        .variables(async_graphql::Variables::from_json(Value::Object(
            req.variables,
        )))
        .data(rctx)
        .data(svc.realtime.clone())
        .data(Arc::new(delivery));
    if let Some(op) = req.operation_name {
        request = request.operation_name(op);
    }
    let mut stream = schema.execute_stream(request);
    tokio::select! {
        biased;
        Ok(()) = acked => send(&out, protocol::start_ack(&id)).await,
        first = stream.next() => {
            let errors = first.map(|r| render_errors(&r.errors)).filter(|e| !e.is_empty());
            let errors = errors.unwrap_or_else(|| vec![protocol::error_object("BadRequestException", "The subscription ended before it started")]);
            return send(&out, fail(errors)).await;
        }
    }
    while let Some(resp) = stream.next().await {
        let mut payload = json!({ "data": resp.data.into_json().unwrap_or(Value::Null) });
        if !resp.errors.is_empty() {
            payload["errors"] = Value::Array(render_errors(&resp.errors));
        }
        if out
            .send(Message::Text(protocol::data(&id, payload).into()))
            .await
            .is_err()
        {
            return;
        }
    }
    send(&out, protocol::complete(&id)).await;
}
