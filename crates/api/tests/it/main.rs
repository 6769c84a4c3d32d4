//! Integration tests: the real server on 127.0.0.1:0 over a fresh database, driven through the
//! Rust SDK (which they test too) and, where the wire bytes matter, through plain HTTP.

// Tests unwrap freely: a failed unwrap is a failed test, with the value in its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// This binary runs the tests on SQLite; `it_postgres` runs the same modules on PostgreSQL.
pub const POSTGRES: bool = false;

#[macro_use]
mod helpers;

mod audit;
mod auth;
mod cloudcockpit;
mod connections;
mod customers;
mod docs;
mod hostile;
mod idempotency;
mod import;
mod ops;
mod paging;
mod rate_limit;
mod roles;
mod sdk;
mod seeds;
mod users;
mod validation;
