//! The user routes of Partner Center's REST API.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use tenantdesk_domain::{Operation, Password, User};
use tenantdesk_wire::{
    Attributes, Collection, CustomerUser, CustomerUserRequest, ErrorBody, Link, PasswordProfile, ResourceLinks,
    UserState,
};

use crate::audit::Attempt;
use crate::auth::Caller;
use crate::http::{CustomerPath, JsonBody, RequestDigest, UserPath, json_response};
use crate::idempotency::{self, Body, Reply};
use crate::{App, AppError, paging};

/// A user as Partner Center shows it; with `password`, the profile of a password just set.
pub fn render(user: &User, password: Option<&Password>) -> CustomerUser {
    CustomerUser {
        id: user.id.as_uuid(),
        user_principal_name: user.upn.to_string(),
        first_name: user.first_name.as_ref().map(|n| n.as_str().to_owned()),
        last_name: user.last_name.as_ref().map(|n| n.as_str().to_owned()),
        display_name: user.display_name.to_string(),
        usage_location: user.usage_location.to_string(),
        password_profile: password.map(|p| PasswordProfile {
            force_change_password: Some(user.force_change_password),
            password: Some(p.expose().to_owned()),
        }),
        last_directory_sync_time: None,
        user_domain_type: "none".to_owned(),
        state: match user.state {
            tenantdesk_domain::UserState::Active => UserState::Active,
            tenantdesk_domain::UserState::Inactive => UserState::Inactive,
        },
        soft_deletion_time: user.soft_deleted_at,
        links: ResourceLinks {
            self_link: Link::get(format!("/customers/{}/users/{}", user.customer, user.id)),
        },
        attributes: Attributes::of("CustomerUser"),
    }
}

/// The reply carrying `user` (and the password just set), recorded for replay without it.
pub(crate) fn user_reply(status: StatusCode, user: &User, password: Option<&Password>) -> Reply {
    let sent = render(user, password);
    let mut recorded = sent.clone();
    if let Some(profile) = recorded.password_profile.as_mut() {
        profile.password = None;
    }
    Reply {
        status,
        body: serde_json::to_value(sent).ok().map(Body::Json),
        recorded_body: serde_json::to_value(recorded).ok(),
        holds_password: password.is_some(),
    }
}

/// Create a user
///
/// Without `passwordProfile.password`, a temporary password is generated. The password is in this
/// response and never again (`Cache-Control: no-store`).
#[utoipa::path(
    post, path = "/v1/customers/{cid}/users", tag = "users",
    params(("cid" = String, Path, description = "Customer tenant id")),
    request_body = CustomerUserRequest,
    responses(
        (status = 201, description = "Created; the password is shown once", body = CustomerUser),
        (status = 400, description = "Invalid field (code 3000)", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "App-only token (2032) or role (900150)", body = ErrorBody),
        (status = 404, description = "Customer not found (60003)", body = ErrorBody),
        (status = 409, description = "UPN in use (3001)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_user(
    State(app): State<App>,
    caller: Caller,
    CustomerPath(customer): CustomerPath,
    body: JsonBody<CustomerUserRequest>,
) -> Result<Response, AppError> {
    let key = idempotency::key(&caller, &body.digest);
    let attempt = Attempt::new(Operation::CreateCustomerUser, customer, None);
    let work = super::create(&app, &caller, customer, body.value);
    idempotency::respond(&app, &caller, key, attempt, work, |created| {
        user_reply(StatusCode::CREATED, &created.user, Some(&created.password))
    })
    .await
}

/// Get a user
#[utoipa::path(
    get, path = "/v1/customers/{cid}/users/{uid}", tag = "users",
    params(("cid" = String, Path, description = "Customer tenant id"), ("uid" = String, Path, description = "User id")),
    responses(
        (status = 200, body = CustomerUser),
        (status = 404, description = "Customer (60003) or user (60002) not found", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_user(
    State(app): State<App>,
    caller: Caller,
    UserPath(customer, user): UserPath,
) -> Result<Response, AppError> {
    let user = super::get(&app, &caller, customer, user).await?;
    Ok(json_response(StatusCode::OK, &render(&user, None)))
}

/// List users
///
/// Active users by default; deleted ones with
/// `filter={"Field":"UserState","Value":"Inactive","Operator":"equals"}`. Follow `links.next`
/// (`seekOperation=Next` with the `MS-ContinuationToken` header) for the next page.
#[utoipa::path(
    get, path = "/v1/customers/{cid}/users", tag = "users",
    params(
        ("cid" = String, Path, description = "Customer tenant id"),
        ("size" = Option<u32>, Query, description = "Page size, 0 or absent for 100, at most 500"),
        ("filter" = Option<String>, Query, description = "JSON: {\"Field\":\"UserState\",\"Value\":\"Inactive\",\"Operator\":\"equals\"}"),
        ("sortField" = Option<String>, Query, description = "userPrincipalName (default) or displayName"),
        ("sortDirection" = Option<String>, Query, description = "ascending (default) or descending"),
        ("seekOperation" = Option<String>, Query, description = "Next, with the MS-ContinuationToken header"),
        ("MS-ContinuationToken" = Option<String>, Header, description = "The continuationToken of the previous page"),
    ),
    responses(
        (status = 200, body = Collection<CustomerUser>),
        (status = 400, description = "Bad parameter or continuation token (3000)", body = ErrorBody),
        (status = 404, description = "Customer not found (60003)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_users(
    State(app): State<App>,
    caller: Caller,
    CustomerPath(customer): CustomerPath,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Query(params) = query.map_err(|e| AppError::invalid("query", e.body_text()))?;
    let continuation = headers.get("MS-ContinuationToken").and_then(|v| v.to_str().ok());
    let user_query = paging::user_query(app.paging_key(), customer, &params, continuation)?;
    let page = super::list(&app, &caller, customer, user_query).await?;

    let base = format!("/customers/{customer}/users?size={}", page.query.limit);
    let collection = crate::http::page(page.users.iter().map(|u| render(u, None)).collect(), base, page.next);
    Ok(json_response(StatusCode::OK, &collection))
}

/// Update a user, reset its password, or restore it
///
/// Absent or null fields stay as they are; read-only fields are ignored. `passwordProfile` resets
/// the password (shown in this response only, `Cache-Control: no-store`). `state: active` restores a user deleted in the
/// last 30 days.
#[utoipa::path(
    patch, path = "/v1/customers/{cid}/users/{uid}", tag = "users",
    params(("cid" = String, Path, description = "Customer tenant id"), ("uid" = String, Path, description = "User id")),
    request_body = CustomerUserRequest,
    responses(
        (status = 200, body = CustomerUser),
        (status = 400, description = "Invalid field (3000)", body = ErrorBody),
        (status = 403, description = "App-only token (2032) or role (900150)", body = ErrorBody),
        (status = 404, description = "Customer (60003) or user (60002) not found, or restore window passed", body = ErrorBody),
        (status = 409, description = "UPN in use, or restore conflict (3001)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn update_user(
    State(app): State<App>,
    caller: Caller,
    UserPath(customer, user): UserPath,
    body: JsonBody<CustomerUserRequest>,
) -> Result<Response, AppError> {
    let key = idempotency::key(&caller, &body.digest);
    let attempt = Attempt::new(Operation::UpdateCustomerUser, customer, Some(user.to_string()));
    let work = super::update(&app, &caller, customer, user, body.value);
    idempotency::respond(&app, &caller, key, attempt, work, |updated| {
        user_reply(StatusCode::OK, &updated.user, updated.password.as_ref())
    })
    .await
}

/// Delete a user
///
/// A soft delete: the user can be restored for 30 days, then it is purged.
#[utoipa::path(
    delete, path = "/v1/customers/{cid}/users/{uid}", tag = "users",
    params(("cid" = String, Path, description = "Customer tenant id"), ("uid" = String, Path, description = "User id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "App-only token (2032) or role (900150)", body = ErrorBody),
        (status = 404, description = "Customer (60003) or user (60002) not found", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn delete_user(
    State(app): State<App>,
    caller: Caller,
    UserPath(customer, user): UserPath,
    digest: RequestDigest,
) -> Result<Response, AppError> {
    let key = idempotency::key(&caller, &digest.0);
    let attempt = Attempt::new(Operation::DeleteCustomerUser, customer, Some(user.to_string()));
    let work = super::delete(&app, &caller, customer, user);
    idempotency::respond(&app, &caller, key, attempt, work, |()| {
        Reply::empty(StatusCode::NO_CONTENT)
    })
    .await
}
