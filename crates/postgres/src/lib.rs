//! tenantdesk's PostgreSQL store: several stateless tenantdesk instances share one database. Row
//! locks (`FOR UPDATE`) serialise the changes of one user; the purge skips rows another instance
//! holds. It implements `tenantdesk-store`'s traits.
//!
//! Modules: one per feature (`partners`, `customers`, `users`, `roles`, `audit`, `idempotency`,
//! `agents`), as in the SQLite driver; `lookups`, where users asked for at the same moment are
//! read in one statement; `testing` (feature `testing`), a database per test. Migrations in
//! `migrations/`.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow, PgTypeInfo, PgValueFormat};
use sqlx::{Column as _, ColumnIndex, PgPool, Postgres, Row, Transaction, Type, TypeInfo as _, ValueRef as _};
use tenantdesk_domain::{
    CustomerId, DisplayName, PersonName, UsageLocation, User, UserId, UserPrincipalName, UserState,
};
use uuid::Uuid;

use tenantdesk_store::{Conflict, Result, Store, StoreError, Tx};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How to connect to the PostgreSQL server.
#[derive(Clone, Debug)]
pub struct PostgresOptions {
    /// The most connections the pool opens.
    pub pool_size: u32,
    /// The longest a statement may run before the server cancels it.
    pub statement_timeout: Option<Duration>,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self {
            pool_size: 10,
            statement_timeout: Some(Duration::from_secs(30)),
        }
    }
}

/// A tenantdesk database on a PostgreSQL server.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    lookups: lookups::UserLookups,
}

impl PostgresStore {
    /// Connects to the database of a `postgres://` URL (TLS as its `sslmode` says), and starts the
    /// tasks that look users up on the current runtime. Does not migrate.
    pub async fn open(url: &str, options: &PostgresOptions) -> Result<Self> {
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

    /// The connection pool, for the SQLite-to-PostgreSQL copy (`tenantdesk copy`).
    pub fn pool(&self) -> &PgPool {
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
    StoreError::database(error)
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

/// The users of the rows of one statement, whose first columns are `user_columns!()`. Their types
/// are checked once, on the first row: every row of a statement has the same columns.
fn users_from_rows(rows: &[PgRow]) -> Result<Vec<User>> {
    if let Some(first) = rows.first() {
        check_user_columns(first)?;
    }
    rows.iter().map(decode_user).collect()
}

/// A user from a row whose first columns are `user_columns!()`.
fn user_from_row(row: &PgRow) -> Result<User> {
    check_user_columns(row)?;
    decode_user(row)
}

/// Checks that the first columns of `row` have the types [`decode_user`] reads them as, by the test
/// [`Row::try_get`] makes for each value it decodes that is not NULL: 1,200 times for a page of
/// users, whose decoding took a quarter of the server's time (BENCHMARKS.md). Here a column is
/// checked whatever its value.
fn check_user_columns(row: &PgRow) -> Result<()> {
    const STR: fn(&PgTypeInfo) -> bool = <&str as Type<Postgres>>::compatible;
    const UUID: fn(&PgTypeInfo) -> bool = <Uuid as Type<Postgres>>::compatible;
    const TIME: fn(&PgTypeInfo) -> bool = <DateTime<Utc> as Type<Postgres>>::compatible;
    const BOOL: fn(&PgTypeInfo) -> bool = <bool as Type<Postgres>>::compatible;
    let types = [UUID, UUID, STR, STR, STR, STR, STR, STR, TIME, BOOL, TIME, TIME];
    for (index, compatible) in types.into_iter().enumerate() {
        let column = row.columns().get(index).ok_or_else(|| {
            StoreError::database(sqlx::Error::ColumnIndexOutOfBounds {
                index,
                len: row.columns().len(),
            })
        })?;
        if !compatible(column.type_info()) {
            return Err(StoreError::Corrupt(format!(
                "column {} is of type {}",
                column.name(),
                column.type_info().name()
            )));
        }
    }
    Ok(())
}

/// A user from a row whose first columns are `user_columns!()` and of the types
/// [`check_user_columns`] checked, read by position, its text borrowed from the row (a page
/// decodes a hundred).
fn decode_user(row: &PgRow) -> Result<User> {
    let at = |column: usize| -> Result<&str> { row.try_get_unchecked(column).map_err(translate) };
    let person = |column: usize| -> Result<Option<PersonName>> {
        let value: Option<&str> = row.try_get_unchecked(column).map_err(translate)?;
        value.map_or(Ok(None), |v| PersonName::parse(v).map_err(corrupt("name")))
    };
    let state = at(7)?;
    Ok(User {
        customer: CustomerId::from_uuid(row.try_get_unchecked(0).map_err(translate)?),
        id: UserId::from_uuid(row.try_get_unchecked(1).map_err(translate)?),
        upn: UserPrincipalName::parse(at(2)?).map_err(corrupt("upn"))?,
        first_name: person(3)?,
        last_name: person(4)?,
        display_name: DisplayName::parse(at(5)?).map_err(corrupt("display name"))?,
        usage_location: UsageLocation::parse(at(6)?).map_err(corrupt("location"))?,
        state: UserState::parse(state).ok_or_else(|| StoreError::Corrupt(format!("state {state}")))?,
        soft_deleted_at: timestamp(row, 8)?,
        force_change_password: row.try_get_unchecked(9).map_err(translate)?,
        created_at: time(row, 10)?,
        updated_at: time(row, 11)?,
    })
}

/// PostgreSQL's epoch, 2000-01-01T00:00:00Z, in microseconds since the Unix epoch.
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// The time in `column` of `row` (a position or a name), or `None` for NULL; every time the store
/// reads goes through here. In the binary format (any prepared statement's), it is read as the
/// microseconds since PostgreSQL's epoch it is: sqlx's decoding builds that epoch and adds them to
/// it for each value, a quarter of a page's decoding. A time past what a [`DateTime`] holds
/// (`infinity`, year 270,000), which sqlx's decoding answers with a panic, and a column of another
/// type than `timestamptz`, are corrupt; the text format, which no statement of the store's is read
/// in, is sqlx's to read.
fn timestamp<I: ColumnIndex<PgRow> + Copy>(row: &PgRow, column: I) -> Result<Option<DateTime<Utc>>> {
    let value = row.try_get_raw(column).map_err(translate)?;
    if value.is_null() {
        return Ok(None);
    }
    let kind = value.type_info();
    if !<DateTime<Utc> as Type<Postgres>>::compatible(&kind) {
        return Err(StoreError::Corrupt(format!(
            "column {column:?} is of type {}",
            kind.name()
        )));
    }
    if value.format() == PgValueFormat::Text {
        return row.try_get_unchecked(column).map_err(translate);
    }
    let bytes = value
        .as_bytes()
        .map_err(|e| StoreError::Corrupt(format!("time: {e}")))?;
    let micros = <[u8; 8]>::try_from(bytes)
        .map(i64::from_be_bytes)
        .map_err(|_| StoreError::Corrupt(format!("time of {} bytes", bytes.len())))?;
    micros
        .checked_add(POSTGRES_EPOCH_MICROS)
        .and_then(DateTime::from_timestamp_micros)
        .map(Some)
        .ok_or_else(|| StoreError::Corrupt(format!("time {micros} µs after 2000 out of range")))
}

/// The time in `column` of `row`, which may not be NULL.
fn time<I: ColumnIndex<PgRow> + Copy>(row: &PgRow, column: I) -> Result<DateTime<Utc>> {
    timestamp(row, column)?.ok_or_else(|| StoreError::Corrupt(format!("column {column:?}, a time, is NULL")))
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
#[cfg(feature = "testing")]
pub mod testing;
mod users;

#[async_trait]
impl Store for PostgresStore {
    async fn migrate(&self) -> Result<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Migration(Box::new(e)))
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
    use tenantdesk_domain::PartnerId;

    use super::*;
    use crate::testing::TestDatabase;
    use tenantdesk_store::CustomerScope;

    #[tokio::test]
    async fn a_statement_running_past_the_timeout_is_cancelled() {
        let Some(database) = TestDatabase::create("statement timeout").await else {
            return;
        };
        let options = PostgresOptions {
            pool_size: 1,
            statement_timeout: Some(Duration::from_millis(200)),
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

    #[tokio::test]
    async fn times_are_read_as_sqlx_reads_them_and_a_time_past_range_is_corrupt() {
        let Some(database) = TestDatabase::create("times").await else {
            return;
        };
        let pool = PgPool::connect(&database.url).await.unwrap();
        let times = [
            "4713-01-01 00:00:00+00 BC",
            "1900-01-01 00:00:00.000001+00",
            "1969-12-31 23:59:59.999999+00",
            "1970-01-01 00:00:00+00",
            "1999-12-31 23:59:59.999999+00",
            "2000-01-01 00:00:00+00",
            "2026-12-04 19:40:04.123456+02",
            "9999-12-31 23:59:59.999999+00",
        ];
        for time in times {
            // A prepared statement's rows come in the binary format, a plain query's in text.
            let prepared = sqlx::query("SELECT $1::text::timestamptz")
                .bind(time)
                .fetch_one(&pool)
                .await
                .unwrap();
            let plain = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("SELECT '{time}'::timestamptz")))
                .fetch_one(&pool)
                .await
                .unwrap();
            let expected: DateTime<Utc> = prepared.try_get(0).unwrap();
            assert_eq!(timestamp(&prepared, 0).unwrap(), Some(expected), "{time}");
            // sqlx's reading of the text format, which this one hands over to, reads no years BC.
            if !time.ends_with("BC") {
                assert_eq!(timestamp(&plain, 0).unwrap(), Some(expected), "{time} as text");
            }
        }
        let null = sqlx::query("SELECT NULL::timestamptz").fetch_one(&pool).await.unwrap();
        assert_eq!(timestamp(&null, 0).unwrap(), None);
        for past in ["infinity", "-infinity", "270000-01-01 00:00:00+00"] {
            let row = sqlx::query("SELECT $1::text::timestamptz")
                .bind(past)
                .fetch_one(&pool)
                .await
                .unwrap();
            assert!(
                matches!(timestamp(&row, 0), Err(StoreError::Corrupt(why)) if why.contains("out of range")),
                "{past}"
            );
        }
        let other = sqlx::query("SELECT now()::timestamp AS at")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(
            matches!(timestamp(&other, "at"), Err(StoreError::Corrupt(why)) if why.contains("is of type TIMESTAMP")),
            "a time without its time zone"
        );
        assert!(matches!(time(&null, 0), Err(StoreError::Corrupt(why)) if why.contains("is NULL")));
    }

    /// Every time the store reads goes through [`timestamp`]: a partner's, here, past what a date
    /// holds is reported as corrupt, where sqlx's decoding would panic.
    #[tokio::test]
    async fn a_partner_created_at_infinity_is_corrupt() {
        use tenantdesk_store::PartnerReads as _;
        let Some(database) = TestDatabase::create("partner time").await else {
            return;
        };
        let (store, scope, _) = store_with_user(&database, "ana@contoso.com").await;
        sqlx::query("UPDATE partners SET created_at = 'infinity' WHERE id = $1")
            .bind(scope.partner.as_uuid())
            .execute(store.pool())
            .await
            .unwrap();
        let partner = store.partner(scope.partner).await;
        assert!(
            matches!(&partner, Err(StoreError::Corrupt(why)) if why.contains("out of range")),
            "{partner:?}"
        );
    }

    #[tokio::test]
    async fn a_user_column_of_another_type_is_refused_for_every_row() {
        let Some(database) = TestDatabase::create("user columns").await else {
            return;
        };
        let pool = PgPool::connect(&database.url).await.unwrap();
        let user = |created_at: &str| {
            format!(
                "SELECT gen_random_uuid(), gen_random_uuid(), 'ana' || n || '@contoso.com', 'Ana', NULL, \
                 'Ana ' || n, 'US', 'active', NULL::timestamptz, false, {created_at}, now() \
                 FROM generate_series(1, 3) AS n"
            )
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(user("now()")))
            .fetch_all(&pool)
            .await
            .unwrap();
        let users = users_from_rows(&rows).unwrap();
        assert_eq!(users.len(), 3);
        assert_eq!(users[2].upn.as_str(), "ana3@contoso.com");
        assert_eq!(users[0].last_name, None);
        assert!(user_from_row(&rows[1]).is_ok());

        for other in ["now()::text", "now()::timestamp", "42"] {
            let rows = sqlx::query(sqlx::AssertSqlSafe(user(other)))
                .fetch_all(&pool)
                .await
                .unwrap();
            let refused = users_from_rows(&rows).unwrap_err();
            assert!(
                matches!(&refused, StoreError::Corrupt(why) if why.contains("is of type")),
                "{other}: {refused:?}"
            );
            assert!(user_from_row(&rows[2]).is_err(), "{other}");
        }
        let short = sqlx::query("SELECT gen_random_uuid(), gen_random_uuid()")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert!(users_from_rows(&short).is_err());
    }

    /// A migrated store on a database of its own, with a user of `upn` written by hand, its
    /// partner and customer with it.
    async fn store_with_user(database: &TestDatabase, upn: &str) -> (PostgresStore, CustomerScope, UserId) {
        let store = PostgresStore::open(&database.url, &PostgresOptions::default())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let scope = CustomerScope {
            partner: PartnerId::new(),
            customer: CustomerId::new(),
        };
        let id = UserId::new();
        sqlx::query("INSERT INTO partners (id, name, created_at) VALUES ($1, 'Contoso', now())")
            .bind(scope.partner.as_uuid())
            .execute(store.pool())
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO customers (id, partner_id, company_name, provider_instance_id, created_at) \
             VALUES ($1, $2, 'Fabrikam', $1, now())",
        )
        .bind(scope.customer.as_uuid())
        .bind(scope.partner.as_uuid())
        .execute(store.pool())
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO users (customer_id, id, partner_id, upn, upn_lower, display_name, usage_location, \
             state, force_change_password, password_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, lower($4), 'Ana', 'US', 'active', false, '$argon2id$x', now(), now())",
        )
        .bind(scope.customer.as_uuid())
        .bind(id.as_uuid())
        .bind(scope.partner.as_uuid())
        .bind(upn)
        .execute(store.pool())
        .await
        .unwrap();
        (store, scope, id)
    }

    /// A stored user whose values break the domain's rules (written by hand, or by another
    /// program) is reported as corrupt, read alone or in a page, not served.
    #[tokio::test]
    async fn a_stored_user_that_breaks_the_rules_is_corrupt_not_served() {
        let Some(database) = TestDatabase::create("corrupt user").await else {
            return;
        };
        let (store, scope, id) = store_with_user(&database, "ana at contoso.com").await;
        tenantdesk_store::testing::assert_reported_as_corrupt(&store, scope, id, "upn").await;
    }

    /// A column of another type than the one a user is read as is refused by a read of one user
    /// (the lookups) and by a page, where it would be read without the check: a `timestamp`
    /// has the bytes of a `timestamptz`.
    #[tokio::test]
    async fn a_user_column_of_another_type_is_refused_by_every_read() {
        let Some(database) = TestDatabase::create("column type").await else {
            return;
        };
        let (store, scope, id) = store_with_user(&database, "ana@contoso.com").await;
        // Before any read, so that no connection holds a statement prepared for the old type.
        sqlx::query("ALTER TABLE users ALTER COLUMN created_at TYPE timestamp")
            .execute(store.pool())
            .await
            .unwrap();
        tenantdesk_store::testing::assert_reported_as_corrupt(&store, scope, id, "column created_at is of type").await;
    }
}
