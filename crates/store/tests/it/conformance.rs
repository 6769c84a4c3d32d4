//! The conformance tests themselves, generic over `&dyn Store`.

use chrono::{TimeDelta, Utc};
use tenantdesk_domain::{
    AgentAccount, AgentRole, AuditRecord, CompanyName, Customer, CustomerId, DisplayName, DomainName, Operation,
    Outcome, Partner, PartnerId, PersonName, ProviderInstanceId, UsageLocation, User, UserId, UserPrincipalName,
    UserState,
};
use tenantdesk_store::{
    AuditQuery, Conflict, CustomerScope, IdempotencyKey, SignInFailures, SortField, Store, StoredResponse, UserCursor,
    UserQuery,
};

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

async fn partner(store: &dyn Store) -> PartnerId {
    let partner = Partner {
        id: PartnerId::new(),
        name: CompanyName::parse("Fabrikam CSP").unwrap(),
        portal_domain: None,
        created_at: Utc::now(),
    };
    let mut tx = store.begin().await.unwrap();
    tx.insert_partner(&partner).await.unwrap();
    tx.commit().await.unwrap();
    partner.id
}

fn customer_value(partner: PartnerId, domains: &[&str]) -> Customer {
    Customer {
        id: CustomerId::new(),
        partner,
        company_name: CompanyName::parse("Contoso").unwrap(),
        domains: domains.iter().map(|d| DomainName::parse(d).unwrap()).collect(),
        provider_instance: ProviderInstanceId::new(),
        created_at: Utc::now(),
    }
}

async fn customer(store: &dyn Store, partner: PartnerId) -> CustomerScope {
    let domain = format!("c{}.onmicrosoft.com", &CustomerId::new().to_string()[..8]);
    let customer = customer_value(partner, &[&domain]);
    let mut tx = store.begin().await.unwrap();
    tx.insert_customer(&customer).await.unwrap();
    tx.commit().await.unwrap();
    CustomerScope {
        partner,
        customer: customer.id,
    }
}

fn user(scope: CustomerScope, upn: &str, display: &str) -> User {
    let now = Utc::now();
    User {
        id: UserId::new(),
        customer: scope.customer,
        upn: UserPrincipalName::parse(upn).unwrap(),
        first_name: PersonName::parse("Ana").unwrap(),
        last_name: None,
        display_name: DisplayName::parse(display).unwrap(),
        usage_location: UsageLocation::parse("US").unwrap(),
        state: UserState::Active,
        soft_deleted_at: None,
        force_change_password: true,
        created_at: now,
        updated_at: now,
    }
}

async fn insert(store: &dyn Store, scope: CustomerScope, user: &User) -> tenantdesk_store::Result<()> {
    let mut tx = store.begin().await?;
    tx.insert_user(scope, user, HASH).await?;
    tx.commit().await
}

pub async fn migrations_are_idempotent(store: &dyn Store) {
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
}

pub async fn customers_are_scoped_to_their_partner(store: &dyn Store) {
    let (a, b) = (partner(store).await, partner(store).await);
    let mut customer = customer_value(a, &["contoso.onmicrosoft.com", "contoso.com"]);
    let mut tx = store.begin().await.unwrap();
    tx.insert_customer(&customer).await.unwrap();
    tx.commit().await.unwrap();

    let read = store.customer(a, customer.id).await.unwrap().unwrap();
    customer.created_at = read.created_at; // stored at millisecond precision
    assert_eq!(
        read.domains, customer.domains,
        "domains keep their order, default first"
    );
    assert_eq!(read.provider_instance, customer.provider_instance);
    assert!(store.customer(b, customer.id).await.unwrap().is_none());
    assert_eq!(store.customers(a).await.unwrap().len(), 1);
    assert!(store.customers(b).await.unwrap().is_empty());
    assert_eq!(store.partner(a).await.unwrap().unwrap().name.as_str(), "Fabrikam CSP");
}

pub async fn a_domain_belongs_to_one_customer(store: &dyn Store) {
    let p = partner(store).await;
    let mut tx = store.begin().await.unwrap();
    tx.insert_customer(&customer_value(p, &["taken.com"])).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let err = tx
        .insert_customer(&customer_value(p, &["other.com", "taken.com"]))
        .await
        .unwrap_err();
    assert!(err.is_conflict(Conflict::Domain), "{err:?}");
}

pub async fn users_round_trip_and_stay_in_scope(store: &dyn Store) {
    let p = partner(store).await;
    let scope = customer(store, p).await;
    let mut u = user(scope, "Ana@Contoso.com", "Ana Lima");
    insert(store, scope, &u).await.unwrap();
    let read = store.user(scope, u.id).await.unwrap().unwrap();
    u.created_at = read.created_at;
    u.updated_at = read.updated_at;
    assert_eq!(read, u);

    let other_partner = CustomerScope {
        partner: partner(store).await,
        customer: scope.customer,
    };
    assert!(store.user(other_partner, u.id).await.unwrap().is_none());
    let other_customer = customer(store, p).await;
    assert!(store.user(other_customer, u.id).await.unwrap().is_none());
    // A page in another scope is empty too: a use case that finds users needs no other proof
    // that the customer is the caller's.
    let page = UserQuery {
        state: UserState::Active,
        sort: SortField::UserPrincipalName,
        descending: false,
        search: None,
        after: None,
        limit: 10,
    };
    assert_eq!(store.users(scope, &page).await.unwrap(), vec![read.clone()]);
    assert!(store.users(other_partner, &page).await.unwrap().is_empty());
    assert!(store.users(other_customer, &page).await.unwrap().is_empty());

    let mut tx = store.begin().await.unwrap();
    let mut locked = tx.user_for_update(scope, u.id).await.unwrap().unwrap();
    locked.display_name = DisplayName::parse("Ana M. Lima").unwrap();
    tx.update_user(scope, &locked, None).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store.user(scope, u.id).await.unwrap().unwrap().display_name.as_str(),
        "Ana M. Lima"
    );
}

/// Lookups asked at once (which a store may answer together) each get the user of their own
/// scope, and nothing of another partner's, another customer's, or an id nobody has.
pub async fn lookups_at_once_each_get_their_own_user_in_scope(store: &dyn Store) {
    let mut asked = Vec::new();
    for n in 0..4 {
        let scope = customer(store, partner(store).await).await;
        let u = user(scope, &format!("user{n}@contoso.com"), &format!("User {n}"));
        insert(store, scope, &u).await.unwrap();
        asked.push((scope, u.id, Some(u.upn.as_str().to_owned())));
    }
    let own: Vec<_> = asked.clone();
    for (i, (scope, id, _)) in own.iter().enumerate() {
        let (other, _, _) = own[(i + 1) % own.len()];
        // The same user id asked in another partner's scope, in its customer with another
        // partner, and an id nobody has in its own scope.
        asked.push((other, *id, None));
        asked.push((
            CustomerScope {
                partner: other.partner,
                customer: scope.customer,
            },
            *id,
            None,
        ));
        asked.push((*scope, UserId::new(), None));
    }
    let asked: Vec<_> = asked.iter().cycle().take(4 * asked.len()).collect();
    let answers = futures::future::join_all(asked.iter().map(|(scope, id, _)| store.user(*scope, *id))).await;
    for ((_, id, expected), answer) in asked.iter().zip(answers) {
        let answer = answer.unwrap();
        assert_eq!(answer.as_ref().map(|u| u.upn.as_str().to_owned()), *expected);
        assert!(answer.is_none_or(|u| u.id == *id));
    }
}

pub async fn active_upns_are_unique_case_insensitively(store: &dyn Store) {
    let scope = customer(store, partner(store).await).await;
    let mut first = user(scope, "ana@contoso.com", "Ana");
    insert(store, scope, &first).await.unwrap();
    let err = insert(store, scope, &user(scope, "ANA@contoso.com", "Ana 2"))
        .await
        .unwrap_err();
    assert!(err.is_conflict(Conflict::UserPrincipalName), "{err:?}");

    // Another customer may use the same UPN.
    let elsewhere = customer(store, scope.partner).await;
    insert(store, elsewhere, &user(elsewhere, "ana@contoso.com", "Ana"))
        .await
        .unwrap();

    // Once deleted, the UPN is free; restoring the first user is then a conflict.
    first.delete(Utc::now());
    let mut tx = store.begin().await.unwrap();
    tx.update_user(scope, &first, None).await.unwrap();
    tx.commit().await.unwrap();
    insert(store, scope, &user(scope, "Ana@Contoso.com", "Ana 3"))
        .await
        .unwrap();
    first.restore(Utc::now()).unwrap();
    let mut tx = store.begin().await.unwrap();
    let err = tx.update_user(scope, &first, None).await.unwrap_err();
    assert!(err.is_conflict(Conflict::UserPrincipalName), "{err:?}");
}

pub async fn dropping_a_transaction_rolls_it_back(store: &dyn Store) {
    let scope = customer(store, partner(store).await).await;
    let u = user(scope, "gone@contoso.com", "Gone");
    {
        let mut tx = store.begin().await.unwrap();
        tx.insert_user(scope, &u, HASH).await.unwrap();
        tx.insert_audit(&audit(scope)).await.unwrap();
    }
    assert!(store.user(scope, u.id).await.unwrap().is_none());
    // The store is still usable: the write lock was released.
    insert(store, scope, &u).await.unwrap();
}

fn audit(scope: CustomerScope) -> AuditRecord {
    AuditRecord {
        customer: Some(scope.customer),
        ..AuditRecord::new(
            scope.partner,
            "agent@fabrikam.com",
            Operation::CreateCustomerUser,
            Utc::now(),
        )
    }
}

pub async fn keyset_pages_cover_every_user_once_in_order(store: &dyn Store) {
    let scope = customer(store, partner(store).await).await;
    let mut expected = Vec::new();
    for i in 0..23 {
        // Display names repeat, so the id must break ties.
        let u = user(scope, &format!("user{i:02}@contoso.com"), &format!("Name {}", i % 5));
        insert(store, scope, &u).await.unwrap();
        expected.push(u);
    }
    for sort in [SortField::UserPrincipalName, SortField::DisplayName] {
        for descending in [false, true] {
            let mut seen: Vec<User> = Vec::new();
            let mut after = None;
            loop {
                let query = UserQuery {
                    state: UserState::Active,
                    sort,
                    descending,
                    search: None,
                    after,
                    limit: 10,
                };
                let page = store.users(scope, &query).await.unwrap();
                assert!(page.len() <= 10);
                after = page.last().map(|u| UserCursor::after(u, sort));
                let done = page.len() < 10;
                seen.extend(page);
                if done {
                    break;
                }
            }
            let key = |u: &User| match sort {
                SortField::UserPrincipalName => (u.upn.normalized(), u.id.to_string()),
                SortField::DisplayName => (u.display_name.as_str().to_owned(), u.id.to_string()),
            };
            let mut want: Vec<_> = expected.iter().map(key).collect();
            want.sort();
            if descending {
                want.reverse();
            }
            let got: Vec<_> = seen.iter().map(key).collect();
            assert_eq!(got, want, "{sort:?} descending={descending}");
        }
    }
}

pub async fn a_search_finds_users_by_upn_or_display_name_in_any_case_page_by_page(store: &dyn Store) {
    let partner_id = partner(store).await;
    let scope = customer(store, partner_id).await;
    for i in 0..23 {
        let u = user(scope, &format!("user{i:02}@contoso.com"), &format!("Name {}", i % 5));
        insert(store, scope, &u).await.unwrap();
    }
    let other = customer(store, partner_id).await;
    insert(store, other, &user(other, "user03@fabrikam.com", "Name 3"))
        .await
        .unwrap();
    let search = |text: &str, sort| {
        let text = text.to_owned();
        async move {
            let mut found = Vec::new();
            let mut after = None;
            loop {
                let query = UserQuery {
                    state: UserState::Active,
                    sort,
                    descending: false,
                    search: Some(text.clone()),
                    after,
                    limit: 2,
                };
                let page = store.users(scope, &query).await.unwrap();
                after = page.last().map(|u| UserCursor::after(u, sort));
                let done = page.len() < 2;
                found.extend(page.into_iter().map(|u| u.upn.normalized()));
                if done {
                    return found;
                }
            }
        }
    };
    for sort in [SortField::UserPrincipalName, SortField::DisplayName] {
        let mut by_name = search("NAME 3", sort).await;
        by_name.sort();
        let want: Vec<String> = [3, 8, 13, 18]
            .iter()
            .map(|i| format!("user{i:02}@contoso.com"))
            .collect();
        assert_eq!(by_name, want, "{sort:?}: the other customer's user is not found");
        assert_eq!(search("User1", sort).await.len(), 10, "{sort:?}");
        assert!(search("nobody", sort).await.is_empty());
    }
    assert_eq!(search("%", SortField::UserPrincipalName).await.len(), 0, "no wildcards");
}

pub async fn deleted_users_are_listed_apart_and_purged_after_the_cutoff(store: &dyn Store) {
    let scope = customer(store, partner(store).await).await;
    let now = Utc::now();
    let mut old = user(scope, "old@contoso.com", "Old");
    let mut recent = user(scope, "recent@contoso.com", "Recent");
    let active = user(scope, "active@contoso.com", "Active");
    for u in [&old, &recent, &active] {
        insert(store, scope, u).await.unwrap();
    }
    old.delete(now - TimeDelta::days(40));
    recent.delete(now - TimeDelta::days(2));
    let mut tx = store.begin().await.unwrap();
    tx.update_user(scope, &old, None).await.unwrap();
    tx.update_user(scope, &recent, None).await.unwrap();
    tx.commit().await.unwrap();

    let deleted = UserQuery {
        state: UserState::Inactive,
        sort: SortField::UserPrincipalName,
        descending: false,
        search: None,
        after: None,
        limit: 100,
    };
    let listed: Vec<UserId> = store
        .users(scope, &deleted)
        .await
        .unwrap()
        .iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(listed, vec![old.id, recent.id]);
    let restorable_since = now - TimeDelta::days(30);
    assert_eq!(
        store.count_deleted_since(scope, restorable_since).await.unwrap(),
        1,
        "only the recent one"
    );
    assert_eq!(
        store
            .count_deleted_since(scope, now - TimeDelta::days(41))
            .await
            .unwrap(),
        2
    );
    let elsewhere = CustomerScope {
        partner: partner(store).await,
        customer: scope.customer,
    };
    assert_eq!(store.count_deleted_since(elsewhere, restorable_since).await.unwrap(), 0);

    let cutoff = now - TimeDelta::days(30);
    let due = store.deleted_before(cutoff, 100).await.unwrap();
    assert!(due.contains(&(scope, old.id)));
    assert!(!due.iter().any(|(_, id)| *id == recent.id || *id == active.id));

    let mut tx = store.begin().await.unwrap();
    assert!(tx.purge_user(scope, old.id, cutoff).await.unwrap());
    assert!(!tx.purge_user(scope, recent.id, cutoff).await.unwrap(), "too recent");
    assert!(!tx.purge_user(scope, active.id, cutoff).await.unwrap(), "not deleted");
    tx.commit().await.unwrap();
    assert!(store.user(scope, old.id).await.unwrap().is_none());
    assert!(store.user(scope, recent.id).await.unwrap().is_some());
}

pub async fn responses_are_recorded_once_and_expire(store: &dyn Store) {
    let p = partner(store).await;
    let key = IdempotencyKey {
        request_id: "b1317092".to_owned(),
        fingerprint: "f1".to_owned(),
        actor: "admin@contoso.example".to_owned(),
    };
    let now = Utc::now();
    let response = StoredResponse {
        key: key.clone(),
        status: 201,
        body: Some("{}".to_owned()),
        created_at: now,
    };
    let mut tx = store.begin().await.unwrap();
    tx.insert_response(p, &response).await.unwrap();
    tx.commit().await.unwrap();

    let since = now - TimeDelta::hours(24);
    let mut read = store.response(p, &key, since).await.unwrap().unwrap();
    read.created_at = now;
    assert_eq!(read.status, 201);
    assert_eq!(read.body.as_deref(), Some("{}"));
    let other_key = IdempotencyKey {
        fingerprint: "f2".to_owned(),
        ..key.clone()
    };
    assert!(store.response(p, &other_key, since).await.unwrap().is_none());
    let other_actor = IdempotencyKey {
        actor: "sales@contoso.example".to_owned(),
        ..key.clone()
    };
    assert!(
        store.response(p, &other_actor, since).await.unwrap().is_none(),
        "another actor's answer"
    );
    let mut tx = store.begin().await.unwrap();
    let theirs = StoredResponse {
        key: other_actor.clone(),
        status: 204,
        body: None,
        created_at: now,
    };
    tx.insert_response(p, &theirs).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store.response(p, &other_actor, since).await.unwrap().unwrap().status,
        204
    );
    assert!(
        store
            .response(partner(store).await, &key, since)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .response(p, &key, now + TimeDelta::seconds(1))
            .await
            .unwrap()
            .is_none(),
        "too old"
    );

    let mut tx = store.begin().await.unwrap();
    let err = tx.insert_response(p, &response).await.unwrap_err();
    assert!(err.is_conflict(Conflict::IdempotencyKey), "{err:?}");
    drop(tx);

    let mut tx = store.begin().await.unwrap();
    assert!(tx.delete_responses_before(now + TimeDelta::seconds(1)).await.unwrap() >= 1);
    tx.commit().await.unwrap();
    assert!(store.response(p, &key, since).await.unwrap().is_none());
}

pub async fn settings_keep_their_first_value(store: &dyn Store) {
    assert_eq!(store.setting("k").await.unwrap(), None);
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.setting_or_insert("k", "first").await.unwrap(), "first");
    assert_eq!(tx.setting_or_insert("k", "second").await.unwrap(), "first");
    tx.commit().await.unwrap();
    assert_eq!(store.setting("k").await.unwrap().as_deref(), Some("first"));
}

pub async fn only_argon2id_hashes_are_stored(store: &dyn Store) {
    let scope = customer(store, partner(store).await).await;
    let mut tx = store.begin().await.unwrap();
    let err = tx
        .insert_user(scope, &user(scope, "x@contoso.com", "X"), "Renew456*")
        .await;
    assert!(err.is_err(), "a plaintext password must be refused by the schema");
}

pub async fn role_memberships_follow_the_user_life_cycle(store: &dyn Store) {
    let scope = customer(store, partner(store).await).await;
    let admin = tenantdesk_domain::DIRECTORY_ROLES[0].id;
    let helpdesk = tenantdesk_domain::DIRECTORY_ROLES[2].id;
    let mut users = Vec::new();
    for i in 0..5 {
        let u = user(scope, &format!("member{i}@contoso.com"), "Member");
        insert(store, scope, &u).await.unwrap();
        users.push(u);
    }
    let now = Utc::now();
    let mut tx = store.begin().await.unwrap();
    for u in &users {
        tx.add_role_member(scope, helpdesk, u.id, now).await.unwrap();
    }
    tx.add_role_member(scope, admin, users[0].id, now).await.unwrap();
    let err = tx.add_role_member(scope, admin, users[0].id, now).await.unwrap_err();
    assert!(err.is_conflict(Conflict::RoleMember), "{err:?}");
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    for u in &users {
        tx.add_role_member(scope, helpdesk, u.id, now).await.unwrap();
    }
    tx.add_role_member(scope, admin, users[0].id, now).await.unwrap();
    tx.commit().await.unwrap();

    let mut roles = store.user_roles(scope, users[0].id).await.unwrap();
    roles.sort();
    let mut want = vec![admin, helpdesk];
    want.sort();
    assert_eq!(roles, want);
    let other_partner = CustomerScope {
        partner: partner(store).await,
        customer: scope.customer,
    };
    assert!(store.user_roles(other_partner, users[0].id).await.unwrap().is_empty());

    // A page's roles in one query, scoped like the rest.
    let page: Vec<UserId> = users.iter().take(2).map(|u| u.id).collect();
    let mut pairs = store.roles_of_users(scope, &page).await.unwrap();
    pairs.sort();
    let mut want = vec![(users[0].id, admin), (users[0].id, helpdesk), (users[1].id, helpdesk)];
    want.sort();
    assert_eq!(pairs, want);
    assert!(store.roles_of_users(other_partner, &page).await.unwrap().is_empty());
    assert!(store.roles_of_users(scope, &[]).await.unwrap().is_empty());

    // Members page by user id.
    let first = store.role_members(scope, helpdesk, None, 3).await.unwrap();
    let rest = store
        .role_members(scope, helpdesk, first.last().map(|u| u.id), 3)
        .await
        .unwrap();
    let mut seen: Vec<UserId> = first.iter().chain(&rest).map(|u| u.id).collect();
    assert_eq!(seen.len(), 5);
    seen.dedup();
    assert_eq!(seen.len(), 5);

    // A deleted user keeps its roles but is not listed as a member; purging it removes them.
    let mut deleted = users[1].clone();
    deleted.delete(now - TimeDelta::days(40));
    let mut tx = store.begin().await.unwrap();
    tx.update_user(scope, &deleted, None).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.user_roles(scope, deleted.id).await.unwrap(), vec![helpdesk]);
    assert_eq!(store.role_members(scope, helpdesk, None, 100).await.unwrap().len(), 4);
    let mut tx = store.begin().await.unwrap();
    assert!(
        tx.purge_user(scope, deleted.id, now - TimeDelta::days(30))
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    assert!(store.user_roles(scope, deleted.id).await.unwrap().is_empty());

    let mut tx = store.begin().await.unwrap();
    assert!(tx.remove_role_member(scope, admin, users[0].id).await.unwrap());
    assert!(!tx.remove_role_member(scope, admin, users[0].id).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(store.user_roles(scope, users[0].id).await.unwrap(), vec![helpdesk]);
}

/// A query of every record from `from` to `to`, unfiltered, up to 100 at a time.
fn every_record_between(from: chrono::DateTime<Utc>, to: chrono::DateTime<Utc>) -> AuditQuery {
    AuditQuery {
        from,
        to,
        customer: None,
        resource: None,
        operation: None,
        correlation_id: None,
        after: None,
        limit: 100,
    }
}

pub async fn audit_records_are_found_by_filter_newest_first(store: &dyn Store) {
    let scope = customer(store, partner(store).await).await;
    let other = customer(store, scope.partner).await;
    let now = Utc::now();
    let mut tx = store.begin().await.unwrap();
    let mut written = Vec::new();
    for i in 0..6_i64 {
        let record = AuditRecord {
            customer: Some(if i % 2 == 0 { scope.customer } else { other.customer }),
            resource: Some(format!("user-{}", i % 3)),
            correlation_id: Some(if i < 3 { "first".to_owned() } else { "second".to_owned() }),
            request_id: Some(format!("request-{i}")),
            outcome: if i == 5 { Outcome::Failure } else { Outcome::Success },
            ..AuditRecord::new(
                scope.partner,
                "agent@fabrikam.com",
                Operation::ALL[i as usize].clone(),
                now - TimeDelta::minutes(10 - i),
            )
        };
        tx.insert_audit(&record).await.unwrap();
        written.push(record);
    }
    tx.commit().await.unwrap();

    let all = every_record_between(now - TimeDelta::hours(1), now + TimeDelta::seconds(1));
    let read = store.audit_records(scope.partner, &all).await.unwrap();
    let mut want = written.clone();
    want.reverse();
    let normalise = |records: Vec<AuditRecord>| -> Vec<(uuid::Uuid, Operation, Outcome, Option<String>)> {
        records
            .into_iter()
            .map(|r| (r.id, r.operation, r.outcome, r.request_id))
            .collect()
    };
    assert_eq!(normalise(read), normalise(want), "newest first, every field kept");

    let count = |query: AuditQuery| async move { store.audit_records(scope.partner, &query).await.unwrap().len() };
    assert_eq!(
        count(AuditQuery {
            customer: Some(scope.customer),
            ..all.clone()
        })
        .await,
        3
    );
    assert_eq!(
        count(AuditQuery {
            resource: Some("user-1".to_owned()),
            ..all.clone()
        })
        .await,
        2
    );
    assert_eq!(
        count(AuditQuery {
            operation: Some(Operation::ALL[2].clone()),
            ..all.clone()
        })
        .await,
        1
    );
    assert_eq!(
        count(AuditQuery {
            correlation_id: Some("second".to_owned()),
            ..all.clone()
        })
        .await,
        3
    );
    assert_eq!(
        count(AuditQuery {
            from: now - TimeDelta::minutes(7),
            ..all.clone()
        })
        .await,
        3
    );
    assert_eq!(
        count(AuditQuery {
            to: now - TimeDelta::minutes(8),
            ..all.clone()
        })
        .await,
        2
    );
    let other_partner = partner(store).await;
    assert!(store.audit_records(other_partner, &all).await.unwrap().is_empty());

    // Keyset pages.
    let first = store
        .audit_records(
            scope.partner,
            &AuditQuery {
                limit: 4,
                ..all.clone()
            },
        )
        .await
        .unwrap();
    let last = first.last().unwrap();
    let rest = store
        .audit_records(
            scope.partner,
            &AuditQuery {
                after: Some((last.at, last.id)),
                ..all.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(first.len() + rest.len(), 6);
    assert!(rest.iter().all(|r| !first.iter().any(|f| f.id == r.id)));

    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.delete_audit_before(now - TimeDelta::minutes(7)).await.unwrap(), 3);
    tx.commit().await.unwrap();
    assert_eq!(count(all.clone()).await, 3);
}

pub async fn audit_records_of_the_same_instant_list_newest_first_as_made(store: &dyn Store) {
    let scope = customer(store, partner(store).await).await;
    // Whole milliseconds: the same instant on both stores.
    let at = chrono::DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
    let mut made = Vec::new();
    for i in 0..20 {
        let record = AuditRecord {
            resource: Some(format!("user-{i}")),
            ..AuditRecord::new(scope.partner, "agent@fabrikam.com", Operation::CreateCustomerUser, at)
        };
        let mut tx = store.begin().await.unwrap();
        tx.insert_audit(&record).await.unwrap();
        tx.commit().await.unwrap();
        made.push(record.resource.unwrap());
    }
    let query = every_record_between(at - TimeDelta::seconds(1), at + TimeDelta::seconds(1));
    let listed: Vec<String> = store
        .audit_records(scope.partner, &query)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.resource.unwrap())
        .collect();
    made.reverse();
    assert_eq!(listed, made);

    // Pages of 7 that start after the last record of the page before, all of the same instant.
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .audit_records(
                scope.partner,
                &AuditQuery {
                    after,
                    limit: 7,
                    ..query.clone()
                },
            )
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.at, last.id));
        paged.extend(page.into_iter().map(|r| r.resource.unwrap()));
    }
    assert_eq!(paged, made);
}

fn agent_value(partner: PartnerId, upn: &str, role: AgentRole) -> AgentAccount {
    // Whole milliseconds: what both stores keep exactly.
    let now = chrono::DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
    AgentAccount {
        id: uuid::Uuid::new_v4(),
        partner,
        upn: UserPrincipalName::parse(upn).unwrap(),
        role,
        must_change_password: true,
        created_at: now,
        password_changed_at: now,
    }
}

/// A record a newer version wrote, with an operation and an outcome this build does not know
/// (two versions share the database during a rolling upgrade), reads back as it was stored.
pub async fn audit_records_a_newer_version_wrote_read_as_stored(store: &dyn Store) {
    let scope = customer(store, partner(store).await).await;
    let at = chrono::DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
    let record = AuditRecord {
        customer: Some(scope.customer),
        outcome: Outcome::Other("partial".into()),
        ..AuditRecord::new(
            scope.partner,
            "agent@fabrikam.com",
            Operation::Other("GrantAdminConsent".into()),
            at,
        )
    };
    let mut tx = store.begin().await.unwrap();
    tx.insert_audit(&record).await.unwrap();
    tx.commit().await.unwrap();
    let query = every_record_between(at - TimeDelta::seconds(1), at + TimeDelta::seconds(1));
    let listed = store.audit_records(scope.partner, &query).await.unwrap();
    assert_eq!(listed, [record]);
}

async fn insert_agent(store: &dyn Store, agent: &AgentAccount, hash: &str) -> tenantdesk_store::Result<()> {
    let mut tx = store.begin().await?;
    tx.insert_agent(agent, hash).await?;
    tx.commit().await
}

/// A time both stores keep exactly (whole milliseconds).
fn millis(at: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
    chrono::DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap()
}

pub async fn agents_round_trip_with_unique_upns_across_partners(store: &dyn Store) {
    let (p, q) = (partner(store).await, partner(store).await);
    let ana = agent_value(p, "Ana.Admin@Fabrikam.example", AgentRole::AdminAgent);
    insert_agent(store, &ana, HASH).await.unwrap();
    assert_eq!(
        store.agent("ana.admin@fabrikam.example").await.unwrap(),
        Some(ana.clone())
    );
    assert_eq!(
        store.agent("ANA.ADMIN@FABRIKAM.EXAMPLE").await.unwrap(),
        Some(ana.clone()),
        "found in any case, kept as written"
    );
    assert_eq!(store.agent("nobody@fabrikam.example").await.unwrap(), None);
    // The Kelvin sign lowercases to an ASCII k in Unicode; a UPN is ASCII, so it names no agent.
    let kelvin = agent_value(p, "kim@fabrikam.example", AgentRole::SalesAgent);
    insert_agent(store, &kelvin, HASH).await.unwrap();
    assert_eq!(store.agent("\u{212A}im@fabrikam.example").await.unwrap(), None);

    // The same UPN in another case, for this partner or another, is taken.
    for (partner, upn) in [(p, "ana.admin@fabrikam.example"), (q, "ANA.ADMIN@fabrikam.EXAMPLE")] {
        let err = insert_agent(store, &agent_value(partner, upn, AgentRole::SalesAgent), HASH)
            .await
            .unwrap_err();
        assert!(err.is_conflict(Conflict::AgentUpn), "{err:?}");
    }
    // An agent's hash is an Argon2id PHC string, like a user's.
    let err = insert_agent(
        store,
        &agent_value(p, "plain@fabrikam.example", AgentRole::SalesAgent),
        "Renew456*",
    )
    .await;
    assert!(err.is_err(), "a plaintext password must be refused by the schema");

    // Listed per partner, by UPN; the hash only through agent_password_hash.
    let ben = agent_value(p, "ben@fabrikam.example", AgentRole::HelpdeskAgent);
    insert_agent(store, &ben, HASH).await.unwrap();
    let theirs = agent_value(q, "zoe@northwind.example", AgentRole::AdminAgent);
    insert_agent(store, &theirs, HASH).await.unwrap();
    assert_eq!(store.agents(p).await.unwrap(), vec![ana.clone(), ben.clone(), kelvin]);
    assert_eq!(store.agents(q).await.unwrap(), vec![theirs]);
    assert!(store.agents(partner(store).await).await.unwrap().is_empty());
    assert_eq!(store.agent_password_hash(ben.id).await.unwrap().as_deref(), Some(HASH));
    assert_eq!(store.agent_password_hash(uuid::Uuid::new_v4()).await.unwrap(), None);

    // A new password: its hash, whether it is one-time, when it was set.
    let other_hash = "$argon2id$v=19$m=19456,t=2,p=1$b3RoZXJzYWx0$b3RoZXJoYXNob3RoZXJoYXNo";
    let later = millis(Utc::now() + TimeDelta::minutes(5));
    let mut tx = store.begin().await.unwrap();
    tx.set_agent_password(ana.id, other_hash, false, later).await.unwrap();
    tx.commit().await.unwrap();
    let changed = store.agent(ana.upn.as_str()).await.unwrap().unwrap();
    assert_eq!(
        changed,
        AgentAccount {
            must_change_password: false,
            password_changed_at: later,
            ..ana.clone()
        }
    );
    assert_eq!(
        store.agent_password_hash(ana.id).await.unwrap().as_deref(),
        Some(other_hash)
    );
    assert_eq!(
        store.agent_password_hash(ben.id).await.unwrap().as_deref(),
        Some(HASH),
        "only hers"
    );

    // Removed, its UPN is free again.
    let mut tx = store.begin().await.unwrap();
    assert!(tx.delete_agent(ana.id).await.unwrap());
    assert!(!tx.delete_agent(ana.id).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(store.agent(ana.upn.as_str()).await.unwrap(), None);
    assert_eq!(store.agent_password_hash(ana.id).await.unwrap(), None);
    insert_agent(
        store,
        &agent_value(q, "ana.admin@fabrikam.example", AgentRole::SalesAgent),
        HASH,
    )
    .await
    .unwrap();
}

pub async fn sessions_are_found_by_hash_touched_and_ended(store: &dyn Store) {
    let p = partner(store).await;
    let ana = agent_value(p, "ana@fabrikam.example", AgentRole::AdminAgent);
    let ben = agent_value(p, "ben@fabrikam.example", AgentRole::SalesAgent);
    insert_agent(store, &ana, HASH).await.unwrap();
    insert_agent(store, &ben, HASH).await.unwrap();
    let start = millis(Utc::now());
    let mut tx = store.begin().await.unwrap();
    tx.insert_session("hash-a1", ana.id, start).await.unwrap();
    tx.insert_session("hash-a2", ana.id, start).await.unwrap();
    tx.insert_session("hash-b1", ben.id, start).await.unwrap();
    let err = tx.insert_session("hash-a1", ben.id, start).await.unwrap_err();
    assert!(err.is_conflict(Conflict::Id), "{err:?}");
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    tx.insert_session("hash-a1", ana.id, start).await.unwrap();
    tx.insert_session("hash-a2", ana.id, start).await.unwrap();
    tx.insert_session("hash-b1", ben.id, start).await.unwrap();
    tx.commit().await.unwrap();

    let read = store.session("hash-a1").await.unwrap().unwrap();
    assert_eq!(read.agent, ana);
    assert_eq!((read.created_at, read.last_seen_at), (start, start));
    assert_eq!(
        store.session("HASH-A1").await.unwrap(),
        None,
        "a hash is matched exactly"
    );
    assert_eq!(store.session("nothing").await.unwrap(), None);

    // Touching moves its last use only.
    let later = millis(start + TimeDelta::minutes(10));
    let mut tx = store.begin().await.unwrap();
    tx.touch_session("hash-a1", later).await.unwrap();
    tx.commit().await.unwrap();
    let read = store.session("hash-a1").await.unwrap().unwrap();
    assert_eq!((read.created_at, read.last_seen_at), (start, later));
    assert_eq!(store.session("hash-a2").await.unwrap().unwrap().last_seen_at, start);

    // The agent the session names is read as it is now.
    let mut tx = store.begin().await.unwrap();
    tx.set_agent_password(ana.id, HASH, false, later).await.unwrap();
    tx.commit().await.unwrap();
    assert!(
        !store
            .session("hash-a1")
            .await
            .unwrap()
            .unwrap()
            .agent
            .must_change_password
    );

    // One ends; then every one of an agent; then the agent with its last sessions.
    let mut tx = store.begin().await.unwrap();
    assert!(tx.delete_session("hash-a2").await.unwrap());
    assert!(!tx.delete_session("hash-a2").await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(store.session("hash-a2").await.unwrap(), None);
    assert!(store.session("hash-a1").await.unwrap().is_some());

    let mut tx = store.begin().await.unwrap();
    tx.insert_session("hash-a3", ana.id, start).await.unwrap();
    assert_eq!(tx.delete_agent_sessions(ana.id).await.unwrap(), 2);
    tx.commit().await.unwrap();
    assert_eq!(store.session("hash-a1").await.unwrap(), None);
    assert_eq!(store.session("hash-a3").await.unwrap(), None);
    assert!(
        store.session("hash-b1").await.unwrap().is_some(),
        "another agent's stays"
    );

    let mut tx = store.begin().await.unwrap();
    tx.insert_session("hash-b2", ben.id, start).await.unwrap();
    assert!(tx.delete_agent(ben.id).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(store.session("hash-b1").await.unwrap(), None);
    assert_eq!(store.session("hash-b2").await.unwrap(), None);
}

pub async fn sessions_past_their_limits_are_forgotten(store: &dyn Store) {
    let p = partner(store).await;
    let ana = agent_value(p, "ana@fabrikam.example", AgentRole::AdminAgent);
    insert_agent(store, &ana, HASH).await.unwrap();
    let now = millis(Utc::now());
    let idle = TimeDelta::minutes(30);
    let absolute = TimeDelta::hours(12);
    let mut tx = store.begin().await.unwrap();
    // (hash, began, last used)
    let sessions = [
        ("fresh", now - TimeDelta::hours(1), now - TimeDelta::minutes(1)),
        ("idle", now - TimeDelta::hours(1), now - TimeDelta::minutes(31)),
        ("just-idle", now - TimeDelta::hours(1), now - idle),
        ("old", now - TimeDelta::hours(13), now - TimeDelta::minutes(1)),
        ("just-old", now - absolute, now),
    ];
    for (hash, began, used) in sessions {
        tx.insert_session(hash, ana.id, began).await.unwrap();
        tx.touch_session(hash, used).await.unwrap();
    }
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.delete_sessions_before(now - idle, now - absolute).await.unwrap(), 2);
    tx.commit().await.unwrap();
    for (hash, kept) in [
        ("fresh", true),
        ("idle", false),
        ("just-idle", true),
        ("old", false),
        ("just-old", true),
    ] {
        assert_eq!(store.session(hash).await.unwrap().is_some(), kept, "{hash}");
    }
}

pub async fn failed_sign_ins_are_counted_in_a_window_and_locked(store: &dyn Store) {
    let window = TimeDelta::minutes(15);
    let start = millis(Utc::now());
    let count = |subject: &'static str, at: chrono::DateTime<Utc>| async move {
        let mut tx = store.begin().await.unwrap();
        let counted = tx.count_sign_in_failure(subject, at, at - window).await.unwrap();
        tx.commit().await.unwrap();
        counted
    };
    assert_eq!(store.sign_in_failures("agent:1").await.unwrap(), None);
    for (i, minutes) in [0, 5, 10].into_iter().enumerate() {
        let at = start + TimeDelta::minutes(minutes);
        let counted = count("agent:1", at).await;
        assert_eq!(
            counted,
            SignInFailures {
                failures: u32::try_from(i).unwrap() + 1,
                last_failure_at: at,
                locked_until: None,
            }
        );
    }
    assert_eq!(
        count("address:192.0.2.7", start).await.failures,
        1,
        "each subject apart"
    );
    assert_eq!(store.sign_in_failures("agent:1").await.unwrap().unwrap().failures, 3);

    // Locked: the count goes on, the lock stays until it is cleared.
    let until = start + TimeDelta::minutes(25);
    let mut tx = store.begin().await.unwrap();
    tx.lock_sign_in("agent:1", until).await.unwrap();
    tx.commit().await.unwrap();
    let read = store.sign_in_failures("agent:1").await.unwrap().unwrap();
    assert_eq!(read.locked_until, Some(until));
    let at = start + TimeDelta::minutes(20);
    assert_eq!(
        count("agent:1", at).await,
        SignInFailures {
            failures: 4,
            last_failure_at: at,
            locked_until: Some(until),
        }
    );

    // A failure more than a window after the last one starts the count again.
    let at = start + TimeDelta::minutes(36);
    assert_eq!(count("agent:1", at).await.failures, 1);
    assert_eq!(count("agent:1", at + TimeDelta::seconds(1)).await.failures, 2);

    let mut tx = store.begin().await.unwrap();
    tx.clear_sign_in_failures("agent:1").await.unwrap();
    tx.clear_sign_in_failures("agent:never").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.sign_in_failures("agent:1").await.unwrap(), None);
    assert_eq!(
        store
            .sign_in_failures("address:192.0.2.7")
            .await
            .unwrap()
            .unwrap()
            .failures,
        1,
        "another subject's count stays"
    );
    assert_eq!(count("agent:1", at).await.failures, 1);

    // Housekeeping forgets the subjects whose failures no longer count nor lock.
    let later = start + TimeDelta::hours(1);
    let mut tx = store.begin().await.unwrap();
    tx.count_sign_in_failure("recent", later, later - window).await.unwrap();
    tx.count_sign_in_failure("locked", start, start - window).await.unwrap();
    tx.lock_sign_in("locked", later + TimeDelta::minutes(1)).await.unwrap();
    tx.count_sign_in_failure("was-locked", start, start - window)
        .await
        .unwrap();
    tx.lock_sign_in("was-locked", start + TimeDelta::minutes(15))
        .await
        .unwrap();
    assert_eq!(
        tx.delete_sign_in_failures_before(later - window, later).await.unwrap(),
        3,
        "agent:1, the address and was-locked"
    );
    tx.commit().await.unwrap();
    for (subject, kept) in [
        ("agent:1", false),
        ("address:192.0.2.7", false),
        ("was-locked", false),
        ("recent", true),
        ("locked", true),
    ] {
        assert_eq!(
            store.sign_in_failures(subject).await.unwrap().is_some(),
            kept,
            "{subject}"
        );
    }
}
