//! Partner Center's wire types, shared by the tenantdesk server and its SDK so the two cannot
//! drift, and the tolerant reader requests are parsed with.
//!
//! Output is strict camelCase with lowercase enums, field order as Partner Center writes it.
//! Input types (`*Request`) have every field optional; [`tolerant::from_slice`] reads them the way
//! Partner Center's own parser would.
//!
//! Modules: `user`, `customer`, `roles`, `audit`, `import` (the upload's answer), `cloudcockpit`
//! (its reset request and error body), `common` (collections, links, errors), and [`tolerant`].

mod audit;
mod cloudcockpit;
mod common;
mod customer;
mod import;
mod roles;
pub mod tolerant;
mod user;

pub use audit::AuditRecord;
pub use cloudcockpit::{CloudCockpitError, PropertyError, ResetCustomerUser, ResetPasswordRequest};
pub use common::{Attributes, Collection, CollectionLinks, ErrorBody, KeyValue, Link, ResourceLinks};
pub use customer::{CompanyProfile, CompanyProfileRequest, Customer, CustomerRequest};
#[cfg(feature = "openapi")]
pub use import::UsersCsv;
pub use import::{ImportedUser, UserImport};
pub use roles::{DirectoryRole, UserMember, UserMemberRequest};
#[cfg(feature = "openapi")]
pub use user::CustomerUserCreateRequest;
pub use user::{CustomerUser, CustomerUserRequest, PasswordProfile, UserFilter, UserState};

/// The `source` of every error body tenantdesk writes.
pub const ERROR_SOURCE: &str = "tenantdesk";
