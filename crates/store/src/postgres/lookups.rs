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

use std::sync::Arc;

use sqlx::PgPool;
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
        for _ in 0..tasks.max(1) {
            tokio::spawn(answer_lookups(pool.clone(), Arc::clone(&lookups)));
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

/// One task: takes what is waiting (waiting for the queue when nothing is), looks it up, answers.
async fn answer_lookups(pool: PgPool, lookups: Arc<Mutex<mpsc::UnboundedReceiver<Lookup>>>) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        // The lock is held only while taking: the next task then takes what arrives meanwhile.
        if lookups.lock().await.recv_many(&mut batch, BATCH).await == 0 {
            return;
        }
        // A lookup whose request went away has nobody to answer.
        batch.retain(|lookup: &Lookup| !lookup.answer.is_closed());
        if batch.is_empty() {
            continue;
        }
        match look_up(&pool, &batch).await {
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

/// The users of `batch`, in its order, in one statement; a row that cannot be read fails its own
/// lookup only.
async fn look_up(pool: &PgPool, batch: &[Lookup]) -> Result<Vec<Result<Option<User>>>> {
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
    .fetch_all(pool)
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
