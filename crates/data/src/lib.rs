//! Data: what Amplify derives from a backend's data schema, computed from the typed IR
//! ([`definition::ir::Schema`]) instead of by Amplify's Node tooling.
//!
//! - [`introspection`]: the `data.model_introspection` block of `amplify_outputs.json`, which the
//!   client library (`generateClient`) reads to build its model and custom-operation APIs.

pub mod appsync_schema;
pub mod introspection;
