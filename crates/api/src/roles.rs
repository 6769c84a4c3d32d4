//! The directory-role routes.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tenantdesk_core::Caller;
use tenantdesk_core::roles;
use tenantdesk_domain::{CustomerId, DirectoryRole, DirectoryRoleId, FieldError, User, UserId};
use tenantdesk_wire::{Attributes, Collection, ErrorBody, UserMember, UserMemberRequest};

use crate::extract::{CustomerPath, JsonBody, MemberPath, RequestDigest, RolePath, UserPath};
use crate::idempotency::{self, Reply};
use crate::response::{json_response, page};
use crate::{ApiState, AppError, paging};

/// What a continuation token of a role's members holds.
#[derive(Serialize, Deserialize)]
struct Continuation {
    customer: CustomerId,
    role: DirectoryRoleId,
    size: u32,
    after: UserId,
}

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
    page(roles.iter().map(|role| render_role(role)).collect(), self_uri, None)
}

/// List the directory roles of a customer
#[utoipa::path(
    get, path = "/v1/customers/{cid}/directoryroles", tag = "roles",
    params(("cid" = String, Path, description = "Customer tenant id")),
    responses(
        (status = 200, description = "The tenant's directory roles", body = Collection<tenantdesk_wire::DirectoryRole>),
        (status = 403, description = "App-only token (2032)", body = ErrorBody),
        (status = 404, description = "Customer not found (60003)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_roles(
    State(state): State<ApiState>,
    caller: Caller,
    CustomerPath(customer): CustomerPath,
) -> Result<Response, AppError> {
    let roles: Vec<&DirectoryRole> = roles::list(state.app(), &caller, customer).await?.iter().collect();
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
        (status = 200, description = "The user's directory roles", body = Collection<tenantdesk_wire::DirectoryRole>),
        (status = 403, description = "App-only token (2032)", body = ErrorBody),
        (status = 404, description = "Customer (60003) or user (60002) not found", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_user_roles(
    State(state): State<ApiState>,
    caller: Caller,
    UserPath(customer, user): UserPath,
) -> Result<Response, AppError> {
    let roles = roles::of_user(state.app(), &caller, customer, user).await?;
    let uri = format!("/customers/{customer}/users/{user}/directoryroles");
    Ok(json_response(StatusCode::OK, &roles_collection(&roles, uri)))
}

/// List the members of a directory role
#[utoipa::path(
    get, path = "/v1/customers/{cid}/directoryroles/{rid}/usermembers", tag = "roles",
    params(
        ("cid" = String, Path, description = "Customer tenant id"),
        ("rid" = String, Path, description = "Directory role (template) id"),
        ("size" = Option<u32>, Query, maximum = 500, description = "Page size, 0 or absent for 100, at most 500"),
        ("seekOperation" = Option<String>, Query, description = "Next, with the MS-ContinuationToken header"),
        ("MS-ContinuationToken" = Option<String>, Header, description = "The continuationToken of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of the role's members", body = Collection<UserMember>),
        (status = 400, description = "Bad parameter or continuation token (3000)", body = ErrorBody),
        (status = 403, description = "App-only token (2032)", body = ErrorBody),
        (status = 404, description = "Customer (60003) or role (60004) not found", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_members(
    State(state): State<ApiState>,
    caller: Caller,
    RolePath(customer, role): RolePath,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Query(params) = query.map_err(|e| AppError::invalid("query", e.body_text()))?;
    let continuation = headers.get("MS-ContinuationToken").and_then(|v| v.to_str().ok());
    let (size, after) = match paging::seek_next(&params, continuation)? {
        None => (paging::page_size(&params)?, None),
        Some(token) => {
            let c: Continuation = paging::open(state.paging_key(), token)?;
            if c.customer != customer || c.role != role {
                return Err(paging::bad_token());
            }
            (c.size, Some(c.after))
        }
    };
    let members = roles::members(state.app(), &caller, customer, role, size, after).await?;
    let next = members
        .next
        .map(|after| {
            let c = Continuation {
                customer,
                role,
                size,
                after,
            };
            paging::seal(state.paging_key(), &c)
        })
        .transpose()?;
    let base = format!("/customers/{customer}/directoryroles/{role}/usermembers?size={size}");
    let items = members.users.iter().map(|u| render_member(u, members.role)).collect();
    let collection = page(items, base, next);
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
        (status = 201, description = "The user is now a member", body = UserMember),
        (status = 400, description = "Not a JSON object, or no or bad user id (3000)", body = ErrorBody),
        (status = 403, description = "App-only token (2032) or role (900150)", body = ErrorBody),
        (status = 404, description = "Customer (60003), role (60004) or user (60002) not found", body = ErrorBody),
        (status = 409, description = "Already a member (3001)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn add_member(
    State(state): State<ApiState>,
    caller: Caller,
    RolePath(customer, role): RolePath,
    body: JsonBody<UserMemberRequest>,
) -> Result<Response, AppError> {
    let caller = caller.asking(&body.digest);
    let request = body.value;
    let done = roles::add_member(state.app(), &caller, customer, role, |role| member_of(&request, role)).await;
    let role = DirectoryRole::find(role);
    idempotency::respond(&state, done, |user| {
        Reply::json(StatusCode::CREATED, role.map(|role| render_member(user, role)))
    })
    .await
}

/// The user an add-member request names for `role`.
fn member_of(request: &UserMemberRequest, role: &DirectoryRole) -> Result<UserId, Vec<FieldError>> {
    let user = match request.id.as_deref() {
        None => return Err(vec![FieldError::new("id", "is required: the id of the user to add")]),
        Some(id) => id
            .parse()
            .map_err(|_| vec![FieldError::new("id", format!("'{id}' is not a user id"))])?,
    };
    if let Some(given) = request.role_id.as_deref()
        && given.parse::<DirectoryRoleId>().ok() != Some(role.id)
    {
        return Err(vec![FieldError::new(
            "roleId",
            "must be the role of the path, or absent",
        )]);
    }
    Ok(user)
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
    State(state): State<ApiState>,
    caller: Caller,
    MemberPath(customer, role, user): MemberPath,
    digest: RequestDigest,
) -> Result<Response, AppError> {
    let caller = caller.asking(&digest.0);
    let done = roles::remove_member(state.app(), &caller, customer, role, user).await;
    idempotency::respond(&state, done, |()| Reply::empty(StatusCode::NO_CONTENT)).await
}
