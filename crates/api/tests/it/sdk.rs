//! The SDK's own behaviour: retries that are safe thanks to idempotent replay, no retry of
//! client errors, Retry-After honoured, and lazy paging through a thousand users.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use futures::{StreamExt as _, TryStreamExt as _};
use tenantdesk_client::{CustomerUserRequest, Partner};

use crate::helpers::{DOMAIN, STORED_HASH, TestApp, new_user, user_counts};

/// What the proxy does to the first request it sees.
#[derive(Clone, Copy)]
enum Fault {
    /// Forward it, then answer 503 as if the response was lost on the way back.
    LoseFirstResponse,
    /// Answer 429 with `Retry-After: 1` without forwarding it.
    TooManyFirst,
    /// Forward everything.
    None,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    fault: Fault,
    /// The MS-RequestId of each request seen, and whether upstream replayed it.
    seen: Arc<Mutex<Vec<(String, bool)>>>,
}

async fn forward(State(proxy): State<Proxy>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let request_id = headers
        .get("ms-requestid")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let first = proxy.seen.lock().unwrap().is_empty();
    if first && matches!(proxy.fault, Fault::TooManyFirst) {
        proxy.seen.lock().unwrap().push((request_id, false));
        return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")]).into_response();
    }
    let mut upstream = reqwest::Client::new()
        .request(
            method,
            format!(
                "{}{}",
                proxy.upstream,
                uri.path_and_query().map_or("", |pq| pq.as_str())
            ),
        )
        .body(body);
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            upstream = upstream.header(name, value);
        }
    }
    let answer = upstream.send().await.unwrap();
    let replayed = answer.headers().contains_key("idempotent-replayed");
    proxy.seen.lock().unwrap().push((request_id, replayed));
    if first && matches!(proxy.fault, Fault::LoseFirstResponse) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let status = answer.status();
    let headers = answer.headers().clone();
    let bytes = answer.bytes().await.unwrap();
    let mut response = (status, bytes).into_response();
    for (name, value) in &headers {
        if name != "content-length" && name != "transfer-encoding" {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

async fn proxy(app: &TestApp, fault: Fault) -> (String, Arc<Mutex<Vec<(String, bool)>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let state = Proxy {
        upstream: app.base_url.clone(),
        fault,
        seen: seen.clone(),
    };
    let router = axum::Router::new().fallback(forward).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{address}"), seen)
}

fn sdk(url: &str, app: &TestApp) -> Partner {
    Partner::new(url, &app.admin_token)
        .unwrap()
        .with_retries(4, Duration::from_millis(20))
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_retried_safely() {
    let app = spawn_app!();
    let (url, seen) = proxy(&app, Fault::LoseFirstResponse).await;
    let client = sdk(&url, &app);
    let created = client
        .customers()
        .by_id(app.cid())
        .users()
        .create(&new_user("ana"))
        .await
        .unwrap();
    assert_eq!(created.user_principal_name, format!("ana@{DOMAIN}"));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "tried twice");
    assert_eq!(seen[0].0, seen[1].0, "with the same MS-RequestId");
    assert!(
        !seen[0].1 && seen[1].1,
        "the retry was answered by replay, not by a second create"
    );
    assert_eq!(user_counts(&app).await, (1, 0), "one user, not two and not a 409");
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let app = spawn_app!();
    let (url, seen) = proxy(&app, Fault::TooManyFirst).await;
    let client = sdk(&url, &app);
    let started = Instant::now();
    client
        .customers()
        .by_id(app.cid())
        .users()
        .create(&new_user("ana"))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited as Retry-After asked"
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!((seen.len(), seen[0].0 == seen[1].0), (2, true));
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    let app = spawn_app!();
    app.create_user("taken").await;
    let (url, seen) = proxy(&app, Fault::None).await;
    let client = sdk(&url, &app);
    let users = client.customers().by_id(app.cid()).users();
    let cases = [
        (users.create(&new_user("taken")).await.unwrap_err(), 409),
        (users.create(&CustomerUserRequest::default()).await.unwrap_err(), 400),
        (users.by_id(uuid::Uuid::new_v4()).get().await.unwrap_err(), 404),
        (
            Partner::new(&url, "forged")
                .unwrap()
                .customers()
                .list()
                .await
                .unwrap_err(),
            401,
        ),
        (
            sdk(&url, &app)
                .customers()
                .by_id(uuid::Uuid::new_v4())
                .get()
                .await
                .unwrap_err(),
            404,
        ),
    ];
    for (error, status) in &cases {
        assert_eq!(error.status(), Some(*status), "{error}");
    }
    assert_eq!(seen.lock().unwrap().len(), cases.len(), "one attempt each");
    match &cases[0].0 {
        tenantdesk_client::Error::Api {
            code,
            description,
            correlation_id,
            request_id,
            ..
        } => {
            assert_eq!(*code, 3001);
            assert!(description.contains("already has this user principal name"));
            assert_eq!(correlation_id.as_deref(), Some(client.correlation_id()));
            assert!(request_id.is_some());
        }
        other => panic!("not an API error: {other:?}"),
    }
}

#[tokio::test]
async fn transport_errors_are_retried_then_reported() {
    // A listener that accepts connections and closes them at once.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let accepted = Arc::new(Mutex::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            *count.lock().unwrap() += 1;
            drop(socket);
        }
    });
    let client = Partner::new(&format!("http://{address}"), "token")
        .unwrap()
        .with_retries(3, Duration::from_millis(5));
    let error = client.customers().list().await.unwrap_err();
    assert!(matches!(error, tenantdesk_client::Error::Transport(_)), "{error:?}");
    assert_eq!(*accepted.lock().unwrap(), 3, "three attempts");
}

#[tokio::test]
async fn the_stream_pages_through_a_thousand_users() {
    let app = spawn_app!();
    // Stored directly: this test is about paging, not about hashing a thousand passwords.
    let mut tx = app.store.begin().await.unwrap();
    for i in 0..1000 {
        let user = app.bare_user(&format!("user{i:04}@{DOMAIN}"), &format!("User {i}"));
        tx.insert_user(app.scope(), &user, STORED_HASH).await.unwrap();
    }
    tx.commit().await.unwrap();

    let (url, seen) = proxy(&app, Fault::None).await;
    let client = sdk(&url, &app);
    let users: Vec<_> = client
        .customers()
        .by_id(app.cid())
        .users()
        .list()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 1000);
    let upns: Vec<&str> = users.iter().map(|u| u.user_principal_name.as_str()).collect();
    let want: Vec<String> = (0..1000).map(|i| format!("user{i:04}@{DOMAIN}")).collect();
    assert_eq!(upns, want, "each once, in order");
    assert_eq!(seen.lock().unwrap().len(), 10, "ten pages of 100");

    // Lazily: taking 150 fetches two pages.
    seen.lock().unwrap().clear();
    let first: Vec<_> = client
        .customers()
        .by_id(app.cid())
        .users()
        .list()
        .take(150)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first.len(), 150);
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn reset_password_without_a_password_generates_one() {
    let app = spawn_app!();
    // A one-letter name: a password containing it is refused, so the generator must avoid it.
    let user = app.create_user("z").await;
    let sdk = app.sdk();
    let reset = sdk
        .customers()
        .by_id(app.cid())
        .users()
        .by_id(user.id)
        .reset_password(None)
        .await
        .unwrap();
    let password = reset.password_profile.unwrap().password.unwrap();
    assert!(
        password.len() >= 16 && !password.to_lowercase().contains('z'),
        "{password}: never the user name"
    );
    let hashes = app.stored_hashes().await;
    assert!(tenantdesk_core::passwords::verify(&password, &hashes[0]));
}
