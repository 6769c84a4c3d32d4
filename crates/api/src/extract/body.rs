//! Request bodies: read with a size limit, parsed tolerantly, and digested for idempotent replay.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::Method;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use sha2::{Digest as _, Sha256};

use crate::{ApiState, AppError};

/// The largest request body accepted (a 100-user CSV file is about 10 KiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A body as bytes (a CSV file), with the digest of the request it came in.
#[derive(Debug)]
pub struct RawBody {
    /// The bytes.
    pub bytes: axum::body::Bytes,
    /// SHA-256 of method, path (with query) and body.
    pub digest: String,
}

impl FromRequest<ApiState> for RawBody {
    type Rejection = AppError;

    async fn from_request(request: Request, _state: &ApiState) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(unreadable)?;
        let target = parts.uri.path_and_query().map_or(parts.uri.path(), |pq| pq.as_str());
        Ok(Self {
            digest: digest(&parts.method, target, &bytes),
            bytes,
        })
    }
}

/// Why a body could not be read: it came too slowly (the server's body timeout), or it is too large.
fn unreadable(error: axum::Error) -> AppError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(error) = cause {
        if error.is::<tower_http::timeout::TimeoutError>() {
            return AppError::RequestTimeout;
        }
        cause = error.source();
    }
    AppError::PayloadTooLarge(MAX_BODY_BYTES)
}

/// A JSON body read the way Partner Center reads it (see `tenantdesk_wire::tolerant`), with the
/// digest of the request it came in.
#[derive(Debug)]
pub struct JsonBody<T> {
    /// The parsed body.
    pub value: T,
    /// SHA-256 of method, path and body.
    pub digest: String,
}

impl<T: DeserializeOwned> FromRequest<ApiState> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &ApiState) -> Result<Self, Self::Rejection> {
        let RawBody { bytes, digest } = RawBody::from_request(request, state).await?;
        let value =
            tenantdesk_wire::tolerant::from_slice(&bytes).map_err(|e| AppError::invalid("body", e.to_string()))?;
        Ok(Self { value, digest })
    }
}

/// The digest of a request without a body (DELETE).
#[derive(Debug)]
pub struct RequestDigest(pub String);

impl FromRequestParts<ApiState> for RequestDigest {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &ApiState) -> Result<Self, Self::Rejection> {
        Ok(Self(digest(&parts.method, parts.uri.path(), b"")))
    }
}

fn digest(method: &Method, target: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(target.as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
