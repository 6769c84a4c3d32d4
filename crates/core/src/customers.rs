//! Customers: the calling partner's customer tenants, each with its domains and provider instance.

use chrono::{DateTime, Utc};
use tenantdesk_domain::{
    CompanyName, Customer, CustomerId, DomainName, Operation, PartnerId, Permission, ProviderInstanceId,
};

use crate::attempt::Attempt;
use crate::tx::once;
use crate::users::Input;
use crate::{App, Caller, Done, Error, Pending};

/// A customer to create.
#[derive(Debug)]
pub struct NewCustomer {
    /// Its domains, the default one first; at least one.
    pub domains: Vec<DomainName>,
    /// Its name.
    pub name: CompanyName,
}

impl NewCustomer {
    /// The customer of `partner` this makes, created `now`; a customer needs a domain.
    pub(crate) fn into_customer(self, partner: PartnerId, now: DateTime<Utc>) -> Result<Customer, Error> {
        let mut domains: Vec<DomainName> = Vec::with_capacity(self.domains.len());
        for domain in self.domains {
            if !domains.contains(&domain) {
                domains.push(domain);
            }
        }
        if domains.is_empty() {
            return Err(Error::invalid("companyProfile.domain", "is required"));
        }
        Ok(Customer {
            id: CustomerId::new(),
            partner,
            company_name: self.name,
            domains,
            provider_instance: ProviderInstanceId::new(),
            created_at: now,
        })
    }
}

/// Creates a customer for the calling partner.
pub async fn create(app: &App, caller: &Caller, input: Input<NewCustomer>) -> Result<Done<Pending<Customer>>, Error> {
    let attempt = Attempt {
        operation: Operation::CreateCustomer,
        customer: None,
        resource: None,
    };
    attempt
        .checked(app, caller, caller.require(Permission::ManageCustomers))
        .await?;
    once(app, caller, &attempt, async {
        let now = app.now();
        let customer = input
            .map_err(Error::Invalid)?
            .into_customer(caller.principal.partner, now)?;
        let mut tx = app.store().begin().await?;
        tx.insert_customer(&customer).await?;
        tx.insert_audit(&caller.audit(
            Operation::CreateCustomer,
            Some(customer.id),
            Some(customer.id.to_string()),
            now,
        ))
        .await?;
        Ok(Pending::new(tx, caller, customer))
    })
    .await
}

/// The calling partner's customers.
pub async fn list(app: &App, caller: &Caller) -> Result<Vec<Customer>, Error> {
    caller.require(Permission::Read)?;
    Ok(app.store().customers(caller.principal.partner).await?)
}

/// One of the calling partner's customers.
pub async fn get(app: &App, caller: &Caller, id: CustomerId) -> Result<Customer, Error> {
    caller.require(Permission::Read)?;
    Ok(app.customer_of(caller, id).await?.0)
}
