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
    /// The database failed: the driver's error, with its whole chain, for the log.
    #[error("database error")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A migration failed.
    #[error("migration failed")]
    Migration(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// The database failed with `error` (a driver's error).
    pub fn database(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Database(Box::new(error))
    }

    /// Whether this is the conflict `kind`.
    pub fn is_conflict(&self, kind: Conflict) -> bool {
        matches!(self, Self::Conflict(k) if *k == kind)
    }
}
