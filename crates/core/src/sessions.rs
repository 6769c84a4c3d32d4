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
use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};
use tenantdesk_domain::{AgentAccount, AuditRecord, Operation, Outcome, Password, UserPrincipalName};

use crate::{App, Caller, Error, RequestIds};

/// How long a session lasts without being used.
pub const IDLE: TimeDelta = TimeDelta::minutes(30);
/// How long a session lasts at most.
pub const ABSOLUTE: TimeDelta = TimeDelta::hours(12);
/// How stale a session's last use may be before it is written again (saves a write per page).
const TOUCH_EVERY: TimeDelta = TimeDelta::minutes(1);

/// How failed sign-ins are slowed and then refused.
#[derive(Clone, Debug)]
pub struct SignInPolicy {
    /// Failures further apart than this start the count again.
    pub window: TimeDelta,
    /// Failures answered at once; each further one is answered `delay_step` later than the last.
    pub slow_after: u32,
    /// How much slower each further failure is answered.
    pub delay_step: Duration,
    /// The slowest a failure is answered.
    pub max_delay: Duration,
    /// Failures of one username after which its sign-ins are refused for `lock_for`.
    pub lock_after: u32,
    /// Failures from one client address after which its sign-ins are refused for `lock_for`.
    pub address_lock_after: u32,
    /// How long sign-ins stay refused.
    pub lock_for: TimeDelta,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        Self {
            window: TimeDelta::minutes(15),
            slow_after: 3,
            delay_step: Duration::from_secs(1),
            max_delay: Duration::from_secs(5),
            lock_after: 10,
            address_lock_after: 50,
            lock_for: TimeDelta::minutes(15),
        }
    }
}

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

    let username_subject = username_subject(username);
    let subjects: Vec<String> = address.into_iter().chain(username_subject.clone()).collect();
    for subject in &subjects {
        if let Some(failures) = app.store().sign_in_failures(subject).await?
            && let Some(until) = failures.locked_until.filter(|until| *until > now)
        {
            if let Some(agent) = &agent {
                record(app, agent, Operation::AgentSignIn, Outcome::Failure, ids).await;
            }
            return Err(SignInError::LockedOut { until });
        }
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
        agent => Err(failed(app, agent.as_ref(), &subjects, ids, now).await?),
    }
}

/// Counts a failure against every subject, locks those past their limit, audits, and answers as
/// slowly as the most failed subject deserves.
async fn failed(
    app: &App,
    agent: Option<&AgentAccount>,
    subjects: &[String],
    ids: &RequestIds,
    now: DateTime<Utc>,
) -> Result<SignInError, SignInError> {
    let policy = &app.config().sign_in;
    let mut most = 0;
    let mut locked = None;
    let mut tx = app.store().begin().await?;
    for subject in subjects {
        let counted = tx.count_sign_in_failure(subject, now, now - policy.window).await?;
        let limit = if subject.starts_with("upn:") {
            policy.lock_after
        } else {
            policy.address_lock_after
        };
        if counted.failures >= limit {
            let until = now + policy.lock_for;
            tx.lock_sign_in(subject, until).await?;
            locked = Some(until);
        }
        most = most.max(counted.failures);
    }
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

/// Replaces the agent's password (its one-time password, or its own) with `new`, confirmed by
/// `confirm`, under the API's password policy and different from the one it replaces. Every
/// session of the agent ends; the one returned replaces the caller's.
pub async fn change_password(
    app: &App,
    session: &Session,
    new: &str,
    confirm: &str,
    ids: &RequestIds,
) -> Result<SignedIn, Error> {
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
