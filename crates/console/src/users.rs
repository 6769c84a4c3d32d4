//! **Users and licenses** of a customer: the table (sorted and paged in the URL), **Add user**, a
//! user's page with **Submit**, **Reset password** and **Delete user account**.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use serde::Deserialize;
use tenantdesk_core::users::{self, IfDeleted, Input, NewUser, PasswordReset};
use tenantdesk_core::{App, Error, RequestIds, roles};
use tenantdesk_domain::{
    Customer, DIRECTORY_ROLES, DirectoryRole, DirectoryRoleId, DisplayName, FieldError, Password, PersonName,
    UsageLocation, User, UserChanges, UserId, UserPrincipalName, UserState, Validator,
};
use tenantdesk_store::{SortField, UserCursor, UserQuery};

use crate::customers::customer;
use crate::error::PageError;
use crate::forms::{self, Fields, Outcome, Problems};
use crate::page::{Chrome, render};
use crate::session::SignedIn;

/// How many pages back **Previous** can go, one at a time.
const MAX_TRAIL: usize = 50;
/// Users per page of the table.
const PAGE_SIZE: u32 = 20;
/// The most deleted users the tab counts and lists.
pub const DELETED_SHOWN: u32 = 500;

/// The table's place: sort, order and page, all in the URL so Back and a bookmark find it again.
#[derive(Debug, Default, Deserialize)]
pub struct TableQuery {
    /// Only users whose username or display name contains this.
    #[serde(default)]
    search: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    order: String,
    #[serde(default)]
    after: String,
    /// The cursors of the pages before this one, for **Previous**.
    #[serde(default)]
    trail: String,
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

fn encode_cursor(cursor: &UserCursor) -> String {
    let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(cursor.sort_value.as_bytes());
    format!("{}.{value}", cursor.id)
}

fn decode_cursor(text: &str) -> Option<UserCursor> {
    let (id, value) = text.split_once('.')?;
    let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(value).ok()?;
    Some(UserCursor {
        sort_value: String::from_utf8(value).ok()?,
        id: id.parse().ok()?,
    })
}

/// The roles of `user`, by display name.
async fn role_names(
    app: &App,
    agent: &SignedIn,
    customer: &Customer,
    user: &User,
) -> Result<Vec<&'static DirectoryRole>, Error> {
    roles::of_user(app, &agent.caller(RequestIds::generate()), customer.id, user.id).await
}

/// How many of the customer's deleted users can still be restored.
pub async fn restorable(app: &App, agent: &SignedIn, customer: &Customer) -> Result<Vec<User>, Error> {
    let query = UserQuery {
        state: UserState::Inactive,
        sort: SortField::DisplayName,
        descending: false,
        search: None,
        after: None,
        limit: DELETED_SHOWN,
    };
    let page = users::list(app, &agent.caller(RequestIds::generate()), customer.id, query).await?;
    let now = app.now();
    Ok(page.users.into_iter().filter(|u| u.restorable(now)).collect())
}

/// `/customers/{cid}/users`: **Users and licenses**.
pub async fn list(
    State(app): State<App>,
    agent: SignedIn,
    Path(cid): Path<String>,
    Query(query): Query<TableQuery>,
) -> Response {
    let customer = match customer(&app, &agent, &cid).await {
        Ok(customer) => customer,
        Err(error) => return error.into_response(),
    };
    let (sort, sort_name) = match query.sort.as_str() {
        "username" => (SortField::UserPrincipalName, "username"),
        _ => (SortField::DisplayName, "name"),
    };
    let descending = query.order == "desc";
    let search = query.search.trim().to_owned();
    let user_query = UserQuery {
        state: UserState::Active,
        sort,
        descending,
        search: (!search.is_empty()).then(|| search.clone()),
        after: decode_cursor(&query.after),
        limit: PAGE_SIZE,
    };
    let loaded = async {
        let caller = agent.caller(RequestIds::generate());
        let page = users::list(&app, &caller, customer.id, user_query).await?;
        let roles = roles::of_users(&app, &caller, customer.id, &page.users).await?;
        let rows = page
            .users
            .into_iter()
            .zip(roles)
            .map(|(user, roles)| Row {
                roles: roles.iter().map(|r| r.name).collect::<Vec<_>>().join(", "),
                user,
            })
            .collect();
        let deleted = users::restorable_count(&app, &caller, customer.id).await?;
        Ok::<_, Error>((rows, page.next, deleted))
    };
    let (rows, next, deleted) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return PageError::from_core(error, &agent.chrome).into_response(),
    };
    let base = format!(
        "/customers/{}/users?search={}&sort={sort_name}&order={}",
        customer.id,
        forms::url_encode(&search),
        if descending { "desc" } else { "asc" }
    );
    let trail: Vec<&str> = query.trail.split(',').filter(|t| !t.is_empty()).collect();
    // The way back is kept for MAX_TRAIL pages; further back, Previous leads to the first page.
    let trail = trail[trail.len().saturating_sub(MAX_TRAIL)..].to_vec();
    let here = query.after.as_str();
    let next = next.map(|cursor| {
        let mut trail = trail.clone();
        trail.push(if here.is_empty() { "-" } else { here });
        let trail = forms::url_encode(&trail.join(","));
        format!(
            "{base}&after={}&trail={trail}",
            forms::url_encode(&encode_cursor(&cursor))
        )
    });
    let previous = (!here.is_empty()).then(|| match trail.split_last() {
        Some((last, rest)) if *last != "-" => format!(
            "{base}&after={}&trail={}",
            forms::url_encode(last),
            forms::url_encode(&rest.join(","))
        ),
        _ => base.clone(),
    });
    let notice = match query.notice.as_str() {
        "deleted" => Some("The user account was deleted. It can be restored for 30 days from Deleted users."),
        _ => None,
    };
    render(&UsersPage {
        chrome: agent.chrome,
        customer,
        search,
        rows,
        deleted,
        sort: sort_name,
        descending,
        next,
        previous,
        notice,
    })
}

/// The values of the user form, as typed (to show them again with their problems).
#[derive(Debug, Default)]
pub struct UserForm {
    first_name: String,
    last_name: String,
    display_name: String,
    username: String,
    domain: String,
    usage_location: String,
    roles: Vec<String>,
    generate_password: bool,
    force_change: bool,
}

impl UserForm {
    fn from_fields(fields: &Fields) -> Self {
        Self {
            first_name: fields.get("firstName").to_owned(),
            last_name: fields.get("lastName").to_owned(),
            display_name: fields.get("displayName").to_owned(),
            username: fields.get("username").trim().to_owned(),
            domain: fields.get("domain").to_owned(),
            usage_location: fields.get("usageLocation").to_owned(),
            roles: fields.all("directoryRoleIds").into_iter().map(str::to_owned).collect(),
            generate_password: fields.get("passwordChoice") != "custom",
            force_change: fields.checked("forceChangePassword"),
        }
    }

    fn of(user: &User) -> Self {
        Self {
            first_name: user
                .first_name
                .as_ref()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default(),
            last_name: user
                .last_name
                .as_ref()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default(),
            display_name: user.display_name.as_str().to_owned(),
            username: user.upn.local_part().to_owned(),
            domain: user.upn.domain().as_str().to_owned(),
            usage_location: user.usage_location.as_str().to_owned(),
            roles: Vec::new(),
            generate_password: true,
            force_change: user.force_change_password,
        }
    }

    fn has_role(&self, id: &DirectoryRoleId) -> bool {
        self.roles.iter().any(|r| *r == id.to_string())
    }

    /// The UPN the username and domain fields make; problems under `userPrincipalName`.
    fn upn(&self, v: &mut Validator) -> Option<UserPrincipalName> {
        if self.username.is_empty() {
            v.push(FieldError::new("userPrincipalName", "is required"));
            return None;
        }
        v.check(
            "userPrincipalName",
            UserPrincipalName::parse(&format!("{}@{}", self.username, self.domain)),
        )
    }

    fn optional_name(v: &mut Validator, field: &str, value: &str) -> Option<Option<PersonName>> {
        v.check(field, PersonName::parse(value))
    }
}

/// The locations a form offers.
fn locations() -> &'static [&'static str] {
    UsageLocation::codes()
}

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
pub async fn new_page(State(app): State<App>, agent: SignedIn, Path(cid): Path<String>) -> Response {
    let customer = match customer(&app, &agent, &cid).await {
        Ok(customer) => customer,
        Err(error) => return error.into_response(),
    };
    let form = UserForm {
        domain: customer.default_domain().as_str().to_owned(),
        generate_password: true,
        force_change: true,
        ..UserForm::default()
    };
    render(&NewUserPage {
        chrome: agent.chrome,
        customer,
        form,
        problems: Problems::default(),
        request_id: forms::new_request_id(),
    })
}

/// The user the Add user form asks for.
fn new_user(form: &UserForm, typed_password: &str) -> Input<NewUser> {
    let mut v = Validator::new();
    let upn = form.upn(&mut v);
    let first_name = UserForm::optional_name(&mut v, "firstName", &form.first_name);
    let last_name = UserForm::optional_name(&mut v, "lastName", &form.last_name);
    let display_name = if form.display_name.trim().is_empty() {
        v.push(FieldError::new("displayName", "is required"));
        None
    } else {
        v.check("displayName", DisplayName::parse(&form.display_name))
    };
    let usage_location = v.check("usageLocation", UsageLocation::parse(&form.usage_location));
    let roles = users::directory_roles(form.roles.iter().map(String::as_str), "directoryRoleIds", &mut v);
    let password = match (&upn, form.generate_password) {
        (Some(upn), false) => v
            .check("passwordProfile.password", Password::parse(typed_password, upn))
            .map(Some),
        _ => Some(None),
    };
    v.finish()?;
    match (upn, first_name, last_name, display_name, usage_location, password) {
        (Some(upn), Some(first_name), Some(last_name), Some(display_name), Some(usage_location), Some(password)) => {
            Ok(NewUser {
                upn,
                first_name,
                last_name,
                display_name,
                usage_location,
                password,
                force_change_password: form.force_change,
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
pub async fn create(
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
    let form = UserForm::from_fields(&fields);
    let caller = agent.form_caller(&fields, uri.path());
    let typed = fields.get("password");
    let done = users::create(&app, &caller, customer.id, |_| new_user(&form, typed)).await;
    let outcome = forms::commit(&app, done, |created| user_path(&customer, created.user.id)).await;
    match outcome {
        Ok(Outcome::Fresh(created)) => render(&CreatedPage {
            chrome: agent.chrome,
            customer,
            password: created.password.expose().to_owned(),
            user: created.user,
        }),
        Ok(Outcome::Replayed(location)) => forms::replayed(&agent.chrome, location),
        Err(Error::Invalid(problems)) => {
            let page = NewUserPage {
                chrome: agent.chrome,
                customer,
                form,
                problems: Problems(problems),
                request_id: fields.get(forms::REQUEST_ID).to_owned(),
            };
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
        Err(Error::Conflict(message)) => {
            let page = NewUserPage {
                chrome: agent.chrome,
                customer,
                form,
                problems: Problems(vec![FieldError::new("userPrincipalName", message)]),
                request_id: forms::new_request_id(),
            };
            (StatusCode::CONFLICT, render(&page)).into_response()
        }
        Err(error) => PageError::from_core(error, &agent.chrome).into_response(),
    }
}

fn user_path(customer: &Customer, user: UserId) -> String {
    format!("/customers/{}/users/{user}", customer.id)
}

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
    fn locations(&self) -> &'static [&'static str] {
        locations()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct UserQueryString {
    #[serde(default)]
    notice: String,
}

async fn user_of(app: &App, agent: &SignedIn, cid: &str, uid: &str) -> Result<(Customer, User), PageError> {
    let customer = customer(app, agent, cid).await?;
    let id: UserId = uid
        .parse()
        .map_err(|_| PageError::from_core(Error::user_not_found(), &agent.chrome))?;
    let user = users::get(app, &agent.caller(RequestIds::generate()), customer.id, id)
        .await
        .map_err(|error| PageError::from_core(error, &agent.chrome))?;
    Ok((customer, user))
}

/// `/customers/{cid}/users/{uid}`: the user's page.
pub async fn show(
    State(app): State<App>,
    agent: SignedIn,
    Path((cid, uid)): Path<(String, String)>,
    Query(query): Query<UserQueryString>,
) -> Response {
    let (customer, user) = match user_of(&app, &agent, &cid, &uid).await {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let roles = match role_names(&app, &agent, &customer, &user).await {
        Ok(roles) => roles,
        Err(error) => return PageError::from_core(error, &agent.chrome).into_response(),
    };
    let notice = match query.notice.as_str() {
        "saved" => Some("Your changes were saved."),
        _ => None,
    };
    render(&UserPage {
        chrome: agent.chrome,
        form: UserForm::of(&user),
        customer,
        user,
        roles,
        problems: Problems::default(),
        notice,
        request_id: forms::new_request_id(),
        reset_request_id: forms::new_request_id(),
    })
}

/// The changes the user form asks for.
fn changes(form: &UserForm) -> Input<UserChanges> {
    let mut v = Validator::new();
    let upn = form.upn(&mut v);
    let first_name = UserForm::optional_name(&mut v, "firstName", &form.first_name);
    let last_name = UserForm::optional_name(&mut v, "lastName", &form.last_name);
    let display_name = if form.display_name.trim().is_empty() {
        v.push(FieldError::new("displayName", "is required"));
        None
    } else {
        v.check("displayName", DisplayName::parse(&form.display_name))
    };
    let usage_location = v.check("usageLocation", UsageLocation::parse(&form.usage_location));
    v.finish()?;
    Ok(UserChanges {
        upn,
        first_name,
        last_name,
        display_name,
        usage_location,
        password: None,
        force_change_password: None,
    })
}

/// `POST /customers/{cid}/users/{uid}`: **Submit**.
pub async fn update(
    State(app): State<App>,
    agent: SignedIn,
    Path((cid, uid)): Path<(String, String)>,
    uri: Uri,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let (customer, user) = match user_of(&app, &agent, &cid, &uid).await {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let fields = Fields(fields);
    let form = UserForm::from_fields(&fields);
    let caller = agent.form_caller(&fields, uri.path());
    let path = user_path(&customer, user.id);
    let done = users::update(&app, &caller, customer.id, user.id, IfDeleted::NotFound, |_, _| {
        changes(&form)
    })
    .await;
    let outcome = forms::commit(&app, done, |_| format!("{path}?notice=saved")).await;
    let problems = match outcome {
        Ok(Outcome::Fresh(_)) => return Redirect::to(&format!("{path}?notice=saved")).into_response(),
        Ok(Outcome::Replayed(location)) => return forms::replayed(&agent.chrome, location),
        Err(Error::Invalid(problems)) => problems,
        Err(Error::Conflict(message)) => vec![FieldError::new("userPrincipalName", message)],
        Err(error) => return PageError::from_core(error, &agent.chrome).into_response(),
    };
    let roles = role_names(&app, &agent, &customer, &user).await.unwrap_or_default();
    let page = UserPage {
        chrome: agent.chrome,
        customer,
        user,
        roles,
        form,
        problems: Problems(problems),
        notice: None,
        request_id: forms::new_request_id(),
        reset_request_id: forms::new_request_id(),
    };
    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
}

#[derive(Template)]
#[template(path = "password_reset.html")]
struct ResetPage {
    chrome: Chrome,
    customer: Customer,
    user: User,
    password: String,
}

/// `POST /customers/{cid}/users/{uid}/reset-password`: **Reset password**.
pub async fn reset_password(
    State(app): State<App>,
    agent: SignedIn,
    Path((cid, uid)): Path<(String, String)>,
    uri: Uri,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let (customer, user) = match user_of(&app, &agent, &cid, &uid).await {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let fields = Fields(fields);
    let caller = agent.form_caller(&fields, uri.path());
    let path = user_path(&customer, user.id);
    let reset = || {
        Ok(PasswordReset {
            password: None,
            field: "password",
        })
    };
    let done = users::reset_password(&app, &caller, customer.id, user.id, None, |_| reset()).await;
    let outcome = forms::commit(&app, done, |_| path.clone()).await;
    match outcome {
        Ok(Outcome::Fresh(updated)) => match updated.password {
            Some(password) => render(&ResetPage {
                chrome: agent.chrome,
                customer,
                user: updated.user,
                password: password.expose().to_owned(),
            }),
            None => Redirect::to(&path).into_response(),
        },
        Ok(Outcome::Replayed(location)) => forms::replayed(&agent.chrome, location),
        Err(error) => PageError::from_core(error, &agent.chrome).into_response(),
    }
}

#[derive(Template)]
#[template(path = "user_delete.html")]
struct DeletePage {
    chrome: Chrome,
    customer: Customer,
    user: User,
    request_id: String,
}

/// `/customers/{cid}/users/{uid}/delete`: the confirmation of **Delete user account**.
pub async fn delete_page(
    State(app): State<App>,
    agent: SignedIn,
    Path((cid, uid)): Path<(String, String)>,
) -> Response {
    match user_of(&app, &agent, &cid, &uid).await {
        Ok((customer, user)) => render(&DeletePage {
            chrome: agent.chrome,
            customer,
            user,
            request_id: forms::new_request_id(),
        }),
        Err(error) => error.into_response(),
    }
}

/// `POST /customers/{cid}/users/{uid}/delete`: **Delete user account**, confirmed.
pub async fn delete(
    State(app): State<App>,
    agent: SignedIn,
    Path((cid, uid)): Path<(String, String)>,
    uri: Uri,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let customer = match customer(&app, &agent, &cid).await {
        Ok(customer) => customer,
        Err(error) => return error.into_response(),
    };
    let Ok(id) = uid.parse::<UserId>() else {
        return PageError::from_core(Error::user_not_found(), &agent.chrome).into_response();
    };
    let fields = Fields(fields);
    let caller = agent.form_caller(&fields, uri.path());
    let to = format!("/customers/{}/users?notice=deleted", customer.id);
    let outcome = forms::commit(&app, users::delete(&app, &caller, customer.id, id).await, |()| {
        to.clone()
    })
    .await;
    match outcome {
        Ok(Outcome::Fresh(())) => Redirect::to(&to).into_response(),
        Ok(Outcome::Replayed(location)) => forms::replayed(&agent.chrome, location),
        Err(error) => PageError::from_core(error, &agent.chrome).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_survive_the_url() {
        let cursor = UserCursor {
            sort_value: "Ann, Bé & Co".to_owned(),
            id: UserId::new(),
        };
        assert_eq!(decode_cursor(&encode_cursor(&cursor)), Some(cursor));
        assert_eq!(decode_cursor("garbage"), None);
    }
}
