//! AppSync's realtime protocol (`graphql-ws` subprotocol) as `@aws-amplify/api-graphql`'s
//! `AWSAppSyncRealTimeProvider` speaks it: the client messages we accept, the server messages we
//! send (in the exact shapes the client parses), and the connection's authorization headers,
//! carried either in a `header-<base64url JSON>` subprotocol (aws-amplify v6) or in the older
//! `?header=<base64 JSON>&payload=<base64 {}>` query string.

use base64::Engine as _;
use serde_json::{json, Map, Value};

/// The subprotocol the server selects.
pub const SUBPROTOCOL: &str = "graphql-ws";

/// A message from the client.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientMessage {
    ConnectionInit,
    /// `start`: the GraphQL request (`payload.data`, a JSON string) and its own authorization
    /// headers (`payload.extensions.authorization`), when given.
    Start {
        id: String,
        data: String,
        authorization: Option<Map<String, Value>>,
    },
    Stop {
        id: String,
    },
    /// Anything else with a `type` (answered with an `UnsupportedOperation` error).
    Unsupported {
        id: Option<String>,
        kind: String,
    },
}

/// Why a text frame is not a client message.
#[derive(Debug, Clone, PartialEq)]
pub struct BadMessage(pub String);

/// Parses one text frame.
pub fn parse(text: &str) -> Result<ClientMessage, BadMessage> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| BadMessage(format!("The message is not valid JSON: {e}")))?;
    let obj = v
        .as_object()
        .ok_or_else(|| BadMessage("The message is not a JSON object".into()))?;
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| BadMessage("The message has no `type`".into()))?;
    let id = obj.get("id").and_then(Value::as_str).map(String::from);
    let need_id = || {
        id.clone()
            .filter(|i| !i.is_empty())
            .ok_or_else(|| BadMessage(format!("A `{kind}` message needs an `id`")))
    };
    Ok(match kind {
        "connection_init" => ClientMessage::ConnectionInit,
        "start" => {
            let id = need_id()?;
            let payload = obj
                .get("payload")
                .and_then(Value::as_object)
                .ok_or_else(|| BadMessage("A `start` message needs a `payload` object".into()))?;
            let data = match payload.get("data") {
                Some(Value::String(s)) => s.clone(),
                // Tolerate a request object instead of its JSON string.
                Some(v @ Value::Object(_)) => v.to_string(),
                _ => {
                    return Err(BadMessage(
                        "`payload.data` must be the JSON string of {query, variables}".into(),
                    ))
                }
            };
            let authorization = payload
                .get("extensions")
                .and_then(|e| e.get("authorization"))
                .or_else(|| payload.get("authorization"))
                .and_then(Value::as_object)
                .cloned();
            ClientMessage::Start {
                id,
                data,
                authorization,
            }
        }
        "stop" => ClientMessage::Stop { id: need_id()? },
        other => ClientMessage::Unsupported {
            id,
            kind: other.to_string(),
        },
    })
}

/// The GraphQL request inside a `start` message's `data`.
#[derive(Debug, Clone, PartialEq)]
pub struct StartRequest {
    pub query: String,
    pub variables: Map<String, Value>,
    pub operation_name: Option<String>,
}

pub fn start_request(data: &str) -> Result<StartRequest, BadMessage> {
    let v: Value = serde_json::from_str(data)
        .map_err(|e| BadMessage(format!("`payload.data` is not valid JSON: {e}")))?;
    let query = v
        .get("query")
        .and_then(Value::as_str)
        .ok_or_else(|| BadMessage("`payload.data` has no `query` string".into()))?;
    let variables = match v.get("variables") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(BadMessage("`variables` must be an object".into())),
    };
    let operation_name = v
        .get("operationName")
        .and_then(Value::as_str)
        .map(String::from);
    Ok(StartRequest {
        query: query.to_string(),
        variables,
        operation_name,
    })
}

/// The connection's authorization headers: the `header-…` subprotocol (base64url, unpadded),
/// else the `header` query parameter (standard or URL-safe base64). `None` when neither is there.
pub fn connection_headers(
    subprotocols: &str,
    query: Option<&str>,
) -> Result<Option<Map<String, Value>>, BadMessage> {
    for p in subprotocols.split(',').map(str::trim) {
        if let Some(enc) = p.strip_prefix("header-") {
            return decode_headers(enc).map(Some);
        }
    }
    let Some(q) = query else { return Ok(None) };
    for pair in q.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k == "header" {
            let v = percent_decode(v);
            return decode_headers(&v).map(Some);
        }
    }
    Ok(None)
}

fn decode_headers(enc: &str) -> Result<Map<String, Value>, BadMessage> {
    let trimmed = enc.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(trimmed)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed))
        .map_err(|_| BadMessage("The authorization header is not valid base64".into()))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(BadMessage(
            "The authorization header is not a JSON object".into(),
        )),
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
                continue;
            }
            (b'+', _) => out.push(b' '),
            (c, _) => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `connection_ack` with the keep-alive window the client enforces.
pub fn connection_ack(timeout_ms: u64) -> String {
    json!({"type": "connection_ack", "payload": {"connectionTimeoutMs": timeout_ms}}).to_string()
}

/// `connection_error`: `errorCode` 401/400 make the client give up instead of retrying.
pub fn connection_error(error_type: &str, message: &str, code: u16) -> String {
    json!({"type": "connection_error", "payload": {"errors": [{"errorType": error_type, "message": message, "errorCode": code}]}}).to_string()
}

pub fn keep_alive() -> String {
    r#"{"type":"ka"}"#.to_string()
}

pub fn start_ack(id: &str) -> String {
    json!({"type": "start_ack", "id": id}).to_string()
}

pub fn data(id: &str, payload: Value) -> String {
    json!({"type": "data", "id": id, "payload": payload}).to_string()
}

pub fn complete(id: &str) -> String {
    json!({"type": "complete", "id": id}).to_string()
}

/// `error` for one subscription (or the connection when `id` is `None`) with AppSync error objects.
pub fn error(id: Option<&str>, errors: Vec<Value>) -> String {
    let mut m = json!({"type": "error", "payload": {"errors": errors}});
    if let Some(id) = id {
        m["id"] = Value::String(id.to_string());
    }
    m.to_string()
}

/// One AppSync error object.
pub fn error_object(error_type: &str, message: &str) -> Value {
    json!({"errorType": error_type, "message": message})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_client_messages() {
        assert_eq!(
            parse(r#"{"type":"connection_init"}"#).unwrap(),
            ClientMessage::ConnectionInit
        );
        let start = r#"{"id":"1","type":"start","payload":{"data":"{\"query\":\"subscription { onCreateTodo { id } }\",\"variables\":{}}","extensions":{"authorization":{"x-api-key":"k","host":"h"}}}}"#;
        let ClientMessage::Start {
            id,
            data,
            authorization,
        } = parse(start).unwrap()
        else {
            panic!()
        };
        assert_eq!(id, "1");
        assert_eq!(authorization.unwrap()["x-api-key"], "k");
        let req = start_request(&data).unwrap();
        assert!(req.query.starts_with("subscription"));
        assert!(req.variables.is_empty());
        assert_eq!(
            parse(r#"{"type":"stop","id":"1"}"#).unwrap(),
            ClientMessage::Stop { id: "1".into() }
        );
        assert_eq!(
            parse(r#"{"type":"publish","id":"2"}"#).unwrap(),
            ClientMessage::Unsupported {
                id: Some("2".into()),
                kind: "publish".into()
            }
        );
    }

    #[test]
    fn rejects_bad_messages() {
        for bad in [
            "not json",
            "[]",
            r#"{"id":"1"}"#,
            r#"{"type":"start","payload":{"data":"{}"}}"#,
            r#"{"type":"start","id":"1"}"#,
            r#"{"type":"stop"}"#,
            r#"{"type":"start","id":"1","payload":{"data":3}}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(start_request("{}").is_err());
        assert!(start_request(r#"{"query":"x","variables":[]}"#).is_err());
    }

    #[test]
    fn connection_headers_from_subprotocol_and_query() {
        let json = r#"{"host":"127.0.0.1:1","x-api-key":"da2-x"}"#;
        let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
        let h = connection_headers(&format!("graphql-ws, header-{url_safe}"), None)
            .unwrap()
            .unwrap();
        assert_eq!(h["x-api-key"], "da2-x");
        let std = base64::engine::general_purpose::STANDARD
            .encode(json)
            .replace('=', "%3D")
            .replace('+', "%2B")
            .replace('/', "%2F");
        let h = connection_headers("graphql-ws", Some(&format!("header={std}&payload=e30%3D")))
            .unwrap()
            .unwrap();
        assert_eq!(h["host"], "127.0.0.1:1");
        assert_eq!(connection_headers("graphql-ws", Some("x=1")).unwrap(), None);
        assert!(connection_headers("graphql-ws, header-!!!", None).is_err());
        assert!(connection_headers(
            &format!(
                "header-{}",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("[1]")
            ),
            None
        )
        .is_err());
    }

    #[test]
    fn server_messages() {
        let ack: Value = serde_json::from_str(&connection_ack(300000)).unwrap();
        assert_eq!(ack["payload"]["connectionTimeoutMs"], 300000);
        let e: Value =
            serde_json::from_str(&connection_error("UnauthorizedException", "no", 401)).unwrap();
        assert_eq!(e["payload"]["errors"][0]["errorCode"], 401);
        let e: Value =
            serde_json::from_str(&error(Some("7"), vec![error_object("Unauthorized", "m")]))
                .unwrap();
        assert_eq!(
            (
                e["id"].as_str(),
                e["payload"]["errors"][0]["errorType"].as_str()
            ),
            (Some("7"), Some("Unauthorized"))
        );
    }
}
