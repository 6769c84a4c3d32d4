//! Customers: created, listed and read by their partner only.

use reqwest::Method;
use tenantdesk_client::{CompanyProfileRequest, CustomerRequest};
use tenantdesk_domain::AgentRole;

use crate::helpers::{DOMAIN, assert_error, send};

#[tokio::test]
async fn customers_are_created_listed_and_read() {
    let app = spawn_app!();
    let sdk = app.sdk();
    let request = CustomerRequest {
        company_profile: Some(CompanyProfileRequest {
            domain: Some("Tailspin.OnMicrosoft.com".into()),
            company_name: Some("Tailspin Toys".into()),
        }),
        additional_domains: vec!["tailspintoys.com".into()],
    };
    let created = sdk.customers().create(&request).await.unwrap();
    assert_eq!(created.company_profile.domain, "tailspin.onmicrosoft.com");
    assert_eq!(created.company_profile.company_name, "Tailspin Toys");
    assert_eq!(created.company_profile.tenant_id, created.id);
    assert_eq!(created.domains, ["tailspin.onmicrosoft.com", "tailspintoys.com"]);
    assert_eq!(created.attributes.object_type, "Customer");
    assert_eq!(created.links.self_link.uri, format!("/customers/{}", created.id));

    let listed = sdk.customers().list().await.unwrap();
    assert_eq!(listed.total_count, 2);
    assert_eq!(sdk.customers().by_id(created.id).get().await.unwrap(), created);

    // Users can be created in any of its domains.
    let user = tenantdesk_client::CustomerUserRequest {
        user_principal_name: Some("ana@tailspintoys.com".into()),
        ..crate::helpers::new_user("x")
    };
    sdk.customers().by_id(created.id).users().create(&user).await.unwrap();
}

#[tokio::test]
async fn bad_customers_are_refused() {
    let app = spawn_app!();
    let url = app.url("/v1/customers");
    for (body, status, code, detail) in [
        (
            r#"{"companyProfile": {"domain": "contoso.onmicrosoft.com"}}"#,
            409,
            3001,
            "",
        ),
        (
            r#"{"companyProfile": {}}"#,
            400,
            3000,
            "companyProfile.domain: is required",
        ),
        (
            r#"{"companyProfile": {"domain": "not a domain"}}"#,
            400,
            3000,
            "companyProfile.domain",
        ),
        (r#"{}"#, 400, 3000, "companyProfile.domain"),
        (
            r#"{"companyProfile": {"domain": "new.onmicrosoft.com"}, "additionalDomains": ["ok.com", "not a domain"]}"#,
            400,
            3000,
            "\"additionalDomains[1]: ",
        ),
        (
            r#"{"companyProfile": {}, "additionalDomains": ["not a domain"]}"#,
            400,
            3000,
            "\"additionalDomains[0]: ",
        ),
    ] {
        let (got, _, answer) = send(&app, Method::POST, &url, Some(&app.admin_token), &[], Some(body)).await;
        assert_error(got, &answer, status, code, detail);
    }
    let (status, _, answer) = send(
        &app,
        Method::POST,
        &url,
        Some(&app.token(AgentRole::SalesAgent)),
        &[],
        Some(r#"{"companyProfile": {"domain": "new.onmicrosoft.com"}}"#),
    )
    .await;
    assert_error(status, &answer, 403, 900_150, "");
    let _ = DOMAIN;
}
