//! The one error type of the use cases, and its one mapping to HTTP status, Partner Center code
//! and error body. 5xx bodies are opaque; their cause is logged with its whole chain.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tenantdesk_domain::FieldError;
use tenantdesk_store::{Conflict, StoreError};
use tenantdesk_wire::{ERROR_SOURCE, ErrorBody};

use crate::http::json_response;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No bearer token.
    #[error("the request has no bearer token")]
    MissingToken,
    /// A malformed, expired or badly signed token.
    #[error("the bearer token is not valid: {0}")]
    InvalidToken(String),
    /// An app-only token on an operation that needs an agent.
    #[error("this operation supports App+User credentials only")]
    AppOnly,
    /// The agent's role does not allow the operation.
    #[error("the {0} role is not allowed to perform this operation")]
    Forbidden(&'static str),
    /// No such customer for this partner.
    #[error("the customer was not found")]
    CustomerNotFound,
    /// No such (active) user.
    #[error("{0}")]
    UserNotFound(&'static str),
    /// No such directory role.
    #[error("the directory role was not found")]
    RoleNotFound,
    /// The CloudCockpit `X-Tenant` header names another partner's portal.
    #[error("the X-Tenant header does not name this partner's portal")]
    ForeignTenant,
    /// Invalid input: every problem found.
    #[error("the request is invalid")]
    Invalid(Vec<FieldError>),
    /// A uniqueness rule.
    #[error("{0}")]
    Conflict(&'static str),
    /// Uniqueness rules broken by rows of an upload (users created meanwhile).
    #[error("users were created meanwhile with email addresses of the file; nothing was created")]
    ConflictRows(Vec<FieldError>),
    /// The body is larger than the service accepts.
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// The client sent the request body too slowly.
    #[error("the request body was not received in time")]
    RequestTimeout,
    /// The partner (or, for failed authentication, the client address) sent more requests than
    /// the rate limit allows; it may try again after the given time.
    #[error("too many requests: try again in {} seconds", retry_after_secs(*.0))]
    TooManyRequests(std::time::Duration),
    /// No route matches the path.
    #[error("no such resource")]
    RouteNotFound,
    /// The route exists, the method does not.
    #[error("the method is not allowed on this resource")]
    MethodNotAllowed,
    /// Anything else: a bug or an outage.
    #[error("an unexpected error occurred")]
    Internal(#[source] anyhow::Error),
}

/// The description of a user that does not exist, was deleted or purged.
pub const USER_NOT_FOUND: &str = "the user was not found";

impl AppError {
    /// One invalid field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    /// The user was not found.
    pub fn user_not_found() -> Self {
        Self::UserNotFound(USER_NOT_FOUND)
    }

    /// HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingToken | Self::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            Self::AppOnly | Self::Forbidden(_) | Self::ForeignTenant => StatusCode::FORBIDDEN,
            Self::CustomerNotFound | Self::UserNotFound(_) | Self::RoleNotFound | Self::RouteNotFound => {
                StatusCode::NOT_FOUND
            }
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::Conflict(_) | Self::ConflictRows(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Partner Center's error code (API.md's table).
    pub fn code(&self) -> u32 {
        match self {
            Self::MissingToken => 800_001,
            Self::InvalidToken(_) => 400,
            Self::AppOnly => 2032,
            Self::Forbidden(_) | Self::ForeignTenant => 900_150,
            Self::CustomerNotFound => 60_003,
            Self::UserNotFound(_) => 60_002,
            Self::RoleNotFound => 60_004,
            Self::Invalid(_) | Self::PayloadTooLarge(_) => 3000,
            Self::Conflict(_) | Self::ConflictRows(_) => 3001,
            Self::RouteNotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::RequestTimeout => 408,
            Self::TooManyRequests(_) => 429,
            Self::Internal(_) => 800_003,
        }
    }

    /// The Partner Center error body.
    pub fn body(&self) -> ErrorBody {
        let data = match self {
            Self::Invalid(errors) | Self::ConflictRows(errors) => errors.iter().map(ToString::to_string).collect(),
            _ => Vec::new(),
        };
        let mut description = self.to_string();
        if let Some(first) = description.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        if let Self::Invalid(errors) = self
            && let [only] = errors.as_slice()
        {
            description = format!("The request is invalid: {only}");
        }
        ErrorBody {
            code: self.code(),
            description,
            data,
            source: ERROR_SOURCE.to_owned(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(Conflict::UserPrincipalName) => {
                Self::Conflict("another active user of this customer already has this user principal name")
            }
            StoreError::Conflict(Conflict::Domain) => Self::Conflict("the domain already belongs to a customer"),
            StoreError::Conflict(Conflict::PortalDomain) => {
                Self::Conflict("the portal domain already belongs to a partner")
            }
            other => Self::Internal(other.into()),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        Self::Internal(error)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Self::Internal(cause) = &self {
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        let mut response = json_response(self.status(), &self.body());
        if let Self::TooManyRequests(wait) = self {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, retry_after_secs(wait).into());
        }
        response
    }
}

/// `Retry-After` in whole seconds, rounded up: at least 1.
fn retry_after_secs(wait: std::time::Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}
