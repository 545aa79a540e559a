//! The local development certificate authority: what mkcert does, built in.
//!
//! Owns the files in one directory and the rustls configuration built from them:
//! - `ca.pem` / `ca-key.pem` (key 0600): a CA created on first run and then reused for ~10 years,
//!   because the user trusts it once (OS store, browser, `NODE_EXTRA_CA_CERTS`) and every restart
//!   that minted a new CA would break that trust.
//! - `server.pem` / `server-key.pem` (key 0600): a leaf for `localhost`, `*.localhost`, `127.0.0.1`,
//!   `::1` and any extra names, signed by the CA. It is cheap and disposable, so it is re-issued
//!   whenever the wanted names change, it nears expiry, or it no longer chains to the CA on disk.
//!
//! It does not install the CA into any trust store (that needs root and differs per OS); callers
//! print [`DevCa::ca_cert_path`] instead.
//!
//! Caveat worth knowing: browsers, OpenSSL, Node and rustls all refuse wildcards directly under a
//! single-label name, so `*.localhost` only helps lenient clients; pass concrete names such as
//! `myapp.localhost` as extra names when a subdomain has to work everywhere.

use std::fs;
use std::io::{ErrorKind, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration, OffsetDateTime};
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// Names every leaf covers; extra names are added to these.
pub const DEFAULT_NAMES: [&str; 4] = ["localhost", "*.localhost", "127.0.0.1", "::1"];

const CA_COMMON_NAME: &str = "Ampstack Development CA";
const CA_CERT: &str = "ca.pem";
const CA_KEY: &str = "ca-key.pem";
const LEAF_CERT: &str = "server.pem";
const LEAF_KEY: &str = "server-key.pem";
const CA_VALIDITY: Duration = Duration::days(3650);
/// Well under Apple's 825-day ceiling for TLS server certificates, which macOS/iOS enforce even
/// for user-trusted roots.
const LEAF_VALIDITY: Duration = Duration::days(365);
/// Renew this long before expiry so a long-running sandbox never serves an expired leaf.
const RENEW_BEFORE: Duration = Duration::days(30);
/// Backdated so that a client whose clock is a little behind still accepts a fresh certificate.
const BACKDATE: Duration = Duration::days(1);

/// A loaded (or freshly created) development CA with its current server certificate.
pub struct DevCa {
    dir: PathBuf,
    ca_cert_pem: String,
    ca_cert_der: CertificateDer<'static>,
    leaf_cert_der: CertificateDer<'static>,
    names: Vec<String>,
    server_config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for DevCa {
    // Hand-written so that no key material can end up in a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevCa").field("dir", &self.dir).field("names", &self.names).finish_non_exhaustive()
    }
}

impl DevCa {
    /// Loads the CA and leaf from `dir`, creating whatever is missing or unusable, for the
    /// [`DEFAULT_NAMES`].
    pub fn load_or_create(dir: &Path) -> Result<DevCa> {
        Self::load_or_create_with_names(dir, &[] as &[&str])
    }

    /// Like [`DevCa::load_or_create`], with extra DNS names or IP addresses on the leaf
    /// (e.g. a LAN hostname so a phone can reach the sandbox). Blocking: a few file reads, and
    /// on first run two ECDSA key generations (milliseconds).
    pub fn load_or_create_with_names(dir: &Path, extra_names: &[impl AsRef<str>]) -> Result<DevCa> {
        let names = wanted_names(extra_names)?;
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;

        // Common case first, without the lock: everything on disk is valid and reusable.
        let fast = load_ca(dir)?.and_then(|ca| load_leaf(dir, &ca, &names).map(|leaf| (ca, leaf)));
        let (ca, leaf) = match fast {
            Some(found) => found,
            None => {
                // Two sandboxes starting at once (or a test run beside one) must not each write
                // half of a CA; re-check under the lock because the other one may have finished.
                let _lock = DirLock::acquire(dir)?;
                let ca = match load_ca(dir)? {
                    Some(ca) => ca,
                    None => create_ca(dir)?,
                };
                let leaf = match load_leaf(dir, &ca, &names) {
                    Some(leaf) => leaf,
                    None => issue_leaf(dir, &ca, &names)?,
                };
                (ca, leaf)
            }
        };

        let server_config = build_server_config(leaf.cert_der.clone(), leaf.key_der)?;
        Ok(DevCa {
            dir: dir.to_path_buf(),
            ca_cert_pem: ca.cert_pem,
            ca_cert_der: ca.cert_der,
            leaf_cert_der: leaf.cert_der,
            names,
            server_config,
        })
    }

    /// The CA certificate users add to their trust store (or to `NODE_EXTRA_CA_CERTS`).
    pub fn ca_cert_path(&self) -> PathBuf {
        self.dir.join(CA_CERT)
    }

    /// The current leaf certificate (PEM), for tools that want to serve it themselves.
    pub fn server_cert_path(&self) -> PathBuf {
        self.dir.join(LEAF_CERT)
    }

    pub fn ca_cert_pem(&self) -> &str {
        &self.ca_cert_pem
    }

    pub fn ca_cert_der(&self) -> &CertificateDer<'static> {
        &self.ca_cert_der
    }

    pub fn server_cert_der(&self) -> &CertificateDer<'static> {
        &self.leaf_cert_der
    }

    /// The names (normalised: lowercase DNS names, canonical IPs) the leaf covers.
    pub fn server_names(&self) -> &[String] {
        &self.names
    }

    /// TLS server configuration: the leaf and its key, ALPN `h2` then `http/1.1` (h2 preferred so
    /// browsers multiplex AppSync/S3 calls over one connection; http/1.1 for everything else).
    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        self.server_config.clone()
    }

    /// A client configuration that trusts only this CA (for the CLI talking to its own sandbox,
    /// and for tests).
    pub fn client_config(&self) -> Result<Arc<rustls::ClientConfig>> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.ca_cert_der.clone())?;
        let mut cfg = rustls::ClientConfig::builder_with_provider(ring_provider())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(cfg))
    }
}

/// The provider is passed explicitly everywhere instead of relying on the process-wide default:
/// with both ring and aws-lc-rs in a dependency graph rustls cannot pick one and panics at
/// first use, and nothing here should depend on who else installed a default.
fn ring_provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn build_server_config(leaf: CertificateDer<'static>, key: PrivatePkcs8KeyDer<'static>) -> Result<Arc<rustls::ServerConfig>> {
    // Only the leaf is sent: the root is what the client already has, sending it is useless.
    let mut cfg = rustls::ServerConfig::builder_with_provider(ring_provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![leaf], PrivateKeyDer::Pkcs8(key))
        .context("building the TLS server configuration")?;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

/// Defaults plus extras, normalised and deduplicated, defaults first (the first name becomes the
/// leaf's common name).
fn wanted_names(extra: &[impl AsRef<str>]) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for raw in DEFAULT_NAMES.iter().copied().chain(extra.iter().map(|s| s.as_ref())) {
        let Some(name) = normalise_name(raw) else { continue };
        if name.contains(|c: char| c.is_whitespace() || c == '/' || c == ':') && name.parse::<IpAddr>().is_err() {
            bail!("not a DNS name or IP address: {raw:?}");
        }
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(names)
}

fn normalise_name(raw: &str) -> Option<String> {
    let trimmed = raw.trim().trim_end_matches('.');
    if trimmed.is_empty() {
        return None;
    }
    let unbracketed = trimmed.trim_start_matches('[').trim_end_matches(']');
    Some(match unbracketed.parse::<IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => trimmed.to_ascii_lowercase(),
    })
}

struct CaMaterial {
    cert_pem: String,
    cert_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

struct LeafMaterial {
    cert_der: CertificateDer<'static>,
    key_der: PrivatePkcs8KeyDer<'static>,
}

/// `Ok(None)`: absent or unusable, create a new one. `Err`: present but unreadable (permissions,
/// I/O), which must stop startup rather than silently replace a CA the user already trusts.
fn load_ca(dir: &Path) -> Result<Option<CaMaterial>> {
    let (cert_path, key_path) = (dir.join(CA_CERT), dir.join(CA_KEY));
    let (Some(cert_pem), Some(key_pem)) = (read_optional(&cert_path)?, read_optional(&key_path)?) else {
        if cert_path.exists() || key_path.exists() {
            tracing::warn!(dir = %dir.display(), "development CA is incomplete; creating a new one (re-trust ca.pem)");
        }
        return Ok(None);
    };
    match parse_ca(&cert_pem, &key_pem) {
        Ok(ca) => {
            tighten_key_permissions(&key_path);
            Ok(Some(ca))
        }
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "development CA unusable; creating a new one (re-trust ca.pem)");
            Ok(None)
        }
    }
}

fn parse_ca(cert_pem: &str, key_pem: &str) -> Result<CaMaterial> {
    let key = KeyPair::from_pem(key_pem).context("parsing ca-key.pem")?;
    let cert_der = CertificateDer::from_pem_slice(cert_pem.as_bytes()).context("parsing ca.pem")?;
    {
        let (_, x509) = X509Certificate::from_der(&cert_der).map_err(|e| anyhow!("parsing ca.pem: {e}"))?;
        if x509.public_key().subject_public_key.data.as_ref() != key.public_key_raw() {
            bail!("ca.pem and ca-key.pem do not belong together");
        }
        if !x509.is_ca() {
            bail!("ca.pem is not a CA certificate");
        }
        // A CA that expires before the leaf it would sign is as good as expired.
        if remaining(&x509) < LEAF_VALIDITY {
            bail!("the CA expires soon");
        }
    }
    let issuer = Issuer::from_ca_cert_der(&cert_der, key).map_err(|e| anyhow!("reading ca.pem: {e}"))?;
    Ok(CaMaterial { cert_pem: cert_pem.to_string(), cert_der, issuer })
}

fn create_ca(dir: &Path) -> Result<CaMaterial> {
    // ECDSA P-256: rcgen's default, accepted by every browser, Node, Java, curl, and fast to make.
    let key = KeyPair::generate()?;
    let now = OffsetDateTime::now_utc();
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, CA_COMMON_NAME);
    params.distinguished_name.push(DnType::OrganizationName, "Ampstack development");
    // user@host, like mkcert: tells CAs from different machines apart in a trust-store listing.
    params.distinguished_name.push(DnType::OrganizationalUnitName, owner_label());
    // Path length 0: this CA signs leaves only. No name constraints, because extra names (LAN
    // hosts, custom domains in /etc/hosts) must keep working; the key never leaves this machine.
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    params.not_before = now - BACKDATE;
    params.not_after = now + CA_VALIDITY;
    let cert = params.self_signed(&key)?;
    let cert_pem = cert.pem();
    // Key first: a crash between the two writes leaves a key without a certificate, which the next
    // run treats as "no CA", never a certificate whose key is lost.
    write_file(&dir.join(CA_KEY), &key.serialize_pem(), true)?;
    write_file(&dir.join(CA_CERT), &cert_pem, false)?;
    tracing::info!(path = %dir.join(CA_CERT).display(), "created the development CA; trust it to use https locally");
    Ok(CaMaterial { cert_pem, cert_der: cert.der().clone(), issuer: Issuer::new(params, key) })
}

/// `None` means "issue a new leaf": every problem with a disposable leaf is handled the same way.
fn load_leaf(dir: &Path, ca: &CaMaterial, names: &[String]) -> Option<LeafMaterial> {
    let cert_pem = fs::read(dir.join(LEAF_CERT)).ok()?;
    let key_der = PrivatePkcs8KeyDer::from_pem_file(dir.join(LEAF_KEY)).ok()?;
    let key = KeyPair::try_from(&key_der).ok()?;
    let cert_der = CertificateDer::from_pem_slice(&cert_pem).ok()?;
    let (_, leaf) = X509Certificate::from_der(&cert_der).ok()?;
    let (_, ca_x509) = X509Certificate::from_der(&ca.cert_der).ok()?;
    let reason = if leaf.public_key().subject_public_key.data.as_ref() != key.public_key_raw() {
        "key does not match"
    } else if leaf.verify_signature(Some(ca_x509.public_key())).is_err() {
        "not signed by the current CA"
    } else if remaining(&leaf) < RENEW_BEFORE || leaf.validity().not_before.timestamp() > OffsetDateTime::now_utc().unix_timestamp() {
        "expiring"
    } else if sorted(leaf_names(&leaf)) != sorted(names.to_vec()) {
        "names changed"
    } else {
        tighten_key_permissions(&dir.join(LEAF_KEY));
        return Some(LeafMaterial { cert_der: cert_der.clone(), key_der });
    };
    tracing::info!(reason, "re-issuing the development server certificate");
    None
}

fn issue_leaf(dir: &Path, ca: &CaMaterial, names: &[String]) -> Result<LeafMaterial> {
    let key = KeyPair::generate()?;
    let now = OffsetDateTime::now_utc();
    let mut params = CertificateParams::new(names.to_vec()).context("invalid server certificate name")?;
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, names[0].clone());
    params.distinguished_name.push(DnType::OrganizationName, "Ampstack development certificate");
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    // macOS/iOS reject server certificates without the serverAuth EKU.
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = now - BACKDATE;
    params.not_after = now + LEAF_VALIDITY;
    let cert = params.signed_by(&key, &ca.issuer)?;
    write_file(&dir.join(LEAF_KEY), &key.serialize_pem(), true)?;
    write_file(&dir.join(LEAF_CERT), &cert.pem(), false)?;
    Ok(LeafMaterial { cert_der: cert.der().clone(), key_der: PrivatePkcs8KeyDer::from(key.serialize_der()) })
}

fn remaining(cert: &X509Certificate<'_>) -> Duration {
    Duration::seconds(cert.validity().not_after.timestamp() - OffsetDateTime::now_utc().unix_timestamp())
}

/// Subject alternative names in the same normal form as [`wanted_names`].
fn leaf_names(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(san)) = cert.subject_alternative_name() else { return Vec::new() };
    san.value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DNSName(dns) => Some(dns.to_ascii_lowercase()),
            GeneralName::IPAddress(bytes) => match bytes.len() {
                4 => Some(Ipv4Addr::from(<[u8; 4]>::try_from(*bytes).ok()?).to_string()),
                16 => Some(Ipv6Addr::from(<[u8; 16]>::try_from(*bytes).ok()?).to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

fn owner_label() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "user".into());
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    format!("{user}@{host}")
}

fn read_optional(path: &Path) -> Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Atomic (temp file + rename) so a reader never sees half a PEM; private files are created 0600
/// from the start rather than chmod-ed afterwards, so the key is never briefly world-readable.
fn write_file(path: &Path, contents: &str, private: bool) -> Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    // A leftover temp file would keep its old mode: the mode below only applies on creation.
    let _ = fs::remove_file(&tmp);
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if private { 0o600 } else { 0o644 });
    }
    let _ = private; // Windows: ACLs of the user's profile directory are what protects the key.
    let write = || -> std::io::Result<()> {
        let mut f = opts.open(&tmp)?;
        f.write_all(contents.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        anyhow!(e).context(format!("writing {}", path.display()))
    })
}

/// Someone (a backup restore, a `cp`) may have widened a key file's mode; put it back.
fn tighten_key_permissions(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(path = %path.display(), "private key was readable by others; setting mode 0600");
                let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o600));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// A lock file created with `create_new` (std's `File::lock` is newer than this workspace's MSRV).
/// Creation takes milliseconds, so a lock older than `STALE` was left by a process that died.
struct DirLock(PathBuf);

impl DirLock {
    const STALE: std::time::Duration = std::time::Duration::from_secs(10);
    const WAIT: std::time::Duration = std::time::Duration::from_secs(15);

    fn acquire(dir: &Path) -> Result<DirLock> {
        let path = dir.join(".lock");
        let deadline = Instant::now() + Self::WAIT;
        loop {
            match fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    let _ = write!(f, "{}", std::process::id());
                    return Ok(DirLock(path));
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    let age = fs::metadata(&path).and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
                    if age.is_some_and(|a| a > Self::STALE) {
                        let _ = fs::remove_file(&path);
                        continue;
                    }
                    if Instant::now() > deadline {
                        bail!("timed out waiting for {}; delete it if no other ampstack is starting", path.display());
                    }
                    std::thread::sleep(std::time::Duration::from_millis(25));
                }
                Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
            }
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}
