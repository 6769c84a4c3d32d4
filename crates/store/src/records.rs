//! The values store methods take and return besides domain entities.

use chrono::{DateTime, Utc};
use tenantdesk_domain::{CustomerId, Operation, PartnerId, UserId, UserState};

/// The partner and customer a user operation acts within.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct CustomerScope {
    /// The partner acting.
    pub partner: PartnerId,
    /// The customer whose users are concerned.
    pub customer: CustomerId,
}

/// What users can be sorted on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SortField {
    /// The UPN, case-insensitively (the default).
    UserPrincipalName,
    /// The display name.
    DisplayName,
}

/// Where a page starts: after the user with this sort value and id.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UserCursor {
    /// The last user's value of the sort field.
    pub sort_value: String,
    /// The last user's id (the tie-breaker).
    pub id: UserId,
}

/// A keyset-paginated query of one customer's users.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UserQuery {
    /// Active or deleted users.
    pub state: UserState,
    /// The sort field.
    pub sort: SortField,
    /// Descending instead of ascending.
    pub descending: bool,
    /// Only users whose UPN or display name contains this text (any case); `None`: all.
    pub search: Option<String>,
    /// Start after this user; `None` for the first page.
    pub after: Option<UserCursor>,
    /// At most this many users.
    pub limit: u32,
}

/// Identifies a request for idempotent replay: its `MS-RequestId` and a digest of its method, path
/// and body, so a reused id with a different request is a new request, not a replay.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct IdempotencyKey {
    /// The `MS-RequestId` header.
    pub request_id: String,
    /// Hex SHA-256 of method, path and body.
    pub fingerprint: String,
    /// Who made the request (the agent's UPN, or `app`): a recorded answer is replayed to its
    /// actor only.
    pub actor: String,
}

/// A response recorded for replay. It never holds a password: the caller strips it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StoredResponse {
    /// The request it answers.
    pub key: IdempotencyKey,
    /// HTTP status.
    pub status: u16,
    /// JSON body, if any.
    pub body: Option<String>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

impl UserCursor {
    /// The cursor that continues a page ending with `user`, sorted on `sort`.
    pub fn after(user: &tenantdesk_domain::User, sort: SortField) -> Self {
        let sort_value = match sort {
            SortField::UserPrincipalName => user.upn.normalized(),
            SortField::DisplayName => user.display_name.as_str().to_owned(),
        };
        Self {
            sort_value,
            id: user.id,
        }
    }
}

/// A query of a partner's audit records, newest first, keyset-paginated.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AuditQuery {
    /// Records at or after this time.
    pub from: DateTime<Utc>,
    /// Records before this time.
    pub to: DateTime<Utc>,
    /// Only about this customer.
    pub customer: Option<CustomerId>,
    /// Only about this resource (a user id).
    pub resource: Option<String>,
    /// Only this operation.
    pub operation: Option<Operation>,
    /// Only with this correlation id.
    pub correlation_id: Option<String>,
    /// Start after this record (time and id of the last one of the previous page).
    pub after: Option<(DateTime<Utc>, uuid::Uuid)>,
    /// At most this many records.
    pub limit: u32,
}

/// A console session as stored: its agent, and when it began and was last used.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StoredSession {
    /// The agent signed in.
    pub agent: tenantdesk_domain::AgentAccount,
    /// When the agent signed in.
    pub created_at: DateTime<Utc>,
    /// When the session was last used (kept to the minute).
    pub last_seen_at: DateTime<Utc>,
}

/// The failed sign-ins counted against a subject (an agent, a client address).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SignInFailures {
    /// How many in a row, within the counting window.
    pub failures: u32,
    /// When the last one was.
    pub last_failure_at: DateTime<Utc>,
    /// Until when sign-ins are refused, if they are.
    pub locked_until: Option<DateTime<Utc>>,
}
