//! The Rust SDK of tenantdesk and of the Partner Center customer-user API, fluent like the .NET
//! SDK's `partnerOperations.Customers.ById(c).Users.ById(u).Patch(user)`:
//!
//! ```no_run
//! use tenantdesk_client::{CustomerUserRequest, Partner};
//! # async fn example() -> Result<(), tenantdesk_client::Error> {
//! let partner = Partner::new("http://127.0.0.1:8080", "TOKEN")?;
//! let customer = "5cbef426-1b9f-4390-8992-aae40861b49b".parse().unwrap();
//! let created = partner
//!     .customers()
//!     .by_id(customer)
//!     .users()
//!     .create(&CustomerUserRequest {
//!         user_principal_name: Some("ana@contoso.onmicrosoft.com".into()),
//!         display_name: Some("Ana Lima".into()),
//!         usage_location: Some("US".into()),
//!         ..Default::default()
//!     })
//!     .await?;
//! println!("temporary password: {:?}", created.password_profile.and_then(|p| p.password));
//! # Ok(()) }
//! ```
//!
//! Requests carry an `MS-RequestId`, kept across retries so the service's idempotent replay makes
//! a retried create safe, and the client's `MS-CorrelationId`. Transport errors, 5xx and 429
//! (honouring `Retry-After`) are retried with exponential backoff; 4xx never are.
//!
//! Modules: `users`, `customers`, `roles` (directory roles and members), `audit` (the audit log),
//! the request handles of each resource; `error`, the SDK's [`Error`].

#![warn(missing_docs)]

mod audit;
mod customers;
mod error;
mod roles;
mod users;

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use audit::AuditQuery;
pub use customers::{CustomerOperations, Customers};
pub use error::Error;
pub use roles::{DirectoryRoleOperations, DirectoryRoles};
pub use tenantdesk_wire::{
    AuditRecord, Collection, CompanyProfileRequest, Customer, CustomerRequest, CustomerUser, CustomerUserRequest,
    DirectoryRole, ErrorBody, PasswordProfile, UserFilter, UserMember, UserState,
};
pub use users::{UserOperations, Users};
pub use uuid::Uuid;

/// How many times a request is tried at most, by default.
pub const DEFAULT_ATTEMPTS: u32 = 4;

/// A client acting for one partner, with its bearer token: the root of the fluent API.
#[derive(Clone, Debug)]
pub struct Partner {
    http: reqwest::Client,
    base_url: String,
    token: String,
    correlation_id: String,
    attempts: u32,
    first_backoff: Duration,
}

impl Partner {
    /// A client of the service at `base_url` (for example `http://127.0.0.1:8080`, without `/v1`)
    /// authenticating with the bearer `token`.
    ///
    /// ```no_run
    /// # fn example() -> Result<(), tenantdesk_client::Error> {
    /// let partner = tenantdesk_client::Partner::new("http://127.0.0.1:8080", "TOKEN")?;
    /// # Ok(()) }
    /// ```
    pub fn new(base_url: &str, token: &str) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("tenantdesk-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(Error::Transport)?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            correlation_id: Uuid::new_v4().to_string(),
            attempts: DEFAULT_ATTEMPTS,
            first_backoff: Duration::from_millis(200),
        })
    }

    /// A client of the service at `TENANTDESK_URL` authenticating with the bearer token
    /// `TENANTDESK_TOKEN`, the environment variables the `tenantdesk` command reads too.
    ///
    /// ```no_run
    /// # fn example() -> Result<(), tenantdesk_client::Error> {
    /// // TENANTDESK_URL=http://127.0.0.1:8080 TENANTDESK_TOKEN=…
    /// let partner = tenantdesk_client::Partner::from_env()?;
    /// # Ok(()) }
    /// ```
    pub fn from_env() -> Result<Self, Error> {
        let var = |name: &'static str| std::env::var(name).map_err(|_| Error::MissingEnv(name));
        Self::new(&var("TENANTDESK_URL")?, &var("TENANTDESK_TOKEN")?)
    }

    /// Uses `correlation_id` as the `MS-CorrelationId` of every request.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner) -> Result<(), tenantdesk_client::Error> {
    /// let partner = partner.with_correlation_id("8a53b025-d5be-4d98-ab20-229d1813de76");
    /// # Ok(()) }
    /// ```
    pub fn with_correlation_id(mut self, correlation_id: impl Into<String>) -> Self {
        self.correlation_id = correlation_id.into();
        self
    }

    /// Tries each request at most `attempts` times (at least once), waiting `first_backoff`, then
    /// twice as long each time, between tries.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner) -> Result<(), tenantdesk_client::Error> {
    /// // Up to 6 tries, 100 ms apart at first, then 200 ms, 400 ms, …
    /// let partner = partner.with_retries(6, std::time::Duration::from_millis(100));
    /// # Ok(()) }
    /// ```
    pub fn with_retries(mut self, attempts: u32, first_backoff: Duration) -> Self {
        self.attempts = attempts.max(1);
        self.first_backoff = first_backoff;
        self
    }

    /// The correlation id sent with every request.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner) -> Result<(), tenantdesk_client::Error> {
    /// println!("correlation id: {}", partner.correlation_id());
    /// # Ok(()) }
    /// ```
    pub fn correlation_id(&self) -> &str {
        &self.correlation_id
    }

    /// The partner's customers.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner) -> Result<(), tenantdesk_client::Error> {
    /// let customers = partner.customers().list().await?;
    /// # Ok(()) }
    /// ```
    pub fn customers(&self) -> Customers<'_> {
        Customers::new(self)
    }

    /// The partner's audit log.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner) -> Result<(), tenantdesk_client::Error> {
    /// use tenantdesk_client::AuditQuery;
    /// let query = AuditQuery { correlation_id: Some("8a53b025-d5be-4d98-ab20-229d1813de76".into()), ..Default::default() };
    /// for record in partner.audit_records(&query).await?.items {
    ///     println!("{} {} {}", record.operation_date, record.operation_type, record.operation_status);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn audit_records(&self, query: &AuditQuery) -> Result<Collection<AuditRecord>, Error> {
        self.call(Request::new(Method::GET, "/v1/auditrecords".to_owned()).query(&query.to_params()))
            .await
    }

    /// The page after `page` of any collection, by following its `next` link; `None` after the
    /// last page.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner) -> Result<(), tenantdesk_client::Error> {
    /// use tenantdesk_client::AuditQuery;
    /// let mut page = partner.audit_records(&AuditQuery::default()).await?;
    /// while let Some(next) = partner.follow_next(&page).await? { page = next; }
    /// # Ok(()) }
    /// ```
    pub async fn follow_next<T: DeserializeOwned>(&self, page: &Collection<T>) -> Result<Option<Collection<T>>, Error> {
        let Some(next) = &page.links.next else { return Ok(None) };
        let mut headers = HeaderMap::new();
        for header in &next.headers {
            let name = reqwest::header::HeaderName::from_bytes(header.key.as_bytes())
                .map_err(|e| Error::Decode(e.to_string()))?;
            let value = HeaderValue::from_str(&header.value).map_err(|e| Error::Decode(e.to_string()))?;
            headers.insert(name, value);
        }
        let path = format!("/v1{}", next.uri);
        self.call(Request::new(Method::GET, path).headers(headers))
            .await
            .map(Some)
    }

    /// Sends a request (retrying as the type documentation says) and decodes a JSON answer.
    async fn call<T: DeserializeOwned>(&self, request: Request<'_, impl Serialize + Sync>) -> Result<T, Error> {
        let response = self.send(request).await?;
        let bytes = response.bytes().await.map_err(Error::Transport)?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Decode(e.to_string()))
    }

    /// Sends a request and returns the answer's text.
    async fn call_text(&self, request: Request<'_, impl Serialize + Sync>) -> Result<String, Error> {
        self.send(request).await?.text().await.map_err(Error::Transport)
    }

    async fn send(&self, call: Request<'_, impl Serialize + Sync>) -> Result<reqwest::Response, Error> {
        let Request {
            method,
            path,
            query,
            body,
            raw,
            headers,
        } = call;
        let url = format!("{}{path}", self.base_url);
        let request_id = Uuid::new_v4().to_string();
        let body = match raw {
            Some((bytes, content_type)) => Some((bytes.to_vec(), content_type)),
            None => body
                .map(|body| serde_json::to_vec(body).map(|json| (json, "application/json")))
                .transpose()
                .map_err(|e| Error::Decode(e.to_string()))?,
        };
        let mut backoff = self.first_backoff;
        let mut attempt = 1;
        loop {
            let mut request = self
                .http
                .request(method.clone(), &url)
                .query(query)
                .bearer_auth(&self.token)
                .header("Accept", "application/json")
                .header("MS-RequestId", &request_id)
                .header("MS-CorrelationId", &self.correlation_id)
                .headers(headers.clone());
            if let Some((body, content_type)) = &body {
                request = request.header("Content-Type", *content_type).body(body.clone());
            }
            let outcome = request.send().await;
            let retry_after = match &outcome {
                Ok(response) if response.status().is_success() => None,
                Ok(response) if response.status() == StatusCode::TOO_MANY_REQUESTS => {
                    Some(retry_after(response.headers()).unwrap_or(backoff))
                }
                Ok(response) if response.status().is_server_error() => Some(backoff),
                Ok(_) => None,
                Err(error) if error.is_builder() => None,
                Err(_) => Some(backoff),
            };
            match (retry_after, attempt < self.attempts) {
                (Some(wait), true) => {
                    tokio::time::sleep(wait).await;
                    backoff *= 2;
                    attempt += 1;
                }
                _ => return check(outcome.map_err(Error::Transport)?).await,
            }
        }
    }
}

/// One API call: what [`Partner::send`] needs to make (and remake) the request.
struct Request<'a, B> {
    method: Method,
    path: String,
    query: &'a [(&'a str, String)],
    body: Option<&'a B>,
    raw: Option<(&'a [u8], &'static str)>,
    headers: HeaderMap,
}

impl<'a> Request<'a, ()> {
    /// A request without a body.
    fn new(method: Method, path: String) -> Self {
        Self {
            method,
            path,
            query: &[],
            body: None,
            raw: None,
            headers: HeaderMap::new(),
        }
    }

    /// A request whose body is `bytes` of `content_type`.
    fn raw(mut self, bytes: &'a [u8], content_type: &'static str) -> Self {
        self.raw = Some((bytes, content_type));
        self
    }
}

impl<'a, B> Request<'a, B> {
    fn body<C>(self, body: &'a C) -> Request<'a, C> {
        Request {
            method: self.method,
            path: self.path,
            query: self.query,
            body: Some(body),
            raw: self.raw,
            headers: self.headers,
        }
    }

    fn query(mut self, query: &'a [(&'a str, String)]) -> Self {
        self.query = query;
        self
    }

    fn headers(mut self, headers: HeaderMap) -> Self {
        self.headers = headers;
        self
    }
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value: &HeaderValue = headers.get(RETRY_AFTER)?;
    value.to_str().ok()?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Turns a non-success answer into an [`Error::Api`].
async fn check(response: reqwest::Response) -> Result<reqwest::Response, Error> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (request_id, correlation_id) = (header("MS-RequestId"), header("MS-CorrelationId"));
    let bytes = response.bytes().await.map_err(Error::Transport)?;
    let body: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
    Err(Error::Api {
        status: status.as_u16(),
        code: body.as_ref().map_or(0, |b| b.code),
        description: body.as_ref().map_or_else(
            || String::from_utf8_lossy(&bytes).chars().take(200).collect(),
            |b| b.description.clone(),
        ),
        data: body.map(|b| b.data).unwrap_or_default(),
        request_id,
        correlation_id,
    })
}
