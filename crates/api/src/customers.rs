//! The customer routes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use tenantdesk_core::Caller;
use tenantdesk_core::customers::{self, NewCustomer};
use tenantdesk_core::users::Input;
use tenantdesk_domain::{CompanyName, Customer, DomainName, FieldError, Validator};
use tenantdesk_wire::{Attributes, Collection, CompanyProfile, CustomerRequest, ErrorBody, Link, ResourceLinks};

use crate::extract::{CustomerPath, JsonBody};
use crate::idempotency::{self, Reply};
use crate::response::{json_response, page};
use crate::{ApiState, AppError};

/// A new customer owning `domains` (the first is its default domain), named `name` or, without
/// one, after its default domain. `field(i)` names the field a problem with `domains[i]` came in;
/// other problems are named by the fields of a create-customer request, which the `customer new`
/// administration command shares.
pub fn new_customer(domains: &[String], field: &dyn Fn(usize) -> String, name: Option<&str>) -> Input<NewCustomer> {
    let mut v = Validator::new();
    if domains.is_empty() {
        v.push(FieldError::new("companyProfile.domain", "is required"));
    }
    let parsed: Vec<DomainName> = domains
        .iter()
        .enumerate()
        .filter_map(|(i, d)| v.check(&field(i), DomainName::parse(d)))
        .collect();
    let default_name = parsed.first().map(|d| d.as_str().to_owned()).unwrap_or_default();
    let name = v.check(
        "companyProfile.companyName",
        CompanyName::parse(name.unwrap_or(&default_name)),
    );
    v.finish()?;
    match name {
        Some(name) => Ok(NewCustomer { domains: parsed, name }),
        None => Err(vec![FieldError::new("companyProfile.companyName", "is required")]),
    }
}

/// A customer as Partner Center shows it.
pub fn render(customer: &Customer) -> tenantdesk_wire::Customer {
    tenantdesk_wire::Customer {
        id: customer.id.as_uuid(),
        company_profile: CompanyProfile {
            tenant_id: customer.id.as_uuid(),
            domain: customer.default_domain().to_string(),
            company_name: customer.company_name.as_str().to_owned(),
            attributes: Attributes::of("CustomerCompanyProfile"),
        },
        domains: customer.domains.iter().map(ToString::to_string).collect(),
        provider_instance_id: customer.provider_instance.as_uuid(),
        relationship_to_partner: "reseller".to_owned(),
        links: ResourceLinks {
            self_link: Link::get(format!("/customers/{}", customer.id)),
        },
        attributes: Attributes::of("Customer"),
    }
}

/// Create a customer
#[utoipa::path(
    post, path = "/v1/customers", tag = "customers",
    request_body = CustomerRequest,
    responses(
        (status = 201, description = "The new customer", body = tenantdesk_wire::Customer),
        (status = 400, description = "Not a JSON object, or an invalid field (3000)", body = ErrorBody),
        (status = 403, description = "Only admin agents create customers (900150)", body = ErrorBody),
        (status = 409, description = "Domain already taken (3001)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_customer(
    State(state): State<ApiState>,
    caller: Caller,
    body: JsonBody<CustomerRequest>,
) -> Result<Response, AppError> {
    let caller = caller.asking(&body.digest);
    let profile = body.value.company_profile.unwrap_or_default();
    // Problems name the field as sent: `companyProfile.domain`, then `additionalDomains[i]`.
    let offset = usize::from(profile.domain.is_some());
    let field = |i: usize| match i.checked_sub(offset) {
        None => "companyProfile.domain".to_owned(),
        Some(i) => format!("additionalDomains[{i}]"),
    };
    let domains: Vec<String> = profile
        .domain
        .into_iter()
        .chain(body.value.additional_domains)
        .collect();
    let input = new_customer(&domains, &field, profile.company_name.as_deref());
    let done = customers::create(state.app(), &caller, input).await;
    idempotency::respond(&state, done, |customer| {
        Reply::json(StatusCode::CREATED, render(customer))
    })
    .await
}

/// List the partner's customers
#[utoipa::path(
    get, path = "/v1/customers", tag = "customers",
    responses((status = 200, description = "The partner's customers", body = Collection<tenantdesk_wire::Customer>)),
    security(("bearer" = []))
)]
pub async fn list_customers(State(state): State<ApiState>, caller: Caller) -> Result<Response, AppError> {
    let customers = customers::list(state.app(), &caller).await?;
    let collection = page(customers.iter().map(render).collect(), "/customers".to_owned(), None);
    Ok(json_response(StatusCode::OK, &collection))
}

/// Get a customer
#[utoipa::path(
    get, path = "/v1/customers/{cid}", tag = "customers",
    params(("cid" = String, Path, description = "Customer tenant id")),
    responses(
        (status = 200, description = "The customer", body = tenantdesk_wire::Customer),
        (status = 404, description = "Not found, or another partner's (60003)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_customer(
    State(state): State<ApiState>,
    caller: Caller,
    CustomerPath(id): CustomerPath,
) -> Result<Response, AppError> {
    let customer = customers::get(state.app(), &caller, id).await?;
    Ok(json_response(StatusCode::OK, &render(&customer)))
}
