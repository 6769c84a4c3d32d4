//! **Customers**: the partner's customers, searchable; a customer's page leads to its **Users and
//! licenses**.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tenantdesk_core::{App, RequestIds, customers};
use tenantdesk_domain::{Customer, CustomerId};

use crate::error::PageError;
use crate::page::{Chrome, render};
use crate::session::SignedIn;

#[derive(Deserialize)]
pub struct Search {
    #[serde(default)]
    search: String,
}

#[derive(Template)]
#[template(path = "customers.html")]
struct CustomersPage {
    chrome: Chrome,
    search: String,
    customers: Vec<Customer>,
}

/// `/customers?search=`.
pub async fn list(State(app): State<App>, agent: SignedIn, Query(query): Query<Search>) -> Response {
    let caller = agent.caller(RequestIds::generate());
    let all = match customers::list(&app, &caller).await {
        Ok(all) => all,
        Err(error) => return PageError::from_core(error, &agent.chrome).into_response(),
    };
    let needle = query.search.trim().to_lowercase();
    let customers = all
        .into_iter()
        .filter(|c| {
            needle.is_empty()
                || c.company_name.as_str().to_lowercase().contains(&needle)
                || c.domains.iter().any(|d| d.as_str().contains(&needle))
        })
        .collect();
    render(&CustomersPage {
        chrome: agent.chrome,
        search: query.search,
        customers,
    })
}

#[derive(Template)]
#[template(path = "customer.html")]
struct CustomerPage {
    chrome: Chrome,
    customer: Customer,
}

/// `/customers/{cid}`: the customer, and the way to its users.
pub async fn show(State(app): State<App>, agent: SignedIn, Path(cid): Path<String>) -> Response {
    match customer(&app, &agent, &cid).await {
        Ok(customer) => render(&CustomerPage {
            chrome: agent.chrome,
            customer,
        }),
        Err(error) => error.into_response(),
    }
}

/// The agent's customer `cid`, or the page that says it has none such.
pub async fn customer(app: &App, agent: &SignedIn, cid: &str) -> Result<Customer, PageError> {
    let id: CustomerId = cid
        .parse()
        .map_err(|_| PageError::from_core(tenantdesk_core::Error::CustomerNotFound, &agent.chrome))?;
    customers::get(app, &agent.caller(RequestIds::generate()), id)
        .await
        .map_err(|error| PageError::from_core(error, &agent.chrome))
}
