//! Answering a mutating request idempotently by `MS-RequestId`: the official SDK retries a
//! timed-out or failed request with the same id, so a repeated create, update or delete within 24
//! hours answers with the recorded response instead of doing the work twice.
//!
//! The use cases decide (`tenantdesk_core::idempotency`): they check the caller, then replay or
//! do the work. This module renders both: a fresh result as sent now and as recorded in the same
//! transaction, and a recorded answer as replayed. A recorded body never holds a password: a
//! replayed create or reset says `passwordProfile.forceChangePassword` but not the password,
//! which was handed out once.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tenantdesk_core::{Answer, Done, Error, Pending, StoredResponse};

use crate::response::json_response;
use crate::{ApiState, AppError};

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

/// Answers what a mutating use case came to: a replayed answer as recorded; a fresh result
/// rendered by `render`, whose recorded form is committed with the change.
pub async fn respond<T>(
    state: &ApiState,
    done: Result<Done<Pending<T>>, Error>,
    render: impl FnOnce(&T) -> Reply,
) -> Result<Response, AppError> {
    let pending = match done? {
        Done::Replayed(stored) => return Ok(replayed(stored)),
        Done::Fresh(pending) => pending,
    };
    let reply = render(&pending.value);
    let answer = Answer {
        status: reply.status.as_u16(),
        body: reply.recorded_body.as_ref().map(serde_json::Value::to_string),
    };
    match pending.commit(state.app(), answer).await? {
        Done::Fresh(_) => Ok(reply.into_response()),
        Done::Replayed(stored) => Ok(replayed(stored)),
    }
}
