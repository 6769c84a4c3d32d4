//! The HTTP integration tests of `tests/it`, run again on PostgreSQL: the same modules, with
//! `POSTGRES` set, so every test of the API runs on both stores. Each test gets a database of its
//! own on the server `TENANTDESK_TEST_DATABASE_URL` names; without it, each test says it was
//! skipped (and fails under CI).

// Tests unwrap freely: a failed unwrap is a failed test, with the value in its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// This binary runs the tests on PostgreSQL.
pub const POSTGRES: bool = true;

#[macro_use]
#[path = "../it/helpers.rs"]
mod helpers;

#[path = "../it/audit.rs"]
mod audit;
#[path = "../it/auth.rs"]
mod auth;
#[path = "../it/cloudcockpit.rs"]
mod cloudcockpit;
#[path = "../it/connections.rs"]
mod connections;
#[path = "../it/customers.rs"]
mod customers;
#[path = "../it/docs.rs"]
mod docs;
#[path = "../it/hostile.rs"]
mod hostile;
#[path = "../it/idempotency.rs"]
mod idempotency;
#[path = "../it/import.rs"]
mod import;
#[path = "../it/ops.rs"]
mod ops;
#[path = "../it/paging.rs"]
mod paging;
#[path = "../it/rate_limit.rs"]
mod rate_limit;
mod readiness;
#[path = "../it/roles.rs"]
mod roles;
#[path = "../it/sdk.rs"]
mod sdk;
#[path = "../it/seeds.rs"]
mod seeds;
#[path = "../it/users.rs"]
mod users;
#[path = "../it/validation.rs"]
mod validation;
