//! The user routes of Partner Center's REST API: requests parsed into the use cases' inputs,
//! results rendered as Partner Center's `CustomerUser`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use tenantdesk_core::Caller;
use tenantdesk_core::users::{self, IfDeleted, Input, NewUser};
use tenantdesk_domain::{
    Customer, DisplayName, FieldError, Password, PersonName, UsageLocation, User, UserChanges, UserPrincipalName,
    Validator,
};
use tenantdesk_wire::{Collection, CustomerUser, CustomerUserRequest, ErrorBody, UserState};

use crate::extract::{CustomerPath, JsonBody, RequestDigest, UserPath};
use crate::idempotency::{self, Reply};
use crate::response::json_bytes_response;
use crate::{ApiState, AppError, paging, user_json};

/// The profile fields of a request, parsed as the changes they ask for (no password); problems go
/// to `v`.
fn parse_profile(request: &CustomerUserRequest, v: &mut Validator) -> UserChanges {
    fn field<T>(v: &mut Validator, name: &str, value: Option<&str>, parse: fn(&str) -> Result<T, String>) -> Option<T> {
        value.and_then(|value| v.check(name, parse(value)))
    }
    UserChanges {
        upn: field(
            v,
            "userPrincipalName",
            request.user_principal_name.as_deref(),
            UserPrincipalName::parse,
        ),
        first_name: field(v, "firstName", request.first_name.as_deref(), PersonName::parse),
        last_name: field(v, "lastName", request.last_name.as_deref(), PersonName::parse),
        display_name: field(v, "displayName", request.display_name.as_deref(), DisplayName::parse),
        usage_location: field(
            v,
            "usageLocation",
            request.usage_location.as_deref(),
            UsageLocation::parse,
        ),
        ..UserChanges::default()
    }
}

/// The user a create request asks for, for `customer`.
fn new_user(request: &CustomerUserRequest, customer: &Customer) -> Input<NewUser> {
    let mut v = Validator::new();
    let profile = parse_profile(request, &mut v);
    for (field, given) in [
        ("userPrincipalName", request.user_principal_name.is_some()),
        ("displayName", request.display_name.is_some()),
        ("usageLocation", request.usage_location.is_some()),
    ] {
        if !given {
            v.push(FieldError::new(field, "is required"));
        }
    }
    if let Some(problem) = profile
        .upn
        .as_ref()
        .and_then(|upn| users::domain_problem(customer, upn, "userPrincipalName"))
    {
        v.push(problem);
    }
    let ids = request.directory_role_ids.as_deref().unwrap_or_default();
    let roles = users::directory_roles(ids.iter().map(String::as_str), "directoryRoleIds", &mut v);
    let profile_password = request.password_profile.as_ref();
    let password = match (&profile.upn, profile_password.and_then(|p| p.password.as_deref())) {
        (Some(upn), Some(given)) => v
            .check("passwordProfile.password", Password::parse(given, upn))
            .map(Some),
        _ => None,
    };
    v.finish()?;
    match (profile.upn, profile.display_name, profile.usage_location) {
        (Some(upn), Some(display_name), Some(usage_location)) => Ok(NewUser {
            upn,
            first_name: profile.first_name.flatten(),
            last_name: profile.last_name.flatten(),
            display_name,
            usage_location,
            password: password.flatten(),
            force_change_password: profile_password.and_then(|p| p.force_change_password).unwrap_or(true),
            roles,
        }),
        _ => Err(vec![FieldError::new("body", "a required field is missing")]),
    }
}

/// The changes a PATCH request asks of `current`, a user of `customer`.
fn changes(request: &CustomerUserRequest, customer: &Customer, current: &User) -> Input<UserChanges> {
    let mut v = Validator::new();
    let profile = parse_profile(request, &mut v);
    if request.state == Some(UserState::Inactive) {
        v.push(FieldError::new(
            "state",
            "a user is deleted with DELETE, not by setting its state",
        ));
    }
    if let Some(problem) = profile
        .upn
        .as_ref()
        .filter(|upn| **upn != current.upn)
        .and_then(|upn| users::domain_problem(customer, upn, "userPrincipalName"))
    {
        v.push(problem);
    }
    let final_upn = profile.upn.as_ref().unwrap_or(&current.upn);
    let password_profile = request.password_profile.as_ref();
    let password = password_profile
        .and_then(|p| p.password.as_deref())
        .and_then(|given| v.check("passwordProfile.password", Password::parse(given, final_upn)));
    v.finish()?;
    Ok(UserChanges {
        password,
        force_change_password: password_profile.and_then(|p| p.force_change_password),
        ..profile
    })
}

/// Create a user
///
/// Without `passwordProfile.password`, a temporary password is generated. The password is in this
/// response and never again.
#[utoipa::path(
    post, path = "/v1/customers/{cid}/users", tag = "users",
    params(("cid" = String, Path, description = "Customer tenant id")),
    request_body = tenantdesk_wire::CustomerUserCreateRequest,
    responses(
        (status = 200, description = "Created; the password is shown once", body = CustomerUser),
        (status = 400, description = "Not a JSON object, a required field missing, or an invalid field (3000)", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "App-only token (2032) or role (900150)", body = ErrorBody),
        (status = 404, description = "Customer not found (60003)", body = ErrorBody),
        (status = 409, description = "UPN in use (3001)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_user(
    State(state): State<ApiState>,
    caller: Caller,
    CustomerPath(customer): CustomerPath,
    body: JsonBody<CustomerUserRequest>,
) -> Result<Response, AppError> {
    let caller = caller.asking(&body.digest);
    let done = users::create(state.app(), &caller, customer, |customer| {
        new_user(&body.value, customer)
    })
    .await;
    idempotency::respond(&state, done, |created| {
        user_json::reply(StatusCode::OK, &created.user, Some(&created.password))
    })
    .await
}

/// Get a user
#[utoipa::path(
    get, path = "/v1/customers/{cid}/users/{uid}", tag = "users",
    params(("cid" = String, Path, description = "Customer tenant id"), ("uid" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = CustomerUser),
        (status = 403, description = "App-only token (2032)", body = ErrorBody),
        (status = 404, description = "Customer (60003) or user (60002) not found", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_user(
    State(state): State<ApiState>,
    caller: Caller,
    UserPath(customer, user): UserPath,
) -> Result<Response, AppError> {
    let user = users::get(state.app(), &caller, customer, user).await?;
    Ok(json_bytes_response(StatusCode::OK, Ok(user_json::user(&user))))
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
        ("size" = Option<u32>, Query, maximum = 500, description = "Page size, 0 or absent for 100, at most 500"),
        ("filter" = Option<String>, Query, description = "JSON: {\"Field\":\"UserState\",\"Value\":\"Inactive\",\"Operator\":\"equals\"}"),
        ("sortField" = Option<String>, Query, description = "userPrincipalName (default) or displayName"),
        ("sortDirection" = Option<String>, Query, description = "ascending (default) or descending"),
        ("seekOperation" = Option<String>, Query, description = "Next, with the MS-ContinuationToken header"),
        ("MS-ContinuationToken" = Option<String>, Header, description = "The continuationToken of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of users", body = Collection<CustomerUser>),
        (status = 400, description = "Bad parameter or continuation token (3000)", body = ErrorBody),
        (status = 403, description = "App-only token (2032)", body = ErrorBody),
        (status = 404, description = "Customer not found (60003)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_users(
    State(state): State<ApiState>,
    caller: Caller,
    CustomerPath(customer): CustomerPath,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Query(params) = query.map_err(|e| AppError::invalid("query", e.body_text()))?;
    let continuation = headers.get("MS-ContinuationToken").and_then(|v| v.to_str().ok());
    let user_query = paging::user_query(state.paging_key(), customer, &params, continuation)?;
    let listed = users::list(state.app(), &caller, customer, user_query).await?;
    let next = listed
        .next
        .map(|cursor| paging::continuation_token(state.paging_key(), customer, &listed.query, &cursor))
        .transpose()?;
    let base = format!("/customers/{customer}/users?size={}", listed.query.limit);
    Ok(json_bytes_response(
        StatusCode::OK,
        user_json::users_page(&listed.users, base, next),
    ))
}

/// Update a user, reset its password, or restore it
///
/// Absent or null fields stay as they are; read-only fields are ignored. `passwordProfile` resets
/// the password (shown in this response only). `state: active` restores a user deleted in the
/// last 30 days.
#[utoipa::path(
    patch, path = "/v1/customers/{cid}/users/{uid}", tag = "users",
    params(("cid" = String, Path, description = "Customer tenant id"), ("uid" = String, Path, description = "User id")),
    request_body = CustomerUserRequest,
    responses(
        (status = 200, description = "The user as it is now; with the password just set, if one was", body = CustomerUser),
        (status = 400, description = "Not a JSON object, or an invalid field (3000)", body = ErrorBody),
        (status = 403, description = "App-only token (2032) or role (900150)", body = ErrorBody),
        (status = 404, description = "Customer (60003) or user (60002) not found, or restore window passed", body = ErrorBody),
        (status = 409, description = "UPN in use, or restore conflict (3001)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn update_user(
    State(state): State<ApiState>,
    caller: Caller,
    UserPath(customer, user): UserPath,
    body: JsonBody<CustomerUserRequest>,
) -> Result<Response, AppError> {
    let caller = caller.asking(&body.digest);
    let if_deleted = if body.value.state == Some(UserState::Active) {
        IfDeleted::Restore
    } else {
        IfDeleted::NotFound
    };
    let done = users::update(state.app(), &caller, customer, user, if_deleted, |customer, current| {
        changes(&body.value, customer, current)
    })
    .await;
    idempotency::respond(&state, done, |updated| {
        user_json::reply(StatusCode::OK, &updated.user, updated.password.as_ref())
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
    State(state): State<ApiState>,
    caller: Caller,
    UserPath(customer, user): UserPath,
    digest: RequestDigest,
) -> Result<Response, AppError> {
    let caller = caller.asking(&digest.0);
    let done = users::delete(state.app(), &caller, customer, user).await;
    idempotency::respond(&state, done, |()| Reply::empty(StatusCode::NO_CONTENT)).await
}
