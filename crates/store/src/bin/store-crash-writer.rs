//! Test helper for the kill -9 durability test (not a user tool): opens the
//! store at argv[1] and puts items `item-00000`, `item-00001`, ... into table
//! `Crash`, printing `ack N` after each acknowledged write, until killed.

use std::io::Write;

use serde_json::json;
use store::Condition;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let target = std::env::args()
        .nth(1)
        .expect("usage: store-crash-writer <store target>");
    let store = store::open(&target).await.expect("open store");
    let mut out = std::io::stdout().lock();
    for i in 0u64.. {
        let data = json!({"i": i, "pad": "x".repeat(200)});
        store
            .put(
                "Crash",
                &format!("item-{i:05}"),
                "",
                data,
                &Condition::MustNotExist,
            )
            .await
            .expect("put");
        writeln!(out, "ack {i}")
            .and_then(|_| out.flush())
            .expect("stdout");
    }
}
