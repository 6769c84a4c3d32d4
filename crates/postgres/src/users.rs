//! Users: one, a page, taken UPNs, the purge candidates, and their writes, on the PostgreSQL store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use tenantdesk_domain::{CustomerId, PartnerId, User, UserId};

use super::{PostgresStore, PostgresTx, get, translate, user_from_row, users_from_rows};
use tenantdesk_store::{CustomerScope, Result, SortField, UserQuery, UserReads, UserWrites};

/// Whether [`user_in_scope`] locks the row it reads.
pub(super) enum Lock {
    /// A plain read.
    None,
    /// `FOR UPDATE`: the row stays locked until the transaction ends.
    ForUpdate,
}

/// The user `id` of `scope`, in a statement of its own, on the pool or in a transaction.
pub(super) async fn user_in_scope<'e>(
    executor: impl PgExecutor<'e>,
    scope: CustomerScope,
    id: UserId,
    lock: Lock,
) -> Result<Option<User>> {
    macro_rules! select {
        ($tail:literal) => {
            concat!(
                "SELECT ",
                user_columns!(),
                " FROM users WHERE customer_id = $1 AND id = $2 AND partner_id = $3",
                $tail
            )
        };
    }
    let sql = match lock {
        Lock::None => select!(""),
        Lock::ForUpdate => select!(" FOR UPDATE"),
    };
    let row = sqlx::query(sql)
        .bind(scope.customer.as_uuid())
        .bind(id.as_uuid())
        .bind(scope.partner.as_uuid())
        .fetch_optional(executor)
        .await
        .map_err(translate)?;
    row.as_ref().map(user_from_row).transpose()
}

#[async_trait]
impl UserReads for PostgresStore {
    async fn user(&self, scope: CustomerScope, id: UserId) -> Result<Option<User>> {
        self.lookups.user(scope, id).await
    }

    async fn taken_upns(&self, scope: CustomerScope, upns: &[String]) -> Result<Vec<String>> {
        sqlx::query_scalar(
            "SELECT upn_lower FROM users WHERE customer_id = $1 AND partner_id = $2 AND state = 'active' \
             AND upn_lower = ANY($3) ORDER BY upn_lower",
        )
        .bind(scope.customer.as_uuid())
        .bind(scope.partner.as_uuid())
        .bind(upns)
        .fetch_all(&self.pool)
        .await
        .map_err(translate)
    }

    async fn users(&self, scope: CustomerScope, query: &UserQuery) -> Result<Vec<User>> {
        macro_rules! page {
            ($column:literal, $cmp:literal, $dir:literal) => {
                (
                    concat!(
                        "SELECT ",
                        user_columns!(),
                        " FROM users WHERE customer_id = $1 AND partner_id = $2 AND state = $3",
                        " AND ($5::text IS NULL OR strpos(upn_lower, $5) > 0 OR strpos(lower(display_name), $5) > 0)",
                        " ORDER BY ",
                        $column,
                        " ",
                        $dir,
                        ", id ",
                        $dir,
                        " LIMIT $4"
                    ),
                    concat!(
                        "SELECT ",
                        user_columns!(),
                        " FROM users WHERE customer_id = $1 AND partner_id = $2 AND state = $3",
                        " AND ($7::text IS NULL OR strpos(upn_lower, $7) > 0 OR strpos(lower(display_name), $7) > 0)",
                        " AND (",
                        $column,
                        ", id) ",
                        $cmp,
                        " ($5, $6)",
                        " ORDER BY ",
                        $column,
                        " ",
                        $dir,
                        ", id ",
                        $dir,
                        " LIMIT $4"
                    ),
                )
            };
        }
        let (first, after) = match (query.sort, query.descending) {
            (SortField::UserPrincipalName, false) => page!("upn_lower", ">", "ASC"),
            (SortField::UserPrincipalName, true) => page!("upn_lower", "<", "DESC"),
            (SortField::DisplayName, false) => page!("display_name", ">", "ASC"),
            (SortField::DisplayName, true) => page!("display_name", "<", "DESC"),
        };
        let sql = if query.after.is_some() { after } else { first };
        let mut q = sqlx::query(sql)
            .bind(scope.customer.as_uuid())
            .bind(scope.partner.as_uuid())
            .bind(query.state.as_str())
            .bind(i64::from(query.limit));
        let search = query.search.as_deref().map(str::to_ascii_lowercase);
        if let Some(cursor) = &query.after {
            q = q.bind(cursor.sort_value.clone()).bind(cursor.id.as_uuid());
        }
        q = q.bind(search);
        let rows = q.fetch_all(&self.pool).await.map_err(translate)?;
        users_from_rows(&rows)
    }

    async fn count_deleted_since(&self, scope: CustomerScope, since: DateTime<Utc>) -> Result<u64> {
        let count: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM users WHERE customer_id = $1 AND partner_id = $2 \
             AND state = 'inactive' AND soft_deleted_at >= $3",
        )
        .bind(scope.customer.as_uuid())
        .bind(scope.partner.as_uuid())
        .bind(since)
        .fetch_one(&self.pool)
        .await
        .map_err(translate)?;
        Ok(u64::try_from(count).unwrap_or_default())
    }

    async fn deleted_before(&self, cutoff: DateTime<Utc>, limit: u32) -> Result<Vec<(CustomerScope, UserId)>> {
        let rows = sqlx::query(
            "SELECT partner_id, customer_id, id FROM users \
             WHERE state = 'inactive' AND soft_deleted_at < $1 ORDER BY soft_deleted_at LIMIT $2",
        )
        .bind(cutoff)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        rows.iter()
            .map(|row| {
                let scope = CustomerScope {
                    partner: PartnerId::from_uuid(get(row, "partner_id")?),
                    customer: CustomerId::from_uuid(get(row, "customer_id")?),
                };
                Ok((scope, UserId::from_uuid(get(row, "id")?)))
            })
            .collect()
    }
}

#[async_trait]
impl UserWrites for PostgresTx {
    async fn user_for_update(&mut self, scope: CustomerScope, id: UserId) -> Result<Option<User>> {
        user_in_scope(&mut *self.0, scope, id, Lock::ForUpdate).await
    }

    async fn insert_user(&mut self, scope: CustomerScope, user: &User, password_hash: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO users (customer_id, id, partner_id, upn, upn_lower, first_name, last_name, display_name, \
             usage_location, state, soft_deleted_at, force_change_password, password_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(scope.customer.as_uuid())
        .bind(user.id.as_uuid())
        .bind(scope.partner.as_uuid())
        .bind(user.upn.as_str())
        .bind(user.upn.normalized())
        .bind(user.first_name.as_ref().map(|n| n.as_str().to_owned()))
        .bind(user.last_name.as_ref().map(|n| n.as_str().to_owned()))
        .bind(user.display_name.as_str())
        .bind(user.usage_location.as_str())
        .bind(user.state.as_str())
        .bind(user.soft_deleted_at)
        .bind(user.force_change_password)
        .bind(password_hash)
        .bind(user.created_at)
        .bind(user.updated_at)
        .execute(&mut *self.0)
        .await
        .map_err(translate)?;
        Ok(())
    }

    async fn update_user(&mut self, scope: CustomerScope, user: &User, password_hash: Option<&str>) -> Result<()> {
        sqlx::query(
            "UPDATE users SET upn = $1, upn_lower = $2, first_name = $3, last_name = $4, display_name = $5, \
             usage_location = $6, state = $7, soft_deleted_at = $8, force_change_password = $9, \
             password_hash = COALESCE($10, password_hash), updated_at = $11 \
             WHERE customer_id = $12 AND id = $13 AND partner_id = $14",
        )
        .bind(user.upn.as_str())
        .bind(user.upn.normalized())
        .bind(user.first_name.as_ref().map(|n| n.as_str().to_owned()))
        .bind(user.last_name.as_ref().map(|n| n.as_str().to_owned()))
        .bind(user.display_name.as_str())
        .bind(user.usage_location.as_str())
        .bind(user.state.as_str())
        .bind(user.soft_deleted_at)
        .bind(user.force_change_password)
        .bind(password_hash)
        .bind(user.updated_at)
        .bind(scope.customer.as_uuid())
        .bind(user.id.as_uuid())
        .bind(scope.partner.as_uuid())
        .execute(&mut *self.0)
        .await
        .map_err(translate)?;
        Ok(())
    }

    async fn purge_user(&mut self, scope: CustomerScope, id: UserId, cutoff: DateTime<Utc>) -> Result<bool> {
        // SKIP LOCKED: a row another instance is purging right now is left to it.
        let done = sqlx::query(
            "DELETE FROM users WHERE (customer_id, id) IN (SELECT customer_id, id FROM users \
             WHERE customer_id = $1 AND id = $2 AND partner_id = $3 AND state = 'inactive' \
             AND soft_deleted_at < $4 FOR UPDATE SKIP LOCKED)",
        )
        .bind(scope.customer.as_uuid())
        .bind(id.as_uuid())
        .bind(scope.partner.as_uuid())
        .bind(cutoff)
        .execute(&mut *self.0)
        .await
        .map_err(translate)?;
        Ok(done.rows_affected() == 1)
    }
}
