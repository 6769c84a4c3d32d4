//! `partner.customers()`: the partner's customers.

use reqwest::Method;
use tenantdesk_wire::{Collection, Customer, CustomerRequest};
use uuid::Uuid;

use crate::{Error, Partner, Request, Users};

/// The partner's customers.
#[derive(Clone, Copy, Debug)]
pub struct Customers<'a> {
    partner: &'a Partner,
}

impl<'a> Customers<'a> {
    pub(crate) fn new(partner: &'a Partner) -> Self {
        Self { partner }
    }

    /// Creates a customer.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner) -> Result<(), tenantdesk_client::Error> {
    /// use tenantdesk_client::{CompanyProfileRequest, CustomerRequest};
    /// let customer = partner.customers().create(&CustomerRequest {
    ///     company_profile: Some(CompanyProfileRequest { domain: Some("tailspin.onmicrosoft.com".into()), company_name: Some("Tailspin".into()) }),
    ///     ..Default::default()
    /// }).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create(self, customer: &CustomerRequest) -> Result<Customer, Error> {
        self.partner
            .call(Request::new(Method::POST, "/v1/customers".into()).body(customer))
            .await
    }

    /// Every customer of the partner.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner) -> Result<(), tenantdesk_client::Error> {
    /// for customer in partner.customers().list().await?.items {
    ///     println!("{} {}", customer.id, customer.company_profile.domain);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list(self) -> Result<Collection<Customer>, Error> {
        self.partner
            .call(Request::new(Method::GET, "/v1/customers".into()))
            .await
    }

    /// One customer, by its tenant id.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// let customer = partner.customers().by_id(customer).get().await?;
    /// # Ok(()) }
    /// ```
    pub fn by_id(self, id: Uuid) -> CustomerOperations<'a> {
        CustomerOperations {
            partner: self.partner,
            id,
        }
    }
}

/// The operations on one customer.
#[derive(Clone, Copy, Debug)]
pub struct CustomerOperations<'a> {
    partner: &'a Partner,
    id: Uuid,
}

impl<'a> CustomerOperations<'a> {
    /// The customer.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// let customer = partner.customers().by_id(customer).get().await?;
    /// println!("provider instance: {}", customer.provider_instance_id);
    /// # Ok(()) }
    /// ```
    pub async fn get(self) -> Result<Customer, Error> {
        self.partner
            .call(Request::new(Method::GET, format!("/v1/customers/{}", self.id)))
            .await
    }

    /// The directory roles of the customer's tenant.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// let roles = partner.customers().by_id(customer).directory_roles().list().await?;
    /// # Ok(()) }
    /// ```
    pub fn directory_roles(self) -> crate::DirectoryRoles<'a> {
        crate::DirectoryRoles::new(self.partner, self.id)
    }

    /// The customer's users.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// let users = partner.customers().by_id(customer).users().page(0).await?;
    /// # Ok(()) }
    /// ```
    pub fn users(self) -> Users<'a> {
        Users::new(self.partner, self.id)
    }
}
