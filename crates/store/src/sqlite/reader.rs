//! The SQLite store's hot reads (a user, a page of users) on rusqlite: a few blocking threads,
//! each with a connection of its own that only reads and keeps its prepared statements, fed from
//! one queue. A read waits in the queue, never on the async runtime; under load a thread takes
//! the next read without going to sleep in between, which is what the per-connection worker
//! threads of sqlx's SQLite driver cannot do for a request that needs a pool connection first.
//!
//! The connections read the same file, in WAL mode: each read sees every transaction committed
//! before it began, as the pool's connections do.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tenantdesk_domain::{
    CustomerId, DisplayName, PersonName, UsageLocation, User, UserId, UserPrincipalName, UserState,
};
use uuid::Uuid;

use super::{corrupt, time};
use crate::{Result, StoreError};

/// A read to run on a reader thread.
type Job = Box<dyn FnOnce(&Connection) + Send>;

/// How many prepared statements each connection keeps (the user, and the sixteen list queries).
const STATEMENTS: usize = 32;

/// The reader threads; they end when this is dropped.
#[derive(Debug)]
pub(super) struct Readers {
    jobs: flume::Sender<Job>,
}

impl Readers {
    /// `threads` readers of the database file at `path`.
    pub(super) fn open(path: &Path, threads: usize) -> Result<Self> {
        let (jobs, queue) = flume::unbounded::<Job>();
        for n in 0..threads.max(1) {
            let connection = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
            )
            .map_err(failed)?;
            connection.busy_timeout(Duration::from_secs(30)).map_err(failed)?;
            // These connections only ever read.
            connection.pragma_update(None, "query_only", true).map_err(failed)?;
            connection.set_prepared_statement_cache_capacity(STATEMENTS);
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("sqlite-reader-{n}"))
                .spawn(move || {
                    while let Ok(job) = queue.recv() {
                        job(&connection);
                    }
                })
                .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        Ok(Self { jobs })
    }

    /// Runs `read` on a reader thread and hands back what it returns.
    pub(super) async fn run<T: Send + 'static>(
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

fn gone() -> StoreError {
    StoreError::Database(sqlx::Error::WorkerCrashed)
}

/// A rusqlite error, as the store reports any database failure.
pub(super) fn failed(error: rusqlite::Error) -> StoreError {
    StoreError::Sqlite(error)
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
