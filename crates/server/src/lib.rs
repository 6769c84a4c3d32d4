//! tenantdesk's use cases and its Partner Center-compatible HTTP API.
//!
//! Modules by feature: [`users`] and [`customers`] hold their use cases and their HTTP handlers;
//! [`auth`] the bearer tokens; [`http`] the router, middleware and OpenAPI document; [`purge`]
//! the background removal of users past their retention; [`admin`] the operations of the
//! administration commands; [`demo`] the demo data of `serve --demo`.

pub mod admin;
mod app;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod customers;
pub mod demo;
mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
mod idempotency;
pub mod import;
mod paging;
pub mod passwords;
pub mod purge;
pub mod roles;
mod tx;
pub mod users;

pub use app::{App, Config};
pub use error::AppError;
pub use http::{router, serve};
pub use tx::Pending;
