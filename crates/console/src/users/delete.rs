//! **Delete user account**: the confirmation that names the user, and the deletion (restorable
//! for 30 days from **Deleted users**).

use askama::Template;
use axum::response::{IntoResponse, Redirect};
use tenantdesk_core::users;
use tenantdesk_domain::{CustomerId, User};

use crate::error::{OrPage as _, PageResult};
use crate::extract::UserPath;
use crate::forms::{self, NoFields, Outcome, Posted};
use crate::page::{Chrome, render};
use crate::session::SignedIn;

#[derive(Template)]
#[template(path = "user_delete.html")]
struct DeletePage {
    chrome: Chrome,
    customer: CustomerId,
    user: User,
    request_id: String,
}

/// `/customers/{cid}/users/{uid}/delete`: the confirmation of **Delete user account**.
pub async fn page(agent: SignedIn, UserPath { customer, user }: UserPath) -> PageResult {
    let user = users::get(&agent.app, &agent.caller(), customer, user)
        .await
        .or_page(&agent.chrome)?;
    Ok(render(&DeletePage {
        chrome: agent.chrome,
        customer,
        user,
        request_id: forms::new_request_id(),
    }))
}

/// `POST /customers/{cid}/users/{uid}/delete`: **Delete user account**, confirmed.
pub async fn delete(agent: SignedIn, UserPath { customer, user }: UserPath, posted: Posted<NoFields>) -> PageResult {
    let caller = agent.form_caller(&posted);
    let to = format!("/customers/{customer}/users?notice=deleted");
    let done = users::delete(&agent.app, &caller, customer, user).await;
    match forms::commit(&agent.app, done, |()| to.clone())
        .await
        .or_page(&agent.chrome)?
    {
        Outcome::Fresh(()) => Ok(Redirect::to(&to).into_response()),
        Outcome::Replayed(location) => Ok(forms::replayed(&agent.chrome, location)),
    }
}
