//! The console's agent accounts, as the administration commands manage them (`agent new`, `list`,
//! `reset-password`, `remove`): each hands out a one-time password the agent must replace at its
//! first sign-in.

use tenantdesk_domain::{AgentAccount, AgentRole, AuditRecord, Operation, PartnerId, Password, UserPrincipalName};
use tenantdesk_store::Conflict;

use crate::admin::{ADMIN_ACTOR, existing_partner};
use crate::{App, Error};

/// An agent account with the one-time password it was given: shown once, never kept.
#[derive(Debug)]
pub struct WithPassword {
    /// The account.
    pub agent: AgentAccount,
    /// Its one-time password.
    pub password: Password,
}

/// Creates an agent of `partner` with a one-time password.
pub async fn create(
    app: &App,
    partner: PartnerId,
    upn: UserPrincipalName,
    role: AgentRole,
) -> Result<WithPassword, Error> {
    existing_partner(app, partner).await?;
    let now = app.now();
    let password = Password::generate(&upn);
    let hash = app.passwords().hash(&password).await?;
    let agent = AgentAccount {
        id: uuid::Uuid::new_v4(),
        partner,
        upn,
        role,
        must_change_password: true,
        created_at: now,
        password_changed_at: now,
    };
    let mut tx = app.store().begin().await?;
    match tx.insert_agent(&agent, &hash).await {
        Err(error) if error.is_conflict(Conflict::AgentUpn) => {
            return Err(Error::invalid(
                "upn",
                "another agent already has this user principal name",
            ));
        }
        other => other?,
    }
    tx.insert_audit(&admin_record(&agent, Operation::CreateAgent, now))
        .await?;
    tx.commit().await?;
    Ok(WithPassword { agent, password })
}

/// The agents of `partner`, by UPN.
pub async fn list(app: &App, partner: PartnerId) -> Result<Vec<AgentAccount>, Error> {
    existing_partner(app, partner).await?;
    Ok(app.store().agents(partner).await?)
}

/// Gives an agent of `partner` a new one-time password; its sessions end and its failed sign-ins
/// are forgotten (a reset unlocks it).
pub async fn reset_password(app: &App, partner: PartnerId, upn: &str) -> Result<WithPassword, Error> {
    let mut agent = agent_of(app, partner, upn).await?;
    let now = app.now();
    let password = Password::generate(&agent.upn);
    let hash = app.passwords().hash(&password).await?;
    let mut tx = app.store().begin().await?;
    tx.set_agent_password(agent.id, &hash, true, now).await?;
    tx.delete_agent_sessions(agent.id).await?;
    // A reset is how an administrator unlocks an agent locked out by failed sign-ins.
    clear_failures(tx.as_mut(), &agent).await?;
    tx.insert_audit(&admin_record(&agent, Operation::ResetAgentPassword, now))
        .await?;
    tx.commit().await?;
    agent.must_change_password = true;
    agent.password_changed_at = now;
    Ok(WithPassword { agent, password })
}

/// Removes an agent of `partner`; its sessions end at once.
pub async fn remove(app: &App, partner: PartnerId, upn: &str) -> Result<AgentAccount, Error> {
    let agent = agent_of(app, partner, upn).await?;
    let mut tx = app.store().begin().await?;
    if !tx.delete_agent(agent.id).await? {
        return Err(no_such_agent(partner, upn));
    }
    clear_failures(tx.as_mut(), &agent).await?;
    tx.insert_audit(&admin_record(&agent, Operation::RemoveAgent, app.now()))
        .await?;
    tx.commit().await?;
    Ok(agent)
}

async fn clear_failures(tx: &mut dyn tenantdesk_store::Tx, agent: &AgentAccount) -> Result<(), Error> {
    if let Some(subject) = crate::sessions::username_subject(agent.upn.as_str()) {
        tx.clear_sign_in_failures(&subject).await?;
    }
    Ok(())
}

async fn agent_of(app: &App, partner: PartnerId, upn: &str) -> Result<AgentAccount, Error> {
    existing_partner(app, partner).await?;
    app.store()
        .agent(upn)
        .await?
        .filter(|agent| agent.partner == partner)
        .ok_or_else(|| no_such_agent(partner, upn))
}

fn no_such_agent(partner: PartnerId, upn: &str) -> Error {
    Error::invalid("upn", format!("partner {partner} has no agent '{upn}'"))
}

fn admin_record(agent: &AgentAccount, operation: Operation, at: chrono::DateTime<chrono::Utc>) -> AuditRecord {
    AuditRecord {
        resource: Some(agent.upn.normalized()),
        ..AuditRecord::new(agent.partner, ADMIN_ACTOR, operation, at)
    }
}
