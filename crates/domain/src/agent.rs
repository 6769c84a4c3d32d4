//! The partner's agents as accounts of the web console: who signs in there, under which role.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Agent, AgentRole, PartnerId, Principal, UserPrincipalName};

/// An agent's account: one partner, one role, a password only its hash of which is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentAccount {
    /// Its id.
    pub id: Uuid,
    /// The partner it acts for.
    pub partner: PartnerId,
    /// Its sign-in name, unique across partners (the sign-in page asks for nothing else).
    pub upn: UserPrincipalName,
    /// What it may do.
    pub role: AgentRole,
    /// Whether its password is a one-time password, to be replaced before anything else.
    pub must_change_password: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its password was last set.
    pub password_changed_at: DateTime<Utc>,
}

impl AgentAccount {
    /// The principal the agent's requests act as: the same as an App+User token's.
    pub fn principal(&self) -> Principal {
        Principal {
            partner: self.partner,
            agent: Some(Agent {
                upn: self.upn.normalized(),
                role: self.role,
            }),
        }
    }
}
