//! tenantdesk's use cases: what every front end (the Partner Center API, the web console) calls
//! alike, so a permission check, an audit record or a transaction cannot be forgotten by one of them.
//!
//! Inputs and outputs are domain types; front ends parse their wire or form shapes at their edge and
//! render the results. Every mutating use case checks its permission once (a refusal is audited),
//! replays the recorded answer of a request it already did ([`idempotency`]), and does its work with
//! its audit record in one transaction, returned uncommitted as a [`Pending`] so the front end can
//! record its answer in the same transaction.
//!
//! Modules: [`users`] (create, get, list, update, reset a password, delete, restore), [`customers`],
//! [`roles`] (directory roles and their members), [`audit`] (the audit log), [`import`] (the CSV
//! upload and its data file), [`instance`] (the readiness check, service-wide settings), [`purge`] (users past their retention), [`admin`] (the administration
//! commands' operations), [`agents`] (the console's agent accounts), [`sessions`] (the console's
//! sign-in and sessions), [`demo`] (the data of `serve --demo`), [`idempotency`] (replay by request
//! id), [`passwords`] (Argon2id on threads of its own), [`clock`]; and, private, `app` ([`App`]),
//! `config` ([`Config`], [`sessions::SignInPolicy`]), `caller` ([`Caller`], [`RequestIds`],
//! authorization), `attempt` (a mutating request's attempt, audited when refused or replayed),
//! `error` ([`Error`]) and `tx` ([`Pending`], [`Done`], running a change once per request id).

pub mod admin;
pub mod agents;
mod app;
mod attempt;
pub mod audit;
mod caller;
pub mod clock;
mod config;
pub mod customers;
pub mod demo;
mod error;
pub mod idempotency;
pub mod import;
pub mod instance;
pub mod passwords;
pub mod purge;
pub mod roles;
pub mod sessions;
mod tx;
pub mod users;

pub use app::App;
pub use caller::{Caller, RequestIds};
pub use config::Config;
pub use error::Error;
pub use tenantdesk_store::{IdempotencyKey, StoredResponse};
pub use tx::{Answer, Done, Pending};
