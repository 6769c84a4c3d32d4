//! `tenantdesk serve`: the HTTP service, its purge task, and graceful shutdown.

use std::io::Write as _;
use std::time::Duration;

use anyhow::Context as _;
use tenantdesk_server::Config;

use crate::admin::open;
use crate::cli::{Global, ServeArgs};

/// How long the demo token is valid.
const DEMO_TOKEN_TTL: Duration = Duration::from_secs(12 * 3600);

pub async fn run(global: &Global, args: ServeArgs) -> anyhow::Result<()> {
    let config = Config {
        retention_days: args.retention_days,
        purge_interval: Duration::from_secs(args.purge_interval),
        ..Config::default()
    };
    let app = open(global, config).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("failed to listen on {}", args.listen))?;
    let address = listener
        .local_addr()
        .context("failed to read the listening address")?;
    let url = format!("http://{address}");

    let mut out = std::io::stdout().lock();
    writeln!(out, "tenantdesk is listening on {url}")?;
    if args.demo {
        let demo = tenantdesk_server::demo::ensure(&app, DEMO_TOKEN_TTL).await?;
        let cid = demo.customer.id;
        writeln!(out, "demo partner:  {}", demo.partner)?;
        writeln!(
            out,
            "demo customer: {cid} ({})",
            demo.customer.default_domain()
        )?;
        writeln!(out, "admin-agent token (valid 12 hours):\n{}", demo.token)?;
        writeln!(
            out,
            "try:\n  curl -s -H \"Authorization: Bearer {}\" {url}/v1/customers/{cid}/users",
            demo.token
        )?;
    }
    out.flush()?;
    drop(out);

    let purger = tenantdesk_server::purge::spawn(app.clone(), app.config().purge_interval);
    tracing::info!(%address, "serving");
    let served = tenantdesk_server::serve(listener, app, shutdown_signal()).await;
    purger.abort();
    tracing::info!("stopped");
    served.context("the server failed")
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
