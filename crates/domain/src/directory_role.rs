//! Directory roles of a customer tenant: Entra's role templates, with their well-known ids.

use crate::ids::DirectoryRoleId;

/// An Entra directory role a customer user can be a member of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirectoryRole {
    /// The role template's well-known id.
    pub id: DirectoryRoleId,
    /// Its display name.
    pub name: &'static str,
    /// What it allows.
    pub description: &'static str,
}

const fn role(id: u128, name: &'static str, description: &'static str) -> DirectoryRole {
    DirectoryRole {
        id: DirectoryRoleId::from_uuid(uuid::Uuid::from_u128(id)),
        name,
        description,
    }
}

/// The directory roles every customer tenant has, as API.md lists them.
pub const DIRECTORY_ROLES: [DirectoryRole; 5] = [
    role(
        0x62e90394_69f5_4237_9190_012177145e10,
        "Company Administrator",
        "Can manage all aspects of the tenant and services that use Entra identities",
    ),
    role(
        0xfe930be7_5e62_47db_91af_98c3a49a38b1,
        "User Administrator",
        "Can manage all aspects of users and groups, including resetting passwords for limited admins",
    ),
    role(
        0x729827e3_9c14_49f7_bb1b_9608f156bbb8,
        "Helpdesk Administrator",
        "Can reset passwords for non-administrators and helpdesk administrators",
    ),
    role(
        0xb0f54661_2d74_4c50_afa3_1ec803f12efe,
        "Billing Administrator",
        "Can perform common billing related tasks like updating payment information",
    ),
    role(
        0xf023fd81_a637_4b56_95fd_791ac0226033,
        "Service Support Administrator",
        "Can read service health information and manage support tickets",
    ),
];

impl DirectoryRole {
    /// The role with this id, if it is one of [`DIRECTORY_ROLES`].
    pub fn find(id: DirectoryRoleId) -> Option<&'static DirectoryRole> {
        DIRECTORY_ROLES.iter().find(|role| role.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_entra_role_templates() {
        let id: DirectoryRoleId = "62e90394-69f5-4237-9190-012177145e10".parse().unwrap();
        assert_eq!(DirectoryRole::find(id).unwrap().name, "Company Administrator");
        assert!(DirectoryRole::find(DirectoryRoleId::new()).is_none());
        let helpdesk: DirectoryRoleId = "729827e3-9c14-49f7-bb1b-9608f156bbb8".parse().unwrap();
        assert_eq!(DirectoryRole::find(helpdesk).unwrap().name, "Helpdesk Administrator");
    }
}
