//! The purge: users soft-deleted longer ago than the retention period are removed for good, with
//! an audit record each. Safe on several instances at once: a user is removed by a conditional
//! delete that only one transaction can win, and only the winner writes the audit record.

use std::time::Duration;

use chrono::TimeDelta;
use tenantdesk_domain::{AuditRecord, Operation};

use crate::idempotency::REPLAY_WINDOW;
use crate::{App, Error};

const BATCH: u32 = 500;

/// Runs one purge pass with a retention of `retention_days`; returns how many users it removed.
/// Also forgets responses recorded for replay that are past the replay window, and audit records
/// older than the configured audit retention, and console sessions past their limits.
pub async fn purge_once(app: &App, retention_days: u32) -> Result<u64, Error> {
    let now = app.now();
    let cutoff = now - TimeDelta::days(i64::from(retention_days));
    let mut purged = 0;
    loop {
        let due = app.store().deleted_before(cutoff, BATCH).await?;
        let batch_len = due.len();
        // One transaction per user: no transaction spans two customers.
        for (scope, id) in due {
            let mut tx = app.store().begin().await?;
            if tx.purge_user(scope, id, cutoff).await? {
                tx.insert_audit(&AuditRecord {
                    customer: Some(scope.customer),
                    resource: Some(id.to_string()),
                    ..AuditRecord::new(scope.partner, "tenantdesk", Operation::PurgeCustomerUser, now)
                })
                .await?;
                tx.commit().await?;
                purged += 1;
            }
        }
        if batch_len < BATCH as usize {
            break;
        }
    }
    let mut tx = app.store().begin().await?;
    tx.delete_responses_before(now - REPLAY_WINDOW).await?;
    tx.delete_audit_before(now - TimeDelta::days(i64::from(app.config().audit_retention_days)))
        .await?;
    tx.commit().await?;
    crate::sessions::forget_expired(app).await?;
    Ok(purged)
}

/// Purges now and then every `interval`, for as long as the returned task runs.
pub fn spawn(app: App, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        loop {
            ticks.tick().await;
            match purge_once(&app, app.config().retention_days).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "purged users past their retention"),
                Err(error) => tracing::warn!(error = format!("{:#}", anyhow::Error::from(error)), "purge failed"),
            }
        }
    })
}
