//! The administration commands: they open the database named by `--database` and act on it
//! directly.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use serde_json::json;
use tenantdesk_api::{ApiState, AppError, Limits};
use tenantdesk_core::{App, Config};
use tenantdesk_domain::{AgentAccount, CompanyName, PortalDomain, UserPrincipalName};
use tenantdesk_store::{PostgresStore, SqliteStore, Store as _, StoreOptions};

use crate::cli::{
    AgentCommand, AgentNewArgs, AgentRemoveArgs, CustomerNewArgs, Global, PartnerNewArgs, PurgeArgs, SqliteSynchronous,
    TokenIssueArgs,
};

/// The database URL: `--database`, or the SQLite file in the data directory (created if needed,
/// open to its owner only: 0700, as the database holds the token signing key).
pub fn database_url(global: &Global) -> anyhow::Result<String> {
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

/// The store, migrated, the application on it, and the API's state (which loads, or creates, the
/// token signing key).
pub async fn open(global: &Global, config: Config) -> anyhow::Result<ApiState> {
    open_with_limits(global, config, Limits::default()).await
}

/// [`open`], for a server with `limits`.
pub async fn open_with_limits(global: &Global, config: Config, limits: Limits) -> anyhow::Result<ApiState> {
    let url = database_url(global)?;
    let redacted = tenantdesk_store::redact_url(&url);
    let store = tenantdesk_store::open(&url, &store_options(global))
        .await
        .with_context(|| format!("failed to open the database {redacted}"))?;
    store
        .migrate()
        .await
        .with_context(|| format!("failed to migrate the database {redacted}"))?;
    tracing::debug!(database = %redacted, "database ready");
    ApiState::with_limits(App::new(Arc::from(store), config), limits)
        .await
        .context("failed to load the token signing key")
}

pub async fn migrate(global: &Global) -> anyhow::Result<()> {
    open(global, Config::default()).await?;
    eprintln!("the database is up to date");
    Ok(())
}

pub async fn purge(global: &Global, args: PurgeArgs) -> anyhow::Result<()> {
    let config = Config {
        audit_retention_days: args.audit_retention_days,
        ..Config::default()
    };
    let state = open(global, config).await?;
    let purged = tenantdesk_core::purge::purge_once(state.app(), args.retention_days)
        .await
        .map_err(AppError::from)?;
    if global.json {
        println!("{}", json!({ "purged": purged, "retentionDays": args.retention_days }));
    } else {
        println!("{purged}");
    }
    Ok(())
}

pub async fn partner_new(global: &Global, args: PartnerNewArgs) -> anyhow::Result<()> {
    let state = open(global, Config::default()).await?;
    let name = CompanyName::parse(&args.name).map_err(|e| AppError::invalid("name", e))?;
    let portal_domain = args
        .portal_domain
        .as_deref()
        .map(PortalDomain::parse)
        .transpose()
        .map_err(|e| AppError::invalid("portal-domain", e))?;
    let partner = tenantdesk_core::admin::create_partner(state.app(), name, portal_domain)
        .await
        .map_err(AppError::from)?;
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

pub async fn customer_new(global: &Global, args: CustomerNewArgs) -> anyhow::Result<()> {
    let state = open(global, Config::default()).await?;
    let new = tenantdesk_api::customers::new_customer(
        &args.domains,
        &|_| "companyProfile.domain".to_owned(),
        args.name.as_deref(),
    )
    .map_err(|problems| AppError::from(tenantdesk_core::Error::Invalid(problems)))?;
    let customer = tenantdesk_core::admin::create_customer(state.app(), args.partner, new)
        .await
        .map_err(AppError::from)?;
    if global.json {
        println!(
            "{}",
            serde_json::to_string(&tenantdesk_api::customers::render(&customer))?
        );
    } else {
        println!("{}", customer.id);
    }
    Ok(())
}

pub async fn token_issue(global: &Global, args: TokenIssueArgs) -> anyhow::Result<()> {
    let state = open(global, Config::default()).await?;
    let agent = match (&args.user, args.role) {
        (Some(user), Some(role)) => Some((user.as_str(), role)),
        _ => None,
    };
    let ttl = Duration::from_secs(args.ttl);
    let token = tenantdesk_api::auth::issue_token(state.app(), state.tokens(), args.partner, agent, ttl).await?;
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
pub async fn agent(global: &Global, command: AgentCommand) -> anyhow::Result<()> {
    let state = open(global, Config::default()).await?;
    let app = state.app();
    match command {
        AgentCommand::New(AgentNewArgs { partner, upn, role }) => {
            let upn = UserPrincipalName::parse(&upn).map_err(|e| AppError::invalid("upn", e))?;
            let created = tenantdesk_core::agents::create(app, partner, upn, role)
                .await
                .map_err(AppError::from)?;
            print_password(global, &created)
        }
        AgentCommand::List { partner } => {
            let agents = tenantdesk_core::agents::list(app, partner)
                .await
                .map_err(AppError::from)?;
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
            let reset = tenantdesk_core::agents::reset_password(app, agent.partner, &agent.upn)
                .await
                .map_err(AppError::from)?;
            print_password(global, &reset)
        }
        AgentCommand::Remove(AgentRemoveArgs { agent, yes }) => {
            use std::io::IsTerminal as _;
            if !yes && std::io::stdin().is_terminal() {
                let question = format!("Remove the agent {}? Its sessions end at once.", agent.upn);
                if !crate::client::confirm(&question)? {
                    anyhow::bail!("not removed");
                }
            }
            let removed = tenantdesk_core::agents::remove(app, agent.partner, &agent.upn)
                .await
                .map_err(AppError::from)?;
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
fn print_password(global: &Global, agent: &tenantdesk_core::agents::WithPassword) -> anyhow::Result<()> {
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
pub async fn copy(global: &Global, to: &str) -> anyhow::Result<()> {
    let from = database_url(global)?;
    if !from.starts_with("sqlite:") {
        anyhow::bail!("copy reads a SQLite database: --database must be sqlite://PATH");
    }
    let (from_shown, to_shown) = (tenantdesk_store::redact_url(&from), tenantdesk_store::redact_url(to));
    let source = SqliteStore::open_existing(&from)
        .await
        .with_context(|| format!("failed to open {from_shown}"))?;
    source
        .migrate()
        .await
        .with_context(|| format!("failed to migrate {from_shown}"))?;
    let target = PostgresStore::open(to, &store_options(global))
        .await
        .with_context(|| format!("failed to open {to_shown}"))?;
    target
        .migrate()
        .await
        .with_context(|| format!("failed to migrate {to_shown}"))?;
    let report = tenantdesk_store::copy_sqlite_to_postgres(&source, &target)
        .await
        .with_context(|| format!("failed to copy {from_shown} into {to_shown}"))?;
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
