//! Directory role memberships, on the SQLite store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tenantdesk_domain::{DirectoryRoleId, User, UserId};

use super::{SqliteStore, SqliteTx, corrupt, millis, translate, user_from_row};
use tenantdesk_store::{CustomerScope, Result, RoleReads, RoleWrites};

#[async_trait]
impl RoleReads for SqliteStore {
    async fn user_roles(&self, scope: CustomerScope, user: UserId) -> Result<Vec<DirectoryRoleId>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT role_id FROM role_members WHERE customer_id = ? AND user_id = ? AND partner_id = ? \
             ORDER BY role_id",
        )
        .bind(scope.customer.to_string())
        .bind(user.to_string())
        .bind(scope.partner.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        ids.iter().map(|id| id.parse().map_err(corrupt("role id"))).collect()
    }

    async fn roles_of_users(&self, scope: CustomerScope, users: &[UserId]) -> Result<Vec<(UserId, DirectoryRoleId)>> {
        // The ids travel as one JSON array: one statement, however many users.
        let ids: Vec<String> = users.iter().map(|id| format!("\"{id}\"")).collect();
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT user_id, role_id FROM role_members WHERE customer_id = ? AND partner_id = ? \
             AND user_id IN (SELECT value FROM json_each(?)) ORDER BY user_id, role_id",
        )
        .bind(scope.customer.to_string())
        .bind(scope.partner.to_string())
        .bind(format!("[{}]", ids.join(",")))
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        rows.iter()
            .map(|(user, role)| {
                Ok((
                    user.parse().map_err(corrupt("user id"))?,
                    role.parse().map_err(corrupt("role id"))?,
                ))
            })
            .collect()
    }

    // `LIMIT … + 0`: a bound limit SQLite does not plan with, so the statement stays prepared
    // (see `users::page_sql`).
    async fn role_members(
        &self,
        scope: CustomerScope,
        role: DirectoryRoleId,
        after: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<User>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE customer_id = ?1 AND partner_id = ?3 AND state = 'active' AND id IN",
            " (SELECT user_id FROM role_members WHERE customer_id = ?1 AND role_id = ?2 AND partner_id = ?3)",
            " AND (?4 IS NULL OR id > ?4) ORDER BY id LIMIT ?5 + 0"
        ))
        .bind(scope.customer.to_string())
        .bind(role.to_string())
        .bind(scope.partner.to_string())
        .bind(after.map(|id| id.to_string()))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        rows.iter().map(user_from_row).collect()
    }
}

#[async_trait]
impl RoleWrites for SqliteTx {
    async fn add_role_member(
        &mut self,
        scope: CustomerScope,
        role: DirectoryRoleId,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO role_members (customer_id, role_id, user_id, partner_id, added_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(scope.customer.to_string())
        .bind(role.to_string())
        .bind(user.to_string())
        .bind(scope.partner.to_string())
        .bind(millis(at))
        .execute(&mut *self.0)
        .await
        .map_err(translate)?;
        Ok(())
    }

    async fn remove_role_member(&mut self, scope: CustomerScope, role: DirectoryRoleId, user: UserId) -> Result<bool> {
        let done = sqlx::query(
            "DELETE FROM role_members WHERE customer_id = ? AND role_id = ? AND user_id = ? AND partner_id = ?",
        )
        .bind(scope.customer.to_string())
        .bind(role.to_string())
        .bind(user.to_string())
        .bind(scope.partner.to_string())
        .execute(&mut *self.0)
        .await
        .map_err(translate)?;
        Ok(done.rows_affected() == 1)
    }
}
