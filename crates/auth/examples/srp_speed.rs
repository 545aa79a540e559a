//! Times the server's share of one SRP sign-in and of one Argon2id check (release build):
//! `cargo run --release -p auth --example srp_speed`.
use std::time::Instant;

fn main() {
    let n = 50;
    let ver = auth::srp::Verifier::new("Pool", "user", "Secret#1");
    let a = num_bigint::BigUint::from_bytes_be(&auth::crypto::random_bytes(128));
    let t = Instant::now();
    for _ in 0..n {
        let server = auth::srp::ServerKey::new(&ver);
        let (a_hex, _) = auth::srp::client_key("Pool", "user", "Secret#1", &a, &ver.salt, &server.big_b).unwrap();
        let t2 = Instant::now();
        auth::srp::password_key(&ver, &server, &a_hex).unwrap();
        let _ = t2;
    }
    println!("SRP server+client per sign-in: {:.2} ms", t.elapsed().as_secs_f64() * 1000.0 / n as f64);
    let t = Instant::now();
    for _ in 0..n {
        let server = auth::srp::ServerKey::new(&ver);
        let _ = server;
    }
    println!("ServerKey::new: {:.2} ms", t.elapsed().as_secs_f64() * 1000.0 / n as f64);
    let server = auth::srp::ServerKey::new(&ver);
    let (a_hex, _) = auth::srp::client_key("Pool", "user", "Secret#1", &a, &ver.salt, &server.big_b).unwrap();
    let t = Instant::now();
    for _ in 0..n {
        auth::srp::password_key(&ver, &server, &a_hex).unwrap();
    }
    println!("password_key: {:.2} ms", t.elapsed().as_secs_f64() * 1000.0 / n as f64);
    let h = auth::crypto::PasswordHash::new("Secret#1");
    let t = Instant::now();
    for _ in 0..10 {
        h.verify("Secret#1");
    }
    println!("argon2id verify: {:.2} ms", t.elapsed().as_secs_f64() * 1000.0 / 10.0);
}
