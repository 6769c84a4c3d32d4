//! The API's state: the use cases' application, and what only the API needs — the bearer-token
//! keys, the continuation-token key, this instance's `MS-ServerId`, and its rate limit.

use std::sync::Arc;

use tenantdesk_core::App;

use crate::auth::TokenKeys;

/// The state every request handler gets; cheap to clone.
#[derive(Clone, Debug)]
pub struct ApiState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    app: App,
    tokens: TokenKeys,
    paging_key: Vec<u8>,
    server_id: String,
    limits: Limits,
}

/// How the API limits request rates (`serve --rate-limit`). How connections are treated (timeouts,
/// their number, TLS) is the accept loop's: `tenantdesk_server::Settings`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Requests a minute each partner may send, and failed authentications a minute each client
    /// address may make; 0: no limit.
    pub rate_limit_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            rate_limit_per_minute: 6000,
        }
    }
}

impl ApiState {
    /// The API over `app` with the default limits. Loads (or creates) the token key from the
    /// application's store.
    pub async fn new(app: App) -> anyhow::Result<Self> {
        Self::with_limits(app, Limits::default()).await
    }

    /// The API over `app` with `limits`.
    pub async fn with_limits(app: App, limits: Limits) -> anyhow::Result<Self> {
        let tokens = TokenKeys::load(&app).await?;
        let paging_key = tokens.derive_key("continuation-token")?;
        let server_id = (rand::random::<u32>() % 900_000_000 + 100_000_000).to_string();
        Ok(Self(Arc::new(Inner {
            app,
            tokens,
            paging_key,
            server_id,
            limits,
        })))
    }

    /// The use cases' application.
    pub fn app(&self) -> &App {
        &self.0.app
    }

    /// The token keys.
    pub fn tokens(&self) -> &TokenKeys {
        &self.0.tokens
    }

    /// The key continuation tokens are signed with.
    pub fn paging_key(&self) -> &[u8] {
        &self.0.paging_key
    }

    /// This instance's rate limit.
    pub fn limits(&self) -> &Limits {
        &self.0.limits
    }

    /// This instance's `MS-ServerId`.
    pub fn server_id(&self) -> &str {
        &self.0.server_id
    }
}
