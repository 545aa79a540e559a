//! Parsed GraphQL documents, cached by query text.
//!
//! Clients send the same few documents over and over (`generateClient` builds one per model
//! operation and selection set), and parsing with async-graphql's pest grammar was the largest
//! single cost of a `get` after the store. Parsing does not depend on the schema, so one cache
//! serves every backend version; validation still runs on every request.

use std::collections::HashMap;
use std::sync::Mutex;

use async_graphql::parser::types::ExecutableDocument;

/// Entries kept before the cache starts over (bounded memory under arbitrary queries).
const CAPACITY: usize = 1024;
/// Documents longer than this are parsed every time (rare, and would dominate the cache's memory).
const MAX_CACHED_LEN: usize = 16 * 1024;

#[derive(Default)]
pub struct DocumentCache {
    docs: Mutex<HashMap<String, ExecutableDocument>>,
}

impl DocumentCache {
    /// The parsed `query`, from the cache or freshly parsed; `None` when it does not parse (the
    /// executor then reports the syntax error in AppSync's shape).
    pub fn get(&self, query: &str) -> Option<ExecutableDocument> {
        if let Some(doc) = self.docs.lock().expect("document cache lock").get(query) {
            return Some(doc.clone());
        }
        let doc = async_graphql::parser::parse_query(query).ok()?;
        if query.len() <= MAX_CACHED_LEN {
            let mut docs = self.docs.lock().expect("document cache lock");
            if docs.len() >= CAPACITY {
                docs.clear();
            }
            docs.insert(query.to_string(), doc.clone());
        }
        Some(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches_valid_documents_and_skips_invalid_ones() {
        let cache = DocumentCache::default();
        let q = "query { getTodo(id: \"1\") { id } }";
        let a = cache.get(q).expect("parses");
        let b = cache.get(q).expect("cached");
        assert_eq!(format!("{:?}", a.operations), format!("{:?}", b.operations));
        assert_eq!(cache.docs.lock().unwrap().len(), 1);
        assert!(cache.get("query { getTodo(").is_none());
        assert_eq!(cache.docs.lock().unwrap().len(), 1);
    }

    #[test]
    fn stays_bounded() {
        let cache = DocumentCache::default();
        for i in 0..(CAPACITY + 10) {
            cache.get(&format!("query {{ f{i} }}")).expect("parses");
        }
        assert!(cache.docs.lock().unwrap().len() <= CAPACITY);
    }
}
