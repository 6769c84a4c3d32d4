//! The database the service and the administration commands work on: its URL (`--database`, else
//! the SQLite file of the data directory), how to connect (the global options), and
//! [`open_store`], the one place a URL becomes a migrated store.

use std::path::PathBuf;
use std::time::Duration;

use tenantdesk_store::{Store, StoreError, StoreOptions};

use crate::cli::{Global, SqliteSynchronous};

/// Why the database could not be used. The URLs in messages have their password hidden.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The data directory of the default SQLite database could not be created.
    #[error("failed to create the data directory {}", dir.display())]
    DataDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The database could not be reached or opened.
    #[error("failed to open the database {database}")]
    Open {
        database: String,
        #[source]
        source: StoreError,
    },
    /// Its migrations could not be applied.
    #[error("failed to migrate the database {database}")]
    Migrate {
        database: String,
        #[source]
        source: StoreError,
    },
}

/// The database URL: `--database`, or the SQLite file in the data directory (created if needed,
/// open to its owner only: 0700, as the database holds the token signing key).
pub fn database_url(global: &Global) -> Result<String, DatabaseError> {
    if let Some(url) = &global.database {
        return Ok(url.clone());
    }
    let mut dir = std::fs::DirBuilder::new();
    dir.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut dir, 0o700);
    dir.create(&global.data_dir).map_err(|source| DatabaseError::DataDir {
        dir: global.data_dir.clone(),
        source,
    })?;
    Ok(format!("sqlite://{}", global.data_dir.join("tenantdesk.db").display()))
}

/// How to connect, as the global options say.
pub fn store_options(global: &Global) -> StoreOptions {
    let timeout = (global.db_statement_timeout > 0).then(|| Duration::from_secs(global.db_statement_timeout));
    StoreOptions {
        pool_size: global.db_pool_size.max(1),
        statement_timeout: timeout,
        sqlite_synchronous: match global.sqlite_synchronous {
            SqliteSynchronous::Full => tenantdesk_store::SqliteSynchronous::Full,
            SqliteSynchronous::Normal => tenantdesk_store::SqliteSynchronous::Normal,
        },
    }
}

/// The database the global options name, opened and migrated ([`open_store`]).
pub async fn open(global: &Global) -> Result<Box<dyn Store>, DatabaseError> {
    open_store(&database_url(global)?, &store_options(global)).await
}

/// The store at `url` (`sqlite://…`, `postgres://…`), migrated: the one place the binary turns a
/// URL into a store. Nothing else is created in it (no token signing key: the API's state loads,
/// or creates, that).
pub async fn open_store(url: &str, options: &StoreOptions) -> Result<Box<dyn Store>, DatabaseError> {
    let database = tenantdesk_store::redact_url(url);
    let store = match tenantdesk_store::open(url, options).await {
        Ok(store) => store,
        Err(source) => return Err(DatabaseError::Open { database, source }),
    };
    if let Err(source) = store.migrate().await {
        return Err(DatabaseError::Migrate { database, source });
    }
    tracing::debug!(%database, "database ready");
    Ok(store)
}
