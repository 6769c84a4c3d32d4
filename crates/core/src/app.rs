//! The application: the store, the hasher and the clock every use case works with.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tenantdesk_domain::{Customer, CustomerId};
use tenantdesk_store::{CustomerScope, Store};

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::passwords::PasswordHasher;
use crate::{Caller, Error};

/// What every use case works with; cheap to clone.
#[derive(Clone, Debug)]
pub struct App(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    store: Arc<dyn Store>,
    passwords: PasswordHasher,
    clock: Arc<dyn Clock>,
    config: Config,
    /// The hash an unknown username's password is checked against, made on first use.
    unknown_user_hash: tokio::sync::OnceCell<String>,
}

impl App {
    /// The application on `store` with the system clock.
    pub fn new(store: Arc<dyn Store>, config: Config) -> Self {
        Self::with_clock(store, config, Arc::new(SystemClock))
    }

    /// The application with another clock (tests move it forward).
    pub fn with_clock(store: Arc<dyn Store>, config: Config, clock: Arc<dyn Clock>) -> Self {
        let passwords = PasswordHasher::new(config.hash_cost);
        Self(Arc::new(Inner {
            store,
            passwords,
            clock,
            config,
            unknown_user_hash: tokio::sync::OnceCell::new(),
        }))
    }

    /// The store: for the use cases only, so a front end reaches data through them.
    pub(crate) fn store(&self) -> &dyn Store {
        self.0.store.as_ref()
    }

    /// The password hasher.
    pub fn passwords(&self) -> &PasswordHasher {
        &self.0.passwords
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// The hash an unknown username's password is checked against (see `sessions`).
    pub(crate) fn unknown_user_hash(&self) -> &tokio::sync::OnceCell<String> {
        &self.0.unknown_user_hash
    }

    /// Now, by the application's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }

    /// The scope of the caller's partner and customer `id`, unchecked: a query in it finds
    /// nothing unless the customer is the partner's (every row of customer data carries both).
    pub(crate) fn scope_of(&self, caller: &Caller, id: CustomerId) -> CustomerScope {
        CustomerScope {
            partner: caller.principal.partner,
            customer: id,
        }
    }

    /// The caller's customer `id`, or 404 whether it does not exist or belongs to another partner.
    pub(crate) async fn customer_of(
        &self,
        caller: &Caller,
        id: CustomerId,
    ) -> Result<(Customer, CustomerScope), Error> {
        let partner = caller.principal.partner;
        let customer = self
            .store()
            .customer(partner, id)
            .await?
            .ok_or(Error::CustomerNotFound)?;
        Ok((customer, CustomerScope { partner, customer: id }))
    }
}
