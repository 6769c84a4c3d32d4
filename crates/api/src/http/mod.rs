//! The HTTP surface: the router assembled from the handlers, the middleware, health checks, the
//! OpenAPI document and its reference page (`/docs`), rate limiting, and the server loop: one accept
//! loop with a bound on connections, timeouts on slow clients and, if configured, TLS ([`tls`]). Nothing imports this module but
//! the binary: handlers share extractors and responses through `extract` and `response`.
//!
//! Every API route is registered through utoipa-axum's `OpenApiRouter`, so a route cannot exist
//! without its OpenAPI entry: `/openapi.json` is generated from the code that serves. The
//! exceptions are the service's own routes, which are not part of the API: `/healthz`, `/readyz`,
//! `/openapi.json` itself and the `/docs` page ([`SERVICE_ROUTES`]).

mod context;
mod docs;
mod openapi;
pub mod rate_limit;
pub mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse as _, Response};
use axum::routing::get;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::response::json_response;
use crate::{ApiState, AppError, audit, cloudcockpit, customers, import, roles, users};

pub use crate::state::Limits;

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

/// Serves the API of `state` alone, over plain HTTP, on `listener` until `shutdown` completes: [`serve`]
/// with the API's router and the state's limits.
pub async fn serve_api(
    listener: TcpListener,
    state: ApiState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = *state.limits();
    serve(listener, router(state), limits, None, shutdown).await
}

/// Serves `router` (the API's, with whatever front end was merged into it) on `listener` until
/// `shutdown` completes, then finishes the requests under way.
///
/// The one accept loop: each accepted connection takes one of `max_connections` permits (or is
/// closed at once when none is left) and, in a task of its own, does its TLS handshake when `tls`
/// is given (within the header timeout), then is served by hyper's HTTP/1.1 connection with the
/// header timeout; each request's body gets the body timeout and the client's address, for the
/// rate limit.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let tls = tls.map(tokio_rustls::TlsAcceptor::from);
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
        // Watched from now on, handshake included: shutdown waits for it (within its bound), and
        // a connection whose handshake ends after shutdown began is closed after its first answer.
        let watcher = graceful.watcher();
        let (http, tls) = (http.clone(), tls.clone());
        tokio::spawn(async move {
            let served = match tls {
                None => {
                    watcher
                        .watch(http.serve_connection(TokioIo::new(stream), service))
                        .await
                }
                Some(tls) => match tokio::time::timeout(limits.header_timeout, tls.accept(stream)).await {
                    Ok(Ok(stream)) => {
                        watcher
                            .watch(http.serve_connection(TokioIo::new(stream), service))
                            .await
                    }
                    Ok(Err(error)) => {
                        tracing::debug!(%error, %peer, "TLS handshake failed");
                        Ok(())
                    }
                    Err(_) => {
                        tracing::debug!(%peer, "TLS handshake timed out");
                        Ok(())
                    }
                },
            };
            if let Err(error) = served {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    // Requests under way get as long to finish as a slow client gets to send one; then the
    // connections still open (a client that stopped reading, say) are dropped.
    if tokio::time::timeout(limits.header_timeout + limits.body_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open at shutdown were dropped");
    }
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
