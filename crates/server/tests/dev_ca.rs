//! The development CA on disk: creation, reuse, permissions, leaf contents and re-issue rules.

use std::net::IpAddr;
use std::path::Path;

use rcgen::{CertificateParams, ExtendedKeyUsagePurpose, Issuer, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use server::DevCa;
use x509_parser::extensions::GeneralName;
use x509_parser::pem::parse_x509_pem;

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

/// Runs `f` on the parsed certificate in the PEM file `dir/name`.
fn with_cert<T>(dir: &Path, name: &str, f: impl FnOnce(&x509_parser::certificate::X509Certificate<'_>) -> T) -> T {
    let pem_bytes = read(dir, name);
    let (_, pem) = parse_x509_pem(&pem_bytes).unwrap();
    let cert = pem.parse_x509().unwrap();
    f(&cert)
}

fn sans(dir: &Path) -> Vec<String> {
    with_cert(dir, "server.pem", |cert| {
        let san = cert.subject_alternative_name().unwrap().expect("leaf has a SAN extension");
        san.value
            .general_names
            .iter()
            .map(|n| match n {
                GeneralName::DNSName(d) => d.to_string(),
                GeneralName::IPAddress(b) if b.len() == 4 => IpAddr::from(<[u8; 4]>::try_from(*b).unwrap()).to_string(),
                GeneralName::IPAddress(b) => IpAddr::from(<[u8; 16]>::try_from(*b).unwrap()).to_string(),
                other => panic!("unexpected SAN {other:?}"),
            })
            .collect()
    })
}

fn days_left(dir: &Path, name: &str) -> i64 {
    with_cert(dir, name, |c| c.validity().not_after.timestamp() - time::OffsetDateTime::now_utc().unix_timestamp()) / 86_400
}

#[test]
fn creates_ca_and_leaf_then_reuses_them() {
    let dir = tempfile::tempdir().unwrap();
    let first = DevCa::load_or_create(dir.path()).unwrap();
    assert_eq!(first.ca_cert_path(), dir.path().join("ca.pem"));
    for file in ["ca.pem", "ca-key.pem", "server.pem", "server-key.pem"] {
        assert!(dir.path().join(file).is_file(), "{file} missing");
    }
    let (ca, ca_key, leaf) = (read(dir.path(), "ca.pem"), read(dir.path(), "ca-key.pem"), read(dir.path(), "server.pem"));
    assert_eq!(first.ca_cert_pem().as_bytes(), ca.as_slice());

    let second = DevCa::load_or_create(dir.path()).unwrap();
    assert_eq!(read(dir.path(), "ca.pem"), ca, "CA must be reused");
    assert_eq!(read(dir.path(), "ca-key.pem"), ca_key, "CA key must be reused");
    assert_eq!(read(dir.path(), "server.pem"), leaf, "valid leaf with the same names must be reused");
    assert_eq!(first.ca_cert_der(), second.ca_cert_der());
    assert!(!dir.path().join(".lock").exists(), "lock file left behind");
}

#[cfg(unix)]
#[test]
fn private_keys_are_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    DevCa::load_or_create(dir.path()).unwrap();
    for key in ["ca-key.pem", "server-key.pem"] {
        let mode = std::fs::metadata(dir.path().join(key)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{key}");
    }
    // A widened key mode is put back on the next load.
    std::fs::set_permissions(dir.path().join("ca-key.pem"), std::fs::Permissions::from_mode(0o644)).unwrap();
    DevCa::load_or_create(dir.path()).unwrap();
    let mode = std::fs::metadata(dir.path().join("ca-key.pem")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn ca_is_a_ten_year_ca_named_for_ampstack() {
    let dir = tempfile::tempdir().unwrap();
    DevCa::load_or_create(dir.path()).unwrap();
    with_cert(dir.path(), "ca.pem", |ca| {
        assert!(ca.is_ca());
        let cn = ca.subject().iter_common_name().next().unwrap().as_str().unwrap().to_string();
        assert_eq!(cn, "Ampstack Development CA");
    });
    let days = days_left(dir.path(), "ca.pem");
    assert!((3640..=3651).contains(&days), "CA valid for {days} days");
}

#[test]
fn leaf_has_default_and_extra_names_and_server_auth() {
    let dir = tempfile::tempdir().unwrap();
    let ca = DevCa::load_or_create_with_names(dir.path(), &["MyApp.localhost", "192.0.2.10", "localhost"]).unwrap();
    let mut got = sans(dir.path());
    got.sort();
    let mut want = vec!["localhost", "*.localhost", "127.0.0.1", "::1", "myapp.localhost", "192.0.2.10"];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(ca.server_names().len(), 6, "duplicates and case variants collapse");
    with_cert(dir.path(), "server.pem", |leaf| {
        assert!(!leaf.is_ca());
        assert!(leaf.extended_key_usage().unwrap().unwrap().value.server_auth);
        let ca_pem = read(dir.path(), "ca.pem");
        let (_, ca_pem) = parse_x509_pem(&ca_pem).unwrap();
        let ca_cert = ca_pem.parse_x509().unwrap();
        leaf.verify_signature(Some(ca_cert.public_key())).expect("leaf is signed by the CA");
    });
    let days = days_left(dir.path(), "server.pem");
    assert!((360..=366).contains(&days), "leaf valid for {days} days");
}

#[test]
fn leaf_is_reissued_when_names_change_but_ca_stays() {
    let dir = tempfile::tempdir().unwrap();
    DevCa::load_or_create(dir.path()).unwrap();
    let (ca, leaf) = (read(dir.path(), "ca.pem"), read(dir.path(), "server.pem"));
    DevCa::load_or_create_with_names(dir.path(), &["api.localhost"]).unwrap();
    assert_eq!(read(dir.path(), "ca.pem"), ca);
    assert_ne!(read(dir.path(), "server.pem"), leaf);
    assert!(sans(dir.path()).contains(&"api.localhost".to_string()));
    // Same names in another order and case: nothing to do.
    let leaf = read(dir.path(), "server.pem");
    DevCa::load_or_create_with_names(dir.path(), &["API.localhost."]).unwrap();
    assert_eq!(read(dir.path(), "server.pem"), leaf);
}

#[test]
fn leaf_near_expiry_is_reissued() {
    let dir = tempfile::tempdir().unwrap();
    DevCa::load_or_create(dir.path()).unwrap();
    // Sign a leaf with the right names that expires in 5 days, using the persisted CA.
    let ca_key = KeyPair::from_pem(&String::from_utf8(read(dir.path(), "ca-key.pem")).unwrap()).unwrap();
    let issuer = Issuer::from_ca_cert_pem(&String::from_utf8(read(dir.path(), "ca.pem")).unwrap(), ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(server::tls::DEFAULT_NAMES.map(String::from).to_vec()).unwrap();
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(300);
    params.not_after = now + time::Duration::days(5);
    let cert = params.signed_by(&key, &issuer).unwrap();
    std::fs::write(dir.path().join("server.pem"), cert.pem()).unwrap();
    std::fs::write(dir.path().join("server-key.pem"), key.serialize_pem()).unwrap();
    assert!(days_left(dir.path(), "server.pem") <= 5);

    DevCa::load_or_create(dir.path()).unwrap();
    assert!(days_left(dir.path(), "server.pem") >= 360, "near-expiry leaf was not renewed");
}

#[test]
fn new_ca_forces_new_leaf_and_garbage_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    DevCa::load_or_create(dir.path()).unwrap();
    let (ca, leaf) = (read(dir.path(), "ca.pem"), read(dir.path(), "server.pem"));
    std::fs::remove_file(dir.path().join("ca.pem")).unwrap();
    std::fs::remove_file(dir.path().join("ca-key.pem")).unwrap();
    DevCa::load_or_create(dir.path()).unwrap();
    assert_ne!(read(dir.path(), "ca.pem"), ca);
    assert_ne!(read(dir.path(), "server.pem"), leaf, "leaf of the old CA must not be served");

    std::fs::write(dir.path().join("server.pem"), "not a pem").unwrap();
    let ca = DevCa::load_or_create(dir.path()).unwrap();
    assert!(sans(dir.path()).contains(&"localhost".to_string()));
    let on_disk = CertificateDer::from_pem_slice(&read(dir.path(), "server.pem")).unwrap();
    assert_eq!(ca.server_cert_der(), &on_disk);
}

#[test]
fn concurrent_first_runs_agree_on_one_ca() {
    let dir = tempfile::tempdir().unwrap();
    let cas: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| DevCa::load_or_create(dir.path()).unwrap().ca_cert_der().to_vec()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(cas.windows(2).all(|w| w[0] == w[1]), "racing creators produced different CAs");
    let on_disk = DevCa::load_or_create(dir.path()).unwrap();
    assert_eq!(on_disk.ca_cert_der().to_vec(), cas[0]);
}
