//! The audit log: its pages, appends and retention purge, on the PostgreSQL store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use tenantdesk_domain::{AuditRecord, CustomerId, Operation, Outcome, PartnerId};
use uuid::Uuid;

use super::{PostgresStore, PostgresTx, get, time, translate};
use tenantdesk_store::{AuditQuery, AuditReads, AuditWrites, Result};

fn audit_from_row(partner: PartnerId, row: &PgRow) -> Result<AuditRecord> {
    let operation: String = get(row, "operation")?;
    let outcome: String = get(row, "outcome")?;
    Ok(AuditRecord {
        id: get(row, "id")?,
        at: time(row, "at")?,
        partner,
        actor: get(row, "actor")?,
        customer: get::<Option<Uuid>>(row, "customer_id")?.map(CustomerId::from_uuid),
        resource: get(row, "resource_id")?,
        operation: Operation::from_stored(&operation),
        outcome: Outcome::from_stored(&outcome),
        request_id: get(row, "request_id")?,
        correlation_id: get(row, "correlation_id")?,
    })
}

#[async_trait]
impl AuditReads for PostgresStore {
    async fn audit_records(&self, partner: PartnerId, query: &AuditQuery) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, customer_id, resource_id, operation, outcome, request_id, correlation_id \
             FROM audit_records WHERE partner_id = $1 AND at >= $2 AND at < $3 \
             AND ($4::uuid IS NULL OR customer_id = $4) AND ($5::text IS NULL OR resource_id = $5) \
             AND ($6::text IS NULL OR operation = $6) AND ($7::text IS NULL OR correlation_id = $7) \
             AND ($8::timestamptz IS NULL OR (at, id) < ($8, $9::uuid)) ORDER BY at DESC, id DESC LIMIT $10",
        )
        .bind(partner.as_uuid())
        .bind(query.from)
        .bind(query.to)
        .bind(query.customer.map(|c| c.as_uuid()))
        .bind(query.resource.clone())
        .bind(query.operation.as_ref().map(Operation::as_str))
        .bind(query.correlation_id.clone())
        .bind(query.after.map(|(at, _)| at))
        .bind(query.after.map(|(_, id)| id))
        .bind(i64::from(query.limit))
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        rows.iter().map(|row| audit_from_row(partner, row)).collect()
    }
}

#[async_trait]
impl AuditWrites for PostgresTx {
    async fn delete_audit_before(&mut self, cutoff: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM audit_records WHERE at < $1")
            .bind(cutoff)
            .execute(&mut *self.0)
            .await
            .map_err(translate)?;
        Ok(done.rows_affected())
    }

    async fn insert_audit(&mut self, record: &AuditRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_records (partner_id, id, at, actor, customer_id, resource_id, operation, outcome, \
             request_id, correlation_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(record.partner.as_uuid())
        .bind(record.id)
        .bind(record.at)
        .bind(&record.actor)
        .bind(record.customer.map(|c| c.as_uuid()))
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
