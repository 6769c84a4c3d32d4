//! The database the service and the administration commands work on: its URL (`--database`, else
//! the SQLite file of the data directory), how to connect (the global options), and
//! [`open_store`], the one place a URL becomes a migrated store: the one place in tenantdesk that
//! names a database driver.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tenantdesk_postgres::{PostgresOptions, PostgresStore};
use tenantdesk_sqlite::{SqliteStore, Synchronous};
use tenantdesk_store::{Store, StoreError, redact_url};

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
    /// The URL names no database this build has a driver for.
    #[error("unsupported database URL '{0}' (expected sqlite://PATH or postgres://…)")]
    Unsupported(String),
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

/// How to connect to a PostgreSQL server, as the global options say.
pub fn postgres_options(global: &Global) -> PostgresOptions {
    let timeout = (global.db_statement_timeout > 0).then(|| Duration::from_secs(global.db_statement_timeout));
    PostgresOptions {
        pool_size: global.db_pool_size.max(1),
        statement_timeout: timeout,
    }
}

/// The database the global options name, opened and migrated ([`open_store`]).
pub async fn open(global: &Global) -> Result<Arc<dyn Store>, DatabaseError> {
    open_store(&database_url(global)?, global).await
}

/// The store at `url` (`sqlite://PATH`, `postgres://…` or `postgresql://…`), opened with the
/// driver its scheme names and migrated. Nothing else is created in it (no token signing key: the
/// API's state loads, or creates, that).
pub async fn open_store(url: &str, global: &Global) -> Result<Arc<dyn Store>, DatabaseError> {
    let database = redact_url(url);
    let opened: Result<Arc<dyn Store>, StoreError> = if url.starts_with("sqlite:") {
        let synchronous = match global.sqlite_synchronous {
            SqliteSynchronous::Full => Synchronous::Full,
            SqliteSynchronous::Normal => Synchronous::Normal,
        };
        SqliteStore::open_with(url, synchronous)
            .await
            .map(|store| Arc::new(store) as Arc<dyn Store>)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        PostgresStore::open(url, &postgres_options(global))
            .await
            .map(|store| Arc::new(store) as Arc<dyn Store>)
    } else {
        return Err(DatabaseError::Unsupported(database));
    };
    let store = opened.map_err(|source| DatabaseError::Open {
        database: database.clone(),
        source,
    })?;
    if let Err(source) = store.migrate().await {
        return Err(DatabaseError::Migrate { database, source });
    }
    tracing::debug!(%database, "database ready");
    Ok(store)
}
