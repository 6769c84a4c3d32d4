//! Directory roles and their members.

use chrono::TimeDelta;
use reqwest::Method;
use tenantdesk_client::{CustomerUserRequest, Uuid};

use crate::helpers::{assert_error, new_user, send};

const COMPANY_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
const HELPDESK_ADMIN: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";

#[tokio::test]
async fn a_tenant_has_the_entra_role_templates() {
    let app = spawn_app!();
    let roles = app
        .sdk()
        .customers()
        .by_id(app.cid())
        .directory_roles()
        .list()
        .await
        .unwrap();
    assert_eq!(roles.total_count, 5);
    let names: Vec<(String, String)> = roles.items.iter().map(|r| (r.id.to_string(), r.name.clone())).collect();
    for (id, name) in [
        (COMPANY_ADMIN, "Company Administrator"),
        ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"),
        (HELPDESK_ADMIN, "Helpdesk Administrator"),
        ("b0f54661-2d74-4c50-afa3-1ec803f12efe", "Billing Administrator"),
        ("f023fd81-a637-4b56-95fd-791ac0226033", "Service Support Administrator"),
    ] {
        assert!(names.contains(&(id.to_owned(), name.to_owned())), "{name}");
    }
    assert!(roles.items.iter().all(|r| r.attributes.object_type == "DirectoryRole"));
    let (their_customer, their_token) = app.other_partner().await;
    let err = app
        .sdk_with(&their_token)
        .customers()
        .by_id(app.cid())
        .directory_roles()
        .list()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(60_003));
    let _ = their_customer;
}

#[tokio::test]
async fn members_are_added_listed_paged_and_removed() {
    let app = spawn_app!();
    let sdk = app.sdk();
    let customer = sdk.customers().by_id(app.cid());
    let helpdesk = customer.directory_roles().by_id(HELPDESK_ADMIN.parse().unwrap());
    let mut ids = Vec::new();
    for i in 0..3 {
        let user = app.create_user(&format!("member{i}")).await;
        let member = helpdesk.add_member(user.id).await.unwrap();
        assert_eq!(
            (member.id, member.role_id.to_string()),
            (user.id, HELPDESK_ADMIN.to_owned())
        );
        assert_eq!(member.user_principal_name, user.user_principal_name);
        assert_eq!(member.attributes.object_type, "UserMember");
        ids.push(user.id);
    }
    let err = helpdesk.add_member(ids[0]).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(409), Some(3001)), "already a member");

    let first = helpdesk.members(2).await.unwrap();
    let second = helpdesk.next_members(&first).await.unwrap().unwrap();
    assert_eq!((first.total_count, second.total_count), (2, 1));
    assert!(helpdesk.next_members(&second).await.unwrap().is_none());
    let mut listed: Vec<Uuid> = first.items.iter().chain(&second.items).map(|m| m.id).collect();
    listed.sort();
    ids.sort();
    assert_eq!(listed, ids);

    let roles = customer.users().by_id(ids[0]).directory_roles().await.unwrap();
    assert_eq!(
        roles.items.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["Helpdesk Administrator"]
    );

    helpdesk.remove_member(ids[0]).await.unwrap();
    let err = helpdesk.remove_member(ids[0]).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(404), Some(60_002)),
        "no longer a member"
    );
    assert!(
        customer
            .users()
            .by_id(ids[0])
            .directory_roles()
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn the_dotnet_sdk_body_is_accepted() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    let url = app.url(&format!(
        "/v1/customers/{}/directoryroles/{COMPANY_ADMIN}/usermembers",
        app.cid()
    ));
    let body = format!(
        r#"{{"Id":"{}","DisplayName":"{}","UserPrincipalName":"{}","RoleId":"{COMPANY_ADMIN}","Attributes":{{"ObjectType":"UserMember"}}}}"#,
        user.id, user.display_name, user.user_principal_name
    );
    let (status, _, member) = send(&app, Method::POST, &url, Some(&app.admin_token), &[], Some(&body)).await;
    assert_eq!(status, 201, "{member}");
    assert_eq!(member["roleId"], COMPANY_ADMIN);
    assert_eq!(member["id"], user.id.to_string());
}

#[tokio::test]
async fn bad_membership_requests() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    let members = |role: &str| {
        app.url(&format!(
            "/v1/customers/{}/directoryroles/{role}/usermembers",
            app.cid()
        ))
    };
    let token = Some(app.admin_token.as_str());
    let cases = [
        (members(COMPANY_ADMIN), "{}".to_owned(), 400, 3000, "id: is required"),
        (members(COMPANY_ADMIN), r#"{"Id": "nope"}"#.to_owned(), 400, 3000, "id"),
        (
            members(COMPANY_ADMIN),
            format!(r#"{{"Id": "{}"}}"#, Uuid::new_v4()),
            404,
            60_002,
            "",
        ),
        (
            members(COMPANY_ADMIN),
            format!(r#"{{"Id": "{}", "RoleId": "{HELPDESK_ADMIN}"}}"#, user.id),
            400,
            3000,
            "roleId",
        ),
        (
            members(&Uuid::new_v4().to_string()),
            format!(r#"{{"Id": "{}"}}"#, user.id),
            404,
            60_004,
            "",
        ),
        (
            members("not-a-role"),
            format!(r#"{{"Id": "{}"}}"#, user.id),
            404,
            60_004,
            "",
        ),
    ];
    for (url, body, status, code, detail) in cases {
        let (got, _, answer) = send(&app, Method::POST, &url, token, &[], Some(&body)).await;
        assert_error(got, &answer, status, code, detail);
    }
}

#[tokio::test]
async fn a_deleted_user_keeps_its_roles_until_purged() {
    let app = spawn_app!();
    let sdk = app.sdk();
    let customer = sdk.customers().by_id(app.cid());
    let admin_role = customer.directory_roles().by_id(COMPANY_ADMIN.parse().unwrap());
    // Roles chosen at creation, as the web UI's "Select the user permissions" step does.
    let request = CustomerUserRequest {
        directory_role_ids: Some(vec![COMPANY_ADMIN.to_owned()]),
        ..new_user("ana")
    };
    let user = customer.users().create(&request).await.unwrap();
    assert_eq!(admin_role.members(0).await.unwrap().total_count, 1);

    customer.users().by_id(user.id).delete().await.unwrap();
    assert_eq!(
        admin_role.members(0).await.unwrap().total_count,
        0,
        "not listed while deleted"
    );
    customer.users().by_id(user.id).restore().await.unwrap();
    assert_eq!(
        customer
            .users()
            .by_id(user.id)
            .directory_roles()
            .await
            .unwrap()
            .total_count,
        1,
        "kept"
    );

    customer.users().by_id(user.id).delete().await.unwrap();
    app.advance(TimeDelta::days(31));
    tenantdesk_core::purge::purge_once(app.state.app(), 30).await.unwrap();
    let again = customer.users().create(&new_user("ana")).await.unwrap();
    assert_eq!(
        customer
            .users()
            .by_id(again.id)
            .directory_roles()
            .await
            .unwrap()
            .total_count,
        0
    );
    assert_eq!(
        admin_role.members(0).await.unwrap().total_count,
        0,
        "purged with the user"
    );

    let bad = CustomerUserRequest {
        directory_role_ids: Some(vec!["not-a-role".into()]),
        ..new_user("ben")
    };
    let err = customer.users().create(&bad).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(400), Some(3000)));
}
