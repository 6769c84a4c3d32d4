//! The HTTP surface: router, middleware, request bodies, health checks and the OpenAPI document.
//!
//! Every route is registered through utoipa-axum's `OpenApiRouter`, so a route cannot exist
//! without its OpenAPI entry: `/openapi.json` is generated from the code that serves.

mod body;
mod context;
mod openapi;
mod path;
pub mod rate_limit;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
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
    let api = match rate_limit::RateLimits::new(app.config().limits.rate_limit_per_minute) {
        Some(limits) => api.layer(axum::middleware::from_fn_with_state(
            (app.clone(), Arc::new(limits)),
            rate_limit::limit,
        )),
        None => api,
    };
    api.route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route(
            "/openapi.json",
            get(move || async move { json_response(StatusCode::OK, &document) }),
        )
        .fallback(|| async { AppError::RouteNotFound })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            context::request_context,
        ))
        .with_state(app)
}

/// How the server treats connections and request rates (`serve`'s flags).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest a client may take to send a request's headers; also the longest a kept-alive
    /// connection may stay idle waiting for its next request. Then the connection is closed.
    pub header_timeout: Duration,
    /// The longest a request body may go without sending a byte: then the request is answered
    /// 408 and the connection closed.
    pub body_timeout: Duration,
    /// The most connections served at once; a connection accepted past it is closed at once.
    pub max_connections: usize,
    /// Requests a minute each partner may send, and failed authentications a minute each client
    /// address may make; 0: no limit.
    pub rate_limit_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(30),
            max_connections: 512,
            rate_limit_per_minute: 6000,
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes the requests under way.
///
/// The one accept loop: each accepted connection takes one of `max_connections` permits (or is
/// closed at once when none is left) and is served by hyper's HTTP/1.1 connection with the header
/// timeout; each request's body gets the body timeout and the client's address, for the rate
/// limit.
pub async fn serve(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = app.config().limits;
    let router = router(app);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file handles, most likely: let connections finish before the next.
                    tracing::warn!(%error, "failed to accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            tracing::warn!(%peer, max = limits.max_connections, "too many connections: closing a new one");
            continue;
        };
        let service = connection_service(router.clone(), peer, limits.body_timeout);
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// The service of one connection from `peer`: the router, behind path normalisation, with the
/// body timeout on every request body.
fn connection_service(
    router: Router,
    peer: SocketAddr,
    body_timeout: Duration,
) -> impl hyper::service::Service<
    hyper::Request<hyper::body::Incoming>,
    Response = Response,
    Error = std::convert::Infallible,
    Future = impl Future<Output = Result<Response, std::convert::Infallible>> + Send,
> + Clone {
    hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        let mut request =
            request.map(|body| axum::body::Body::new(tower_http::timeout::TimeoutBody::new(body_timeout, body)));
        request.extensions_mut().insert(ConnectInfo(peer));
        tower::ServiceExt::oneshot(router.clone(), normalize_path(request))
    })
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
