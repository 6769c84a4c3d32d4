//! The audit log: reading a partner's records.
//!
//! Successful operations write their record inside their own transaction (see the use cases);
//! refused attempts are recorded in a transaction of their own (`caller`). Records are
//! append-only: nothing changes them, and only the documented retention (`purge`,
//! `--audit-retention-days`, default 365) removes them.

use tenantdesk_domain::{AuditRecord, Permission};
use tenantdesk_store::AuditQuery;

use crate::{App, Caller, Error};

/// A page of audit records.
#[derive(Debug)]
pub struct Page {
    /// The query this page answers.
    pub query: AuditQuery,
    /// The records, newest first.
    pub records: Vec<AuditRecord>,
    /// Whether more records follow the last of this page.
    pub more: bool,
}

/// A page of the caller's partner's audit records.
pub async fn list(app: &App, caller: &Caller, query: AuditQuery) -> Result<Page, Error> {
    caller.require(Permission::Read)?;
    let probe = AuditQuery {
        limit: query.limit + 1,
        ..query.clone()
    };
    let mut records = app.store().audit_records(caller.principal.partner, &probe).await?;
    let more = records.len() > query.limit as usize;
    records.truncate(query.limit as usize);
    Ok(Page { query, records, more })
}

/// Records `record` in a transaction of its own: the audit of an attempt that changed nothing (a
/// refusal, a replay, a refused sign-in). A failure to record is logged, not returned: the attempt
/// was answered either way.
pub(crate) async fn record_apart(app: &App, record: &AuditRecord) {
    let written = async {
        let mut tx = app.store().begin().await?;
        tx.insert_audit(record).await?;
        tx.commit().await
    };
    if let Err(error) = written.await {
        tracing::error!(
            error = format!("{:#}", anyhow::Error::from(error)),
            operation = record.operation.as_str(),
            outcome = record.outcome.as_str(),
            "failed to record an attempt"
        );
    }
}
