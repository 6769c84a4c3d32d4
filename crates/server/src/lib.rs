//! Serves a router: the one accept loop of tenantdesk, which both front ends (the API and the web
//! console, merged into one router by the binary) are served from. It knows neither of them.
//!
//! [`serve`] accepts TCP connections itself: each takes one of [`Settings::max_connections`]
//! permits or is closed at once, does its TLS handshake ([`tls`]) in a task of its own within the
//! header timeout, and is served by hyper's HTTP/1.1 connection with the header timeout (which
//! also closes idle kept-alive connections). Each request body gets the body timeout
//! (`tower_http`'s `TimeoutBody`, whose `TimeoutError` the front ends answer 408) and each request
//! the client's address (axum's `ConnectInfo<SocketAddr>`). Shutdown stops accepting and lets
//! every connection finish its request (`hyper_util`'s `GracefulShutdown`).
//!
//! Modules: `tls`, the TLS configuration of a certificate chain and its key.

pub mod tls;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use axum::response::Response;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::Service;

pub use tls::{ServerConfig, TlsError};

/// How the server treats connections (`serve`'s flags).
#[derive(Clone, Debug)]
pub struct Settings {
    /// The longest a client may take to send a request's headers (and, with TLS, to finish its
    /// handshake); also the longest a kept-alive connection may stay idle waiting for its next
    /// request. Then the connection is closed.
    pub header_timeout: Duration,
    /// The longest a request body may go without sending a byte: then reading it fails with
    /// `tower_http`'s `TimeoutError` (the front ends answer 408) and the connection is closed.
    pub body_timeout: Duration,
    /// The most connections served at once; a connection accepted past it is closed at once.
    pub max_connections: usize,
    /// TLS with this configuration ([`tls::server_config`]); `None`: plain HTTP.
    pub tls: Option<Arc<ServerConfig>>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(30),
            max_connections: 512,
            tls: None,
        }
    }
}

/// Serves `service` (an axum `Router`, or a router behind a request mapping) on `listener` with
/// `settings` until `shutdown` completes, then lets the requests under way finish.
///
/// The one accept loop: each accepted connection takes one of `max_connections` permits (or is
/// closed at once when none is left) and, in a task of its own, does its TLS handshake when `tls`
/// is given (within the header timeout), then is served by hyper's HTTP/1.1 connection with the
/// header timeout; each request's body gets the body timeout and each request the client's
/// address (`ConnectInfo<SocketAddr>`).
pub async fn serve<S>(
    listener: TcpListener,
    service: S,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let Settings {
        header_timeout,
        body_timeout,
        max_connections,
        tls,
    } = settings;
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(header_timeout);
    let tls = tls.map(tokio_rustls::TlsAcceptor::from);
    let permits = Arc::new(Semaphore::new(max_connections.max(1)));
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
            tracing::warn!(%peer, max = max_connections, "too many connections: closing a new one");
            continue;
        };
        let service = connection_service(service.clone(), peer, body_timeout);
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
                Some(tls) => match tokio::time::timeout(header_timeout, tls.accept(stream)).await {
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
    if tokio::time::timeout(header_timeout + body_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open at shutdown were dropped");
    }
    Ok(())
}

/// The service of one connection from `peer`: `service`, with the body timeout on every request
/// body and the client's address in every request.
fn connection_service<S>(
    service: S,
    peer: SocketAddr,
    body_timeout: Duration,
) -> impl hyper::service::Service<
    hyper::Request<hyper::body::Incoming>,
    Response = Response,
    Error = Infallible,
    Future = impl Future<Output = Result<Response, Infallible>> + Send,
> + Clone
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        let mut request =
            request.map(|body| axum::body::Body::new(tower_http::timeout::TimeoutBody::new(body_timeout, body)));
        request.extensions_mut().insert(ConnectInfo(peer));
        tower::ServiceExt::oneshot(service.clone(), request)
    })
}
