//! The storage conformance suite: every test runs against each store implementation, through
//! the `Store` trait only, so the implementations cannot drift apart.

// Tests unwrap freely: a failed unwrap is a failed test, with the value in its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod conformance;

use tenantdesk_postgres::testing::TestDatabase;
use tenantdesk_postgres::{PostgresOptions, PostgresStore};
use tenantdesk_sqlite::SqliteStore;
use tenantdesk_store::Store;

/// A migrated SQLite store in a fresh temporary directory (kept alive by the returned guard).
async fn sqlite() -> (Box<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let store = SqliteStore::open(&url).await.expect("open sqlite store");
    store.migrate().await.expect("migrate");
    (Box::new(store), dir)
}

/// A migrated PostgreSQL store on a database of its own, or `None` when no server is configured.
async fn postgres(test: &str) -> Option<(Box<dyn Store>, TestDatabase)> {
    let database = TestDatabase::create(test).await?;
    let store = PostgresStore::open(&database.url, &PostgresOptions::default())
        .await
        .expect("open postgres store");
    store.migrate().await.expect("migrate");
    Some((Box::new(store), database))
}

macro_rules! conformance_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite_store {
            $(
                #[tokio::test]
                async fn $name() {
                    let (store, _dir) = super::sqlite().await;
                    super::conformance::$name(store.as_ref()).await;
                }
            )*
        }
        mod postgres_store {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some((store, _database)) = super::postgres(stringify!($name)).await else { return };
                    super::conformance::$name(store.as_ref()).await;
                }
            )*
        }
    };
}

conformance_tests!(
    migrations_are_idempotent,
    customers_are_scoped_to_their_partner,
    a_domain_belongs_to_one_customer,
    users_round_trip_and_stay_in_scope,
    lookups_at_once_each_get_their_own_user_in_scope,
    active_upns_are_unique_case_insensitively,
    dropping_a_transaction_rolls_it_back,
    keyset_pages_cover_every_user_once_in_order,
    a_search_finds_users_by_upn_or_display_name_in_any_case_page_by_page,
    deleted_users_are_listed_apart_and_purged_after_the_cutoff,
    responses_are_recorded_once_and_expire,
    settings_keep_their_first_value,
    only_argon2id_hashes_are_stored,
    role_memberships_follow_the_user_life_cycle,
    audit_records_are_found_by_filter_newest_first,
    audit_records_of_the_same_instant_list_newest_first_as_made,
    audit_records_a_newer_version_wrote_read_as_stored,
    agents_round_trip_with_unique_upns_across_partners,
    sessions_are_found_by_hash_touched_and_ended,
    sessions_past_their_limits_are_forgotten,
    failed_sign_ins_are_counted_in_a_window_and_locked,
);
