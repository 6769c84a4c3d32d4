//! Who is calling, and what each partner agent role may do (API.md, "Roles").

use std::fmt;
use std::str::FromStr;

use crate::PartnerId;

/// A partner agent's role, as carried by its bearer token.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum AgentRole {
    /// Does everything.
    AdminAgent,
    /// Reads, and resets passwords.
    HelpdeskAgent,
    /// Only reads.
    SalesAgent,
}

impl AgentRole {
    /// Every role, in the order of API.md's table.
    pub const ALL: [AgentRole; 3] = [Self::AdminAgent, Self::HelpdeskAgent, Self::SalesAgent];

    /// The role's name on the command line and in tokens (`admin-agent`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AdminAgent => "admin-agent",
            Self::HelpdeskAgent => "helpdesk-agent",
            Self::SalesAgent => "sales-agent",
        }
    }

    /// Whether this role may do what `permission` stands for.
    pub fn allows(self, permission: Permission) -> bool {
        match permission {
            Permission::Read => true,
            Permission::ResetPassword => matches!(self, Self::AdminAgent | Self::HelpdeskAgent),
            Permission::ManageUsers | Permission::ManageCustomers => {
                matches!(self, Self::AdminAgent)
            }
        }
    }
}

impl FromStr for AgentRole {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown role '{s}' (expected admin-agent, helpdesk-agent or sales-agent)"))
    }
}

impl fmt::Display for AgentRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kinds of operation roles are checked against.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Permission {
    /// Read customers, users and roles.
    Read,
    /// Create, update, delete and restore users; role membership; bulk import.
    ManageUsers,
    /// Reset a user's password.
    ResetPassword,
    /// Create customers.
    ManageCustomers,
}

/// The authenticated caller of a request.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Principal {
    /// The partner the token was issued for: the scope of everything the caller can see.
    pub partner: PartnerId,
    /// The agent acting, or `None` for an app-only token.
    pub agent: Option<Agent>,
}

/// A partner agent acting through App+User credentials.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Agent {
    /// The agent's sign-in name.
    pub upn: String,
    /// Its role.
    pub role: AgentRole,
}

impl Principal {
    /// The name recorded in audit records: the agent's UPN, or `app` for app-only tokens.
    pub fn actor(&self) -> &str {
        self.agent.as_ref().map_or("app", |agent| agent.upn.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_table_of_api_md() {
        use Permission::*;
        let table = [
            (Read, [true, true, true]),
            (ManageUsers, [true, false, false]),
            (ResetPassword, [true, true, false]),
        ];
        for (permission, expected) in table {
            for (role, allowed) in AgentRole::ALL.into_iter().zip(expected) {
                assert_eq!(role.allows(permission), allowed, "{role} {permission:?}");
            }
        }
    }

    #[test]
    fn roles_parse_by_name() {
        assert_eq!("Helpdesk-Agent".parse::<AgentRole>().unwrap(), AgentRole::HelpdeskAgent);
        assert!("global-admin".parse::<AgentRole>().is_err());
    }
}
