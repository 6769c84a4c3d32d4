//! The audit log: every mutation recorded with its request's ids, readable by its partner only.

use reqwest::Method;
use serde_json::json;
use tenantdesk_client::{AuditQuery, CustomerUserRequest, PasswordProfile};
use tenantdesk_domain::AgentRole;

use crate::helpers::{assert_error, new_user, send};

#[tokio::test]
async fn a_user_life_cycle_is_found_again_by_its_correlation_id() {
    let app = spawn_app!();
    let correlation = "b0e8e7c4-5c4e-4c1e-8f2e-7f3a9e0d1c2b";
    let sdk = app.sdk().with_correlation_id(correlation);
    let users = sdk.customers().by_id(app.cid()).users();
    let secret = "Create!Secret-1";
    let request = CustomerUserRequest {
        password_profile: Some(PasswordProfile {
            password: Some(secret.into()),
            force_change_password: None,
        }),
        ..new_user("ana")
    };
    let user = users.create(&request).await.unwrap();
    let reset_secret = "Reset!Secret-2";
    users.by_id(user.id).reset_password(Some(reset_secret)).await.unwrap();
    users.by_id(user.id).delete().await.unwrap();
    users.by_id(user.id).restore().await.unwrap();
    // The CloudCockpit route records its X-Correlation-Id.
    let cc_correlation = "5e0f3a52-9d4b-4c77-a1a4-0e9b7f5d2c61";
    let cc_body = json!({ "providerInstanceId": app.customer.provider_instance.to_string(), "customerUser": {} });
    let (status, _, _) = send(
        &app,
        Method::PATCH,
        &format!("{}/reset-password", app.user_url(user.id)),
        Some(&app.admin_token),
        &[
            ("X-Tenant", "portal.fabrikam.com"),
            ("X-Correlation-Id", cc_correlation),
        ],
        Some(&cc_body.to_string()),
    )
    .await;
    assert_eq!(status, 200);

    let trail = sdk
        .audit_records(&AuditQuery {
            correlation_id: Some(correlation.into()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let operations: Vec<&str> = trail.items.iter().rev().map(|r| r.operation_type.as_str()).collect();
    assert_eq!(
        operations,
        [
            "CreateCustomerUser",
            "ResetCustomerUserPassword",
            "DeleteCustomerUser",
            "RestoreCustomerUser"
        ],
        "oldest last in the list, so reversed here"
    );
    for record in &trail.items {
        assert_eq!(record.customer_id, Some(app.cid()));
        assert_eq!(record.resource_id.as_deref(), Some(user.id.to_string().as_str()));
        assert_eq!(record.user_principal_name, "admin-agent@fabrikam.com");
        assert_eq!(
            (record.operation_status.as_str(), record.resource_type.as_str()),
            ("succeeded", "CustomerUser")
        );
        assert!(record.request_id.is_some());
        assert_eq!(record.attributes.object_type, "AuditRecord");
    }
    let cc = sdk
        .audit_records(&AuditQuery {
            correlation_id: Some(cc_correlation.into()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(cc.items.len(), 1);
    assert_eq!(cc.items[0].operation_type, "ResetCustomerUserPassword");

    // By user and by operation, through the filter parameter too.
    let by_user = sdk
        .audit_records(&AuditQuery {
            resource: Some(user.id.to_string()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(by_user.total_count, 5);
    let filter = r#"{"Field":"OperationType","Value":"DeleteCustomerUser","Operator":"equals"}"#;
    let (status, _, page) = send(
        &app,
        Method::GET,
        &format!(
            "{}?filter={}",
            app.url("/v1/auditrecords"),
            crate::seeds::urlencode(filter)
        ),
        Some(&app.admin_token),
        &[],
        None,
    )
    .await;
    assert_eq!((status, page["totalCount"].as_u64()), (200, Some(1)));

    // No password, hash or token is in any record: not through the API, not in the table.
    let everything = sdk.audit_records(&AuditQuery::default()).await.unwrap();
    let text = serde_json::to_string(&everything).unwrap();
    let mut table = String::new();
    for sql in [
        "SELECT actor FROM audit_records",
        "SELECT operation FROM audit_records",
        "SELECT resource_id FROM audit_records",
        "SELECT request_id FROM audit_records",
        "SELECT correlation_id FROM audit_records",
    ] {
        table.push_str(&format!("{:?}", app.column(sql).await));
    }
    let hashes = app.stored_hashes().await;
    for secret in [
        secret,
        reset_secret,
        app.admin_token.as_str(),
        "$argon2id$",
        hashes[0].as_str(),
    ] {
        assert!(
            !text.contains(secret) && !table.contains(secret),
            "{secret} reached the audit log"
        );
    }
}

#[tokio::test]
async fn refused_attempts_are_recorded_as_failures() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    let sales = app
        .sdk_with(&app.token(AgentRole::SalesAgent))
        .with_correlation_id("refused-1");
    sales
        .customers()
        .by_id(app.cid())
        .users()
        .by_id(user.id)
        .delete()
        .await
        .unwrap_err();
    let app_only = app.sdk_with(&app.app_only_token()).with_correlation_id("refused-2");
    app_only
        .customers()
        .by_id(app.cid())
        .users()
        .create(&new_user("ben"))
        .await
        .unwrap_err();

    let sdk = app.sdk();
    for (correlation, operation, actor) in [
        ("refused-1", "DeleteCustomerUser", "sales-agent@fabrikam.com"),
        ("refused-2", "CreateCustomerUser", "app"),
    ] {
        let records = sdk
            .audit_records(&AuditQuery {
                correlation_id: Some(correlation.into()),
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(records.items.len(), 1, "{correlation}");
        let record = &records.items[0];
        assert_eq!(
            (record.operation_type.as_str(), record.operation_status.as_str()),
            (operation, "failed")
        );
        assert_eq!(record.user_principal_name, actor);
    }
}

#[tokio::test]
async fn a_partner_reads_only_its_own_records_in_pages() {
    let app = spawn_app!();
    for i in 0..5 {
        app.create_user(&format!("user{i}")).await;
    }
    let (_, their_token) = app.other_partner().await;
    let theirs = app
        .sdk_with(&their_token)
        .audit_records(&AuditQuery::default())
        .await
        .unwrap();
    assert!(theirs.items.iter().all(|r| r.customer_id != Some(app.cid())));

    let sdk = app.sdk();
    let first = sdk
        .audit_records(&AuditQuery {
            size: Some(2),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let mut all = first.items.clone();
    let mut page = first;
    while let Some(next) = sdk.follow_next(&page).await.unwrap() {
        all.extend(next.items.clone());
        page = next;
    }
    // 5 creates plus the customer's creation by the admin command.
    assert_eq!(all.len(), 6);
    assert!(
        all.windows(2).all(|w| w[0].operation_date >= w[1].operation_date),
        "newest first"
    );

    // Another partner's continuation token is refused.
    let token = sdk
        .audit_records(&AuditQuery {
            size: Some(1),
            ..AuditQuery::default()
        })
        .await
        .unwrap()
        .continuation_token
        .unwrap();
    let (status, _, answer) = send(
        &app,
        Method::GET,
        &app.url("/v1/auditrecords?seekOperation=Next"),
        Some(&their_token),
        &[("MS-ContinuationToken", &token)],
        None,
    )
    .await;
    assert_error(status, &answer, 400, 3000, "MS-ContinuationToken");

    for (query, field) in [
        ("startDate=yesterday", "startDate"),
        ("startDate=2026-02-01&endDate=2026-01-01", "startDate"),
        ("operationType=DropTables", "operationType"),
        ("customerId=nope", "customerId"),
    ] {
        let (status, _, answer) = send(
            &app,
            Method::GET,
            &app.url(&format!("/v1/auditrecords?{query}")),
            Some(&app.admin_token),
            &[],
            None,
        )
        .await;
        assert_error(status, &answer, 400, 3000, field);
    }
    let (status, _, page) = send(
        &app,
        Method::GET,
        &app.url("/v1/auditrecords?startDate=2020-01-01&endDate=2020-01-31"),
        Some(&app.admin_token),
        &[],
        None,
    )
    .await;
    assert_eq!((status, page["totalCount"].as_u64()), (200, Some(0)));
}

#[tokio::test]
async fn the_purge_keeps_audit_records_for_the_retention_period_only() {
    let app = spawn_app!();
    app.create_user("ana").await;
    let sdk = app.sdk();
    let all_time = AuditQuery {
        start: Some(chrono::Utc::now() - chrono::TimeDelta::days(1)),
        end: Some(chrono::Utc::now() + chrono::TimeDelta::days(400)),
        ..AuditQuery::default()
    };
    let before = sdk.audit_records(&all_time).await.unwrap().total_count;
    assert!(before >= 2, "the customer's and the user's creation");

    app.advance(chrono::TimeDelta::days(364));
    tenantdesk_core::purge::purge_once(app.state.app(), 30).await.unwrap();
    assert_eq!(
        sdk.audit_records(&all_time).await.unwrap().total_count,
        before,
        "kept for 365 days"
    );

    app.advance(chrono::TimeDelta::days(2));
    tenantdesk_core::purge::purge_once(app.state.app(), 30).await.unwrap();
    assert_eq!(
        sdk.audit_records(&all_time).await.unwrap().total_count,
        0,
        "gone after 365 days"
    );
}

/// During a rolling upgrade a newer version writes operations and outcomes this one does not
/// know: the log still lists, showing them as they were stored, instead of answering 500.
#[tokio::test]
async fn records_a_newer_version_wrote_are_listed_as_stored() {
    let app = spawn_app!();
    let newer = tenantdesk_domain::AuditRecord {
        customer: Some(app.customer.id),
        outcome: tenantdesk_domain::Outcome::Other("partial".into()),
        ..tenantdesk_domain::AuditRecord::new(
            app.partner,
            "agent@fabrikam.com",
            tenantdesk_domain::Operation::Other("GrantAdminConsent".into()),
            app.state.app().now(),
        )
    };
    let mut tx = app.store.begin().await.unwrap();
    tx.insert_audit(&newer).await.unwrap();
    tx.commit().await.unwrap();

    let listed = app.sdk().audit_records(&AuditQuery::default()).await.unwrap();
    let record = listed
        .items
        .iter()
        .find(|r| r.id == newer.id)
        .expect("the newer record is listed");
    assert_eq!(record.operation_type, "GrantAdminConsent");
    assert_eq!(record.operation_status, "partial");
    assert_eq!(record.resource_type, "Unknown");
}
