//! Operations: health, readiness, the OpenAPI document, routing, and response headers.

use reqwest::Method;

use crate::helpers::{assert_error, send};

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app!();
    for path in ["/healthz", "/readyz"] {
        let (status, _, body) = send(&app, Method::GET, &app.url(path), None, &[], None).await;
        assert_eq!((status, body["status"].as_str()), (200, Some("ok")), "{path}");
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = spawn_app!();
    let (status, headers, doc) = send(&app, Method::GET, &app.url("/openapi.json"), None, &[], None).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/json; charset=utf-8");
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    // The router itself answers every documented operation (without a token: 401, never a
    // missing route or method), and no other method on a documented path.
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 11, "{} paths", paths.len());
    let id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    let role = "62e90394-69f5-4237-9190-012177145e10";
    for (path, operations) in paths {
        let url = app.url(&path.replace("{cid}", id).replace("{uid}", id).replace("{rid}", role));
        for method in ["get", "post", "put", "patch", "delete"] {
            let (status, _, _) = send(
                &app,
                method.to_uppercase().parse().unwrap(),
                &url,
                None,
                &[],
                Some("{}"),
            )
            .await;
            if operations[method].is_object() {
                assert_eq!(status, 401, "{method} {path} is served");
            } else {
                assert_eq!(status, 405, "{method} {path} is not served");
            }
        }
    }
    for schema in [
        "CustomerUser",
        "CustomerUserRequest",
        "ErrorBody",
        "Customer",
        "CloudCockpitError",
        "UserImport",
        "UserMember",
        "AuditRecord",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn paths_match_case_insensitively_and_with_a_trailing_slash() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    for path in [
        format!("/v1/Customers/{}/users/{}", app.cid(), user.id),
        format!("/V1/CUSTOMERS/{}/Users/{}/", app.cid(), user.id),
        format!(
            "/v1/customers/{}/users/{}",
            app.cid().to_string().to_uppercase(),
            user.id
        ),
    ] {
        let (status, _, body) = send(&app, Method::GET, &app.url(&path), Some(&app.admin_token), &[], None).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (status, _, body) = send(
        &app,
        Method::POST,
        &format!("{}/", app.users_url()),
        Some(&app.admin_token),
        &[],
        Some(&serde_json::to_string(&crate::helpers::new_user("ben")).unwrap()),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_format() {
    let app = spawn_app!();
    let (status, headers, body) = send(
        &app,
        Method::GET,
        &app.url("/v1/nothing"),
        Some(&app.admin_token),
        &[],
        None,
    )
    .await;
    assert_error(status, &body, 404, 404, "");
    assert!(headers.contains_key("ms-requestid"));
    let (status, _, body) = send(
        &app,
        Method::PUT,
        &app.users_url(),
        Some(&app.admin_token),
        &[],
        Some("{}"),
    )
    .await;
    assert_error(status, &body, 405, 405, "");
}

#[tokio::test]
async fn ids_are_echoed_or_generated() {
    let app = spawn_app!();
    let (_, headers, _) = send(
        &app,
        Method::GET,
        &app.users_url(),
        Some(&app.admin_token),
        &[
            ("MS-RequestId", "req-1"),
            ("MS-CorrelationId", "corr-1"),
            ("MS-CV", "abc.0"),
        ],
        None,
    )
    .await;
    assert_eq!(headers["ms-requestid"], "req-1");
    assert_eq!(headers["ms-correlationid"], "corr-1");
    assert_eq!(headers["ms-cv"], "abc.0.1");
    let (_, headers, _) = send(&app, Method::GET, &app.users_url(), Some(&app.admin_token), &[], None).await;
    for name in ["ms-requestid", "ms-correlationid"] {
        assert!(headers[name].to_str().unwrap().parse::<uuid::Uuid>().is_ok(), "{name}");
    }
    assert!(
        headers["ms-serverid"]
            .to_str()
            .unwrap()
            .chars()
            .all(|c| c.is_ascii_digit())
    );
}
