//! Typed ids from the path: a customer's (`CustomerPath`) and a customer's user's (`UserPath`).
//!
//! An id that does not parse names nothing, and is answered as an id that names nothing is: a
//! customer's with the page saying the customer was not found; a user's, once the customer is
//! known to be the agent's, with the page saying the user was not found (the customer first, as
//! the use cases answer).

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use tenantdesk_core::{App, Error, customers};
use tenantdesk_domain::{CustomerId, UserId};

use crate::error::PageError;
use crate::session::SignedIn;

/// `{cid}`: the customer a page is about.
#[derive(Clone, Copy, Debug)]
pub struct CustomerPath(pub CustomerId);

/// `{cid}/…/{uid}`: the customer's user a page is about.
#[derive(Clone, Copy, Debug)]
pub struct UserPath {
    /// The customer.
    pub customer: CustomerId,
    /// Its user.
    pub user: UserId,
}

impl FromRequestParts<App> for CustomerPath {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let Path(cid) = Path::<String>::from_request_parts(parts, app)
            .await
            .map_err(IntoResponse::into_response)?;
        match cid.parse() {
            Ok(id) => Ok(Self(id)),
            Err(_) => Err(not_found(parts, app, None).await),
        }
    }
}

impl FromRequestParts<App> for UserPath {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let Path((cid, uid)) = Path::<(String, String)>::from_request_parts(parts, app)
            .await
            .map_err(IntoResponse::into_response)?;
        let Ok(customer) = cid.parse() else {
            return Err(not_found(parts, app, None).await);
        };
        match uid.parse() {
            Ok(user) => Ok(Self { customer, user }),
            Err(_) => Err(not_found(parts, app, Some(customer)).await),
        }
    }
}

/// The page of an id that names nothing: the customer's, or, when the `customer` is known, its
/// user's if the customer is the agent's. A visitor who is not signed in is sent to sign in.
async fn not_found(parts: &mut Parts, app: &App, customer: Option<CustomerId>) -> Response {
    let agent = match SignedIn::from_request_parts(parts, app).await {
        Ok(agent) => agent,
        Err(rejection) => return rejection,
    };
    let error = match customer {
        None => Error::CustomerNotFound,
        Some(id) => customers::get(app, &agent.caller(), id)
            .await
            .err()
            .unwrap_or_else(Error::user_not_found),
    };
    PageError::from_core(error, &agent.chrome).into_response()
}
