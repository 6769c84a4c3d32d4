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
//! A task keeps its connection from one statement to the next while lookups keep coming, and gives
//! it back to the pool once none came for [`KEEP`]. sqlx's pool checks a connection with a round
//! trip of its own when it lends it and again when it takes it back: with a connection borrowed for
//! each statement, those two made three round trips of every one a lookup needs. The tasks keep
//! connections only if the pool has more than they need, so that other work always has one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres};
use tenantdesk_domain::{User, UserId};
use tokio::sync::{Mutex, mpsc, oneshot};

use super::users::{Lock, user_in_scope};
use super::{get, translate, user_from_row};
use crate::{CustomerScope, Result, StoreError};

/// At most this many lookups go in one statement.
const BATCH: usize = 64;

/// How many tasks answer lookups (no more than the pool has connections): one statement under way
/// while the next batch gathers. More tasks split the same lookups into smaller batches, which
/// cost PostgreSQL more: GET user at full load measured 0.27× the bare handler with one task, 0.25×
/// with two, 0.22× with three and with five (BENCHMARKS.md).
pub(super) const TASKS: usize = 2;

/// How long a task keeps a connection no lookup came for. A connection kept is used without the
/// pool's check; given back, it is checked before it is lent again, so a connection that broke
/// while idle (PostgreSQL restarted, say) is not used.
const KEEP: Duration = Duration::from_secs(1);

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
        let (queue, lookups) = mpsc::unbounded_channel();
        let lookups = Arc::new(Mutex::new(lookups));
        let tasks = tasks.max(1);
        let keep = if pool.options().get_max_connections() as usize > tasks {
            KEEP
        } else {
            Duration::ZERO
        };
        for _ in 0..tasks {
            tokio::spawn(answer_lookups(pool.clone(), Arc::clone(&lookups), keep));
        }
        Self { queue }
    }

    /// The user `id` of `scope`, if there is one.
    pub(super) async fn user(&self, scope: CustomerScope, id: UserId) -> Result<Option<User>> {
        let (answer, answered) = oneshot::channel();
        self.queue
            .send(Lookup { scope, id, answer })
            .map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?;
        answered
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?
    }
}

/// One task: takes what is waiting (waiting for the queue when nothing is), looks it up, answers;
/// keeps its connection for the next statement up to `keep` (not at all if zero).
async fn answer_lookups(pool: PgPool, lookups: Arc<Mutex<mpsc::UnboundedReceiver<Lookup>>>, keep: Duration) {
    let mut batch = Vec::with_capacity(BATCH);
    // The connection kept from the last statement, and when that statement ended.
    let mut kept: Option<(PoolConnection<Postgres>, Instant)> = None;
    loop {
        let taken = match &kept {
            Some((_, used)) => {
                let wait = keep.saturating_sub(used.elapsed());
                match tokio::time::timeout(wait, take(&lookups, &mut batch)).await {
                    Ok(taken) => taken,
                    // Nothing came: the connection goes back to the pool.
                    Err(_) => {
                        kept = None;
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
        let connection = match kept.take() {
            Some((connection, _)) => Ok(connection),
            None => pool.acquire().await.map_err(translate),
        };
        let found = match connection {
            Ok(mut connection) => {
                let found = look_up(&mut connection, &batch).await;
                // After a failure the connection goes back to the pool, which checks it.
                if found.is_ok() && !keep.is_zero() {
                    kept = Some((connection, Instant::now()));
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
/// lookup only.
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
    let mut found: Vec<Result<Option<User>>> = batch.iter().map(|_| Ok(None)).collect();
    for row in &rows {
        // After the user's columns, which user_from_row reads by position.
        let n: i64 = get(row, "n")?;
        let slot = usize::try_from(n - 1)
            .ok()
            .and_then(|i| found.get_mut(i))
            .ok_or_else(|| StoreError::Corrupt(format!("lookup {n} of {}", batch.len())))?;
        *slot = user_from_row(row).map(Some);
    }
    Ok(found)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use tenantdesk_domain::{CustomerId, PartnerId};

    use super::*;
    use crate::testing::TestDatabase;
    use crate::{PostgresStore, Store as _, StoreOptions};

    fn anyone() -> (CustomerScope, UserId) {
        let scope = CustomerScope {
            partner: PartnerId::new(),
            customer: CustomerId::new(),
        };
        (scope, UserId::new())
    }

    /// Waits until `pool` has `idle` idle connections of `size` (its connections go back to it
    /// in a task of its own), and says how long that took.
    async fn until_idle(pool: &PgPool, idle: usize, size: u32) -> Duration {
        let started = Instant::now();
        while (pool.num_idle(), pool.size()) != (idle, size) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{} idle of {}, not {idle} of {size}",
                pool.num_idle(),
                pool.size()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        started.elapsed()
    }

    #[tokio::test]
    async fn a_task_keeps_its_connection_while_lookups_come_and_gives_it_back_after() {
        let Some(database) = TestDatabase::create("lookups keep").await else {
            return;
        };
        let options = StoreOptions {
            pool_size: 3,
            ..StoreOptions::default()
        };
        let store = PostgresStore::open(&database.url, &options).await.unwrap();
        store.migrate().await.unwrap();
        let (scope, id) = anyone();
        assert!(store.lookups.user(scope, id).await.unwrap().is_none());
        let size = store.pool().size();
        // One connection is kept by the task that answered; the others are back in the pool.
        until_idle(store.pool(), size as usize - 1, size).await;
        let looked_up = Instant::now();
        for _ in 0..3 {
            assert!(store.lookups.user(scope, id).await.unwrap().is_none());
        }
        assert_eq!(store.pool().size(), size, "no connection was borrowed");
        until_idle(store.pool(), size as usize, size).await;
        assert!(
            looked_up.elapsed() >= KEEP,
            "given back after {:?}",
            looked_up.elapsed()
        );

        // A pool with no connection to spare for the tasks lends one for each statement.
        let options = StoreOptions {
            pool_size: 2,
            ..StoreOptions::default()
        };
        let store = PostgresStore::open(&database.url, &options).await.unwrap();
        assert!(store.lookups.user(scope, id).await.unwrap().is_none());
        let size = store.pool().size();
        let waited = until_idle(store.pool(), size as usize, size).await;
        assert!(waited < KEEP, "given back after {waited:?}");
    }

    #[tokio::test]
    async fn lookups_are_answered_after_the_server_ended_the_kept_connection() {
        let Some(database) = TestDatabase::create("lookups ended").await else {
            return;
        };
        let store = PostgresStore::open(&database.url, &StoreOptions::default())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let (scope, id) = anyone();
        assert!(store.lookups.user(scope, id).await.unwrap().is_none());

        // End every connection of the store, the kept one included.
        let mut admin = <PgConnection as sqlx::Connection>::connect(&database.url)
            .await
            .unwrap();
        let ended: Vec<bool> = sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .fetch_all(&mut admin)
        .await
        .unwrap();
        assert!(!ended.is_empty());
        // pg_terminate_backend only signals: wait until they are gone.
        let started = Instant::now();
        loop {
            let left: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
            )
            .fetch_one(&mut admin)
            .await
            .unwrap();
            if left == 0 {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "{left} backends stay");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }

        // The statement on the ended connection fails; each lookup is then asked on a connection
        // the pool checked, and answered.
        for _ in 0..3 {
            assert!(store.lookups.user(scope, id).await.unwrap().is_none());
        }
    }
}
