//! Directory role memberships, on the PostgreSQL store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tenantdesk_domain::{DirectoryRoleId, User, UserId};
use uuid::Uuid;

use super::{PostgresStore, PostgresTx, translate, users_from_rows};
use tenantdesk_store::{CustomerScope, Result, RoleReads, RoleWrites};

#[async_trait]
impl RoleReads for PostgresStore {
    async fn user_roles(&self, scope: CustomerScope, user: UserId) -> Result<Vec<DirectoryRoleId>> {
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "SELECT role_id FROM role_members WHERE customer_id = $1 AND user_id = $2 AND partner_id = $3 \
             ORDER BY role_id",
        )
        .bind(scope.customer.as_uuid())
        .bind(user.as_uuid())
        .bind(scope.partner.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        Ok(ids.into_iter().map(DirectoryRoleId::from_uuid).collect())
    }

    async fn roles_of_users(&self, scope: CustomerScope, users: &[UserId]) -> Result<Vec<(UserId, DirectoryRoleId)>> {
        let ids: Vec<Uuid> = users.iter().map(UserId::as_uuid).collect();
        let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "SELECT user_id, role_id FROM role_members WHERE customer_id = $1 AND partner_id = $2 \
             AND user_id = ANY($3) ORDER BY user_id, role_id",
        )
        .bind(scope.customer.as_uuid())
        .bind(scope.partner.as_uuid())
        .bind(ids)
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        Ok(rows
            .into_iter()
            .map(|(user, role)| (UserId::from_uuid(user), DirectoryRoleId::from_uuid(role)))
            .collect())
    }

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
            " FROM users WHERE customer_id = $1 AND partner_id = $3 AND state = 'active' AND id IN",
            " (SELECT user_id FROM role_members WHERE customer_id = $1 AND role_id = $2 AND partner_id = $3)",
            " AND ($4::uuid IS NULL OR id > $4) ORDER BY id LIMIT $5"
        ))
        .bind(scope.customer.as_uuid())
        .bind(role.as_uuid())
        .bind(scope.partner.as_uuid())
        .bind(after.map(|id| id.as_uuid()))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        users_from_rows(&rows)
    }
}

#[async_trait]
impl RoleWrites for PostgresTx {
    async fn add_role_member(
        &mut self,
        scope: CustomerScope,
        role: DirectoryRoleId,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO role_members (customer_id, role_id, user_id, partner_id, added_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(scope.customer.as_uuid())
        .bind(role.as_uuid())
        .bind(user.as_uuid())
        .bind(scope.partner.as_uuid())
        .bind(at)
        .execute(&mut *self.0)
        .await
        .map_err(translate)?;
        Ok(())
    }

    async fn remove_role_member(&mut self, scope: CustomerScope, role: DirectoryRoleId, user: UserId) -> Result<bool> {
        let done = sqlx::query(
            "DELETE FROM role_members WHERE customer_id = $1 AND role_id = $2 AND user_id = $3 AND partner_id = $4",
        )
        .bind(scope.customer.as_uuid())
        .bind(role.as_uuid())
        .bind(user.as_uuid())
        .bind(scope.partner.as_uuid())
        .execute(&mut *self.0)
        .await
        .map_err(translate)?;
        Ok(done.rows_affected() == 1)
    }
}
