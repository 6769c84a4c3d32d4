//! Every validation rule of API.md: a 400 with code 3000 naming the field, and nothing written.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{DOMAIN, TestApp, assert_error, send, user_counts};

fn valid() -> Value {
    json!({
        "userPrincipalName": format!("ana@{DOMAIN}"),
        "firstName": "Ana",
        "lastName": "Lima",
        "displayName": "Ana Lima",
        "usageLocation": "US",
        "passwordProfile": { "password": "Xy7!pass", "forceChangePassword": true }
    })
}

/// Sends `valid()` with `field` (a JSON pointer) set to `value` (or removed, for `None`), and
/// checks the answer is a 400 naming `expected` and that nothing was created.
async fn check(app: &TestApp, pointer: &str, value: Option<Value>, expected: &str) {
    let mut body = valid();
    match value {
        Some(value) => *body.pointer_mut(pointer).expect("field") = value,
        None => {
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            body.pointer_mut(if parent.is_empty() { "" } else { parent })
                .unwrap()
                .as_object_mut()
                .unwrap()
                .remove(key);
        }
    }
    let (status, _, answer) = send(
        app,
        Method::POST,
        &app.users_url(),
        Some(&app.admin_token),
        &[],
        Some(&body.to_string()),
    )
    .await;
    assert_error(status, &answer, 400, 3000, expected);
    assert_eq!(user_counts(app).await, (0, 0), "{expected}: nothing was created");
}

#[tokio::test]
async fn each_rule_rejects_the_create() {
    let app = spawn_app!();
    let long = |n: usize| Value::String("x".repeat(n));
    let cases: Vec<(&str, Option<Value>, &str)> = vec![
        (
            "/passwordProfile/password",
            Some(json!("Ab1!")),
            "passwordProfile.password: must be 8 to 256",
        ),
        (
            "/passwordProfile/password",
            Some(json!("Ab1!".repeat(65))),
            "must be 8 to 256",
        ),
        ("/passwordProfile/password", Some(json!("abcdefgh")), "at least 3 of"),
        ("/passwordProfile/password", Some(json!("Abcdefg1é")), "is not allowed"),
        (
            "/passwordProfile/password",
            Some(json!("xxAna123!")),
            "must not contain the user name",
        ),
        (
            "/passwordProfile/password",
            Some(json!(12345678)),
            "passwordProfile.password: invalid type",
        ),
        ("/userPrincipalName", None, "userPrincipalName: is required"),
        (
            "/userPrincipalName",
            Some(json!("ana")),
            "userPrincipalName: 'ana' must have the form local@domain",
        ),
        (
            "/userPrincipalName",
            Some(json!(format!("an a@{DOMAIN}"))),
            "is not allowed before '@'",
        ),
        (
            "/userPrincipalName",
            Some(json!(format!("ana.@{DOMAIN}"))),
            "just before '@'",
        ),
        (
            "/userPrincipalName",
            Some(json!(format!("{}@{DOMAIN}", "a".repeat(65)))),
            "at most 64",
        ),
        (
            "/userPrincipalName",
            Some(json!(format!("ana@{}.onmicrosoft.com", "d".repeat(40)))),
            "at most 48",
        ),
        (
            "/userPrincipalName",
            Some(json!("ana@fabrikam.com")),
            "not one of the customer's domains",
        ),
        ("/displayName", None, "displayName: is required"),
        ("/displayName", Some(json!("  ")), "displayName: is required"),
        ("/displayName", Some(long(51)), "displayName: must be at most 50"),
        ("/firstName", Some(long(51)), "firstName: must be at most 50"),
        ("/lastName", Some(long(51)), "lastName: must be at most 50"),
        ("/usageLocation", None, "usageLocation: is required"),
        (
            "/usageLocation",
            Some(json!("USA")),
            "usageLocation: 'USA' is not an ISO 3166-1",
        ),
        ("/usageLocation", Some(json!("ZZ")), "not an ISO 3166-1"),
    ];
    for (pointer, value, expected) in cases {
        check(&app, pointer, value, expected).await;
    }
}

#[tokio::test]
async fn every_problem_is_listed_at_once() {
    let app = spawn_app!();
    let body = json!({ "userPrincipalName": "nope", "displayName": "x".repeat(60), "usageLocation": "Mars" });
    let (status, _, answer) = send(
        &app,
        Method::POST,
        &app.users_url(),
        Some(&app.admin_token),
        &[],
        Some(&body.to_string()),
    )
    .await;
    assert_error(status, &answer, 400, 3000, "userPrincipalName");
    let data: Vec<&str> = answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(data.len(), 3, "{data:?}");
    assert!(
        data[1].starts_with("displayName") && data[2].starts_with("usageLocation"),
        "{data:?}"
    );
}

#[tokio::test]
async fn the_limits_themselves_are_accepted() {
    let app = spawn_app!();
    let body = json!({
        "userPrincipalName": format!("{}@{DOMAIN}", "a".repeat(64)),
        "firstName": "f".repeat(50),
        "lastName": "l".repeat(50),
        "displayName": "d".repeat(50),
        "usageLocation": "ax",
        "passwordProfile": { "password": "Bc1!".repeat(64) }
    });
    let (status, _, answer) = send(
        &app,
        Method::POST,
        &app.users_url(),
        Some(&app.admin_token),
        &[],
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["usageLocation"], "AX", "stored uppercase");
}

#[tokio::test]
async fn updates_are_validated_too() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    for (body, field) in [
        (json!({ "displayName": "x".repeat(51) }), "displayName"),
        (json!({ "usageLocation": "new country/region code" }), "usageLocation"),
        (json!({ "userPrincipalName": "ana@" }), "userPrincipalName"),
        (
            json!({ "passwordProfile": { "password": "short" } }),
            "passwordProfile.password",
        ),
        (json!({ "displayName": "" }), "displayName: is required"),
    ] {
        let (status, _, answer) = send(
            &app,
            Method::PATCH,
            &app.user_url(user.id),
            Some(&app.admin_token),
            &[],
            Some(&body.to_string()),
        )
        .await;
        assert_error(status, &answer, 400, 3000, field);
    }
    let sdk = app.sdk();
    let read = sdk
        .customers()
        .by_id(app.cid())
        .users()
        .by_id(user.id)
        .get()
        .await
        .unwrap();
    assert_eq!(
        read,
        tenantdesk_client::CustomerUser {
            password_profile: None,
            ..user
        },
        "nothing changed"
    );
}

#[tokio::test]
async fn a_body_that_is_not_an_object_is_rejected() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    for body in ["[]", "[1, 2]", "\"text\"", "42", "true", r#"{"passwordProfile": []}"#] {
        for (method, url) in [(Method::PATCH, app.user_url(user.id)), (Method::POST, app.users_url())] {
            let (status, _, answer) = send(&app, method.clone(), &url, Some(&app.admin_token), &[], Some(body)).await;
            assert_error(status, &answer, 400, 3000, "a JSON object");
        }
    }
    assert_eq!(user_counts(&app).await, (1, 0), "nothing was created");
}
