//! **Deleted users (N)**: the users a customer can still restore, and **Restore** of those selected,
//! each reported on its own (a username taken meanwhile is that row's error, not the page's).

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use tenantdesk_core::{App, Error, users};
use tenantdesk_domain::{Customer, User, UserId};

use crate::customers::customer;
use crate::error::PageError;
use crate::forms::{self, Fields, Outcome};
use crate::page::{Chrome, render};
use crate::session::SignedIn;
use crate::users::restorable;

/// What became of one selected user.
pub struct Restored {
    name: String,
    ok: bool,
    message: String,
}

#[derive(Template)]
#[template(path = "deleted.html")]
struct DeletedPage {
    chrome: Chrome,
    customer: Customer,
    users: Vec<User>,
    results: Vec<Restored>,
    request_id: String,
}

async fn page(app: &App, agent: SignedIn, customer: Customer, results: Vec<Restored>) -> Response {
    match restorable(app, &agent, &customer).await {
        Ok(users) => render(&DeletedPage {
            chrome: agent.chrome,
            customer,
            users,
            results,
            request_id: forms::new_request_id(),
        }),
        Err(error) => PageError::from_core(error, &agent.chrome).into_response(),
    }
}

/// `/customers/{cid}/deleted-users`.
pub async fn list(State(app): State<App>, agent: SignedIn, Path(cid): Path<String>) -> Response {
    match customer(&app, &agent, &cid).await {
        Ok(customer) => page(&app, agent, customer, Vec::new()).await,
        Err(error) => error.into_response(),
    }
}

/// `POST /customers/{cid}/deleted-users`: **Restore** every selected user, each in its own
/// transaction (the API's restore), each once however often the form is posted.
pub async fn restore(
    State(app): State<App>,
    agent: SignedIn,
    Path(cid): Path<String>,
    uri: Uri,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let customer = match customer(&app, &agent, &cid).await {
        Ok(customer) => customer,
        Err(error) => return error.into_response(),
    };
    let fields = Fields(fields);
    let deleted = restorable(&app, &agent, &customer).await.unwrap_or_default();
    let mut results = Vec::new();
    for selected in fields.all("user") {
        let name = deleted
            .iter()
            .find(|u| u.id.to_string() == selected)
            .map_or_else(|| selected.to_owned(), |u| u.upn.to_string());
        let Ok(id) = selected.parse::<UserId>() else {
            results.push(Restored {
                name,
                ok: false,
                message: "Not a user of this customer.".to_owned(),
            });
            continue;
        };
        // The key of each user's restore is the form's request id and a digest naming the user:
        // the same form restores each user once.
        let caller = agent.form_caller(&fields, &format!("{}#{id}", uri.path()));
        let outcome = forms::commit(&app, users::restore(&app, &caller, customer.id, id).await, |_| {
            uri.path().to_owned()
        })
        .await;
        let (ok, message) = match outcome {
            Ok(Outcome::Fresh(_)) => (true, "Restored.".to_owned()),
            Ok(Outcome::Replayed(_)) => (true, "Already restored by this form.".to_owned()),
            Err(error @ (Error::Forbidden(_) | Error::AppOnly)) => {
                return PageError::from_core(error, &agent.chrome).into_response();
            }
            Err(error) => (false, forms::sentence(&error.to_string())),
        };
        results.push(Restored { name, ok, message });
    }
    page(&app, agent, customer, results).await
}
