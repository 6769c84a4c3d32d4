//! The `tenantdesk` binary: the service (`serve`), its administration commands, which act on the
//! database directly, and (through the SDK) the command-line client.
//!
//! Modules: `cli`, the commands and options; `serve`, which serves both front ends through
//! `tenantdesk-server`; `admin`, the administration commands; `database`, the one place that picks
//! a database driver; `copy`, SQLite to PostgreSQL; `client`, the client commands; `logging`,
//! where log lines go.

mod admin;
mod cli;
mod client;
mod copy;
mod database;
mod logging;
mod serve;

use std::process::ExitCode;

use clap::Parser as _;

use crate::admin::AdminError;
use crate::cli::{Cli, Command};

/// mimalloc: the service's requests allocate and free many small values, which it serves at a
/// fraction of glibc's cost (measured in BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The service's lines go through a buffer; a command's are written as they come.
    let log = init_logging(matches!(cli.command, Command::Serve(_)));
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: failed to start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let done = runtime.block_on(run(cli));
    // What the runtime's tasks log as they end is written too.
    drop(runtime);
    log.flush();
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            report(&error);
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve::run(&cli.global, args).await,
        Command::Migrate => Ok(admin::migrate(&cli.global).await?),
        Command::Copy { to } => Ok(admin::copy(&cli.global, &to).await?),
        Command::Purge(args) => Ok(admin::purge(&cli.global, args).await?),
        Command::Partner(cli::PartnerCommand::New(args)) => Ok(admin::partner_new(&cli.global, args).await?),
        Command::Customer(cli::CustomerCommand::New(args)) => Ok(admin::customer_new(&cli.global, args).await?),
        Command::Token(cli::TokenCommand::Issue(args)) => Ok(admin::token_issue(&cli.global, args).await?),
        Command::Agent(command) => Ok(admin::agent(&cli.global, command).await?),
        Command::Customer(cli::CustomerCommand::List) => client::customer_list(&cli.global).await,
        Command::Customer(cli::CustomerCommand::Get { customer }) => client::customer_get(&cli.global, customer).await,
        Command::User(command) => client::user(&cli.global, command).await,
        Command::Role(command) => client::role(&cli.global, command).await,
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "tenantdesk", &mut std::io::stdout());
            Ok(())
        }
        Command::Openapi => {
            println!(
                "{}",
                serde_json::to_string_pretty(&tenantdesk_api::http::openapi_document())?
            );
            Ok(())
        }
    }
}

/// Prints an error for people: the service's description and details, or the whole cause chain.
fn report(error: &anyhow::Error) {
    if let Some(tenantdesk_client::Error::Api { description, data, .. }) = error.downcast_ref() {
        eprintln!("error: {description}");
        for detail in data {
            eprintln!("  - {detail}");
        }
    } else if let Some(described) = error.downcast_ref::<AdminError>().and_then(AdminError::describe) {
        eprintln!("error: {}", described.sentence);
        for problem in described.problems {
            eprintln!("  - {problem}");
        }
        if let Some(cause) = described.cause {
            eprintln!("  caused by: {cause:#}");
        }
    } else {
        eprintln!("error: {error:#}");
    }
}

/// Logs to stderr through a buffer ([`logging`]), filtered by `RUST_LOG` (default `info`,
/// [`logging::filter`]); JSON lines when `TENANTDESK_LOG_FORMAT=json`.
fn init_logging(buffered: bool) -> logging::Log {
    use std::io::IsTerminal as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let log = if buffered {
        logging::Log::buffered()
    } else {
        logging::Log::unbuffered()
    };
    let directives = std::env::var("RUST_LOG").ok();
    let subscriber = tracing_subscriber::registry().with(logging::filter(directives.as_deref()).layer());
    let lines = tracing_subscriber::fmt::layer()
        .with_writer(log.clone())
        .with_timer(logging::Clock)
        .with_ansi(std::io::stderr().is_terminal());
    if std::env::var("TENANTDESK_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        subscriber.with(lines.json()).init();
    } else {
        subscriber.with(lines).init();
    }
    log
}
