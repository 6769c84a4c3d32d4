//! The one error type of the use cases. Front ends map it to their own formats: the API to HTTP
//! statuses and Partner Center's or CloudCockpit's error bodies, the console to its pages.

use tenantdesk_domain::FieldError;
use tenantdesk_store::{Conflict, StoreError};

/// Why a use case refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An app-only caller on an operation that needs an agent.
    #[error("this operation supports App+User credentials only")]
    AppOnly,
    /// The agent's role does not allow the operation.
    #[error("the {0} role is not allowed to perform this operation")]
    Forbidden(&'static str),
    /// The partner portal the caller named is not its partner's.
    #[error("the X-Tenant header does not name this partner's portal")]
    ForeignTenant,
    /// No such customer for this partner.
    #[error("the customer was not found")]
    CustomerNotFound,
    /// No such (active) user.
    #[error("{0}")]
    UserNotFound(&'static str),
    /// No such directory role.
    #[error("the directory role was not found")]
    RoleNotFound,
    /// Invalid input: every problem found.
    #[error("the request is invalid")]
    Invalid(Vec<FieldError>),
    /// A uniqueness rule.
    #[error("{0}")]
    Conflict(&'static str),
    /// Uniqueness rules broken by rows of an upload (users created meanwhile).
    #[error("users were created meanwhile with email addresses of the file; nothing was created")]
    ConflictRows(Vec<FieldError>),
    /// Anything else: a bug or an outage.
    #[error("an unexpected error occurred")]
    Internal(#[source] anyhow::Error),
}

/// The description of a user that does not exist, was deleted or purged.
pub const USER_NOT_FOUND: &str = "the user was not found";

impl Error {
    /// One invalid field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    /// The user was not found.
    pub fn user_not_found() -> Self {
        Self::UserNotFound(USER_NOT_FOUND)
    }

    /// Whether the caller was refused for who it is (credentials or role), not for what it asked.
    pub fn is_refusal(&self) -> bool {
        matches!(self, Self::AppOnly | Self::Forbidden(_) | Self::ForeignTenant)
    }
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(Conflict::UserPrincipalName) => {
                Self::Conflict("another active user of this customer already has this user principal name")
            }
            StoreError::Conflict(Conflict::Domain) => Self::Conflict("the domain already belongs to a customer"),
            StoreError::Conflict(Conflict::PortalDomain) => {
                Self::Conflict("the portal domain already belongs to a partner")
            }
            StoreError::Conflict(Conflict::RoleMember) => Self::Conflict("the user is already a member of this role"),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<anyhow::Error> for Error {
    fn from(error: anyhow::Error) -> Self {
        Self::Internal(error)
    }
}
