//! **Customers**: the partner's customers, searchable; a customer's page leads to its **Users and
//! licenses**.

use askama::Template;
use axum::extract::Query;
use serde::Deserialize;
use tenantdesk_core::customers;
use tenantdesk_domain::Customer;

use crate::error::{OrPage as _, PageResult};
use crate::extract::CustomerPath;
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
pub async fn list(agent: SignedIn, Query(query): Query<Search>) -> PageResult {
    let all = customers::list(&agent.app, &agent.caller())
        .await
        .or_page(&agent.chrome)?;
    let needle = query.search.trim().to_lowercase();
    let customers = all
        .into_iter()
        .filter(|c| {
            needle.is_empty()
                || c.company_name.as_str().to_lowercase().contains(&needle)
                || c.domains.iter().any(|d| d.as_str().contains(&needle))
        })
        .collect();
    Ok(render(&CustomersPage {
        chrome: agent.chrome,
        search: query.search,
        customers,
    }))
}

#[derive(Template)]
#[template(path = "customer.html")]
struct CustomerPage {
    chrome: Chrome,
    customer: Customer,
}

/// `/customers/{cid}`: the customer, and the way to its users.
pub async fn show(agent: SignedIn, CustomerPath(id): CustomerPath) -> PageResult {
    let customer = customers::get(&agent.app, &agent.caller(), id)
        .await
        .or_page(&agent.chrome)?;
    Ok(render(&CustomerPage {
        chrome: agent.chrome,
        customer,
    }))
}
