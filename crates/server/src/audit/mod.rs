//! The audit log: reading a partner's records, and recording refused attempts.
//!
//! Successful operations write their record inside their own transaction (see the use cases);
//! this module records the authorization failures of mutating routes, which change nothing, in a
//! transaction of their own. Records are append-only: nothing changes them, and only the
//! documented retention (`purge`, `--audit-retention-days`, default 365) removes them.

pub mod http;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tenantdesk_domain::{AuditRecord, CustomerId, Operation, Outcome, Permission};
use tenantdesk_store::AuditQuery;

use crate::auth::{Access, Caller};
use crate::{App, AppError, paging};

/// What a mutating request tries to do: the access its use case checks first (checked again
/// before a recorded answer is replayed), and what to record of a refusal or a replay.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// The operation.
    pub operation: Operation,
    /// What it asks of the caller (for an update, the least any update asks: its use case may
    /// ask more once it sees the change).
    pub access: Access,
    /// The customer it concerned.
    pub customer: Option<CustomerId>,
    /// The resource it concerned.
    pub resource: Option<String>,
}

impl Attempt {
    /// An attempt at `operation` on `resource` of `customer`, asking `access`.
    pub fn new(operation: Operation, access: Access, customer: CustomerId, resource: Option<String>) -> Self {
        Self {
            operation,
            access,
            customer: Some(customer),
            resource,
        }
    }
}

/// Records that `caller` was refused `attempt` (app-only token, or a role without the right).
/// A failure to record is logged, not returned: the caller gets its 403 either way.
pub async fn record_refusal(app: &App, caller: &Caller, attempt: &Attempt) {
    record_attempt(app, caller, attempt, Outcome::Failure).await;
}

/// Records that `caller` was answered `attempt` with the recorded response of an earlier request
/// with the same `MS-RequestId`. A failure to record is logged, not returned.
pub async fn record_replay(app: &App, caller: &Caller, attempt: &Attempt) {
    record_attempt(app, caller, attempt, Outcome::Replayed).await;
}

async fn record_attempt(app: &App, caller: &Caller, attempt: &Attempt, outcome: Outcome) {
    let record = AuditRecord {
        outcome,
        ..caller.audit(attempt.operation, attempt.customer, attempt.resource.clone(), app.now())
    };
    let written = async {
        let mut tx = app.store().begin().await?;
        tx.insert_audit(&record).await?;
        tx.commit().await
    };
    if let Err(error) = written.await {
        tracing::error!(
            error = format!("{:#}", anyhow::Error::from(error)),
            outcome = outcome.as_str(),
            "failed to record an attempt"
        );
    }
}

/// A page of audit records and the token of the next page.
#[derive(Debug)]
pub struct Page {
    /// The query this page answers.
    pub query: AuditQuery,
    /// The records, newest first.
    pub records: Vec<AuditRecord>,
    /// The continuation token, unless this is the last page.
    pub next: Option<String>,
}

/// What a continuation token of the audit log holds: the partner and the whole query.
#[derive(Serialize, Deserialize)]
struct Continuation {
    partner: tenantdesk_domain::PartnerId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    customer: Option<CustomerId>,
    resource: Option<String>,
    operation: Option<String>,
    correlation_id: Option<String>,
    limit: u32,
    at: DateTime<Utc>,
    id: uuid::Uuid,
}

/// The query a `seekOperation=Next` continuation token stands for, if it is the caller's.
pub fn continued_query(app: &App, caller: &Caller, token: &str) -> Result<AuditQuery, AppError> {
    let c: Continuation = paging::open(app.paging_key(), token)?;
    if c.partner != caller.principal.partner {
        return Err(paging::bad_token());
    }
    let operation = c
        .operation
        .as_deref()
        .map(|o| Operation::parse(o).ok_or_else(paging::bad_token))
        .transpose()?;
    Ok(AuditQuery {
        from: c.from,
        to: c.to,
        customer: c.customer,
        resource: c.resource,
        operation,
        correlation_id: c.correlation_id,
        after: Some((c.at, c.id)),
        limit: c.limit,
    })
}

/// A page of the caller's partner's audit records.
pub async fn list(app: &App, caller: &Caller, query: AuditQuery) -> Result<Page, AppError> {
    caller.require(Permission::Read)?;
    let partner = caller.principal.partner;
    let probe = AuditQuery {
        limit: query.limit + 1,
        ..query.clone()
    };
    let mut records = app.store().audit_records(partner, &probe).await?;
    let next = if records.len() > query.limit as usize {
        records.truncate(query.limit as usize);
        let last = records.last().map(|r| (r.at, r.id));
        last.map(|(at, id)| {
            let continuation = Continuation {
                partner,
                from: query.from,
                to: query.to,
                customer: query.customer,
                resource: query.resource.clone(),
                operation: query.operation.map(|o| o.as_str().to_owned()),
                correlation_id: query.correlation_id.clone(),
                limit: query.limit,
                at,
                id,
            };
            paging::seal(app.paging_key(), &continuation)
        })
        .transpose()?
    } else {
        None
    };
    Ok(Page { query, records, next })
}
