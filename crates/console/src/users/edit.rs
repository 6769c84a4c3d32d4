//! A user's page: its profile, editable, and **Submit**; its roles; the ways to **Reset
//! password**, **Delete user account** and its activity.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tenantdesk_core::Error;
use tenantdesk_core::users::{self, IfDeleted, Input, Profile};
use tenantdesk_domain::{Customer, DirectoryRole, FieldError, User, UserChanges, Validator};

use super::{UserForm, locations, user_path};
use crate::error::{OrPage as _, PageError, PageResult};
use crate::extract::UserPath;
use crate::forms::{self, Outcome, Posted, Problems};
use crate::page::{Chrome, render};
use crate::session::SignedIn;

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    chrome: Chrome,
    customer: Customer,
    user: User,
    roles: Vec<&'static DirectoryRole>,
    form: UserForm,
    problems: Problems,
    notice: Option<&'static str>,
    request_id: String,
    reset_request_id: String,
}

impl UserPage {
    /// The page of `profile`, its form showing `form` with its `problems`.
    fn new(chrome: Chrome, profile: Profile, form: UserForm, problems: Problems) -> Self {
        Self {
            chrome,
            customer: profile.customer,
            user: profile.user,
            roles: profile.roles,
            form,
            problems,
            notice: None,
            request_id: forms::new_request_id(),
            reset_request_id: forms::new_request_id(),
        }
    }

    fn locations(&self) -> &'static [&'static str] {
        locations()
    }
}

/// The user page's query: what was just done.
#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    #[serde(default)]
    notice: String,
}

/// `/customers/{cid}/users/{uid}`: the user's page.
pub async fn show(agent: SignedIn, UserPath { customer, user }: UserPath, Query(query): Query<Notice>) -> PageResult {
    let profile = users::profile(&agent.app, &agent.caller(), customer, user)
        .await
        .or_page(&agent.chrome)?;
    let form = UserForm::of(&profile.user);
    let mut page = UserPage::new(agent.chrome, profile, form, Problems::default());
    page.notice = match query.notice.as_str() {
        "saved" => Some("Your changes were saved."),
        _ => None,
    };
    Ok(render(&page))
}

/// The changes the user form asks for.
fn changes(form: &UserForm) -> Input<UserChanges> {
    let mut v = Validator::new();
    let changes = form.profile(&mut v);
    v.finish()?;
    Ok(changes)
}

/// `POST /customers/{cid}/users/{uid}`: **Submit**.
pub async fn update(agent: SignedIn, UserPath { customer, user }: UserPath, posted: Posted<UserForm>) -> PageResult {
    let caller = agent.form_caller(&posted);
    let saved = format!("{}?notice=saved", user_path(customer, user));
    let done = users::update(&agent.app, &caller, customer, user, IfDeleted::NotFound, |_, _| {
        changes(&posted.form)
    })
    .await;
    let problems = match forms::commit(&agent.app, done, |_| saved.clone()).await {
        Ok(Outcome::Fresh(_)) => return Ok(Redirect::to(&saved).into_response()),
        Ok(Outcome::Replayed(location)) => return Ok(forms::replayed(&agent.chrome, location)),
        Err(Error::Invalid(problems)) => problems,
        Err(Error::Conflict(message)) => vec![FieldError::new("userPrincipalName", message)],
        Err(error) => return Err(PageError::from_core(error, &agent.chrome)),
    };
    // The form again, as typed, with its problems, on the page of the user as it is.
    let profile = users::profile(&agent.app, &agent.caller(), customer, user)
        .await
        .or_page(&agent.chrome)?;
    let page = UserPage::new(agent.chrome, profile, posted.form, Problems(problems));
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}
