//! Checks the drivers' own tests share (feature `testing`): what every driver must do with a row
//! its tests write by hand, where the conformance suite, which goes through the interface only,
//! cannot reach.

use tenantdesk_domain::{UserId, UserState};

use crate::{CustomerScope, SortField, StoreError, UserQuery, UserReads};

/// Checks that `store` reports the user `id` of `scope`, whose row a driver's test wrote by hand
/// against the rules, as corrupt (for `why`), read alone and in a page.
pub async fn assert_reported_as_corrupt(store: &dyn UserReads, scope: CustomerScope, id: UserId, why: &str) {
    let alone = store.user(scope, id).await;
    assert!(
        matches!(&alone, Err(StoreError::Corrupt(reason)) if reason.starts_with(why)),
        "{alone:?}"
    );
    let query = UserQuery {
        state: UserState::Active,
        sort: SortField::UserPrincipalName,
        descending: false,
        after: None,
        limit: 10,
        search: None,
    };
    let page = store.users(scope, &query).await;
    assert!(
        matches!(&page, Err(StoreError::Corrupt(reason)) if reason.starts_with(why)),
        "{page:?}"
    );
}
