//! The client commands: they talk to a running service through the Rust SDK, never to the
//! database. Data goes to standard output, everything for people (progress, summaries) to stderr.

use std::io::{IsTerminal as _, Write as _};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, bail};
use futures::TryStreamExt as _;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use tenantdesk_client::{
    Collection, Customer, CustomerUser, CustomerUserRequest, DirectoryRole, Partner, PasswordProfile, UserOperations,
};

use crate::cli::{
    Global, RoleCommand, RoleMemberArgs, UserCommand, UserImportArgs, UserListArgs, UserNewArgs, UserRef,
    UserRemoveArgs, UserResetArgs, UserSetArgs,
};

/// Prints rows under headers, in aligned columns.
pub(crate) fn print_table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(headers.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// Prints `value` as one line of JSON.
fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

fn print_users(global: &Global, users: &[CustomerUser]) -> anyhow::Result<()> {
    if global.json {
        return print_json(&users);
    }
    let deleted = users.iter().any(|u| u.soft_deletion_time.is_some());
    let mut headers = vec!["ID", "USER PRINCIPAL NAME", "DISPLAY NAME", "LOCATION", "STATE"];
    if deleted {
        headers.push("DELETED");
    }
    let rows: Vec<Vec<String>> = users
        .iter()
        .map(|u| {
            let state = serde_json::to_value(u.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let mut row = vec![
                u.id.to_string(),
                u.user_principal_name.clone(),
                u.display_name.clone(),
                u.usage_location.clone(),
                state,
            ];
            if deleted {
                row.push(
                    u.soft_deletion_time
                        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                        .unwrap_or_default(),
                );
            }
            row
        })
        .collect();
    print_table(&headers, &rows);
    Ok(())
}

/// Prints a user (with `--json`, the whole resource, temporary password included when set).
fn print_user(global: &Global, user: &CustomerUser) -> anyhow::Result<()> {
    if global.json {
        return print_json(user);
    }
    print_users(global, std::slice::from_ref(user))?;
    if let Some(password) = user.password_profile.as_ref().and_then(|p| p.password.as_deref()) {
        println!("temporary password: {password}");
    }
    Ok(())
}

fn print_roles(global: &Global, roles: &Collection<DirectoryRole>) -> anyhow::Result<()> {
    if global.json {
        return print_json(&roles.items);
    }
    let rows: Vec<Vec<String>> = roles
        .items
        .iter()
        .map(|r| vec![r.id.to_string(), r.name.clone()])
        .collect();
    print_table(&["ID", "NAME"], &rows);
    Ok(())
}

fn print_customers(global: &Global, customers: &[Customer]) -> anyhow::Result<()> {
    if global.json {
        return print_json(&customers);
    }
    let rows: Vec<Vec<String>> = customers
        .iter()
        .map(|c| {
            vec![
                c.id.to_string(),
                c.company_profile.company_name.clone(),
                c.domains.join(", "),
            ]
        })
        .collect();
    print_table(&["ID", "COMPANY", "DOMAINS"], &rows);
    Ok(())
}

/// `tenantdesk customer list`.
pub async fn customer_list(global: &Global) -> anyhow::Result<()> {
    let partner = connect(global)?;
    print_customers(global, &partner.customers().list().await?.items)
}

/// `tenantdesk customer get`.
pub async fn customer_get(global: &Global, customer: uuid::Uuid) -> anyhow::Result<()> {
    let partner = connect(global)?;
    let customer = partner.customers().by_id(customer).get().await?;
    if global.json {
        return print_json(&customer);
    }
    print_customers(global, std::slice::from_ref(&customer))?;
    println!("provider instance: {}", customer.provider_instance_id);
    Ok(())
}

/// Asks `question` on the terminal; anything but y or yes is a no.
pub(crate) fn confirm(question: &str) -> anyhow::Result<bool> {
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

/// `tenantdesk user …`.
pub async fn user(global: &Global, command: UserCommand) -> anyhow::Result<()> {
    let partner = connect(global)?;
    match command {
        UserCommand::New(args) => user_new(global, &partner, args).await,
        UserCommand::Get(target) => {
            let user = user_ops(&partner, &target).get().await?;
            print_user(global, &user)
        }
        UserCommand::Set(args) => user_set(global, &partner, args).await,
        UserCommand::Remove(args) => user_remove(&partner, args).await,
        UserCommand::Restore(target) => {
            let user = user_ops(&partner, &target).restore().await?;
            print_user(global, &user)
        }
        UserCommand::ResetPassword(args) => user_reset_password(global, &partner, args).await,
        UserCommand::List(args) => user_list(global, &partner, args).await,
        UserCommand::Import(args) => import(global, args).await,
    }
}

/// The SDK's handle of the user `target` names.
fn user_ops<'a>(partner: &'a Partner, target: &UserRef) -> UserOperations<'a> {
    partner.customers().by_id(target.customer).users().by_id(target.user)
}

async fn user_new(global: &Global, partner: &Partner, args: UserNewArgs) -> anyhow::Result<()> {
    let role_ids = resolve_roles(partner, args.customer, &args.roles).await?;
    let request = CustomerUserRequest {
        user_principal_name: Some(args.upn),
        first_name: args.first_name,
        last_name: args.last_name,
        display_name: Some(args.display_name),
        usage_location: Some(args.location),
        password_profile: Some(PasswordProfile {
            force_change_password: Some(true),
            password: args.password,
        }),
        directory_role_ids: (!role_ids.is_empty()).then_some(role_ids),
        ..CustomerUserRequest::default()
    };
    let user = partner
        .customers()
        .by_id(args.customer)
        .users()
        .create(&request)
        .await?;
    print_user(global, &user)
}

async fn user_set(global: &Global, partner: &Partner, args: UserSetArgs) -> anyhow::Result<()> {
    let changes = CustomerUserRequest {
        user_principal_name: args.upn,
        first_name: args.first_name,
        last_name: args.last_name,
        display_name: args.display_name,
        usage_location: args.location,
        ..CustomerUserRequest::default()
    };
    if changes == CustomerUserRequest::default() {
        bail!("nothing to change: pass --upn, --display-name, --first-name, --last-name or --location");
    }
    let user = user_ops(partner, &args.user).patch(&changes).await?;
    print_user(global, &user)
}

async fn user_remove(partner: &Partner, args: UserRemoveArgs) -> anyhow::Result<()> {
    let ops = user_ops(partner, &args.user);
    if !args.yes && std::io::stdin().is_terminal() {
        let user = ops.get().await?;
        let question = format!(
            "Delete {} ({})? It can be restored for 30 days.",
            user.user_principal_name, user.id
        );
        if !confirm(&question)? {
            bail!("not deleted");
        }
    }
    ops.delete().await?;
    eprintln!("deleted {}; it can be restored for 30 days", args.user.user);
    Ok(())
}

async fn user_reset_password(global: &Global, partner: &Partner, args: UserResetArgs) -> anyhow::Result<()> {
    let ops = user_ops(partner, &args.user);
    let user = ops.reset_password(args.password.as_deref()).await?;
    if global.json {
        return print_json(&user);
    }
    let password = user.password_profile.and_then(|p| p.password).unwrap_or_default();
    println!("{password}");
    eprintln!(
        "{} must change it at next sign-in; it is not shown again",
        user.user_principal_name
    );
    Ok(())
}

async fn user_list(global: &Global, partner: &Partner, args: UserListArgs) -> anyhow::Result<()> {
    let users = partner.customers().by_id(args.customer).users();
    let listed: Vec<CustomerUser> = match (args.deleted, args.all) {
        (false, true) => users.list().try_collect().await?,
        (true, true) => users.deleted().try_collect().await?,
        (deleted, false) => {
            let page = if deleted {
                users.deleted_page(0).await?
            } else {
                users.page(0).await?
            };
            if page.links.next.is_some() {
                eprintln!("(the first {} users; --all lists every one)", page.items.len());
            }
            page.items
        }
    };
    print_users(global, &listed)
}

/// The ids of `roles`, each given by id or by name (any case).
async fn resolve_roles(partner: &Partner, customer: uuid::Uuid, roles: &[String]) -> anyhow::Result<Vec<String>> {
    if roles.is_empty() {
        return Ok(Vec::new());
    }
    let known = partner
        .customers()
        .by_id(customer)
        .directory_roles()
        .list()
        .await?
        .items;
    roles
        .iter()
        .map(|wanted| {
            known
                .iter()
                .find(|r| r.id.to_string().eq_ignore_ascii_case(wanted) || r.name.eq_ignore_ascii_case(wanted))
                .map(|r| r.id.to_string())
                .with_context(|| {
                    let names: Vec<&str> = known.iter().map(|r| r.name.as_str()).collect();
                    format!("no directory role is called '{wanted}' (roles: {})", names.join(", "))
                })
        })
        .collect()
}

/// `tenantdesk role …`.
pub async fn role(global: &Global, command: RoleCommand) -> anyhow::Result<()> {
    let partner = connect(global)?;
    match command {
        RoleCommand::List {
            customer,
            user: Some(user),
        } => print_roles(
            global,
            &partner
                .customers()
                .by_id(customer)
                .users()
                .by_id(user)
                .directory_roles()
                .await?,
        ),
        RoleCommand::List { customer, user: None } => print_roles(
            global,
            &partner.customers().by_id(customer).directory_roles().list().await?,
        ),
        RoleCommand::Add(RoleMemberArgs { customer, role, user }) => {
            let role = resolve_roles(&partner, customer, &[role]).await?.remove(0).parse()?;
            let member = partner
                .customers()
                .by_id(customer)
                .directory_roles()
                .by_id(role)
                .add_member(user)
                .await?;
            if global.json {
                return print_json(&member);
            }
            eprintln!("{} is now a member of the role {role}", member.user_principal_name);
            Ok(())
        }
        RoleCommand::Remove(RoleMemberArgs { customer, role, user }) => {
            let role = resolve_roles(&partner, customer, &[role]).await?.remove(0).parse()?;
            partner
                .customers()
                .by_id(customer)
                .directory_roles()
                .by_id(role)
                .remove_member(user)
                .await?;
            eprintln!("{user} is no longer a member of the role {role}");
            Ok(())
        }
    }
}

/// The SDK client for `--url` and `--token`.
pub fn connect(global: &Global) -> anyhow::Result<Partner> {
    let Some(url) = &global.url else {
        bail!("no service URL: pass --url or set TENANTDESK_URL")
    };
    let Some(token) = &global.token else {
        bail!("no bearer token: pass --token or set TENANTDESK_TOKEN")
    };
    Ok(Partner::new(url, token)?)
}

/// A spinner on stderr, only when stderr is a terminal.
fn spinner(message: String) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new_spinner().with_message(message);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(100));
    Some(bar)
}

/// Creates a file readable by its owner only; an existing file is refused unless `force`.
fn create_private(path: &Path, force: bool) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(path)
        .with_context(|| format!("failed to create {}", path.display()))?;
    #[cfg(unix)]
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .with_context(|| format!("failed to restrict {} to its owner", path.display()))?;
    Ok(file)
}

/// `tenantdesk user import`.
async fn import(global: &Global, args: UserImportArgs) -> anyhow::Result<()> {
    let file = std::fs::read(&args.file).with_context(|| format!("failed to read {}", args.file.display()))?;
    if let Some(out) = &args.out
        && out.exists()
        && !args.force
    {
        bail!("{} exists; pass --force to overwrite it", out.display());
    }
    let partner = connect(global)?;
    let users = partner.customers().by_id(args.customer).users();
    let name = args.file.display();

    let progress = spinner(format!("validating {name}"));
    let validated = users.import(&file, &args.location, true).await;
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    let validated = match validated {
        Ok(validated) => validated,
        Err(tenantdesk_client::Error::Api { status: 400, data, .. }) => {
            eprintln!("{name}: nothing was created; fix these problems and upload it again:");
            for problem in &data {
                eprintln!("  {problem}");
            }
            bail!("{} problem(s) in {name}", data.len().max(1));
        }
        Err(error) => return Err(error.into()),
    };
    let count = validated.total_count;
    if args.validate_only {
        if global.json {
            println!("{}", serde_json::to_string(&validated)?);
        }
        eprintln!("{name}: {count} users, all valid");
        return Ok(());
    }

    // The passwords are shown once: have somewhere to put them before creating the users.
    let mut out = args
        .out
        .as_deref()
        .map(|path| create_private(path, args.force).map(|f| (path, f)))
        .transpose()?;
    let progress = spinner(format!("creating {count} users"));
    let created = users.import_csv(&file, &args.location).await;
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    let passwords = match created {
        Ok(passwords) => passwords,
        Err(error) => {
            if let Some((path, _)) = &out {
                let _ = std::fs::remove_file(path);
            }
            return Err(error.into());
        }
    };
    match &mut out {
        Some((path, file)) => {
            file.write_all(passwords.as_bytes())
                .with_context(|| format!("failed to write {}", path.display()))?;
            eprintln!(
                "created {count} users; their temporary passwords are in {} (shown once)",
                path.display()
            );
        }
        None => {
            print!("{passwords}");
            eprintln!("created {count} users");
        }
    }
    Ok(())
}
