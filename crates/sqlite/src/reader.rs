//! The SQLite store's hot reads (a user, a page of users) on rusqlite, with connections that
//! only read and keep their prepared statements.
//!
//! A short read (a user, a page of at most 500 by an index) runs where it is asked, on a connection
//! taken from an idle set, if it can do so without waiting: those connections have no busy
//! timeout, so a read that would wait for a lock (a recovery, or another process holding the file
//! exclusively) fails at once and is handed to a few blocking reader threads, whose connections
//! wait as the pool's do. In WAL mode a read never waits for a writer, so the hand-off is rare; the
//! read itself is a cached statement, a few microseconds for a user when its pages are cached. A
//! search, which reads every user of a customer, always goes to the reader threads. Handing every
//! read to a thread cost two thread wake-ups per request, a fifth of the machine at full load
//! (BENCHMARKS.md).
//!
//! The connections read the same file, in WAL mode: each read sees every transaction committed
//! before it began, as the pool's connections do.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};
use tenantdesk_domain::{
    CustomerId, DisplayName, PersonName, UsageLocation, User, UserId, UserPrincipalName, UserState,
};
use uuid::Uuid;

use super::{corrupt, time};
use tenantdesk_store::{Result, StoreError};

/// A read to run on a reader thread.
type Job = Box<dyn FnOnce(&Connection) + Send>;

/// How many prepared statements each connection keeps (the user, and the sixteen list queries).
const STATEMENTS: usize = 32;

/// How many idle connections are kept for reads run in place: one per thread that reads at once.
const IDLE: usize = 16;

/// The read connections; the reader threads end when this is dropped.
#[derive(Debug)]
pub(super) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    jobs: flume::Sender<Job>,
}

impl Readers {
    /// Reads of the database file at `path`, with `threads` reader threads for those that wait.
    pub(super) fn open(path: &Path, threads: usize) -> Result<Self> {
        let (jobs, queue) = flume::unbounded::<Job>();
        for n in 0..threads.max(1) {
            let connection = connect(path, Duration::from_secs(30))?;
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("sqlite-reader-{n}"))
                .spawn(move || {
                    while let Ok(job) = queue.recv() {
                        job(&connection);
                    }
                })
                .map_err(|e| StoreError::database(sqlx::Error::Io(e)))?;
        }
        Ok(Self {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
            jobs,
        })
    }

    /// Runs `read` here if it need not wait for a lock, else on a reader thread, and hands back
    /// what it returns.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        read: impl Fn(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        match self.run_here(&read) {
            Some(done) => done,
            None => self.run_on_thread(read).await,
        }
    }

    /// `read` on an idle connection, or `None` if it would have to wait for a lock.
    pub(super) fn run_here<T>(&self, read: &impl Fn(&Connection) -> Result<T>) -> Option<Result<T>> {
        let taken = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let connection = match taken {
            Some(connection) => connection,
            None => match connect(&self.path, Duration::ZERO) {
                Ok(connection) => connection,
                Err(error) => return Some(Err(error)),
            },
        };
        let done = read(&connection);
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < IDLE {
            idle.push(connection);
        }
        match done {
            Err(StoreError::Database(error)) if would_wait(error.as_ref()) => None,
            done => Some(done),
        }
    }

    /// `read` on a reader thread, whose connection waits for locks: for a read too long to run on
    /// the runtime's thread.
    pub(super) async fn run_on_thread<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |connection| {
                // The caller went away (its request was dropped): nobody to answer.
                let _ = answer.send(read(connection));
            }))
            .map_err(|_| gone())?;
        answered.await.map_err(|_| gone())?
    }
}

/// A connection that only reads `path`, waiting up to `busy_timeout` for a lock.
fn connect(path: &Path, busy_timeout: Duration) -> Result<Connection> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(failed)?;
    connection.busy_timeout(busy_timeout).map_err(failed)?;
    // These connections only ever read.
    connection.pragma_update(None, "query_only", true).map_err(failed)?;
    connection.set_prepared_statement_cache_capacity(STATEMENTS);
    Ok(connection)
}

fn gone() -> StoreError {
    StoreError::database(sqlx::Error::WorkerCrashed)
}

/// A rusqlite error, as the store reports any database failure.
pub(super) fn failed(error: rusqlite::Error) -> StoreError {
    StoreError::database(error)
}

/// A text column.
fn text<'r>(row: &'r rusqlite::Row<'_>, column: usize) -> Result<&'r str> {
    row.get_ref(column)
        .map_err(failed)?
        .as_str()
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A text column that may be NULL.
fn optional_text<'r>(row: &'r rusqlite::Row<'_>, column: usize) -> Result<Option<&'r str>> {
    row.get_ref(column)
        .map_err(failed)?
        .as_str_or_null()
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A user from a row of `user_columns!()`, read by position, its text borrowed from the row.
pub(super) fn user_from_row(row: &rusqlite::Row<'_>) -> Result<User> {
    let id = |column| Uuid::parse_str(text(row, column)?).map_err(corrupt("id"));
    let person = |column| -> Result<Option<PersonName>> {
        optional_text(row, column)?.map_or(Ok(None), |v| PersonName::parse(v).map_err(corrupt("name")))
    };
    let millis = |column| -> Result<i64> { row.get(column).map_err(failed) };
    let state = text(row, 7)?;
    Ok(User {
        customer: CustomerId::from_uuid(id(0)?),
        id: UserId::from_uuid(id(1)?),
        upn: UserPrincipalName::parse(text(row, 2)?).map_err(corrupt("upn"))?,
        first_name: person(3)?,
        last_name: person(4)?,
        display_name: DisplayName::parse(text(row, 5)?).map_err(corrupt("display name"))?,
        usage_location: UsageLocation::parse(text(row, 6)?).map_err(corrupt("location"))?,
        state: UserState::parse(state).ok_or_else(|| StoreError::Corrupt(format!("state {state}")))?,
        soft_deleted_at: row.get::<_, Option<i64>>(8).map_err(failed)?.map(time).transpose()?,
        force_change_password: row.get(9).map_err(failed)?,
        created_at: time(millis(10)?)?,
        updated_at: time(millis(11)?)?,
    })
}

/// Whether `error` is SQLite's answer to a read that would have had to wait for a lock.
fn would_wait(error: &(dyn std::error::Error + 'static)) -> bool {
    matches!(
        error.downcast_ref::<rusqlite::Error>(),
        Some(rusqlite::Error::SqliteFailure(failure, _))
            if matches!(failure.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}
