//! The API's one error type, and its one mapping to HTTP status, Partner Center code and error
//! body. 5xx bodies are opaque; their cause is logged with its whole chain.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tenantdesk_core::Error;
use tenantdesk_domain::FieldError;
use tenantdesk_wire::{ERROR_SOURCE, ErrorBody};

use crate::response::json_response;

/// Why a request failed: a use case's error, or one of the API's own.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A use case refused or failed.
    #[error(transparent)]
    UseCase(#[from] Error),
    /// No bearer token.
    #[error("the request has no bearer token")]
    MissingToken,
    /// A malformed, expired or badly signed token. The reason is logged, never answered: it can
    /// carry the JWT library's internals.
    #[error("the bearer token is not valid")]
    InvalidToken(String),
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
}

/// The most problems an error body lists; the rest are counted in one more line, so a request
/// with 300,000 bad entries does not get a 14 MB answer.
pub const MAX_LISTED_PROBLEMS: usize = 100;
/// The longest field name and message of a listed problem, in characters; longer ones are cut.
pub const MAX_PROBLEM_CHARS: usize = 200;

/// The problems an error body lists: the first [`MAX_LISTED_PROBLEMS`], each cut to
/// [`MAX_PROBLEM_CHARS`], and how many more there were.
pub fn listed_problems(problems: &[FieldError]) -> (Vec<FieldError>, usize) {
    let listed = problems
        .iter()
        .take(MAX_LISTED_PROBLEMS)
        .map(|p| FieldError::new(clip(&p.field), clip(&p.message)))
        .collect();
    (listed, problems.len().saturating_sub(MAX_LISTED_PROBLEMS))
}

/// The line that stands for the `more` problems not listed.
pub fn more_problems(more: usize) -> String {
    format!("and {more} more problems (only the first {MAX_LISTED_PROBLEMS} are listed)")
}

fn clip(text: &str) -> String {
    match text.char_indices().nth(MAX_PROBLEM_CHARS) {
        Some((end, _)) => format!("{}… (cut)", &text[..end]),
        None => text.to_owned(),
    }
}

impl AppError {
    /// One invalid field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::UseCase(Error::invalid(field, message))
    }

    /// HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingToken | Self::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::RouteNotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::UseCase(error) => match error {
                Error::AppOnly | Error::Forbidden(_) | Error::ForeignTenant => StatusCode::FORBIDDEN,
                Error::CustomerNotFound | Error::UserNotFound(_) | Error::RoleNotFound => StatusCode::NOT_FOUND,
                Error::Invalid(_) => StatusCode::BAD_REQUEST,
                Error::Conflict(_) | Error::ConflictRows(_) => StatusCode::CONFLICT,
                Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }

    /// Partner Center's error code (API.md's table).
    pub fn code(&self) -> u32 {
        match self {
            Self::MissingToken => 800_001,
            Self::InvalidToken(_) => 400,
            Self::PayloadTooLarge(_) => 3000,
            Self::RequestTimeout => 408,
            Self::TooManyRequests(_) => 429,
            Self::RouteNotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::UseCase(error) => match error {
                Error::AppOnly => 2032,
                Error::Forbidden(_) | Error::ForeignTenant => 900_150,
                Error::CustomerNotFound => 60_003,
                Error::UserNotFound(_) => 60_002,
                Error::RoleNotFound => 60_004,
                Error::Invalid(_) => 3000,
                Error::Conflict(_) | Error::ConflictRows(_) => 3001,
                Error::Internal(_) => 800_003,
            },
        }
    }

    /// The problems of the request, all of them (an error body lists the first ones).
    pub fn problems(&self) -> &[FieldError] {
        match self {
            Self::UseCase(Error::Invalid(errors) | Error::ConflictRows(errors)) => errors,
            _ => &[],
        }
    }

    /// The Partner Center error body.
    pub fn body(&self) -> ErrorBody {
        let (listed, more) = listed_problems(self.problems());
        let mut data: Vec<String> = listed.iter().map(ToString::to_string).collect();
        if more > 0 {
            data.push(more_problems(more));
        }
        let mut description = self.to_string();
        if let Some(first) = description.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        if let Self::UseCase(Error::Invalid(errors)) = self
            && let [only] = listed_problems(errors).0.as_slice()
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

    /// Logs what the response does not say: the cause of a 5xx, the reason a token was refused.
    pub fn log(&self) {
        match self {
            Self::UseCase(Error::Internal(cause)) => tracing::error!(error = format!("{cause:#}"), "request failed"),
            Self::InvalidToken(reason) => tracing::info!(%reason, "refused a bearer token"),
            _ => {}
        }
    }

    /// The cause of an unexpected failure, for the log.
    pub fn internal_cause(&self) -> Option<&anyhow::Error> {
        match self {
            Self::UseCase(Error::Internal(cause)) => Some(cause),
            _ => None,
        }
    }
}

impl From<tenantdesk_store::StoreError> for AppError {
    fn from(error: tenantdesk_store::StoreError) -> Self {
        Self::UseCase(error.into())
    }
}

impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        Self::UseCase(Error::Internal(error))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
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
