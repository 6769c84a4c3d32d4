//! Idempotent replay: a client that repeats a request with the same request id (Partner Center's
//! SDK retries a timed-out or failed request with the same `MS-RequestId`; a console form carries
//! its own) within 24 hours gets the recorded answer instead of the work being done twice.
//!
//! The answer is recorded in the same transaction as the change ([`crate::Pending::commit`]) and
//! in the database, so a retry that lands on another instance or after a restart is replayed too.
//! A recorded answer is its caller's own: it is keyed by the actor (agent or app) with the request
//! id, a use case checks its caller before it replays anything, and every replay is audited
//! (outcome `replayed`). A recorded answer never holds a password: a replayed create or reset does
//! not show the password again.

use chrono::TimeDelta;
use tenantdesk_domain::PartnerId;
use tenantdesk_store::{IdempotencyKey, StoredResponse};

use crate::{App, Caller, Error};

/// How long an answer is kept for replay.
pub const REPLAY_WINDOW: TimeDelta = TimeDelta::hours(24);

/// The answer recorded for `key` of `partner` within the replay window, if any.
pub(crate) async fn recorded(
    app: &App,
    partner: PartnerId,
    key: &IdempotencyKey,
) -> Result<Option<StoredResponse>, Error> {
    let since = app.now() - REPLAY_WINDOW;
    Ok(app.store().response(partner, key, since).await?)
}

/// The answer recorded for `caller`'s idempotency key, if it has one and an answer was recorded.
pub(crate) async fn replayed(app: &App, caller: &Caller) -> Result<Option<StoredResponse>, Error> {
    match &caller.key {
        Some(key) => recorded(app, caller.principal.partner, key).await,
        None => Ok(None),
    }
}
