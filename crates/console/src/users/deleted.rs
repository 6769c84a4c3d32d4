//! **Deleted users (N)**: the users a customer can still restore, and **Restore** of those selected,
//! each reported on its own (a username taken meanwhile is that row's error, not the page's).

use askama::Template;
use axum::extract::Query;
use serde::Deserialize;
use tenantdesk_core::Error;
use tenantdesk_core::users::{self, Table};
use tenantdesk_domain::{Customer, CustomerId, User, UserId, UserState};
use tenantdesk_store::{SortField, UserCursor, UserQuery};

use crate::error::{OrPage as _, PageError, PageResult};
use crate::extract::CustomerPath;
use crate::forms::{self, Outcome, Posted};
use crate::page::{Chrome, render};
use crate::pager::{Pager, Place};
use crate::session::SignedIn;

/// Deleted users per page.
const PAGE_SIZE: u32 = 500;

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
    /// The restorable users of this page.
    users: Vec<User>,
    /// How many users can be restored.
    deleted: u64,
    results: Vec<Restored>,
    request_id: String,
    next: Option<String>,
    previous: Option<String>,
}

/// The page of deleted users after `after` (the first without), and its users that can still be
/// restored.
async fn table(
    agent: &SignedIn,
    customer: CustomerId,
    after: Option<UserCursor>,
) -> Result<(Table, Vec<User>), PageError> {
    let query = UserQuery {
        state: UserState::Inactive,
        sort: SortField::DisplayName,
        descending: false,
        search: None,
        after,
        limit: PAGE_SIZE,
    };
    let mut table = users::table(&agent.app, &agent.caller(), customer, query)
        .await
        .or_page(&agent.chrome)?;
    let now = agent.app.now();
    let restorable = std::mem::take(&mut table.page.users)
        .into_iter()
        .filter(|u| u.restorable(now))
        .collect();
    Ok((table, restorable))
}

/// The page of deleted users at `place`, with the `results` of a Restore.
async fn page(agent: SignedIn, customer: CustomerId, place: &Place, results: Vec<Restored>) -> PageResult {
    let pager = Pager::both_ways(format!("/customers/{customer}/deleted-users"), place);
    let (table, users) = table(&agent, customer, pager.after()).await?;
    Ok(render(&DeletedPage {
        next: pager.next(table.page.next.as_ref()),
        previous: pager.previous(),
        chrome: agent.chrome,
        customer: table.customer,
        users,
        deleted: table.restorable,
        results,
        request_id: forms::new_request_id(),
    }))
}

/// `/customers/{cid}/deleted-users`.
pub async fn list(agent: SignedIn, CustomerPath(customer): CustomerPath, Query(place): Query<Place>) -> PageResult {
    page(agent, customer, &place, Vec::new()).await
}

/// The Restore form: the users selected, by id.
#[derive(Deserialize)]
pub struct RestoreForm {
    #[serde(default)]
    user: Vec<String>,
}

/// `POST /customers/{cid}/deleted-users`: **Restore** every selected user, each in its own
/// transaction (the API's restore), each once however often the form is posted.
pub async fn restore(agent: SignedIn, CustomerPath(customer): CustomerPath, posted: Posted<RestoreForm>) -> PageResult {
    let deleted = match table(&agent, customer, None).await {
        Ok((_, users)) => users,
        Err(_) => Vec::new(),
    };
    let mut results = Vec::new();
    for selected in &posted.form.user {
        let name = deleted
            .iter()
            .find(|u| u.id.to_string() == *selected)
            .map_or_else(|| selected.clone(), |u| u.upn.to_string());
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
        let caller = agent.item_caller(&posted, &id.to_string());
        let done = users::restore(&agent.app, &caller, customer, id).await;
        let (ok, message) = match forms::commit(&agent.app, done, |_| posted.path().to_owned()).await {
            Ok(Outcome::Fresh(_)) => (true, "Restored.".to_owned()),
            Ok(Outcome::Replayed(_)) => (true, "Already restored by this form.".to_owned()),
            Err(error @ (Error::Forbidden(_) | Error::AppOnly)) => {
                return Err(PageError::from_core(error, &agent.chrome));
            }
            Err(error) => (false, forms::sentence(&error.to_string())),
        };
        results.push(Restored { name, ok, message });
    }
    page(agent, customer, &Place::default(), results).await
}
