//! Audit records: who did what to which resource, written in the same transaction as the change.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{CustomerId, PartnerId};

/// The operations audit records name, as Partner Center spells them.
///
/// Read from storage with [`Operation::from_stored`]: an operation a newer version of tenantdesk
/// wrote (two versions serve one database during a rolling upgrade) is kept as it is stored
/// ([`Operation::Other`]) and shown as it is, never refused.
#[derive(Clone, PartialEq, Eq, Debug)]
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
    /// Users were created from a CSV file.
    ImportCustomerUsers,
    /// A user was added to a directory role.
    AddDirectoryRoleMember,
    /// A user was removed from a directory role.
    RemoveDirectoryRoleMember,
    /// An agent account was created.
    CreateAgent,
    /// An agent's password was reset by an administrator.
    ResetAgentPassword,
    /// An agent account was removed.
    RemoveAgent,
    /// An agent signed in to the console (a failure is a wrong password).
    AgentSignIn,
    /// An agent's sign-ins were refused for a while after repeated failures.
    AgentLockedOut,
    /// An agent signed out.
    AgentSignOut,
    /// An agent replaced its password.
    ChangeAgentPassword,
    /// An operation this build does not know, as stored (by a newer version).
    Other(Box<str>),
}

impl Operation {
    /// Every operation this build knows.
    pub const ALL: [Operation; 17] = [
        Self::CreateCustomer,
        Self::CreateCustomerUser,
        Self::UpdateCustomerUser,
        Self::ResetCustomerUserPassword,
        Self::DeleteCustomerUser,
        Self::RestoreCustomerUser,
        Self::PurgeCustomerUser,
        Self::ImportCustomerUsers,
        Self::AddDirectoryRoleMember,
        Self::RemoveDirectoryRoleMember,
        Self::CreateAgent,
        Self::ResetAgentPassword,
        Self::RemoveAgent,
        Self::AgentSignIn,
        Self::AgentLockedOut,
        Self::AgentSignOut,
        Self::ChangeAgentPassword,
    ];

    /// The operation this build knows by the name `value` (a filter on the audit log names one).
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|operation| operation.as_str() == value)
    }

    /// The operation stored as `value`: one this build knows, or [`Operation::Other`].
    pub fn from_stored(value: &str) -> Self {
        Self::parse(value).unwrap_or_else(|| Self::Other(value.into()))
    }

    /// The kind of resource the operation acts on, as audit records name it; `Unknown` for an
    /// operation this build does not know.
    pub fn resource_type(&self) -> &'static str {
        match self {
            Self::Other(_) => "Unknown",
            Self::CreateCustomer => "Customer",
            Self::AddDirectoryRoleMember | Self::RemoveDirectoryRoleMember => "DirectoryRoleMember",
            Self::CreateAgent
            | Self::ResetAgentPassword
            | Self::RemoveAgent
            | Self::AgentSignIn
            | Self::AgentLockedOut
            | Self::AgentSignOut
            | Self::ChangeAgentPassword => "Agent",
            _ => "CustomerUser",
        }
    }

    /// The operation's name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::CreateCustomer => "CreateCustomer",
            Self::CreateCustomerUser => "CreateCustomerUser",
            Self::UpdateCustomerUser => "UpdateCustomerUser",
            Self::ResetCustomerUserPassword => "ResetCustomerUserPassword",
            Self::DeleteCustomerUser => "DeleteCustomerUser",
            Self::RestoreCustomerUser => "RestoreCustomerUser",
            Self::PurgeCustomerUser => "PurgeCustomerUser",
            Self::ImportCustomerUsers => "ImportCustomerUsers",
            Self::AddDirectoryRoleMember => "AddDirectoryRoleMember",
            Self::RemoveDirectoryRoleMember => "RemoveDirectoryRoleMember",
            Self::CreateAgent => "CreateAgent",
            Self::ResetAgentPassword => "ResetAgentPassword",
            Self::RemoveAgent => "RemoveAgent",
            Self::AgentSignIn => "AgentSignIn",
            Self::AgentLockedOut => "AgentLockedOut",
            Self::AgentSignOut => "AgentSignOut",
            Self::ChangeAgentPassword => "ChangeAgentPassword",
            Self::Other(name) => name,
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
    pub operation: Operation,
    /// Whether it succeeded.
    pub outcome: Outcome,
    /// The request's `MS-RequestId`.
    pub request_id: Option<String>,
    /// The request's correlation id.
    pub correlation_id: Option<String>,
}

impl AuditRecord {
    /// A record of `actor` (of `partner`) doing `operation` successfully at `at`, about nothing in
    /// particular yet: set `customer`, `resource` and the request ids with struct update syntax.
    ///
    /// Its id is a version 7 UUID, which orders by when it was made: records of the same instant
    /// (the same millisecond on SQLite) list in the order this process made them, not at random.
    pub fn new(partner: PartnerId, actor: &str, operation: Operation, at: DateTime<Utc>) -> Self {
        Self {
            id: Uuid::now_v7(),
            at,
            partner,
            actor: actor.to_owned(),
            customer: None,
            resource: None,
            operation,
            outcome: Outcome::Success,
            request_id: None,
            correlation_id: None,
        }
    }
}

/// Whether an audited operation succeeded. Read from storage with [`Outcome::from_stored`], which
/// keeps an outcome a newer version wrote as it is ([`Outcome::Other`]).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Outcome {
    /// It was done.
    Success,
    /// It was refused (an authorization failure on a mutating route, a wrong password at sign-in).
    Failure,
    /// A retry with the same `MS-RequestId` by the same caller was answered with the recorded
    /// response of the request that did it; nothing was done again.
    Replayed,
    /// An outcome this build does not know, as stored (by a newer version).
    Other(Box<str>),
}

impl Outcome {
    /// `success`, `failure` or `replayed`, as stored.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Replayed => "replayed",
            Self::Other(stored) => stored,
        }
    }

    /// The inverse of [`Outcome::as_str`].
    pub fn from_stored(value: &str) -> Self {
        match value {
            "success" => Self::Success,
            "failure" => Self::Failure,
            "replayed" => Self::Replayed,
            other => Self::Other(other.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_newer_version_stored_reads_back_as_it_is() {
        for operation in Operation::ALL {
            assert_eq!(Operation::from_stored(operation.as_str()), operation);
        }
        let newer = Operation::from_stored("GrantAdminConsent");
        assert_eq!(newer, Operation::Other("GrantAdminConsent".into()));
        assert_eq!(newer.as_str(), "GrantAdminConsent");
        assert_eq!(newer.resource_type(), "Unknown");
        assert_eq!(
            Operation::parse("GrantAdminConsent"),
            None,
            "a filter names a known operation"
        );
        for outcome in [Outcome::Success, Outcome::Failure, Outcome::Replayed] {
            assert_eq!(Outcome::from_stored(outcome.as_str()), outcome);
        }
        assert_eq!(Outcome::from_stored("partial").as_str(), "partial");
    }
}
