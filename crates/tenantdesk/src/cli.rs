//! The command line, as INTERFACE.md fixes it: every option is a flag and an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use tenantdesk_domain::{AgentRole, PartnerId};

/// A self-hostable, Partner Center-compatible service for the users of CSP customers' tenants.
#[derive(Parser, Debug)]
#[command(name = "tenantdesk", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// When SQLite acknowledges a write.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqliteSynchronous {
    /// Once it is on disk
    Full,
    /// Before it is on disk: a power loss can take it back
    Normal,
}

/// Options of every command.
#[derive(Args, Debug)]
pub struct Global {
    /// Database URL: sqlite://PATH (default: sqlite://DATA_DIR/tenantdesk.db)
    #[arg(long, env = "TENANTDESK_DATABASE_URL", global = true, hide_env_values = true)]
    pub database: Option<String>,
    /// Most connections to the database server (PostgreSQL)
    #[arg(long, env = "TENANTDESK_DB_POOL_SIZE", global = true, default_value_t = 10)]
    pub db_pool_size: u32,
    /// Seconds a statement may run before the database server cancels it (PostgreSQL; 0: no limit)
    #[arg(long, env = "TENANTDESK_DB_STATEMENT_TIMEOUT", global = true, default_value_t = 30)]
    pub db_statement_timeout: u64,
    /// When SQLite acknowledges a write: full (once on disk, safe against power loss) or normal
    /// (faster; a power loss can take back the last acknowledged writes)
    #[arg(long, env = "TENANTDESK_SQLITE_SYNCHRONOUS", global = true, value_enum, default_value_t = SqliteSynchronous::Full)]
    pub sqlite_synchronous: SqliteSynchronous,
    /// Directory of the embedded database
    #[arg(
        long,
        env = "TENANTDESK_DATA_DIR",
        global = true,
        default_value = "./tenantdesk-data"
    )]
    pub data_dir: PathBuf,
    /// Print whole records as JSON instead of just the id or token
    #[arg(long, global = true)]
    pub json: bool,
    /// URL of the tenantdesk service, for the client commands
    #[arg(long, env = "TENANTDESK_URL", global = true)]
    pub url: Option<String>,
    /// Bearer token, for the client commands
    #[arg(long, env = "TENANTDESK_TOKEN", global = true, hide_env_values = true)]
    pub token: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the service
    ///
    /// Without --tls-cert/--tls-key it serves plain HTTP: the web console then works on a loopback
    /// address only, or behind a reverse proxy that terminates TLS.
    ///
    /// Example: tenantdesk serve --demo
    Serve(ServeArgs),
    /// Apply pending database migrations
    ///
    /// Example: tenantdesk migrate --database sqlite://./tenantdesk-data/tenantdesk.db
    Migrate,
    /// Remove users deleted longer ago than the retention period, now
    ///
    /// Example: tenantdesk purge --retention-days 30
    Purge(PurgeArgs),
    /// Copy every row of the --database (SQLite) into an empty PostgreSQL database
    ///
    /// The target is migrated first; it must hold no data. Users keep their passwords and issued
    /// tokens stay valid (the signing key is copied too).
    ///
    /// Example: tenantdesk --database sqlite://./tenantdesk-data/tenantdesk.db copy --to postgres://tenantdesk@db/tenantdesk
    Copy {
        /// The PostgreSQL database to copy into
        #[arg(long, env = "TENANTDESK_COPY_TO", hide_env_values = true)]
        to: String,
    },
    /// Manage partners
    #[command(subcommand)]
    Partner(PartnerCommand),
    /// Manage customers
    #[command(subcommand)]
    Customer(CustomerCommand),
    /// Issue bearer tokens
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage the agents who sign in to the web console
    #[command(subcommand)]
    Agent(AgentCommand),
    /// Manage a customer's users (through the service)
    #[command(subcommand)]
    User(UserCommand),
    /// Manage the directory roles of a customer's users (through the service)
    #[command(subcommand)]
    Role(RoleCommand),
    /// Print a shell completion script
    ///
    /// Example: tenantdesk completions bash > /etc/bash_completion.d/tenantdesk
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Print the OpenAPI document of the API
    Openapi,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; prints it, and its temporary password once
    ///
    /// Without --password, a temporary password is generated.
    ///
    /// Example: tenantdesk user new --customer CID --upn ana@contoso.onmicrosoft.com --display-name "Ana Lima" --location US
    New(UserNewArgs),
    /// Show a user
    ///
    /// Example: tenantdesk user get --customer CID --user UID
    Get(UserRef),
    /// Change a user's name, sign-in name or location
    ///
    /// Example: tenantdesk user set --customer CID --user UID --display-name "Ana M. Lima" --location GB
    Set(UserSetArgs),
    /// Delete a user (restorable for 30 days); asks first on a terminal
    ///
    /// Example: tenantdesk user remove --customer CID --user UID --yes
    Remove(UserRemoveArgs),
    /// Restore a user deleted in the last 30 days
    ///
    /// Example: tenantdesk user restore --customer CID --user UID
    Restore(UserRef),
    /// Reset a user's password; prints the temporary password once, on standard output
    ///
    /// Without --password, a temporary password is generated.
    ///
    /// Example: tenantdesk user reset-password --customer CID --user UID
    ResetPassword(UserResetArgs),
    /// List a customer's users (the first 100, or --all)
    ///
    /// Example: tenantdesk user list --customer CID --deleted --all
    List(UserListArgs),
    /// Upload users from a CSV file: all are created, or none
    ///
    /// The file has the header `First name,Last name,Display name,Email,Status update` and one row
    /// per user (at most 100). The file of temporary passwords is written to --out (mode 0600),
    /// or to standard output.
    ///
    /// Example: tenantdesk user import --customer CID --location US users.csv --out passwords.csv
    Import(UserImportArgs),
}

#[derive(Args, Debug)]
pub struct UserRef {
    /// The customer
    #[arg(long)]
    pub customer: uuid::Uuid,
    /// The user's id
    #[arg(long)]
    pub user: uuid::Uuid,
}

#[derive(Args, Debug)]
pub struct UserNewArgs {
    /// The customer
    #[arg(long)]
    pub customer: uuid::Uuid,
    /// Sign-in name, in one of the customer's domains
    #[arg(long)]
    pub upn: String,
    /// Display name
    #[arg(long)]
    pub display_name: String,
    /// Usage location (ISO 3166-1 alpha-2)
    #[arg(long)]
    pub location: String,
    /// First name
    #[arg(long)]
    pub first_name: Option<String>,
    /// Last name
    #[arg(long)]
    pub last_name: Option<String>,
    /// Password (default: a generated temporary one)
    #[arg(long)]
    pub password: Option<String>,
    /// A directory role (id or name) to make the user a member of; repeat for more
    #[arg(long = "role")]
    pub roles: Vec<String>,
}

#[derive(Args, Debug)]
pub struct UserSetArgs {
    #[command(flatten)]
    pub user: UserRef,
    /// New sign-in name
    #[arg(long)]
    pub upn: Option<String>,
    /// New display name
    #[arg(long)]
    pub display_name: Option<String>,
    /// New first name ("" clears it)
    #[arg(long)]
    pub first_name: Option<String>,
    /// New last name ("" clears it)
    #[arg(long)]
    pub last_name: Option<String>,
    /// New usage location
    #[arg(long)]
    pub location: Option<String>,
}

#[derive(Args, Debug)]
pub struct UserRemoveArgs {
    #[command(flatten)]
    pub user: UserRef,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Args, Debug)]
pub struct UserResetArgs {
    #[command(flatten)]
    pub user: UserRef,
    /// The new password (default: a generated temporary one)
    #[arg(long)]
    pub password: Option<String>,
}

#[derive(Args, Debug)]
pub struct UserListArgs {
    /// The customer
    #[arg(long)]
    pub customer: uuid::Uuid,
    /// The deleted (restorable) users instead of the active ones
    #[arg(long)]
    pub deleted: bool,
    /// Every user, page after page, not only the first 100
    #[arg(long)]
    pub all: bool,
}

#[derive(Subcommand, Debug)]
pub enum RoleCommand {
    /// List the directory roles of a customer, or those of one user
    ///
    /// Example: tenantdesk role list --customer CID [--user UID]
    List {
        /// The customer
        #[arg(long)]
        customer: uuid::Uuid,
        /// Only the roles of this user
        #[arg(long)]
        user: Option<uuid::Uuid>,
    },
    /// Make a user a member of a directory role
    ///
    /// Example: tenantdesk role add --customer CID --role "Helpdesk Administrator" --user UID
    Add(RoleMemberArgs),
    /// End a user's membership of a directory role
    ///
    /// Example: tenantdesk role remove --customer CID --role 729827e3-9c14-49f7-bb1b-9608f156bbb8 --user UID
    Remove(RoleMemberArgs),
}

#[derive(Args, Debug)]
pub struct RoleMemberArgs {
    /// The customer
    #[arg(long)]
    pub customer: uuid::Uuid,
    /// The role: its id or its name
    #[arg(long)]
    pub role: String,
    /// The user's id
    #[arg(long)]
    pub user: uuid::Uuid,
}

#[derive(Args, Debug)]
pub struct UserImportArgs {
    /// The customer
    #[arg(long)]
    pub customer: uuid::Uuid,
    /// The usage location of every user of the file (ISO 3166-1 alpha-2)
    #[arg(long)]
    pub location: String,
    /// The CSV file
    pub file: PathBuf,
    /// Only check the file; create nothing
    #[arg(long)]
    pub validate_only: bool,
    /// Where to write the file of temporary passwords (default: standard output)
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Overwrite --out if it exists
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on
    #[arg(long, env = "TENANTDESK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Days a deleted user is kept before it is purged
    #[arg(long, env = "TENANTDESK_RETENTION_DAYS", default_value_t = 30)]
    pub retention_days: u32,
    /// Days audit records are kept
    #[arg(long, env = "TENANTDESK_AUDIT_RETENTION_DAYS", default_value_t = 365)]
    pub audit_retention_days: u32,
    /// Seconds between two purge passes
    #[arg(long, env = "TENANTDESK_PURGE_INTERVAL", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..))]
    pub purge_interval: u64,
    /// Seconds a client may take to send a request's headers, and a kept-alive connection may
    /// stay idle, before the connection is closed
    #[arg(long, env = "TENANTDESK_HEADER_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,
    /// Seconds a request body may go without sending a byte before it is answered 408
    #[arg(long, env = "TENANTDESK_BODY_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub body_timeout: u64,
    /// Most connections served at once; more are closed as soon as they are accepted
    #[arg(long, env = "TENANTDESK_MAX_CONNECTIONS", default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: u64,
    /// Requests a minute per partner, and failed authentications a minute per client address,
    /// before 429 (0: no limit)
    #[arg(long, env = "TENANTDESK_RATE_LIMIT", default_value_t = 6000)]
    pub rate_limit: u32,
    /// Seed a demo partner, customer and users on first start, and print a token
    #[arg(long)]
    pub demo: bool,
    /// Serve HTTPS with this certificate chain (PEM), with --tls-key
    #[arg(long, env = "TENANTDESK_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert
    #[arg(long, env = "TENANTDESK_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct PurgeArgs {
    /// Days a deleted user is kept before it is purged
    #[arg(long, env = "TENANTDESK_RETENTION_DAYS", default_value_t = 30)]
    pub retention_days: u32,
    /// Days audit records are kept
    #[arg(long, env = "TENANTDESK_AUDIT_RETENTION_DAYS", default_value_t = 365)]
    pub audit_retention_days: u32,
}

#[derive(Subcommand, Debug)]
pub enum PartnerCommand {
    /// Create a partner; prints its id
    ///
    /// Example: tenantdesk partner new --name "Fabrikam CSP" --portal-domain portal.fabrikam.com
    New(PartnerNewArgs),
}

#[derive(Args, Debug)]
pub struct PartnerNewArgs {
    /// The partner's name
    #[arg(long)]
    pub name: String,
    /// The domain of the partner's portal (CloudCockpit's X-Tenant)
    #[arg(long)]
    pub portal_domain: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum CustomerCommand {
    /// Create a customer of a partner, in the database; prints its id
    ///
    /// Example: tenantdesk customer new --partner PID --domain contoso.onmicrosoft.com --name Contoso
    New(CustomerNewArgs),
    /// List the partner's customers (through the service)
    ///
    /// Example: tenantdesk --url URL --token TOKEN customer list
    List,
    /// Show a customer (through the service)
    ///
    /// Example: tenantdesk customer get --customer CID
    Get {
        /// The customer
        #[arg(long)]
        customer: uuid::Uuid,
    },
}

#[derive(Args, Debug)]
pub struct CustomerNewArgs {
    /// The partner it belongs to
    #[arg(long)]
    pub partner: PartnerId,
    /// A domain it owns; repeat for more (the first is the default)
    #[arg(long = "domain", required = true)]
    pub domains: Vec<String>,
    /// The company's name (default: the domain)
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Issue a bearer token for an agent of a partner, or an app-only one; prints the token
    ///
    /// Example: tenantdesk token issue --partner PID --user admin@fabrikam.com --role admin-agent
    Issue(TokenIssueArgs),
}

#[derive(Args, Debug)]
pub struct TokenIssueArgs {
    /// The partner
    #[arg(long)]
    pub partner: PartnerId,
    /// The agent's UPN
    #[arg(
        long,
        required_unless_present = "app_only",
        conflicts_with = "app_only",
        requires = "role"
    )]
    pub user: Option<String>,
    /// The agent's role: admin-agent, helpdesk-agent or sales-agent
    #[arg(long, conflicts_with = "app_only")]
    pub role: Option<AgentRole>,
    /// An app-only token (no agent): refused on user operations
    #[arg(long)]
    pub app_only: bool,
    /// Seconds the token is valid
    #[arg(long, default_value_t = 3600)]
    pub ttl: u64,
}

#[derive(Subcommand, Debug)]
pub enum AgentCommand {
    /// Create an agent of a partner for the web console; prints its one-time password
    ///
    /// The agent replaces the one-time password at its first sign-in. --json prints the whole
    /// record, the password included.
    ///
    /// Example: tenantdesk agent new --partner PID --upn ana@fabrikam.com --role admin-agent
    New(AgentNewArgs),
    /// List a partner's agents
    ///
    /// Example: tenantdesk agent list --partner PID
    List {
        /// The partner
        #[arg(long)]
        partner: PartnerId,
    },
    /// Give an agent a new one-time password; prints it. Its sessions end, and a lock-out after
    /// failed sign-ins is lifted
    ///
    /// Example: tenantdesk agent reset-password --partner PID --upn ana@fabrikam.com
    ResetPassword(AgentRef),
    /// Remove an agent; its sessions end at once. Asks first on a terminal
    ///
    /// Example: tenantdesk agent remove --partner PID --upn ana@fabrikam.com --yes
    Remove(AgentRemoveArgs),
}

#[derive(Args, Debug)]
pub struct AgentNewArgs {
    /// The partner it acts for
    #[arg(long)]
    pub partner: PartnerId,
    /// Its sign-in name (unique across partners)
    #[arg(long)]
    pub upn: String,
    /// Its role: admin-agent, helpdesk-agent or sales-agent
    #[arg(long)]
    pub role: AgentRole,
}

#[derive(Args, Debug)]
pub struct AgentRef {
    /// The partner
    #[arg(long)]
    pub partner: PartnerId,
    /// The agent's sign-in name
    #[arg(long)]
    pub upn: String,
}

#[derive(Args, Debug)]
pub struct AgentRemoveArgs {
    #[command(flatten)]
    pub agent: AgentRef,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
}
