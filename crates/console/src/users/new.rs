//! **Add user**: the form, and **Save**, which shows the new user's temporary password once.

use askama::Template;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use tenantdesk_core::users::{self, Input, NewUser};
use tenantdesk_core::{Error, customers};
use tenantdesk_domain::{Customer, CustomerId, DIRECTORY_ROLES, DirectoryRole, FieldError, Password, User};

use super::{UserForm, locations, user_path};
use crate::error::{OrPage as _, PageError, PageResult};
use crate::extract::CustomerPath;
use crate::forms::{self, Outcome, Posted, Problems};
use crate::page::{Chrome, render};
use crate::session::SignedIn;

#[derive(Template)]
#[template(path = "user_new.html")]
struct NewUserPage {
    chrome: Chrome,
    customer: Customer,
    form: UserForm,
    problems: Problems,
    request_id: String,
}

impl NewUserPage {
    fn roles(&self) -> &'static [DirectoryRole] {
        &DIRECTORY_ROLES
    }

    fn locations(&self) -> &'static [&'static str] {
        locations()
    }
}

/// `/customers/{cid}/users/new`: **Add user**.
pub async fn page(agent: SignedIn, CustomerPath(id): CustomerPath) -> PageResult {
    let customer = customers::get(&agent.app, &agent.caller(), id)
        .await
        .or_page(&agent.chrome)?;
    let form = UserForm {
        domain: customer.default_domain().as_str().to_owned(),
        force_change_password: true,
        ..UserForm::default()
    };
    Ok(render(&NewUserPage {
        chrome: agent.chrome,
        customer,
        form,
        problems: Problems::default(),
        request_id: forms::new_request_id(),
    }))
}

/// The user the Add user form asks for.
fn new_user(form: &UserForm) -> Input<NewUser> {
    let mut v = tenantdesk_domain::Validator::new();
    let profile = form.profile(&mut v);
    let roles = users::directory_roles(
        form.directory_role_ids.iter().map(String::as_str),
        "directoryRoleIds",
        &mut v,
    );
    let password = match (&profile.upn, form.generate_password()) {
        (Some(upn), false) => v
            .check("passwordProfile.password", Password::parse(&form.password, upn))
            .map(Some),
        _ => Some(None),
    };
    v.finish()?;
    match (
        profile.upn,
        profile.first_name,
        profile.last_name,
        profile.display_name,
        profile.usage_location,
        password,
    ) {
        (Some(upn), Some(first_name), Some(last_name), Some(display_name), Some(usage_location), Some(password)) => {
            Ok(NewUser {
                upn,
                first_name,
                last_name,
                display_name,
                usage_location,
                password,
                force_change_password: form.force_change_password,
                roles,
            })
        }
        _ => Err(vec![FieldError::new("body", "a required field is missing")]),
    }
}

#[derive(Template)]
#[template(path = "user_created.html")]
struct CreatedPage {
    chrome: Chrome,
    customer: Customer,
    user: User,
    password: String,
}

/// `POST /customers/{cid}/users/new`: **Save** of Add user.
pub async fn create(agent: SignedIn, CustomerPath(id): CustomerPath, posted: Posted<UserForm>) -> PageResult {
    let caller = agent.form_caller(&posted);
    // The customer as the use case read it, for the page that answers.
    let mut read = None;
    let done = users::create(&agent.app, &caller, id, |customer| {
        read = Some(customer.clone());
        new_user(&posted.form)
    })
    .await;
    let outcome = forms::commit(&agent.app, done, |created| user_path(id, created.user.id)).await;
    let (status, problems, request_id) = match outcome {
        Ok(Outcome::Fresh(created)) => {
            return Ok(render(&CreatedPage {
                customer: customer(&agent, read, id).await?,
                chrome: agent.chrome,
                password: created.password.expose().to_owned(),
                user: created.user,
            }));
        }
        Ok(Outcome::Replayed(location)) => return Ok(forms::replayed(&agent.chrome, location)),
        Err(Error::Invalid(problems)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            problems,
            posted.request_id().to_owned(),
        ),
        Err(Error::Conflict(message)) => (
            StatusCode::CONFLICT,
            vec![FieldError::new("userPrincipalName", message)],
            forms::new_request_id(),
        ),
        Err(error) => return Err(PageError::from_core(error, &agent.chrome)),
    };
    // The form again, as typed, with its problems.
    let page = NewUserPage {
        customer: customer(&agent, read, id).await?,
        chrome: agent.chrome,
        form: posted.form,
        problems: Problems(problems),
        request_id,
    };
    Ok((status, render(&page)).into_response())
}

/// The customer `id` as the use case `read` it (before it parses the form), or, had it stopped
/// before reading it, as it is now.
async fn customer(agent: &SignedIn, read: Option<Customer>, id: CustomerId) -> Result<Customer, PageError> {
    match read {
        Some(customer) => Ok(customer),
        None => customers::get(&agent.app, &agent.caller(), id)
            .await
            .or_page(&agent.chrome),
    }
}
