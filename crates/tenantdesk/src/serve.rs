//! `tenantdesk serve`: the HTTP service (HTTPS with `--tls-cert`/`--tls-key`), the demo's data,
//! its purge task, and graceful shutdown.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tenantdesk_api::ApiState;
use tenantdesk_core::{App, Config};
use tenantdesk_domain::AgentRole;

use crate::cli::{Global, ServeArgs};
use crate::database;

/// How long the demo token is valid.
const DEMO_TOKEN_TTL: Duration = Duration::from_secs(12 * 3600);

pub async fn run(global: &Global, args: ServeArgs) -> anyhow::Result<()> {
    let config = Config {
        retention_days: args.retention_days,
        audit_retention_days: args.audit_retention_days,
        purge_interval: Duration::from_secs(args.purge_interval),
        ..Config::default()
    };
    let limits = tenantdesk_api::Limits {
        rate_limit_per_minute: args.rate_limit,
    };
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tls_config(cert, key)?),
        _ => None,
    };
    let settings = tenantdesk_server::Settings {
        header_timeout: Duration::from_secs(args.header_timeout),
        body_timeout: Duration::from_secs(args.body_timeout),
        max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
        tls,
    };
    let store = database::open(global).await?;
    let state = ApiState::with_limits(App::new(store, config), limits)
        .await
        .context("failed to load the token signing key")?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("failed to listen on {}", args.listen))?;
    let address = listener.local_addr().context("failed to read the listening address")?;
    let url = format!("{}://{address}", if settings.tls.is_some() { "https" } else { "http" });
    let shutdown = shutdown_signal()?;
    if settings.tls.is_none() && !address.ip().is_loopback() {
        tracing::warn!(%address, "serving plain HTTP on a non-loopback address");
        eprintln!(
            "warning: serving plain HTTP on {address}, which is not a loopback address: browsers \
             drop the web console's Secure session cookie there, so no one can stay signed in, and \
             passwords and bearer tokens cross the network in clear. Run tenantdesk behind a reverse \
             proxy that terminates TLS (see the README), or give it --tls-cert and --tls-key."
        );
    }

    let mut out = std::io::stdout().lock();
    writeln!(out, "tenantdesk is listening on {url}")?;
    if args.demo {
        let demo = tenantdesk_core::demo::ensure(state.app())
            .await
            .context("failed to create the demo's data")?;
        let agent = Some((tenantdesk_core::demo::DEMO_AGENT, AgentRole::AdminAgent));
        let token = tenantdesk_api::auth::issue_token(state.tokens(), demo.partner, agent, DEMO_TOKEN_TTL)
            .context("failed to issue the demo's token")?;
        let cid = demo.customer.id;
        writeln!(out, "demo partner:  {}", demo.partner)?;
        writeln!(out, "demo customer: {cid} ({})", demo.customer.default_domain())?;
        writeln!(out, "admin-agent token (valid 12 hours):\n{}", token)?;
        writeln!(
            out,
            "try:\n  curl -s -H \"Authorization: Bearer {}\" {url}/v1/customers/{cid}/users",
            token
        )?;
        writeln!(out, "web console: {url}/")?;
        writeln!(out, "  username: {}", demo.agent.upn)?;
        match &demo.one_time_password {
            Some(password) => writeln!(out, "  one-time password: {}", password.expose())?,
            None => writeln!(out, "  password: (the password you set)")?,
        }
    }
    out.flush()?;
    drop(out);

    let purger = tenantdesk_core::purge::spawn(state.app().clone(), state.app().config().purge_interval);
    tracing::info!(%address, "serving");
    let router = tenantdesk_api::router(state.clone()).merge(tenantdesk_console::router(state.app().clone()));
    let served = tenantdesk_server::serve(listener, tenantdesk_api::service(router), settings, shutdown).await;
    purger.abort();
    tracing::info!("stopped");
    served.context("the server failed")
}

/// The TLS configuration of `--tls-cert` and `--tls-key`.
fn tls_config(cert: &Path, key: &Path) -> anyhow::Result<Arc<tenantdesk_server::ServerConfig>> {
    let read = |path: &Path| std::fs::read(path).with_context(|| format!("failed to read {}", path.display()));
    tenantdesk_server::tls::server_config(&read(cert)?, &read(key)?)
        .with_context(|| format!("failed to use {} and {} for TLS", cert.display(), key.display()))
}

/// A future that completes on Ctrl-C or SIGTERM. The handlers are registered now, before the
/// service says it is ready, so a signal sent as soon as it is up is never lost.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?;
        let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
            tracing::info!("shutting down");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down");
        })
    }
}
