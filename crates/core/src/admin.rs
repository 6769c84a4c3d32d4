//! The operations of the administration commands (`partner new`, `customer new`), which act
//! directly on the database rather than through a front end.

use tenantdesk_domain::{AuditRecord, CompanyName, Customer, Operation, Partner, PartnerId, PortalDomain};

use crate::customers::NewCustomer;
use crate::{App, Error};

/// The actor audit records name for administration commands.
pub const ADMIN_ACTOR: &str = "tenantdesk-admin";

/// Creates a partner.
pub async fn create_partner(
    app: &App,
    name: CompanyName,
    portal_domain: Option<PortalDomain>,
) -> Result<Partner, Error> {
    let partner = Partner {
        id: PartnerId::new(),
        name,
        portal_domain,
        created_at: app.now(),
    };
    let mut tx = app.store().begin().await?;
    tx.insert_partner(&partner).await?;
    tx.commit().await?;
    Ok(partner)
}

/// The partner `partner`; a problem with the `partner` argument if there is none.
pub async fn existing_partner(app: &App, partner: PartnerId) -> Result<Partner, Error> {
    app.store()
        .partner(partner)
        .await?
        .ok_or_else(|| Error::invalid("partner", format!("no partner has the id {partner}")))
}

/// Creates a customer of `partner`.
pub async fn create_customer(app: &App, partner: PartnerId, new: NewCustomer) -> Result<Customer, Error> {
    existing_partner(app, partner).await?;
    let now = app.now();
    let customer = new.into_customer(partner, now)?;
    let mut tx = app.store().begin().await?;
    tx.insert_customer(&customer).await?;
    tx.insert_audit(&AuditRecord {
        customer: Some(customer.id),
        resource: Some(customer.id.to_string()),
        ..AuditRecord::new(partner, ADMIN_ACTOR, Operation::CreateCustomer, now)
    })
    .await?;
    tx.commit().await?;
    Ok(customer)
}
