//! The PostgreSQL store: several stateless tenantdesk instances share one database. Row locks
//! (`FOR UPDATE`) serialise the changes of one user; the purge skips rows another instance holds.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgPool, Postgres, Row, Transaction};
use tenantdesk_domain::{
    AuditRecord, CompanyName, Customer, CustomerId, DirectoryRoleId, DisplayName, DomainName, Operation, Outcome,
    Partner, PartnerId, PersonName, PortalDomain, ProviderInstanceId, UsageLocation, User, UserId, UserPrincipalName,
    UserState,
};
use uuid::Uuid;

use crate::{
    AuditQuery, Conflict, CustomerScope, IdempotencyKey, Result, SortField, Store, StoreError, StoreOptions,
    StoredResponse, Tx, UserQuery,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A tenantdesk database on a PostgreSQL server.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to the database of a `postgres://` URL (TLS as its `sslmode` says). Does not
    /// migrate.
    pub async fn open(url: &str, options: &StoreOptions) -> Result<Self> {
        let mut connect = PgConnectOptions::from_str(url).map_err(translate)?;
        if let Some(timeout) = options.statement_timeout {
            connect = connect.options([("statement_timeout", timeout.as_millis().to_string())]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(options.pool_size)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(connect)
            .await
            .map_err(translate)?;
        Ok(Self { pool })
    }

    /// The connection pool, for the SQLite-to-PostgreSQL copy.
    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// Translates a database error at the boundary: SQLSTATE 23505 (unique violation) becomes a
/// conflict, named by its constraint.
fn translate(error: sqlx::Error) -> StoreError {
    if let Some(db) = error.as_database_error()
        && db.kind() == sqlx::error::ErrorKind::UniqueViolation
    {
        let kind = match db.constraint() {
            Some("users_active_upn") => Conflict::UserPrincipalName,
            Some("customer_domains_unique_domain") => Conflict::Domain,
            Some("partners_portal_domain_key") => Conflict::PortalDomain,
            Some("role_members_pkey") => Conflict::RoleMember,
            Some("idempotent_responses_pkey") => Conflict::IdempotencyKey,
            _ => Conflict::Id,
        };
        return StoreError::Conflict(kind);
    }
    StoreError::Database(error)
}

fn corrupt<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> StoreError {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

fn get<'r, T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>>(row: &'r PgRow, column: &str) -> Result<T> {
    row.try_get(column).map_err(translate)
}

macro_rules! user_columns {
    () => {
        "customer_id, id, upn, first_name, last_name, display_name, usage_location, state, \
         soft_deleted_at, force_change_password, created_at, updated_at"
    };
}

fn user_from_row(row: &PgRow) -> Result<User> {
    let person = |value: Option<String>| -> Result<Option<PersonName>> {
        value.map_or(Ok(None), |v| PersonName::parse(&v).map_err(corrupt("name")))
    };
    let state: String = get(row, "state")?;
    Ok(User {
        id: UserId::from_uuid(get(row, "id")?),
        customer: CustomerId::from_uuid(get(row, "customer_id")?),
        upn: UserPrincipalName::parse(&get::<String>(row, "upn")?).map_err(corrupt("upn"))?,
        first_name: person(get(row, "first_name")?)?,
        last_name: person(get(row, "last_name")?)?,
        display_name: DisplayName::parse(&get::<String>(row, "display_name")?).map_err(corrupt("display name"))?,
        usage_location: UsageLocation::parse(&get::<String>(row, "usage_location")?).map_err(corrupt("location"))?,
        state: UserState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state}")))?,
        soft_deleted_at: get(row, "soft_deleted_at")?,
        force_change_password: get(row, "force_change_password")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

fn audit_from_row(partner: PartnerId, row: &PgRow) -> Result<AuditRecord> {
    let operation: String = get(row, "operation")?;
    let outcome: String = get(row, "outcome")?;
    Ok(AuditRecord {
        id: get(row, "id")?,
        at: get(row, "at")?,
        partner,
        actor: get(row, "actor")?,
        customer: get::<Option<Uuid>>(row, "customer_id")?.map(CustomerId::from_uuid),
        resource: get(row, "resource_id")?,
        operation: Operation::parse(&operation).ok_or_else(|| StoreError::Corrupt(format!("operation {operation}")))?,
        outcome: Outcome::parse(&outcome).ok_or_else(|| StoreError::Corrupt(format!("outcome {outcome}")))?,
        request_id: get(row, "request_id")?,
        correlation_id: get(row, "correlation_id")?,
    })
}

/// Folds rows of `customers JOIN customer_domains`, ordered by customer then position.
fn customers_from_rows(rows: &[PgRow]) -> Result<Vec<Customer>> {
    let mut customers: Vec<Customer> = Vec::new();
    for row in rows {
        let id = CustomerId::from_uuid(get(row, "id")?);
        let domain = DomainName::parse(&get::<String>(row, "domain")?).map_err(corrupt("domain"))?;
        match customers.last_mut() {
            Some(last) if last.id == id => last.domains.push(domain),
            _ => customers.push(Customer {
                id,
                partner: PartnerId::from_uuid(get(row, "partner_id")?),
                company_name: CompanyName::parse(&get::<String>(row, "company_name")?)
                    .map_err(corrupt("company name"))?,
                domains: vec![domain],
                provider_instance: ProviderInstanceId::from_uuid(get(row, "provider_instance_id")?),
                created_at: get(row, "created_at")?,
            }),
        }
    }
    Ok(customers)
}

macro_rules! customer_select {
    ($where:literal) => {
        concat!(
            "SELECT c.id, c.partner_id, c.company_name, c.provider_instance_id, c.created_at, d.domain ",
            "FROM customers c JOIN customer_domains d ON d.customer_id = c.id ",
            $where
        )
    };
}

#[async_trait]
impl Store for PostgresStore {
    async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await.map_err(StoreError::Migration)
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(translate)?;
        Ok(())
    }

    async fn begin(&self) -> Result<Box<dyn Tx>> {
        let tx = self.pool.begin().await.map_err(translate)?;
        Ok(Box::new(PostgresTx(tx)))
    }

    async fn setting(&self, key: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(translate)
    }

    async fn partner(&self, id: PartnerId) -> Result<Option<Partner>> {
        let row = sqlx::query("SELECT name, portal_domain, created_at FROM partners WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(translate)?;
        let Some(row) = row else { return Ok(None) };
        let portal: Option<String> = get(&row, "portal_domain")?;
        Ok(Some(Partner {
            id,
            name: CompanyName::parse(&get::<String>(&row, "name")?).map_err(corrupt("partner name"))?,
            portal_domain: portal
                .map(|p| PortalDomain::parse(&p))
                .transpose()
                .map_err(corrupt("portal"))?,
            created_at: get(&row, "created_at")?,
        }))
    }

    async fn customers(&self, partner: PartnerId) -> Result<Vec<Customer>> {
        let rows = sqlx::query(customer_select!(
            "WHERE c.partner_id = $1 ORDER BY c.created_at, c.id, d.position"
        ))
        .bind(partner.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        customers_from_rows(&rows)
    }

    async fn customer(&self, partner: PartnerId, id: CustomerId) -> Result<Option<Customer>> {
        let rows = sqlx::query(customer_select!(
            "WHERE c.partner_id = $1 AND c.id = $2 ORDER BY d.position"
        ))
        .bind(partner.as_uuid())
        .bind(id.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        Ok(customers_from_rows(&rows)?.pop())
    }

    async fn user(&self, scope: CustomerScope, id: UserId) -> Result<Option<User>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE customer_id = $1 AND id = $2 AND partner_id = $3"
        ))
        .bind(scope.customer.as_uuid())
        .bind(id.as_uuid())
        .bind(scope.partner.as_uuid())
        .fetch_optional(&self.pool)
        .await
        .map_err(translate)?;
        row.as_ref().map(user_from_row).transpose()
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
        if let Some(cursor) = &query.after {
            q = q.bind(cursor.sort_value.clone()).bind(cursor.id.as_uuid());
        }
        let rows = q.fetch_all(&self.pool).await.map_err(translate)?;
        rows.iter().map(user_from_row).collect()
    }

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
        rows.iter().map(user_from_row).collect()
    }

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
        .bind(query.operation.map(Operation::as_str))
        .bind(query.correlation_id.clone())
        .bind(query.after.map(|(at, _)| at))
        .bind(query.after.map(|(_, id)| id))
        .bind(i64::from(query.limit))
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        rows.iter().map(|row| audit_from_row(partner, row)).collect()
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
            created_at: get(&row, "created_at")?,
        }))
    }
}

/// A transaction on the PostgreSQL store.
struct PostgresTx(Transaction<'static, Postgres>);

#[async_trait]
impl Tx for PostgresTx {
    async fn setting_or_insert(&mut self, key: &str, value: &str) -> Result<String> {
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&mut *self.0)
            .await
            .map_err(translate)?;
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_one(&mut *self.0)
            .await
            .map_err(translate)
    }

    async fn insert_partner(&mut self, partner: &Partner) -> Result<()> {
        sqlx::query("INSERT INTO partners (id, name, portal_domain, created_at) VALUES ($1, $2, $3, $4)")
            .bind(partner.id.as_uuid())
            .bind(partner.name.as_str())
            .bind(partner.portal_domain.as_ref().map(|d| d.as_str().to_owned()))
            .bind(partner.created_at)
            .execute(&mut *self.0)
            .await
            .map_err(translate)?;
        Ok(())
    }

    async fn insert_customer(&mut self, customer: &Customer) -> Result<()> {
        sqlx::query(
            "INSERT INTO customers (id, partner_id, company_name, provider_instance_id, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(customer.id.as_uuid())
        .bind(customer.partner.as_uuid())
        .bind(customer.company_name.as_str())
        .bind(customer.provider_instance.as_uuid())
        .bind(customer.created_at)
        .execute(&mut *self.0)
        .await
        .map_err(translate)?;
        for (position, domain) in (0_i32..).zip(&customer.domains) {
            sqlx::query("INSERT INTO customer_domains (customer_id, domain, position) VALUES ($1, $2, $3)")
                .bind(customer.id.as_uuid())
                .bind(domain.as_str())
                .bind(position)
                .execute(&mut *self.0)
                .await
                .map_err(translate)?;
        }
        Ok(())
    }

    async fn user_for_update(&mut self, scope: CustomerScope, id: UserId) -> Result<Option<User>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE customer_id = $1 AND id = $2 AND partner_id = $3 FOR UPDATE"
        ))
        .bind(scope.customer.as_uuid())
        .bind(id.as_uuid())
        .bind(scope.partner.as_uuid())
        .fetch_optional(&mut *self.0)
        .await
        .map_err(translate)?;
        row.as_ref().map(user_from_row).transpose()
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

    async fn commit(self: Box<Self>) -> Result<()> {
        self.0.commit().await.map_err(translate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestDatabase;

    #[tokio::test]
    async fn a_statement_running_past_the_timeout_is_cancelled() {
        let Some(database) = TestDatabase::create("statement timeout").await else {
            return;
        };
        let options = StoreOptions {
            pool_size: 1,
            statement_timeout: Some(Duration::from_millis(200)),
            ..StoreOptions::default()
        };
        let store = PostgresStore::open(&database.url, &options).await.unwrap();
        let error = sqlx::query("SELECT pg_sleep(5)")
            .execute(store.pool())
            .await
            .unwrap_err();
        let code = error.as_database_error().and_then(|e| e.code()).map(|c| c.into_owned());
        assert_eq!(code.as_deref(), Some("57014"), "query_canceled: {error}");
        // A statement within the limit runs.
        sqlx::query("SELECT pg_sleep(0.05)")
            .execute(store.pool())
            .await
            .unwrap();
    }
}
