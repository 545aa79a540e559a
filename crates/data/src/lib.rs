//! Data: what Amplify derives from a backend's data schema, computed from the typed IR
//! ([`definition::ir::Schema`]) instead of by Amplify's Node tooling.
//!
//! - [`introspection`]: the `data.model_introspection` block of `amplify_outputs.json`, which the
//!   client library (`generateClient`) reads to build its model and custom-operation APIs.
//! - [`appsync_schema`]: the AppSync SDL the real transformer deploys.
//! - [`runtime`]: the GraphQL API itself (`POST /graphql`), executing that schema over the store.
//! - [`realtime`]: subscriptions over AppSync's realtime WebSocket protocol, fanned out across nodes.

pub mod appsync_schema;
pub mod introspection;
pub mod realtime;
pub mod runtime;

pub use runtime::router;
