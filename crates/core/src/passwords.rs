//! Argon2id password hashing, on blocking threads and never on the async runtime.

use std::sync::Arc;

use anyhow::Context as _;
use argon2::password_hash::PasswordHasher as _;
use argon2::{Algorithm, Argon2, Params, PasswordVerifier as _, Version};
use tenantdesk_domain::Password;
use tokio::sync::Semaphore;

/// Argon2id's cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl HashCost {
    /// OWASP's recommended minimum for Argon2id (m=19456 KiB, t=2, p=1): the default.
    pub const OWASP: Self = Self {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
    };
}

impl Default for HashCost {
    fn default() -> Self {
        Self::OWASP
    }
}

/// Hashes passwords with Argon2id on tokio's blocking pool. At most one hash per core runs at
/// once, which bounds the memory hashing uses (19 MiB each) under a burst of requests; further
/// requests wait their turn without holding a thread.
#[derive(Clone, Debug)]
pub struct PasswordHasher {
    cost: HashCost,
    permits: Arc<Semaphore>,
}

impl PasswordHasher {
    /// A hasher with `cost`, allowing as many hashes at once as the machine has cores.
    pub fn new(cost: HashCost) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self {
            cost,
            permits: Arc::new(Semaphore::new(cores)),
        }
    }

    fn argon2(cost: HashCost) -> anyhow::Result<Argon2<'static>> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| anyhow::anyhow!("invalid Argon2 parameters: {e}"))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// The PHC string (`$argon2id$v=19$m=…`) of `password`, with a fresh random salt.
    pub async fn hash(&self, password: &Password) -> anyhow::Result<String> {
        let _permit = self.permits.acquire().await.context("the password hasher was closed")?;
        let password = password.clone();
        let cost = self.cost;
        tokio::task::spawn_blocking(move || hash_blocking(cost, &password))
            .await
            .context("the password hashing task failed")?
    }

    /// Hashes several passwords at once, spread over the blocking pool (one per core at a time).
    pub async fn hash_all(&self, passwords: &[Password]) -> anyhow::Result<Vec<String>> {
        futures::future::try_join_all(passwords.iter().map(|p| self.hash(p))).await
    }
}

/// Hashes `password` on the calling thread: for blocking contexts only (the hasher's tasks, and
/// the benchmark's baseline).
pub fn hash_blocking(cost: HashCost, password: &Password) -> anyhow::Result<String> {
    let hash = PasswordHasher::argon2(cost)?
        .hash_password(password.expose().as_bytes())
        .map_err(|e| anyhow::anyhow!("failed to hash a password: {e}"))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `hash`.
pub fn verify(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}
