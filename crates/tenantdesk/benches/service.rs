//! Benchmark: the real server beside its baselines, measured in one run, printed as one table.
//!
//! It starts the `tenantdesk` binary (release: `serve`, its router and accept loop) on a fresh
//! SQLite file and on a fresh PostgreSQL database (created on `TENANTDESK_BENCH_POSTGRES_URL`,
//! default `postgres://postgres@127.0.0.1:5432/postgres`, and dropped at the end), and, as
//! baselines, a bare axum handler answering a fixed JSON body (this bench re-run as a child
//! process; on `/page` it answers a copy of a real page of 100 users, the most any server could
//! do with a page's bytes; on `/sqlite-page` and `/postgres-page` it reads that page from the
//! SQLite or the PostgreSQL database and writes it with no other work, the most a list read from
//! that store could reach) and the Argon2id ceiling (every core hashing at the service's cost).
//! The load is generated in this process: one thread, keep-alive HTTP/1.1 connections through
//! hyper's client.
//!
//! Rounds are interleaved (baseline, SQLite, PostgreSQL, baseline, …) so that the machine's
//! changing load weighs on all alike; the table gives medians over the rounds.
//!
//! Run with `cargo bench -p tenantdesk --bench service`; `TENANTDESK_BENCH_ROUNDS` (default 5),
//! `TENANTDESK_BENCH_SECONDS` (per measurement, default 2), `TENANTDESK_BENCH_POSTGRES=off` and
//! `TENANTDESK_BENCH_COMPARE` (another `tenantdesk` binary, measured on each store in the same rounds)
//! change what it does; `TENANTDESK_BENCH_ONLY` runs one measure alone, to profile the server
//! while it runs. See BENCHMARKS.md.

// A benchmark fails loudly on setup errors: unwrapping is its error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::BufRead as _;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tenantdesk_core::customers::NewCustomer;
use tenantdesk_core::passwords::{HashCost, hash_blocking};
use tenantdesk_core::{App, Config, admin};
use tenantdesk_domain::{
    AgentRole, CompanyName, CustomerId, DisplayName, DomainName, PartnerId, Password, PersonName, UsageLocation, User,
    UserId, UserPrincipalName, UserState,
};
use tenantdesk_postgres::testing::TestDatabase;
use tenantdesk_postgres::{PostgresOptions, PostgresStore};
use tenantdesk_sqlite::SqliteStore;
use tenantdesk_store::{CustomerScope, Store};

/// Set in the child process that serves the bare axum baseline.
const BARE_ROLE: &str = "TENANTDESK_BENCH_BARE_AXUM";
/// The file whose bytes the bare axum baseline answers on `/page`: a real page of 100 users.
const BARE_PAGE: &str = "TENANTDESK_BENCH_BARE_PAGE";
/// The subject of the bare handler's answers of a fixed page.
const BARE_PAGE_SUBJECT: &str = "bare axum, a fixed page";
/// Where the bare handler reads its SQLite page: the database file, the partner and the customer.
const BARE_SQLITE: &str = "TENANTDESK_BENCH_BARE_SQLITE";
/// The subject of the bare handler's answers of a page read from SQLite.
const BARE_SQLITE_SUBJECT: &str = "bare axum, a page read from SQLite";
/// Where the bare handler reads its PostgreSQL page, if PostgreSQL is measured: the database's
/// URL, the partner and the customer.
const BARE_POSTGRES: &str = "TENANTDESK_BENCH_BARE_POSTGRES";
/// The subject of the bare handler's answers of a page read from PostgreSQL.
const BARE_POSTGRES_SUBJECT: &str = "bare axum, a page read from PostgreSQL";
/// Users seeded into the listed customer.
const SEEDED: usize = 100_000;
/// Connections of the read loads (as wrk's `-c 32` in the issue).
const READ_CONNECTIONS: usize = 32;
/// Users per upload.
const UPLOAD: usize = 100;
/// A password every created user gets (it passes the policy).
const PASSWORD: &str = "Xq7#mZp2!vL9@tR4";

fn main() {
    if std::env::var_os(BARE_ROLE).is_some() {
        bare_axum();
        return;
    }
    // The load generator: one thread, as wrk -t1.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

/// The bare axum baseline: every request answered with the same JSON body (a user's), on `/page`
/// with the bytes of the file `BARE_PAGE` names (a page of users), on `/sqlite-page` with the
/// page read from the SQLite database `BARE_SQLITE` names, and on `/postgres-page` with the page
/// read from the PostgreSQL database `BARE_POSTGRES` names, if it names one; on a runtime like the
/// service's (one worker per core).
fn bare_axum() {
    let page: &'static [u8] = std::fs::read(std::env::var_os(BARE_PAGE).unwrap()).unwrap().leak();
    let sqlite: &'static str = std::env::var(BARE_SQLITE).unwrap().leak();
    let mut sqlite = sqlite.split('\n');
    let (path, partner, customer) = (sqlite.next().unwrap(), sqlite.next().unwrap(), sqlite.next().unwrap());
    let postgres = std::env::var(BARE_POSTGRES).ok().map(|postgres| {
        let mut postgres = postgres.split('\n').map(str::to_owned);
        let url = postgres.next().unwrap();
        let partner: uuid::Uuid = postgres.next().unwrap().parse().unwrap();
        let customer: uuid::Uuid = postgres.next().unwrap().parse().unwrap();
        (url, partner, customer)
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let body: &'static str = r#"{"id":"6c1f8c7e-2f0b-4a8e-9a41-3a2f1f7b2f55","userPrincipalName":"user@contoso.onmicrosoft.com","firstName":"First","lastName":"Last","displayName":"User","usageLocation":"US","userDomainType":"none","state":"active","softDeletedTime":null,"lastDirectorySyncTime":null,"links":{"self":{"uri":"/customers/c/users/u","method":"GET","headers":[]}},"attributes":{"objectType":"CustomerUser"}}"#;
        let json = || [(axum::http::header::CONTENT_TYPE, "application/json; charset=utf-8")];
        let app = axum::Router::new()
            .route("/page", axum::routing::get(move || async move { (json(), page) }))
            .route(
                "/sqlite-page",
                axum::routing::get(move || async move { (json(), sqlite_page(path.as_ref(), partner, customer)) }),
            );
        let app = match postgres {
            None => app,
            Some((url, partner, customer)) => {
                // As many connections as the server's pool has by default (`--db-pool-size`).
                let pool = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(PostgresOptions::default().pool_size)
                    .connect(&url)
                    .await
                    .unwrap();
                app.route(
                    "/postgres-page",
                    axum::routing::get(move || {
                        let pool = pool.clone();
                        async move { (json(), postgres_page(&pool, partner, customer).await) }
                    }),
                )
            }
        };
        let app = app
            .fallback(move || async move { (json(), body) });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("listening on http://{}", listener.local_addr().unwrap());
        axum::serve(listener, app).await.unwrap();
    });
}

/// `/sqlite-page`: page 1 of the listed customer read from the SQLite bench database and written
/// in the wire's shape, with no token, no check of the stored values, nothing escaped and no log
/// line: the least a list read from SQLite can cost, so its rate is the most such a list can reach.
/// It reads only the columns an active user's JSON shows (a deleted one's time is written null:
/// the bench lists active users) and writes the same items as the server's page 1, which `run`
/// checks; its continuation token and links are stand-ins of about the same length.
fn sqlite_page(path: &std::path::Path, partner: &str, customer: &str) -> Vec<u8> {
    const SQL: &str = "SELECT customer_id, id, upn, first_name, last_name, display_name, usage_location, state \
         FROM users WHERE customer_id = ? AND partner_id = ? AND state = 'active' \
         ORDER BY upn_lower, id LIMIT 101";
    thread_local!(static DB: std::cell::RefCell<Option<rusqlite::Connection>> = const { std::cell::RefCell::new(None) });
    DB.with_borrow_mut(|db| {
        let db = db.get_or_insert_with(|| {
            let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
            rusqlite::Connection::open_with_flags(path, flags).unwrap()
        });
        let mut statement = db.prepare_cached(SQL).unwrap();
        let mut rows = statement.query((customer, partner)).unwrap();
        let mut page = PageWriter::new();
        for _ in 0..100 {
            let Some(row) = rows.next().unwrap() else { break };
            let text = |i| row.get_ref(i).unwrap().as_bytes().unwrap();
            let optional = |i| row.get_ref(i).unwrap().as_bytes_or_null().unwrap();
            page.user(&PageUser {
                customer: text(0),
                id: text(1),
                upn: text(2),
                first_name: optional(3),
                last_name: optional(4),
                display_name: text(5),
                usage_location: text(6),
                state: text(7),
            });
        }
        // The 101st row tells there is a next page.
        let _ = rows.next().unwrap();
        page.finish()
    })
}

/// `/postgres-page`: what `/sqlite-page` is, from the PostgreSQL bench database, through sqlx (the
/// server's driver) on a pool of the server's default size and settings, the statement prepared
/// once per connection: the most a list read from PostgreSQL can reach.
async fn postgres_page(pool: &sqlx::PgPool, partner: uuid::Uuid, customer: uuid::Uuid) -> Vec<u8> {
    use sqlx::Row as _;
    const SQL: &str = "SELECT customer_id, id, upn, first_name, last_name, display_name, usage_location, state \
         FROM users WHERE customer_id = $1 AND partner_id = $2 AND state = 'active' \
         ORDER BY upn_lower, id LIMIT 101";
    let rows = sqlx::query(SQL)
        .bind(customer)
        .bind(partner)
        .fetch_all(pool)
        .await
        .unwrap();
    let mut page = PageWriter::new();
    // Where each row's ids are written as text.
    let (mut customer_text, mut id_text) = ([0; 36], [0; 36]);
    for row in rows.iter().take(100) {
        let text = |i| row.try_get::<&str, _>(i).unwrap().as_bytes();
        let optional = |i| row.try_get::<Option<&str>, _>(i).unwrap().map(str::as_bytes);
        let uuid = |i, buffer: &mut [u8; 36]| -> usize {
            row.try_get::<uuid::Uuid, _>(i)
                .unwrap()
                .hyphenated()
                .encode_lower(buffer)
                .len()
        };
        let (customer_len, id_len) = (uuid(0, &mut customer_text), uuid(1, &mut id_text));
        page.user(&PageUser {
            customer: &customer_text[..customer_len],
            id: &id_text[..id_len],
            upn: text(2),
            first_name: optional(3),
            last_name: optional(4),
            display_name: text(5),
            usage_location: text(6),
            state: text(7),
        });
    }
    page.finish()
}

/// The columns of a user the bare handler's pages show, as stored.
struct PageUser<'a> {
    customer: &'a [u8],
    id: &'a [u8],
    upn: &'a [u8],
    first_name: Option<&'a [u8]>,
    last_name: Option<&'a [u8]>,
    display_name: &'a [u8],
    usage_location: &'a [u8],
    state: &'a [u8],
}

/// A page of users in the wire's shape, written as bytes with nothing escaped.
struct PageWriter {
    page: Vec<u8>,
    users: usize,
}

impl PageWriter {
    fn new() -> Self {
        let mut page = Vec::with_capacity(64 * 1024);
        page.extend_from_slice(br#"{"totalCount":100,"items":["#);
        Self { page, users: 0 }
    }

    fn user(&mut self, user: &PageUser<'_>) {
        let page = &mut self.page;
        if self.users > 0 {
            page.push(b',');
        }
        self.users += 1;
        let optional = |page: &mut Vec<u8>, value: Option<&[u8]>| match value {
            Some(value) => {
                page.push(b'"');
                page.extend_from_slice(value);
                page.push(b'"');
            }
            None => page.extend_from_slice(b"null"),
        };
        for (key, value) in [("{\"id\":\"", user.id), ("\",\"userPrincipalName\":\"", user.upn)] {
            page.extend_from_slice(key.as_bytes());
            page.extend_from_slice(value);
        }
        page.extend_from_slice(br#"","firstName":"#);
        optional(page, user.first_name);
        page.extend_from_slice(br#","lastName":"#);
        optional(page, user.last_name);
        for (key, value) in [
            (",\"displayName\":\"", user.display_name),
            ("\",\"usageLocation\":\"", user.usage_location),
            (
                "\",\"lastDirectorySyncTime\":null,\"userDomainType\":\"none\",\"state\":\"",
                user.state,
            ),
            (
                "\",\"softDeletionTime\":null,\"links\":{\"self\":{\"uri\":\"/customers/",
                user.customer,
            ),
            ("/users/", user.id),
        ] {
            page.extend_from_slice(key.as_bytes());
            page.extend_from_slice(value);
        }
        page.extend_from_slice(br#"","method":"GET","headers":[]}},"attributes":{"objectType":"CustomerUser"}}"#);
    }

    /// The page, with the rest of a page's shape after the items.
    fn finish(mut self) -> Vec<u8> {
        self.page.extend_from_slice(br#"],"continuationToken":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","links":{"self":{"uri":"/customers/00000000-0000-0000-0000-000000000000/users?size=100","method":"GET","headers":[]},"next":{"uri":"/customers/00000000-0000-0000-0000-000000000000/users?size=100&seekOperation=Next","method":"GET","headers":[{"key":"MS-ContinuationToken","value":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}},"attributes":{"objectType":"Collection"}}"#);
        self.page
    }
}

/// A server in a child process, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    /// Starts `command` and reads the address from the first line it prints (`… http://ADDR`).
    fn start(mut command: Command) -> Self {
        let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line.trim().rsplit("http://").next().unwrap().parse().unwrap();
        Self { child, addr }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One store under test: its server and what the requests need.
struct Target {
    store: &'static str,
    server: Server,
    token: String,
    /// The customer of the seeded users, one of them, and the token of page 900.
    listed: CustomerId,
    partner: PartnerId,
    user: UserId,
    page_900: String,
    /// The customer creates and uploads go to, and its domain.
    writes: CustomerId,
    domain: String,
    db: Database,
}

/// The database of a target, removed when dropped.
enum Database {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres(TestDatabase),
}

async fn run() {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let rounds: usize = env_number("TENANTDESK_BENCH_ROUNDS", 5);
    let seconds: f64 = env_number("TENANTDESK_BENCH_SECONDS", 2.0);
    let window = Duration::from_secs_f64(seconds);
    // One measure alone (as its table label: "GET user", "create", "upload", "during uploads"),
    // to profile the server while it runs: TENANTDESK_BENCH_ONLY.
    let only = std::env::var("TENANTDESK_BENCH_ONLY").ok();
    let measures = [
        "GET user",
        "list page 1",
        "list page 900",
        "create",
        "upload",
        "during uploads",
    ];
    if let Some(only) = &only {
        assert!(
            measures.contains(&only.as_str()),
            "TENANTDESK_BENCH_ONLY is one of {measures:?}, not {only:?}"
        );
    }
    let wanted = |measure: &str| only.as_deref().is_none_or(|only| only == measure);

    let hash = {
        let upn = UserPrincipalName::parse("seed@bench.example").unwrap();
        hash_blocking(HashCost::OWASP, &Password::generate(&upn)).unwrap()
    };
    let mut targets = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let sqlite_file = dir.path().join("bench.db");
    let url = format!("sqlite://{}", sqlite_file.display());
    let binary = env!("CARGO_BIN_EXE_tenantdesk");
    targets.push(target("SQLite", binary, &url, Database::Sqlite(dir), &hash).await);
    // Another build of the server beside this one on each store, in the same rounds (comparing
    // two versions side by side): TENANTDESK_BENCH_COMPARE=/path/to/tenantdesk.
    if let Ok(other) = std::env::var("TENANTDESK_BENCH_COMPARE") {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        targets.push(target("SQLite (compared)", &other, &url, Database::Sqlite(dir), &hash).await);
    }
    let postgres = std::env::var("TENANTDESK_BENCH_POSTGRES").map_or(true, |v| v != "off");
    if postgres {
        let admin_url = std::env::var("TENANTDESK_BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let mut builds = vec![("PostgreSQL", binary.to_owned())];
        if let Ok(other) = std::env::var("TENANTDESK_BENCH_COMPARE") {
            builds.push(("PostgreSQL (compared)", other));
        }
        for (store, binary) in builds {
            // TENANTDESK_BENCH_POSTGRES=off skips PostgreSQL when there is none.
            let database = TestDatabase::create_on(&admin_url, "tenantdesk_bench").await;
            let url = database.url.clone();
            targets.push(target(store, &binary, &url, Database::Postgres(database), &hash).await);
        }
    }
    // The bare handler's page: page 1 as the first store answers it.
    let (status, page) = fetch(targets[0].server.addr, Read::Page1.request(&targets[0])).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&page));
    let page_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(page_file.path(), &page).unwrap();
    let mut command = Command::new(std::env::current_exe().unwrap());
    let sqlite = format!(
        "{}\n{}\n{}",
        sqlite_file.display(),
        targets[0].partner,
        targets[0].listed
    );
    command
        .env(BARE_ROLE, "1")
        .env(BARE_PAGE, page_file.path())
        .env(BARE_SQLITE, sqlite);
    // The bare handler reads its PostgreSQL page from this build's PostgreSQL target's database.
    let on_postgres = targets.iter().find(|t| t.store == "PostgreSQL");
    if let Some(t) = on_postgres
        && let Database::Postgres(database) = &t.db
    {
        command.env(BARE_POSTGRES, format!("{}\n{}\n{}", database.url, t.partner, t.listed));
    }
    let bare = Server::start(command);
    // The bare handler's pages are page 1: the same users in the same shape (their tokens and
    // links are stand-ins), as the first store answers it, and as the PostgreSQL server does.
    assert_same_users(bare.addr, "/sqlite-page", &page).await;
    if let Some(t) = on_postgres {
        let (status, real) = fetch(t.server.addr, Read::Page1.request(t)).await;
        assert_eq!(status, StatusCode::OK);
        assert_same_users(bare.addr, "/postgres-page", &real).await;
    }

    let mut results = Results::default();
    let creates = AtomicU64::new(0);
    for round in 0..rounds {
        eprintln!("round {} of {rounds}", round + 1);
        for kind in [Read::User, Read::Page1, Read::Page900] {
            if !wanted(kind.label()) {
                continue;
            }
            let baseline = load(bare.addr, READ_CONNECTIONS, window, |_| get("/", None, None)).await;
            results.add(kind.label(), "bare axum", baseline.rate);
            if kind == Read::Page1 {
                let fixed = load(bare.addr, READ_CONNECTIONS, window, |_| get("/page", None, None)).await;
                results.ratio(kind.label(), BARE_PAGE_SUBJECT, fixed.rate, baseline.rate);
                let read = load(bare.addr, READ_CONNECTIONS, window, |_| get("/sqlite-page", None, None)).await;
                results.ratio(kind.label(), BARE_SQLITE_SUBJECT, read.rate, baseline.rate);
                if on_postgres.is_some() {
                    let read = load(bare.addr, READ_CONNECTIONS, window, |_| {
                        get("/postgres-page", None, None)
                    })
                    .await;
                    results.ratio(kind.label(), BARE_POSTGRES_SUBJECT, read.rate, baseline.rate);
                }
            }
            for t in &targets {
                let measured = load(t.server.addr, READ_CONNECTIONS, window, |_| kind.request(t)).await;
                results.ratio(kind.label(), t.store, measured.rate, baseline.rate);
                if kind == Read::User {
                    results.add("idle p50", t.store, measured.p50);
                    results.add("idle p99", t.store, measured.p99);
                }
            }
        }
        if !(wanted("create") || wanted("upload") || wanted("during uploads")) {
            continue;
        }
        // The Argon2id ceiling, then creates with a password on each store.
        let ceiling = argon2_ceiling(cores, window).await;
        results.add("create", "Argon2id", ceiling);
        for t in targets.iter().filter(|_| wanted("create")) {
            let measured = load(t.server.addr, 2 * cores, window, |_| {
                let n = creates.fetch_add(1, Ordering::Relaxed);
                create(t, n)
            })
            .await;
            results.ratio("create", t.store, measured.rate, ceiling);
        }
        // An upload of 100 users, against 100 hashes spread over every core at the ceiling's rate.
        let ideal = UPLOAD as f64 / ceiling;
        results.add("upload", "Argon2id", ideal);
        for t in targets.iter().filter(|_| wanted("upload")) {
            let started = Instant::now();
            let status = send(t.server.addr, upload(t, &format!("r{round}"))).await;
            assert_eq!(status, StatusCode::OK, "upload on {}", t.store);
            results.ratio("upload", t.store, started.elapsed().as_secs_f64(), ideal);
        }
        // Reads while uploads run back to back.
        for t in targets.iter().filter(|_| wanted("during uploads")) {
            let stop = std::sync::atomic::AtomicBool::new(false);
            let uploads = async {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let status = send(t.server.addr, upload(t, &format!("r{round}u{n}"))).await;
                    assert_eq!(status, StatusCode::OK, "upload on {}", t.store);
                    n += 1;
                }
                n
            };
            let reads = async {
                let measured = load(
                    t.server.addr,
                    READ_CONNECTIONS,
                    window.max(Duration::from_secs(3)),
                    |_| Read::User.request(t),
                )
                .await;
                stop.store(true, Ordering::Relaxed);
                measured
            };
            let (measured, _) = tokio::join!(reads, uploads);
            results.add("busy p50", t.store, measured.p50);
            results.add("busy p99", t.store, measured.p99);
        }
    }
    print_table(&results, &targets, cores, rounds, seconds, page.len());
}

/// Asserts that the bare handler's page at `path` lists the same users, in the same shape, as
/// the server's page `real`.
async fn assert_same_users(bare: SocketAddr, path: &str, real: &[u8]) {
    let (status, page) = fetch(bare, get(path, None, None)).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    let (page, real): (serde_json::Value, serde_json::Value) = (
        serde_json::from_slice(&page).unwrap(),
        serde_json::from_slice(real).unwrap(),
    );
    assert_eq!(page["items"], real["items"], "the bare handler's {path} is page 1");
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Seeds a fresh database through the store (100,000 users with one precomputed hash, so no
/// Argon2 run each), then starts the real server on it.
async fn target(store: &'static str, binary: &str, url: &str, db: Database, hash: &str) -> Target {
    eprintln!("seeding {SEEDED} users on {store}");
    let opened: Arc<dyn Store> = if url.starts_with("sqlite:") {
        Arc::new(SqliteStore::open(url).await.unwrap())
    } else {
        Arc::new(PostgresStore::open(url, &PostgresOptions::default()).await.unwrap())
    };
    opened.migrate().await.unwrap();
    let app = App::new(opened.clone(), Config::default());
    let partner = admin::create_partner(&app, CompanyName::parse("Bench partner").unwrap(), None)
        .await
        .unwrap();
    let customer = |domain: &str| NewCustomer {
        domains: vec![DomainName::parse(domain).unwrap()],
        name: CompanyName::parse(domain).unwrap(),
    };
    let listed = admin::create_customer(&app, partner.id, customer("listed.example"))
        .await
        .unwrap();
    let writes = admin::create_customer(&app, partner.id, customer("writes.example"))
        .await
        .unwrap();
    let scope = CustomerScope {
        partner: partner.id,
        customer: listed.id,
    };
    let mut user = None;
    let now = chrono::Utc::now();
    for batch in 0..SEEDED / 5_000 {
        let mut tx = opened.begin().await.unwrap();
        for i in batch * 5_000..(batch + 1) * 5_000 {
            let seeded = User {
                id: UserId::new(),
                customer: listed.id,
                upn: UserPrincipalName::parse(&format!("user{i:06}@listed.example")).unwrap(),
                first_name: PersonName::parse("First").unwrap(),
                last_name: PersonName::parse("Last").unwrap(),
                display_name: DisplayName::parse(&format!("User {i}")).unwrap(),
                usage_location: UsageLocation::parse("US").unwrap(),
                state: UserState::Active,
                soft_deleted_at: None,
                force_change_password: true,
                created_at: now,
                updated_at: now,
            };
            tx.insert_user(scope, &seeded, hash).await.unwrap();
            if i == SEEDED / 2 {
                user = Some(seeded.id);
            }
        }
        tx.commit().await.unwrap();
    }
    let state = tenantdesk_api::ApiState::new(app).await.unwrap();
    let agent = Some(("bench@fabrikam.com", AgentRole::AdminAgent));
    let token =
        tenantdesk_api::auth::issue_token(state.tokens(), partner.id, agent, Duration::from_secs(24 * 3600)).unwrap();
    drop(state);

    let mut command = Command::new(binary);
    let log = std::fs::File::create(std::env::temp_dir().join(format!("tenantdesk-bench-{store}.log"))).unwrap();
    command
        .args(["--database", url, "serve", "--listen", "127.0.0.1:0"])
        // The rate limiter stays in the path, with a limit the load cannot reach.
        .args(["--rate-limit", &u32::MAX.to_string()])
        .env_remove("RUST_LOG")
        .stderr(log);
    let server = Server::start(command);
    let mut target = Target {
        store,
        server,
        token,
        listed: listed.id,
        partner: partner.id,
        user: user.unwrap(),
        page_900: String::new(),
        writes: writes.id,
        domain: "writes.example".to_owned(),
        db,
    };
    // The continuation token of page 900, by paging through the API as a client would.
    let mut token: Option<String> = None;
    for _ in 0..899 {
        let path = match token {
            None => format!("/v1/customers/{}/users?size=100", target.listed),
            Some(_) => format!("/v1/customers/{}/users?size=100&seekOperation=Next", target.listed),
        };
        let (status, body) = fetch(target.server.addr, get(&path, Some(&target.token), token.as_deref())).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
        token = Some(page["continuationToken"].as_str().unwrap().to_owned());
    }
    target.page_900 = token.unwrap();
    target
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Read {
    User,
    Page1,
    Page900,
}

impl Read {
    fn label(self) -> &'static str {
        match self {
            Read::User => "GET user",
            Read::Page1 => "list page 1",
            Read::Page900 => "list page 900",
        }
    }

    fn request(self, t: &Target) -> Request<Full<Bytes>> {
        match self {
            Read::User => get(
                &format!("/v1/customers/{}/users/{}", t.listed, t.user),
                Some(&t.token),
                None,
            ),
            Read::Page1 => get(
                &format!("/v1/customers/{}/users?size=100", t.listed),
                Some(&t.token),
                None,
            ),
            Read::Page900 => get(
                &format!("/v1/customers/{}/users?size=100&seekOperation=Next", t.listed),
                Some(&t.token),
                Some(&t.page_900),
            ),
        }
    }
}

fn get(path: &str, token: Option<&str>, continuation: Option<&str>) -> Request<Full<Bytes>> {
    let mut request = Request::get(path).header("host", "127.0.0.1");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if let Some(continuation) = continuation {
        request = request.header("ms-continuationtoken", continuation);
    }
    request.body(Full::new(Bytes::new())).unwrap()
}

fn create(t: &Target, n: u64) -> Request<Full<Bytes>> {
    let body = serde_json::json!({
        "userPrincipalName": format!("created{n}@{}", t.domain),
        "displayName": format!("Created {n}"),
        "usageLocation": "US",
        "passwordProfile": {"password": PASSWORD, "forceChangePassword": false},
    });
    Request::builder()
        .method(Method::POST)
        .uri(format!("/v1/customers/{}/users", t.writes))
        .header("host", "127.0.0.1")
        .header("authorization", format!("Bearer {}", t.token))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

fn upload(t: &Target, tag: &str) -> Request<Full<Bytes>> {
    let mut file = String::from("First name,Last name,Display name,Email,Status update\n");
    for i in 0..UPLOAD {
        file.push_str(&format!("First,Last,Uploaded {tag} {i},up{tag}x{i}@{},\n", t.domain));
    }
    Request::builder()
        .method(Method::POST)
        .uri(format!("/v1/customers/{}/users/import?usageLocation=US", t.writes))
        .header("host", "127.0.0.1")
        .header("authorization", format!("Bearer {}", t.token))
        .header("content-type", "text/csv")
        .body(Full::new(Bytes::from(file)))
        .unwrap()
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> Sender {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    sender
}

/// One request on a connection of its own: its status and body.
async fn fetch(addr: SocketAddr, request: Request<Full<Bytes>>) -> (StatusCode, Bytes) {
    let mut sender = connect(addr).await;
    let response = sender.send_request(request).await.unwrap();
    let status = response.status();
    (status, response.into_body().collect().await.unwrap().to_bytes())
}

async fn send(addr: SocketAddr, request: Request<Full<Bytes>>) -> StatusCode {
    fetch(addr, request).await.0
}

/// What a load measured: answers a second and latency percentiles (milliseconds).
struct Measured {
    rate: f64,
    p50: f64,
    p99: f64,
}

/// `connections` keep-alive connections, each sending `request(n)` as soon as the previous answer
/// is read, for a short warm-up and then `window`; every answer must be 200.
async fn load(
    addr: SocketAddr,
    connections: usize,
    window: Duration,
    request: impl Fn(u64) -> Request<Full<Bytes>>,
) -> Measured {
    let warmup = Duration::from_millis(300);
    let started = Instant::now();
    let (from, until) = (started + warmup, started + warmup + window);
    let request = &request;
    let one = |_| async move {
        let mut sender = connect(addr).await;
        let mut latencies = Vec::new();
        let mut n = 0;
        loop {
            let sent = Instant::now();
            if sent >= until {
                break;
            }
            sender.ready().await.unwrap();
            let response = sender.send_request(request(n)).await.unwrap();
            let status = response.status();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
            let done = Instant::now();
            if sent >= from && done <= until {
                latencies.push(done - sent);
            }
            n += 1;
        }
        latencies
    };
    let mut latencies: Vec<Duration> = futures::future::join_all((0..connections).map(one))
        .await
        .into_iter()
        .flatten()
        .collect();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    Measured {
        rate: latencies.len() as f64 / window.as_secs_f64(),
        p50: at(0.50).as_secs_f64() * 1e3,
        p99: at(0.99).as_secs_f64() * 1e3,
    }
}

/// Argon2id hashes a second with every core hashing at the service's cost, each thread in memory
/// of its own allocated once (as the service's hasher reuses its blocks).
async fn argon2_ceiling(cores: usize, window: Duration) -> f64 {
    tokio::task::spawn_blocking(move || {
        let cost = HashCost::OWASP;
        let params = argon2::Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None).unwrap();
        let argon2 = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let started = Instant::now();
        let done: u64 = std::thread::scope(|s| {
            let threads: Vec<_> = (0..cores)
                .map(|_| {
                    s.spawn(|| {
                        let mut blocks = vec![argon2::Block::new(); argon2.params().block_count()];
                        let mut output = [0u8; 32];
                        let mut n = 0;
                        while started.elapsed() < window {
                            let salt: [u8; 16] = rand_salt(n);
                            argon2
                                .hash_password_into_with_memory(PASSWORD.as_bytes(), &salt, &mut output, &mut blocks)
                                .unwrap();
                            std::hint::black_box(&output);
                            n += 1;
                        }
                        n
                    })
                })
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).sum()
        });
        done as f64 / started.elapsed().as_secs_f64()
    })
    .await
    .unwrap()
}

/// A salt that differs per hash (its randomness does not change Argon2's cost).
fn rand_salt(n: u64) -> [u8; 16] {
    let mut salt = [7u8; 16];
    salt[..8].copy_from_slice(&n.to_le_bytes());
    salt
}

/// Samples by (measure, subject), and ratios by (measure, store), one per round.
#[derive(Default)]
struct Results {
    samples: std::collections::BTreeMap<(&'static str, &'static str), Vec<f64>>,
}

impl Results {
    fn add(&mut self, measure: &'static str, subject: &'static str, value: f64) {
        self.samples.entry((measure, subject)).or_default().push(value);
    }

    fn ratio(&mut self, measure: &'static str, store: &'static str, value: f64, baseline: f64) {
        self.add(measure, store, value);
        let key: &'static str = Box::leak(format!("{measure} ratio").into_boxed_str());
        self.add(key, store, value / baseline);
    }

    fn median(&self, measure: &str, subject: &str) -> f64 {
        let mut values = self
            .samples
            .iter()
            .find(|((m, s), _)| *m == measure && *s == subject)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        values.sort_by(f64::total_cmp);
        values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
    }
}

fn print_table(results: &Results, targets: &[Target], cores: usize, rounds: usize, seconds: f64, page_bytes: usize) {
    println!();
    println!(
        "tenantdesk service benchmark: {cores} cores, {rounds} interleaved rounds of {seconds} s per measurement, medians; \
         reads on {READ_CONNECTIONS} keep-alive connections from one client thread"
    );
    println!();
    println!("| measure | store | tenantdesk | baseline | ratio | target |");
    println!("|---|---|---:|---:|---:|---|");
    let per_s = |v: f64| format!("{v:.0}/s");
    for t in targets {
        let s = t.store;
        for (measure, label, target) in [
            (
                "GET user",
                "bare axum",
                if s.starts_with("SQLite") {
                    "≥ 0.5×"
                } else {
                    "≥ 0.25×"
                },
            ),
            ("list page 1", "bare axum", "≥ 0.2×"),
            ("list page 900", "bare axum", "≥ 0.2×, as page 1"),
        ] {
            println!(
                "| {measure} | {s} | {} | {label} {} | {:.2}× | {target} |",
                per_s(results.median(measure, s)),
                per_s(results.median(measure, "bare axum")),
                results.median(&format!("{measure} ratio"), s),
            );
        }
        println!(
            "| create with password | {s} | {} | Argon2id ceiling {} | {:.2}× | ≥ 0.85× |",
            per_s(results.median("create", s)),
            per_s(results.median("create", "Argon2id")),
            results.median("create ratio", s),
        );
        println!(
            "| 100-user upload | {s} | {:.0} ms | 100 hashes / cores {:.0} ms | {:.2}× | ≤ 1.2× |",
            results.median("upload", s) * 1e3,
            results.median("upload", "Argon2id") * 1e3,
            results.median("upload ratio", s),
        );
        println!(
            "| GET user p50 / p99 during uploads | {s} | {:.2} / {:.2} ms | idle {:.2} / {:.2} ms | {:.2}× (p99) | p99 < 10 ms |",
            results.median("busy p50", s),
            results.median("busy p99", s),
            results.median("idle p50", s),
            results.median("idle p99", s),
            results.median("busy p99", s) / results.median("idle p99", s),
        );
    }
    // What the list target allows at most: the same page's bytes, sent with no work at all.
    let ceiling = results.median("list page 1", BARE_PAGE_SUBJECT);
    if ceiling.is_nan() {
        return; // Not measured (TENANTDESK_BENCH_ONLY names another measure).
    }
    println!(
        "| list page 1 | {BARE_PAGE_SUBJECT} ({:.1} KB) | {} | bare axum {} | {:.2}× | (the ceiling of a list) |",
        page_bytes as f64 / 1e3,
        per_s(ceiling),
        per_s(results.median("list page 1", "bare axum")),
        results.median("list page 1 ratio", BARE_PAGE_SUBJECT),
    );
    println!(
        "| list page 1 | {BARE_SQLITE_SUBJECT} | {} | bare axum {} | {:.2}× | (a list read from SQLite, at best) |",
        per_s(results.median("list page 1", BARE_SQLITE_SUBJECT)),
        per_s(results.median("list page 1", "bare axum")),
        results.median("list page 1 ratio", BARE_SQLITE_SUBJECT),
    );
    let from_postgres = results.median("list page 1", BARE_POSTGRES_SUBJECT);
    if !from_postgres.is_nan() {
        println!(
            "| list page 1 | {BARE_POSTGRES_SUBJECT} | {} | bare axum {} | {:.2}× | (a list read from PostgreSQL, at best) |",
            per_s(from_postgres),
            per_s(results.median("list page 1", "bare axum")),
            results.median("list page 1 ratio", BARE_POSTGRES_SUBJECT),
        );
    }
}
