//! Rate limiting (`serve --rate-limit`): 429 with `Retry-After` in Partner Center's error shape,
//! per partner for authenticated requests and per client address for failed authentication; the
//! SDK waits as told and succeeds.

use std::time::Duration;

use reqwest::Method;
use tenantdesk_api::Limits;

use crate::helpers::{TestApp, send};

/// A server on the test's database allowing `per_minute` requests a minute; its base URL.
async fn limited(app: &TestApp, per_minute: u32) -> String {
    let limits = Limits {
        rate_limit_per_minute: per_minute,
    };
    app.instance_with(limits, tenantdesk_server::Settings::default()).await
}

/// Sends GET `url` with `token` until the answer is 429 (the limit refills far slower than this
/// sends); the 429's headers and body.
async fn until_429(app: &TestApp, url: &str, token: &str) -> (reqwest::header::HeaderMap, serde_json::Value) {
    for _ in 0..10_000 {
        let (status, headers, body) = send(app, Method::GET, url, Some(token), &[], None).await;
        if status == 429 {
            return (headers, body);
        }
        assert!(status == 200 || status == 401, "{status} {body}");
    }
    panic!("never limited");
}

/// `Retry-After` in seconds.
fn retry_after(headers: &reqwest::header::HeaderMap) -> u64 {
    headers["retry-after"].to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn past_its_limit_a_partner_gets_429_with_retry_after_and_others_do_not() {
    let app = spawn_app!();
    let base = limited(&app, 60).await;
    let url = format!("{base}/v1/customers/{}/users", app.cid());
    let (headers, body) = until_429(&app, &url, &app.admin_token).await;
    let wait = retry_after(&headers);
    assert!((1..=60).contains(&wait), "{wait}");
    crate::helpers::assert_error(429, &body, 429, 429, "");
    assert!(headers.contains_key("ms-requestid"), "{headers:?}");

    // Another partner has a limit of its own; health checks are never limited.
    let (customer, token) = app.other_partner().await;
    let other = format!("{base}/v1/customers/{}", customer.id);
    let (status, _, body) = send(&app, Method::GET, &other, Some(&token), &[], None).await;
    assert_eq!(status, 200, "{body}");
    let (status, _, _) = send(&app, Method::GET, &format!("{base}/healthz"), None, &[], None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn failed_authentication_is_limited_per_client_address() {
    let app = spawn_app!();
    let base = limited(&app, 60).await;
    let url = format!("{base}/v1/customers/{}/users", app.cid());
    let (headers, body) = until_429(&app, &url, "forged.token.value").await;
    assert!(retry_after(&headers) >= 1);
    crate::helpers::assert_error(429, &body, 429, 429, "");

    // The partner's own requests are counted apart: a valid token still gets through.
    let (status, _, body) = send(&app, Method::GET, &url, Some(&app.admin_token), &[], None).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_sdk_waits_as_told_and_succeeds() {
    let app = spawn_app!();
    let base = limited(&app, 60).await;
    let url = format!("{base}/v1/customers/{}", app.cid());
    until_429(&app, &url, &app.admin_token).await;
    let sdk = tenantdesk_client::Partner::new(&base, &app.admin_token)
        .unwrap()
        .with_retries(5, Duration::ZERO);
    let customer = sdk.customers().by_id(app.cid()).get().await.unwrap();
    assert_eq!(customer.id, app.cid());
}

#[tokio::test]
async fn no_limit_with_zero() {
    let app = spawn_app!();
    let base = limited(&app, 0).await;
    let url = format!("{base}/v1/customers/{}", app.cid());
    for _ in 0..300 {
        let (status, _, body) = send(&app, Method::GET, &url, Some(&app.admin_token), &[], None).await;
        assert_eq!(status, 200, "{body}");
    }
}
