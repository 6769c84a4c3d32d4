//! Users: one, a page, taken UPNs, the purge candidates, and their writes, on the SQLite store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tenantdesk_domain::{CustomerId, PartnerId, User, UserId};

use super::reader::{self, failed};
use super::{SqliteStore, SqliteTx, millis, translate, user_from_row, uuid};
use tenantdesk_store::{CustomerScope, Result, SortField, StoreError, UserQuery, UserReads, UserWrites};

/// The statement of a page of users as `query` asks.
///
/// No bound value may steer SQLite's plan: SQLite reads the value bound to a bare `LIMIT ?` while
/// it plans and so prepares the statement again after every bind, which made most of a list's cost
/// (`LIMIT ? + 0` is an expression it does not read). The state is written in for the same reason,
/// as the partial indexes depend on it.
pub(super) fn page_sql(query: &UserQuery) -> &'static str {
    macro_rules! page {
        ($column:literal, $cmp:literal, $dir:literal, $state:literal) => {
            (
                concat!(
                    "SELECT ",
                    user_columns!(),
                    " FROM users WHERE customer_id = ? AND partner_id = ? AND state = '",
                    $state,
                    "'",
                    " AND (? IS NULL OR instr(upn_lower, ?) > 0 OR instr(lower(display_name), ?) > 0)",
                    " ORDER BY ",
                    $column,
                    " ",
                    $dir,
                    ", id ",
                    $dir,
                    " LIMIT ? + 0"
                ),
                concat!(
                    "SELECT ",
                    user_columns!(),
                    " FROM users WHERE customer_id = ? AND partner_id = ? AND state = '",
                    $state,
                    "'",
                    " AND (? IS NULL OR instr(upn_lower, ?) > 0 OR instr(lower(display_name), ?) > 0)",
                    " AND (",
                    $column,
                    ", id) ",
                    $cmp,
                    " (?, ?)",
                    " ORDER BY ",
                    $column,
                    " ",
                    $dir,
                    ", id ",
                    $dir,
                    " LIMIT ? + 0"
                ),
            )
        };
    }
    use tenantdesk_domain::UserState::{Active, Inactive};
    let (first, after) = match (query.sort, query.descending, query.state) {
        (SortField::UserPrincipalName, false, Active) => page!("upn_lower", ">", "ASC", "active"),
        (SortField::UserPrincipalName, true, Active) => page!("upn_lower", "<", "DESC", "active"),
        (SortField::DisplayName, false, Active) => page!("display_name", ">", "ASC", "active"),
        (SortField::DisplayName, true, Active) => page!("display_name", "<", "DESC", "active"),
        (SortField::UserPrincipalName, false, Inactive) => page!("upn_lower", ">", "ASC", "inactive"),
        (SortField::UserPrincipalName, true, Inactive) => page!("upn_lower", "<", "DESC", "inactive"),
        (SortField::DisplayName, false, Inactive) => page!("display_name", ">", "ASC", "inactive"),
        (SortField::DisplayName, true, Inactive) => page!("display_name", "<", "DESC", "inactive"),
    };
    if query.after.is_some() { after } else { first }
}

/// An id as SQLite keeps it (lowercase hyphenated text), written into `buffer`.
fn encode(id: uuid::Uuid, buffer: &mut [u8; 36]) -> &str {
    id.hyphenated().encode_lower(buffer)
}

#[async_trait]
impl UserReads for SqliteStore {
    async fn user(&self, scope: CustomerScope, id: UserId) -> Result<Option<User>> {
        const SQL: &str = concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE customer_id = ? AND id = ? AND partner_id = ?"
        );
        if let Some(readers) = &self.readers {
            return readers
                .run(move |connection| {
                    let mut statement = connection.prepare_cached(SQL).map_err(failed)?;
                    let (mut customer, mut user, mut partner) = ([0; 36], [0; 36], [0; 36]);
                    let mut rows = statement
                        .query((
                            encode(scope.customer.as_uuid(), &mut customer),
                            encode(id.as_uuid(), &mut user),
                            encode(scope.partner.as_uuid(), &mut partner),
                        ))
                        .map_err(failed)?;
                    rows.next().map_err(failed)?.map(reader::user_from_row).transpose()
                })
                .await;
        }
        let row = sqlx::query(SQL)
            .bind(scope.customer.to_string())
            .bind(id.to_string())
            .bind(scope.partner.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(translate)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn taken_upns(&self, scope: CustomerScope, upns: &[String]) -> Result<Vec<String>> {
        let list = serde_json::to_string(upns).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query_scalar(
            "SELECT upn_lower FROM users WHERE customer_id = ? AND partner_id = ? AND state = 'active' \
             AND upn_lower IN (SELECT value FROM json_each(?)) ORDER BY upn_lower",
        )
        .bind(scope.customer.to_string())
        .bind(scope.partner.to_string())
        .bind(list)
        .fetch_all(&self.pool)
        .await
        .map_err(translate)
    }

    async fn users(&self, scope: CustomerScope, query: &UserQuery) -> Result<Vec<User>> {
        let sql = page_sql(query);
        if let Some(readers) = &self.readers {
            // A search reads every user of the customer: too long for the runtime's thread.
            let searching = query.search.is_some();
            let query = query.clone();
            let read = move |connection: &rusqlite::Connection| {
                let mut statement = connection.prepare_cached(sql).map_err(failed)?;
                let (mut customer, mut partner, mut after) = ([0; 36], [0; 36], [0; 36]);
                let (customer, partner) = (
                    encode(scope.customer.as_uuid(), &mut customer),
                    encode(scope.partner.as_uuid(), &mut partner),
                );
                let limit = i64::from(query.limit);
                let search = query.search.as_deref().map(str::to_ascii_lowercase);
                let mut rows = match &query.after {
                    None => statement.query(rusqlite::params![customer, partner, search, search, search, limit]),
                    Some(cursor) => {
                        let id = encode(cursor.id.as_uuid(), &mut after);
                        statement.query(rusqlite::params![
                            customer,
                            partner,
                            search,
                            search,
                            search,
                            cursor.sort_value,
                            id,
                            limit
                        ])
                    }
                }
                .map_err(failed)?;
                let mut users = Vec::with_capacity(query.limit as usize);
                while let Some(row) = rows.next().map_err(failed)? {
                    users.push(reader::user_from_row(row)?);
                }
                Ok(users)
            };
            return if searching {
                readers.run_on_thread(read).await
            } else {
                readers.run(read).await
            };
        }
        let mut q = sqlx::query(sql)
            .bind(scope.customer.to_string())
            .bind(scope.partner.to_string());
        let search = query.search.as_deref().map(str::to_ascii_lowercase);
        q = q.bind(search.clone()).bind(search.clone()).bind(search);
        if let Some(cursor) = &query.after {
            q = q.bind(cursor.sort_value.clone()).bind(cursor.id.to_string());
        }
        let rows = q
            .bind(i64::from(query.limit))
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        rows.iter().map(user_from_row).collect()
    }

    async fn count_deleted_since(&self, scope: CustomerScope, since: DateTime<Utc>) -> Result<u64> {
        let count: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM users WHERE customer_id = ? AND partner_id = ? \
             AND state = 'inactive' AND soft_deleted_at >= ?",
        )
        .bind(scope.customer.to_string())
        .bind(scope.partner.to_string())
        .bind(millis(since))
        .fetch_one(&self.pool)
        .await
        .map_err(translate)?;
        Ok(u64::try_from(count).unwrap_or_default())
    }

    // `LIMIT … + 0`: a bound limit SQLite does not plan with, so the statement stays prepared
    // (see `users::page_sql`).
    async fn deleted_before(&self, cutoff: DateTime<Utc>, limit: u32) -> Result<Vec<(CustomerScope, UserId)>> {
        let rows = sqlx::query(
            "SELECT partner_id, customer_id, id FROM users \
             WHERE state = 'inactive' AND soft_deleted_at < ? ORDER BY soft_deleted_at LIMIT ? + 0",
        )
        .bind(millis(cutoff))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        rows.iter()
            .map(|row| {
                let scope = CustomerScope {
                    partner: PartnerId::from_uuid(uuid(row, "partner_id")?),
                    customer: CustomerId::from_uuid(uuid(row, "customer_id")?),
                };
                Ok((scope, UserId::from_uuid(uuid(row, "id")?)))
            })
            .collect()
    }
}

#[async_trait]
impl UserWrites for SqliteTx {
    async fn user_for_update(&mut self, scope: CustomerScope, id: UserId) -> Result<Option<User>> {
        // BEGIN IMMEDIATE already holds the database's write lock.
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE customer_id = ? AND id = ? AND partner_id = ?"
        ))
        .bind(scope.customer.to_string())
        .bind(id.to_string())
        .bind(scope.partner.to_string())
        .fetch_optional(&mut *self.0)
        .await
        .map_err(translate)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn insert_user(&mut self, scope: CustomerScope, user: &User, password_hash: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO users (customer_id, id, partner_id, upn, upn_lower, first_name, last_name, display_name, \
             usage_location, state, soft_deleted_at, force_change_password, password_hash, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(scope.customer.to_string())
        .bind(user.id.to_string())
        .bind(scope.partner.to_string())
        .bind(user.upn.as_str())
        .bind(user.upn.normalized())
        .bind(user.first_name.as_ref().map(|n| n.as_str().to_owned()))
        .bind(user.last_name.as_ref().map(|n| n.as_str().to_owned()))
        .bind(user.display_name.as_str())
        .bind(user.usage_location.as_str())
        .bind(user.state.as_str())
        .bind(user.soft_deleted_at.map(millis))
        .bind(user.force_change_password)
        .bind(password_hash)
        .bind(millis(user.created_at))
        .bind(millis(user.updated_at))
        .execute(&mut *self.0)
        .await
        .map_err(translate)?;
        Ok(())
    }

    async fn update_user(&mut self, scope: CustomerScope, user: &User, password_hash: Option<&str>) -> Result<()> {
        sqlx::query(
            "UPDATE users SET upn = ?, upn_lower = ?, first_name = ?, last_name = ?, display_name = ?, \
             usage_location = ?, state = ?, soft_deleted_at = ?, force_change_password = ?, \
             password_hash = COALESCE(?, password_hash), updated_at = ? \
             WHERE customer_id = ? AND id = ? AND partner_id = ?",
        )
        .bind(user.upn.as_str())
        .bind(user.upn.normalized())
        .bind(user.first_name.as_ref().map(|n| n.as_str().to_owned()))
        .bind(user.last_name.as_ref().map(|n| n.as_str().to_owned()))
        .bind(user.display_name.as_str())
        .bind(user.usage_location.as_str())
        .bind(user.state.as_str())
        .bind(user.soft_deleted_at.map(millis))
        .bind(user.force_change_password)
        .bind(password_hash)
        .bind(millis(user.updated_at))
        .bind(scope.customer.to_string())
        .bind(user.id.to_string())
        .bind(scope.partner.to_string())
        .execute(&mut *self.0)
        .await
        .map_err(translate)?;
        Ok(())
    }

    async fn purge_user(&mut self, scope: CustomerScope, id: UserId, cutoff: DateTime<Utc>) -> Result<bool> {
        let done = sqlx::query(
            "DELETE FROM users WHERE customer_id = ? AND id = ? AND partner_id = ? \
             AND state = 'inactive' AND soft_deleted_at < ?",
        )
        .bind(scope.customer.to_string())
        .bind(id.to_string())
        .bind(scope.partner.to_string())
        .bind(millis(cutoff))
        .execute(&mut *self.0)
        .await
        .map_err(translate)?;
        Ok(done.rows_affected() == 1)
    }
}
