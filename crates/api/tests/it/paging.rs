//! Partner Center paging: size, links.next with MS-ContinuationToken, filters and sorting.

use futures::TryStreamExt as _;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{TestApp, assert_error, send};
use crate::seeds::urlencode;

async fn with_users(n: usize) -> Option<TestApp> {
    let app = crate::helpers::try_spawn_app("paging").await?;
    for i in 0..n {
        app.create_user(&format!("user{i:02}")).await;
    }
    Some(app)
}

/// Follows `links.next` as a client copying the documentation would.
async fn follow(app: &TestApp, first: &str) -> Vec<Value> {
    let (status, _, mut page) = send(app, Method::GET, first, Some(&app.admin_token), &[], None).await;
    assert_eq!(status, 200, "{page}");
    let mut pages = vec![page.clone()];
    while let Some(next) = page["links"].get("next").cloned() {
        assert_eq!(next["method"], "GET");
        assert_eq!(next["headers"][0]["key"], "MS-ContinuationToken");
        assert_eq!(next["headers"][0]["value"], page["continuationToken"]);
        let uri = next["uri"].as_str().unwrap();
        assert!(uri.ends_with("&seekOperation=Next") && !uri.starts_with("/v1"), "{uri}");
        let token = next["headers"][0]["value"].as_str().unwrap();
        let (status, _, next_page) = send(
            app,
            Method::GET,
            &app.url(&format!("/v1{uri}")),
            Some(&app.admin_token),
            &[("MS-ContinuationToken", token)],
            None,
        )
        .await;
        assert_eq!(status, 200, "{next_page}");
        page = next_page;
        pages.push(page.clone());
    }
    pages
}

fn upns(pages: &[Value]) -> Vec<String> {
    pages
        .iter()
        .flat_map(|p| {
            p["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["userPrincipalName"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn pages_follow_the_next_link_to_the_end() {
    let Some(app) = with_users(7).await else { return };
    let pages = follow(&app, &format!("{}?size=3", app.users_url())).await;
    let counts: Vec<u64> = pages.iter().map(|p| p["totalCount"].as_u64().unwrap()).collect();
    assert_eq!(counts, [3, 3, 1], "totalCount counts the items of the page");
    assert!(pages[2].get("continuationToken").is_none() && pages[2]["links"].get("next").is_none());
    assert_eq!(pages[0]["attributes"]["objectType"], "Collection");
    let mut want: Vec<String> = (0..7).map(|i| format!("user{i:02}@contoso.onmicrosoft.com")).collect();
    want.sort();
    assert_eq!(upns(&pages), want);
}

#[tokio::test]
async fn sorting_by_display_name_descending() {
    let Some(app) = with_users(5).await else { return };
    let url = format!(
        "{}?size=2&sortField=DisplayName&sortDirection=descending",
        app.users_url()
    );
    let names: Vec<String> = follow(&app, &url)
        .await
        .iter()
        .flat_map(|p| {
            p["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["displayName"].as_str().unwrap().to_owned())
        })
        .collect();
    let mut want = names.clone();
    want.sort();
    want.reverse();
    assert_eq!(names, want);
    assert_eq!(names.len(), 5);
}

#[tokio::test]
async fn the_deleted_users_filter_pages_too() {
    let Some(app) = with_users(5).await else { return };
    let sdk = app.sdk();
    let users = sdk.customers().by_id(app.cid()).users();
    let all: Vec<_> = users.list().try_collect().await.unwrap();
    for user in &all[..3] {
        users.by_id(user.id).delete().await.unwrap();
    }
    let filter = urlencode(r#"{"Field":"UserState","Value":"Inactive","Operator":"equals"}"#);
    let pages = follow(&app, &format!("{}?size=2&filter={filter}", app.users_url())).await;
    assert_eq!(upns(&pages).len(), 3);
    assert!(
        pages
            .iter()
            .all(|p| { p["items"].as_array().unwrap().iter().all(|u| u["state"] == "inactive") })
    );
    let active = follow(&app, &format!("{}?size=2", app.users_url())).await;
    assert_eq!(upns(&active).len(), 2);
    // The filter in any case, as the SDK sends it.
    let (status, _, page) = send(
        &app,
        Method::GET,
        &format!(
            "{}?filter={}",
            app.users_url(),
            urlencode(r#"{"field":"userstate","value":"inactive","operator":"Equals"}"#)
        ),
        Some(&app.admin_token),
        &[],
        None,
    )
    .await;
    assert_eq!((status, page["totalCount"].as_u64()), (200, Some(3)));
}

#[tokio::test]
async fn the_sdk_streams_every_user_lazily() {
    let Some(app) = with_users(3).await else { return };
    let sdk = app.sdk();
    let users: Vec<_> = sdk
        .customers()
        .by_id(app.cid())
        .users()
        .list()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 3);
    let first = sdk.customers().by_id(app.cid()).users().page(2).await.unwrap();
    let second = sdk
        .customers()
        .by_id(app.cid())
        .users()
        .next_page(&first)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((first.total_count, second.total_count), (2, 1));
    assert!(
        sdk.customers()
            .by_id(app.cid())
            .users()
            .next_page(&second)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn bad_paging_requests_are_400() {
    let Some(app) = with_users(3).await else { return };
    let (_, _, page) = send(
        &app,
        Method::GET,
        &format!("{}?size=1", app.users_url()),
        Some(&app.admin_token),
        &[],
        None,
    )
    .await;
    let token = page["continuationToken"].as_str().unwrap().to_owned();
    let next = |token: String| {
        let app = &app;
        async move {
            send(
                app,
                Method::GET,
                &format!("{}?size=1&seekOperation=Next", app.users_url()),
                Some(&app.admin_token),
                &[("MS-ContinuationToken", &token)],
                None,
            )
            .await
        }
    };
    let (status, _, _) = next(token.clone()).await;
    assert_eq!(status, 200, "the genuine token works");

    let mut tampered = token.clone().into_bytes();
    tampered[3] = if tampered[3] == b'A' { b'B' } else { b'A' };
    for bad in [
        String::from_utf8(tampered).unwrap(),
        token[..token.len() - 3].to_owned(),
        "forged".to_owned(),
    ] {
        let (status, _, body) = next(bad).await;
        assert_error(status, &body, 400, 3000, "MS-ContinuationToken");
    }

    // A token is bound to its customer.
    let (their_customer, their_token) = app.other_partner().await;
    let their_users = app.url(&format!("/v1/customers/{}/users", their_customer.id));
    let (status, _, body) = send(
        &app,
        Method::GET,
        &format!("{their_users}?seekOperation=Next"),
        Some(&their_token),
        &[("MS-ContinuationToken", &token)],
        None,
    )
    .await;
    assert_error(status, &body, 400, 3000, "MS-ContinuationToken");

    // And to its filter.
    let filter = urlencode(r#"{"Field":"UserState","Value":"Inactive","Operator":"equals"}"#);
    let (status, _, body) = send(
        &app,
        Method::GET,
        &format!("{}?seekOperation=Next&filter={filter}", app.users_url()),
        Some(&app.admin_token),
        &[("MS-ContinuationToken", &token)],
        None,
    )
    .await;
    assert_error(status, &body, 400, 3000, "MS-ContinuationToken");

    for (query, field) in [
        ("size=501", "size"),
        ("size=-1", "size"),
        ("size=abc", "size"),
        // A blank size is not a number, as the document's integer type says: not the default.
        ("size=", "size"),
        ("size=%09", "size"),
        ("seekOperation=Next", "MS-ContinuationToken"),
        ("seekOperation=Previous", "seekOperation"),
        ("sortField=password", "sortField"),
        ("sortDirection=up", "sortDirection"),
        ("filter=%7Bnot%20json", "filter"),
        (
            &format!(
                "filter={}",
                urlencode(r#"{"Field":"DisplayName","Value":"x","Operator":"equals"}"#)
            ),
            "filter",
        ),
        (
            &format!(
                "filter={}",
                urlencode(r#"{"Field":"UserState","Value":"Gone","Operator":"equals"}"#)
            ),
            "filter",
        ),
    ] {
        let (status, _, body) = send(
            &app,
            Method::GET,
            &format!("{}?{query}", app.users_url()),
            Some(&app.admin_token),
            &[],
            None,
        )
        .await;
        assert_error(status, &body, 400, 3000, field);
    }
    let (status, _, body) = send(
        &app,
        Method::GET,
        &format!("{}?size=0", app.users_url()),
        Some(&app.admin_token),
        &[],
        None,
    )
    .await;
    assert_eq!(
        (status, body["totalCount"].as_u64()),
        (200, Some(3)),
        "size=0 is the default size"
    );
}
