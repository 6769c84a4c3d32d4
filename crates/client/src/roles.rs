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
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// for role in partner.customers().by_id(customer).directory_roles().list().await?.items {
    ///     println!("{} {}", role.id, role.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list(self) -> Result<Collection<DirectoryRole>, Error> {
        let path = format!("/v1/customers/{}/directoryroles", self.customer);
        self.partner.call(Request::new(Method::GET, path)).await
    }

    /// One role, by its template id.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// let helpdesk = "729827e3-9c14-49f7-bb1b-9608f156bbb8".parse().expect("a role id");
    /// let members = partner.customers().by_id(customer).directory_roles().by_id(helpdesk).members(0).await?;
    /// # Ok(()) }
    /// ```
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
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// let helpdesk = "729827e3-9c14-49f7-bb1b-9608f156bbb8".parse().expect("a role id");
    /// let members = partner.customers().by_id(customer).directory_roles().by_id(helpdesk).members(0).await?;
    /// # Ok(()) }
    /// ```
    pub async fn members(self, size: u32) -> Result<Collection<UserMember>, Error> {
        let query = [("size", size.to_string())];
        self.partner
            .call(Request::new(Method::GET, self.path()).query(&query))
            .await
    }

    /// The page after `page`; `None` after the last one.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// let helpdesk = "729827e3-9c14-49f7-bb1b-9608f156bbb8".parse().expect("a role id");
    /// let role = partner.customers().by_id(customer).directory_roles().by_id(helpdesk);
    /// let first = role.members(10).await?;
    /// let second = role.next_members(&first).await?;
    /// # Ok(()) }
    /// ```
    pub async fn next_members(self, page: &Collection<UserMember>) -> Result<Option<Collection<UserMember>>, Error> {
        self.partner.follow_next(page).await
    }

    /// Makes the user `user` a member of the role.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid, user: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// let helpdesk = "729827e3-9c14-49f7-bb1b-9608f156bbb8".parse().expect("a role id");
    /// partner.customers().by_id(customer).directory_roles().by_id(helpdesk).add_member(user).await?;
    /// # Ok(()) }
    /// ```
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
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid, user: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// let helpdesk = "729827e3-9c14-49f7-bb1b-9608f156bbb8".parse().expect("a role id");
    /// partner.customers().by_id(customer).directory_roles().by_id(helpdesk).remove_member(user).await?;
    /// # Ok(()) }
    /// ```
    pub async fn remove_member(self, user: Uuid) -> Result<(), Error> {
        self.partner
            .send(Request::new(Method::DELETE, format!("{}/{user}", self.path())))
            .await?;
        Ok(())
    }
}
