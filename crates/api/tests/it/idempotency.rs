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

/// The audit log's records, as the admin agent reads them.
async fn audit_records(app: &crate::helpers::TestApp) -> Vec<serde_json::Value> {
    let url = app.url("/v1/auditrecords");
    let (status, _, page) = send(app, Method::GET, &url, Some(&app.admin_token), &[], None).await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_request_id_read_in_the_audit_log_replays_nothing_to_another_caller() {
    use tenantdesk_domain::AgentRole::{HelpdeskAgent, SalesAgent};
    let app = spawn_app!();
    let doomed = app.create_user("doomed").await;
    let delete_headers = [("MS-RequestId", "admin-delete")];
    let url = app.user_url(doomed.id);
    let admin = Some(app.admin_token.as_str());
    let (status, _, _) = send(&app, Method::DELETE, &url, admin, &delete_headers, None).await;
    assert_eq!(status, 204);

    // A sales agent (reads only) reusing the admin's request id is refused, as with a fresh id.
    let sales = app.token(SalesAgent);
    let (status, headers, body) = send(&app, Method::DELETE, &url, Some(&sales), &delete_headers, None).await;
    crate::helpers::assert_error(status, &body, 403, 900150, "");
    assert!(!headers.contains_key("idempotent-replayed"));

    // Neither a helpdesk agent nor an app gets the admin's created user back.
    let body = serde_json::to_string(&new_user("ana")).unwrap();
    let create_headers = [("MS-RequestId", "admin-create")];
    let (status, _, created) = post(&app, &app.users_url(), &create_headers, &body).await;
    assert_eq!(status, 200);
    for (token, code) in [(app.token(HelpdeskAgent), 900150), (app.app_only_token(), 2032)] {
        let (status, headers, answer) = send(
            &app,
            Method::POST,
            &app.users_url(),
            Some(&token),
            &create_headers,
            Some(&body),
        )
        .await;
        crate::helpers::assert_error(status, &answer, 403, code, "");
        assert!(!headers.contains_key("idempotent-replayed"), "{answer}");
        assert!(answer.get("id").is_none(), "{answer}");
    }

    // Another admin reusing the id is a new request (the user is already deleted: 404), not a
    // replay of someone else's answer.
    let other_admin = app
        .state
        .tokens()
        .issue(
            &tenantdesk_domain::Principal {
                partner: app.partner,
                agent: Some(tenantdesk_domain::Agent {
                    upn: "second-admin@fabrikam.com".to_owned(),
                    role: tenantdesk_domain::AgentRole::AdminAgent,
                }),
            },
            std::time::Duration::from_secs(600),
        )
        .unwrap();
    let (status, headers, _) = send(&app, Method::DELETE, &url, Some(&other_admin), &delete_headers, None).await;
    assert_eq!(status, 404);
    assert!(!headers.contains_key("idempotent-replayed"));

    // The admin's own retries are still replayed, and each replay is audited.
    let (status, headers, replay) = post(&app, &app.users_url(), &create_headers, &body).await;
    assert_eq!((status, &replay["id"]), (200, &created["id"]));
    assert_eq!(headers["idempotent-replayed"], "true");
    let (status, headers, _) = send(&app, Method::DELETE, &url, admin, &delete_headers, None).await;
    assert_eq!(status, 204);
    assert_eq!(headers["idempotent-replayed"], "true");

    let records = audit_records(&app).await;
    let of = |request: &str, status: &str| {
        records
            .iter()
            .filter(|r| r["requestId"] == request && r["operationStatus"] == status)
            .map(|r| {
                let replayed = r["customizedData"].as_array().is_some_and(|data| {
                    data.iter()
                        .any(|kv| kv["key"] == "IdempotentReplay" && kv["value"] == "true")
                });
                (
                    r["operationType"].as_str().unwrap_or_default().to_owned(),
                    r["userPrincipalName"].clone(),
                    replayed,
                )
            })
            .collect::<Vec<_>>()
    };
    let admin_upn = serde_json::json!("admin-agent@fabrikam.com");
    let mut deletes = of("admin-delete", "succeeded");
    deletes.sort_by_key(|d| d.2);
    assert_eq!(
        deletes,
        [
            ("DeleteCustomerUser".to_owned(), admin_upn.clone(), false),
            ("DeleteCustomerUser".to_owned(), admin_upn.clone(), true)
        ],
        "{records:#?}"
    );
    assert_eq!(
        of("admin-create", "succeeded").iter().filter(|c| c.2).count(),
        1,
        "the create's replay is audited: {records:#?}"
    );
    assert_eq!(of("admin-delete", "failed").len(), 1, "the sales agent's refusal");
    assert_eq!(
        of("admin-create", "failed").len(),
        2,
        "the helpdesk agent's and the app's refusals"
    );
}
