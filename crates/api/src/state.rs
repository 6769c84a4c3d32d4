//! The API's state: the use cases' application, and what only the API needs — the bearer-token
//! keys, the continuation-token key and this instance's `MS-ServerId`.

use std::sync::Arc;

use tenantdesk_core::App;
use tenantdesk_store::Store;

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
}

impl ApiState {
    /// The API over `app`. Loads (or creates) the token key from the application's store.
    pub async fn new(app: App) -> anyhow::Result<Self> {
        let tokens = TokenKeys::load(app.store()).await?;
        let paging_key = tokens.derive_key("continuation-token")?;
        let server_id = (rand::random::<u32>() % 900_000_000 + 100_000_000).to_string();
        Ok(Self(Arc::new(Inner {
            app,
            tokens,
            paging_key,
            server_id,
        })))
    }

    /// The use cases' application.
    pub fn app(&self) -> &App {
        &self.0.app
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.0.app.store()
    }

    /// The token keys.
    pub fn tokens(&self) -> &TokenKeys {
        &self.0.tokens
    }

    /// The key continuation tokens are signed with.
    pub fn paging_key(&self) -> &[u8] {
        &self.0.paging_key
    }

    /// This instance's `MS-ServerId`.
    pub fn server_id(&self) -> &str {
        &self.0.server_id
    }
}
