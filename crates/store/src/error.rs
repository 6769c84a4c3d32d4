//! The store's error type: conflicts translated at the boundary, everything else opaque.

/// What kind of uniqueness a write ran into.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Conflict {
    /// An active user of the customer already has this UPN.
    UserPrincipalName,
    /// Another customer owns this domain.
    Domain,
    /// Another partner has this portal domain.
    PortalDomain,
    /// The user is already a member of the role.
    RoleMember,
    /// A response was already recorded for this request.
    IdempotencyKey,
    /// Another agent has this UPN.
    AgentUpn,
    /// A row with this id exists.
    Id,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was violated.
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// A stored value no longer parses (the database was edited by hand, or a bug).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    /// The URL names no database kind this build supports.
    #[error("unsupported database URL '{0}' (expected sqlite://PATH or postgres://…)")]
    UnsupportedUrl(String),
    /// The database failed.
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// The database failed, on the SQLite store's reader threads.
    #[error("database error")]
    Sqlite(#[source] rusqlite::Error),
    /// A migration failed.
    #[error("migration failed")]
    Migration(#[source] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Whether this is the conflict `kind`.
    pub fn is_conflict(&self, kind: Conflict) -> bool {
        matches!(self, Self::Conflict(k) if *k == kind)
    }
}
