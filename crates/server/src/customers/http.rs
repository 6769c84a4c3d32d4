//! The customer routes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use tenantdesk_domain::{Customer, Operation};
use tenantdesk_wire::{Attributes, Collection, CompanyProfile, CustomerRequest, ErrorBody, Link, ResourceLinks};

use crate::audit::Attempt;
use crate::auth::Caller;
use crate::http::{CustomerPath, JsonBody, json_response};
use crate::idempotency::{self, Reply};
use crate::{App, AppError};

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
        (status = 201, body = tenantdesk_wire::Customer),
        (status = 400, description = "Invalid field (3000)", body = ErrorBody),
        (status = 409, description = "Domain already taken (3001)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_customer(
    State(app): State<App>,
    caller: Caller,
    body: JsonBody<CustomerRequest>,
) -> Result<Response, AppError> {
    let key = idempotency::key(&caller, &body.digest);
    let attempt = Attempt {
        operation: Operation::CreateCustomer,
        access: super::CREATE_CUSTOMERS,
        customer: None,
        resource: None,
    };
    let work = super::create(&app, &caller, body.value);
    idempotency::respond(&app, &caller, key, attempt, work, |customer| {
        Reply::json(StatusCode::CREATED, render(customer))
    })
    .await
}

/// List the partner's customers
#[utoipa::path(
    get, path = "/v1/customers", tag = "customers",
    responses((status = 200, body = Collection<tenantdesk_wire::Customer>)),
    security(("bearer" = []))
)]
pub async fn list_customers(State(app): State<App>, caller: Caller) -> Result<Response, AppError> {
    let customers = super::list(&app, &caller).await?;
    let collection = crate::http::page(customers.iter().map(render).collect(), "/customers".to_owned(), None);
    Ok(json_response(StatusCode::OK, &collection))
}

/// Get a customer
#[utoipa::path(
    get, path = "/v1/customers/{cid}", tag = "customers",
    params(("cid" = String, Path, description = "Customer tenant id")),
    responses(
        (status = 200, body = tenantdesk_wire::Customer),
        (status = 404, description = "Not found, or another partner's (60003)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_customer(
    State(app): State<App>,
    caller: Caller,
    CustomerPath(id): CustomerPath,
) -> Result<Response, AppError> {
    let customer = super::get(&app, &caller, id).await?;
    Ok(json_response(StatusCode::OK, &render(&customer)))
}
