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
    pub async fn create(self, customer: &CustomerRequest) -> Result<Customer, Error> {
        self.partner
            .call(Request::new(Method::POST, "/v1/customers".into()).body(customer))
            .await
    }

    /// Every customer of the partner.
    pub async fn list(self) -> Result<Collection<Customer>, Error> {
        self.partner
            .call(Request::new(Method::GET, "/v1/customers".into()))
            .await
    }

    /// One customer, by its tenant id.
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
    pub async fn get(self) -> Result<Customer, Error> {
        self.partner
            .call(Request::new(Method::GET, format!("/v1/customers/{}", self.id)))
            .await
    }

    /// The directory roles of the customer's tenant.
    pub fn directory_roles(&self) -> crate::DirectoryRoles<'a> {
        crate::DirectoryRoles::new(self.partner, self.id)
    }

    /// The customer's users.
    pub fn users(self) -> Users<'a> {
        Users::new(self.partner, self.id)
    }
}
