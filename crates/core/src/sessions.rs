//! The console's sign-in and sessions: an agent signs in with its UPN and password, gets a session
//! whose secret only its browser holds (the store keeps its SHA-256), and acts as the principal an
//! App+User token of the same agent would be.
//!
//! Sessions end after [`IDLE`] without use or [`ABSOLUTE`] after sign-in, at sign-out, and when the
//! agent is removed or its password changes. Failed sign-ins are counted per agent and per client
//! address ([`SignInPolicy`]): past a few, every failure is answered more slowly; past more, sign-ins
//! are refused for a while. Failures are counted against the username whether an agent has it or
//! not, so a lock-out does not tell which usernames exist. Every sign-in, failure, lock-out and
//! sign-out of a known agent is audited in its partner's log; a wrong username leaves no record (it
//! names no partner).

use std::fmt;
use std::net::IpAddr;

use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};
use tenantdesk_domain::{AgentAccount, AuditRecord, Operation, Outcome, Password, UserPrincipalName};

pub use crate::config::SignInPolicy;
use crate::{App, Caller, Error, RequestIds};

/// How long a session lasts without being used.
pub const IDLE: TimeDelta = TimeDelta::minutes(30);
/// How long a session lasts at most.
pub const ABSOLUTE: TimeDelta = TimeDelta::hours(12);
/// How stale a session's last use may be before it is written again (saves a write per page).
const TOUCH_EVERY: TimeDelta = TimeDelta::minutes(1);

/// A session's secret, as the browser's cookie holds it. Never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// The token a cookie carried.
    pub fn from_cookie(value: &str) -> Self {
        Self(value.to_owned())
    }

    /// The cookie's value.
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn generate() -> Self {
        Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>()))
    }

    /// What the store keeps of it.
    fn id_hash(&self) -> String {
        let digest = Sha256::digest(self.0.as_bytes());
        digest.iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

/// A signed-in agent.
#[derive(Clone, Debug)]
pub struct Session {
    /// The agent.
    pub agent: AgentAccount,
    /// When it signed in.
    pub signed_in_at: DateTime<Utc>,
    id_hash: String,
}

impl Session {
    /// The agent calling a use case under `ids`: the same principal its App+User token would be.
    pub fn caller(&self, ids: RequestIds) -> Caller {
        Caller::new(self.agent.principal(), ids)
    }
}

/// A successful sign-in: the new session and its secret for the cookie.
#[derive(Debug)]
pub struct SignedIn {
    /// The session.
    pub session: Session,
    /// Its secret.
    pub token: SessionToken,
}

/// Why a sign-in was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The username or the password is wrong (which one is not said).
    #[error("the username or password is incorrect")]
    Incorrect,
    /// Too many failures: sign-ins are refused until then.
    #[error("too many failed sign-ins; try again later")]
    LockedOut {
        /// When sign-ins are accepted again.
        until: DateTime<Utc>,
    },
    /// Anything else.
    #[error(transparent)]
    Failed(#[from] Error),
}

impl From<tenantdesk_store::StoreError> for SignInError {
    fn from(error: tenantdesk_store::StoreError) -> Self {
        Self::Failed(error.into())
    }
}

/// What failed sign-ins of a username are counted against: the username itself, whether an agent
/// has it or not, so that a lock-out does not tell which usernames exist. A username that is no
/// UPN at all cannot be an agent's and is counted against the address only.
pub(crate) fn username_subject(username: &str) -> Option<String> {
    UserPrincipalName::parse(username)
        .ok()
        .map(|upn| format!("upn:{}", upn.normalized()))
}

/// A client address as failures are counted: IPv6 addresses by their /64, as one host has them.
fn address_subject(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => format!("address:{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("address:{v4}"),
            None => {
                let s = v6.segments();
                format!("address:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Signs `username` in with `password`, from `address`.
pub async fn sign_in(
    app: &App,
    username: &str,
    password: &str,
    address: Option<IpAddr>,
    ids: &RequestIds,
) -> Result<SignedIn, SignInError> {
    let now = app.now();
    let agent = app.store().agent(username.trim()).await?;
    let address = address.map(address_subject);

    let policy = &app.config().sign_in;
    let username_subject = username_subject(username);
    let subjects: Vec<String> = address.iter().cloned().chain(username_subject.clone()).collect();
    for subject in &subjects {
        if let Some(failures) = app.store().sign_in_failures(subject).await?
            && let Some(until) = failures.locked_until.filter(|until| *until > now)
        {
            return Err(refused(app, agent.as_ref(), until, ids).await);
        }
    }
    // The attempt counts against its username before its password is checked, so attempts sent
    // at once cannot each get a guess before the first failure is counted: past the limit they
    // are refused unchecked. A success takes the count back.
    let mut attempts = 0;
    if let Some(subject) = &username_subject {
        let mut tx = app.store().begin().await?;
        attempts = tx
            .count_sign_in_failure(subject, now, now - policy.window)
            .await?
            .failures;
        if attempts > policy.lock_after {
            let until = now + policy.lock_for;
            tx.lock_sign_in(subject, until).await?;
            tx.commit().await?;
            return Err(refused(app, agent.as_ref(), until, ids).await);
        }
        tx.commit().await?;
    }

    let hash = match &agent {
        Some(agent) => app.store().agent_password_hash(agent.id).await?,
        None => None,
    };
    // An unknown username costs what a wrong password costs, so timing does not tell them apart.
    let checked_hash = match hash {
        Some(hash) => hash,
        None => unknown_user_hash(app).await?,
    };
    let correct = app
        .passwords()
        .verify(password.to_owned(), checked_hash)
        .await
        .map_err(Error::from)?;
    match agent {
        Some(agent) if correct => {
            let token = SessionToken::generate();
            let mut tx = app.store().begin().await?;
            if let Some(subject) = &username_subject {
                tx.clear_sign_in_failures(subject).await?;
            }
            tx.insert_session(&token.id_hash(), agent.id, now).await?;
            tx.insert_audit(&audit(&agent, Operation::AgentSignIn, Outcome::Success, ids, now))
                .await?;
            tx.commit().await?;
            let session = Session {
                agent,
                signed_in_at: now,
                id_hash: token.id_hash(),
            };
            Ok(SignedIn { session, token })
        }
        agent => {
            let failure = Failure {
                agent: agent.as_ref(),
                address: address.as_deref(),
                username: username_subject.as_deref(),
                attempts,
            };
            Err(failed(app, failure, ids, now).await?)
        }
    }
}

/// A sign-in refused while its username or address is locked out: audited for a known agent.
async fn refused(app: &App, agent: Option<&AgentAccount>, until: DateTime<Utc>, ids: &RequestIds) -> SignInError {
    if let Some(agent) = agent {
        record(app, agent, Operation::AgentSignIn, Outcome::Failure, ids).await;
    }
    SignInError::LockedOut { until }
}

/// A failed sign-in: who it named, where it came from, and how many attempts its username has had.
struct Failure<'a> {
    agent: Option<&'a AgentAccount>,
    address: Option<&'a str>,
    username: Option<&'a str>,
    attempts: u32,
}

/// Counts a failure against the client's address (the username's was counted before the check),
/// locks what is past its limit, audits, and answers as slowly as the most failed subject deserves.
async fn failed(
    app: &App,
    failure: Failure<'_>,
    ids: &RequestIds,
    now: DateTime<Utc>,
) -> Result<SignInError, SignInError> {
    let policy = &app.config().sign_in;
    let mut locked = None;
    let mut most = failure.attempts;
    let mut tx = app.store().begin().await?;
    if let Some(username) = failure.username
        && failure.attempts >= policy.lock_after
    {
        let until = now + policy.lock_for;
        tx.lock_sign_in(username, until).await?;
        locked = Some(until);
    }
    if let Some(address) = failure.address {
        let counted = tx.count_sign_in_failure(address, now, now - policy.window).await?;
        if counted.failures >= policy.address_lock_after {
            let until = now + policy.lock_for;
            tx.lock_sign_in(address, until).await?;
            locked = Some(until);
        }
        most = most.max(counted.failures);
    }
    let agent = failure.agent;
    if let Some(agent) = agent {
        tx.insert_audit(&audit(agent, Operation::AgentSignIn, Outcome::Failure, ids, now))
            .await?;
        if locked.is_some() {
            tx.insert_audit(&audit(agent, Operation::AgentLockedOut, Outcome::Success, ids, now))
                .await?;
        }
    }
    tx.commit().await?;
    if let Some(until) = locked {
        tracing::warn!(agent = agent.map(|a| a.upn.as_str()), %until, "sign-ins refused after repeated failures");
        return Ok(SignInError::LockedOut { until });
    }
    let delay = policy
        .delay_step
        .saturating_mul(most.saturating_sub(policy.slow_after))
        .min(policy.max_delay);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    Ok(SignInError::Incorrect)
}

/// A hash no password is checked against successfully in practice, made once per application
/// with its configured cost (so an unknown username costs what a known one does).
async fn unknown_user_hash(app: &App) -> Result<String, Error> {
    let hash = app
        .unknown_user_hash()
        .get_or_try_init(|| async {
            let upn = UserPrincipalName::parse("nobody@tenantdesk.invalid").map_err(|e| anyhow::anyhow!("{e}"))?;
            app.passwords().hash(&Password::generate(&upn)).await
        })
        .await?;
    Ok(hash.clone())
}

/// The session a cookie's token stands for, if it is still valid; using it keeps it alive.
pub async fn resume(app: &App, token: &SessionToken) -> Result<Option<Session>, Error> {
    let id_hash = token.id_hash();
    let Some(stored) = app.store().session(&id_hash).await? else {
        return Ok(None);
    };
    let now = app.now();
    if now - stored.last_seen_at > IDLE || now - stored.created_at > ABSOLUTE {
        let mut tx = app.store().begin().await?;
        tx.delete_session(&id_hash).await?;
        tx.commit().await?;
        return Ok(None);
    }
    if now - stored.last_seen_at > TOUCH_EVERY {
        let mut tx = app.store().begin().await?;
        tx.touch_session(&id_hash, now).await?;
        tx.commit().await?;
    }
    Ok(Some(Session {
        agent: stored.agent,
        signed_in_at: stored.created_at,
        id_hash,
    }))
}

/// Ends `session`.
pub async fn sign_out(app: &App, session: &Session, ids: &RequestIds) -> Result<(), Error> {
    let now = app.now();
    let mut tx = app.store().begin().await?;
    if tx.delete_session(&session.id_hash).await? {
        tx.insert_audit(&audit(
            &session.agent,
            Operation::AgentSignOut,
            Outcome::Success,
            ids,
            now,
        ))
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Replaces the agent's password (its one-time password, or its own, which it must give) with a new
/// one, confirmed, under the API's password policy and different from the one it replaces. Every
/// session of the agent ends; the one returned replaces the caller's, unless that one ended
/// meanwhile (a reset, a removal), which then wins.
pub async fn change_password(
    app: &App,
    session: &Session,
    change: PasswordChange<'_>,
    ids: &RequestIds,
) -> Result<SignedIn, Error> {
    let PasswordChange { current, new, confirm } = change;
    let agent = &session.agent;
    let mut problems = Vec::new();
    let password = match Password::parse(new, &agent.upn) {
        Ok(password) => Some(password),
        Err(error) => {
            problems.push(tenantdesk_domain::FieldError::new("new_password", error.to_string()));
            None
        }
    };
    if new != confirm {
        problems.push(tenantdesk_domain::FieldError::new(
            "confirm_password",
            "the passwords do not match",
        ));
    }
    let (Some(password), true) = (password, problems.is_empty()) else {
        return Err(Error::Invalid(problems));
    };
    let old = app
        .store()
        .agent_password_hash(agent.id)
        .await?
        .ok_or_else(|| Error::invalid("new_password", "the agent no longer exists"))?;
    // A password of the agent's own is changed only by whoever knows it (not by anyone at a
    // browser left signed in); a one-time password was just given at sign-in.
    if !agent.must_change_password && !app.passwords().verify(current.to_owned(), old.clone()).await? {
        return Err(Error::invalid("current_password", "the current password is incorrect"));
    }
    if app.passwords().verify(new.to_owned(), old).await? {
        return Err(Error::invalid(
            "new_password",
            "the new password must differ from the current one",
        ));
    }
    let hash = app.passwords().hash(&password).await?;
    let now = app.now();
    let token = SessionToken::generate();
    let mut tx = app.store().begin().await?;
    // The session must still be there: a reset or removal meanwhile ended it, and wins.
    if !tx.delete_session(&session.id_hash).await? {
        return Err(Error::invalid("new_password", "your session has ended; sign in again"));
    }
    tx.set_agent_password(agent.id, &hash, false, now).await?;
    tx.delete_agent_sessions(agent.id).await?;
    tx.insert_session(&token.id_hash(), agent.id, now).await?;
    tx.insert_audit(&audit(
        agent,
        Operation::ChangeAgentPassword,
        Outcome::Success,
        ids,
        now,
    ))
    .await?;
    tx.commit().await?;
    let agent = AgentAccount {
        must_change_password: false,
        password_changed_at: now,
        ..agent.clone()
    };
    let session = Session {
        agent,
        signed_in_at: now,
        id_hash: token.id_hash(),
    };
    Ok(SignedIn { session, token })
}

/// What an agent types to change its password.
#[derive(Clone, Copy)]
pub struct PasswordChange<'a> {
    /// Its current password; not asked (ignored) when it signed in with a one-time password.
    pub current: &'a str,
    /// The new password.
    pub new: &'a str,
    /// The new password again.
    pub confirm: &'a str,
}

impl std::fmt::Debug for PasswordChange<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordChange(<redacted>)")
    }
}

/// Forgets the sessions past their idle or absolute limit, and failed sign-ins that no longer
/// count nor lock (the purge's housekeeping).
pub(crate) async fn forget_expired(app: &App) -> Result<u64, Error> {
    let now = app.now();
    let mut tx = app.store().begin().await?;
    let forgotten = tx.delete_sessions_before(now - IDLE, now - ABSOLUTE).await?;
    tx.delete_sign_in_failures_before(now - app.config().sign_in.window, now)
        .await?;
    tx.commit().await?;
    Ok(forgotten)
}

fn audit(
    agent: &AgentAccount,
    operation: Operation,
    outcome: Outcome,
    ids: &RequestIds,
    at: DateTime<Utc>,
) -> AuditRecord {
    AuditRecord {
        resource: Some(agent.upn.normalized()),
        outcome,
        request_id: Some(ids.request_id.clone()),
        correlation_id: Some(ids.correlation_id.clone()),
        ..AuditRecord::new(agent.partner, &agent.upn.normalized(), operation, at)
    }
}

/// Records an attempt in its own transaction; a failure to record is logged.
async fn record(app: &App, agent: &AgentAccount, operation: Operation, outcome: Outcome, ids: &RequestIds) {
    crate::audit::record_apart(app, &audit(agent, operation, outcome, ids, app.now())).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_counted_by_host() {
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(address_subject(v4), "address:192.0.2.7");
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(address_subject(a), address_subject(b));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_subject(mapped), "address:192.0.2.7");
    }

    #[test]
    fn a_token_is_stored_as_its_hash_and_never_printed() {
        let token = SessionToken::generate();
        assert_eq!(token.expose().len(), 43, "256 bits, base64url");
        assert_ne!(token.id_hash(), token.expose());
        assert_eq!(token.id_hash().len(), 64);
        assert!(!format!("{token:?}").contains(token.expose()));
    }
}
