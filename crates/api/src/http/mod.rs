//! The HTTP surface: the router assembled from the handlers, the middleware, health checks, the
//! OpenAPI document and its reference page (`/docs`), and the server loop. Nothing imports this module but the binary: handlers
//! share extractors and responses through `extract` and `response`.
//!
//! Every API route is registered through utoipa-axum's `OpenApiRouter`, so a route cannot exist
//! without its OpenAPI entry: `/openapi.json` is generated from the code that serves. The
//! exceptions are the service's own routes, which are not part of the API: `/healthz`, `/readyz`,
//! `/openapi.json` itself and the `/docs` page ([`SERVICE_ROUTES`]).

mod context;
mod docs;
mod openapi;

use std::future::Future;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use serde::Serialize;
use tokio::net::TcpListener;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::response::json_response;
use crate::{ApiState, AppError, audit, cloudcockpit, customers, import, roles, users};

/// The routes that are the service's own, not the API's, and so not in the OpenAPI document.
pub const SERVICE_ROUTES: [&str; 5] = ["/healthz", "/readyz", "/openapi.json", "/docs", "/docs/assets/{*name}"];

fn api() -> OpenApiRouter<ApiState> {
    OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(customers::list_customers, customers::create_customer))
        .routes(routes!(customers::get_customer))
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(users::get_user, users::update_user, users::delete_user))
        .routes(routes!(cloudcockpit::reset_password))
        .routes(routes!(import::import_users))
        .routes(routes!(roles::list_roles))
        .routes(routes!(roles::list_user_roles))
        .routes(routes!(roles::list_members, roles::add_member))
        .routes(routes!(roles::remove_member))
        .routes(routes!(audit::list_audit_records))
}

/// The OpenAPI 3.1 document of the API, generated from the routes.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut document = api().split_for_parts().1;
    openapi::complete(&mut document);
    document
}

/// The application's router: the API, health checks, `/openapi.json`, and the middleware that
/// sets request ids and Partner Center's headers on every response.
pub fn router(state: ApiState) -> Router {
    let (api, mut document) = api().split_for_parts();
    openapi::complete(&mut document);
    let document = serde_json::to_value(&document).unwrap_or_default();
    let [healthz_path, readyz_path, openapi_path, docs_path, assets_path] = SERVICE_ROUTES;
    api.route(healthz_path, get(healthz))
        .route(readyz_path, get(readyz))
        .route(
            openapi_path,
            get(move || async move { json_response(StatusCode::OK, &document) }),
        )
        .route(docs_path, get(docs::page))
        .route(assets_path, get(docs::asset))
        .fallback(|| async { AppError::RouteNotFound })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            context::request_context,
        ))
        .with_state(state)
}

/// Serves the API of `state` on `listener` until `shutdown` completes, then finishes the requests
/// under way.
pub async fn serve(
    listener: TcpListener,
    state: ApiState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::ServiceExt as _;
    let service = tower::ServiceExt::map_request(router(state), normalize_path);
    axum::serve(listener, service.into_make_service())
        .with_graceful_shutdown(shutdown)
        .await
}

/// The path segments matched case-insensitively, as ASP.NET's routing does.
const LITERAL_SEGMENTS: [&str; 7] = [
    "v1",
    "customers",
    "users",
    "directoryroles",
    "usermembers",
    "auditrecords",
    "reset-password",
];

/// Routes case-insensitively on the literal segments (`/v1/Customers/…`) and ignores a trailing
/// slash (`POST /v1/customers/{cid}/users/`), before the router sees the request.
pub fn normalize_path(mut request: Request) -> Request {
    let uri = request.uri();
    let path = uri.path();
    let mut normalized: String = path
        .split('/')
        .map(|segment| {
            LITERAL_SEGMENTS
                .iter()
                .find(|literal| literal.eq_ignore_ascii_case(segment))
                .copied()
                .unwrap_or(segment)
        })
        .collect::<Vec<_>>()
        .join("/");
    if normalized.len() > 1 && normalized.ends_with('/') {
        normalized.pop();
    }
    if normalized != path {
        let path_and_query = match uri.query() {
            Some(query) => format!("{normalized}?{query}"),
            None => normalized,
        };
        let mut parts = uri.clone().into_parts();
        if let Ok(pq) = path_and_query.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = Uri::from_parts(parts) {
                *request.uri_mut() = uri;
            }
        }
    }
    request
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
}

async fn healthz() -> Response {
    json_response(StatusCode::OK, &Health { status: "ok" })
}

async fn readyz(State(state): State<ApiState>) -> Response {
    match state.store().ping().await {
        Ok(()) => json_response(StatusCode::OK, &Health { status: "ok" }),
        Err(error) => {
            tracing::warn!(
                error = format!("{:#}", anyhow::Error::from(error)),
                "the database is not reachable"
            );
            json_response(StatusCode::SERVICE_UNAVAILABLE, &Health { status: "unavailable" })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised() {
        let check = |from: &str, to: &str| {
            let request = Request::builder().uri(from).body(axum::body::Body::empty()).unwrap();
            assert_eq!(normalize_path(request).uri().to_string(), to, "{from}");
        };
        check("/v1/Customers/ABC/users/", "/v1/customers/ABC/users");
        check(
            "/V1/CUSTOMERS/abc/Users/Def?size=2",
            "/v1/customers/abc/users/Def?size=2",
        );
        check(
            "/v1/customers/abc/users/u/Reset-Password",
            "/v1/customers/abc/users/u/reset-password",
        );
        check("/", "/");
    }
}
