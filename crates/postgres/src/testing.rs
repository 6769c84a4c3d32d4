//! Test support (feature `testing`): a PostgreSQL database of its own for each test, created on
//! the server `TENANTDESK_TEST_DATABASE_URL` names and dropped when the test ends.

use std::io::Write as _;

use sqlx::Connection as _;

/// The variable naming the PostgreSQL server tests use.
pub const TEST_DATABASE_URL: &str = "TENANTDESK_TEST_DATABASE_URL";

/// A freshly created, empty database; dropped (with its connections) when this is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    /// Its URL.
    pub url: String,
    admin_url: String,
    name: String,
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, params) = url.split_once('?').map_or((url, None), |(b, p)| (b, Some(p)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut result = format!("{}/{name}", &base[..host_end]);
    if let Some(params) = params {
        result.push('?');
        result.push_str(params);
    }
    result
}

impl TestDatabase {
    /// A new database, or `None` (said loudly on stderr) when no test server is configured.
    /// Under CI (`CI` set) a missing server is a failure, not a skip.
    pub async fn create(test: &str) -> Option<Self> {
        let Ok(admin_url) = std::env::var(TEST_DATABASE_URL) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "{TEST_DATABASE_URL} is not set: the PostgreSQL tests must run in CI"
            );
            // Straight to the stderr handle, which the test harness does not capture: a skip is loud.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {test} needs PostgreSQL; set {TEST_DATABASE_URL}=postgres://postgres@127.0.0.1:5432/postgres"
            );
            return None;
        };
        Some(Self::create_on(&admin_url, "tenantdesk_test").await)
    }

    /// A new database named `{prefix}_{a uuid}` on the PostgreSQL server of `admin_url` (a URL of
    /// any database there): for a test, or a benchmark, that chooses its server itself.
    pub async fn create_on(admin_url: &str, prefix: &str) -> Self {
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("connect to the PostgreSQL server to create a database");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut admin)
            .await
            .expect("create a database");
        Self {
            url: with_database(admin_url, &name),
            admin_url: admin_url.to_owned(),
            name,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop may run inside a runtime: do the async work on a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
                let sql = sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
                sqlx::query(sql).execute(&mut admin).await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: the test database {} was not dropped", self.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_names_are_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@db/x?sslmode=disable", "t2"),
            "postgres://u:p@db/t2?sslmode=disable"
        );
        assert_eq!(with_database("postgres://db:5432", "t3"), "postgres://db:5432/t3");
    }
}
