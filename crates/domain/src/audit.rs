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
}

impl Operation {
    /// Every operation.
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

    /// The operation named `value`.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|operation| operation.as_str() == value)
    }

    /// The kind of resource the operation acts on, as audit records name it.
    pub fn resource_type(self) -> &'static str {
        match self {
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
    pub fn as_str(self) -> &'static str {
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

/// Whether an audited operation succeeded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Outcome {
    /// It was done.
    Success,
    /// It was refused (an authorization failure on a mutating route, a wrong password at sign-in).
    Failure,
    /// A retry with the same `MS-RequestId` by the same caller was answered with the recorded
    /// response of the request that did it; nothing was done again.
    Replayed,
}

impl Outcome {
    /// `success` or `failure`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Replayed => "replayed",
        }
    }

    /// The inverse of [`Outcome::as_str`].
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "success" => Some(Self::Success),
            "failure" => Some(Self::Failure),
            "replayed" => Some(Self::Replayed),
            _ => None,
        }
    }
}
