//! Moving an installation from SQLite to PostgreSQL: every row of every table, in one PostgreSQL
//! transaction (all or nothing), into a migrated but empty database. Password hashes and the token
//! signing key travel as they are, so users keep their passwords and issued tokens stay valid.

use chrono::DateTime;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use uuid::Uuid;

use tenantdesk_postgres::PostgresStore;
use tenantdesk_sqlite::SqliteStore;
use tenantdesk_store::{Result, StoreError};

/// How a column is stored on SQLite, and so how it converts.
#[derive(Clone, Copy)]
enum Column {
    Text(&'static str),
    Uuid(&'static str),
    /// Unix milliseconds on SQLite, `timestamptz` on PostgreSQL.
    Time(&'static str),
    Bool(&'static str),
    Int(&'static str),
}

impl Column {
    fn name(self) -> &'static str {
        match self {
            Self::Text(n) | Self::Uuid(n) | Self::Time(n) | Self::Bool(n) | Self::Int(n) => n,
        }
    }
}

use Column::{Bool, Int, Text, Time, Uuid as Id};

/// Every table, parents before children.
const TABLES: &[(&str, &[Column])] = &[
    ("settings", &[Text("key"), Text("value")]),
    (
        "partners",
        &[Id("id"), Text("name"), Text("portal_domain"), Time("created_at")],
    ),
    (
        "customers",
        &[
            Id("id"),
            Id("partner_id"),
            Text("company_name"),
            Id("provider_instance_id"),
            Time("created_at"),
        ],
    ),
    (
        "customer_domains",
        &[Id("customer_id"), Text("domain"), Int("position")],
    ),
    (
        "users",
        &[
            Id("customer_id"),
            Id("id"),
            Id("partner_id"),
            Text("upn"),
            Text("upn_lower"),
            Text("first_name"),
            Text("last_name"),
            Text("display_name"),
            Text("usage_location"),
            Text("state"),
            Time("soft_deleted_at"),
            Bool("force_change_password"),
            Text("password_hash"),
            Time("created_at"),
            Time("updated_at"),
        ],
    ),
    (
        "role_members",
        &[
            Id("customer_id"),
            Id("role_id"),
            Id("user_id"),
            Id("partner_id"),
            Time("added_at"),
        ],
    ),
    (
        "audit_records",
        &[
            Id("partner_id"),
            Id("id"),
            Time("at"),
            Text("actor"),
            Id("customer_id"),
            Text("resource_id"),
            Text("operation"),
            Text("outcome"),
            Text("request_id"),
            Text("correlation_id"),
        ],
    ),
    (
        "idempotent_responses",
        &[
            Id("partner_id"),
            Text("request_id"),
            Text("fingerprint"),
            Int("status"),
            Text("body"),
            Time("created_at"),
            Text("actor"),
        ],
    ),
    (
        "agents",
        &[
            Id("id"),
            Id("partner_id"),
            Text("upn"),
            Text("upn_lower"),
            Text("role"),
            Text("password_hash"),
            Bool("must_change_password"),
            Time("created_at"),
            Time("password_changed_at"),
        ],
    ),
    (
        "agent_sessions",
        &[
            Text("id_hash"),
            Id("agent_id"),
            Time("created_at"),
            Time("last_seen_at"),
        ],
    ),
    (
        "sign_in_failures",
        &[
            Text("subject"),
            Int("failures"),
            Time("last_failure_at"),
            Time("locked_until"),
        ],
    ),
];

fn corrupt(table: &str, column: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{table}.{column}: {error}"))
}

/// Copies every row of `from` into `to`, which must be migrated and empty. Returns the number of
/// rows copied per table.
pub async fn copy_sqlite_to_postgres(from: &SqliteStore, to: &PostgresStore) -> Result<Vec<(&'static str, u64)>> {
    let mut tx = to.pool().begin().await.map_err(StoreError::database)?;
    for (table, _) in TABLES {
        let sql = sqlx::AssertSqlSafe(format!("SELECT EXISTS (SELECT 1 FROM {table})"));
        let taken: bool = sqlx::query_scalar(sql)
            .fetch_one(&mut *tx)
            .await
            .map_err(StoreError::database)?;
        if taken {
            return Err(StoreError::Corrupt(format!(
                "the target database is not empty: {table} has rows"
            )));
        }
    }
    let mut report = Vec::new();
    for (table, columns) in TABLES {
        let names: Vec<&str> = columns.iter().map(|c| c.name()).collect();
        let select = sqlx::AssertSqlSafe(format!("SELECT {} FROM {table}", names.join(", ")));
        let rows: Vec<SqliteRow> = sqlx::query(select)
            .fetch_all(from.pool())
            .await
            .map_err(StoreError::database)?;
        let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
        let insert = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            placeholders.join(", ")
        );
        for row in &rows {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(insert.clone()));
            for (index, column) in columns.iter().enumerate() {
                let name = column.name();
                query = match column {
                    Text(_) => query.bind(row.try_get::<Option<String>, _>(index).map_err(StoreError::database)?),
                    Id(_) => {
                        let text: Option<String> = row.try_get(index).map_err(StoreError::database)?;
                        let id = text
                            .map(|t| Uuid::parse_str(&t))
                            .transpose()
                            .map_err(|e| corrupt(table, name, e))?;
                        query.bind(id)
                    }
                    Time(_) => {
                        let millis: Option<i64> = row.try_get(index).map_err(StoreError::database)?;
                        let time = millis
                            .map(|m| DateTime::from_timestamp_millis(m).ok_or_else(|| corrupt(table, name, m)))
                            .transpose()?;
                        query.bind(time)
                    }
                    Bool(_) => query.bind(row.try_get::<Option<bool>, _>(index).map_err(StoreError::database)?),
                    Int(_) => {
                        let value: Option<i64> = row.try_get(index).map_err(StoreError::database)?;
                        let value = value
                            .map(i32::try_from)
                            .transpose()
                            .map_err(|e| corrupt(table, name, e))?;
                        query.bind(value)
                    }
                };
            }
            query.execute(&mut *tx).await.map_err(StoreError::database)?;
        }
        report.push((*table, rows.len() as u64));
    }
    tx.commit().await.map_err(StoreError::database)?;
    Ok(report)
}
