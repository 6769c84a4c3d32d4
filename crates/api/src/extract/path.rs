//! Typed path parameters: `{cid}` and `{uid}` parsed into ids. A segment that is not a UUID names
//! nothing that exists, so it is a 404 in Partner Center's format (never a 400, never axum's
//! plain-text rejection), read from the raw path so even invalid percent-encoding gets that answer.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use tenantdesk_domain::{CustomerId, DirectoryRoleId, UserId};

use tenantdesk_core::Error;

use crate::{ApiState, AppError};

async fn param<T: std::str::FromStr>(
    parts: &mut Parts,
    state: &ApiState,
    name: &str,
    not_found: fn() -> AppError,
) -> Result<T, AppError> {
    // The route matched, so a parameter that cannot be read (invalid percent-encoding) or parsed
    // names nothing that exists.
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| not_found())?;
    let raw = params
        .iter()
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .ok_or_else(not_found)?;
    raw.parse().map_err(|_| not_found())
}

/// The `{cid}` of a customer route.
#[derive(Debug, Clone, Copy)]
pub struct CustomerPath(pub CustomerId);

impl FromRequestParts<ApiState> for CustomerPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        Ok(Self(
            param(parts, state, "cid", || Error::CustomerNotFound.into()).await?,
        ))
    }
}

/// The `{cid}` and `{uid}` of a user route.
#[derive(Debug, Clone, Copy)]
pub struct UserPath(pub CustomerId, pub UserId);

impl FromRequestParts<ApiState> for UserPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        let customer = param(parts, state, "cid", || Error::CustomerNotFound.into()).await?;
        Ok(Self(
            customer,
            param(parts, state, "uid", || Error::user_not_found().into()).await?,
        ))
    }
}

/// The `{cid}` and `{rid}` of a directory-role route.
#[derive(Debug, Clone, Copy)]
pub struct RolePath(pub CustomerId, pub DirectoryRoleId);

impl FromRequestParts<ApiState> for RolePath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        let customer = param(parts, state, "cid", || Error::CustomerNotFound.into()).await?;
        Ok(Self(
            customer,
            param(parts, state, "rid", || Error::RoleNotFound.into()).await?,
        ))
    }
}

/// The `{cid}`, `{rid}` and `{uid}` of a role-membership route.
#[derive(Debug, Clone, Copy)]
pub struct MemberPath(pub CustomerId, pub DirectoryRoleId, pub UserId);

impl FromRequestParts<ApiState> for MemberPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        let RolePath(customer, role) = RolePath::from_request_parts(parts, state).await?;
        Ok(Self(
            customer,
            role,
            param(parts, state, "uid", || Error::user_not_found().into()).await?,
        ))
    }
}
