//! Hostile input: never a 5xx, never a panic, never a half-written change.

use reqwest::Method;

use crate::helpers::{assert_error, send, user_counts};

#[tokio::test]
async fn malformed_bodies_are_400s() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    let deep = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("truncated", br#"{"displayName": "Ana", "usageLoc"#.to_vec()),
        ("binary", vec![0xff, 0xfe, 0x00, 0x01, 0x80, 0x7f]),
        ("NUL bytes", b"{\"displayName\": \"A\0\"}\0".to_vec()),
        ("array", b"[1, 2, 3]".to_vec()),
        ("string", b"\"hello\"".to_vec()),
        ("deep nesting", deep.into_bytes()),
        ("wrong type", br#"{"displayName": {"nested": true}}"#.to_vec()),
        ("number for a string", br#"{"userPrincipalName": 12}"#.to_vec()),
        (
            "number for a bool",
            br#"{"passwordProfile": {"forceChangePassword": 1}}"#.to_vec(),
        ),
        ("bad enum", br#"{"state": "deleted"}"#.to_vec()),
        ("lone surrogate", br#"{"displayName": "\ud800"}"#.to_vec()),
    ];
    for (what, body) in bodies {
        for (method, url) in [(Method::POST, app.users_url()), (Method::PATCH, app.user_url(user.id))] {
            let response = app
                .http
                .request(method.clone(), &url)
                .bearer_auth(&app.admin_token)
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let answer: serde_json::Value = response.json().await.unwrap();
            assert!((400..500).contains(&status), "{what} {method}: {status} {answer}");
            assert_eq!(answer["code"], 3000, "{what} {method}: {answer}");
        }
    }
    assert_eq!(user_counts(&app).await, (1, 0));
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let app = spawn_app!();
    let huge = format!(r#"{{"displayName": "{}"}}"#, "x".repeat(2 * 1024 * 1024));
    let (status, _, body) = send(
        &app,
        reqwest::Method::POST,
        &app.users_url(),
        Some(&app.admin_token),
        &[],
        Some(&huge),
    )
    .await;
    assert_error(status, &body, 413, 3000, "");
}

#[tokio::test]
async fn unknown_fields_are_ignored_and_odd_ids_are_not_found() {
    let app = spawn_app!();
    let body = r#"{userPrincipalName: 'eve@contoso.onmicrosoft.com', displayName: 'Eve', usageLocation: 'us',
                   favouriteColour: 'teal', id: 'chosen-by-me', links: {self: null}, objectType: 1,}"#;
    let (status, _, created) = send(
        &app,
        Method::POST,
        &app.users_url(),
        Some(&app.admin_token),
        &[],
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    assert_ne!(created["id"], "chosen-by-me");

    for (url, code) in [
        (app.url("/v1/customers/not-a-guid/users"), 60_003),
        (app.url("/v1/customers/%00%ff/users"), 60_003),
        (
            app.url(&format!("/v1/customers/{}/users/not-a-guid", app.cid())),
            60_002,
        ),
        (
            app.url(&format!("/v1/customers/{}/users/'%20OR%201=1--", app.cid())),
            60_002,
        ),
    ] {
        let (status, _, answer) = send(&app, Method::GET, &url, Some(&app.admin_token), &[], None).await;
        assert_error(status, &answer, 404, code, "");
    }
}

#[tokio::test]
async fn hostile_request_ids_are_replaced_by_fresh_ones() {
    let app = spawn_app!();
    let long = "r".repeat(500);
    for value in [long.as_str(), "has space", "ünïcode"] {
        let response = app
            .http
            .get(app.users_url())
            .bearer_auth(&app.admin_token)
            .header("MS-RequestId", value.as_bytes())
            .header("MS-CorrelationId", value.as_bytes())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let request_id = response.headers()["ms-requestid"].to_str().unwrap();
        assert_ne!(request_id, value);
        assert!(request_id.parse::<uuid::Uuid>().is_ok(), "a fresh id replaces it");
    }
}

#[tokio::test]
async fn nul_characters_are_400s_wherever_they_come_in() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    let audit = app.url("/v1/auditrecords");
    let filter = |field: &str| {
        crate::seeds::urlencode(&format!(
            r#"{{"Field":"{field}","Value":"ab\u0000c","Operator":"equals"}}"#
        ))
    };
    let queries = [
        format!("{audit}?startDate=2020-01-01&correlationId=ab%00c"),
        format!("{audit}?startDate=2020-01-01&resourceId=x%00"),
        format!("{audit}?startDate=2020-01-01&filter={}", filter("CorrelationId")),
        format!("{audit}?startDate=2020-01-01&filter={}", filter("ResourceId")),
        format!("{audit}?startDate=2020-01-01&x%00=1"),
        format!("{}?filter={}", app.users_url(), filter("UserState")),
        format!("{}?size=1%00", app.users_url()),
        format!(
            "{audit}?startDate=2020-01-01&filter={}",
            filter("CorrelationId").replace("%5Cu0000", "%00")
        ),
    ];
    for url in queries {
        let (status, _, body) = send(&app, Method::GET, &url, Some(&app.admin_token), &[], None).await;
        assert_error(status, &body, 400, 3000, "NUL character");
    }

    // JSON bodies: in a value, and in a property name (which used to be ignored).
    let bodies = [
        (
            Method::PATCH,
            app.user_url(user.id),
            r#"{"displayName": "Ana\u0000"}"#,
            "displayName",
        ),
        (
            Method::PATCH,
            app.user_url(user.id),
            r#"{"display\u0000Name": "Ana"}"#,
            "display\\\\u0000Name",
        ),
        (
            Method::POST,
            app.url("/v1/customers"),
            r#"{"companyProfile": {"domain": "nul.example.com"}, "additionalDomains": ["a\u0000.com"]}"#,
            "additionalDomains[0]",
        ),
    ];
    for (method, url, body, path) in bodies {
        let (status, _, answer) = send(&app, method, &url, Some(&app.admin_token), &[], Some(body)).await;
        assert_error(status, &answer, 400, 3000, &format!("{path}: a NUL character"));
    }

    // A CSV upload.
    let file = "First name,Last name,Display name,Email,Status update\nBen,,Ben,ben@contoso.onmicrosoft.com,\u{0}\n";
    let url = format!("{}/import?usageLocation=US", app.users_url());
    let (status, _, answer) = send(&app, Method::POST, &url, Some(&app.admin_token), &[], Some(file)).await;
    assert_error(status, &answer, 400, 3000, "has a NUL character");
    assert_eq!(user_counts(&app).await, (1, 0));
}

#[tokio::test]
async fn error_bodies_list_at_most_100_problems_and_short_ones() {
    let app = spawn_app!();
    // 300,000 empty role ids in a 900 KB body.
    let ids = vec!["\"\""; 300_000].join(",");
    let body = format!(
        r#"{{"userPrincipalName": "many@contoso.onmicrosoft.com", "displayName": "Many", "usageLocation": "US", "directoryRoleIds": [{ids}]}}"#
    );
    let response = app
        .http
        .post(app.users_url())
        .bearer_auth(&app.admin_token)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.len() < 32 * 1024, "{} bytes", bytes.len());
    let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let data = answer["data"].as_array().unwrap();
    assert_eq!(data.len(), 101, "{answer}");
    assert_eq!(
        data[100], "and 299900 more problems (only the first 100 are listed)",
        "{answer}"
    );

    // 50,000 columns in a CSV file, and one column name of 200 KB.
    let header = format!(
        "First name,Last name,Display name,Email,Status update,{}",
        (0..50_000).map(|i| format!("c{i}")).collect::<Vec<_>>().join(",")
    );
    let huge = format!(
        "First name,Last name,Display name,Email,Status update,{}",
        "x".repeat(200_000)
    );
    for file in [header, huge] {
        let file = format!("{file}\nAna,,Ana,ana2@contoso.onmicrosoft.com,\n");
        let url = format!("{}/import?usageLocation=US", app.users_url());
        let (status, _, answer) = send(&app, Method::POST, &url, Some(&app.admin_token), &[], Some(&file)).await;
        assert_error(status, &answer, 400, 3000, "unexpected column");
        let data = answer["data"].as_array().unwrap();
        assert!(data.len() <= 101, "{} problems listed", data.len());
        assert!(
            answer.to_string().len() < 64 * 1024,
            "{} bytes",
            answer.to_string().len()
        );
        for line in data {
            assert!(line.as_str().unwrap().chars().count() < 450, "{line}");
        }
        assert!(answer["description"].as_str().unwrap().chars().count() < 450);
    }
    assert_eq!(user_counts(&app).await, (0, 0));
}

#[tokio::test]
async fn names_with_invisible_or_direction_characters_are_refused() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    for (name, code) in [
        ("Ana\u{202E}lanoitan", "U+202E"),
        ("A\u{200B}na", "U+200B"),
        ("\u{2066}Ana", "U+2066"),
        ("Ana\u{FEFF}", "U+FEFF"),
    ] {
        for field in ["displayName", "firstName", "lastName"] {
            let body = serde_json::json!({ field: name }).to_string();
            let (status, _, answer) = send(
                &app,
                Method::PATCH,
                &app.user_url(user.id),
                Some(&app.admin_token),
                &[],
                Some(&body),
            )
            .await;
            assert_error(status, &answer, 400, 3000, &format!("{field}: must not contain"));
            assert_error(status, &answer, 400, 3000, code);
        }
        let body = serde_json::json!({
            "companyProfile": { "domain": "spoof.example.com", "companyName": name }
        })
        .to_string();
        let (status, _, answer) = send(
            &app,
            Method::POST,
            &app.url("/v1/customers"),
            Some(&app.admin_token),
            &[],
            Some(&body),
        )
        .await;
        assert_error(
            status,
            &answer,
            400,
            3000,
            "companyProfile.companyName: must not contain",
        );
    }
    let file =
        "First name,Last name,Display name,Email,Status update\nBen,,Ben\u{202E}nimda,ben@contoso.onmicrosoft.com,\n";
    let url = format!("{}/import?usageLocation=US", app.users_url());
    let (status, _, answer) = send(&app, Method::POST, &url, Some(&app.admin_token), &[], Some(file)).await;
    assert_error(status, &answer, 400, 3000, "row 2, Display name: must not contain");
    assert_eq!(user_counts(&app).await, (1, 0));
}

#[tokio::test]
async fn answers_with_a_password_are_not_cached_and_no_answer_is_sniffed() {
    let app = spawn_app!();
    let no_store =
        |headers: &reqwest::header::HeaderMap| headers.get("cache-control").map(|v| v.to_str().unwrap().to_owned());
    let body = r#"{"userPrincipalName": "cy@contoso.onmicrosoft.com", "displayName": "Cy", "usageLocation": "US"}"#;
    let (status, headers, created) = send(
        &app,
        Method::POST,
        &app.users_url(),
        Some(&app.admin_token),
        &[],
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(no_store(&headers).as_deref(), Some("no-store"), "create");
    let id = created["id"].as_str().unwrap().to_owned();
    let user_url = app.url(&format!("/v1/customers/{}/users/{id}", app.cid()));

    let reset = r#"{"passwordProfile": {"password": "Renew456*x", "forceChangePassword": true}}"#;
    let (status, headers, _) = send(&app, Method::PATCH, &user_url, Some(&app.admin_token), &[], Some(reset)).await;
    assert_eq!(status, 200);
    assert_eq!(no_store(&headers).as_deref(), Some("no-store"), "PATCH with a password");
    let (status, headers, _) = send(
        &app,
        Method::PATCH,
        &user_url,
        Some(&app.admin_token),
        &[],
        Some(r#"{"displayName": "Cyd"}"#),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(no_store(&headers), None, "PATCH without a password");

    let body = serde_json::json!({
        "providerInstanceId": app.customer.provider_instance.to_string(),
        "customerUser": {},
    })
    .to_string();
    let (status, headers, answer) = send(
        &app,
        Method::PATCH,
        &format!("{user_url}/reset-password"),
        Some(&app.admin_token),
        &[("X-Tenant", "portal.fabrikam.com")],
        Some(&body),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(no_store(&headers).as_deref(), Some("no-store"), "CloudCockpit reset");

    let file = "First name,Last name,Display name,Email,Status update\nDi,,Di,di@contoso.onmicrosoft.com,\n";
    let url = format!("{}/import?usageLocation=US", app.users_url());
    let (status, headers, _) = send(&app, Method::POST, &url, Some(&app.admin_token), &[], Some(file)).await;
    assert_eq!(status, 200);
    assert_eq!(no_store(&headers).as_deref(), Some("no-store"), "upload, JSON");
    let file = "First name,Last name,Display name,Email,Status update\nEd,,Ed,ed@contoso.onmicrosoft.com,\n";
    let response = app
        .http
        .post(&url)
        .bearer_auth(&app.admin_token)
        .header("Accept", "text/csv")
        .body(file)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store", "upload, CSV");

    // Every response, whatever it is, says nosniff.
    for (method, url, token) in [
        (Method::GET, app.users_url(), Some(app.admin_token.as_str())),
        (Method::GET, app.users_url(), None),
        (Method::GET, app.url("/v1/nothing-here"), Some(app.admin_token.as_str())),
        (Method::PUT, app.users_url(), Some(app.admin_token.as_str())),
        (Method::GET, app.url("/healthz"), None),
        (Method::GET, app.url("/openapi.json"), None),
    ] {
        let (_, headers, _) = send(&app, method.clone(), &url, token, &[], None).await;
        assert_eq!(headers["x-content-type-options"], "nosniff", "{method} {url}");
        assert_eq!(no_store(&headers), None, "{method} {url}");
    }
}

#[tokio::test]
async fn the_csv_answer_writes_formulas_as_text() {
    let app = spawn_app!();
    let file = "First name,Last name,Display name,Email,Status update\n\
                \"=cmd|'/C calc'!A0\",+SUM(1),@x,formula@contoso.onmicrosoft.com,\n";
    let url = format!("{}/import?usageLocation=US", app.users_url());
    let response = app
        .http
        .post(&url)
        .bearer_auth(&app.admin_token)
        .header("Accept", "text/csv")
        .body(file)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let row = reader.records().next().unwrap().unwrap();
    assert_eq!(&row[0], "'=cmd|'/C calc'!A0");
    assert_eq!(&row[1], "'+SUM(1)");
    assert_eq!(&row[2], "'@x");
    assert_eq!(&row[3], "formula@contoso.onmicrosoft.com");
    assert!(!row[5].starts_with(['=', '+', '-', '@', '\'']), "{}", &row[5]);
    // The names are stored as given: only the spreadsheet file guards them.
    let sdk = app.sdk();
    let users = sdk.customers().by_id(app.cid()).users();
    let stored = futures::TryStreamExt::try_collect::<Vec<_>>(users.list())
        .await
        .unwrap();
    let user = stored.iter().find(|u| u.display_name == "@x").unwrap();
    assert_eq!(user.first_name.as_deref(), Some("=cmd|'/C calc'!A0"));
}
