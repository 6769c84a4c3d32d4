//! `CustomerUser` and what create and update requests carry.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Attributes, ResourceLinks};

/// Whether a user is in use or soft-deleted.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum UserState {
    /// In use.
    Active,
    /// Deleted; restorable for 30 days.
    Inactive,
}

/// A password and whether it must be changed at next sign-in. Only ever present in the response
/// to the request that set the password. Its `Debug` output hides the password.
#[derive(Serialize, Deserialize, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PasswordProfile {
    /// Whether the user must change it at next sign-in (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_change_password: Option<bool>,
    /// The password: set by the caller, or generated and returned once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

impl fmt::Debug for PasswordProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordProfile")
            .field("force_change_password", &self.force_change_password)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A user account of a customer tenant, as Partner Center returns it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CustomerUser {
    /// The user's id.
    pub id: Uuid,
    /// Its sign-in name, `local@domain`.
    pub user_principal_name: String,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Display name.
    pub display_name: String,
    /// ISO 3166-1 alpha-2 country code.
    pub usage_location: String,
    /// Only in the response to the request that set the password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_profile: Option<PasswordProfile>,
    /// Always null: tenantdesk has no directory sync.
    #[serde(default)]
    pub last_directory_sync_time: Option<DateTime<Utc>>,
    /// Always `none`.
    pub user_domain_type: String,
    /// `active` or `inactive`.
    pub state: UserState,
    /// When it was deleted, while inactive.
    #[serde(default)]
    pub soft_deletion_time: Option<DateTime<Utc>>,
    /// `self`: `/customers/{cid}/users/{uid}`.
    pub links: ResourceLinks,
    /// `{"objectType": "CustomerUser"}`.
    pub attributes: Attributes,
}

/// The body of a create (POST) or update (PATCH) of a user. Every field is optional: absent or
/// null leaves a field as it is (the OpenAPI document shows a create's body as
/// `CustomerUserCreateRequest`, with its required fields). Read-only fields of [`CustomerUser`] may be sent and are ignored.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CustomerUserRequest {
    /// Sign-in name; required on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    /// First name; an empty string clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name; an empty string clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Display name; required on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// ISO 3166-1 alpha-2 code; required on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_location: Option<String>,
    /// A new password (reset), or only the force-change flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_profile: Option<PasswordProfile>,
    /// `active` on a deleted user restores it; `inactive` is refused (a user is deleted with
    /// DELETE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<UserState>,
    /// On create: directory roles to make the user a member of (tenantdesk's addition, the web
    /// UI's "Select the user permissions" step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory_role_ids: Option<Vec<String>>,
    /// Ignored; clients send `{"objectType": "CustomerUser"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Attributes>,
}

/// The body of a create (POST) of a user as the OpenAPI document shows it: the fields of
/// [`CustomerUserRequest`] with the three a create needs marked required. The server reads a
/// [`CustomerUserRequest`] and names every missing field in its 400; this type only documents.
#[cfg(feature = "openapi")]
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerUserCreateRequest {
    /// Sign-in name, `local@domain`, in one of the customer's domains.
    pub user_principal_name: String,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Display name.
    pub display_name: String,
    /// ISO 3166-1 alpha-2 code.
    pub usage_location: String,
    /// The password (policy-checked); without one, a temporary password is generated and
    /// returned once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_profile: Option<PasswordProfile>,
    /// Directory roles to make the user a member of (tenantdesk's addition, the web UI's
    /// "Select the user permissions" step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory_role_ids: Option<Vec<String>>,
    /// Ignored; clients send `{"objectType": "CustomerUser"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Attributes>,
}

/// The `filter` query parameter of the user list:
/// `{"Field":"UserState","Value":"Inactive","Operator":"equals"}`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserFilter {
    /// The field filtered on; `UserState` is supported.
    #[serde(rename = "Field")]
    pub field: String,
    /// The value it must have, e.g. `Inactive`.
    #[serde(rename = "Value")]
    pub value: String,
    /// The comparison; `equals` is supported.
    #[serde(rename = "Operator")]
    pub operator: String,
}

impl UserFilter {
    /// The filter of the deleted-users list.
    pub fn deleted_users() -> Self {
        Self {
            field: "UserState".to_owned(),
            value: "Inactive".to_owned(),
            operator: "equals".to_owned(),
        }
    }
}
