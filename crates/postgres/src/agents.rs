//! The console's agents, sessions and failed sign-ins, on the PostgreSQL store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use tenantdesk_domain::{AgentAccount, PartnerId, UserPrincipalName};
use uuid::Uuid;

use super::{PostgresStore, PostgresTx, corrupt, get, time, timestamp, translate};
use tenantdesk_store::{AgentReads, AgentWrites, Result, SignInFailures, StoredSession};

macro_rules! agent_columns {
    () => {
        "a.id, a.partner_id, a.upn, a.role, a.must_change_password, a.created_at, a.password_changed_at"
    };
}

fn agent_from_row(row: &PgRow) -> Result<AgentAccount> {
    Ok(AgentAccount {
        id: get(row, "id")?,
        partner: PartnerId::from_uuid(get(row, "partner_id")?),
        upn: UserPrincipalName::parse(&get::<String>(row, "upn")?).map_err(corrupt("agent upn"))?,
        role: get::<String>(row, "role")?.parse().map_err(corrupt("agent role"))?,
        must_change_password: get(row, "must_change_password")?,
        created_at: time(row, "created_at")?,
        password_changed_at: time(row, "password_changed_at")?,
    })
}

fn failures_from_row(row: &PgRow) -> Result<SignInFailures> {
    Ok(SignInFailures {
        failures: u32::try_from(get::<i32>(row, "failures")?).map_err(corrupt("failures"))?,
        last_failure_at: time(row, "last_failure_at")?,
        locked_until: timestamp(row, "locked_until")?,
    })
}

#[async_trait]
impl AgentReads for PostgresStore {
    async fn agent(&self, upn: &str) -> Result<Option<AgentAccount>> {
        let sql = concat!("SELECT ", agent_columns!(), " FROM agents a WHERE a.upn_lower = $1");
        let row = sqlx::query(sql)
            .bind(upn.to_ascii_lowercase())
            .fetch_optional(&self.pool)
            .await
            .map_err(translate)?;
        row.as_ref().map(agent_from_row).transpose()
    }

    async fn agents(&self, partner: PartnerId) -> Result<Vec<AgentAccount>> {
        let sql = concat!(
            "SELECT ",
            agent_columns!(),
            " FROM agents a WHERE a.partner_id = $1 ORDER BY a.upn_lower"
        );
        let rows = sqlx::query(sql)
            .bind(partner.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        rows.iter().map(agent_from_row).collect()
    }

    async fn agent_password_hash(&self, agent: Uuid) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT password_hash FROM agents WHERE id = $1")
            .bind(agent)
            .fetch_optional(&self.pool)
            .await
            .map_err(translate)
    }

    async fn session(&self, id_hash: &str) -> Result<Option<StoredSession>> {
        let sql = concat!(
            "SELECT ",
            agent_columns!(),
            ", s.created_at AS session_created_at, s.last_seen_at \
             FROM agent_sessions s JOIN agents a ON a.id = s.agent_id WHERE s.id_hash = $1"
        );
        let row = sqlx::query(sql)
            .bind(id_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(translate)?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(StoredSession {
            agent: agent_from_row(&row)?,
            created_at: time(&row, "session_created_at")?,
            last_seen_at: time(&row, "last_seen_at")?,
        }))
    }

    async fn sign_in_failures(&self, subject: &str) -> Result<Option<SignInFailures>> {
        let row =
            sqlx::query("SELECT failures, last_failure_at, locked_until FROM sign_in_failures WHERE subject = $1")
                .bind(subject)
                .fetch_optional(&self.pool)
                .await
                .map_err(translate)?;
        row.as_ref().map(failures_from_row).transpose()
    }
}

#[async_trait]
impl AgentWrites for PostgresTx {
    async fn insert_agent(&mut self, agent: &AgentAccount, password_hash: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO agents (id, partner_id, upn, upn_lower, role, password_hash, must_change_password, \
             created_at, password_changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(agent.id)
        .bind(agent.partner.as_uuid())
        .bind(agent.upn.as_str())
        .bind(agent.upn.normalized())
        .bind(agent.role.as_str())
        .bind(password_hash)
        .bind(agent.must_change_password)
        .bind(agent.created_at)
        .bind(agent.password_changed_at)
        .execute(&mut *self.0)
        .await
        .map_err(translate)?;
        Ok(())
    }

    async fn set_agent_password(
        &mut self,
        agent: Uuid,
        password_hash: &str,
        must_change: bool,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE agents SET password_hash = $1, must_change_password = $2, password_changed_at = $3 WHERE id = $4",
        )
        .bind(password_hash)
        .bind(must_change)
        .bind(at)
        .bind(agent)
        .execute(&mut *self.0)
        .await
        .map_err(translate)?;
        Ok(())
    }

    async fn delete_agent(&mut self, agent: Uuid) -> Result<bool> {
        self.delete_agent_sessions(agent).await?;
        let done = sqlx::query("DELETE FROM agents WHERE id = $1")
            .bind(agent)
            .execute(&mut *self.0)
            .await
            .map_err(translate)?;
        Ok(done.rows_affected() > 0)
    }

    async fn insert_session(&mut self, id_hash: &str, agent: Uuid, at: DateTime<Utc>) -> Result<()> {
        sqlx::query("INSERT INTO agent_sessions (id_hash, agent_id, created_at, last_seen_at) VALUES ($1, $2, $3, $4)")
            .bind(id_hash)
            .bind(agent)
            .bind(at)
            .bind(at)
            .execute(&mut *self.0)
            .await
            .map_err(translate)?;
        Ok(())
    }

    async fn touch_session(&mut self, id_hash: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE agent_sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(at)
            .bind(id_hash)
            .execute(&mut *self.0)
            .await
            .map_err(translate)?;
        Ok(())
    }

    async fn delete_session(&mut self, id_hash: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM agent_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&mut *self.0)
            .await
            .map_err(translate)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_agent_sessions(&mut self, agent: Uuid) -> Result<u64> {
        let done = sqlx::query("DELETE FROM agent_sessions WHERE agent_id = $1")
            .bind(agent)
            .execute(&mut *self.0)
            .await
            .map_err(translate)?;
        Ok(done.rows_affected())
    }

    async fn delete_sessions_before(
        &mut self,
        idle_cutoff: DateTime<Utc>,
        absolute_cutoff: DateTime<Utc>,
    ) -> Result<u64> {
        let done = sqlx::query("DELETE FROM agent_sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(idle_cutoff)
            .bind(absolute_cutoff)
            .execute(&mut *self.0)
            .await
            .map_err(translate)?;
        Ok(done.rows_affected())
    }

    async fn count_sign_in_failure(
        &mut self,
        subject: &str,
        at: DateTime<Utc>,
        window_start: DateTime<Utc>,
    ) -> Result<SignInFailures> {
        let row = sqlx::query(
            "INSERT INTO sign_in_failures (subject, failures, last_failure_at, locked_until) VALUES ($1, 1, $2, NULL) \
             ON CONFLICT (subject) DO UPDATE SET \
               failures = CASE WHEN sign_in_failures.last_failure_at < $3 THEN 1 ELSE sign_in_failures.failures + 1 END, \
               last_failure_at = excluded.last_failure_at \
             RETURNING failures, last_failure_at, locked_until",
        )
        .bind(subject)
        .bind(at)
        .bind(window_start)
        .fetch_one(&mut *self.0)
        .await
        .map_err(translate)?;
        failures_from_row(&row)
    }

    async fn lock_sign_in(&mut self, subject: &str, until: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE sign_in_failures SET locked_until = $1 WHERE subject = $2")
            .bind(until)
            .bind(subject)
            .execute(&mut *self.0)
            .await
            .map_err(translate)?;
        Ok(())
    }

    async fn clear_sign_in_failures(&mut self, subject: &str) -> Result<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE subject = $1")
            .bind(subject)
            .execute(&mut *self.0)
            .await
            .map_err(translate)?;
        Ok(())
    }

    async fn delete_sign_in_failures_before(
        &mut self,
        last_failure_cutoff: DateTime<Utc>,
        lock_cutoff: DateTime<Utc>,
    ) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM sign_in_failures WHERE last_failure_at < $1 AND (locked_until IS NULL OR locked_until < $2)",
        )
        .bind(last_failure_cutoff)
        .bind(lock_cutoff)
        .execute(&mut *self.0)
        .await
        .map_err(translate)?;
        Ok(done.rows_affected())
    }
}
