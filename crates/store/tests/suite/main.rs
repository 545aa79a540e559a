//! The engine-independent store test suite: every test is written once as
//! `async fn(&Harness)` and instantiated for SQLite and PostgreSQL by
//! `store_test_suite!` (see `harness.rs`).

#[macro_use]
mod harness;

mod crud;
mod durability;
mod filters;
mod queries;
