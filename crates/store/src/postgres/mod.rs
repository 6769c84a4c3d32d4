//! The PostgreSQL store: several stateless tenantdesk instances share one database. Row locks
//! (`FOR UPDATE`) serialise the changes of one user; the purge skips rows another instance holds.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgPool, Postgres, Row, Transaction};
use tenantdesk_domain::{
    CustomerId, DisplayName, PersonName, UsageLocation, User, UserId, UserPrincipalName, UserState,
};

use crate::{Conflict, Result, Store, StoreError, StoreOptions, Tx};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A tenantdesk database on a PostgreSQL server.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    lookups: lookups::UserLookups,
}

impl PostgresStore {
    /// Connects to the database of a `postgres://` URL (TLS as its `sslmode` says), and starts the
    /// tasks that look users up on the current runtime. Does not migrate.
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
        let lookups = lookups::UserLookups::start(pool.clone(), lookups::TASKS.min(options.pool_size as usize));
        Ok(Self { pool, lookups })
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
            Some("agents_upn") => Conflict::AgentUpn,
            _ => Conflict::Id,
        };
        return StoreError::Conflict(kind);
    }
    StoreError::Database(error)
}

fn corrupt<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> StoreError {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

/// A column of a row, a decoding failure translated like any database error.
fn get<'r, T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>>(row: &'r PgRow, column: &str) -> Result<T> {
    row.try_get(column).map_err(translate)
}

macro_rules! user_columns {
    () => {
        "customer_id, id, upn, first_name, last_name, display_name, usage_location, state, \
         soft_deleted_at, force_change_password, created_at, updated_at"
    };
}

/// A user from a row whose first columns are `user_columns!()`, read by position, its text
/// borrowed from the row (a page decodes a hundred).
fn user_from_row(row: &PgRow) -> Result<User> {
    let at = |column: usize| -> Result<&str> { row.try_get(column).map_err(translate) };
    let person = |column: usize| -> Result<Option<PersonName>> {
        let value: Option<&str> = row.try_get(column).map_err(translate)?;
        value.map_or(Ok(None), |v| PersonName::parse(v).map_err(corrupt("name")))
    };
    let state = at(7)?;
    Ok(User {
        customer: CustomerId::from_uuid(row.try_get(0).map_err(translate)?),
        id: UserId::from_uuid(row.try_get(1).map_err(translate)?),
        upn: UserPrincipalName::parse(at(2)?).map_err(corrupt("upn"))?,
        first_name: person(3)?,
        last_name: person(4)?,
        display_name: DisplayName::parse(at(5)?).map_err(corrupt("display name"))?,
        usage_location: UsageLocation::parse(at(6)?).map_err(corrupt("location"))?,
        state: UserState::parse(state).ok_or_else(|| StoreError::Corrupt(format!("state {state}")))?,
        soft_deleted_at: row.try_get(8).map_err(translate)?,
        force_change_password: row.try_get(9).map_err(translate)?,
        created_at: row.try_get(10).map_err(translate)?,
        updated_at: row.try_get(11).map_err(translate)?,
    })
}

// One file per feature, each implementing its `…Reads` trait on the store and its `…Writes`
// trait on the transaction; they share the helpers above.
mod agents;
mod audit;
mod customers;
mod idempotency;
mod lookups;
mod partners;
mod roles;
mod users;

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
