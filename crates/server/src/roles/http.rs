//! The directory-role routes.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use tenantdesk_domain::{DirectoryRole, Operation, User};
use tenantdesk_wire::{Attributes, Collection, ErrorBody, UserMember, UserMemberRequest};

use crate::audit::Attempt;
use crate::auth::Caller;
use crate::http::{CustomerPath, JsonBody, MemberPath, RequestDigest, RolePath, UserPath, json_response};
use crate::idempotency::{self, Reply};
use crate::users::MANAGE_USERS;
use crate::{App, AppError, paging};

fn render_role(role: &DirectoryRole) -> tenantdesk_wire::DirectoryRole {
    tenantdesk_wire::DirectoryRole {
        id: role.id.as_uuid(),
        name: role.name.to_owned(),
        description: role.description.to_owned(),
        attributes: Attributes::of("DirectoryRole"),
    }
}

fn render_member(user: &User, role: &DirectoryRole) -> UserMember {
    UserMember {
        id: user.id.as_uuid(),
        user_principal_name: user.upn.to_string(),
        display_name: user.display_name.to_string(),
        role_id: role.id.as_uuid(),
        attributes: Attributes::of("UserMember"),
    }
}

fn roles_collection(roles: &[&DirectoryRole], self_uri: String) -> Collection<tenantdesk_wire::DirectoryRole> {
    crate::http::page(roles.iter().map(|role| render_role(role)).collect(), self_uri, None)
}

/// List the directory roles of a customer
#[utoipa::path(
    get, path = "/v1/customers/{cid}/directoryroles", tag = "roles",
    params(("cid" = String, Path, description = "Customer tenant id")),
    responses(
        (status = 200, body = Collection<tenantdesk_wire::DirectoryRole>),
        (status = 404, description = "Customer not found (60003)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_roles(
    State(app): State<App>,
    caller: Caller,
    CustomerPath(customer): CustomerPath,
) -> Result<Response, AppError> {
    let roles: Vec<&DirectoryRole> = super::list(&app, &caller, customer).await?.iter().collect();
    Ok(json_response(
        StatusCode::OK,
        &roles_collection(&roles, format!("/customers/{customer}/directoryroles")),
    ))
}

/// List the directory roles of a user
#[utoipa::path(
    get, path = "/v1/customers/{cid}/users/{uid}/directoryroles", tag = "roles",
    params(("cid" = String, Path, description = "Customer tenant id"), ("uid" = String, Path, description = "User id")),
    responses(
        (status = 200, body = Collection<tenantdesk_wire::DirectoryRole>),
        (status = 404, description = "Customer (60003) or user (60002) not found", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_user_roles(
    State(app): State<App>,
    caller: Caller,
    UserPath(customer, user): UserPath,
) -> Result<Response, AppError> {
    let roles = super::of_user(&app, &caller, customer, user).await?;
    let uri = format!("/customers/{customer}/users/{user}/directoryroles");
    Ok(json_response(StatusCode::OK, &roles_collection(&roles, uri)))
}

/// List the members of a directory role
#[utoipa::path(
    get, path = "/v1/customers/{cid}/directoryroles/{rid}/usermembers", tag = "roles",
    params(
        ("cid" = String, Path, description = "Customer tenant id"),
        ("rid" = String, Path, description = "Directory role (template) id"),
        ("size" = Option<u32>, Query, description = "Page size, 0 or absent for 100, at most 500"),
        ("seekOperation" = Option<String>, Query, description = "Next, with the MS-ContinuationToken header"),
    ),
    responses(
        (status = 200, body = Collection<UserMember>),
        (status = 404, description = "Customer (60003) or role (60004) not found", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_members(
    State(app): State<App>,
    caller: Caller,
    RolePath(customer, role): RolePath,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Query(params) = query.map_err(|e| AppError::invalid("query", e.body_text()))?;
    let continuation = headers.get("MS-ContinuationToken").and_then(|v| v.to_str().ok());
    let token = paging::seek_next(&params, continuation)?;
    let page = super::members(&app, &caller, customer, role, paging::page_size(&params)?, token).await?;
    let base = format!(
        "/customers/{customer}/directoryroles/{role}/usermembers?size={}",
        page.size
    );
    let members = page.users.iter().map(|u| render_member(u, page.role)).collect();
    let collection = crate::http::page(members, base, page.next);
    Ok(json_response(StatusCode::OK, &collection))
}

/// Add a user to a directory role
///
/// The body is the `UserMember` the .NET SDK sends (`{"Id": …, "DisplayName": …,
/// "UserPrincipalName": …, "RoleId": …}`); only `Id` is needed.
#[utoipa::path(
    post, path = "/v1/customers/{cid}/directoryroles/{rid}/usermembers", tag = "roles",
    params(("cid" = String, Path, description = "Customer tenant id"), ("rid" = String, Path, description = "Directory role id")),
    request_body = UserMemberRequest,
    responses(
        (status = 201, body = UserMember),
        (status = 400, description = "No or bad user id (3000)", body = ErrorBody),
        (status = 403, description = "App-only token (2032) or role (900150)", body = ErrorBody),
        (status = 404, description = "Customer (60003), role (60004) or user (60002) not found", body = ErrorBody),
        (status = 409, description = "Already a member (3001)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn add_member(
    State(app): State<App>,
    caller: Caller,
    RolePath(customer, role): RolePath,
    body: JsonBody<UserMemberRequest>,
) -> Result<Response, AppError> {
    let key = idempotency::key(&caller, &body.digest);
    let attempt = Attempt::new(
        Operation::AddDirectoryRoleMember,
        MANAGE_USERS,
        customer,
        body.value.id.clone(),
    );
    let work = super::add_member(&app, &caller, customer, role, body.value);
    let role = DirectoryRole::find(role);
    idempotency::respond(&app, &caller, key, attempt, work, |user| {
        Reply::json(StatusCode::CREATED, role.map(|role| render_member(user, role)))
    })
    .await
}

/// Remove a user from a directory role
#[utoipa::path(
    delete, path = "/v1/customers/{cid}/directoryroles/{rid}/usermembers/{uid}", tag = "roles",
    params(
        ("cid" = String, Path, description = "Customer tenant id"),
        ("rid" = String, Path, description = "Directory role id"),
        ("uid" = String, Path, description = "User id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "App-only token (2032) or role (900150)", body = ErrorBody),
        (status = 404, description = "Customer (60003) or role (60004) not found, or not a member (60002)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn remove_member(
    State(app): State<App>,
    caller: Caller,
    MemberPath(customer, role, user): MemberPath,
    digest: RequestDigest,
) -> Result<Response, AppError> {
    let key = idempotency::key(&caller, &digest.0);
    let attempt = Attempt::new(
        Operation::RemoveDirectoryRoleMember,
        MANAGE_USERS,
        customer,
        Some(user.to_string()),
    );
    let work = super::remove_member(&app, &caller, customer, role, user);
    idempotency::respond(&app, &caller, key, attempt, work, |()| {
        Reply::empty(StatusCode::NO_CONTENT)
    })
    .await
}
