//! Every REST example of the seed documents, sent with its body exactly as the seed prints it,
//! its headers, and the status, headers and body the seed shows checked.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{TestApp, create_customer, create_partner, send, token_for};

/// "Create a user by using the REST API method" (seed 004), verbatim.
const CREATE_BODY: &str = r#"{
      "usageLocation": "country/region code",
      "userPrincipalName": "userid@domain.onmicrosoft.com",
      "firstName": "First",
      "lastName": "Last",
      "displayName": "User name",
      "passwordProfile":{
                 password: "abCD123*",
                 forceChangePassword: true
      },
      "attributes": {
        "objectType": "CustomerUser"
      }
}"#;

/// "Update a user by using the REST API method" (seeds 001 and 004), verbatim.
const UPDATE_BODY: &str = r#"{
      "usageLocation": "new country/region code",

      "attributes": {
        "objectType": "CustomerUser"
      }
}"#;

/// "Reset a user password", REST request example (seed 000), verbatim.
const RESET_BODY: &str = r#"{
     "passwordProfile":{
        password: "Renew456*",
        forceChangePassword: true
      },


      "attributes": {
        "objectType": "CustomerUser"
      }
}"#;

/// "Restore a deleted user by using the REST API method" (seed 004), verbatim.
const RESTORE_BODY: &str = r#"{
    "State": "active",
    "Attributes": {
        "ObjectType": "CustomerUser"
    }
}"#;

const CREATE_HEADERS: [(&str, &str); 4] = [
    ("Accept", "application/json"),
    ("MS-RequestId", "b1317092-f087-471e-a637-f66523b2b94c"),
    ("MS-CorrelationId", "8a53b025-d5be-4d98-ab20-229d1813de76"),
    ("Content-Type", "application/json"),
];

/// A partner whose customer owns `domain.onmicrosoft.com`, the seed's example domain.
async fn seed_customer(app: &TestApp) -> (String, String) {
    let partner = create_partner(&app.state, "Seed partner", None).await;
    let customer = create_customer(&app.state, partner, &["domain.onmicrosoft.com".to_owned()], None).await;
    let token = token_for(&app.state, partner, Some(tenantdesk_domain::AgentRole::AdminAgent));
    (app.url(&format!("/v1/customers/{}/users", customer.id)), token)
}

#[track_caller]
fn assert_echoed_ids(headers: &reqwest::header::HeaderMap, request_id: &str, correlation_id: &str) {
    assert_eq!(headers["ms-requestid"], request_id);
    assert_eq!(headers["ms-correlationid"], correlation_id);
    assert!(headers.contains_key("ms-cv"), "MS-CV");
    assert!(headers.contains_key("ms-serverid"), "MS-ServerId");
}

#[track_caller]
fn assert_json(headers: &reqwest::header::HeaderMap) {
    assert_eq!(headers["content-type"], "application/json; charset=utf-8");
}

/// Creates the seed's user with the placeholder filled in; returns its URL and id.
async fn create_seed_user(app: &TestApp, users: &str, token: &str) -> (String, Value) {
    let body = CREATE_BODY.replace("country/region code", "US");
    let (status, headers, user) = send(app, Method::POST, users, Some(token), &CREATE_HEADERS, Some(&body)).await;
    assert_eq!(status, 200, "{user}");
    assert_echoed_ids(&headers, CREATE_HEADERS[1].1, CREATE_HEADERS[2].1);
    assert_json(&headers);
    (format!("{users}/{}", user["id"].as_str().unwrap()), user)
}

#[tokio::test]
async fn create_as_the_seed_prints_it_rejects_the_placeholder_country() {
    let app = spawn_app!();
    let (users, token) = seed_customer(&app).await;
    let (status, headers, body) = send(
        &app,
        Method::POST,
        &users,
        Some(&token),
        &CREATE_HEADERS,
        Some(CREATE_BODY),
    )
    .await;
    crate::helpers::assert_error(
        status,
        &body,
        400,
        3000,
        "usageLocation: 'country/region code' is not an ISO 3166-1",
    );
    assert_echoed_ids(&headers, CREATE_HEADERS[1].1, CREATE_HEADERS[2].1);
    assert_json(&headers);
    let (_, _, list) = send(&app, Method::GET, &users, Some(&token), &[], None).await;
    assert_eq!(list["totalCount"], 0, "nothing was created");
}

#[tokio::test]
async fn create_with_the_placeholder_filled_answers_like_the_seed() {
    let app = spawn_app!();
    let (users, token) = seed_customer(&app).await;
    let (url, user) = create_seed_user(&app, &users, &token).await;
    let id = user["id"].as_str().unwrap();
    assert!(id.parse::<uuid::Uuid>().is_ok());
    let expected = serde_json::json!({
        "id": id,
        "userPrincipalName": "userid@domain.onmicrosoft.com",
        "firstName": "First",
        "lastName": "Last",
        "displayName": "User name",
        "usageLocation": "US",
        "passwordProfile": { "forceChangePassword": true, "password": "abCD123*" },
        "lastDirectorySyncTime": null,
        "userDomainType": "none",
        "state": "active",
        "softDeletionTime": null,
        "links": { "self": { "uri": url.split("/v1").nth(1).unwrap(), "method": "GET", "headers": [] } },
        "attributes": { "objectType": "CustomerUser" },
    });
    assert_eq!(user, expected);
    // Field order as Partner Center writes it.
    let keys: Vec<&String> = user.as_object().unwrap().keys().collect();
    assert_eq!(keys[..3], ["id", "userPrincipalName", "firstName"]);
    // The password is shown once: never by a GET.
    let (_, _, read) = send(&app, Method::GET, &url, Some(&token), &[], None).await;
    assert!(read.get("passwordProfile").is_none(), "{read}");
}

#[tokio::test]
async fn update_as_the_seed_prints_it_rejects_the_placeholder_then_updates() {
    let app = spawn_app!();
    let (users, token) = seed_customer(&app).await;
    let (url, _) = create_seed_user(&app, &users, &token).await;
    let (status, headers, body) = send(
        &app,
        Method::PATCH,
        &url,
        Some(&token),
        &CREATE_HEADERS,
        Some(UPDATE_BODY),
    )
    .await;
    crate::helpers::assert_error(status, &body, 400, 3000, "usageLocation");
    assert_echoed_ids(&headers, CREATE_HEADERS[1].1, CREATE_HEADERS[2].1);

    let body = UPDATE_BODY.replace("new country/region code", "GB");
    let (status, headers, user) = send(&app, Method::PATCH, &url, Some(&token), &CREATE_HEADERS, Some(&body)).await;
    assert_eq!(status, 200, "{user}");
    assert_json(&headers);
    assert_eq!(user["usageLocation"], "GB");
    assert_eq!(user["displayName"], "User name", "other fields unchanged");
    assert!(user.get("passwordProfile").is_none(), "no password was set");
    assert_eq!(user["state"], "active");
}

#[tokio::test]
async fn reset_password_as_the_seed_prints_it() {
    let app = spawn_app!();
    let (users, token) = seed_customer(&app).await;
    let (url, _) = create_seed_user(&app, &users, &token).await;
    let (status, headers, user) = send(
        &app,
        Method::PATCH,
        &url,
        Some(&token),
        &CREATE_HEADERS,
        Some(RESET_BODY),
    )
    .await;
    assert_eq!(status, 200, "{user}");
    assert_echoed_ids(&headers, CREATE_HEADERS[1].1, CREATE_HEADERS[2].1);
    assert_json(&headers);
    assert_eq!(
        user["passwordProfile"],
        serde_json::json!({ "forceChangePassword": true, "password": "Renew456*" })
    );
    assert_eq!(user["userPrincipalName"], "userid@domain.onmicrosoft.com");
    let (_, _, read) = send(&app, Method::GET, &url, Some(&token), &[], None).await;
    assert!(read.get("passwordProfile").is_none());
    // The new hash is the one stored.
    let hashes = app.stored_hashes().await;
    assert!(
        hashes
            .iter()
            .any(|h| tenantdesk_core::passwords::verify("Renew456*", h))
    );
    assert!(!hashes.iter().any(|h| tenantdesk_core::passwords::verify("abCD123*", h)));
}

#[tokio::test]
async fn delete_then_restore_as_the_seed_prints_them() {
    let app = spawn_app!();
    let (users, token) = seed_customer(&app).await;
    let (url, _) = create_seed_user(&app, &users, &token).await;

    let delete_headers = [
        ("Accept", "application/json"),
        ("MS-RequestId", "f113b126-ec13-4baa-ab4d-67c245244971"),
        ("MS-CorrelationId", "709c0b80-016c-4662-b29f-697fdf03e87a"),
        ("X-Locale", "en-US"),
        ("Content-Length", "0"),
    ];
    let response = app
        .http
        .delete(&url)
        .bearer_auth(&token)
        .headers(
            delete_headers
                .iter()
                .map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap()))
                .collect(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_echoed_ids(response.headers(), delete_headers[1].1, delete_headers[2].1);
    assert!(response.bytes().await.unwrap().is_empty(), "204 has an empty body");

    let (status, _, _) = send(&app, Method::GET, &url, Some(&token), &[], None).await;
    assert_eq!(status, 404, "a deleted user is not found");
    let filter = r#"{"Field":"UserState","Value":"Inactive","Operator":"equals"}"#;
    let (_, _, deleted) = send(
        &app,
        Method::GET,
        &format!("{users}?filter={}", urlencode(filter)),
        Some(&token),
        &[],
        None,
    )
    .await;
    assert_eq!(deleted["totalCount"], 1, "{deleted}");
    assert_eq!(deleted["items"][0]["state"], "inactive");
    assert!(deleted["items"][0]["softDeletionTime"].is_string());

    let restore_headers = [
        ("Accept", "application/json"),
        ("MS-RequestId", "6e668bc0-5bd7-44d6-b6fa-529d41ce9659"),
        ("MS-CorrelationId", "32be760f-8282-4e01-a37b-829c8a700e8a"),
        ("X-Locale", "en-US"),
        ("Content-Type", "application/json"),
        ("Expect", "100-continue"),
    ];
    let (status, headers, user) = send(
        &app,
        Method::PATCH,
        &url,
        Some(&token),
        &restore_headers,
        Some(RESTORE_BODY),
    )
    .await;
    assert_eq!(status, 200, "{user}");
    assert_echoed_ids(&headers, restore_headers[1].1, restore_headers[2].1);
    assert_json(&headers);
    assert_eq!(user["state"], "active");
    assert_eq!(user["softDeletionTime"], Value::Null);
    assert_eq!(
        user["userPrincipalName"], "userid@domain.onmicrosoft.com",
        "restored as it was"
    );
    assert!(user.get("passwordProfile").is_none());
    let (status, _, _) = send(&app, Method::GET, &url, Some(&token), &[], None).await;
    assert_eq!(status, 200);
}

pub fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
