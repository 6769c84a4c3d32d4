//! Argon2id password hashing, on threads of its own and never on the async runtime.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};

use anyhow::Context as _;
use argon2::password_hash::PasswordHasher as _;
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, PasswordVerifier as _, Version};
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

/// Hashes passwords with Argon2id on threads of its own, never on the async runtime: one per
/// core, so at most one hash per core runs at once. Each thread keeps the memory blocks of its
/// hashes (19 MiB at the default cost), allocated at its first hash and reused, so a burst of
/// requests neither raises memory past one set per core nor leaves behind freed-but-kept
/// allocations. Further requests wait their turn without holding a thread.
///
/// Its threads run at a lower CPU priority than the rest of the server (nice +10 on Linux): an
/// upload hashes a hundred passwords on every core, and the reads answered meanwhile queue less
/// behind them; with nothing else to run, hashes still get every core. Checking a password at
/// sign-in ([`PasswordHasher::verify`]) runs on tokio's blocking pool at the normal priority: an
/// agent waits on it, and a flood of cheap requests must not starve it.
#[derive(Clone, Debug)]
pub struct PasswordHasher {
    cost: HashCost,
    permits: Arc<Semaphore>,
    /// Sets of memory blocks allocated by the hashing threads, in all.
    memory_sets: Arc<AtomicUsize>,
    threads: Arc<HashingThreads>,
}

impl PasswordHasher {
    /// A hasher with `cost`, allowing as many hashes at once as the machine has cores.
    pub fn new(cost: HashCost) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self::with_concurrency(cost, cores)
    }

    /// A hasher with `cost` running at most `concurrency` hashes at once.
    pub fn with_concurrency(cost: HashCost, concurrency: usize) -> Self {
        Self {
            cost,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            memory_sets: Arc::new(AtomicUsize::new(0)),
            threads: Arc::new(HashingThreads::new(concurrency.max(1))),
        }
    }

    fn argon2(cost: HashCost) -> anyhow::Result<Argon2<'static>> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| anyhow::anyhow!("invalid Argon2 parameters: {e}"))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// The PHC string (`$argon2id$v=19$m=…`) of `password`, with a fresh random salt.
    pub async fn hash(&self, password: &Password) -> anyhow::Result<String> {
        // The permit goes with the hash itself, not the caller's future: a hash whose request was
        // dropped keeps its core until it ends, so no more than one hash per core ever runs (and
        // no more memory sets than cores are ever allocated).
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .context("the password hasher was closed")?;
        let password = password.clone();
        let cost = self.cost;
        let memory_sets = Arc::clone(&self.memory_sets);
        self.threads
            .run(move |blocks| {
                let _permit = permit;
                let argon2 = Self::argon2(cost)?;
                let count = argon2.params().block_count();
                if blocks.len() != count {
                    memory_sets.fetch_add(1, Ordering::Relaxed);
                    *blocks = vec![Block::new(); count];
                }
                hash_in(&argon2, &password, &rand::random::<[u8; SALT_LEN]>(), blocks)
            })
            .await?
    }

    /// Whether `password` matches the PHC string `hash`, checked on a blocking thread (one per
    /// core at a time, as hashes are): a sign-in costs what a hash costs.
    pub async fn verify(&self, password: String, hash: String) -> anyhow::Result<bool> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .context("the password hasher was closed")?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            verify(&password, &hash)
        })
        .await
        .context("the password checking task failed")
    }

    /// Hashes several passwords at once, spread over the hasher's threads (one per core at a time).
    pub async fn hash_all(&self, passwords: &[Password]) -> anyhow::Result<Vec<String>> {
        futures::future::try_join_all(passwords.iter().map(|p| self.hash(p))).await
    }

    /// How many sets of memory blocks the hasher has allocated in all: at most one per hash
    /// running at once, however many passwords it hashed.
    pub fn memory_sets_allocated(&self) -> usize {
        self.memory_sets.load(Ordering::Relaxed)
    }
}

/// A job for a hashing thread, given the thread's Argon2 blocks (empty until a job fills them).
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// The hasher's threads, as many as hashes may run at once, started at the first hash and ended
/// when the last clone of the hasher is dropped. Each lowers its own CPU priority first, and
/// keeps its Argon2 blocks from one job to the next (Argon2 writes every block before it reads
/// it, so what a previous hash left there does not matter).
#[derive(Debug)]
struct HashingThreads {
    count: usize,
    /// Where the jobs go, once threads are started (none could be: the next hash tries again).
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
}

impl HashingThreads {
    fn new(count: usize) -> Self {
        Self {
            count,
            jobs: Mutex::new(None),
        }
    }

    /// Runs `work` on one of the threads, with its blocks, and waits for its result without
    /// blocking the runtime.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |blocks| {
            // The caller may have gone away: the work is done all the same (it holds its permit).
            let _ = done.send(work(blocks));
        });
        self.send(job)?;
        result.await.context("the password hashing task failed")
    }

    fn send(&self, job: Job) -> anyhow::Result<()> {
        let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        let jobs = match &mut *jobs {
            Some(started) => started,
            None => jobs.insert(Self::start(self.count)?),
        };
        jobs.send(job)
            .map_err(|_| anyhow::anyhow!("the password hashing threads are gone"))
    }

    /// Starts `count` threads, or as many as can be (with a warning), or fails if none can.
    fn start(count: usize) -> anyhow::Result<mpsc::Sender<Job>> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let mut started = 0;
        let mut failure = None;
        for _ in 0..count {
            let queue = Arc::clone(&queue);
            let spawned = std::thread::Builder::new()
                .name("tenantdesk-hash".to_owned())
                .spawn(move || {
                    if let Err(error) = lower_this_threads_priority() {
                        tracing::debug!(%error, "the priority of a hashing thread could not be lowered");
                    }
                    let mut blocks = Vec::new();
                    loop {
                        // The lock is held only while waiting for a job, not while running it.
                        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        let Ok(job) = next else { return }; // The hasher is gone.
                        // A job that panics fails its own hash (its result is dropped), not the thread.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut blocks)));
                    }
                });
            match spawned {
                Ok(_) => started += 1,
                Err(error) => failure = Some(error),
            }
        }
        match failure {
            None => Ok(jobs),
            Some(error) if started == 0 => {
                Err(anyhow::Error::new(error).context("no password hashing thread could be started"))
            }
            Some(error) => {
                tracing::warn!(%error, started, count, "some password hashing threads could not be started");
                Ok(jobs)
            }
        }
    }
}

/// How much lower than the server's other threads a hashing thread's CPU priority is (nice +10:
/// Linux's scheduler gives it about a tenth of the time of a thread at the normal priority when
/// both want the core).
#[cfg(target_os = "linux")]
const HASHING_NICENESS: i32 = 10;

/// Lowers the calling thread's CPU priority by [`HASHING_NICENESS`] (to at most 19) on Linux,
/// where a priority set by thread id is that thread's own; elsewhere it does nothing.
fn lower_this_threads_priority() -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        let thread = Some(rustix::thread::gettid());
        let now = rustix::process::getpriority_process(thread)?;
        rustix::process::setpriority_process(thread, (now + HASHING_NICENESS).min(19))?;
    }
    Ok(())
}

/// The salt length, as `password-hash` recommends.
const SALT_LEN: usize = 16;

/// Hashes `password` with `salt` in `blocks` (Argon2 writes every block before it reads it, so
/// what a previous hash left there does not matter): the same PHC string `hash_password` makes.
fn hash_in(argon2: &Argon2<'_>, password: &Password, salt: &[u8], blocks: &mut [Block]) -> anyhow::Result<String> {
    let failed = |e: &dyn std::fmt::Display| anyhow::anyhow!("failed to hash a password: {e}");
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2
        .hash_password_into_with_memory(password.expose().as_bytes(), salt, &mut output, blocks)
        .map_err(|e| failed(&e))?;
    let hash = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params()).map_err(|e| failed(&e))?,
        salt: Some(Salt::new(salt).map_err(|e| failed(&e))?),
        hash: Some(Output::new(&output).map_err(|e| failed(&e))?),
    };
    Ok(hash.to_string())
}

/// Hashes `password` on the calling thread: for blocking contexts only (the benchmark's
/// baseline).
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

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: HashCost = HashCost {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    fn password(text: &str) -> Password {
        let upn = tenantdesk_domain::UserPrincipalName::parse("someone@example.com").unwrap();
        Password::parse(text, &upn).unwrap()
    }

    /// Hashes run on threads at a lower priority than the threads that answer requests; the
    /// caller's own priority is left alone.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashes_run_at_a_lower_priority_than_requests() {
        let here = || rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap();
        let requests = here();
        if requests == 19 {
            eprintln!("skipped: the tests already run at the lowest priority");
            return;
        }
        let hasher = PasswordHasher::with_concurrency(CHEAP, 2);
        let passwords: Vec<Password> = (0..8).map(|i| password(&format!("Secret!Pass-{i}"))).collect();
        hasher.hash_all(&passwords).await.unwrap();
        for _ in 0..4 {
            let hashing = hasher.threads.run(move |_| here()).await.unwrap();
            assert_eq!(hashing, (requests + HASHING_NICENESS).min(19));
        }
        assert_eq!(here(), requests);
    }

    /// A sign-in's check runs at the normal priority, on tokio's blocking pool, which the hasher
    /// never lowers.
    #[cfg(target_os = "linux")]
    #[test]
    fn checks_run_at_the_priority_of_requests() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .max_blocking_threads(1)
            .build()
            .unwrap();
        let here = || rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap();
        let requests = here();
        runtime.block_on(async {
            let hasher = PasswordHasher::with_concurrency(CHEAP, 1);
            let hash = hasher.hash(&password("Abcdefgh1!")).await.unwrap();
            assert!(hasher.verify("Abcdefgh1!".to_owned(), hash).await.unwrap());
            // The one blocking thread, the one that checked.
            assert_eq!(tokio::task::spawn_blocking(here).await.unwrap(), requests);
        });
    }

    /// A hash whose caller gave up (a client that disconnected) keeps its core until it ends, so
    /// the bound of one hash per core holds whoever goes away.
    #[tokio::test]
    async fn a_dropped_request_keeps_its_hash_counted_until_it_ends() {
        // Costly enough to take far longer than the caller waits.
        let slow = HashCost {
            memory_kib: 65_536,
            iterations: 8,
            parallelism: 1,
        };
        let hasher = PasswordHasher::with_concurrency(slow, 1);
        let given = password("Abcdefgh1!");
        let given_up = tokio::time::timeout(std::time::Duration::from_millis(1), hasher.hash(&given));
        assert!(given_up.await.is_err(), "the caller gave up before the hash ended");
        assert_eq!(hasher.permits.available_permits(), 0, "the hash still runs, counted");
        while hasher.permits.available_permits() == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(hasher.memory_sets_allocated(), 1);
    }

    /// A hash in reused blocks is the one `hash_password` makes with the same salt, and verifies.
    #[test]
    fn hashes_in_reused_blocks_are_the_standard_phc_strings() {
        let argon2 = PasswordHasher::argon2(HashCost::OWASP).unwrap();
        let salt = [7u8; SALT_LEN];
        let mut blocks = vec![Block::new(); argon2.params().block_count()];
        for text in ["Secret!Pass-1", "Other#Pass-22"] {
            let p = password(text);
            let pooled = hash_in(&argon2, &p, &salt, &mut blocks).unwrap();
            let standard = argon2.hash_password_with_salt(text.as_bytes(), &salt).unwrap();
            assert_eq!(pooled, standard.to_string());
            assert!(verify(text, &pooled));
            assert!(!verify("wrong", &pooled));
        }
    }

    /// Many hashes, many at once, never allocate more memory sets than may run at once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn memory_is_reused_not_reallocated() {
        let hasher = PasswordHasher::with_concurrency(CHEAP, 2);
        let passwords: Vec<Password> = (0..64).map(|i| password(&format!("Secret!Pass-{i}"))).collect();
        for _ in 0..3 {
            let hashes = hasher.hash_all(&passwords).await.unwrap();
            assert!(verify("Secret!Pass-5", &hashes[5]));
        }
        let allocated = hasher.memory_sets_allocated();
        assert!(
            (1..=2).contains(&allocated),
            "{allocated} memory sets for 2 hashes at once"
        );
    }
}
