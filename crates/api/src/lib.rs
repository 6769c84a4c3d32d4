//! tenantdesk's Partner Center-compatible HTTP API: a front end over the use cases of
//! `tenantdesk-core`. It parses Partner Center's JSON (and CloudCockpit's) into the use cases'
//! domain inputs at its edge, calls them, and renders their results and errors on the wire.
//!
//! Modules: the handlers by feature — [`users`], [`cloudcockpit`] (CloudCockpit's reset-password
//! route and its error body), [`customers`], [`roles`], [`import`], [`audit`]; what they share —
//! [`extract`] (bearer token → caller, typed path ids, tolerant bodies), [`response`] (JSON
//! answers and collections), `user_json` (the JSON of users, written straight from the domain's
//! users for GET and list), `idempotency` (recording and replaying answers), [`paging`]
//! (query parameters and continuation tokens), [`auth`] (the bearer tokens), `error`
//! ([`AppError`]) and `state` ([`ApiState`]); and [`http`], which assembles the router from the
//! handlers, with its middleware, health checks and OpenAPI document, and the path normalisation
//! it is served behind (the accept loop is `tenantdesk-server`'s); `fuzzing`, the entry points of
//! the fuzz targets in `fuzz/`.

pub mod audit;
pub mod auth;
pub mod cloudcockpit;
pub mod customers;
mod error;
pub mod extract;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
mod idempotency;
pub mod import;
pub mod paging;
pub mod response;
pub mod roles;
mod state;
mod user_json;
pub mod users;

pub use error::AppError;
pub use http::{router, service};
pub use state::{ApiState, Limits};
