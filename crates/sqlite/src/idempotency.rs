//! Responses recorded for replay of idempotent requests, on the SQLite store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;
use tenantdesk_domain::PartnerId;

use super::{SqliteStore, SqliteTx, corrupt, millis, time, translate};
use tenantdesk_store::{IdempotencyKey, IdempotencyReads, IdempotencyWrites, Result, StoredResponse};

#[async_trait]
impl IdempotencyReads for SqliteStore {
    async fn response(
        &self,
        partner: PartnerId,
        key: &IdempotencyKey,
        since: DateTime<Utc>,
    ) -> Result<Option<StoredResponse>> {
        let row = sqlx::query(
            "SELECT status, body, created_at FROM idempotent_responses \
             WHERE partner_id = ? AND request_id = ? AND fingerprint = ? AND created_at >= ? AND actor = ?",
        )
        .bind(partner.to_string())
        .bind(&key.request_id)
        .bind(&key.fingerprint)
        .bind(millis(since))
        .bind(&key.actor)
        .fetch_optional(&self.pool)
        .await
        .map_err(translate)?;
        let Some(row) = row else { return Ok(None) };
        let status: i64 = row.try_get("status").map_err(translate)?;
        Ok(Some(StoredResponse {
            key: key.clone(),
            status: u16::try_from(status).map_err(corrupt("status"))?,
            body: row.try_get("body").map_err(translate)?,
            created_at: time(row.try_get("created_at").map_err(translate)?)?,
        }))
    }
}

#[async_trait]
impl IdempotencyWrites for SqliteTx {
    async fn insert_response(&mut self, partner: PartnerId, response: &StoredResponse) -> Result<()> {
        sqlx::query(
            "INSERT INTO idempotent_responses (partner_id, request_id, fingerprint, status, body, created_at, actor) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(partner.to_string())
        .bind(&response.key.request_id)
        .bind(&response.key.fingerprint)
        .bind(i64::from(response.status))
        .bind(&response.body)
        .bind(millis(response.created_at))
        .bind(&response.key.actor)
        .execute(&mut *self.0)
        .await
        .map_err(translate)?;
        Ok(())
    }

    async fn delete_responses_before(&mut self, cutoff: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM idempotent_responses WHERE created_at < ?")
            .bind(millis(cutoff))
            .execute(&mut *self.0)
            .await
            .map_err(translate)?;
        Ok(done.rows_affected())
    }
}
