//! The application: the store, the keys, the hasher and the clock every use case works with.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tenantdesk_domain::{Customer, CustomerId};
use tenantdesk_store::{CustomerScope, Store};

use crate::AppError;
use crate::auth::{Caller, TokenKeys};
use crate::clock::{Clock, SystemClock};
use crate::passwords::{HashCost, PasswordHasher};

/// How the service runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Days a soft-deleted user is kept before the purge removes it.
    pub retention_days: u32,
    /// Days audit records are kept (the only way they are ever removed).
    pub audit_retention_days: u32,
    /// Argon2id cost.
    pub hash_cost: HashCost,
    /// How often the background purge runs.
    pub purge_interval: Duration,
    /// This instance's `MS-ServerId`.
    pub server_id: String,
    /// Connection timeouts and limits, and the rate limit.
    pub limits: crate::http::Limits,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            retention_days: 30,
            audit_retention_days: 365,
            hash_cost: HashCost::OWASP,
            purge_interval: Duration::from_secs(3600),
            server_id: (rand::random::<u32>() % 900_000_000 + 100_000_000).to_string(),
            limits: crate::http::Limits::default(),
        }
    }
}

/// The application state shared by every request; cheap to clone.
#[derive(Clone, Debug)]
pub struct App(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    store: Arc<dyn Store>,
    tokens: TokenKeys,
    paging_key: Vec<u8>,
    passwords: PasswordHasher,
    clock: Arc<dyn Clock>,
    config: Config,
}

impl App {
    /// The application on `store` with the system clock. Loads (or creates) the token key.
    pub async fn new(store: Arc<dyn Store>, config: Config) -> anyhow::Result<Self> {
        Self::with_clock(store, config, Arc::new(SystemClock)).await
    }

    /// The application with another clock (tests move it forward).
    pub async fn with_clock(store: Arc<dyn Store>, config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let tokens = TokenKeys::load(store.as_ref()).await?;
        let paging_key = tokens.derive_key("continuation-token")?;
        let passwords = PasswordHasher::new(config.hash_cost);
        Ok(Self(Arc::new(Inner {
            store,
            tokens,
            paging_key,
            passwords,
            clock,
            config,
        })))
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.0.store.as_ref()
    }

    /// The token keys.
    pub fn tokens(&self) -> &TokenKeys {
        &self.0.tokens
    }

    /// The key continuation tokens are signed with.
    pub(crate) fn paging_key(&self) -> &[u8] {
        &self.0.paging_key
    }

    /// The password hasher.
    pub fn passwords(&self) -> &PasswordHasher {
        &self.0.passwords
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// Now, by the application's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }

    /// The caller's customer `id`, or 404 whether it does not exist or belongs to another partner.
    pub async fn customer_of(&self, caller: &Caller, id: CustomerId) -> Result<(Customer, CustomerScope), AppError> {
        let partner = caller.principal.partner;
        let customer = self
            .store()
            .customer(partner, id)
            .await?
            .ok_or(AppError::CustomerNotFound)?;
        Ok((customer, CustomerScope { partner, customer: id }))
    }
}
