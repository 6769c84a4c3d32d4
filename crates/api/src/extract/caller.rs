//! The caller of a request: the principal its bearer token stands for, with the request's ids.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use tenantdesk_core::{Caller, RequestIds};
use tenantdesk_domain::Principal;

use crate::{ApiState, AppError};

/// The principal of a request whose token a middleware (the rate limiter) already verified.
#[derive(Clone, Debug)]
pub struct VerifiedPrincipal(pub Principal);

impl FromRequestParts<ApiState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        // Taken, not cloned: nothing after the caller needs it.
        let principal = match parts.extensions.remove::<VerifiedPrincipal>() {
            Some(VerifiedPrincipal(principal)) => principal,
            None => principal(&parts.headers, state)?,
        };
        let ids = parts
            .extensions
            .get::<RequestIds>()
            .cloned()
            .unwrap_or_else(RequestIds::generate);
        Ok(Caller::new(principal, ids))
    }
}

/// The verified principal of a request's bearer token.
pub fn principal(headers: &HeaderMap, state: &ApiState) -> Result<Principal, AppError> {
    let header = headers.get(AUTHORIZATION).ok_or(AppError::MissingToken)?;
    let header = header
        .to_str()
        .map_err(|_| AppError::InvalidToken("not ASCII".to_owned()))?;
    let (scheme, token) = header.trim().split_once(' ').ok_or(AppError::MissingToken)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AppError::InvalidToken(format!(
            "the scheme must be Bearer, not {scheme}"
        )));
    }
    state.tokens().verify(token.trim()).map_err(AppError::InvalidToken)
}
