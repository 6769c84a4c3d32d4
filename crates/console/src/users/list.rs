//! **Users and licenses**: the customer's active users in a table, searched, sorted and paged in
//! the URL, with the **Deleted users (N)** tab.

use askama::Template;
use axum::extract::Query;
use base64::Engine;
use serde::Deserialize;
use tenantdesk_core::users;
use tenantdesk_domain::{Customer, User, UserState};
use tenantdesk_store::{SortField, UserCursor, UserQuery};

use crate::error::{OrPage as _, PageResult};
use crate::extract::CustomerPath;
use crate::forms;
use crate::page::{Chrome, render};
use crate::pager::{Cursor, Pager, Place};
use crate::session::SignedIn;

/// Users per page of the table.
const PAGE_SIZE: u32 = 20;

/// The table's place: search, sort, order and page, all in the URL so Back and a bookmark find it
/// again.
#[derive(Debug, Default, Deserialize)]
pub struct TableQuery {
    /// Only users whose username or display name contains this.
    #[serde(default)]
    search: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    order: String,
    #[serde(flatten)]
    place: Place,
    #[serde(default)]
    notice: String,
}

/// A row of the table.
pub struct Row {
    user: User,
    roles: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    customer: Customer,
    search: String,
    rows: Vec<Row>,
    deleted: u64,
    sort: &'static str,
    descending: bool,
    next: Option<String>,
    previous: Option<String>,
    notice: Option<&'static str>,
}

impl UsersPage {
    /// The link that sorts the table by `column`, reversing the order if it is sorted by it.
    fn sort_link(&self, column: &str) -> String {
        let order = if self.sort == column && !self.descending {
            "desc"
        } else {
            "asc"
        };
        format!(
            "/customers/{}/users?search={}&sort={column}&order={order}",
            self.customer.id,
            forms::url_encode(&self.search)
        )
    }

    /// `aria-sort` of `column`'s header.
    fn aria_sort(&self, column: &str) -> &'static str {
        match (self.sort == column, self.descending) {
            (false, _) => "none",
            (true, false) => "ascending",
            (true, true) => "descending",
        }
    }
}

/// A user's place in a sorted table: its sort value and id.
impl Cursor for UserCursor {
    fn encode(&self) -> String {
        let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.sort_value.as_bytes());
        format!("{}.{value}", self.id)
    }

    fn decode(text: &str) -> Option<Self> {
        let (id, value) = text.split_once('.')?;
        let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(value).ok()?;
        Some(Self {
            sort_value: String::from_utf8(value).ok()?,
            id: id.parse().ok()?,
        })
    }
}

/// `/customers/{cid}/users`: **Users and licenses**.
pub async fn page(
    agent: SignedIn,
    CustomerPath(customer): CustomerPath,
    Query(query): Query<TableQuery>,
) -> PageResult {
    let (sort, sort_name) = match query.sort.as_str() {
        "username" => (SortField::UserPrincipalName, "username"),
        _ => (SortField::DisplayName, "name"),
    };
    let descending = query.order == "desc";
    let search = query.search.trim().to_owned();
    let base = format!(
        "/customers/{customer}/users?search={}&sort={sort_name}&order={}",
        forms::url_encode(&search),
        if descending { "desc" } else { "asc" }
    );
    let pager = Pager::both_ways(base, &query.place);
    let user_query = UserQuery {
        state: UserState::Active,
        sort,
        descending,
        search: (!search.is_empty()).then(|| search.clone()),
        after: pager.after(),
        limit: PAGE_SIZE,
    };
    let table = users::table(&agent.app, &agent.caller(), customer, user_query)
        .await
        .or_page(&agent.chrome)?;
    let rows = table
        .page
        .users
        .into_iter()
        .zip(table.roles)
        .map(|(user, roles)| Row {
            roles: roles.iter().map(|r| r.name).collect::<Vec<_>>().join(", "),
            user,
        })
        .collect();
    let notice = match query.notice.as_str() {
        "deleted" => Some("The user account was deleted. It can be restored for 30 days from Deleted users."),
        _ => None,
    };
    Ok(render(&UsersPage {
        next: pager.next(table.page.next.as_ref()),
        previous: pager.previous(),
        chrome: agent.chrome,
        customer: table.customer,
        search,
        rows,
        deleted: table.restorable,
        sort: sort_name,
        descending,
        notice,
    }))
}

#[cfg(test)]
mod tests {
    use tenantdesk_domain::UserId;

    use super::*;

    #[test]
    fn cursors_survive_the_url() {
        let cursor = UserCursor {
            sort_value: "Ann, Bé & Co".to_owned(),
            id: UserId::new(),
        };
        assert_eq!(UserCursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(UserCursor::decode("garbage"), None);
    }
}
