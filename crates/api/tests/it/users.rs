//! The user life cycle: create, read, update, reset, delete, restore, purge.

use chrono::TimeDelta;
use reqwest::Method;
use tenantdesk_client::{CustomerUserRequest, PasswordProfile, UserState};

use crate::helpers::{DOMAIN, OTHER_DOMAIN, assert_error, new_user, send, user_counts};

#[tokio::test]
async fn a_user_created_without_a_password_gets_a_temporary_one_once() {
    let app = spawn_app!();
    let request = CustomerUserRequest {
        password_profile: None,
        ..new_user("ana")
    };
    let users = app.sdk();
    let users = users.customers().by_id(app.cid()).users();
    let created = users.create(&request).await.unwrap();
    let profile = created
        .password_profile
        .clone()
        .expect("password profile in the create response");
    let password = profile.password.expect("a generated password");
    assert_eq!(profile.force_change_password, Some(true));
    assert!(password.len() >= 16, "{password}");
    let upn = tenantdesk_domain::UserPrincipalName::parse(&created.user_principal_name).unwrap();
    assert!(
        tenantdesk_domain::Password::parse(&password, &upn).is_ok(),
        "satisfies the policy"
    );

    let read = users.by_id(created.id).get().await.unwrap();
    assert_eq!(read.password_profile, None, "GET never shows it");
    let page = users.page(0).await.unwrap();
    assert!(page.items.iter().all(|u| u.password_profile.is_none()));

    // Stored as an Argon2id hash at OWASP's cost, and nothing else.
    let hashes = app.stored_hashes().await;
    assert_eq!(hashes.len(), 1);
    assert!(
        hashes[0].starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        hashes[0]
    );
    assert!(tenantdesk_core::passwords::verify(&password, &hashes[0]));
}

#[tokio::test]
async fn patch_changes_only_what_is_given() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    let sdk = app.sdk();
    let ops = sdk.customers().by_id(app.cid()).users().by_id(user.id);

    // Sending back the object read (read-only fields included) changes nothing.
    let (_, _, read) = send(
        &app,
        Method::GET,
        &app.user_url(user.id),
        Some(&app.admin_token),
        &[],
        None,
    )
    .await;
    let (status, _, same) = send(
        &app,
        Method::PATCH,
        &app.user_url(user.id),
        Some(&app.admin_token),
        &[],
        Some(&read.to_string()),
    )
    .await;
    assert_eq!(status, 200, "{same}");
    assert_eq!(same, read);

    // null and absent mean unchanged; an empty string clears a first name.
    let (status, _, changed) = send(
        &app,
        Method::PATCH,
        &app.user_url(user.id),
        Some(&app.admin_token),
        &[],
        Some(r#"{"displayName": "Ana Maria", "lastName": null, "firstName": ""}"#),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["displayName"], "Ana Maria");
    assert_eq!(changed["lastName"], "Lima");
    assert_eq!(changed["firstName"], serde_json::Value::Null);

    // A new UPN in another of the customer's domains.
    let renamed = ops
        .patch(&CustomerUserRequest {
            user_principal_name: Some(format!("ana.maria@{OTHER_DOMAIN}")),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(renamed.user_principal_name, format!("ana.maria@{OTHER_DOMAIN}"));
    assert_eq!(
        ops.get().await.unwrap().user_principal_name,
        renamed.user_principal_name
    );

    // Not in the customer's domains; or already used by another active user (any case).
    let err = ops
        .patch(&CustomerUserRequest {
            user_principal_name: Some("ana@fabrikam.com".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(400), Some(3000)), "{err}");
    app.create_user("ben").await;
    let err = ops
        .patch(&CustomerUserRequest {
            user_principal_name: Some(format!("BEN@{DOMAIN}")),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(409), Some(3001)), "{err}");

    // Deleting is DELETE's job.
    let err = ops
        .patch(&CustomerUserRequest {
            state: Some(UserState::Inactive),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(400), Some(3000)), "{err}");
    assert_eq!(ops.get().await.unwrap().state, UserState::Active);
}

#[tokio::test]
async fn a_password_only_profile_sets_the_flag_and_the_password_is_checked_against_the_upn() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    let sdk = app.sdk();
    let ops = sdk.customers().by_id(app.cid()).users().by_id(user.id);
    let only_flag = CustomerUserRequest {
        password_profile: Some(PasswordProfile {
            force_change_password: Some(false),
            password: None,
        }),
        ..Default::default()
    };
    let updated = ops.patch(&only_flag).await.unwrap();
    assert_eq!(updated.password_profile, None, "no password was set, so none is shown");

    let err = ops.reset_password(Some("xxANA123!")).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(400), Some(3000)));
    assert!(format!("{err:?}").contains("passwordProfile.password"), "{err:?}");
    let reset = ops.reset_password(Some("Renew456*")).await.unwrap();
    let profile = reset.password_profile.unwrap();
    assert_eq!(
        (profile.force_change_password, profile.password.as_deref()),
        (Some(true), Some("Renew456*"))
    );
}

#[tokio::test]
async fn deleted_users_are_gone_except_for_the_deleted_list_and_restore() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    let sdk = app.sdk();
    let users = sdk.customers().by_id(app.cid()).users();
    let ops = users.by_id(user.id);
    ops.delete().await.unwrap();
    assert_eq!(user_counts(&app).await, (0, 1));

    for err in [
        ops.get().await.unwrap_err(),
        ops.delete().await.unwrap_err(),
        ops.patch(&CustomerUserRequest {
            display_name: Some("X".into()),
            ..Default::default()
        })
        .await
        .unwrap_err(),
        ops.reset_password(Some("Renew456*")).await.unwrap_err(),
    ] {
        assert_eq!((err.status(), err.code()), (Some(404), Some(60_002)), "{err}");
    }
    let deleted = users.deleted_page(0).await.unwrap();
    assert_eq!(deleted.items[0].state, UserState::Inactive);
    assert!(deleted.items[0].soft_deletion_time.is_some());

    let restored = ops.restore().await.unwrap();
    assert_eq!((restored.state, restored.soft_deletion_time), (UserState::Active, None));
    assert_eq!(restored.display_name, user.display_name);
    assert_eq!(user_counts(&app).await, (1, 0));
    // Restoring an active user is a no-op.
    assert_eq!(ops.restore().await.unwrap().state, UserState::Active);
}

#[tokio::test]
async fn restore_conflicts_when_the_upn_was_taken_meanwhile() {
    let app = spawn_app!();
    let user = app.create_user("ana").await;
    let sdk = app.sdk();
    let users = sdk.customers().by_id(app.cid()).users();
    users.by_id(user.id).delete().await.unwrap();
    let successor = app.create_user("ana").await;
    let err = users.by_id(user.id).restore().await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(409), Some(3001)), "{err}");
    assert_eq!(user_counts(&app).await, (1, 1), "nothing changed");

    users.by_id(successor.id).delete().await.unwrap();
    users.by_id(user.id).restore().await.unwrap();
}

#[tokio::test]
async fn restore_is_possible_for_thirty_days_then_the_purge_removes_the_user() {
    let app = spawn_app!();
    let sdk = app.sdk();
    let users = sdk.customers().by_id(app.cid()).users();
    let early = app.create_user("early").await;
    let late = app.create_user("late").await;
    users.by_id(early.id).delete().await.unwrap();
    users.by_id(late.id).delete().await.unwrap();

    app.advance(TimeDelta::days(29));
    users.by_id(early.id).restore().await.unwrap();

    app.advance(TimeDelta::days(2));
    let err = users.by_id(late.id).restore().await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(404), Some(60_002)), "{err}");
    assert_eq!(user_counts(&app).await, (1, 1), "still listed until purged");

    let purged = tenantdesk_core::purge::purge_once(app.state.app(), 30).await.unwrap();
    assert_eq!(purged, 1);
    assert_eq!(user_counts(&app).await, (1, 0));
    assert_eq!(
        tenantdesk_core::purge::purge_once(app.state.app(), 30).await.unwrap(),
        0,
        "nothing left to purge"
    );
    let err = users.by_id(late.id).restore().await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    // Its UPN is free again.
    app.create_user("late").await;
}

#[tokio::test]
async fn purges_on_two_instances_at_once_remove_each_user_once() {
    let app = spawn_app!();
    let sdk = app.sdk();
    let users = sdk.customers().by_id(app.cid()).users();
    for i in 0..6 {
        let user = app.create_user(&format!("gone{i}")).await;
        users.by_id(user.id).delete().await.unwrap();
    }
    app.advance(TimeDelta::days(31));
    let other = app.second_app().await;
    let (a, b) = tokio::join!(
        tenantdesk_core::purge::purge_once(app.state.app(), 30),
        tenantdesk_core::purge::purge_once(other.app(), 30)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 6);
    assert_eq!(user_counts(&app).await, (0, 0));
}

#[tokio::test]
async fn upns_are_unique_among_active_users_case_insensitively() {
    let app = spawn_app!();
    app.create_user("ana").await;
    let sdk = app.sdk();
    let err = sdk
        .customers()
        .by_id(app.cid())
        .users()
        .create(&new_user("ANA"))
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(409), Some(3001)), "{err}");
    let (status, _, body) = send(
        &app,
        Method::POST,
        &app.users_url(),
        Some(&app.admin_token),
        &[],
        Some(&serde_json::to_string(&new_user("Ana")).unwrap()),
    )
    .await;
    assert_error(status, &body, 409, 3001, "");
    assert_eq!(user_counts(&app).await, (1, 0));
}

#[tokio::test]
async fn concurrent_creates_of_one_upn_give_one_user() {
    let app = spawn_app!();
    let second = app.second_instance().await;
    let first = app.sdk();
    let other = tenantdesk_client::Partner::new(&second, &app.admin_token).unwrap();
    let request = new_user("race");
    let (a, b) = tokio::join!(
        first.customers().by_id(app.cid()).users().create(&request),
        other.customers().by_id(app.cid()).users().create(&request)
    );
    let statuses = [
        a.as_ref().err().and_then(|e| e.status()),
        b.as_ref().err().and_then(|e| e.status()),
    ];
    assert!(statuses.contains(&None) && statuses.contains(&Some(409)), "{a:?} {b:?}");
    assert_eq!(user_counts(&app).await, (1, 0));
}

/// A read asks one query when it finds what it asked for; a miss still tells an unknown customer
/// (60003) from an unknown user (60002), and an empty page of a known customer is a page.
#[tokio::test]
async fn reads_tell_an_unknown_customer_from_an_unknown_user() {
    let app = spawn_app!();
    let unknown = uuid::Uuid::new_v4();
    let sdk = app.sdk();
    for err in [
        sdk.customers().by_id(unknown).users().page(0).await.unwrap_err(),
        sdk.customers()
            .by_id(unknown)
            .users()
            .by_id(unknown)
            .get()
            .await
            .unwrap_err(),
    ] {
        assert_eq!((err.status(), err.code()), (Some(404), Some(60_003)), "{err}");
    }
    let err = sdk
        .customers()
        .by_id(app.cid())
        .users()
        .by_id(unknown)
        .get()
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(404), Some(60_002)), "{err}");
    let users = sdk.customers().by_id(app.cid()).users();
    assert!(users.page(0).await.unwrap().items.is_empty());
    let users = sdk.customers().by_id(app.cid()).users();
    assert!(users.deleted_page(0).await.unwrap().items.is_empty());
}
