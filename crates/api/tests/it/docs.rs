//! The OpenAPI document as a product: complete for every `/v1` operation, and rendered at `/docs`
//! (checked in a real browser, headless Chromium, when one is installed; required under CI).

use std::path::PathBuf;

use reqwest::Method;
use serde_json::Value;

use crate::helpers::send;

/// The document as `/openapi.json` serves it.
async fn document(app: &crate::helpers::TestApp) -> Value {
    let (status, _, doc) = send(app, Method::GET, &app.url("/openapi.json"), None, &[], None).await;
    assert_eq!(status, 200);
    doc
}

/// Every `(path, method, operation)` of the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            found.push((path.clone(), method.clone(), operation.clone()));
        }
    }
    found
}

#[tokio::test]
async fn every_v1_operation_documents_auth_rate_limits_and_described_responses() {
    let app = spawn_app!();
    let doc = document(&app).await;
    let operations = operations(&doc);
    assert_eq!(operations.len(), 16, "every operation is documented");
    for (path, method, operation) in operations {
        let name = format!("{method} {path}");
        assert!(path.starts_with("/v1/"), "{name}");
        assert_eq!(operation["security"], serde_json::json!([{ "bearer": [] }]), "{name}");
        let responses = operation["responses"].as_object().unwrap();
        for (status, response) in responses {
            let description = response["description"].as_str().unwrap_or_default();
            assert!(!description.is_empty(), "{name} {status} has a description");
        }
        for status in ["401", "429"] {
            assert!(responses.contains_key(status), "{name} documents {status}");
        }
        assert!(
            responses["429"]["headers"]["Retry-After"].is_object(),
            "{name}: 429 has Retry-After"
        );
        if operation.get("requestBody").is_some() {
            assert!(responses.contains_key("413"), "{name} documents 413");
        }
        let error = if path.ends_with("/reset-password") {
            "#/components/schemas/CloudCockpitError"
        } else {
            "#/components/schemas/ErrorBody"
        };
        for (status, response) in responses.iter().filter(|(s, _)| s.starts_with('4')) {
            assert_eq!(
                response["content"]["application/json"]["schema"]["$ref"], error,
                "{name} {status}"
            );
        }
    }
    let users = &doc["paths"]["/v1/customers/{cid}/users"];
    for (method, status) in [("get", "403"), ("post", "403")] {
        assert!(
            users[method]["responses"][status].is_object(),
            "{method} users {status}"
        );
    }
    assert!(doc["paths"]["/v1/customers"]["post"]["responses"]["403"].is_object());
    for (path, size) in [
        ("/v1/customers/{cid}/users", "size"),
        ("/v1/customers/{cid}/directoryroles/{rid}/usermembers", "size"),
        ("/v1/auditrecords", "size"),
    ] {
        let parameters = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        let size = parameters.iter().find(|p| p["name"] == size).unwrap();
        assert_eq!(size["schema"]["maximum"], 500, "{path}");
        assert_eq!(size["allowEmptyValue"], false, "{path}: `size=` is refused");
        assert!(
            parameters
                .iter()
                .any(|p| p["name"] == "MS-ContinuationToken" && p["in"] == "header"),
            "{path}: the next page's token"
        );
    }
}

/// The document states what the server refuses wherever a schema can (`.ci/openapi` runs
/// schemathesis's positive_data_acceptance check against it).
#[tokio::test]
async fn the_document_states_what_the_server_refuses() {
    let app = spawn_app!();
    let doc = document(&app).await;
    let schemas = &doc["components"]["schemas"];
    for (schema, id) in [
        ("UserMemberRequest", "id"),
        ("ResetPasswordRequest", "providerInstanceId"),
    ] {
        assert_eq!(schemas[schema]["properties"][id]["format"], "uuid", "{schema}.{id}");
        assert_eq!(
            schemas[schema]["properties"][id]["type"], "string",
            "{schema}.{id} is not null"
        );
        assert!(
            schemas[schema]["required"].as_array().unwrap().contains(&id.into()),
            "{schema}.{id} is required"
        );
    }
    for (schema, field) in [
        ("CustomerUserCreateRequest", "userPrincipalName"),
        ("CustomerUserCreateRequest", "displayName"),
        ("CustomerUserRequest", "displayName"),
        ("CompanyProfileRequest", "domain"),
        ("CompanyProfileRequest", "companyName"),
    ] {
        let property = &schemas[schema]["properties"][field];
        assert_eq!(property["minLength"], 1, "{schema}.{field}: an empty string is refused");
        assert!(property["pattern"].is_string(), "{schema}.{field}");
    }
    assert_eq!(
        schemas["CustomerUserRequest"]["properties"]["displayName"]["maxLength"],
        50
    );
    assert_eq!(schemas["PasswordProfile"]["properties"]["password"]["minLength"], 8);
    assert!(
        schemas["CustomerRequest"]["not"].is_object(),
        "a new customer needs a domain"
    );
    let users = doc["paths"]["/v1/customers/{cid}/users"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let parameter = |name: &str| users.iter().find(|p| p["name"] == name).unwrap().clone();
    assert_eq!(parameter("cid")["schema"]["format"], "uuid");
    assert_eq!(
        parameter("sortField")["schema"]["enum"],
        serde_json::json!(["userPrincipalName", "displayName"])
    );
    for text in ["filter", "sortField", "sortDirection", "seekOperation"] {
        assert_eq!(parameter(text)["allowEmptyValue"], true, "`{text}=` reads as absent");
    }
    let import = doc["paths"]["/v1/customers/{cid}/users/import"]["post"]["parameters"]
        .as_array()
        .unwrap();
    let validate_only = import.iter().find(|p| p["name"] == "validateOnly").unwrap();
    assert_eq!(validate_only["allowEmptyValue"], false, "`validateOnly=` is refused");
}

#[tokio::test]
async fn create_answers_200_and_its_body_schema_names_the_required_fields() {
    let app = spawn_app!();
    let doc = document(&app).await;
    let users = &doc["paths"]["/v1/customers/{cid}/users"];
    let responses = users["post"]["responses"].as_object().unwrap();
    assert!(
        responses.contains_key("200") && !responses.contains_key("201"),
        "{responses:?}"
    );
    let create = &users["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"];
    assert_eq!(create, "#/components/schemas/CustomerUserCreateRequest");
    let mut required: Vec<_> = doc["components"]["schemas"]["CustomerUserCreateRequest"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    required.sort_unstable();
    assert_eq!(required, ["displayName", "usageLocation", "userPrincipalName"]);
    let patch = &doc["paths"]["/v1/customers/{cid}/users/{uid}"]["patch"]["requestBody"]["content"]["application/json"]
        ["schema"]["$ref"];
    assert_eq!(patch, "#/components/schemas/CustomerUserRequest");
    assert!(
        doc["components"]["schemas"]["CustomerUserRequest"]
            .get("required")
            .is_none()
    );
    let upload =
        &doc["paths"]["/v1/customers/{cid}/users/import"]["post"]["requestBody"]["content"]["text/csv"]["schema"];
    assert_eq!(upload["$ref"], "#/components/schemas/UsersCsv");
    let upload = &doc["components"]["schemas"]["UsersCsv"];
    assert_eq!(upload["minLength"], 1, "an empty file is not a valid upload: {upload}");
}

#[tokio::test]
async fn the_document_names_the_version_licence_and_bearer_scheme() {
    let app = spawn_app!();
    let doc = document(&app).await;
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["info"]["license"]["identifier"], "MIT OR Apache-2.0");
    assert!(doc["info"]["description"].as_str().unwrap().contains("self-hostable"));
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(
        (bearer["type"].as_str(), bearer["scheme"].as_str()),
        (Some("http"), Some("bearer"))
    );
    assert_eq!(bearer["bearerFormat"], "JWT");
}

#[tokio::test]
async fn the_reference_page_is_served_under_a_strict_policy_with_cacheable_assets() {
    let app = spawn_app!();
    let response = app.http.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let page = response.text().await.unwrap();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let policy = headers["content-security-policy"].to_str().unwrap();
    for directive in ["default-src 'none'", "script-src 'self';", "frame-ancestors 'none'"] {
        assert!(policy.contains(directive), "{policy}");
    }
    assert!(!policy.contains("unsafe"), "{policy}");
    assert!(!page.contains("<script>"), "no inline script: {page}");
    let assets: Vec<&str> = page
        .split(['"'])
        .filter(|part| part.starts_with("/docs/assets/"))
        .collect();
    assert_eq!(
        assets.len(),
        4,
        "stylesheet, Swagger UI, its start-up script, its licence: {page}"
    );
    for asset in assets {
        let response = app.http.get(app.url(asset)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{asset}");
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{asset}"
        );
        let name = asset.rsplit('/').next().unwrap();
        assert!(
            name.chars().any(|c| c.is_ascii_digit()) || asset.contains("swagger-ui-5."),
            "{asset} is versioned"
        );
        assert!(!response.bytes().await.unwrap().is_empty(), "{asset}");
    }
    let licence = app
        .http
        .get(app.url("/docs/assets/swagger-ui-5.35.0/LICENSE"))
        .send()
        .await
        .unwrap();
    assert!(licence.text().await.unwrap().contains("Apache License"));
    let (status, _, body) = send(&app, Method::GET, &app.url("/docs/assets/nothing.js"), None, &[], None).await;
    assert_eq!(status, 404, "{body}");
}

/// Chromium on `PATH`, if installed.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

#[tokio::test]
async fn the_reference_page_lists_the_user_operations_in_chromium() {
    let app = spawn_app!();
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is not on PATH: the browser test must run in CI (apt-get install chromium)"
        );
        eprintln!("SKIPPED: the /docs browser test needs chromium on PATH (apt-get install chromium)");
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let url = app.url("/docs");
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            // Virtual time: the page's scripts and its fetch of /openapi.json run to completion
            // before the DOM is dumped, however slow the machine.
            .arg("--virtual-time-budget=30000")
            .arg("--dump-dom")
            .arg(url)
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    let dom = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        dom.contains(r#"class="title">tenantdesk"#),
        "the document's title: {dom}"
    );
    for summary in [
        "Create a user",
        "List users",
        "Get a user",
        "Update a user, reset its password, or restore it",
        "Delete a user",
        "Reset a password (CloudCockpit)",
        "Upload users from a CSV file",
    ] {
        assert!(
            dom.contains(&format!(r#"opblock-summary-description">{summary}<"#)),
            "{summary} is listed: {dom}"
        );
    }
    assert!(!dom.contains("Failed to load API definition"), "{dom}");
}
