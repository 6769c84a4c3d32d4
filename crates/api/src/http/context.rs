//! Per-request context: request and correlation ids, the log span that carries them, and the
//! headers Partner Center puts on every response (and `X-Content-Type-Options: nosniff`).

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use tracing::Instrument as _;

use tenantdesk_core::RequestIds;

use crate::ApiState;

const MS_REQUEST_ID: HeaderName = HeaderName::from_static("ms-requestid");
const MS_CORRELATION_ID: HeaderName = HeaderName::from_static("ms-correlationid");
const X_CORRELATION_ID: HeaderName = HeaderName::from_static("x-correlation-id");
const MS_CV: HeaderName = HeaderName::from_static("ms-cv");
const MS_SERVER_ID: HeaderName = HeaderName::from_static("ms-serverid");

/// The ids of a request with these headers: `MS-RequestId` and `MS-CorrelationId` (or CloudCockpit's
/// `X-Correlation-Id`) as sent, or generated.
fn request_ids(headers: &HeaderMap) -> RequestIds {
    let fresh = || uuid::Uuid::new_v4().to_string();
    let request_id = header_id(headers, &MS_REQUEST_ID);
    let correlation_id = header_id(headers, &MS_CORRELATION_ID).or_else(|| header_id(headers, &X_CORRELATION_ID));
    RequestIds {
        request_id_from_client: request_id.is_some(),
        request_id: request_id.unwrap_or_else(fresh),
        correlation_id: correlation_id.unwrap_or_else(fresh),
    }
}

/// A header usable as an id: 1 to 128 visible ASCII characters. Anything else is ignored (and a
/// fresh id used), so a hostile header never reaches a log line or the database.
fn header_id(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let value = headers.get(name)?.to_str().ok()?.trim();
    let valid = (1..=128).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_graphic());
    valid.then(|| value.to_owned())
}

/// Sets the request's ids, logs one line per request inside a span that carries them, and adds
/// `MS-RequestId`, `MS-CorrelationId`, `MS-CV`, `MS-ServerId` and `X-Content-Type-Options:
/// nosniff` (no browser guesses another type than the one sent) to the response.
pub async fn request_context(State(state): State<ApiState>, mut request: Request, next: Next) -> Response {
    let ids = request_ids(request.headers());
    let cv = header_id(request.headers(), &MS_CV).map_or_else(new_correlation_vector, |cv| format!("{cv}.1"));
    let echo_x_correlation = request.headers().contains_key(X_CORRELATION_ID);
    request.extensions_mut().insert(ids.clone());

    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %ids.request_id,
        correlation_id = %ids.correlation_id,
    );
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis(),
            "request completed"
        );
    });

    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(MS_REQUEST_ID, &ids.request_id);
    set(MS_CORRELATION_ID, &ids.correlation_id);
    if echo_x_correlation {
        set(X_CORRELATION_ID, &ids.correlation_id);
    }
    set(MS_CV, &cv);
    set(MS_SERVER_ID, state.server_id());
    headers.insert(
        axum::http::header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// A new correlation vector: 16 base64 characters and the extension `.0`.
fn new_correlation_vector() -> String {
    let bytes: [u8; 12] = rand::random();
    format!("{}.0", base64::engine::general_purpose::STANDARD.encode(bytes))
}
