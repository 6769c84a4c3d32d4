//! The use cases' integration tests, on a SQLite store in a temporary directory, with a cheap
//! Argon2 cost, no sign-in delays and a clock the tests move forward.

// Tests unwrap freely: a failed unwrap is a failed test, with the value in its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agents;
mod sessions;

use std::sync::Arc;
use std::time::Duration;

use chrono::{SubsecRound, TimeDelta};
use tenantdesk_core::agents::WithPassword;
use tenantdesk_core::clock::ShiftedClock;
use tenantdesk_core::passwords::HashCost;
use tenantdesk_core::sessions::SignInPolicy;
use tenantdesk_core::{App, Config, RequestIds, admin};
use tenantdesk_domain::{AgentAccount, AgentRole, AuditRecord, CompanyName, PartnerId, UserPrincipalName};
use tenantdesk_sqlite::SqliteStore;
use tenantdesk_store::{AuditQuery, Store};

/// The failures after which a username is locked out in these tests.
const LOCK_AFTER: u32 = 3;
/// The failures after which a client address is locked out in these tests.
const ADDRESS_LOCK_AFTER: u32 = 5;

/// An application on a fresh SQLite database, with one partner.
struct TestApp {
    app: App,
    /// The store under the application, for what a test reads behind its back.
    store: Arc<dyn Store>,
    clock: Arc<ShiftedClock>,
    partner: PartnerId,
    dir: tempfile::TempDir,
}

async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tenantdesk.db").display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&url).await.unwrap());
    store.migrate().await.unwrap();
    let config = Config {
        hash_cost: HashCost {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        },
        sign_in: SignInPolicy {
            delay_step: Duration::ZERO,
            max_delay: Duration::ZERO,
            lock_after: LOCK_AFTER,
            address_lock_after: ADDRESS_LOCK_AFTER,
            ..SignInPolicy::default()
        },
        ..Config::default()
    };
    let clock = Arc::new(ShiftedClock::default());
    let app = App::with_clock(store.clone(), config, clock.clone());
    let partner = admin::create_partner(&app, CompanyName::parse("Fabrikam CSP").unwrap(), None)
        .await
        .unwrap()
        .id;
    TestApp {
        app,
        store,
        clock,
        partner,
        dir,
    }
}

impl TestApp {
    /// A new agent of the partner, with its one-time password.
    async fn agent(&self, upn: &str, role: AgentRole) -> WithPassword {
        tenantdesk_core::agents::create(&self.app, self.partner, UserPrincipalName::parse(upn).unwrap(), role)
            .await
            .unwrap()
    }

    /// The partner's audit records, oldest first.
    async fn audit(&self) -> Vec<AuditRecord> {
        let now = self.app.now();
        let query = AuditQuery {
            from: now - TimeDelta::days(2),
            to: now + TimeDelta::seconds(1),
            customer: None,
            resource: None,
            operation: None,
            correlation_id: None,
            after: None,
            limit: 1000,
        };
        let mut records = self.store.audit_records(self.partner, &query).await.unwrap();
        records.reverse();
        records
    }
}

/// `agent` as the store gives it back: times to the millisecond.
fn stored(agent: &AgentAccount) -> AgentAccount {
    AgentAccount {
        created_at: agent.created_at.trunc_subsecs(3),
        password_changed_at: agent.password_changed_at.trunc_subsecs(3),
        ..agent.clone()
    }
}

fn ids() -> RequestIds {
    RequestIds::generate()
}
