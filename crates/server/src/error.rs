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
    /// A malformed, expired or badly signed token. The reason is logged, never answered: it can
    /// carry the JWT library's internals.
    #[error("the bearer token is not valid")]
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
            Self::Internal(_) => 800_003,
        }
    }

    /// The Partner Center error body.
    pub fn body(&self) -> ErrorBody {
        let data = match self {
            Self::Invalid(errors) | Self::ConflictRows(errors) => {
                let (listed, more) = listed_problems(errors);
                let mut data: Vec<String> = listed.iter().map(ToString::to_string).collect();
                if more > 0 {
                    data.push(more_problems(more));
                }
                data
            }
            _ => Vec::new(),
        };
        let mut description = self.to_string();
        if let Some(first) = description.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        if let Self::Invalid(errors) = self
            && let [only] = errors.as_slice()
        {
            let (listed, _) = listed_problems(std::slice::from_ref(only));
            description = listed
                .first()
                .map_or(description, |only| format!("The request is invalid: {only}"));
        }
        ErrorBody {
            code: self.code(),
            description,
            data,
            source: ERROR_SOURCE.to_owned(),
        }
    }
}

impl AppError {
    /// Logs what the response does not say: the cause of a 5xx, the reason a token was refused.
    pub fn log(&self) {
        match self {
            Self::Internal(cause) => tracing::error!(error = format!("{cause:#}"), "request failed"),
            Self::InvalidToken(reason) => tracing::info!(%reason, "refused a bearer token"),
            _ => {}
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
        self.log();
        json_response(self.status(), &self.body())
    }
}
