//! **Users and licenses** of a customer, a page family: the table (`list`), **Add user** (`new`),
//! a user's page with **Submit** (`edit`), **Reset password** (`password`), **Delete user
//! account** (`delete`), and the **Deleted users** tab with **Restore** (`deleted`). Here: the
//! profile fields Add user and a user's page share (`UserForm`).

pub mod delete;
pub mod deleted;
pub mod edit;
pub mod list;
pub mod new;
pub mod password;

use serde::Deserialize;
use tenantdesk_domain::{
    CustomerId, DirectoryRoleId, DisplayName, FieldError, PersonName, UsageLocation, User, UserChanges, UserId,
    UserPrincipalName, Validator,
};

use crate::forms;

/// The user form as posted, and as shown again with its problems: the profile fields of Add user
/// and of a user's page, and Add user's roles and password. Its field names are the templates'.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserForm {
    first_name: String,
    last_name: String,
    display_name: String,
    #[serde(deserialize_with = "forms::trimmed")]
    username: String,
    domain: String,
    usage_location: String,
    /// The directory roles checked (Add user).
    directory_role_ids: Vec<String>,
    /// `custom` when the agent types the password (Add user); anything else generates one.
    password_choice: String,
    /// The password typed (Add user): never shown again, never digested.
    password: String,
    #[serde(deserialize_with = "forms::checked")]
    force_change_password: bool,
}

impl UserForm {
    /// The form of `user` as it is.
    fn of(user: &User) -> Self {
        Self {
            first_name: user
                .first_name
                .as_ref()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default(),
            last_name: user
                .last_name
                .as_ref()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default(),
            display_name: user.display_name.as_str().to_owned(),
            username: user.upn.local_part().to_owned(),
            domain: user.upn.domain().as_str().to_owned(),
            usage_location: user.usage_location.as_str().to_owned(),
            force_change_password: user.force_change_password,
            ..Self::default()
        }
    }

    /// Whether the password is to be generated.
    fn generate_password(&self) -> bool {
        self.password_choice != "custom"
    }

    fn has_role(&self, id: &DirectoryRoleId) -> bool {
        self.directory_role_ids.iter().any(|r| *r == id.to_string())
    }

    /// The UPN the username and domain fields make; problems under `userPrincipalName`.
    fn upn(&self, v: &mut Validator) -> Option<UserPrincipalName> {
        if self.username.is_empty() {
            v.push(FieldError::new("userPrincipalName", "is required"));
            return None;
        }
        v.check(
            "userPrincipalName",
            UserPrincipalName::parse(&format!("{}@{}", self.username, self.domain)),
        )
    }

    /// The profile the fields make: UPN, first, last and display name, location, as the changes
    /// that set them (no password).
    fn profile(&self, v: &mut Validator) -> UserChanges {
        let upn = self.upn(v);
        let first_name = v.check("firstName", PersonName::parse(&self.first_name));
        let last_name = v.check("lastName", PersonName::parse(&self.last_name));
        let display_name = if self.display_name.trim().is_empty() {
            v.push(FieldError::new("displayName", "is required"));
            None
        } else {
            v.check("displayName", DisplayName::parse(&self.display_name))
        };
        let usage_location = v.check("usageLocation", UsageLocation::parse(&self.usage_location));
        UserChanges {
            upn,
            first_name,
            last_name,
            display_name,
            usage_location,
            ..UserChanges::default()
        }
    }
}

/// The locations a form offers.
fn locations() -> &'static [&'static str] {
    UsageLocation::codes()
}

/// The path of a user's page.
fn user_path(customer: CustomerId, user: UserId) -> String {
    format!("/customers/{customer}/users/{user}")
}
