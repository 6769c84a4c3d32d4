//! The database `--database` names, opened with the driver its URL's scheme picks: the one place
//! in tenantdesk that names a database driver.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tenantdesk_postgres::{PostgresOptions, PostgresStore};
use tenantdesk_sqlite::{SqliteStore, Synchronous};
use tenantdesk_store::{Store, redact_url};

use crate::cli::{Global, SqliteSynchronous};

/// The database URL: `--database`, or the SQLite file in the data directory (created if needed,
/// open to its owner only: 0700, as the database holds the token signing key).
pub fn url(global: &Global) -> anyhow::Result<String> {
    if let Some(url) = &global.database {
        return Ok(url.clone());
    }
    let mut dir = std::fs::DirBuilder::new();
    dir.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut dir, 0o700);
    dir.create(&global.data_dir)
        .with_context(|| format!("failed to create the data directory {}", global.data_dir.display()))?;
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

/// Opens the store `url` names (`sqlite://PATH`, or `postgres://…`/`postgresql://…`) and migrates
/// it.
pub async fn open(url: &str, global: &Global) -> anyhow::Result<Arc<dyn Store>> {
    let redacted = redact_url(url);
    let store: Arc<dyn Store> = if url.starts_with("sqlite:") {
        let synchronous = match global.sqlite_synchronous {
            SqliteSynchronous::Full => Synchronous::Full,
            SqliteSynchronous::Normal => Synchronous::Normal,
        };
        Arc::new(
            SqliteStore::open_with(url, synchronous)
                .await
                .with_context(|| format!("failed to open the database {redacted}"))?,
        )
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Arc::new(
            PostgresStore::open(url, &postgres_options(global))
                .await
                .with_context(|| format!("failed to open the database {redacted}"))?,
        )
    } else {
        anyhow::bail!("unsupported database URL '{redacted}' (expected sqlite://PATH or postgres://…)");
    };
    store
        .migrate()
        .await
        .with_context(|| format!("failed to migrate the database {redacted}"))?;
    tracing::debug!(database = %redacted, "database ready");
    Ok(store)
}
