//! What the handlers answer with: JSON in Partner Center's content type, and its collections.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tenantdesk_wire::{Attributes, Collection, CollectionLinks, KeyValue, Link};

/// `Content-Type` of every JSON response.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// A JSON response with Partner Center's content type.
pub fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    // Room for a user or an error without growing; a page grows a few times.
    let mut bytes = Vec::with_capacity(1024);
    json_bytes_response(status, serde_json::to_writer(&mut bytes, body).map(|()| bytes))
}

/// A response of JSON already written, or a 500 if writing it failed.
pub fn json_bytes_response(status: StatusCode, written: Result<Vec<u8>, serde_json::Error>) -> Response {
    match written {
        Ok(bytes) => (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE))],
            bytes,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "failed to serialize a response");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A page of a collection in Partner Center's shape: `self` is `base` (the path and query of the
/// listing, without `/v1`), and when a continuation token is given, `next` is `base` with
/// `seekOperation=Next` and the token in the `MS-ContinuationToken` header.
pub fn page<T>(items: Vec<T>, base: String, next: Option<String>) -> Collection<T> {
    let separator = if base.contains('?') { '&' } else { '?' };
    Collection {
        total_count: items.len(),
        items,
        links: CollectionLinks {
            next: next.as_ref().map(|token| Link {
                uri: format!("{base}{separator}seekOperation=Next"),
                method: "GET".to_owned(),
                headers: vec![KeyValue {
                    key: "MS-ContinuationToken".to_owned(),
                    value: token.clone(),
                }],
            }),
            self_link: Link::get(base),
        },
        continuation_token: next,
        attributes: Attributes::of("Collection"),
    }
}
