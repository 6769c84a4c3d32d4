//! The HTTP surface: the router assembled from the handlers, the middleware, health checks, the
//! OpenAPI document and its reference page (`/docs`), rate limiting, and the path normalisation
//! the router is served behind ([`service`]; the accept loop is `tenantdesk-server`'s). Nothing
//! imports this module but the binary: handlers share extractors and responses through `extract`
//! and `response`.
//!
//! Every API route is registered through utoipa-axum's `OpenApiRouter`, so a route cannot exist
//! without its OpenAPI entry: `/openapi.json` is generated from the code that serves. The
//! exceptions are the service's own routes, which are not part of the API: `/healthz`, `/readyz`,
//! `/openapi.json` itself and the `/docs` page ([`SERVICE_ROUTES`]).

mod context;
mod docs;
mod openapi;
pub mod rate_limit;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse as _, Response};
use axum::routing::get;
use serde::Serialize;
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
    let limits = state.limits();
    let api = match rate_limit::RateLimits::new(limits.rate_limit_per_minute) {
        Some(limits) => api.layer(axum::middleware::from_fn_with_state(
            (state.clone(), Arc::new(limits)),
            rate_limit::limit,
        )),
        None => api,
    };
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
        .layer(axum::middleware::from_fn(refuse_nul_in_query))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            context::request_context,
        ))
        .with_state(state)
}

/// Refuses a query parameter (name or value) with a NUL character, for every route: PostgreSQL
/// cannot store or compare one (a 500 otherwise), and no value of the API has one. Bodies are
/// checked by their readers (`tenantdesk_wire::tolerant`, the CSV reader); headers cannot carry a
/// NUL, and the ids read from them are visible ASCII only.
async fn refuse_nul_in_query(request: Request, next: axum::middleware::Next) -> Response {
    // A URI holds no raw NUL: only `%00` decodes to one, so a query without it is let through
    // without decoding it.
    if request.uri().query().is_some_and(|query| query.contains("%00"))
        && let Ok(axum::extract::Query(params)) =
            axum::extract::Query::<Vec<(String, String)>>::try_from_uri(request.uri())
        && let Some((name, _)) = params.iter().find(|(k, v)| k.contains('\0') || v.contains('\0'))
    {
        let name = if name.contains('\0') { "query" } else { name.as_str() };
        return AppError::invalid(name, "must not contain a NUL character").into_response();
    }
    next.run(request).await
}

/// What the server serves: `router` (the API's, with whatever front end was merged into it) behind
/// [`normalize_path`], which must see a request before the router does.
pub type Service = tower::util::MapRequest<Router, fn(Request) -> Request>;

/// `router` as the server serves it: [`Service`].
pub fn service(router: Router) -> Service {
    tower::util::MapRequest::new(router, normalize_path)
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
    // Most paths are already as the router spells them: checked without allocating.
    let normal = path.split('/').all(|segment| {
        !LITERAL_SEGMENTS
            .iter()
            .any(|literal| literal.eq_ignore_ascii_case(segment) && *literal != segment)
    });
    if normal && (path.len() <= 1 || !path.ends_with('/')) {
        return request;
    }
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
    match tenantdesk_core::instance::check_database(state.app()).await {
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
