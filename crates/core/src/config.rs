//! How the use cases behave: the settings the binary makes from its flags ([`Config`]), the
//! console's sign-in throttling ([`SignInPolicy`]) among them.

use std::time::Duration;

use chrono::TimeDelta;

use crate::passwords::HashCost;

/// How the use cases behave.
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
    /// How failed console sign-ins are slowed and refused.
    pub sign_in: SignInPolicy,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            retention_days: 30,
            audit_retention_days: 365,
            hash_cost: HashCost::OWASP,
            purge_interval: Duration::from_secs(3600),
            sign_in: SignInPolicy::default(),
        }
    }
}

/// How failed sign-ins are slowed and then refused.
#[derive(Clone, Debug)]
pub struct SignInPolicy {
    /// Failures further apart than this start the count again.
    pub window: TimeDelta,
    /// Failures answered at once; each further one is answered `delay_step` later than the last.
    pub slow_after: u32,
    /// How much slower each further failure is answered.
    pub delay_step: Duration,
    /// The slowest a failure is answered.
    pub max_delay: Duration,
    /// Failures of one username after which its sign-ins are refused for `lock_for`.
    pub lock_after: u32,
    /// Failures from one client address after which its sign-ins are refused for `lock_for`.
    pub address_lock_after: u32,
    /// How long sign-ins stay refused.
    pub lock_for: TimeDelta,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        Self {
            window: TimeDelta::minutes(15),
            slow_after: 3,
            delay_step: Duration::from_secs(1),
            max_delay: Duration::from_secs(5),
            lock_after: 10,
            address_lock_after: 50,
            lock_for: TimeDelta::minutes(15),
        }
    }
}
