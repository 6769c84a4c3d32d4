//! Responses recorded for replay of idempotent requests, on the PostgreSQL store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tenantdesk_domain::PartnerId;

use super::{PostgresStore, PostgresTx, corrupt, get, time, translate};
use tenantdesk_store::{IdempotencyKey, IdempotencyReads, IdempotencyWrites, Result, StoredResponse};

#[async_trait]
impl IdempotencyReads for PostgresStore {
    async fn response(
        &self,
        partner: PartnerId,
        key: &IdempotencyKey,
        since: DateTime<Utc>,
    ) -> Result<Option<StoredResponse>> {
        let row = sqlx::query(
            "SELECT status, body, created_at FROM idempotent_responses \
             WHERE partner_id = $1 AND request_id = $2 AND fingerprint = $3 AND created_at >= $4 AND actor = $5",
        )
        .bind(partner.as_uuid())
        .bind(&key.request_id)
        .bind(&key.fingerprint)
        .bind(since)
        .bind(&key.actor)
        .fetch_optional(&self.pool)
        .await
        .map_err(translate)?;
        let Some(row) = row else { return Ok(None) };
        let status: i32 = get(&row, "status")?;
        Ok(Some(StoredResponse {
            key: key.clone(),
            status: u16::try_from(status).map_err(corrupt("status"))?,
            body: get(&row, "body")?,
            created_at: time(&row, "created_at")?,
        }))
    }
}

#[async_trait]
impl IdempotencyWrites for PostgresTx {
    async fn insert_response(&mut self, partner: PartnerId, response: &StoredResponse) -> Result<()> {
        sqlx::query(
            "INSERT INTO idempotent_responses (partner_id, request_id, fingerprint, status, body, created_at, actor) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(partner.as_uuid())
        .bind(&response.key.request_id)
        .bind(&response.key.fingerprint)
        .bind(i32::from(response.status))
        .bind(&response.body)
        .bind(response.created_at)
        .bind(&response.key.actor)
        .execute(&mut *self.0)
        .await
        .map_err(translate)?;
        Ok(())
    }

    async fn delete_responses_before(&mut self, cutoff: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM idempotent_responses WHERE created_at < $1")
            .bind(cutoff)
            .execute(&mut *self.0)
            .await
            .map_err(translate)?;
        Ok(done.rows_affected())
    }
}
