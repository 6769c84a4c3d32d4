//! The operations of the administration commands (`partner new`, `customer new`, `token issue`),
//! which act directly on the database rather than through the API.

use std::time::Duration;

use tenantdesk_domain::{
    Agent, AgentRole, AuditRecord, CompanyName, Customer, Operation, Partner, PartnerId, PortalDomain, Principal,
    UserPrincipalName,
};

use crate::{App, AppError};

/// The actor audit records name for administration commands.
pub const ADMIN_ACTOR: &str = "tenantdesk-admin";

/// Creates a partner.
pub async fn create_partner(app: &App, name: &str, portal_domain: Option<&str>) -> Result<Partner, AppError> {
    let name = CompanyName::parse(name).map_err(|e| AppError::invalid("name", e))?;
    let portal_domain = portal_domain
        .map(PortalDomain::parse)
        .transpose()
        .map_err(|e| AppError::invalid("portal-domain", e))?;
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

async fn existing_partner(app: &App, partner: PartnerId) -> Result<Partner, AppError> {
    app.store()
        .partner(partner)
        .await?
        .ok_or_else(|| AppError::invalid("partner", format!("no partner has the id {partner}")))
}

/// Creates a customer of `partner` owning `domains` (the first is its default).
pub async fn create_customer(
    app: &App,
    partner: PartnerId,
    domains: &[String],
    name: Option<&str>,
) -> Result<Customer, AppError> {
    existing_partner(app, partner).await?;
    let now = app.now();
    let customer =
        crate::customers::new_customer(partner, domains, &|_| "companyProfile.domain".to_owned(), name, now)?;
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

/// Issues a bearer token for an agent of `partner` (`agent` = UPN and role), or an app-only one.
pub async fn issue_token(
    app: &App,
    partner: PartnerId,
    agent: Option<(&str, AgentRole)>,
    ttl: Duration,
) -> Result<String, AppError> {
    existing_partner(app, partner).await?;
    let agent = agent
        .map(|(upn, role)| {
            UserPrincipalName::parse(upn)
                .map(|upn| Agent {
                    upn: upn.to_string(),
                    role,
                })
                .map_err(|e| AppError::invalid("user", e))
        })
        .transpose()?;
    Ok(app.tokens().issue(&Principal { partner, agent }, ttl)?)
}
