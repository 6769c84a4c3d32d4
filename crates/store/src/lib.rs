//! tenantdesk's storage boundary: the [`Store`] trait, the transaction primitives use cases are
//! composed of ([`Tx`]), the records and queries they exchange, and [`StoreError`]. It does no IO:
//! each database is a driver crate of its own that implements it (`tenantdesk-sqlite`,
//! `tenantdesk-postgres`), and only the binary names one, so no front end links a database.
//!
//! Both traits are split by feature (partners, customers, users, roles, audit, idempotency,
//! agents): a
//! `…Reads` trait that [`Store`] extends and a `…Writes` trait that [`Tx`] extends, each
//! implemented in the feature's file of each driver crate. Their methods are callable on
//! `&dyn Store` and `Box<dyn Tx>` without importing the feature traits; on a concrete store,
//! import the feature trait the method belongs to.
//!
//! Modules: `error`, `records` (queries, cursors, keys), and `testing` (feature `testing`: checks
//! the drivers' own tests share). The conformance suite every driver passes is this crate's
//! integration test (`tests/it`).
//!
//! Rules every implementation keeps:
//! - The scope comes first: every method on customer data takes the partner (and customer) it
//!   acts for, and every query filters on it, so no query can reach another partner's rows.
//! - A use case is one [`Tx`]: the change, its audit record and its idempotency record commit
//!   together or not at all. Dropping a `Tx` without [`Tx::commit`] rolls it back.
//! - Constraint violations come back as [`StoreError::Conflict`], never as a database error.
//! - Lists are keyset-paginated: page N costs what page 1 costs.
//! - No password is ever given to a store: only Argon2id hashes. A user's hash is never returned;
//!   an agent's only by [`AgentReads::agent_password_hash`], for the sign-in to verify.
//! - A console session is stored by the SHA-256 of its secret, never the secret itself.

mod error;
mod records;
#[cfg(feature = "testing")]
pub mod testing;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tenantdesk_domain::{
    AgentAccount, AuditRecord, Customer, CustomerId, DirectoryRoleId, Partner, PartnerId, User, UserId,
};

pub use error::{Conflict, StoreError};
pub use records::{
    AuditQuery, CustomerScope, IdempotencyKey, SignInFailures, SortField, StoredResponse, StoredSession, UserCursor,
    UserQuery,
};

/// What store methods return.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A tenantdesk database. Reads outside a transaction live here and in the feature traits it
/// extends ([`PartnerReads`], [`CustomerReads`], [`UserReads`], [`RoleReads`], [`AuditReads`],
/// [`IdempotencyReads`], [`AgentReads`]); writes go through [`Store::begin`].
#[async_trait]
pub trait Store:
    PartnerReads
    + CustomerReads
    + UserReads
    + RoleReads
    + AuditReads
    + IdempotencyReads
    + AgentReads
    + Send
    + Sync
    + std::fmt::Debug
{
    /// Applies the forward-only migrations that have not run yet.
    async fn migrate(&self) -> Result<()>;

    /// Checks that the database answers.
    async fn ping(&self) -> Result<()>;

    /// Starts a read-write transaction.
    async fn begin(&self) -> Result<Box<dyn Tx>>;

    /// A service-wide setting (the token signing key, the demo's ids).
    async fn setting(&self, key: &str) -> Result<Option<String>>;
}

/// A read-write transaction, with the writes of the feature traits it extends ([`PartnerWrites`],
/// [`CustomerWrites`], [`UserWrites`], [`RoleWrites`], [`AuditWrites`], [`IdempotencyWrites`],
/// [`AgentWrites`]). Dropping it without [`Tx::commit`] rolls it back.
#[async_trait]
pub trait Tx:
    PartnerWrites + CustomerWrites + UserWrites + RoleWrites + AuditWrites + IdempotencyWrites + AgentWrites + Send
{
    /// Stores `value` under `key` unless the key exists; returns the value stored under it.
    async fn setting_or_insert(&mut self, key: &str, value: &str) -> Result<String>;

    /// Commits.
    async fn commit(self: Box<Self>) -> Result<()>;
}

/// Reads of partners.
#[async_trait]
pub trait PartnerReads: Send + Sync {
    /// A partner by id.
    async fn partner(&self, id: PartnerId) -> Result<Option<Partner>>;
}

/// Writes of partners, in a [`Tx`].
#[async_trait]
pub trait PartnerWrites: Send {
    /// Adds a partner.
    async fn insert_partner(&mut self, partner: &Partner) -> Result<()>;
}

/// Reads of customers.
#[async_trait]
pub trait CustomerReads: Send + Sync {
    /// The customers of `partner`, oldest first.
    async fn customers(&self, partner: PartnerId) -> Result<Vec<Customer>>;

    /// One customer of `partner`; `None` if it does not exist or belongs to another partner.
    async fn customer(&self, partner: PartnerId, id: CustomerId) -> Result<Option<Customer>>;
}

/// Writes of customers, in a [`Tx`].
#[async_trait]
pub trait CustomerWrites: Send {
    /// Adds a customer and its domains; a domain another customer owns is a conflict.
    async fn insert_customer(&mut self, customer: &Customer) -> Result<()>;
}

/// Reads of users.
#[async_trait]
pub trait UserReads: Send + Sync {
    /// One user, active or not.
    async fn user(&self, scope: CustomerScope, id: UserId) -> Result<Option<User>>;

    /// Which of `upns` (lowercase) active users of the customer already have.
    async fn taken_upns(&self, scope: CustomerScope, upns: &[String]) -> Result<Vec<String>>;

    /// A page of users, in the query's order, after its cursor.
    async fn users(&self, scope: CustomerScope, query: &UserQuery) -> Result<Vec<User>>;

    /// How many users of the customer were soft-deleted at or after `since` (still restorable).
    async fn count_deleted_since(&self, scope: CustomerScope, since: DateTime<Utc>) -> Result<u64>;

    /// Users soft-deleted before `cutoff`, at most `limit`, oldest first.
    async fn deleted_before(&self, cutoff: DateTime<Utc>, limit: u32) -> Result<Vec<(CustomerScope, UserId)>>;
}

/// Writes of users, in a [`Tx`].
#[async_trait]
pub trait UserWrites: Send {
    /// Reads a user and keeps it from changing until the transaction ends.
    async fn user_for_update(&mut self, scope: CustomerScope, id: UserId) -> Result<Option<User>>;

    /// Adds a user with its password hash; an active user with the same UPN is a conflict.
    async fn insert_user(&mut self, scope: CustomerScope, user: &User, password_hash: &str) -> Result<()>;

    /// Writes a user's new state, and a new password hash if given.
    async fn update_user(&mut self, scope: CustomerScope, user: &User, password_hash: Option<&str>) -> Result<()>;

    /// Removes a user for good if it is still soft-deleted since before `cutoff`; says whether it did.
    async fn purge_user(&mut self, scope: CustomerScope, id: UserId, cutoff: DateTime<Utc>) -> Result<bool>;
}

/// Reads of directory role memberships.
#[async_trait]
pub trait RoleReads: Send + Sync {
    /// The directory roles a user is a member of.
    async fn user_roles(&self, scope: CustomerScope, user: UserId) -> Result<Vec<DirectoryRoleId>>;

    /// The directory roles of several users at once (a page of a table), as (user, role) pairs.
    async fn roles_of_users(&self, scope: CustomerScope, users: &[UserId]) -> Result<Vec<(UserId, DirectoryRoleId)>>;

    /// The active members of a directory role, by user id, after `after`, at most `limit`.
    async fn role_members(
        &self,
        scope: CustomerScope,
        role: DirectoryRoleId,
        after: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<User>>;
}

/// Writes of directory role memberships, in a [`Tx`].
#[async_trait]
pub trait RoleWrites: Send {
    /// Makes a user a member of a directory role; an existing membership is a conflict.
    async fn add_role_member(
        &mut self,
        scope: CustomerScope,
        role: DirectoryRoleId,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<()>;

    /// Ends a membership; says whether there was one.
    async fn remove_role_member(&mut self, scope: CustomerScope, role: DirectoryRoleId, user: UserId) -> Result<bool>;
}

/// Reads of the audit log.
#[async_trait]
pub trait AuditReads: Send + Sync {
    /// A page of the partner's audit records, newest first; records of the same instant by their
    /// id, which orders them as they were made (see [`AuditRecord::new`]).
    async fn audit_records(&self, partner: PartnerId, query: &AuditQuery) -> Result<Vec<AuditRecord>>;
}

/// Writes of the audit log, in a [`Tx`]: appends, and the retention purge.
#[async_trait]
pub trait AuditWrites: Send {
    /// Forgets audit records older than `cutoff` (the documented retention); returns how many.
    async fn delete_audit_before(&mut self, cutoff: DateTime<Utc>) -> Result<u64>;

    /// Appends an audit record.
    async fn insert_audit(&mut self, record: &AuditRecord) -> Result<()>;
}

/// Reads of the responses recorded for replay.
#[async_trait]
pub trait IdempotencyReads: Send + Sync {
    /// The response recorded for a request, if one was recorded at or after `since`.
    async fn response(
        &self,
        partner: PartnerId,
        key: &IdempotencyKey,
        since: DateTime<Utc>,
    ) -> Result<Option<StoredResponse>>;
}

/// Writes of the responses recorded for replay, in a [`Tx`].
#[async_trait]
pub trait IdempotencyWrites: Send {
    /// Records the response to a request, for replay; an existing record for the same key is a
    /// conflict (the request was answered meanwhile).
    async fn insert_response(&mut self, partner: PartnerId, response: &StoredResponse) -> Result<()>;

    /// Forgets recorded responses older than `cutoff`; returns how many.
    async fn delete_responses_before(&mut self, cutoff: DateTime<Utc>) -> Result<u64>;
}

/// Reads of the console's agents, their sessions and failed sign-ins.
#[async_trait]
pub trait AgentReads: Send + Sync {
    /// The agent whose UPN is `upn` (in any ASCII case, as UPNs are compared), of whichever partner.
    async fn agent(&self, upn: &str) -> Result<Option<AgentAccount>>;

    /// The agents of `partner`, by UPN.
    async fn agents(&self, partner: PartnerId) -> Result<Vec<AgentAccount>>;

    /// An agent's password hash: for the sign-in to verify a password against, nothing else.
    async fn agent_password_hash(&self, agent: uuid::Uuid) -> Result<Option<String>>;

    /// The session whose secret hashes to `id_hash`, with its agent.
    async fn session(&self, id_hash: &str) -> Result<Option<StoredSession>>;

    /// The failed sign-ins counted against `subject`.
    async fn sign_in_failures(&self, subject: &str) -> Result<Option<SignInFailures>>;
}

/// Writes of the console's agents, their sessions and failed sign-ins, in a [`Tx`].
#[async_trait]
pub trait AgentWrites: Send {
    /// Adds an agent with its password hash; a UPN another agent has is a conflict.
    async fn insert_agent(&mut self, agent: &AgentAccount, password_hash: &str) -> Result<()>;

    /// Sets an agent's password hash, whether it is a one-time password, and when it was set.
    async fn set_agent_password(
        &mut self,
        agent: uuid::Uuid,
        password_hash: &str,
        must_change: bool,
        at: DateTime<Utc>,
    ) -> Result<()>;

    /// Removes an agent and its sessions; says whether there was one.
    async fn delete_agent(&mut self, agent: uuid::Uuid) -> Result<bool>;

    /// Starts a session of `agent`, stored by the hash of its secret.
    async fn insert_session(&mut self, id_hash: &str, agent: uuid::Uuid, at: DateTime<Utc>) -> Result<()>;

    /// Records that a session was used at `at`.
    async fn touch_session(&mut self, id_hash: &str, at: DateTime<Utc>) -> Result<()>;

    /// Ends a session; says whether there was one.
    async fn delete_session(&mut self, id_hash: &str) -> Result<bool>;

    /// Ends every session of `agent`; returns how many.
    async fn delete_agent_sessions(&mut self, agent: uuid::Uuid) -> Result<u64>;

    /// Forgets sessions idle since before `idle_cutoff` or begun before `absolute_cutoff`.
    async fn delete_sessions_before(
        &mut self,
        idle_cutoff: DateTime<Utc>,
        absolute_cutoff: DateTime<Utc>,
    ) -> Result<u64>;

    /// Counts a failed sign-in against `subject` at `at`, starting the count again if the last
    /// failure was before `window_start`; returns the count as it now stands.
    async fn count_sign_in_failure(
        &mut self,
        subject: &str,
        at: DateTime<Utc>,
        window_start: DateTime<Utc>,
    ) -> Result<SignInFailures>;

    /// Refuses sign-ins of `subject` until `until`.
    async fn lock_sign_in(&mut self, subject: &str, until: DateTime<Utc>) -> Result<()>;

    /// Forgets the failed sign-ins counted against `subject`.
    async fn clear_sign_in_failures(&mut self, subject: &str) -> Result<()>;

    /// Forgets the failed sign-ins whose last failure was before `last_failure_cutoff` and whose
    /// lock, if any, ended before `lock_cutoff`; returns how many subjects it forgot.
    async fn delete_sign_in_failures_before(
        &mut self,
        last_failure_cutoff: DateTime<Utc>,
        lock_cutoff: DateTime<Utc>,
    ) -> Result<u64>;
}

/// `url` with any password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}{path}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_password() {
        assert_eq!(
            redact_url("postgres://td:s3cret@db:5432/td"),
            "postgres://td:***@db:5432/td"
        );
        assert_eq!(redact_url("sqlite://data/tenantdesk.db"), "sqlite://data/tenantdesk.db");
        assert_eq!(redact_url("postgres://db/td"), "postgres://db/td");
    }
}
