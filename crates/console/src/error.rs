//! The console's error pages: what a use case's error means to a person, with the status a
//! browser and a screen reader get.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::page::{Chrome, render};

/// What a handler answers: its page, or the page of its error.
pub type PageResult = Result<Response, PageError>;

/// An error shown as a page of its own.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    title: &'static str,
    message: String,
    chrome: Chrome,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: &'a Chrome,
    title: &'a str,
    message: &'a str,
}

impl PageError {
    /// An error with its status, title and message.
    pub fn new(status: StatusCode, title: &'static str, message: impl Into<String>, chrome: &Chrome) -> Self {
        Self {
            status,
            title,
            message: message.into(),
            chrome: chrome.clone(),
        }
    }

    /// What a use case's error means on a page of `chrome`'s agent.
    pub fn from_core(error: tenantdesk_core::Error, chrome: &Chrome) -> Self {
        use tenantdesk_core::Error as E;
        let message = error.to_string();
        match error {
            E::AppOnly | E::Forbidden(_) | E::ForeignTenant => Self::new(
                StatusCode::FORBIDDEN,
                "Not allowed",
                format!("Your role does not allow this: {message}."),
                chrome,
            ),
            E::CustomerNotFound | E::UserNotFound(_) | E::RoleNotFound => Self::new(
                StatusCode::NOT_FOUND,
                "Not found",
                crate::forms::sentence(&message),
                chrome,
            ),
            E::Invalid(problems) | E::ConflictRows(problems) => {
                let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "Not valid", list.join("; "), chrome)
            }
            E::Conflict(_) => Self::new(
                StatusCode::CONFLICT,
                "Conflict",
                crate::forms::sentence(&message),
                chrome,
            ),
            E::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "a console request failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The request could not be completed. Try again; if it keeps failing, tell your administrator.",
                    chrome,
                )
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            chrome: &self.chrome,
            title: self.title,
            message: &self.message,
        };
        (self.status, render(&page)).into_response()
    }
}

/// A use case's result on a page of `chrome`'s agent: its error as the page that says it, so a
/// handler goes on with `?`.
pub trait OrPage<T> {
    /// The value, or the error's page.
    fn or_page(self, chrome: &Chrome) -> Result<T, PageError>;
}

impl<T> OrPage<T> for Result<T, tenantdesk_core::Error> {
    fn or_page(self, chrome: &Chrome) -> Result<T, PageError> {
        self.map_err(|error| PageError::from_core(error, chrome))
    }
}
