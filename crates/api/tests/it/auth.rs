//! Bearer tokens, partner isolation and agent roles.

use std::time::Duration;

use reqwest::Method;
use tenantdesk_client::{CustomerUserRequest, PasswordProfile, Uuid};
use tenantdesk_domain::{Agent, AgentRole, Principal};

use crate::helpers::{assert_error, new_user, send};

#[tokio::test]
async fn requests_without_a_valid_token_are_refused() {
    let app = spawn_app!();
    let url = app.users_url();
    let (status, _, body) = send(&app, Method::GET, &url, None, &[], None).await;
    assert_error(status, &body, 401, 800_001, "");

    let principal = Principal {
        partner: app.partner,
        agent: Some(Agent {
            upn: "admin@fabrikam.com".into(),
            role: AgentRole::AdminAgent,
        }),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expired = app
        .state
        .tokens()
        .issue_at(&principal, now - 7200, Duration::from_secs(3600))
        .unwrap();

    // A token signed with another key: another tenantdesk database's.
    let other = spawn_app!();
    let forged = other
        .state
        .tokens()
        .issue(&principal, Duration::from_secs(600))
        .unwrap();

    let mut tampered = app.admin_token.clone();
    tampered.replace_range(tampered.len() - 4.., "AAAA");

    let cases = [
        ("malformed", "not-a-jwt".to_owned()),
        ("expired", expired),
        ("signed with another key", forged),
        ("tampered signature", tampered),
        ("unsigned", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.".to_owned()),
    ];
    for (what, token) in cases {
        let (status, _, body) = send(&app, Method::GET, &url, Some(&token), &[], None).await;
        assert_eq!(status, 401, "{what}: {body}");
        assert_eq!(body["code"], 400, "{what}: {body}");
        // The JWT library's reasons (`unknown variant \`none\`, expected one of \`HS256\`…`) are
        // logged, never answered.
        assert_eq!(body["description"], "The bearer token is not valid", "{what}: {body}");
        assert_eq!(body["data"], serde_json::json!([]), "{what}: {body}");
    }
    let (status, _, _) = send(
        &app,
        Method::GET,
        &url,
        None,
        &[("Authorization", "Basic dXNlcjpwdw==")],
        None,
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn app_only_tokens_are_refused_on_user_operations() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    let token = app.app_only_token();
    let body = serde_json::to_string(&new_user("ben")).unwrap();
    let cases = [
        (Method::GET, app.users_url(), None),
        (Method::POST, app.users_url(), Some(body.as_str())),
        (Method::GET, app.user_url(user.id), None),
        (Method::PATCH, app.user_url(user.id), Some(r#"{"displayName": "X"}"#)),
        (Method::DELETE, app.user_url(user.id), None),
        (
            Method::GET,
            app.url(&format!("/v1/customers/{}/directoryroles", app.cid())),
            None,
        ),
        (Method::GET, format!("{}/directoryroles", app.user_url(user.id)), None),
        (
            Method::POST,
            app.url(&format!(
                "/v1/customers/{}/directoryroles/62e90394-69f5-4237-9190-012177145e10/usermembers",
                app.cid()
            )),
            Some(r#"{"Id": "x"}"#),
        ),
    ];
    for (method, url, body) in cases {
        let (status, _, answer) = send(&app, method.clone(), &url, Some(&token), &[], body).await;
        assert_error(status, &answer, 403, 2032, "");
        assert!(
            answer["description"].as_str().unwrap().contains("App+User"),
            "{method} {answer}"
        );
    }
    // Customers are readable with app-only credentials, as in Partner Center.
    let (status, _, _) = send(&app, Method::GET, &app.url("/v1/customers"), Some(&token), &[], None).await;
    assert_eq!(status, 200);
    assert_eq!(
        app.sdk()
            .customers()
            .by_id(app.cid())
            .users()
            .page(0)
            .await
            .unwrap()
            .total_count,
        1,
        "nothing created"
    );
}

#[tokio::test]
async fn another_partner_sees_none_of_the_customer_and_users() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    let (their_customer, their_token) = app.other_partner().await;
    let theirs = app.sdk_with(&their_token);

    // Our customer and user are invisible to them: 404, never 403.
    let err = theirs.customers().by_id(app.cid()).get().await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(404), Some(60_003)));
    let users = theirs.customers().by_id(app.cid()).users();
    for err in [
        users.page(0).await.unwrap_err(),
        users.by_id(user.id).get().await.unwrap_err(),
        users
            .by_id(user.id)
            .patch(&CustomerUserRequest {
                display_name: Some("X".into()),
                ..Default::default()
            })
            .await
            .unwrap_err(),
        users
            .by_id(user.id)
            .reset_password(Some("Xy7!other"))
            .await
            .unwrap_err(),
        users.by_id(user.id).delete().await.unwrap_err(),
        users.create(&new_user("mallory")).await.unwrap_err(),
    ] {
        assert_eq!((err.status(), err.code()), (Some(404), Some(60_003)), "{err}");
    }
    let listed = theirs.customers().list().await.unwrap();
    assert_eq!(
        listed.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![their_customer.id.as_uuid()]
    );

    // Our user under their customer's id is not found either.
    let err = theirs
        .customers()
        .by_id(their_customer.id.as_uuid())
        .users()
        .by_id(user.id)
        .get()
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(404), Some(60_002)));

    // Nothing changed.
    let ours = app
        .sdk()
        .customers()
        .by_id(app.cid())
        .users()
        .by_id(user.id)
        .get()
        .await
        .unwrap();
    assert_eq!(ours.display_name, user.display_name);
    // Unknown customers look exactly like other partners' ones.
    let err = app.sdk().customers().by_id(Uuid::new_v4()).get().await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(404), Some(60_003)));
}

#[tokio::test]
async fn roles_allow_what_the_table_says() {
    let app = spawn_app!();
    for role in AgentRole::ALL {
        let sdk = app.sdk_with(&app.token(role));
        let users = sdk.customers().by_id(app.cid()).users();
        let target = app.create_user(&format!("target-{role}")).await;
        let deleted = app.create_user(&format!("deleted-{role}")).await;
        app.sdk()
            .customers()
            .by_id(app.cid())
            .users()
            .by_id(deleted.id)
            .delete()
            .await
            .unwrap();

        let admin = role == AgentRole::AdminAgent;
        let can_reset = role != AgentRole::SalesAgent;
        let outcome = |result: Result<(), tenantdesk_client::Error>| match result {
            Ok(()) => true,
            Err(err) => {
                assert_eq!((err.status(), err.code()), (Some(403), Some(900_150)), "{role}: {err}");
                false
            }
        };
        let rename = CustomerUserRequest {
            display_name: Some("Renamed".into()),
            ..Default::default()
        };
        let mixed = CustomerUserRequest {
            display_name: Some("Renamed again".into()),
            password_profile: Some(PasswordProfile {
                password: Some("Xy7!mixed".into()),
                force_change_password: None,
            }),
            ..Default::default()
        };
        let customer = sdk.customers().by_id(app.cid());
        let helpdesk_role = customer
            .directory_roles()
            .by_id("729827e3-9c14-49f7-bb1b-9608f156bbb8".parse().unwrap());
        let member = app.create_user(&format!("member-{role}")).await;
        app.sdk()
            .customers()
            .by_id(app.cid())
            .directory_roles()
            .by_id("729827e3-9c14-49f7-bb1b-9608f156bbb8".parse().unwrap())
            .add_member(member.id)
            .await
            .unwrap();
        let cloudcockpit_reset = {
            let body = serde_json::json!({ "providerInstanceId": app.customer.provider_instance.to_string() });
            let (status, _, answer) = crate::helpers::send(
                &app,
                Method::PATCH,
                &format!("{}/reset-password", app.user_url(target.id)),
                Some(&app.token(role)),
                &[("X-Tenant", "portal.fabrikam.com")],
                Some(&body.to_string()),
            )
            .await;
            match status {
                200 => Ok(()),
                _ => Err(tenantdesk_client::Error::Api {
                    status,
                    code: if status == 403 { 900_150 } else { 0 },
                    description: answer.to_string(),
                    data: Vec::new(),
                    request_id: None,
                    correlation_id: None,
                }),
            }
        };
        let table = [
            ("list customers", sdk.customers().list().await.map(|_| ()), true),
            ("read customer", customer.get().await.map(|_| ()), true),
            (
                "list directory roles",
                customer.directory_roles().list().await.map(|_| ()),
                true,
            ),
            (
                "read a user's roles",
                customer.users().by_id(member.id).directory_roles().await.map(|_| ()),
                true,
            ),
            ("list role members", helpdesk_role.members(0).await.map(|_| ()), true),
            (
                "add role member",
                helpdesk_role.add_member(target.id).await.map(|_| ()),
                admin,
            ),
            (
                "remove role member",
                helpdesk_role.remove_member(member.id).await,
                admin,
            ),
            ("reset password (CloudCockpit route)", cloudcockpit_reset, can_reset),
            ("read", users.by_id(target.id).get().await.map(|_| ()), true),
            ("list", users.page(0).await.map(|_| ()), true),
            ("list deleted", users.deleted_page(0).await.map(|_| ()), true),
            (
                "create",
                users.create(&new_user(&format!("new-{role}"))).await.map(|_| ()),
                admin,
            ),
            ("rename", users.by_id(target.id).patch(&rename).await.map(|_| ()), admin),
            (
                "reset password",
                users
                    .by_id(target.id)
                    .reset_password(Some("Xy7!reset"))
                    .await
                    .map(|_| ()),
                can_reset,
            ),
            (
                "reset and rename",
                users.by_id(target.id).patch(&mixed).await.map(|_| ()),
                admin,
            ),
            ("restore", users.by_id(deleted.id).restore().await.map(|_| ()), admin),
            ("delete", users.by_id(target.id).delete().await, admin),
        ];
        for (operation, result, allowed) in table {
            assert_eq!(outcome(result), allowed, "{role} {operation}");
        }
    }
}

#[tokio::test]
async fn a_role_that_may_not_patch_is_refused_before_validation() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    let sales = app.token(AgentRole::SalesAgent);
    let (status, _, answer) = crate::helpers::send(
        &app,
        Method::PATCH,
        &app.user_url(user.id),
        Some(&sales),
        &[],
        Some(r#"{"displayName": "", "usageLocation": "nowhere"}"#),
    )
    .await;
    crate::helpers::assert_error(status, &answer, 403, 900_150, "");
}

#[tokio::test]
async fn helpdesk_may_send_back_the_whole_user_with_a_new_password() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    let helpdesk = app.sdk_with(&app.token(AgentRole::HelpdeskAgent));
    // What the C# sample does: the object as read, with a new password profile.
    let changes = CustomerUserRequest {
        user_principal_name: Some(user.user_principal_name.clone()),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        display_name: Some(user.display_name.clone()),
        usage_location: Some(user.usage_location.clone()),
        password_profile: Some(PasswordProfile {
            force_change_password: Some(true),
            password: Some("Xy7!help".into()),
        }),
        ..Default::default()
    };
    let updated = helpdesk
        .customers()
        .by_id(app.cid())
        .users()
        .by_id(user.id)
        .patch(&changes)
        .await
        .unwrap();
    assert_eq!(updated.password_profile.unwrap().password.as_deref(), Some("Xy7!help"));
}
