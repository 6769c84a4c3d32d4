//! `partner.customers().by_id(c).directory_roles()`: a customer's directory roles and their members.

use reqwest::Method;
use tenantdesk_wire::{Collection, DirectoryRole, UserMember, UserMemberRequest};
use uuid::Uuid;

use crate::{Error, Partner, Request};

/// A customer's directory roles.
#[derive(Clone, Copy, Debug)]
pub struct DirectoryRoles<'a> {
    partner: &'a Partner,
    customer: Uuid,
}

impl<'a> DirectoryRoles<'a> {
    pub(crate) fn new(partner: &'a Partner, customer: Uuid) -> Self {
        Self { partner, customer }
    }

    /// Every directory role of the customer's tenant.
    pub async fn list(self) -> Result<Collection<DirectoryRole>, Error> {
        let path = format!("/v1/customers/{}/directoryroles", self.customer);
        self.partner.call(Request::new(Method::GET, path)).await
    }

    /// One role, by its template id.
    pub fn by_id(self, role: Uuid) -> DirectoryRoleOperations<'a> {
        DirectoryRoleOperations {
            partner: self.partner,
            customer: self.customer,
            role,
        }
    }
}

/// The operations on one directory role.
#[derive(Clone, Copy, Debug)]
pub struct DirectoryRoleOperations<'a> {
    partner: &'a Partner,
    customer: Uuid,
    role: Uuid,
}

impl DirectoryRoleOperations<'_> {
    fn path(&self) -> String {
        format!(
            "/v1/customers/{}/directoryroles/{}/usermembers",
            self.customer, self.role
        )
    }

    /// The first page of the role's members, `size` per page (0 for the default, 100).
    pub async fn members(self, size: u32) -> Result<Collection<UserMember>, Error> {
        let query = [("size", size.to_string())];
        self.partner
            .call(Request::new(Method::GET, self.path()).query(&query))
            .await
    }

    /// The page after `page`; `None` after the last one.
    pub async fn next_members(self, page: &Collection<UserMember>) -> Result<Option<Collection<UserMember>>, Error> {
        self.partner.follow_next(page).await
    }

    /// Makes the user `user` a member of the role.
    pub async fn add_member(self, user: Uuid) -> Result<UserMember, Error> {
        let body = UserMemberRequest {
            id: Some(user.to_string()),
            role_id: Some(self.role.to_string()),
            ..UserMemberRequest::default()
        };
        self.partner
            .call(Request::new(Method::POST, self.path()).body(&body))
            .await
    }

    /// Ends the user `user`'s membership of the role.
    pub async fn remove_member(self, user: Uuid) -> Result<(), Error> {
        self.partner
            .send(Request::new(Method::DELETE, format!("{}/{user}", self.path())))
            .await?;
        Ok(())
    }
}
