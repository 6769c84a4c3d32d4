//! The client commands: they talk to a running service through the Rust SDK, never to the
//! database. Data goes to standard output, everything for people (progress, summaries) to stderr.

use std::io::{IsTerminal as _, Write as _};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, bail};
use indicatif::{ProgressBar, ProgressStyle};
use tenantdesk_client::Partner;

use crate::cli::{Global, UserImportArgs};

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
pub async fn import(global: &Global, args: UserImportArgs) -> anyhow::Result<()> {
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
