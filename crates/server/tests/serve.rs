//! The accept loop on its own, with a router of the test's: every request gets the client's
//! address, and shutdown lets the request under way finish before `serve` returns. (Timeouts, the
//! connection limit and TLS are tested through the API, in `crates/api/tests/it/connections.rs`.)

// Tests unwrap freely: a failed unwrap is a failed test, with the value in its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::routing::get;
use tenantdesk_server::Settings;
use tokio::sync::{Notify, oneshot};

/// Serves `router` on a free port until `stop` is sent; its base URL and `serve`'s end.
async fn served(
    router: Router,
) -> (
    String,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = tokio::spawn(tenantdesk_server::serve(
        listener,
        router,
        Settings::default(),
        async move {
            let _ = stopped.await;
        },
    ));
    (base, stop, serving)
}

#[tokio::test]
async fn every_request_gets_the_clients_address() {
    let router = Router::new().route(
        "/peer",
        get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.ip().to_string() }),
    );
    let (base, _stop, _serving) = served(router).await;
    let answer = reqwest::get(format!("{base}/peer")).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), "127.0.0.1");
}

#[tokio::test]
async fn shutdown_lets_the_request_under_way_finish() {
    let (started, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let (on_start, on_release) = (Arc::clone(&started), Arc::clone(&release));
    let router = Router::new().route(
        "/slow",
        get(move || async move {
            on_start.notify_one();
            on_release.notified().await;
            "finished"
        }),
    );
    let (base, stop, serving) = served(router).await;
    let request = tokio::spawn(reqwest::get(format!("{base}/slow")));
    started.notified().await;
    stop.send(()).unwrap();
    // Shutdown has begun: no new connection is accepted, and `serve` waits for the request.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!serving.is_finished(), "serve returned with a request under way");
    release.notify_one();
    let answer = request.await.unwrap().unwrap();
    assert_eq!(answer.text().await.unwrap(), "finished");
    tokio::time::timeout(Duration::from_secs(60), serving)
        .await
        .expect("serve returned once the request finished")
        .unwrap()
        .unwrap();
    assert!(
        reqwest::get(format!("{base}/slow")).await.is_err(),
        "no longer listening"
    );
}
