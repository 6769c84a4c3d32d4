//! Bulk upload from a CSV file: every seed rule fails the upload and creates nothing; a valid
//! file creates every user in one transaction; the downloaded file carries the passwords.

use std::time::Duration;

use reqwest::Method;
use tenantdesk_client::AuditQuery;
use tenantdesk_domain::{AgentRole, UserPrincipalName};

use crate::helpers::{DOMAIN, STORED_HASH, TestApp, assert_error, send, user_counts};

const HEADER: &str = "First name,Last name,Display name,Email,Status update";

fn file(rows: &[String]) -> String {
    let mut text = format!("{HEADER}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text
}

fn users(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("First{i},Last{i},User {i},user{i}@{DOMAIN},"))
        .collect()
}

async fn upload(
    app: &TestApp,
    query: &str,
    body: &str,
    token: &str,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let url = format!("{}/import?{query}", app.users_url());
    send(
        app,
        Method::POST,
        &url,
        Some(token),
        &[("Content-Type", "text/csv")],
        Some(body),
    )
    .await
}

#[tokio::test]
async fn each_seed_rule_fails_the_upload_and_creates_nothing() {
    let app = spawn_app!();
    app.create_user("taken").await;
    let long = "x".repeat(51);
    let valid = format!("Ana,Lima,Ana Lima,ana@{DOMAIN},");
    let cases: Vec<(String, &str, &str)> = vec![
        (
            file(&users(101)),
            "usageLocation=US",
            "file: has 101 users; at most 100",
        ),
        (
            file(&[valid.clone(), "Ben,Carter,Ben,ben@fabrikam.com,".into()]),
            "usageLocation=US",
            "row 3, Email: 'fabrikam.com' is not in the customer's domains",
        ),
        (
            file(&[valid.clone(), "Ben,Carter,Ben,not-an-email,".into()]),
            "usageLocation=US",
            "row 3, Email: 'not-an-email' must have the form",
        ),
        (
            file(&[valid.clone(), format!("Ana,L,Ana 2,ANA@{DOMAIN},")]),
            "usageLocation=US",
            "row 3, Email: 'ANA@contoso.onmicrosoft.com' is also in row 2",
        ),
        (
            file(&[valid.clone(), format!("T,T,Taken,taken@{DOMAIN},")]),
            "usageLocation=US",
            "row 3, Email: another active user of this customer already has",
        ),
        (
            file(&[format!("{long},Lima,Ana,ana@{DOMAIN},")]),
            "usageLocation=US",
            "row 2, First name: must be at most 50 characters",
        ),
        (
            file(&[format!("Ana,{long},Ana,ana@{DOMAIN},")]),
            "usageLocation=US",
            "row 2, Last name: must be at most 50 characters",
        ),
        (
            file(&[format!("Ana,Lima,{long},ana@{DOMAIN},")]),
            "usageLocation=US",
            "row 2, Display name: must be at most 50 characters",
        ),
        (
            file(&[format!("Ana,Lima,,ana@{DOMAIN},")]),
            "usageLocation=US",
            "row 2, Display name: is required",
        ),
        (
            file(&[format!("Ana,Lima,Ana,ana@{DOMAIN},created")]),
            "usageLocation=US",
            "row 2, Status update: must be left empty",
        ),
        (
            format!("{HEADER},Phone\n{valid},555\n"),
            "usageLocation=US",
            "row 1: has the unexpected column 'Phone'",
        ),
        (
            file(&[format!("{valid},extra")]),
            "usageLocation=US",
            "row 2: has data beyond the 5 columns",
        ),
        (
            "First name,Display name,Email\nAna,Ana,ana@x.com\n".into(),
            "usageLocation=US",
            "the column 'Last name' is missing",
        ),
        (file(std::slice::from_ref(&valid)), "", "usageLocation: is required"),
        (
            file(std::slice::from_ref(&valid)),
            "usageLocation=XX",
            "usageLocation: 'XX' is not an ISO 3166-1",
        ),
        (String::new(), "usageLocation=US", "file: is empty"),
        (file(&[]), "usageLocation=US", "file: has no users"),
    ];
    for (body, query, expected) in cases {
        let (status, _, answer) = upload(&app, query, &body, &app.admin_token).await;
        assert_error(status, &answer, 400, 3000, expected);
        assert_eq!(user_counts(&app).await, (1, 0), "{expected}: nothing was created");
    }
    // Every problem of a file is listed, each by row and column.
    let body = file(&[
        format!("{long},Lima,Ana,ana@{DOMAIN},"),
        "Ben,Carter,,ben@fabrikam.com,x".into(),
    ]);
    let (status, _, answer) = upload(&app, "usageLocation=US", &body, &app.admin_token).await;
    assert_eq!(status, 400);
    let data: Vec<&str> = answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(data.len(), 4, "{data:#?}");
    assert!(data[0].starts_with("row 2, First name"), "{data:#?}");
    assert!(data[1..].iter().all(|d| d.starts_with("row 3, ")), "{data:#?}");
}

#[tokio::test]
async fn a_file_of_100_users_creates_them_all_with_temporary_passwords() {
    let app = spawn_app!();
    let (status, _, answer) = upload(&app, "usageLocation=gb", &file(&users(100)), &app.admin_token).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["totalCount"], 100);
    assert_eq!(answer["attributes"]["objectType"], "UserImport");
    let items = answer["items"].as_array().unwrap();
    assert_eq!(items[0]["row"], 2);
    assert_eq!(items[99]["row"], 101);
    let mut passwords = std::collections::HashSet::new();
    for item in items {
        assert_eq!(item["status"], "created");
        let user = &item["user"];
        assert_eq!(user["usageLocation"], "GB", "one location for the whole upload");
        assert_eq!(user["passwordProfile"]["forceChangePassword"], true);
        let password = user["passwordProfile"]["password"].as_str().unwrap();
        let upn = UserPrincipalName::parse(user["userPrincipalName"].as_str().unwrap()).unwrap();
        assert!(password.len() >= 16 && tenantdesk_domain::Password::parse(password, &upn).is_ok());
        passwords.insert(password.to_owned());
    }
    assert_eq!(passwords.len(), 100, "every password is its own");
    assert_eq!(user_counts(&app).await, (100, 0));
    let hashes = app.stored_hashes().await;
    assert!(hashes.iter().all(|h| h.starts_with("$argon2id$")));
    let first = items[0]["user"]["passwordProfile"]["password"].as_str().unwrap();
    assert!(hashes.iter().any(|h| tenantdesk_core::passwords::verify(first, h)));

    // The upload is in the audit log, with one record per user.
    let sdk = app.sdk();
    let imports = AuditQuery {
        operation: Some("ImportCustomerUsers".into()),
        ..Default::default()
    };
    assert_eq!(
        sdk.audit_records(&imports).await.unwrap().items[0]
            .resource_id
            .as_deref(),
        Some("100 users")
    );
    let creates = AuditQuery {
        operation: Some("CreateCustomerUser".into()),
        size: Some(500),
        ..Default::default()
    };
    assert_eq!(sdk.audit_records(&creates).await.unwrap().items.len(), 100);
}

#[tokio::test]
async fn the_downloaded_file_is_the_upload_with_status_and_passwords() {
    let app = spawn_app!();
    // As a spreadsheet writes it: a BOM, CRLF, another header case, quoted values.
    let upload_text = format!(
        "\u{feff}FIRST NAME,last name,Display Name,EMAIL,status update\r\n\"Ana, Maria\",Lima,Ana Lima,ana@{DOMAIN},\r\nBen,,Ben Carter,ben@{DOMAIN},\r\n"
    );
    let sdk = app.sdk();
    let downloaded = sdk
        .customers()
        .by_id(app.cid())
        .users()
        .import_csv(upload_text.as_bytes(), "US")
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(downloaded.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        headers,
        [
            "First name",
            "Last name",
            "Display name",
            "Email",
            "Status update",
            "Temporary password"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let first: Vec<&str> = rows[0].iter().take(5).collect();
    assert_eq!(
        first,
        ["Ana, Maria", "Lima", "Ana Lima", &format!("ana@{DOMAIN}"), "created"]
    );
    let second: Vec<&str> = rows[1].iter().take(5).collect();
    assert_eq!(second, ["Ben", "", "Ben Carter", &format!("ben@{DOMAIN}"), "created"]);
    let hashes = app.stored_hashes().await;
    for row in &rows {
        assert!(
            hashes.iter().any(|h| tenantdesk_core::passwords::verify(&row[5], h)),
            "the password works"
        );
    }
    let users = sdk.customers().by_id(app.cid()).users().page(0).await.unwrap();
    let ana = users.items.iter().find(|u| u.display_name == "Ana Lima").unwrap();
    assert_eq!(
        (ana.first_name.as_deref(), ana.last_name.as_deref()),
        (Some("Ana, Maria"), Some("Lima"))
    );
}

#[tokio::test]
async fn validate_only_checks_and_creates_nothing() {
    let app = spawn_app!();
    let sdk = app.sdk();
    let result = sdk
        .customers()
        .by_id(app.cid())
        .users()
        .import(file(&users(3)).as_bytes(), "US", true)
        .await
        .unwrap();
    assert_eq!(result.total_count, 3);
    assert!(result.items.iter().all(|i| i.status == "valid" && i.user.is_none()));
    assert_eq!(user_counts(&app).await, (0, 0));
    let err = sdk
        .customers()
        .by_id(app.cid())
        .users()
        .import(b"nope", "US", true)
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(400), Some(3000)));
    // A blank validateOnly is not a boolean: refused, never taken for false and the file created.
    for query in [
        "usageLocation=US&validateOnly=",
        "usageLocation=US&validateOnly=%09",
        "usageLocation=US&validateOnly=yes",
    ] {
        let (status, _, answer) = upload(&app, query, &file(&users(2)), &app.admin_token).await;
        assert_error(status, &answer, 400, 3000, "validateOnly");
    }
    assert_eq!(user_counts(&app).await, (0, 0));
}

#[tokio::test]
async fn only_admin_agents_upload() {
    let app = spawn_app!();
    for (token, code) in [
        (app.token(AgentRole::HelpdeskAgent), 900_150),
        (app.token(AgentRole::SalesAgent), 900_150),
        (app.app_only_token(), 2032),
    ] {
        for query in ["usageLocation=US", "usageLocation=US&validateOnly=true"] {
            let (status, _, answer) = upload(&app, query, &file(&users(2)), &token).await;
            assert_error(status, &answer, 403, code, "");
        }
    }
    assert_eq!(user_counts(&app).await, (0, 0));
}

#[tokio::test]
async fn a_conflicting_create_during_the_upload_leaves_nothing_of_the_file() {
    let app = spawn_app!();
    let body = file(&users(100));
    let upload = upload(&app, "usageLocation=US", &body, &app.admin_token);
    let intruder = async {
        // Once the first of its 100 passwords is being hashed (no hash runs before the file is
        // validated, and the rest take about a second on two cores), another writer creates one
        // of its users.
        let hasher = app.state.app().passwords();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while hasher.memory_sets_allocated() == 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the upload never started hashing"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let user = app.bare_user(&format!("user57@{DOMAIN}"), "Intruder");
        let mut tx = app.store.begin().await.unwrap();
        tx.insert_user(app.scope(), &user, STORED_HASH).await.unwrap();
        tx.commit().await.unwrap();
    };
    let ((status, _, answer), ()) = tokio::join!(upload, intruder);
    assert_error(
        status,
        &answer,
        409,
        3001,
        "row 59, Email: another active user of this customer already has 'user57@",
    );
    assert_eq!(
        user_counts(&app).await,
        (1, 0),
        "only the intruder: nothing of the file was kept"
    );
}

#[tokio::test]
async fn the_runtime_keeps_serving_during_an_upload() {
    let app = spawn_app!();
    let body = file(&users(100));
    let upload = upload(&app, "usageLocation=US", &body, &app.admin_token);
    let meanwhile = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = std::time::Instant::now();
        let (status, _, _) = send(&app, Method::GET, &app.url("/healthz"), None, &[], None).await;
        (status, started.elapsed())
    };
    let ((status, _, _), (health, waited)) = tokio::join!(upload, meanwhile);
    assert_eq!((status, health), (200, 200));
    // Not a timing assertion on the upload: a health check answered while 100 hashes ran shows
    // the hashing is off the async runtime (this test's runtime has a single thread).
    assert!(waited < Duration::from_secs(5), "the health check waited {waited:?}");
}
