//! Audit records: who did what to which resource, written in the same transaction as the change.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{CustomerId, PartnerId};

/// The operations audit records name, as Partner Center spells them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Operation {
    /// A customer was created.
    CreateCustomer,
    /// A user was created.
    CreateCustomerUser,
    /// A user's profile changed.
    UpdateCustomerUser,
    /// A user's password was reset.
    ResetCustomerUserPassword,
    /// A user was soft-deleted.
    DeleteCustomerUser,
    /// A deleted user was restored.
    RestoreCustomerUser,
    /// A deleted user was purged for good.
    PurgeCustomerUser,
}

impl Operation {
    /// The operation's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreateCustomer => "CreateCustomer",
            Self::CreateCustomerUser => "CreateCustomerUser",
            Self::UpdateCustomerUser => "UpdateCustomerUser",
            Self::ResetCustomerUserPassword => "ResetCustomerUserPassword",
            Self::DeleteCustomerUser => "DeleteCustomerUser",
            Self::RestoreCustomerUser => "RestoreCustomerUser",
            Self::PurgeCustomerUser => "PurgeCustomerUser",
        }
    }
}

/// One audit record. It never holds a password, a hash or a token: there is no field for one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// Its id.
    pub id: Uuid,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The partner whose agent (or app) acted.
    pub partner: PartnerId,
    /// The agent's UPN, `app` for app-only tokens, `tenantdesk` for the service's own jobs.
    pub actor: String,
    /// The customer concerned.
    pub customer: Option<CustomerId>,
    /// The resource concerned (a user id, a customer id).
    pub resource: Option<String>,
    /// What was done.
    pub operation: String,
    /// `success` or `failure`.
    pub outcome: String,
    /// The request's `MS-RequestId`.
    pub request_id: Option<String>,
    /// The request's correlation id.
    pub correlation_id: Option<String>,
}
