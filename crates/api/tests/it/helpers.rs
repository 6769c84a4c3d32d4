//! `spawn_app!()`: a server on a free port over a fresh database — SQLite, or PostgreSQL in the
//! `it_postgres` test binary — with a partner, a customer and tokens, and the clients to talk to it.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use serde_json::Value;
use tenantdesk_api::ApiState;
use tenantdesk_client::{CustomerUser, CustomerUserRequest, Partner, PasswordProfile, Uuid};
use tenantdesk_core::clock::ShiftedClock;
use tenantdesk_core::{App, Config, admin};
use tenantdesk_domain::{Agent, AgentRole, Customer, PartnerId, Principal};
use tenantdesk_postgres::testing::TestDatabase;
use tenantdesk_postgres::{PostgresOptions, PostgresStore};
use tenantdesk_sqlite::SqliteStore;
use tenantdesk_store::Store;

/// A test app on the store of this test binary; or, on PostgreSQL with no server configured, a
/// return from the test (said loudly on stderr, and a failure under CI).
macro_rules! spawn_app {
    () => {
        match crate::helpers::try_spawn_app(module_path!()).await {
            Some(app) => app,
            None => return,
        }
    };
}

/// The customer's domains in every test app.
pub const DOMAIN: &str = "contoso.onmicrosoft.com";
pub const OTHER_DOMAIN: &str = "contoso.com";

pub struct TestApp {
    pub base_url: String,
    pub state: ApiState,
    pub clock: Arc<ShiftedClock>,
    pub partner: PartnerId,
    pub customer: Customer,
    pub admin_token: String,
    pub http: reqwest::Client,
    pub database_url: String,
    /// The store under the server, for what a test writes or reads behind its back.
    pub store: Arc<dyn Store>,
    _database: Arc<Database>,
}

/// Where a test's database lives; removed when the test ends.
#[allow(dead_code)] // held only to be dropped at the end of the test
enum Database {
    Sqlite(tempfile::TempDir),
    Postgres(TestDatabase),
}

/// A running server on a fresh database of this test binary's kind (`crate::POSTGRES`).
pub async fn try_spawn_app(test: &str) -> Option<TestApp> {
    let (database_url, database) = if crate::POSTGRES {
        let database = TestDatabase::create(test).await?;
        (database.url.clone(), Database::Postgres(database))
    } else {
        let dir = tempfile::tempdir().expect("temporary directory");
        (
            format!("sqlite://{}", dir.path().join("tenantdesk.db").display()),
            Database::Sqlite(dir),
        )
    };
    let store = open_store(&database_url).await;
    store.migrate().await.expect("migrate");
    let clock = Arc::new(ShiftedClock::default());
    let state = api_state(App::with_clock(store.clone(), Config::default(), clock.clone())).await;
    let partner = create_partner(&state, "Fabrikam CSP", Some("portal.fabrikam.com")).await;
    let customer = create_customer(
        &state,
        partner,
        &[DOMAIN.to_owned(), OTHER_DOMAIN.to_owned()],
        Some("Contoso"),
    )
    .await;
    let base_url = serve(state.clone()).await;
    let admin_token = token_for(&state, partner, Some(AgentRole::AdminAgent));
    Some(TestApp {
        base_url,
        state,
        clock,
        partner,
        customer,
        admin_token,
        http: reqwest::Client::new(),
        database_url,
        store,
        _database: Arc::new(database),
    })
}

/// The store of `database_url`, SQLite's or PostgreSQL's, as the binary opens it.
async fn open_store(database_url: &str) -> Arc<dyn Store> {
    if crate::POSTGRES {
        Arc::new(
            PostgresStore::open(database_url, &PostgresOptions::default())
                .await
                .expect("open store"),
        )
    } else {
        Arc::new(SqliteStore::open(database_url).await.expect("open store"))
    }
}

/// The API over `app`.
pub async fn api_state(app: App) -> ApiState {
    ApiState::new(app).await.expect("API state")
}

/// A new partner.
pub async fn create_partner(state: &ApiState, name: &str, portal: Option<&str>) -> PartnerId {
    let name = tenantdesk_domain::CompanyName::parse(name).expect("name");
    let portal = portal.map(|p| tenantdesk_domain::PortalDomain::parse(p).expect("portal"));
    admin::create_partner(state.app(), name, portal)
        .await
        .expect("partner")
        .id
}

/// A new customer of `partner`.
pub async fn create_customer(state: &ApiState, partner: PartnerId, domains: &[String], name: Option<&str>) -> Customer {
    let new = tenantdesk_api::customers::new_customer(domains, &|_| "domain".to_owned(), name).expect("customer");
    admin::create_customer(state.app(), partner, new)
        .await
        .expect("customer")
}

/// Serves `state` on a free port; returns its base URL.
pub async fn serve(state: ApiState) -> String {
    serve_with(state, tenantdesk_server::Settings::default()).await
}

/// Serves the API of `state` alone, as the binary does, on a free port with `settings`
/// (timeouts, connections; plain HTTP); returns its base URL.
pub async fn serve_with(state: ApiState, settings: tenantdesk_server::Settings) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let service = tenantdesk_api::service(tenantdesk_api::router(state));
    tokio::spawn(tenantdesk_server::serve(
        listener,
        service,
        settings,
        std::future::pending(),
    ));
    format!("http://{address}")
}

/// A token of `partner` for an agent with `role`, or an app-only token with `None`.
pub fn token_for(app: &ApiState, partner: PartnerId, role: Option<AgentRole>) -> String {
    let agent = role.map(|role| Agent {
        upn: format!("{role}@fabrikam.com"),
        role,
    });
    app.tokens()
        .issue(&Principal { partner, agent }, Duration::from_secs(600))
        .expect("token")
}

impl TestApp {
    /// A second instance of the application on the same database, with the same clock.
    pub async fn second_app(&self) -> ApiState {
        let store = open_store(&self.database_url).await;
        api_state(App::with_clock(store, Config::default(), self.clock.clone())).await
    }

    /// A second server on the same database (another instance behind the load balancer).
    pub async fn second_instance(&self) -> String {
        serve(self.second_app().await).await
    }

    /// Another server on the same database with the API's `limits` (rate limit) and the server's
    /// `settings` (timeouts, connections); its base URL.
    pub async fn instance_with(&self, limits: tenantdesk_api::Limits, settings: tenantdesk_server::Settings) -> String {
        let store = open_store(&self.database_url).await;
        let app = App::with_clock(store, Config::default(), self.clock.clone());
        serve_with(ApiState::with_limits(app, limits).await.expect("API state"), settings).await
    }

    pub fn cid(&self) -> Uuid {
        self.customer.id.as_uuid()
    }

    pub fn token(&self, role: AgentRole) -> String {
        token_for(&self.state, self.partner, Some(role))
    }

    pub fn app_only_token(&self) -> String {
        token_for(&self.state, self.partner, None)
    }

    /// The SDK as the admin agent.
    pub fn sdk(&self) -> Partner {
        self.sdk_with(&self.admin_token)
    }

    pub fn sdk_with(&self, token: &str) -> Partner {
        Partner::new(&self.base_url, token)
            .expect("client")
            .with_retries(1, Duration::ZERO)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn users_url(&self) -> String {
        self.url(&format!("/v1/customers/{}/users", self.cid()))
    }

    pub fn user_url(&self, user: Uuid) -> String {
        format!("{}/{user}", self.users_url())
    }

    /// A partner with a customer of its own, and an admin-agent token of it.
    pub async fn other_partner(&self) -> (Customer, String) {
        let partner = create_partner(&self.state, "Northwind CSP", None).await;
        let domain = format!("nw{}.onmicrosoft.com", &Uuid::new_v4().simple().to_string()[..8]);
        let customer = create_customer(&self.state, partner, &[domain], None).await;
        (customer, token_for(&self.state, partner, Some(AgentRole::AdminAgent)))
    }

    /// Creates an active user `local@contoso.onmicrosoft.com` through the SDK.
    pub async fn create_user(&self, local: &str) -> CustomerUser {
        self.sdk()
            .customers()
            .by_id(self.cid())
            .users()
            .create(&new_user(local))
            .await
            .expect("create user")
    }

    /// Moves the server's clock forward.
    pub fn advance(&self, by: TimeDelta) {
        self.clock.advance(by);
    }

    /// An active user `upn` of the customer, as the store holds it, not yet stored.
    pub fn bare_user(&self, upn: &str, display_name: &str) -> tenantdesk_domain::User {
        let now = chrono::Utc::now();
        tenantdesk_domain::User {
            id: tenantdesk_domain::UserId::new(),
            customer: self.customer.id,
            upn: tenantdesk_domain::UserPrincipalName::parse(upn).expect("a UPN"),
            first_name: None,
            last_name: None,
            display_name: tenantdesk_domain::DisplayName::parse(display_name).expect("a display name"),
            usage_location: tenantdesk_domain::UsageLocation::parse("US").expect("a location"),
            state: tenantdesk_domain::UserState::Active,
            soft_deleted_at: None,
            force_change_password: true,
            created_at: now,
            updated_at: now,
        }
    }

    /// The customer's scope in the store.
    pub fn scope(&self) -> tenantdesk_store::CustomerScope {
        tenantdesk_store::CustomerScope {
            partner: self.partner,
            customer: self.customer.id,
        }
    }

    /// Every value of a query's one text column, straight from the database.
    pub async fn column(&self, sql: &'static str) -> Vec<Option<String>> {
        if crate::POSTGRES {
            let pool = sqlx::PgPool::connect(&self.database_url).await.expect("connect");
            sqlx::query_scalar(sql).fetch_all(&pool).await.expect("query")
        } else {
            let pool = sqlx::SqlitePool::connect(&self.database_url).await.expect("connect");
            sqlx::query_scalar(sql).fetch_all(&pool).await.expect("query")
        }
    }

    /// The stored password hashes, straight from the database.
    pub async fn stored_hashes(&self) -> Vec<String> {
        self.column("SELECT password_hash FROM users")
            .await
            .into_iter()
            .flatten()
            .collect()
    }
}

/// A well-formed Argon2id PHC string, for users stored directly by tests that do not sign in.
pub const STORED_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";

/// The body of a valid new user `local@contoso.onmicrosoft.com`.
pub fn new_user(local: &str) -> CustomerUserRequest {
    CustomerUserRequest {
        user_principal_name: Some(format!("{local}@{DOMAIN}")),
        first_name: Some("Ana".to_owned()),
        last_name: Some("Lima".to_owned()),
        display_name: Some(format!("{local} display")),
        usage_location: Some("US".to_owned()),
        password_profile: Some(PasswordProfile {
            force_change_password: Some(true),
            password: Some("Xy7!pass".to_owned()),
        }),
        ..CustomerUserRequest::default()
    }
}

/// Sends a raw request with the admin token and returns status, headers and JSON body (Null when empty).
pub async fn send(
    app: &TestApp,
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = app.http.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.body(body.to_owned());
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("JSON body")
    };
    (status, headers, json)
}

/// Asserts a Partner Center error: status, code, and that `data` mentions `detail`.
#[track_caller]
pub fn assert_error(status: u16, body: &Value, want_status: u16, want_code: u64, detail: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["code"], want_code, "{body}");
    assert_eq!(body["source"], "tenantdesk", "{body}");
    assert!(body["description"].as_str().is_some_and(|d| !d.is_empty()), "{body}");
    let text = body.to_string();
    assert!(text.contains(detail), "expected {detail:?} in {body}");
}

/// The number of active and deleted users the customer has, as the API lists them.
pub async fn user_counts(app: &TestApp) -> (usize, usize) {
    use futures::TryStreamExt as _;
    let sdk = app.sdk();
    let users = sdk.customers().by_id(app.cid()).users();
    let active: Vec<_> = users.list().try_collect().await.expect("list");
    let deleted: Vec<_> = users.deleted().try_collect().await.expect("deleted");
    (active.len(), deleted.len())
}
