//! `Pending`: the result of a use case whose transaction is still open, so the HTTP layer can add
//! the idempotency record to the same transaction before committing.

use tenantdesk_store::Tx;

use crate::AppError;

/// A use case's result, with its uncommitted transaction (change and audit record written).
/// Dropping it rolls everything back.
#[must_use = "a pending change is rolled back unless committed"]
pub struct Pending<T> {
    pub(crate) tx: Box<dyn Tx>,
    /// What the use case produced.
    pub value: T,
}

impl<T> Pending<T> {
    pub(crate) fn new(tx: Box<dyn Tx>, value: T) -> Self {
        Self { tx, value }
    }

    /// Commits the change and returns the value.
    pub async fn commit(self) -> Result<T, AppError> {
        self.tx.commit().await?;
        Ok(self.value)
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("value", &self.value)
            .finish_non_exhaustive()
    }
}
