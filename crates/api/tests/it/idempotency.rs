//! Idempotent replay by MS-RequestId: across retries, instances and restarts.

use reqwest::Method;

use crate::helpers::{new_user, send, user_counts};

/// POSTs `body` to `url` as the admin agent, with `headers`.
async fn post(
    app: &crate::helpers::TestApp,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    send(app, Method::POST, url, Some(&app.admin_token), headers, Some(body)).await
}

#[tokio::test]
async fn a_retried_create_is_replayed_not_repeated() {
    let app = spawn_app!();
    let body = serde_json::to_string(&new_user("ana")).unwrap();
    let headers = [("MS-RequestId", "retry-1")];
    let (status, first_headers, first) = post(&app, &app.users_url(), &headers, &body).await;
    assert_eq!(status, 200);
    assert!(!first_headers.contains_key("idempotent-replayed"));
    assert_eq!(first["passwordProfile"]["password"], "Xy7!pass");

    let (status, replay_headers, replay) = post(&app, &app.users_url(), &headers, &body).await;
    assert_eq!(status, 200);
    assert_eq!(replay_headers["idempotent-replayed"], "true");
    assert_eq!(replay_headers["ms-requestid"], "retry-1");
    assert_eq!(replay["id"], first["id"]);
    assert_eq!(
        replay["passwordProfile"],
        serde_json::json!({ "forceChangePassword": true }),
        "the password is handed out once"
    );
    assert_eq!(user_counts(&app).await, (1, 0));

    // Without a request id of the client's, a repeat is a new request: a conflict here.
    let (status, _, _) = post(&app, &app.users_url(), &[], &body).await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn a_reused_request_id_with_another_body_is_a_new_request() {
    // The seeds use one MS-RequestId for their update and their reset examples.
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    let headers = [("MS-RequestId", "b1317092-f087-471e-a637-f66523b2b94c")];
    let url = app.user_url(user.id);
    let (status, _, updated) = send(
        &app,
        Method::PATCH,
        &url,
        Some(&app.admin_token),
        &headers,
        Some(r#"{"usageLocation": "GB"}"#),
    )
    .await;
    assert_eq!((status, updated["usageLocation"].as_str()), (200, Some("GB")));
    let (status, headers_back, reset) = send(
        &app,
        Method::PATCH,
        &url,
        Some(&app.admin_token),
        &headers,
        Some(r#"{"passwordProfile": {"password": "Renew456*"}}"#),
    )
    .await;
    assert_eq!(status, 200);
    assert!(!headers_back.contains_key("idempotent-replayed"));
    assert_eq!(reset["passwordProfile"]["password"], "Renew456*");
}

#[tokio::test]
async fn a_retried_delete_answers_204_again() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    let headers = [("MS-RequestId", "delete-1")];
    for _ in 0..2 {
        let (status, _, body) = send(
            &app,
            Method::DELETE,
            &app.user_url(user.id),
            Some(&app.admin_token),
            &headers,
            None,
        )
        .await;
        assert_eq!(status, 204, "{body}");
    }
    let (status, _, _) = send(
        &app,
        Method::DELETE,
        &app.user_url(user.id),
        Some(&app.admin_token),
        &[],
        None,
    )
    .await;
    assert_eq!(status, 404, "a new delete finds no user");
}

#[tokio::test]
async fn a_retry_landing_on_another_instance_is_replayed() {
    let app = spawn_app!();
    let second = app.second_instance().await;
    let body = serde_json::to_string(&new_user("ana")).unwrap();
    let headers = [("MS-RequestId", "cross-instance")];
    let (status, _, first) = post(&app, &app.users_url(), &headers, &body).await;
    assert_eq!(status, 200);
    let url = format!("{second}/v1/customers/{}/users", app.cid());
    let (status, replay_headers, replay) = post(&app, &url, &headers, &body).await;
    assert_eq!(status, 200, "{replay}");
    assert_eq!(replay_headers["idempotent-replayed"], "true");
    assert_eq!(replay["id"], first["id"]);
}

#[tokio::test]
async fn concurrent_twins_both_get_the_one_answer() {
    let app = spawn_app!();
    let body = serde_json::to_string(&new_user("twin")).unwrap();
    let headers = [("MS-RequestId", "twin-1")];
    let url = app.users_url();
    let (a, b) = tokio::join!(post(&app, &url, &headers, &body), post(&app, &url, &headers, &body));
    assert_eq!((a.0, b.0), (200, 200), "{} {}", a.2, b.2);
    assert_eq!(a.2["id"], b.2["id"]);
    assert_eq!(user_counts(&app).await, (1, 0));
}

#[tokio::test]
async fn recorded_answers_expire_after_a_day() {
    let app = spawn_app!();
    let body = serde_json::to_string(&new_user("ana")).unwrap();
    let headers = [("MS-RequestId", "old")];
    post(&app, &app.users_url(), &headers, &body).await;
    app.advance(chrono::TimeDelta::hours(25));
    let (status, _, _) = post(&app, &app.users_url(), &headers, &body).await;
    assert_eq!(
        status, 409,
        "no longer replayed: the create is done again and conflicts"
    );
}
