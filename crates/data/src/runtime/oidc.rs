//! OpenID Connect authorization (`oidcAuthorizationMode` in `defineData`): RS256 JWTs of an
//! external issuer, verified as AppSync verifies them.
//!
//! The issuer's keys come from `<issuer>/.well-known/openid-configuration` → `jwks_uri`, cached
//! per issuer for an hour and fetched again when a token names a key id the cache does not know
//! (at most every few seconds, so garbage tokens cannot make us hammer the issuer). Checks: the
//! signature, `iss` equal to the configured issuer, `exp`/`nbf`, `aud` (or `client_id`/`azp`)
//! equal to `clientId` when one is configured, and the optional `tokenExpireFromIssueInSeconds`
//! (from `iat`) and `tokenExpiryFromAuthInSeconds` (from `auth_time`) limits.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use definition::ir::OidcProvider;
use serde_json::{Map, Value};

const CACHE_TTL: Duration = Duration::from_secs(3600);
const REFETCH_GAP: Duration = Duration::from_secs(5);
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_BODY: usize = 1024 * 1024;

struct Jwks {
    keys: HashMap<String, (Vec<u8>, Vec<u8>)>,
    fetched: Instant,
    /// This copy was fetched because a token named an unknown key; until [`REFETCH_GAP`] has
    /// passed, further unknown keys are refused without asking the issuer again.
    after_miss: bool,
}

static CACHE: Mutex<Option<HashMap<String, Arc<Jwks>>>> = Mutex::new(None);

fn b64(s: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|_| "the token is not base64url".to_string())
}

fn normalize(issuer: &str) -> &str {
    issuer.trim_end_matches('/')
}

/// The `iss` claim of a JWT, unverified (to pick the provider that must verify it).
pub fn issuer_of(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let claims: Value = serde_json::from_slice(&b64(payload).ok()?).ok()?;
    claims.get("iss").and_then(Value::as_str).map(str::to_string)
}

/// Whether `token` was issued by `provider` (by its unverified `iss`).
pub fn is_from(provider: &OidcProvider, token: &str) -> bool {
    issuer_of(token).is_some_and(|iss| normalize(&iss) == normalize(&provider.issuer_url))
}

/// Verifies `token` for `provider`; the claims, or why it is refused.
pub async fn verify(provider: &OidcProvider, token: &str) -> Result<Map<String, Value>, String> {
    let parts: Vec<&str> = token.split('.').collect();
    let [h, p, s] = parts.as_slice() else {
        return Err("the token is not a JWT".into());
    };
    let header: Value = serde_json::from_slice(&b64(h)?).map_err(|_| "the token header is not JSON")?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err("the token is not signed with RS256".into());
    }
    let claims: Map<String, Value> = serde_json::from_slice(&b64(p)?).map_err(|_| "the token payload is not a JSON object")?;
    let iss = claims.get("iss").and_then(Value::as_str).unwrap_or_default();
    if normalize(iss) != normalize(&provider.issuer_url) {
        return Err(format!("the token's issuer `{iss}` is not {}", provider.issuer_url));
    }
    let kid = header.get("kid").and_then(Value::as_str).unwrap_or_default();
    let (n, e) = key(&provider.issuer_url, kid).await?;
    let sig = b64(s)?;
    let signed = &token[..h.len() + 1 + p.len()];
    ring::signature::RsaPublicKeyComponents { n: &n, e: &e }
        .verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, signed.as_bytes(), &sig)
        .map_err(|_| "the token's signature is invalid".to_string())?;
    check_claims(provider, &claims, now())?;
    Ok(claims)
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// The time and audience checks, at time `now` (seconds).
pub fn check_claims(provider: &OidcProvider, claims: &Map<String, Value>, now: i64) -> Result<(), String> {
    let num = |k: &str| claims.get(k).and_then(Value::as_i64);
    match num("exp") {
        Some(exp) if now < exp => {}
        Some(_) => return Err("Token expired".into()),
        None => return Err("the token has no exp claim".into()),
    }
    if num("nbf").is_some_and(|nbf| now < nbf) {
        return Err("the token is not valid yet (nbf)".into());
    }
    if let Some(ttl) = provider.iat_ttl_seconds.filter(|t| *t > 0) {
        let iat = num("iat").ok_or("the token has no iat claim")?;
        if now > iat + ttl as i64 {
            return Err("Token expired (tokenExpireFromIssueInSeconds)".into());
        }
    }
    if let Some(ttl) = provider.auth_ttl_seconds.filter(|t| *t > 0) {
        let at = num("auth_time").or(num("iat")).ok_or("the token has no auth_time claim")?;
        if now > at + ttl as i64 {
            return Err("Token expired (tokenExpiryFromAuthInSeconds)".into());
        }
    }
    if let Some(client) = provider.client_id.as_deref().filter(|c| !c.is_empty()) {
        let aud_ok = match claims.get("aud") {
            Some(Value::String(a)) => a == client,
            Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(client)),
            _ => false,
        };
        let other_ok = ["client_id", "azp"].iter().any(|k| claims.get(*k).and_then(Value::as_str) == Some(client));
        if !aud_ok && !other_ok {
            return Err("the token's audience is not the configured clientId".into());
        }
    }
    Ok(())
}

/// The RSA key `kid` of `issuer` (fetching the JWKS when it is not cached).
async fn key(issuer: &str, kid: &str) -> Result<(Vec<u8>, Vec<u8>), String> {
    let cached = CACHE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get_or_insert_with(HashMap::new)
        .get(normalize(issuer))
        .cloned();
    let pick = |j: &Jwks| -> Option<(Vec<u8>, Vec<u8>)> {
        if kid.is_empty() && j.keys.len() == 1 {
            return j.keys.values().next().cloned();
        }
        j.keys.get(kid).cloned()
    };
    if let Some(j) = &cached {
        if let Some(k) = pick(j) {
            if j.fetched.elapsed() < CACHE_TTL {
                return Ok(k);
            }
        } else if j.after_miss && j.fetched.elapsed() < REFETCH_GAP {
            return Err(format!("the issuer has no key `{kid}`"));
        }
    }
    let miss = cached.as_ref().is_some_and(|j| pick(j).is_none());
    let mut fresh = fetch_jwks(issuer).await?;
    fresh.after_miss = miss;
    let fresh = Arc::new(fresh);
    CACHE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get_or_insert_with(HashMap::new)
        .insert(normalize(issuer).to_string(), fresh.clone());
    pick(&fresh).ok_or_else(|| format!("the issuer has no key `{kid}`"))
}

async fn fetch_jwks(issuer: &str) -> Result<Jwks, String> {
    let discovery = format!("{}/.well-known/openid-configuration", normalize(issuer));
    let doc: Value = serde_json::from_slice(&http_get(&discovery).await?).map_err(|e| format!("{discovery} is not JSON: {e}"))?;
    let jwks_uri = doc
        .get("jwks_uri")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{discovery} names no jwks_uri"))?;
    let jwks: Value = serde_json::from_slice(&http_get(jwks_uri).await?).map_err(|e| format!("{jwks_uri} is not JSON: {e}"))?;
    let mut keys = HashMap::new();
    for k in jwks.get("keys").and_then(Value::as_array).into_iter().flatten() {
        if k.get("kty").and_then(Value::as_str) != Some("RSA") || k.get("use").and_then(Value::as_str).is_some_and(|u| u != "sig") {
            continue;
        }
        let (Some(n), Some(e)) = (k.get("n").and_then(Value::as_str), k.get("e").and_then(Value::as_str)) else {
            continue;
        };
        let kid = k.get("kid").and_then(Value::as_str).unwrap_or_default().to_string();
        keys.insert(kid, (b64(n)?, b64(e)?));
    }
    Ok(Jwks {
        keys,
        fetched: Instant::now(),
        after_miss: false,
    })
}

/// A small HTTP/1.1 GET (http or https with the system's root certificates).
async fn http_get(url: &str) -> Result<Vec<u8>, String> {
    tokio::time::timeout(FETCH_TIMEOUT, http_get_inner(url))
        .await
        .map_err(|_| format!("GET {url} timed out"))?
}

async fn http_get_inner(url: &str) -> Result<Vec<u8>, String> {
    use http_body_util::BodyExt;
    let fail = |e: &dyn std::fmt::Display| format!("GET {url}: {e}");
    let uri: hyper::Uri = url.parse().map_err(|e| fail(&e))?;
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err(fail(&"only http and https URLs can be fetched")),
    };
    let host = uri.host().ok_or_else(|| fail(&"no host"))?.to_string();
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let req = hyper::Request::get(uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"))
        .header(hyper::header::HOST, uri.authority().map(|a| a.as_str()).unwrap_or(&host))
        .header(hyper::header::USER_AGENT, "ampstack")
        .header(hyper::header::ACCEPT, "application/json")
        .body(http_body_util::Empty::<hyper::body::Bytes>::new())
        .map_err(|e| fail(&e))?;
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port)).await.map_err(|e| fail(&e))?;
    let resp = if https {
        let connector = tokio_rustls::TlsConnector::from(Arc::new(tls_config().map_err(|e| fail(&e))?));
        let name = rustls::pki_types::ServerName::try_from(host.clone()).map_err(|e| fail(&e))?;
        let tls = connector.connect(name, tcp).await.map_err(|e| fail(&e))?;
        send(hyper_util::rt::TokioIo::new(tls), req).await
    } else {
        send(hyper_util::rt::TokioIo::new(tcp), req).await
    }
    .map_err(|e| fail(&e))?;
    if !resp.status().is_success() {
        return Err(fail(&format!("HTTP {}", resp.status())));
    }
    let body = http_body_util::Limited::new(resp.into_body(), MAX_BODY).collect().await.map_err(|e| fail(&e))?;
    Ok(body.to_bytes().to_vec())
}

async fn send<IO>(io: IO, req: hyper::Request<http_body_util::Empty<hyper::body::Bytes>>) -> Result<hyper::Response<hyper::body::Incoming>, String>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    sender.send_request(req).await.map_err(|e| e.to_string())
}

/// TLS with the system's CA bundle (`SSL_CERT_FILE`, else the usual Linux locations).
fn tls_config() -> Result<rustls::ClientConfig, String> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    let candidates: Vec<String> = std::env::var("SSL_CERT_FILE")
        .ok()
        .into_iter()
        .chain(["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"].map(String::from))
        .collect();
    for path in candidates {
        if let Ok(iter) = rustls::pki_types::CertificateDer::pem_file_iter(&path) {
            for cert in iter.flatten() {
                let _ = roots.add(cert);
            }
            break;
        }
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())
        .map(|b| b.with_root_certificates(roots).with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn provider(client: Option<&str>, iat_ttl: Option<u64>, auth_ttl: Option<u64>) -> OidcProvider {
        OidcProvider {
            name: "p".into(),
            issuer_url: "https://issuer.example/".into(),
            client_id: client.map(String::from),
            auth_ttl_seconds: auth_ttl,
            iat_ttl_seconds: iat_ttl,
        }
    }

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn expiry_audience_and_ttls() {
        let p = provider(Some("app"), None, None);
        assert!(check_claims(&p, &claims(json!({"exp": 100, "aud": "app"})), 50).is_ok());
        assert_eq!(check_claims(&p, &claims(json!({"exp": 100, "aud": "app"})), 100), Err("Token expired".into()));
        assert!(check_claims(&p, &claims(json!({"exp": 100, "aud": ["x", "app"]})), 50).is_ok());
        assert!(check_claims(&p, &claims(json!({"exp": 100, "client_id": "app"})), 50).is_ok());
        assert!(check_claims(&p, &claims(json!({"exp": 100, "aud": "other"})), 50).is_err());
        assert!(check_claims(&p, &claims(json!({"exp": 100, "aud": "app", "nbf": 60})), 50).is_err());
        let ttl = provider(None, Some(10), Some(20));
        assert!(check_claims(&ttl, &claims(json!({"exp": 100, "iat": 40, "auth_time": 40})), 50).is_ok());
        assert!(check_claims(&ttl, &claims(json!({"exp": 100, "iat": 30, "auth_time": 40})), 50).is_err());
        assert!(check_claims(&ttl, &claims(json!({"exp": 100, "iat": 45, "auth_time": 20})), 50).is_err());
    }

    #[test]
    fn issuer_is_read_without_verification() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"iss":"https://issuer.example"}"#);
        let token = format!("e30.{payload}.sig");
        assert_eq!(issuer_of(&token).as_deref(), Some("https://issuer.example"));
        assert!(is_from(&provider(None, None, None), &token));
    }
}
