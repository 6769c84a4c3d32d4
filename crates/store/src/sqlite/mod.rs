//! The embedded SQLite store: one file, WAL journal, writers serialised by `BEGIN IMMEDIATE`.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};
use tenantdesk_domain::{
    AuditRecord, CompanyName, Customer, CustomerId, DirectoryRoleId, DisplayName, DomainName, Operation, Outcome,
    Partner, PartnerId, PersonName, PortalDomain, ProviderInstanceId, UsageLocation, User, UserId, UserPrincipalName,
    UserState,
};
use uuid::Uuid;

use crate::{
    AuditQuery, Conflict, CustomerScope, IdempotencyKey, Result, SortField, Store, StoreError, StoredResponse, Tx,
    UserQuery,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A tenantdesk database in one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at a `sqlite://PATH` URL. Does not migrate.
    pub async fn open(url: &str) -> Result<Self> {
        Self::connect(url, true).await
    }

    /// Opens the database at a `sqlite://PATH` URL, which must exist (a source to copy from).
    pub async fn open_existing(url: &str) -> Result<Self> {
        Self::connect(url, false).await
    }

    async fn connect(url: &str, create: bool) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(translate)?
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        if create && !url.contains(":memory:") && !url.contains("mode=memory") {
            create_owner_only(options.get_filename()).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(translate)?;
        Ok(Self { pool })
    }

    /// The connection pool, for the SQLite-to-PostgreSQL copy.
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Creates the database file, readable and writable by its owner only (0600), if it does not exist
/// yet, before SQLite opens it: it holds the token signing key, and SQLite gives the `-wal` and
/// `-shm` files the mode of the database file. A missing directory is left for SQLite to report.
fn create_owner_only(path: &std::path::Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::AlreadyExists | std::io::ErrorKind::NotFound
            ) =>
        {
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Translates a database error at the boundary: uniqueness violations become conflicts.
fn translate(error: sqlx::Error) -> StoreError {
    if let Some(db) = error.as_database_error()
        && db.kind() == sqlx::error::ErrorKind::UniqueViolation
    {
        let message = db.message();
        let kind = if message.contains("users.upn_lower") {
            Conflict::UserPrincipalName
        } else if message.contains("customer_domains.domain") {
            Conflict::Domain
        } else if message.contains("partners.portal_domain") {
            Conflict::PortalDomain
        } else if message.contains("role_members.") {
            Conflict::RoleMember
        } else if message.contains("idempotent_responses.") {
            Conflict::IdempotencyKey
        } else {
            Conflict::Id
        };
        return StoreError::Conflict(kind);
    }
    StoreError::Database(error)
}

fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

fn time(millis: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(millis).ok_or_else(|| StoreError::Corrupt(format!("time {millis}")))
}

fn corrupt<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> StoreError {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

fn uuid(row: &SqliteRow, column: &str) -> Result<Uuid> {
    let text: String = row.try_get(column).map_err(translate)?;
    Uuid::parse_str(&text).map_err(corrupt("id"))
}

macro_rules! user_columns {
    () => {
        "customer_id, id, upn, first_name, last_name, display_name, usage_location, state, \
         soft_deleted_at, force_change_password, created_at, updated_at"
    };
}

fn user_from_row(row: &SqliteRow) -> Result<User> {
    let get_text = |column: &str| -> Result<String> { row.try_get(column).map_err(translate) };
    let get_opt = |column: &str| -> Result<Option<String>> { row.try_get(column).map_err(translate) };
    let person = |value: Option<String>| -> Result<Option<PersonName>> {
        match value {
            Some(v) => PersonName::parse(&v).map_err(corrupt("name")),
            None => Ok(None),
        }
    };
    let state = get_text("state")?;
    let deleted: Option<i64> = row.try_get("soft_deleted_at").map_err(translate)?;
    Ok(User {
        id: UserId::from_uuid(uuid(row, "id")?),
        customer: CustomerId::from_uuid(uuid(row, "customer_id")?),
        upn: UserPrincipalName::parse(&get_text("upn")?).map_err(corrupt("upn"))?,
        first_name: person(get_opt("first_name")?)?,
        last_name: person(get_opt("last_name")?)?,
        display_name: DisplayName::parse(&get_text("display_name")?).map_err(corrupt("display name"))?,
        usage_location: UsageLocation::parse(&get_text("usage_location")?).map_err(corrupt("location"))?,
        state: UserState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state}")))?,
        soft_deleted_at: deleted.map(time).transpose()?,
        force_change_password: row.try_get("force_change_password").map_err(translate)?,
        created_at: time(row.try_get("created_at").map_err(translate)?)?,
        updated_at: time(row.try_get("updated_at").map_err(translate)?)?,
    })
}

fn audit_from_row(partner: PartnerId, row: &SqliteRow) -> Result<AuditRecord> {
    let text = |column: &str| -> Result<String> { row.try_get(column).map_err(translate) };
    let optional = |column: &str| -> Result<Option<String>> { row.try_get(column).map_err(translate) };
    let operation = text("operation")?;
    let outcome = text("outcome")?;
    Ok(AuditRecord {
        id: uuid(row, "id")?,
        at: time(row.try_get("at").map_err(translate)?)?,
        partner,
        actor: text("actor")?,
        customer: optional("customer_id")?
            .map(|c| c.parse().map_err(corrupt("customer id")))
            .transpose()?,
        resource: optional("resource_id")?,
        operation: Operation::parse(&operation).ok_or_else(|| StoreError::Corrupt(format!("operation {operation}")))?,
        outcome: Outcome::parse(&outcome).ok_or_else(|| StoreError::Corrupt(format!("outcome {outcome}")))?,
        request_id: optional("request_id")?,
        correlation_id: optional("correlation_id")?,
    })
}

/// Folds rows of `customers JOIN customer_domains`, ordered by customer then position.
fn customers_from_rows(rows: &[SqliteRow]) -> Result<Vec<Customer>> {
    let mut customers: Vec<Customer> = Vec::new();
    for row in rows {
        let id = CustomerId::from_uuid(uuid(row, "id")?);
        let domain: String = row.try_get("domain").map_err(translate)?;
        let domain = DomainName::parse(&domain).map_err(corrupt("domain"))?;
        match customers.last_mut() {
            Some(last) if last.id == id => last.domains.push(domain),
            _ => {
                let name: String = row.try_get("company_name").map_err(translate)?;
                customers.push(Customer {
                    id,
                    partner: PartnerId::from_uuid(uuid(row, "partner_id")?),
                    company_name: CompanyName::parse(&name).map_err(corrupt("company name"))?,
                    domains: vec![domain],
                    provider_instance: ProviderInstanceId::from_uuid(uuid(row, "provider_instance_id")?),
                    created_at: time(row.try_get("created_at").map_err(translate)?)?,
                });
            }
        }
    }
    Ok(customers)
}

const CUSTOMER_SELECT: &str = "SELECT c.id, c.partner_id, c.company_name, c.provider_instance_id, \
     c.created_at, d.domain FROM customers c JOIN customer_domains d ON d.customer_id = c.id";

#[async_trait]
impl Store for SqliteStore {
    async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await.map_err(StoreError::Migration)
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(translate)?;
        Ok(())
    }

    async fn begin(&self) -> Result<Box<dyn Tx>> {
        // IMMEDIATE takes the write lock up front, so two writers queue on the busy timeout
        // instead of one failing when it upgrades a read lock.
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(translate)?;
        Ok(Box::new(SqliteTx(tx)))
    }

    async fn setting(&self, key: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(translate)
    }

    async fn partner(&self, id: PartnerId) -> Result<Option<Partner>> {
        let row = sqlx::query("SELECT id, name, portal_domain, created_at FROM partners WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(translate)?;
        let Some(row) = row else { return Ok(None) };
        let name: String = row.try_get("name").map_err(translate)?;
        let portal: Option<String> = row.try_get("portal_domain").map_err(translate)?;
        Ok(Some(Partner {
            id,
            name: CompanyName::parse(&name).map_err(corrupt("partner name"))?,
            portal_domain: portal
                .map(|p| PortalDomain::parse(&p))
                .transpose()
                .map_err(corrupt("portal"))?,
            created_at: time(row.try_get("created_at").map_err(translate)?)?,
        }))
    }

    async fn customers(&self, partner: PartnerId) -> Result<Vec<Customer>> {
        let rows = sqlx::query(const_format(
            CUSTOMER_SELECT,
            " WHERE c.partner_id = ? ORDER BY c.created_at, c.id, d.position",
        ))
        .bind(partner.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        customers_from_rows(&rows)
    }

    async fn customer(&self, partner: PartnerId, id: CustomerId) -> Result<Option<Customer>> {
        let rows = sqlx::query(const_format(
            CUSTOMER_SELECT,
            " WHERE c.partner_id = ? AND c.id = ? ORDER BY d.position",
        ))
        .bind(partner.to_string())
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        Ok(customers_from_rows(&rows)?.pop())
    }

    async fn user(&self, scope: CustomerScope, id: UserId) -> Result<Option<User>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE customer_id = ? AND id = ? AND partner_id = ?"
        ))
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
        macro_rules! page {
            ($column:literal, $cmp:literal, $dir:literal) => {
                (
                    concat!(
                        "SELECT ",
                        user_columns!(),
                        " FROM users WHERE customer_id = ? AND partner_id = ? AND state = ?",
                        " ORDER BY ",
                        $column,
                        " ",
                        $dir,
                        ", id ",
                        $dir,
                        " LIMIT ?"
                    ),
                    concat!(
                        "SELECT ",
                        user_columns!(),
                        " FROM users WHERE customer_id = ? AND partner_id = ? AND state = ?",
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
                        " LIMIT ?"
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
            .bind(scope.customer.to_string())
            .bind(scope.partner.to_string())
            .bind(query.state.as_str());
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

    async fn response(
        &self,
        partner: PartnerId,
        key: &IdempotencyKey,
        since: DateTime<Utc>,
    ) -> Result<Option<StoredResponse>> {
        let row = sqlx::query(
            "SELECT status, body, created_at FROM idempotent_responses \
             WHERE partner_id = ? AND request_id = ? AND fingerprint = ? AND created_at >= ?",
        )
        .bind(partner.to_string())
        .bind(&key.request_id)
        .bind(&key.fingerprint)
        .bind(millis(since))
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

    async fn user_roles(&self, scope: CustomerScope, user: UserId) -> Result<Vec<DirectoryRoleId>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT role_id FROM role_members WHERE customer_id = ? AND user_id = ? AND partner_id = ? ORDER BY role_id",
        )
        .bind(scope.customer.to_string())
        .bind(user.to_string())
        .bind(scope.partner.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        ids.iter().map(|id| id.parse().map_err(corrupt("role id"))).collect()
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
            " FROM users WHERE customer_id = ?1 AND partner_id = ?3 AND state = 'active' AND id IN",
            " (SELECT user_id FROM role_members WHERE customer_id = ?1 AND role_id = ?2 AND partner_id = ?3)",
            " AND (?4 IS NULL OR id > ?4) ORDER BY id LIMIT ?5"
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

    async fn audit_records(&self, partner: PartnerId, query: &AuditQuery) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, customer_id, resource_id, operation, outcome, request_id, correlation_id \
             FROM audit_records WHERE partner_id = ?1 AND at >= ?2 AND at < ?3 \
             AND (?4 IS NULL OR customer_id = ?4) AND (?5 IS NULL OR resource_id = ?5) \
             AND (?6 IS NULL OR operation = ?6) AND (?7 IS NULL OR correlation_id = ?7) \
             AND (?8 IS NULL OR (at, id) < (?8, ?9)) ORDER BY at DESC, id DESC LIMIT ?10",
        )
        .bind(partner.to_string())
        .bind(millis(query.from))
        .bind(millis(query.to))
        .bind(query.customer.map(|c| c.to_string()))
        .bind(query.resource.clone())
        .bind(query.operation.map(Operation::as_str))
        .bind(query.correlation_id.clone())
        .bind(query.after.map(|(at, _)| millis(at)))
        .bind(query.after.map(|(_, id)| id.to_string()))
        .bind(i64::from(query.limit))
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        rows.iter().map(|row| audit_from_row(partner, row)).collect()
    }

    async fn deleted_before(&self, cutoff: DateTime<Utc>, limit: u32) -> Result<Vec<(CustomerScope, UserId)>> {
        let rows = sqlx::query(
            "SELECT partner_id, customer_id, id FROM users \
             WHERE state = 'inactive' AND soft_deleted_at < ? ORDER BY soft_deleted_at LIMIT ?",
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

/// Joins two static SQL fragments; they are constants, so the result is safe to execute.
fn const_format(a: &'static str, b: &'static str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(format!("{a}{b}"))
}

/// A write transaction on the SQLite store.
struct SqliteTx(Transaction<'static, Sqlite>);

#[async_trait]
impl Tx for SqliteTx {
    async fn setting_or_insert(&mut self, key: &str, value: &str) -> Result<String> {
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&mut *self.0)
            .await
            .map_err(translate)?;
        sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_one(&mut *self.0)
            .await
            .map_err(translate)
    }

    async fn insert_partner(&mut self, partner: &Partner) -> Result<()> {
        sqlx::query("INSERT INTO partners (id, name, portal_domain, created_at) VALUES (?, ?, ?, ?)")
            .bind(partner.id.to_string())
            .bind(partner.name.as_str())
            .bind(partner.portal_domain.as_ref().map(|d| d.as_str().to_owned()))
            .bind(millis(partner.created_at))
            .execute(&mut *self.0)
            .await
            .map_err(translate)?;
        Ok(())
    }

    async fn insert_customer(&mut self, customer: &Customer) -> Result<()> {
        sqlx::query(
            "INSERT INTO customers (id, partner_id, company_name, provider_instance_id, created_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(customer.id.to_string())
        .bind(customer.partner.to_string())
        .bind(customer.company_name.as_str())
        .bind(customer.provider_instance.to_string())
        .bind(millis(customer.created_at))
        .execute(&mut *self.0)
        .await
        .map_err(translate)?;
        for (position, domain) in (0_i64..).zip(&customer.domains) {
            sqlx::query("INSERT INTO customer_domains (customer_id, domain, position) VALUES (?, ?, ?)")
                .bind(customer.id.to_string())
                .bind(domain.as_str())
                .bind(position)
                .execute(&mut *self.0)
                .await
                .map_err(translate)?;
        }
        Ok(())
    }

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
            "INSERT INTO users (customer_id, id, partner_id, upn, upn_lower, first_name, last_name, \
             display_name, usage_location, state, soft_deleted_at, force_change_password, password_hash, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            "INSERT INTO audit_records (partner_id, id, at, actor, customer_id, resource_id, operation, \
             outcome, request_id, correlation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

    async fn insert_response(&mut self, partner: PartnerId, response: &StoredResponse) -> Result<()> {
        sqlx::query(
            "INSERT INTO idempotent_responses (partner_id, request_id, fingerprint, status, body, created_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(partner.to_string())
        .bind(&response.key.request_id)
        .bind(&response.key.fingerprint)
        .bind(i64::from(response.status))
        .bind(&response.body)
        .bind(millis(response.created_at))
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

    async fn commit(self: Box<Self>) -> Result<()> {
        self.0.commit().await.map_err(translate)
    }
}
