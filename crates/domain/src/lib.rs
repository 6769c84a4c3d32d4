//! tenantdesk's domain: identifiers, the validation rules of API.md as types, customers, users and
//! their life cycle, and who may do what. Nothing here performs IO.
//!
//! Parse, don't validate: every value that crosses into the domain goes through a fallible
//! constructor ([`UserPrincipalName::parse`], [`UsageLocation::parse`], …), so code holding one of
//! these types never needs to check it again.
//!
//! Modules: `ids`, `upn` (user principal names and domains), `location`, `names`, `password`,
//! `customer` (customers, partners, portals), `user` (users and their life cycle), `directory_role`,
//! `role` (agent roles, permissions, principals), `agent` (the console's agent accounts), `audit` (audit records) and `validation`
//! (collecting field problems).

mod agent;
mod audit;
mod customer;
mod directory_role;
mod ids;
mod location;
mod names;
mod password;
mod role;
mod upn;
mod user;
mod validation;

pub use agent::AgentAccount;
pub use audit::{AuditRecord, Operation, Outcome};
pub use customer::{Customer, Partner, PortalDomain};
pub use directory_role::{DIRECTORY_ROLES, DirectoryRole};
pub use ids::{CustomerId, DirectoryRoleId, PartnerId, ProviderInstanceId, UserId};
pub use location::UsageLocation;
pub use names::{CompanyName, DisplayName, MAX_NAME_CHARS, PersonName};
pub use password::{Password, PasswordError};
pub use role::{Agent, AgentRole, Permission, Principal};
pub use upn::{DomainName, MAX_DOMAIN_CHARS, MAX_LOCAL_CHARS, UserPrincipalName};
pub use user::{RESTORE_WINDOW, User, UserChanges, UserState};
pub use validation::{FieldError, Validator};
