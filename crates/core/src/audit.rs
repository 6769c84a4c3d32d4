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
