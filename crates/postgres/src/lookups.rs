//! A user by id, the API's hottest read, with the lookups asked at the same moment answered by one
//! query.
//!
//! A few tasks take lookups from one queue: a task that is free takes every lookup waiting (up to
//! [`BATCH`]) and asks for all of them in one statement, each still scoped by its partner and
//! customer, then answers each from the rows. An idle store answers a lookup alone, as soon as it
//! is asked; under load, the lookups that arrive while the tasks are busy wait for the next free
//! one and go together. A statement costs PostgreSQL the same for one user as for a few dozen, so
//! this is what lets a GET cost less than a round trip of its own (BENCHMARKS.md). Each statement
//! is sent after every lookup in it was asked, so each sees every change committed before it was
//! asked, as a query of its own would.
//!
//! The tasks keep their connections from one statement to the next while lookups keep coming, and
//! give them back to the pool once none came for [`KEEP`]. sqlx's pool checks a connection with a
//! round trip of its own when it lends it and again when it takes it back: with a connection
//! borrowed for each statement, those two made three round trips of every one a lookup needs. The
//! tasks keep connections only if the pool has more than they need, so that other work always has
//! one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres};
use tenantdesk_domain::{User, UserId};
use tokio::sync::{Mutex, mpsc, oneshot};

use super::users::{Lock, user_in_scope};
use super::{check_user_columns, decode_user, get, translate};
use tenantdesk_store::{CustomerScope, Result, StoreError};

/// At most this many lookups go in one statement.
const BATCH: usize = 64;

/// How many tasks answer lookups (no more than the pool has connections): one statement under way
/// while the next batch gathers. More tasks split the same lookups into smaller batches, which
/// cost PostgreSQL more: GET user at full load measured 0.27× the bare handler with one task, 0.25×
/// with two, 0.22× with three and with five (BENCHMARKS.md).
pub(super) const TASKS: usize = 2;

/// How long a connection is kept with no lookup for it. A kept connection is used without the
/// pool's check: if it broke meanwhile (PostgreSQL restarted, say), its statement fails and each
/// lookup is then asked alone, on a connection the pool checks. Given back, a connection is checked
/// before it is lent again.
const KEEP: Duration = Duration::from_secs(1);

/// How long a connection is kept at most, however busy: given back, it is closed if older than the
/// pool's `max_lifetime`, as the pool's own are (so it may outlive that by up to a minute).
const KEEP_AT_MOST: Duration = Duration::from_secs(60);

/// One lookup: the user `id` of `scope`, answered on `answer`.
struct Lookup {
    scope: CustomerScope,
    id: UserId,
    answer: oneshot::Sender<Result<Option<User>>>,
}

/// The queue of lookups; its tasks end when the last clone of it is dropped.
#[derive(Debug, Clone)]
pub(super) struct UserLookups {
    queue: mpsc::UnboundedSender<Lookup>,
}

impl UserLookups {
    /// Starts `tasks` tasks answering lookups with `pool`'s connections, on the current runtime.
    pub(super) fn start(pool: PgPool, tasks: usize) -> Self {
        Self::keeping(pool, tasks, KEEP)
    }

    /// As [`start`](Self::start), the connections kept up to `keep` with no lookup for them.
    fn keeping(pool: PgPool, tasks: usize, keep: Duration) -> Self {
        let (queue, lookups) = mpsc::unbounded_channel();
        let lookups = Arc::new(Mutex::new(lookups));
        let tasks = tasks.max(1);
        let kept = Arc::new(Kept {
            keep: if pool.options().get_max_connections() as usize > tasks {
                keep
            } else {
                Duration::ZERO
            },
            connections: std::sync::Mutex::default(),
        });
        for _ in 0..tasks {
            tokio::spawn(answer_lookups(pool.clone(), Arc::clone(&lookups), Arc::clone(&kept)));
        }
        Self { queue }
    }

    /// The user `id` of `scope`, if there is one.
    pub(super) async fn user(&self, scope: CustomerScope, id: UserId) -> Result<Option<User>> {
        let (answer, answered) = oneshot::channel();
        self.queue
            .send(Lookup { scope, id, answer })
            .map_err(|_| StoreError::database(sqlx::Error::PoolClosed))?;
        answered
            .await
            .map_err(|_| StoreError::database(sqlx::Error::PoolClosed))?
    }
}

/// The connections kept between statements, shared by the tasks; the one used last is lent first,
/// so that a steady trickle of lookups keeps one connection, not one per task.
struct Kept {
    /// How long a connection is kept with no lookup for it; zero: none is kept.
    keep: Duration,
    /// Oldest use first.
    connections: std::sync::Mutex<Vec<KeptConnection>>,
}

struct KeptConnection {
    connection: PoolConnection<Postgres>,
    /// When it was taken from the pool.
    since: Instant,
    /// When its last statement ended.
    used: Instant,
}

impl Kept {
    fn connections(&self) -> std::sync::MutexGuard<'_, Vec<KeptConnection>> {
        self.connections
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The connection used last, and when it was taken from the pool, if it was used within
    /// `keep`; the others are then older still, and go back to the pool.
    fn lend(&self) -> Option<(PoolConnection<Postgres>, Instant)> {
        let unused = {
            let mut connections = self.connections();
            let last = connections.pop()?;
            if last.used.elapsed() < self.keep {
                return Some((last.connection, last.since));
            }
            (last, std::mem::take(&mut *connections))
        };
        drop(unused);
        None
    }

    /// Keeps `connection`, taken from the pool at `since`, which has just been used.
    fn keep(&self, connection: PoolConnection<Postgres>, since: Instant) {
        if !self.keep.is_zero() && since.elapsed() < KEEP_AT_MOST {
            let mut connections = self.connections();
            let used = Instant::now();
            connections.push(KeptConnection {
                connection,
                since,
                used,
            });
        }
    }

    /// When the connection unused longest was last used.
    fn oldest_use(&self) -> Option<Instant> {
        self.connections().first().map(|kept| kept.used)
    }

    /// Gives the connections unused for `keep` back to the pool.
    fn give_back_unused(&self) {
        let unused: Vec<_> = {
            let mut connections = self.connections();
            let keep = self.keep;
            connections.extract_if(.., |kept| kept.used.elapsed() >= keep).collect()
        };
        drop(unused);
    }
}

/// One task: takes what is waiting (waiting for the queue when nothing is), looks it up, answers.
async fn answer_lookups(pool: PgPool, lookups: Arc<Mutex<mpsc::UnboundedReceiver<Lookup>>>, kept: Arc<Kept>) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let taken = match kept.oldest_use() {
            Some(used) => {
                let wait = kept.keep.saturating_sub(used.elapsed());
                match tokio::time::timeout(wait, take(&lookups, &mut batch)).await {
                    Ok(taken) => taken,
                    // Nothing came for a kept connection: it goes back to the pool.
                    Err(_) => {
                        kept.give_back_unused();
                        continue;
                    }
                }
            }
            None => take(&lookups, &mut batch).await,
        };
        if taken == 0 {
            return;
        }
        // A lookup whose request went away has nobody to answer.
        batch.retain(|lookup: &Lookup| !lookup.answer.is_closed());
        if batch.is_empty() {
            continue;
        }
        let connection = match kept.lend() {
            Some(lent) => Ok(lent),
            None => pool.acquire().await.map(|c| (c, Instant::now())).map_err(translate),
        };
        let found = match connection {
            Ok((mut connection, since)) => {
                let found = look_up(&mut connection, &batch).await;
                // After a failure the connection goes back to the pool, which checks it.
                if found.is_ok() {
                    kept.keep(connection, since);
                }
                found
            }
            Err(error) => Err(error),
        };
        match found {
            Ok(found) => {
                for (lookup, user) in batch.drain(..).zip(found) {
                    let _ = lookup.answer.send(user);
                }
            }
            // The statement failed: each lookup gets an error of its own from a statement of its
            // own, all at once (they wait for the pool's connections, not for each other).
            Err(_) => {
                let alone = batch.drain(..).map(|lookup| {
                    let pool = &pool;
                    async move {
                        let _ = lookup
                            .answer
                            .send(user_in_scope(pool, lookup.scope, lookup.id, Lock::None).await);
                    }
                });
                futures::future::join_all(alone).await;
            }
        }
    }
}

/// Takes the lookups waiting, up to [`BATCH`], waiting for one if there are none; 0 once the queue
/// is closed. The lock is held only while taking: the next task then takes what arrives meanwhile.
async fn take(lookups: &Mutex<mpsc::UnboundedReceiver<Lookup>>, batch: &mut Vec<Lookup>) -> usize {
    lookups.lock().await.recv_many(batch, BATCH).await
}

/// The users of `batch`, in its order, in one statement; a row that cannot be read fails its own
/// lookup only, and columns of other types than a user's fail the statement (each lookup is then
/// asked alone, and fails alike).
async fn look_up(connection: &mut PgConnection, batch: &[Lookup]) -> Result<Vec<Result<Option<User>>>> {
    let (partners, customers, ids): (Vec<_>, Vec<_>, Vec<_>) = batch
        .iter()
        .map(|l| (l.scope.partner.as_uuid(), l.scope.customer.as_uuid(), l.id.as_uuid()))
        .collect();
    let rows = sqlx::query(
        "SELECT u.customer_id, u.id, u.upn, u.first_name, u.last_name, u.display_name, u.usage_location, \
         u.state, u.soft_deleted_at, u.force_change_password, u.created_at, u.updated_at, k.n \
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) WITH ORDINALITY AS k(partner_id, customer_id, id, n) \
         JOIN users u ON u.customer_id = k.customer_id AND u.id = k.id AND u.partner_id = k.partner_id",
    )
    .bind(partners)
    .bind(customers)
    .bind(ids)
    .fetch_all(connection)
    .await
    .map_err(translate)?;
    if let Some(first) = rows.first() {
        check_user_columns(first)?;
    }
    let mut found: Vec<Result<Option<User>>> = batch.iter().map(|_| Ok(None)).collect();
    for row in &rows {
        // After the user's columns, which decode_user reads by position.
        let n: i64 = get(row, "n")?;
        let slot = usize::try_from(n - 1)
            .ok()
            .and_then(|i| found.get_mut(i))
            .ok_or_else(|| StoreError::Corrupt(format!("lookup {n} of {}", batch.len())))?;
        *slot = decode_user(row).map(Some);
    }
    Ok(found)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use sqlx::postgres::PgPoolOptions;
    use tenantdesk_domain::{CustomerId, PartnerId};

    use super::*;
    use crate::testing::TestDatabase;
    use crate::{PostgresOptions, PostgresStore};
    use tenantdesk_store::Store as _;

    /// A migrated database, and a pool of `size` on it that counts the connections it takes back.
    async fn counting_pool(database: &TestDatabase, size: u32) -> (PgPool, Arc<AtomicUsize>) {
        let store = PostgresStore::open(&database.url, &PostgresOptions::default())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let given_back = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&given_back);
        let pool = PgPoolOptions::new()
            .max_connections(size)
            .after_release(move |_, _| {
                counter.fetch_add(1, Ordering::SeqCst);
                Box::pin(async { Ok(true) })
            })
            .connect(&database.url)
            .await
            .unwrap();
        (pool, given_back)
    }

    /// Waits until `given_back` reaches `count` (the pool takes a connection back in a task of its
    /// own), and says how long that took.
    async fn until_given_back(given_back: &AtomicUsize, count: usize) -> Duration {
        let started = Instant::now();
        while given_back.load(Ordering::SeqCst) < count {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{given_back:?} given back, not {count}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        started.elapsed()
    }

    async fn look_up_anyone(lookups: &UserLookups) {
        let scope = CustomerScope {
            partner: PartnerId::new(),
            customer: CustomerId::new(),
        };
        assert!(lookups.user(scope, UserId::new()).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn lookups_keep_one_connection_while_they_come_and_give_it_back_after() {
        let Some(database) = TestDatabase::create("lookups keep").await else {
            return;
        };
        let (pool, given_back) = counting_pool(&database, 3).await;
        let lookups = UserLookups::start(pool.clone(), TASKS);
        for _ in 0..9 {
            look_up_anyone(&lookups).await;
        }
        // Before the last lookup: its connection's last use is later.
        let looked_up = Instant::now();
        look_up_anyone(&lookups).await;
        // Both tasks answered, on the one connection kept, which the pool never took back.
        assert_eq!((pool.size(), given_back.load(Ordering::SeqCst)), (1, 0));
        until_given_back(&given_back, 1).await;
        assert!(
            looked_up.elapsed() >= KEEP,
            "given back after {:?}",
            looked_up.elapsed()
        );

        // A pool with no connection to spare for the tasks lends one for each statement.
        let (pool, given_back) = counting_pool(&database, TASKS as u32).await;
        let lookups = UserLookups::start(pool, TASKS);
        look_up_anyone(&lookups).await;
        look_up_anyone(&lookups).await;
        let waited = until_given_back(&given_back, 2).await;
        assert!(waited < KEEP, "given back after {waited:?}");
    }

    #[tokio::test]
    async fn lookups_are_answered_after_the_server_ended_the_kept_connection() {
        let Some(database) = TestDatabase::create("lookups ended").await else {
            return;
        };
        let (pool, given_back) = counting_pool(&database, 3).await;
        let lookups = UserLookups::keeping(pool.clone(), TASKS, Duration::from_secs(60));
        look_up_anyone(&lookups).await;
        assert_eq!((pool.size(), given_back.load(Ordering::SeqCst)), (1, 0), "kept");

        // End every connection to the database but this one, the kept one included.
        let mut admin = <PgConnection as sqlx::Connection>::connect(&database.url)
            .await
            .unwrap();
        let others = "FROM pg_stat_activity WHERE datname = current_database() \
                      AND backend_type = 'client backend' AND pid <> pg_backend_pid()";
        let ended: Vec<bool> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT pg_terminate_backend(pid) {others}"
        )))
        .fetch_all(&mut admin)
        .await
        .unwrap();
        assert!(!ended.is_empty());
        // pg_terminate_backend only signals: wait until they are gone.
        let started = Instant::now();
        loop {
            let left: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) {others}")))
                .fetch_one(&mut admin)
                .await
                .unwrap();
            if left == 0 {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "{left} backends stay");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }

        // The statement on the ended connection fails; the connection goes back to the pool, and
        // the lookup is asked again on a connection of the pool's (given back in turn), and answered.
        // (sqlx 0.9 calls `after_release` before its own check, so the ended one is counted too.)
        look_up_anyone(&lookups).await;
        until_given_back(&given_back, 2).await;
        // The next ones are answered on a connection kept anew.
        for _ in 0..3 {
            look_up_anyone(&lookups).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(given_back.load(Ordering::SeqCst), 2);
    }
}
