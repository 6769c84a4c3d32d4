//! Customers: the calling partner's customer tenants, each with its domains and provider instance.

pub mod http;

use chrono::{DateTime, Utc};
use tenantdesk_domain::{
    CompanyName, Customer, CustomerId, DomainName, Operation, PartnerId, Permission, ProviderInstanceId, Validator,
};
use tenantdesk_wire::CustomerRequest;

use crate::auth::Caller;
use crate::{App, AppError, Pending};

/// A new customer of `partner` owning `domains` (the first is its default domain), named `name`
/// or, without one, after its default domain. `field(i)` is the field an error in `domains[i]` is
/// reported under.
pub fn new_customer(
    partner: PartnerId,
    domains: &[String],
    field: &dyn Fn(usize) -> String,
    name: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Customer, AppError> {
    let mut v = Validator::new();
    if domains.is_empty() {
        v.push(tenantdesk_domain::FieldError::new(
            "companyProfile.domain",
            "is required",
        ));
    }
    let parsed: Vec<DomainName> = domains
        .iter()
        .enumerate()
        .filter_map(|(i, d)| v.check(&field(i), DomainName::parse(d)))
        .fold(Vec::new(), |mut unique, d| {
            if !unique.contains(&d) {
                unique.push(d);
            }
            unique
        });
    let default_name = parsed.first().map(|d| d.as_str().to_owned()).unwrap_or_default();
    let company_name = v.check(
        "companyProfile.companyName",
        CompanyName::parse(name.unwrap_or(&default_name)),
    );
    v.finish().map_err(AppError::Invalid)?;
    let company_name = company_name.ok_or_else(|| AppError::invalid("companyProfile.companyName", "is required"))?;
    Ok(Customer {
        id: CustomerId::new(),
        partner,
        company_name,
        domains: parsed,
        provider_instance: ProviderInstanceId::new(),
        created_at: now,
    })
}

/// Creates a customer for the calling partner.
pub async fn create(app: &App, caller: &Caller, request: CustomerRequest) -> Result<Pending<Customer>, AppError> {
    caller.require(Permission::ManageCustomers)?;
    let profile = request.company_profile.unwrap_or_default();
    // Errors name the field as sent: `companyProfile.domain`, then `additionalDomains[i]`.
    let offset = usize::from(profile.domain.is_some());
    let field = |i: usize| match i.checked_sub(offset) {
        None => "companyProfile.domain".to_owned(),
        Some(i) => format!("additionalDomains[{i}]"),
    };
    let domains: Vec<String> = profile.domain.into_iter().chain(request.additional_domains).collect();
    let now = app.now();
    let customer = new_customer(
        caller.principal.partner,
        &domains,
        &field,
        profile.company_name.as_deref(),
        now,
    )?;
    let mut tx = app.store().begin().await?;
    tx.insert_customer(&customer).await?;
    tx.insert_audit(&caller.audit(
        Operation::CreateCustomer,
        Some(customer.id),
        Some(customer.id.to_string()),
        now,
    ))
    .await?;
    Ok(Pending::new(tx, customer))
}

/// The calling partner's customers.
pub async fn list(app: &App, caller: &Caller) -> Result<Vec<Customer>, AppError> {
    caller.require(Permission::Read)?;
    Ok(app.store().customers(caller.principal.partner).await?)
}

/// One of the calling partner's customers.
pub async fn get(app: &App, caller: &Caller, id: CustomerId) -> Result<Customer, AppError> {
    caller.require(Permission::Read)?;
    Ok(app.customer_of(caller, id).await?.0)
}
