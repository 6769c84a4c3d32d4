//! Idempotent replay by `MS-RequestId`: the official SDK retries a timed-out or failed request
//! with the same id, so a repeated create, update or delete within 24 hours answers with the
//! recorded response instead of doing the work twice.
//!
//! The response is recorded in the same transaction as the change, so a change is never done
//! without its record, nor recorded without being done; and in the database, so a retry that
//! lands on another instance or after a restart is replayed too. A recorded body never holds a
//! password: a replayed create or reset says `passwordProfile.forceChangePassword` but not the
//! password, which was handed out once.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::TimeDelta;
use tenantdesk_store::{Conflict, IdempotencyKey, StoredResponse};

use crate::audit::{Attempt, record_refusal};
use crate::auth::Caller;
use crate::http::json_response;
use crate::{App, AppError, Pending};

/// How long a response is kept for replay.
pub const REPLAY_WINDOW: TimeDelta = TimeDelta::hours(24);

const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// A response body.
pub enum Body {
    /// JSON.
    Json(serde_json::Value),
    /// A CSV file to download.
    Csv(String),
}

/// A response to send, and the form of it to record for replay (always JSON, never a password).
pub struct Reply {
    /// Status.
    pub status: StatusCode,
    /// The body sent now.
    pub body: Option<Body>,
    /// The body recorded for replay.
    pub recorded_body: Option<serde_json::Value>,
    /// The body sent now holds a password: no cache may keep it (`Cache-Control: no-store`).
    pub holds_password: bool,
}

impl Reply {
    /// A JSON answer holding nothing secret: recorded as sent.
    pub fn json(status: StatusCode, body: impl serde::Serialize) -> Self {
        let body = serde_json::to_value(body).ok();
        Self {
            status,
            recorded_body: body.clone(),
            body: body.map(Body::Json),
            holds_password: false,
        }
    }

    /// An answer without a body.
    pub fn empty(status: StatusCode) -> Self {
        Self {
            status,
            body: None,
            recorded_body: None,
            holds_password: false,
        }
    }

    fn into_response(self) -> Response {
        let mut response = match self.body {
            Some(Body::Json(body)) => json_response(self.status, &body),
            Some(Body::Csv(text)) => (
                self.status,
                [
                    (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (
                        axum::http::header::CONTENT_DISPOSITION,
                        "attachment; filename=\"users.csv\"",
                    ),
                ],
                text,
            )
                .into_response(),
            None => self.status.into_response(),
        };
        if self.holds_password {
            response
                .headers_mut()
                .insert(axum::http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        response
    }
}

/// The idempotency key of a request: only when the client chose the request id.
pub fn key(caller: &Caller, digest: &str) -> Option<IdempotencyKey> {
    caller.ids.request_id_from_client.then(|| IdempotencyKey {
        request_id: caller.ids.request_id.clone(),
        fingerprint: digest.to_owned(),
    })
}

fn replayed(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = match stored.body {
        Some(body) => {
            let value: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            json_response(status, &value)
        }
        None => status.into_response(),
    };
    response
        .headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

/// The recorded response to this request, if it was answered within the replay window.
pub async fn replay(app: &App, caller: &Caller, key: Option<&IdempotencyKey>) -> Result<Option<Response>, AppError> {
    let Some(key) = key else { return Ok(None) };
    let since = app.now() - REPLAY_WINDOW;
    let stored = app.store().response(caller.principal.partner, key, since).await?;
    Ok(stored.map(replayed))
}

/// Records `reply` in the use case's transaction (when the request has a key), commits, and
/// answers. If the same request was answered meanwhile (a concurrent retry), the change is rolled
/// back and the recorded answer replayed.
async fn finish<T>(
    app: &App,
    caller: &Caller,
    key: Option<IdempotencyKey>,
    mut pending: Pending<T>,
    reply: Reply,
) -> Result<Response, AppError> {
    if let Some(key) = &key {
        let record = StoredResponse {
            key: key.clone(),
            status: reply.status.as_u16(),
            body: reply.recorded_body.as_ref().map(serde_json::Value::to_string),
            created_at: app.now(),
        };
        match pending.tx.insert_response(caller.principal.partner, &record).await {
            Ok(()) => {}
            Err(error) if error.is_conflict(Conflict::IdempotencyKey) => {
                drop(pending);
                return replay(app, caller, Some(key))
                    .await?
                    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a recorded response vanished during replay")));
            }
            Err(error) => return Err(error.into()),
        }
    }
    pending.commit().await?;
    Ok(reply.into_response())
}

/// Runs a mutating use case idempotently: replays a recorded answer if there is one; otherwise
/// runs `work`, renders its result and commits with the record. If `work` fails while a twin of
/// the request (same key) succeeded concurrently, the twin's answer is replayed. If it is refused
/// for the caller's credentials or role, the refused `attempt` is audited.
pub async fn respond<T>(
    app: &App,
    caller: &Caller,
    key: Option<IdempotencyKey>,
    attempt: Attempt,
    work: impl Future<Output = Result<Pending<T>, AppError>>,
    render: impl FnOnce(&T) -> Reply,
) -> Result<Response, AppError> {
    if let Some(response) = replay(app, caller, key.as_ref()).await? {
        return Ok(response);
    }
    let pending = match work.await {
        Ok(pending) => pending,
        Err(error) => {
            if let Some(response) = replay(app, caller, key.as_ref()).await? {
                return Ok(response);
            }
            if matches!(error, AppError::AppOnly | AppError::Forbidden(_)) {
                record_refusal(app, caller, &attempt).await;
            }
            return Err(error);
        }
    };
    let reply = render(&pending.value);
    finish(app, caller, key, pending, reply).await
}
