//! tenantdesk's SQLite store: one file, WAL journal, writers serialised by `BEGIN IMMEDIATE`; it
//! implements `tenantdesk-store`'s traits.
//!
//! Modules: one per feature (`partners`, `customers`, `users`, `roles`, `audit`, `idempotency`,
//! `agents`), as in the PostgreSQL driver, and `reader`, the rusqlite reader threads of the hot
//! reads. Migrations in `migrations/`.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};
use tenantdesk_domain::{
    CustomerId, DisplayName, PersonName, UsageLocation, User, UserId, UserPrincipalName, UserState,
};
use uuid::Uuid;

use tenantdesk_store::{Conflict, Result, Store, StoreError, Tx};

/// When SQLite acknowledges a commit, as its `synchronous` setting says (the journal is WAL).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Synchronous {
    /// `FULL`: every commit is on disk before it is acknowledged; nothing acknowledged is lost,
    /// even to a power loss. The default.
    #[default]
    Full,
    /// `NORMAL`: commits are synced to disk at checkpoints only. Still safe against a crash of the
    /// process, but a power loss or an operating system crash can take back the last commits.
    Normal,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A tenantdesk database in one SQLite file: a pool of sqlx connections for writes and most
/// reads, and reader threads on rusqlite for the hot reads (`reader`).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// `None` for an in-memory database, which other connections cannot see.
    readers: Option<Arc<reader::Readers>>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at a `sqlite://PATH` URL. Does not migrate.
    pub async fn open(url: &str) -> Result<Self> {
        Self::connect(url, true, Synchronous::Full).await
    }

    /// [`SqliteStore::open`], acknowledging commits as `synchronous` says.
    pub async fn open_with(url: &str, synchronous: Synchronous) -> Result<Self> {
        Self::connect(url, true, synchronous).await
    }

    /// Opens the database at a `sqlite://PATH` URL, which must exist (a source to copy from).
    pub async fn open_existing(url: &str) -> Result<Self> {
        Self::connect(url, false, Synchronous::Full).await
    }

    async fn connect(url: &str, create: bool, synchronous: Synchronous) -> Result<Self> {
        let synchronous = match synchronous {
            Synchronous::Full => sqlx::sqlite::SqliteSynchronous::Full,
            Synchronous::Normal => sqlx::sqlite::SqliteSynchronous::Normal,
        };
        let options = SqliteConnectOptions::from_str(url)
            .map_err(translate)?
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if create && !in_memory {
            create_owner_only(options.get_filename()).map_err(|e| StoreError::database(sqlx::Error::Io(e)))?;
        }
        let path = options.get_filename().to_owned();
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(translate)?;
        // Opened once the pool has made the file and put it in WAL mode.
        let readers = if in_memory {
            None
        } else {
            let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
            Some(Arc::new(reader::Readers::open(&path, cores.max(2))?))
        };
        Ok(Self { pool, readers })
    }

    /// The connection pool, for the SQLite-to-PostgreSQL copy (`tenantdesk copy`).
    pub fn pool(&self) -> &SqlitePool {
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
        } else if message.contains("agents.upn_lower") {
            Conflict::AgentUpn
        } else if message.contains("idempotent_responses.") {
            Conflict::IdempotencyKey
        } else {
            Conflict::Id
        };
        return StoreError::Conflict(kind);
    }
    StoreError::database(error)
}

fn corrupt<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> StoreError {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

/// A column of a row, a decoding failure translated like any database error.
fn get<'r, T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>>(row: &'r SqliteRow, column: &str) -> Result<T> {
    row.try_get(column).map_err(translate)
}

/// An id, which SQLite keeps as text.
fn uuid(row: &SqliteRow, column: &str) -> Result<Uuid> {
    Uuid::parse_str(&get::<String>(row, column)?).map_err(corrupt("id"))
}

/// A time, which SQLite keeps as Unix milliseconds.
fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

/// The time of Unix milliseconds read from SQLite.
fn time(millis: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(millis).ok_or_else(|| StoreError::Corrupt(format!("time {millis}")))
}

macro_rules! user_columns {
    () => {
        "customer_id, id, upn, first_name, last_name, display_name, usage_location, state, \
         soft_deleted_at, force_change_password, created_at, updated_at"
    };
}

fn user_from_row(row: &SqliteRow) -> Result<User> {
    let person = |value: Option<String>| -> Result<Option<PersonName>> {
        value.map_or(Ok(None), |v| PersonName::parse(&v).map_err(corrupt("name")))
    };
    let state: String = get(row, "state")?;
    Ok(User {
        id: UserId::from_uuid(uuid(row, "id")?),
        customer: CustomerId::from_uuid(uuid(row, "customer_id")?),
        upn: UserPrincipalName::parse(&get::<String>(row, "upn")?).map_err(corrupt("upn"))?,
        first_name: person(get(row, "first_name")?)?,
        last_name: person(get(row, "last_name")?)?,
        display_name: DisplayName::parse(&get::<String>(row, "display_name")?).map_err(corrupt("display name"))?,
        usage_location: UsageLocation::parse(&get::<String>(row, "usage_location")?).map_err(corrupt("location"))?,
        state: UserState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state}")))?,
        soft_deleted_at: get::<Option<i64>>(row, "soft_deleted_at")?.map(time).transpose()?,
        force_change_password: get(row, "force_change_password")?,
        created_at: time(get(row, "created_at")?)?,
        updated_at: time(get(row, "updated_at")?)?,
    })
}

// One file per feature, each implementing its `…Reads` trait on the store and its `…Writes`
// trait on the transaction; they share the helpers above.
mod agents;
mod audit;
mod customers;
mod idempotency;
mod partners;
mod reader;
mod roles;
mod users;

#[async_trait]
impl Store for SqliteStore {
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

    async fn commit(self: Box<Self>) -> Result<()> {
        self.0.commit().await.map_err(translate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page's statement is prepared once per reader connection, however often it is bound
    /// (SQLite prepares a statement again at every bind when a bound value steers its plan).
    #[tokio::test]
    async fn a_page_statement_is_not_prepared_again_at_each_bind() {
        use tenantdesk_store::{SortField, UserQuery};
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = SqliteStore::open(&url).await.unwrap();
        store.migrate().await.unwrap();
        let readers = reader::Readers::open(&dir.path().join("test.db"), 1).unwrap();
        for (state, after) in [(UserState::Active, false), (UserState::Inactive, true)] {
            let query = UserQuery {
                state,
                sort: SortField::DisplayName,
                descending: after,
                after: after.then(|| tenantdesk_store::UserCursor {
                    sort_value: "b".to_owned(),
                    id: UserId::new(),
                }),
                limit: 10,
                search: None,
            };
            let sql = users::page_sql(&query);
            let reprepared = readers
                .run(move |connection| {
                    for limit in [11_i64, 101, 7] {
                        let mut statement = connection.prepare_cached(sql).map_err(reader::failed)?;
                        let mut rows = if after {
                            statement.query(rusqlite::params!["c", "p", "an", "an", "an", "b", "u", limit])
                        } else {
                            statement.query(rusqlite::params![
                                "c",
                                "p",
                                None::<String>,
                                None::<String>,
                                None::<String>,
                                limit
                            ])
                        }
                        .map_err(reader::failed)?;
                        while rows.next().map_err(reader::failed)?.is_some() {}
                    }
                    let statement = connection.prepare_cached(sql).map_err(reader::failed)?;
                    Ok(statement.get_status(rusqlite::StatementStatus::RePrepare))
                })
                .await
                .unwrap();
            assert_eq!(reprepared, 0, "{sql}");
        }
    }

    /// A stored user whose values break the domain's rules (written by hand, or by another
    /// program) is reported as corrupt, read alone or in a page, not served.
    #[tokio::test]
    async fn a_stored_user_that_breaks_the_rules_is_corrupt_not_served() {
        use tenantdesk_domain::PartnerId;
        use tenantdesk_store::CustomerScope;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("test.db");
        let store = SqliteStore::open(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let scope = CustomerScope {
            partner: PartnerId::new(),
            customer: CustomerId::new(),
        };
        let id = UserId::new();
        let by_hand = rusqlite::Connection::open(&path).unwrap();
        by_hand
            .execute(
                "INSERT INTO partners (id, name, created_at) VALUES (?1, 'Contoso', 0)",
                [scope.partner.as_uuid().to_string()],
            )
            .unwrap();
        by_hand
            .execute(
                "INSERT INTO customers (id, partner_id, company_name, provider_instance_id, created_at) \
                 VALUES (?1, ?2, 'Fabrikam', ?1, 0)",
                [
                    scope.customer.as_uuid().to_string(),
                    scope.partner.as_uuid().to_string(),
                ],
            )
            .unwrap();
        by_hand
            .execute(
                "INSERT INTO users (customer_id, id, partner_id, upn, upn_lower, display_name, usage_location, \
                 state, force_change_password, password_hash, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, 'ana at contoso.com', 'ana at contoso.com', 'Ana', 'US', 'active', 0, \
                 '$argon2id$x', 0, 0)",
                rusqlite::params![
                    scope.customer.as_uuid().to_string(),
                    id.as_uuid().to_string(),
                    scope.partner.as_uuid().to_string()
                ],
            )
            .unwrap();
        tenantdesk_store::testing::assert_reported_as_corrupt(&store, scope, id, "upn").await;
    }

    /// A read that would wait for a lock is not run in place (where it must not wait) but on a
    /// reader thread, which waits for the lock and then answers.
    #[tokio::test]
    async fn a_read_that_must_wait_goes_to_a_reader_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("test.db");
        let url = format!("sqlite://{}", path.display());
        let store = SqliteStore::open(&url).await.unwrap();
        store.migrate().await.unwrap();
        store.pool.close().await;
        drop(store);
        // Another process holding the file exclusively, for a moment.
        let holder = rusqlite::Connection::open(&path).unwrap();
        holder
            .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; SELECT count(*) FROM users; COMMIT;")
            .unwrap();
        let readers = reader::Readers::open(&path, 1).unwrap();
        let count = |connection: &rusqlite::Connection| {
            connection
                .query_row("SELECT count(*) FROM users", [], |row| row.get::<_, i64>(0))
                .map_err(reader::failed)
        };
        assert!(readers.run_here(&count).is_none(), "a read in place does not wait");
        let released = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            drop(holder);
        });
        assert_eq!(readers.run(count).await.unwrap(), 0);
        released.join().unwrap();
    }

    async fn synchronous_of(store: &SqliteStore) -> i64 {
        sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&store.pool)
            .await
            .unwrap()
    }

    /// A commit is acknowledged once on disk (`FULL` = 2) unless `NORMAL` (1) is asked for.
    #[tokio::test]
    async fn commits_are_synced_unless_asked_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        assert_eq!(synchronous_of(&SqliteStore::open(&url).await.unwrap()).await, 2);
        let default = Synchronous::default();
        assert_eq!(
            synchronous_of(&SqliteStore::open_with(&url, default).await.unwrap()).await,
            2
        );
        let normal = SqliteStore::open_with(&url, Synchronous::Normal).await.unwrap();
        assert_eq!(synchronous_of(&normal).await, 1);
    }
}
