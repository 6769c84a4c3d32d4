//! `Pending`: the result of a mutating use case whose transaction is still open, so the front end
//! can record its answer for replay in the same transaction before committing; and `once`, which
//! runs a mutating use case's work once per idempotency key.

use tenantdesk_store::{Conflict, StoredResponse, Tx};

use crate::attempt::Attempt;
use crate::{App, Caller, Error, idempotency};

/// A use case's result, with its uncommitted transaction (change and audit record written).
/// Dropping it rolls everything back.
#[must_use = "a pending change is rolled back unless committed"]
pub struct Pending<T> {
    tx: Box<dyn Tx>,
    /// Who asked, with the idempotency key of the request.
    caller: Caller,
    /// What it asked for, audited if a twin's answer is replayed instead.
    attempt: Option<Attempt>,
    /// What the use case produced.
    pub value: T,
}

/// What a mutating request came to: done now, or done before and replayed.
#[derive(Debug)]
pub enum Done<T> {
    /// Done by this request.
    Fresh(T),
    /// Done by an earlier request with the same idempotency key: its recorded answer.
    Replayed(StoredResponse),
}

/// The answer a front end gives to a request, as recorded for replay: never a password. The use
/// cases keep it and hand it back as it was, never reading it: its status and body are the front
/// end's own (the API's HTTP status and JSON, the console's page to go to).
#[derive(Clone, Debug, Default)]
pub struct Answer {
    /// The front end's status for it (the API's: HTTP's numbers).
    pub status: u16,
    /// Its body.
    pub body: Option<String>,
}

/// Runs the work of an authorized mutating request, `attempt`, once per idempotency key: replays
/// the recorded answer if there is one; otherwise does `work`. If `work` fails while a twin of the
/// request (same key) succeeded concurrently, the twin's answer is replayed. A replay is audited.
pub(crate) async fn once<T>(
    app: &App,
    caller: &Caller,
    attempt: &Attempt,
    work: impl Future<Output = Result<Pending<T>, Error>>,
) -> Result<Done<Pending<T>>, Error> {
    if let Some(answer) = idempotency::replayed(app, caller).await? {
        attempt.record_replay(app, caller).await;
        return Ok(Done::Replayed(answer));
    }
    match work.await {
        Ok(pending) => Ok(Done::Fresh(pending.attempting(attempt))),
        Err(error) => match idempotency::replayed(app, caller).await? {
            Some(answer) => {
                attempt.record_replay(app, caller).await;
                Ok(Done::Replayed(answer))
            }
            None => Err(error),
        },
    }
}

impl<T> Pending<T> {
    pub(crate) fn new(tx: Box<dyn Tx>, caller: &Caller, value: T) -> Self {
        Self {
            tx,
            caller: caller.clone(),
            attempt: None,
            value,
        }
    }

    /// This change, asked for as `attempt`: the replay of a twin's answer at commit is audited as it.
    pub(crate) fn attempting(mut self, attempt: &Attempt) -> Self {
        self.attempt = Some(attempt.clone());
        self
    }

    /// Commits. When the request has an idempotency key, `answer` is recorded in the same
    /// transaction, so the change is never done without its record nor recorded without being
    /// done. If a twin of the request (same key) was answered meanwhile, everything is rolled back
    /// and the twin's answer returned.
    pub async fn commit(mut self, app: &App, answer: Answer) -> Result<Done<T>, Error> {
        let partner = self.caller.principal.partner;
        if let Some(key) = self.caller.key.take() {
            let record = StoredResponse {
                key: key.clone(),
                status: answer.status,
                body: answer.body,
                created_at: app.now(),
            };
            match self.tx.insert_response(partner, &record).await {
                Ok(()) => {}
                Err(error) if error.is_conflict(Conflict::IdempotencyKey) => {
                    drop(self.tx);
                    let answer = idempotency::recorded(app, partner, &key).await?.ok_or_else(|| {
                        Error::Internal(anyhow::anyhow!("a recorded response vanished during replay"))
                    })?;
                    if let Some(attempt) = &self.attempt {
                        attempt.record_replay(app, &self.caller).await;
                    }
                    return Ok(Done::Replayed(answer));
                }
                Err(error) => return Err(error.into()),
            }
        }
        self.tx.commit().await?;
        Ok(Done::Fresh(self.value))
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("value", &self.value)
            .finish_non_exhaustive()
    }
}

impl<T> Done<T> {
    /// The result of work done now; an error for a replay, which a caller without an idempotency
    /// key (an administration command, the demo's seeding) never gets.
    pub fn fresh(self) -> Result<T, Error> {
        match self {
            Self::Fresh(value) => Ok(value),
            Self::Replayed(_) => Err(Error::Internal(anyhow::anyhow!("a request without a key was replayed"))),
        }
    }
}
