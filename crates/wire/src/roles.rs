//! Directory roles and their members, in Partner Center's shapes.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Attributes;

/// A directory role of a customer tenant.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DirectoryRole {
    /// The role template's id.
    pub id: Uuid,
    /// Its name, such as `Helpdesk Administrator`.
    pub name: String,
    /// What it allows.
    #[serde(default)]
    pub description: String,
    /// `{"objectType": "DirectoryRole"}`.
    pub attributes: Attributes,
}

/// A user's membership of a directory role.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserMember {
    /// The user's id.
    pub id: Uuid,
    /// The user's sign-in name.
    pub user_principal_name: String,
    /// The user's display name.
    pub display_name: String,
    /// The role.
    pub role_id: Uuid,
    /// `{"objectType": "UserMember"}`.
    pub attributes: Attributes,
}

/// The body of `POST …/directoryroles/{rid}/usermembers`, as the .NET SDK sends it
/// (`{"Id": …, "DisplayName": …, "UserPrincipalName": …, "RoleId": …}`); only `id` is needed.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserMemberRequest {
    /// The user to add.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Ignored: the user's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Ignored: the user's sign-in name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    /// The role; when given, it must be the one in the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<String>,
}
