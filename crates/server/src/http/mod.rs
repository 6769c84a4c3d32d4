//! The HTTP surface: router, middleware, request bodies, health checks and the OpenAPI document.
//!
//! Every route is registered through utoipa-axum's `OpenApiRouter`, so a route cannot exist
//! without its OpenAPI entry: `/openapi.json` is generated from the code that serves.

mod body;
mod context;
mod openapi;
mod path;

use std::future::Future;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use tokio::net::TcpListener;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use body::{JsonBody, MAX_BODY_BYTES, RawBody, RequestDigest};
pub use context::RequestIds;
pub use path::{CustomerPath, MemberPath, RolePath, UserPath};

use crate::{App, AppError, audit, customers, import, roles, users};

/// A page of a collection in Partner Center's shape: `self` is `base` (the path and query of the
/// listing, without `/v1`), and when a continuation token is given, `next` is `base` with
/// `seekOperation=Next` and the token in the `MS-ContinuationToken` header.
pub fn page<T>(items: Vec<T>, base: String, next: Option<String>) -> tenantdesk_wire::Collection<T> {
    use tenantdesk_wire::{Attributes, CollectionLinks, KeyValue, Link};
    let separator = if base.contains('?') { '&' } else { '?' };
    tenantdesk_wire::Collection {
        total_count: items.len(),
        items,
        links: CollectionLinks {
            next: next.as_ref().map(|token| Link {
                uri: format!("{base}{separator}seekOperation=Next"),
                method: "GET".to_owned(),
                headers: vec![KeyValue {
                    key: "MS-ContinuationToken".to_owned(),
                    value: token.clone(),
                }],
            }),
            self_link: Link::get(base),
        },
        continuation_token: next,
        attributes: Attributes::of("Collection"),
    }
}

/// `Content-Type` of every JSON response.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// A JSON response with Partner Center's content type.
pub fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE))],
            bytes,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "failed to serialize a response");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn api() -> OpenApiRouter<App> {
    OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(
            customers::http::list_customers,
            customers::http::create_customer
        ))
        .routes(routes!(customers::http::get_customer))
        .routes(routes!(users::http::list_users, users::http::create_user))
        .routes(routes!(
            users::http::get_user,
            users::http::update_user,
            users::http::delete_user
        ))
        .routes(routes!(users::cloudcockpit::reset_password))
        .routes(routes!(import::http::import_users))
        .routes(routes!(roles::http::list_roles))
        .routes(routes!(roles::http::list_user_roles))
        .routes(routes!(roles::http::list_members, roles::http::add_member))
        .routes(routes!(roles::http::remove_member))
        .routes(routes!(audit::http::list_audit_records))
}

/// The OpenAPI 3.1 document of the API, generated from the routes.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    api().split_for_parts().1
}

/// The application's router: the API, health checks, `/openapi.json`, and the middleware that
/// sets request ids and Partner Center's headers on every response.
pub fn router(app: App) -> Router {
    let (api, document) = api().split_for_parts();
    let document = serde_json::to_value(&document).unwrap_or_default();
    api.route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route(
            "/openapi.json",
            get(move || async move { json_response(StatusCode::OK, &document) }),
        )
        .fallback(|| async { AppError::RouteNotFound })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .layer(axum::middleware::from_fn(refuse_nul_in_query))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            context::request_context,
        ))
        .with_state(app)
}

/// Refuses a query parameter (name or value) with a NUL character, for every route: PostgreSQL
/// cannot store or compare one (a 500 otherwise), and no value of the API has one. Bodies are
/// checked by their readers (`tenantdesk_wire::tolerant`, the CSV reader); headers cannot carry a
/// NUL, and the ids read from them are visible ASCII only.
async fn refuse_nul_in_query(request: Request, next: axum::middleware::Next) -> Response {
    if let Ok(axum::extract::Query(params)) = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(request.uri())
        && let Some((name, _)) = params.iter().find(|(k, v)| k.contains('\0') || v.contains('\0'))
    {
        let name = if name.contains('\0') { "query" } else { name.as_str() };
        return AppError::invalid(name, "must not contain a NUL character").into_response();
    }
    next.run(request).await
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes the requests under way.
pub async fn serve(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::ServiceExt as _;
    let service = tower::ServiceExt::map_request(router(app), normalize_path);
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

async fn readyz(State(app): State<App>) -> Response {
    match app.store().ping().await {
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
