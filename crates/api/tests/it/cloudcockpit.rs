//! The CloudCockpit-style reset-password route and its error body.

use reqwest::Method;
use serde_json::{Value, json};
use tenantdesk_domain::AgentRole;

use crate::helpers::{TestApp, send};

const PORTAL: &str = "portal.fabrikam.com";
const CORRELATION: &str = "6a1d8b8e-2f0e-4a5b-9a4e-51c3d1f6f7a2";

fn url(app: &TestApp, user: &str) -> String {
    app.url(&format!("/v1/Customers/{}/users/{user}/reset-password", app.cid()))
}

fn body(app: &TestApp, password: Option<&str>) -> String {
    let mut user = json!({});
    if let Some(password) = password {
        user["temporaryPassword"] = json!(password);
    }
    json!({ "providerInstanceId": app.customer.provider_instance.to_string(), "customerUser": user }).to_string()
}

async fn reset(app: &TestApp, user: &str, token: Option<&str>, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
    let (status, response_headers, answer) =
        send(app, Method::PATCH, &url(app, user), token, headers, Some(body)).await;
    if let Some(given) = headers.iter().find(|(k, _)| *k == "X-Correlation-Id") {
        assert_eq!(response_headers["x-correlation-id"], given.1, "echoed");
    }
    (status, answer)
}

#[track_caller]
fn assert_cloudcockpit_error(status: u16, answer: &Value, want: u16, error_type: &str, property: Option<&str>) {
    assert_eq!(status, want, "{answer}");
    assert_eq!(answer["statusCode"], want, "{answer}");
    assert_eq!(answer["type"], error_type, "{answer}");
    assert!(
        answer["description"].as_str().is_some_and(|d| !d.is_empty()),
        "{answer}"
    );
    assert!(answer.get("code").is_none(), "not Partner Center's body: {answer}");
    match property {
        Some(property) => {
            assert_eq!(answer["errors"][0]["propertyName"], property, "{answer}");
            assert!(answer["errors"][0]["description"][0].is_string(), "{answer}");
        }
        None => assert_eq!(answer["errors"], json!([]), "{answer}"),
    }
}

#[tokio::test]
async fn a_generated_or_given_temporary_password_is_returned_once() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    let headers = [("X-Tenant", PORTAL), ("X-Correlation-Id", CORRELATION)];
    let (status, answer) = reset(
        &app,
        &user.id.to_string(),
        Some(&app.admin_token),
        &headers,
        &body(&app, None),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let generated = answer["passwordProfile"]["password"].as_str().unwrap().to_owned();
    assert_eq!(answer["passwordProfile"]["forceChangePassword"], true);
    assert!(generated.len() >= 16);

    // The helpdesk may do it too, with a password of its choosing, and the portal domain in any case.
    let helpdesk = app.token(AgentRole::HelpdeskAgent);
    let headers = [("X-Tenant", "PORTAL.Fabrikam.com")];
    let (status, answer) = reset(
        &app,
        &user.id.to_string(),
        Some(&helpdesk),
        &headers,
        &body(&app, Some("Temp!Pass-42")),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["passwordProfile"]["password"], "Temp!Pass-42");
    let hashes = app.stored_hashes().await;
    assert!(tenantdesk_core::passwords::verify("Temp!Pass-42", &hashes[0]));
    assert!(!tenantdesk_core::passwords::verify(&generated, &hashes[0]));

    let read = app
        .sdk()
        .customers()
        .by_id(app.cid())
        .users()
        .by_id(user.id)
        .get()
        .await
        .unwrap();
    assert!(read.password_profile.is_none());
}

#[tokio::test]
async fn each_error_case_answers_in_cloudcockpit_shape() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    let uid = user.id.to_string();
    let ok_headers = [("X-Tenant", PORTAL), ("X-Correlation-Id", CORRELATION)];
    let token = Some(app.admin_token.as_str());

    let (status, answer) = reset(
        &app,
        &uid,
        token,
        &[("X-Correlation-Id", CORRELATION)],
        &body(&app, None),
    )
    .await;
    assert_cloudcockpit_error(status, &answer, 400, "ValidationError", Some("X-Tenant"));
    assert_eq!(answer["correlationId"], CORRELATION, "the request's X-Correlation-Id");

    let (status, answer) = reset(
        &app,
        &uid,
        token,
        &[("X-Tenant", "portal.northwind.com")],
        &body(&app, None),
    )
    .await;
    assert_cloudcockpit_error(status, &answer, 403, "Forbidden", None);
    assert!(
        answer["correlationId"].as_str().unwrap().parse::<uuid::Uuid>().is_ok(),
        "a generated one"
    );
    // Another partner's portal is refused before the body is read, whatever the body.
    let (status, answer) = reset(&app, &uid, token, &[("X-Tenant", "portal.northwind.com")], "{not json").await;
    assert_cloudcockpit_error(status, &answer, 403, "Forbidden", None);

    let wrong_instance =
        json!({ "providerInstanceId": uuid::Uuid::new_v4().to_string(), "customerUser": {} }).to_string();
    let (status, answer) = reset(&app, &uid, token, &ok_headers, &wrong_instance).await;
    assert_cloudcockpit_error(status, &answer, 400, "ValidationError", Some("providerInstanceId"));
    let (status, answer) = reset(&app, &uid, token, &ok_headers, r#"{"customerUser": {}}"#).await;
    assert_cloudcockpit_error(status, &answer, 400, "ValidationError", Some("providerInstanceId"));

    let (status, answer) = reset(&app, &uid, token, &ok_headers, &body(&app, Some("short"))).await;
    assert_cloudcockpit_error(
        status,
        &answer,
        400,
        "ValidationError",
        Some("customerUser.temporaryPassword"),
    );
    let (status, answer) = reset(&app, &uid, token, &ok_headers, &body(&app, Some("xxAna1234!"))).await;
    assert_cloudcockpit_error(
        status,
        &answer,
        400,
        "ValidationError",
        Some("customerUser.temporaryPassword"),
    );

    let (status, answer) = reset(
        &app,
        &uuid::Uuid::new_v4().to_string(),
        token,
        &ok_headers,
        &body(&app, None),
    )
    .await;
    assert_cloudcockpit_error(status, &answer, 404, "NotFound", None);
    let (status, answer) = reset(&app, "not-a-user", token, &ok_headers, &body(&app, None)).await;
    assert_cloudcockpit_error(status, &answer, 404, "NotFound", None);

    let (status, answer) = reset(&app, &uid, None, &ok_headers, &body(&app, None)).await;
    assert_cloudcockpit_error(status, &answer, 401, "Unauthorized", None);
    let sales = app.token(AgentRole::SalesAgent);
    let (status, answer) = reset(&app, &uid, Some(&sales), &ok_headers, &body(&app, None)).await;
    assert_cloudcockpit_error(status, &answer, 403, "Forbidden", None);
    let (status, answer) = reset(&app, &uid, token, &ok_headers, "{not json").await;
    assert_cloudcockpit_error(status, &answer, 400, "ValidationError", Some("body"));
    let (status, answer) = reset(
        &app,
        &uid,
        token,
        &[("X-Tenant", PORTAL), ("X-Correlation-Id", "nope")],
        &body(&app, None),
    )
    .await;
    assert_cloudcockpit_error(status, &answer, 400, "ValidationError", Some("X-Correlation-Id"));

    // Another partner's customer is not found, even with its own portal.
    let (_, their_token) = app.other_partner().await;
    let (status, answer) = reset(&app, &uid, Some(&their_token), &ok_headers, &body(&app, None)).await;
    assert_eq!(status, 403, "their partner has no portal domain: {answer}");

    // Only this route uses CloudCockpit's body.
    let (status, _, answer) = send(&app, Method::GET, &app.user_url(uuid::Uuid::new_v4()), token, &[], None).await;
    assert_eq!((status, answer["code"].as_u64()), (404, Some(60_002)));
}
