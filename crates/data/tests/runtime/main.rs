//! Integration tests of the GraphQL runtime: `data::router` served on port 0 over SQLite and
//! PostgreSQL, driven over HTTP like a client.

mod harness;

mod authz;
mod authz_matrix;
mod authz_users;
mod lists;
mod models;
mod relations;
