//! The audit log: its pages, appends and retention purge, on the SQLite store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use tenantdesk_domain::{AuditRecord, Operation, Outcome, PartnerId};

use super::{SqliteStore, SqliteTx, corrupt, get, millis, time, translate, uuid};
use tenantdesk_store::{AuditQuery, AuditReads, AuditWrites, Result};

fn audit_from_row(partner: PartnerId, row: &SqliteRow) -> Result<AuditRecord> {
    let operation: String = get(row, "operation")?;
    let outcome: String = get(row, "outcome")?;
    Ok(AuditRecord {
        id: uuid(row, "id")?,
        at: time(get(row, "at")?)?,
        partner,
        actor: get(row, "actor")?,
        customer: get::<Option<String>>(row, "customer_id")?
            .map(|c| c.parse().map_err(corrupt("customer id")))
            .transpose()?,
        resource: get(row, "resource_id")?,
        operation: Operation::from_stored(&operation),
        outcome: Outcome::from_stored(&outcome),
        request_id: get(row, "request_id")?,
        correlation_id: get(row, "correlation_id")?,
    })
}

#[async_trait]
impl AuditReads for SqliteStore {
    // `LIMIT … + 0`: a bound limit SQLite does not plan with, so the statement stays prepared
    // (see `users::page_sql`).
    async fn audit_records(&self, partner: PartnerId, query: &AuditQuery) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, customer_id, resource_id, operation, outcome, request_id, correlation_id \
             FROM audit_records WHERE partner_id = ?1 AND at >= ?2 AND at < ?3 \
             AND (?4 IS NULL OR customer_id = ?4) AND (?5 IS NULL OR resource_id = ?5) \
             AND (?6 IS NULL OR operation = ?6) AND (?7 IS NULL OR correlation_id = ?7) \
             AND (?8 IS NULL OR (at, id) < (?8, ?9)) ORDER BY at DESC, id DESC LIMIT ?10 + 0",
        )
        .bind(partner.to_string())
        .bind(millis(query.from))
        .bind(millis(query.to))
        .bind(query.customer.map(|c| c.to_string()))
        .bind(query.resource.clone())
        .bind(query.operation.as_ref().map(Operation::as_str))
        .bind(query.correlation_id.clone())
        .bind(query.after.map(|(at, _)| millis(at)))
        .bind(query.after.map(|(_, id)| id.to_string()))
        .bind(i64::from(query.limit))
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        rows.iter().map(|row| audit_from_row(partner, row)).collect()
    }
}

#[async_trait]
impl AuditWrites for SqliteTx {
    async fn delete_audit_before(&mut self, cutoff: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM audit_records WHERE at < ?")
            .bind(millis(cutoff))
            .execute(&mut *self.0)
            .await
            .map_err(translate)?;
        Ok(done.rows_affected())
    }

    async fn insert_audit(&mut self, record: &AuditRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_records (partner_id, id, at, actor, customer_id, resource_id, operation, outcome, \
             request_id, correlation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(record.partner.to_string())
        .bind(record.id.to_string())
        .bind(millis(record.at))
        .bind(&record.actor)
        .bind(record.customer.map(|c| c.to_string()))
        .bind(&record.resource)
        .bind(record.operation.as_str())
        .bind(record.outcome.as_str())
        .bind(&record.request_id)
        .bind(&record.correlation_id)
        .execute(&mut *self.0)
        .await
        .map_err(translate)?;
        Ok(())
    }
}
