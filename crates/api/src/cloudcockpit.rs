//! CloudCockpit's reset-password route, `PATCH /v1/Customers/{cid}/users/{uid}/reset-password`.
//!
//! It differs from Partner Center's routes in three ways: the `X-Tenant` header must name the
//! partner's portal, the body names the customer's provider instance, and every error — including
//! a missing token — answers with CloudCockpit's error body, which only this route uses.

use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use tenantdesk_core::users::{self, PasswordReset};
use tenantdesk_core::{Caller, Error, RequestIds};
use tenantdesk_domain::{FieldError, ProviderInstanceId};
use tenantdesk_wire::{CloudCockpitError, CustomerUser, PropertyError, ResetPasswordRequest};

use crate::extract::{JsonBody, UserPath};
use crate::response::json_response;
use crate::{ApiState, AppError, idempotency, user_json};

/// The field a temporary password comes in.
const PASSWORD_FIELD: &str = "customerUser.temporaryPassword";

/// Reset a password (CloudCockpit)
///
/// Sets `customerUser.temporaryPassword`, or a generated one, as the user's temporary password;
/// the response carries it once, with `forceChangePassword: true`. Errors use CloudCockpit's body.
#[utoipa::path(
    patch, path = "/v1/customers/{cid}/users/{uid}/reset-password", tag = "users",
    params(
        ("cid" = String, Path, description = "Customer tenant id"),
        ("uid" = String, Path, description = "User id"),
        ("X-Tenant" = String, Header, description = "The domain of the partner's portal"),
        ("X-Correlation-Id" = Option<String>, Header, description = "A UUID correlating the audit records of this request"),
    ),
    request_body = ResetPasswordRequest,
    responses(
        (status = 200, description = "The user, with its new temporary password", body = CustomerUser),
        (status = 400, description = "ValidationError: missing X-Tenant, wrong providerInstanceId, bad temporaryPassword", body = CloudCockpitError),
        (status = 401, description = "Unauthorized", body = CloudCockpitError),
        (status = 403, description = "Forbidden: another partner's X-Tenant, app-only token or role", body = CloudCockpitError),
        (status = 404, description = "NotFound: customer or user", body = CloudCockpitError),
    ),
    security(("bearer" = []))
)]
pub async fn reset_password(
    State(state): State<ApiState>,
    Extension(ids): Extension<RequestIds>,
    headers: HeaderMap,
    caller: Result<Caller, AppError>,
    path: Result<UserPath, AppError>,
    body: Result<JsonBody<ResetPasswordRequest>, AppError>,
) -> Response {
    match reset(&state, &headers, caller, path, body).await {
        Ok(response) => response,
        Err(error) => cloudcockpit_error(error, &ids.correlation_id),
    }
}

async fn reset(
    state: &ApiState,
    headers: &HeaderMap,
    caller: Result<Caller, AppError>,
    path: Result<UserPath, AppError>,
    body: Result<JsonBody<ResetPasswordRequest>, AppError>,
) -> Result<Response, AppError> {
    let caller = caller?;
    if let Some(value) = headers.get("X-Correlation-Id")
        && value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<uuid::Uuid>().ok())
            .is_none()
    {
        return Err(AppError::invalid("X-Correlation-Id", "must be a UUID"));
    }
    let tenant = headers
        .get("X-Tenant")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| AppError::invalid("X-Tenant", "is required: the domain of the partner's portal"))?;
    let UserPath(customer, user) = path?;
    // The portal (and the role) are checked before the body is read: the use case parses the body
    // only once it has let the caller through. A body that cannot be read at all is answered as
    // such after those checks.
    let (caller, body) = match body {
        Ok(body) => (caller.asking(&body.digest), Ok(body.value)),
        Err(error) => (caller, Err(error)),
    };
    let mut unreadable = None;
    let done = users::reset_password(state.app(), &caller, customer, user, Some(tenant), |customer| {
        let request = match body {
            Ok(request) => request,
            Err(AppError::UseCase(Error::Invalid(problems))) => return Err(problems),
            Err(error) => {
                unreadable = Some(error);
                return Err(Vec::new());
            }
        };
        let given = request.provider_instance_id.as_deref();
        match given {
            None => return Err(vec![FieldError::new("providerInstanceId", "is required")]),
            Some(given) if given.parse::<ProviderInstanceId>().ok() != Some(customer.provider_instance) => {
                return Err(vec![FieldError::new(
                    "providerInstanceId",
                    "is not the provider instance of this customer",
                )]);
            }
            Some(_) => {}
        }
        Ok(PasswordReset {
            password: request.customer_user.and_then(|u| u.temporary_password),
            field: PASSWORD_FIELD,
        })
    })
    .await;
    if let Some(error) = unreadable {
        return Err(error);
    }
    idempotency::respond(state, done, |updated| {
        user_json::reply(StatusCode::OK, &updated.user, updated.password.as_ref())
    })
    .await
}

/// An error in CloudCockpit's shape, carrying the request's correlation id.
fn cloudcockpit_error(error: AppError, correlation_id: &str) -> Response {
    error.log();
    let status = error.status();
    let error_type = match status {
        StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE => "ValidationError",
        StatusCode::UNAUTHORIZED => "Unauthorized",
        StatusCode::FORBIDDEN => "Forbidden",
        StatusCode::NOT_FOUND => "NotFound",
        StatusCode::CONFLICT => "Conflict",
        _ => "InternalServerError",
    };
    let errors = match &error {
        AppError::UseCase(Error::Invalid(problems)) => {
            let (listed, more) = crate::error::listed_problems(problems);
            let mut errors: Vec<PropertyError> = listed
                .into_iter()
                .map(|p| PropertyError {
                    property_name: p.field,
                    description: vec![p.message],
                })
                .collect();
            if more > 0 {
                errors.push(PropertyError {
                    property_name: String::new(),
                    description: vec![crate::error::more_problems(more)],
                });
            }
            errors
        }
        _ => Vec::new(),
    };
    let body = CloudCockpitError {
        status_code: status.as_u16(),
        error_type: error_type.to_owned(),
        description: error.body().description,
        correlation_id: correlation_id.to_owned(),
        errors,
    };
    json_response(status, &body)
}
