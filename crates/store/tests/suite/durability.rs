//! The key-value area, persistence across reopen, idempotent migrations and
//! the kill -9 test: a child process writes and acks, gets SIGKILLed, and
//! every acked item must be there after reopening.

use std::time::Duration;

use serde_json::json;
use store::{FieldPath, IndexKey, KvValue, QuerySpec, SCHEMA_VERSION};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::harness::{pks, put, query_all, Harness};

async fn kv_area(h: &Harness) {
    let s = &h.store;
    let j = |v| KvValue::Json(v);
    s.kv_put("keys", "jwk/1", &j(json!({"kid": "1", "n": [1, 2]})))
        .await
        .unwrap();
    s.kv_put("keys", "jwk/2", &KvValue::Bytes(vec![0, 1, 255]))
        .await
        .unwrap();
    s.kv_put("keys", "jwk%", &j(json!("percent")))
        .await
        .unwrap();
    s.kv_put("keys", "jwkAx", &j(json!(1))).await.unwrap();
    s.kv_put("keys", "jwk_x", &j(json!(2))).await.unwrap();
    s.kv_put("keys", "empty", &KvValue::Bytes(vec![]))
        .await
        .unwrap();
    s.kv_put("keys", "null", &j(json!(null))).await.unwrap();
    s.kv_put("other", "jwk/3", &j(json!(3))).await.unwrap();

    assert_eq!(
        s.kv_get("keys", "jwk/1").await.unwrap(),
        Some(j(json!({"kid": "1", "n": [1, 2]})))
    );
    assert_eq!(
        s.kv_get("keys", "jwk/2").await.unwrap(),
        Some(KvValue::Bytes(vec![0, 1, 255]))
    );
    assert_eq!(
        s.kv_get("keys", "empty").await.unwrap(),
        Some(KvValue::Bytes(vec![]))
    );
    assert_eq!(
        s.kv_get("keys", "null").await.unwrap(),
        Some(j(json!(null)))
    );
    assert_eq!(s.kv_get("keys", "jwk/3").await.unwrap(), None);
    assert_eq!(s.kv_get("other", "jwk/3").await.unwrap(), Some(j(json!(3))));

    let keys = |v: Vec<(String, KvValue)>| v.into_iter().map(|(k, _)| k).collect::<Vec<_>>();
    assert_eq!(
        keys(s.kv_list("keys", "jwk/").await.unwrap()),
        vec!["jwk/1", "jwk/2"]
    );
    assert_eq!(
        keys(s.kv_list("keys", "jwk%").await.unwrap()),
        vec!["jwk%"],
        "% is literal"
    );
    assert_eq!(
        keys(s.kv_list("keys", "jwk_").await.unwrap()),
        vec!["jwk_x"],
        "_ is literal"
    );
    assert_eq!(
        keys(s.kv_list("keys", "").await.unwrap()),
        vec!["empty", "jwk%", "jwk/1", "jwk/2", "jwkAx", "jwk_x", "null"]
    );
    assert_eq!(
        s.kv_list("keys", "jwk/2").await.unwrap(),
        vec![("jwk/2".into(), KvValue::Bytes(vec![0, 1, 255]))]
    );

    // Overwrite may change the representation.
    s.kv_put("keys", "jwk/2", &j(json!({"now": "json"})))
        .await
        .unwrap();
    assert_eq!(
        s.kv_get("keys", "jwk/2").await.unwrap(),
        Some(j(json!({"now": "json"})))
    );
    assert!(s.kv_delete("keys", "jwk/2").await.unwrap());
    assert!(!s.kv_delete("keys", "jwk/2").await.unwrap());
    assert_eq!(s.kv_get("keys", "jwk/2").await.unwrap(), None);
    assert!(s
        .kv_put("keys", "bad", &j(json!("nul\u{0}")))
        .await
        .is_err());
}

async fn reopen_persists_everything(h: &Harness) {
    let ix = IndexKey::new("owner", vec![FieldPath::field("n")]);
    h.store.ensure_index("R", "byOwner", &ix).await.unwrap();
    let a = put(&h.store, "R", "a", "1", json!({"owner": "me", "n": 2})).await;
    put(&h.store, "R", "b", "", json!({"owner": "me", "n": 1})).await;
    h.store
        .kv_put("secrets", "s1", &KvValue::Bytes(b"hunter2".to_vec()))
        .await
        .unwrap();
    h.store.close().await;

    let s = h.reopen().await;
    assert_eq!(s.get("R", "a", "1").await.unwrap(), Some(a.clone()));
    assert_eq!(
        s.kv_get("secrets", "s1").await.unwrap(),
        Some(KvValue::Bytes(b"hunter2".to_vec()))
    );
    let spec = QuerySpec {
        index: Some(ix.clone()),
        partition: Some(json!("me")),
        ..Default::default()
    };
    assert_eq!(pks(&query_all(&s, "R", &spec).await), vec!["b", "a"]);
    // Re-declaring the index after reopen is a no-op; versions keep growing.
    s.ensure_index("R", "byOwner", &ix).await.unwrap();
    let a2 = put(&s, "R", "a", "1", json!({})).await;
    assert!(a2.version > a.version);
    s.close().await;
}

async fn migrations_idempotent(h: &Harness) {
    assert_eq!(h.store.schema_version().await.unwrap(), SCHEMA_VERSION);
    put(&h.store, "M", "a", "", json!({"x": 1})).await;
    // Several concurrent opens of an already migrated database, then more.
    for s in open_many(&h.target, 4).await {
        assert_eq!(s.schema_version().await.unwrap(), SCHEMA_VERSION);
        s.close().await;
    }
    let s = h.reopen().await;
    assert_eq!(
        s.get("M", "a", "").await.unwrap().unwrap().data,
        json!({"x": 1})
    );
    assert_eq!(
        h.raw_count("SELECT COUNT(*) FROM schema_migrations").await,
        SCHEMA_VERSION
    );
}

async fn concurrent_first_open(h: &Harness) {
    // Fresh target (the harness opened one; make another beside it).
    let target = match h.kind {
        crate::harness::Kind::Sqlite => h.target.replace("store.db", "fresh.db"),
        crate::harness::Kind::Postgres => return, // schemas are created per test; covered by migrations_idempotent
    };
    for s in open_many(&target, 4).await {
        assert_eq!(s.schema_version().await.unwrap(), SCHEMA_VERSION);
    }
}

/// Opens `n` stores on `target` concurrently (racing their migrations).
async fn open_many(target: &str, n: usize) -> Vec<std::sync::Arc<dyn store::Store>> {
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let t = target.to_string();
            tokio::spawn(async move { store::open(&t).await })
        })
        .collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap().expect("open"));
    }
    out
}

async fn kill9_loses_no_acked_write(h: &Harness) {
    // Close our own pool so the reopen below really recovers from disk.
    h.store.close().await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_store-crash-writer"))
        .arg(&h.target)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn writer");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acked = Vec::new();
    let read = async {
        while acked.len() < 150 {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("writer exited early");
            acked.push(line);
        }
    };
    tokio::time::timeout(Duration::from_secs(120), read)
        .await
        .expect("writer too slow");
    child.start_kill().unwrap(); // SIGKILL: no destructors, no flush, no clean close
    child.wait().await.unwrap();
    // Acks already in the pipe were acknowledged before the kill too.
    while let Some(line) = lines.next_line().await.unwrap() {
        acked.push(line);
    }
    let acked: Vec<u64> = acked
        .iter()
        .map(|l| l.strip_prefix("ack ").unwrap().parse().unwrap())
        .collect();
    assert!(acked.len() >= 150);
    assert!(acked.windows(2).all(|w| w[1] == w[0] + 1));

    let s = h.reopen().await;
    for i in &acked {
        let item = s.get("Crash", &format!("item-{i:05}"), "").await.unwrap();
        assert_eq!(
            item.unwrap_or_else(|| panic!("acked item {i} lost")).data["i"],
            json!(i)
        );
    }
    let stored = query_all(&s, "Crash", &QuerySpec::default()).await;
    assert!(
        stored.len() >= acked.len() && stored.len() <= acked.len() + 1,
        "at most the in-flight write extra"
    );
    s.close().await;
}

#[tokio::test]
async fn open_targets() {
    let mem = store::open("sqlite::memory:").await.unwrap();
    put(&mem, "T", "a", "", json!({"x": 1})).await;
    assert_eq!(
        mem.get("T", "a", "").await.unwrap().unwrap().data,
        json!({"x": 1})
    );
    assert_eq!(mem.engine(), store::Engine::Sqlite);
    for bad in ["", "mysql://localhost/db", "sqlite://x.db?mode=ro"] {
        assert!(
            matches!(
                store::open(bad).await,
                Err(store::StoreError::InvalidInput(_))
            ),
            "{bad}"
        );
    }
    // A directory target stores ampstack.db inside it.
    let dir = tempfile::tempdir().unwrap();
    let s = store::open(dir.path().to_str().unwrap()).await.unwrap();
    s.close().await;
    assert!(dir.path().join("ampstack.db").exists());
}

store_test_suite!(
    kv_area,
    reopen_persists_everything,
    migrations_idempotent,
    concurrent_first_open,
    kill9_loses_no_acked_write
);
