//! Ampstack's HTTP(S) server.

pub mod app;
pub mod fsutil;
pub mod listener;
pub mod outputs;
pub mod sandbox;
pub mod tls;

pub use listener::{serve, serve_with, Scheme, ServeOptions};
pub use tls::DevCa;
