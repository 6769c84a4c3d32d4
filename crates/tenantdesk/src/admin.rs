//! The administration commands: they open the database named by `--database` and act on it
//! directly, each opening only what it needs: `migrate` the store alone; the others the store and
//! the use cases' application on it; `token issue` also the API's token keys. They fail with an
//! [`AdminError`].

use std::time::Duration;

use serde_json::json;
use tenantdesk_api::{ApiState, AppError};
use tenantdesk_core::{App, Config};
use tenantdesk_domain::{AgentAccount, CompanyName, FieldError, PortalDomain, UserPrincipalName};
use tenantdesk_postgres::PostgresStore;
use tenantdesk_sqlite::SqliteStore;
use tenantdesk_store::{Store as _, StoreError, redact_url};

use crate::cli::{
    AgentCommand, AgentNewArgs, AgentRemoveArgs, CustomerNewArgs, Global, PartnerNewArgs, PurgeArgs, TokenIssueArgs,
};
use crate::database::{self, DatabaseError};

/// Why an administration command failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// A use case refused (an unknown partner, an invalid name, a domain that is taken…) or
    /// failed: [`AdminError::describe`] says it as the API would.
    #[error(transparent)]
    UseCase(#[from] tenantdesk_core::Error),
    /// The token signing key could not be read, or created, in the database.
    #[error("failed to load the token signing key")]
    TokenKeys(#[source] anyhow::Error),
    /// `copy` was given a source that is not a SQLite database.
    #[error("copy reads a SQLite database: --database must be sqlite://PATH")]
    CopyNeedsSqlite,
    /// The copy into PostgreSQL failed (and was rolled back).
    #[error("failed to copy {from} into {to}")]
    Copy {
        from: String,
        to: String,
        #[source]
        source: StoreError,
    },
    /// The question before removing an agent could not be asked or answered.
    #[error("failed to ask for a confirmation")]
    Confirm(#[source] anyhow::Error),
    /// The person at the terminal did not confirm the removal.
    #[error("not removed")]
    NotRemoved,
    /// A record could not be written as JSON.
    #[error("failed to write the record as JSON")]
    Json(#[source] serde_json::Error),
}

impl AdminError {
    /// One invalid argument.
    fn invalid(argument: &str, message: impl Into<String>) -> Self {
        Self::UseCase(tenantdesk_core::Error::invalid(argument, message))
    }

    /// A use case's error as the API describes it (a sentence, then every problem) and, for an
    /// unexpected failure, its cause; `None` for the others, whose message and causes say it all.
    pub fn describe(&self) -> Option<Described<'_>> {
        let Self::UseCase(error) = self else { return None };
        let mut sentence = error.to_string();
        if let Some(first) = sentence.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        let problems: &[FieldError] = match error {
            tenantdesk_core::Error::Invalid(problems) | tenantdesk_core::Error::ConflictRows(problems) => problems,
            _ => &[],
        };
        if let (tenantdesk_core::Error::Invalid(_), [only]) = (error, problems) {
            sentence = format!("The request is invalid: {only}");
        }
        let cause = match error {
            tenantdesk_core::Error::Internal(cause) => Some(cause),
            _ => None,
        };
        Some(Described {
            sentence,
            problems,
            cause,
        })
    }
}

/// A use case's error, for people: what `tenantdesk` prints on stderr.
#[derive(Debug)]
pub struct Described<'a> {
    /// What went wrong, capitalised.
    pub sentence: String,
    /// Every problem of the input.
    pub problems: &'a [FieldError],
    /// The cause of an unexpected failure.
    pub cause: Option<&'a anyhow::Error>,
}

/// The use cases' application on the migrated database (no token signing key).
async fn open_app(global: &Global, config: Config) -> Result<App, AdminError> {
    let store = database::open(global).await?;
    Ok(App::new(store, config))
}

/// `tenantdesk migrate`: the database's migrations, and nothing else.
pub async fn migrate(global: &Global) -> Result<(), AdminError> {
    database::open(global).await?;
    eprintln!("the database is up to date");
    Ok(())
}

pub async fn purge(global: &Global, args: PurgeArgs) -> Result<(), AdminError> {
    let config = Config {
        audit_retention_days: args.audit_retention_days,
        ..Config::default()
    };
    let app = open_app(global, config).await?;
    let purged = tenantdesk_core::purge::purge_once(&app, args.retention_days).await?;
    if global.json {
        println!("{}", json!({ "purged": purged, "retentionDays": args.retention_days }));
    } else {
        println!("{purged}");
    }
    Ok(())
}

pub async fn partner_new(global: &Global, args: PartnerNewArgs) -> Result<(), AdminError> {
    let app = open_app(global, Config::default()).await?;
    let name = CompanyName::parse(&args.name).map_err(|e| AdminError::invalid("name", e))?;
    let portal_domain = args
        .portal_domain
        .as_deref()
        .map(PortalDomain::parse)
        .transpose()
        .map_err(|e| AdminError::invalid("portal-domain", e))?;
    let partner = tenantdesk_core::admin::create_partner(&app, name, portal_domain).await?;
    if global.json {
        let portal = partner.portal_domain.as_ref().map(ToString::to_string);
        println!(
            "{}",
            json!({ "id": partner.id, "name": partner.name.as_str(), "portalDomain": portal })
        );
    } else {
        println!("{}", partner.id);
    }
    Ok(())
}

pub async fn customer_new(global: &Global, args: CustomerNewArgs) -> Result<(), AdminError> {
    let app = open_app(global, Config::default()).await?;
    let new = tenantdesk_api::customers::new_customer(
        &args.domains,
        &|_| "companyProfile.domain".to_owned(),
        args.name.as_deref(),
    )
    .map_err(tenantdesk_core::Error::Invalid)?;
    let customer = tenantdesk_core::admin::create_customer(&app, args.partner, new).await?;
    if global.json {
        let record = serde_json::to_string(&tenantdesk_api::customers::render(&customer)).map_err(AdminError::Json)?;
        println!("{record}");
    } else {
        println!("{}", customer.id);
    }
    Ok(())
}

/// `tenantdesk token issue`: the one administration command that needs the API's token keys.
pub async fn token_issue(global: &Global, args: TokenIssueArgs) -> Result<(), AdminError> {
    let app = open_app(global, Config::default()).await?;
    let state = ApiState::new(app).await.map_err(AdminError::TokenKeys)?;
    let agent = match (&args.user, args.role) {
        (Some(user), Some(role)) => Some((user.as_str(), role)),
        _ => None,
    };
    let ttl = Duration::from_secs(args.ttl);
    tenantdesk_core::admin::existing_partner(state.app(), args.partner).await?;
    let token =
        tenantdesk_api::auth::issue_token(state.tokens(), args.partner, agent, ttl).map_err(|error| match error {
            AppError::UseCase(error) => AdminError::UseCase(error),
            other => AdminError::UseCase(tenantdesk_core::Error::Internal(other.into())),
        })?;
    if global.json {
        let role = args.role.map(|r| r.as_str());
        println!(
            "{}",
            json!({ "token": token, "partner": args.partner, "user": args.user, "role": role, "appOnly": agent.is_none(), "expiresIn": args.ttl })
        );
    } else {
        println!("{token}");
    }
    Ok(())
}

/// `tenantdesk agent …`: the web console's accounts.
pub async fn agent(global: &Global, command: AgentCommand) -> Result<(), AdminError> {
    let app = &open_app(global, Config::default()).await?;
    match command {
        AgentCommand::New(AgentNewArgs { partner, upn, role }) => {
            let upn = UserPrincipalName::parse(&upn).map_err(|e| AdminError::invalid("upn", e))?;
            let created = tenantdesk_core::agents::create(app, partner, upn, role).await?;
            print_password(global, &created)
        }
        AgentCommand::List { partner } => {
            let agents = tenantdesk_core::agents::list(app, partner).await?;
            if global.json {
                let records: Vec<_> = agents.iter().map(agent_json).collect();
                println!("{}", serde_json::Value::Array(records));
                return Ok(());
            }
            let rows: Vec<Vec<String>> = agents
                .iter()
                .map(|a| {
                    let password = if a.must_change_password { "one-time" } else { "set" };
                    vec![
                        a.upn.to_string(),
                        a.role.to_string(),
                        password.to_owned(),
                        a.created_at.format("%Y-%m-%d %H:%M").to_string(),
                    ]
                })
                .collect();
            crate::client::print_table(&["UPN", "ROLE", "PASSWORD", "CREATED (UTC)"], &rows);
            Ok(())
        }
        AgentCommand::ResetPassword(agent) => {
            let reset = tenantdesk_core::agents::reset_password(app, agent.partner, &agent.upn).await?;
            print_password(global, &reset)
        }
        AgentCommand::Remove(AgentRemoveArgs { agent, yes }) => {
            use std::io::IsTerminal as _;
            if !yes && std::io::stdin().is_terminal() {
                let question = format!("Remove the agent {}? Its sessions end at once.", agent.upn);
                if !crate::client::confirm(&question).map_err(AdminError::Confirm)? {
                    return Err(AdminError::NotRemoved);
                }
            }
            let removed = tenantdesk_core::agents::remove(app, agent.partner, &agent.upn).await?;
            if global.json {
                println!("{}", agent_json(&removed));
            }
            eprintln!("removed the agent {}; its sessions ended", removed.upn);
            Ok(())
        }
    }
}

/// An agent's record as `--json` prints it (never its password hash).
fn agent_json(agent: &AgentAccount) -> serde_json::Value {
    json!({
        "id": agent.id,
        "partner": agent.partner,
        "upn": agent.upn.as_str(),
        "role": agent.role.as_str(),
        "mustChangePassword": agent.must_change_password,
        "createdAt": agent.created_at,
        "passwordChangedAt": agent.password_changed_at,
    })
}

/// Prints an agent's new one-time password, or with `--json` its whole record and the password.
fn print_password(global: &Global, agent: &tenantdesk_core::agents::WithPassword) -> Result<(), AdminError> {
    if global.json {
        let mut record = agent_json(&agent.agent);
        record["password"] = json!(agent.password.expose());
        println!("{record}");
    } else {
        println!("{}", agent.password.expose());
    }
    Ok(())
}

/// `tenantdesk copy --to postgres://…`: moves a SQLite installation to PostgreSQL.
pub async fn copy(global: &Global, to: &str) -> Result<(), AdminError> {
    let from = database::database_url(global)?;
    if !from.starts_with("sqlite:") {
        return Err(AdminError::CopyNeedsSqlite);
    }
    let (from_shown, to_shown) = (redact_url(&from), redact_url(to));
    let opened = |database: &str| {
        let database = database.to_owned();
        move |source| DatabaseError::Open { database, source }
    };
    let migrated = |database: &str| {
        let database = database.to_owned();
        move |source| DatabaseError::Migrate { database, source }
    };
    // The source must exist (a mistyped path is not copied as an empty database): not `open_store`.
    let source = SqliteStore::open_existing(&from).await.map_err(opened(&from_shown))?;
    source.migrate().await.map_err(migrated(&from_shown))?;
    let target = PostgresStore::open(to, &database::postgres_options(global))
        .await
        .map_err(opened(&to_shown))?;
    target.migrate().await.map_err(migrated(&to_shown))?;
    let report = crate::copy::copy_sqlite_to_postgres(&source, &target)
        .await
        .map_err(|source| AdminError::Copy {
            from: from_shown.clone(),
            to: to_shown.clone(),
            source,
        })?;
    if global.json {
        let tables: serde_json::Map<String, serde_json::Value> = report
            .iter()
            .map(|(table, rows)| ((*table).to_owned(), json!(rows)))
            .collect();
        println!("{}", serde_json::Value::Object(tables));
    } else {
        for (table, rows) in &report {
            println!("{table}: {rows}");
        }
    }
    eprintln!("copied {from_shown} into {to_shown}");
    Ok(())
}
