//! Benchmark: a 100-user CSV upload against its ideal, measured in the same run.
//!
//! The cost of an upload is hashing 100 passwords with Argon2id. The ideal is those 100 hashes
//! spread perfectly over every core: (time of 100 sequential hashes) / cores. The figure reported
//! is (time of the upload) / ideal, measured in rounds that each time the baseline and an upload back
//! to back, reported as the median of the rounds' ratios; 1.0 would be perfect, the target is at most
//! 1.2.
//!
//! Run with `cargo bench -p tenantdesk-core --bench import`.

// A benchmark fails loudly on setup errors: unwrapping is its error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use tenantdesk_core::customers::NewCustomer;
use tenantdesk_core::passwords::{HashCost, hash_blocking};
use tenantdesk_core::{Answer, App, Caller, Config, RequestIds, admin, import};
use tenantdesk_domain::{AgentRole, CompanyName, DomainName, Password, Principal, UsageLocation, UserPrincipalName};
use tenantdesk_sqlite::SqliteStore;
use tenantdesk_store::Store;

const USERS: usize = 100;
const RUNS: usize = 5;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = SqliteStore::open(&url).await.unwrap();
    store.migrate().await.unwrap();
    let app = App::new(Arc::new(store), Config::default());
    let partner = admin::create_partner(&app, CompanyName::parse("Bench partner").unwrap(), None)
        .await
        .unwrap();
    let caller = Caller::new(
        Principal {
            partner: partner.id,
            agent: Some(tenantdesk_domain::Agent {
                upn: "bench@fabrikam.com".into(),
                role: AgentRole::AdminAgent,
            }),
        },
        RequestIds::generate(),
    );

    // Each round measures the baseline, the hasher and an upload back to back, so that the
    // machine's changing load (on a shared VM) weighs on all three alike; the figure is the
    // median of the rounds' ratios.
    let upn = UserPrincipalName::parse("bench@contoso.com").unwrap();
    let passwords: Vec<Password> = (0..USERS).map(|_| Password::generate(&upn)).collect();
    let hasher = app.passwords().clone();
    let (mut sequential, mut parallel, mut uploads, mut ratios) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..RUNS {
        // Baseline: 100 sequential hashes on one thread, at the service's cost.
        let started = Instant::now();
        for password in &passwords {
            std::hint::black_box(hash_blocking(HashCost::OWASP, password).unwrap());
        }
        let baseline = started.elapsed();

        // The service's hasher alone: the 100 hashes spread over the cores as an upload does.
        let started = Instant::now();
        std::hint::black_box(hasher.hash_all(&passwords).await.unwrap());
        parallel.push(started.elapsed());

        // The upload: validation, parallel hashing, one transaction of 100 inserts and audit rows.
        let domain = format!("bench{round}.onmicrosoft.com");
        let new = NewCustomer {
            domains: vec![DomainName::parse(&domain).unwrap()],
            name: CompanyName::parse(&domain).unwrap(),
        };
        let customer = admin::create_customer(&app, partner.id, new).await.unwrap();
        let mut file = String::from("First name,Last name,Display name,Email,Status update\n");
        for i in 0..USERS {
            file.push_str(&format!("First{i},Last{i},User {i},user{i}@{domain},\n"));
        }
        let started = Instant::now();
        let location = Ok(UsageLocation::parse("US").unwrap());
        let imported = import::import(&app, &caller, customer.id, location, file.as_bytes())
            .await
            .unwrap()
            .fresh()
            .unwrap();
        let users = imported.commit(&app, Answer::default()).await.unwrap().fresh().unwrap();
        let upload = started.elapsed();
        assert_eq!(users.len(), USERS);

        let ideal = baseline.as_secs_f64() / cores as f64;
        ratios.push(upload.as_secs_f64() / ideal);
        sequential.push(baseline);
        uploads.push(upload);
    }
    ratios.sort_by(f64::total_cmp);
    let (sequential, parallel, upload) = (median(sequential), median(parallel), median(uploads));
    let ideal = sequential / u32::try_from(cores).unwrap();

    println!("cores:                             {cores}");
    println!("{USERS} sequential Argon2id hashes:      {sequential:.2?} (median of {RUNS})");
    println!("ideal upload (sequential / cores): {ideal:.2?}");
    println!("{USERS} hashes by the service's hasher: {parallel:.2?} (median of {RUNS})");
    println!("{USERS}-user upload:                   {upload:.2?} (median of {RUNS})");
    println!(
        "hasher / ideal:                    {:.3}",
        parallel.as_secs_f64() / ideal.as_secs_f64()
    );
    let rounds: Vec<String> = ratios.iter().map(|r| format!("{r:.3}")).collect();
    println!("upload / ideal, each round:        {}", rounds.join(" "));
    println!("upload / ideal (median of rounds): {:.3}", ratios[ratios.len() / 2]);
}
