//! The `tenantdesk` binary as people run it: the administration commands, `serve --demo` from a
//! clean directory, graceful shutdown, and what reaches the log and the database files.

// Tests unwrap freely: a failed unwrap is a failed test, with the value in its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use futures::TryStreamExt as _;
use tenantdesk_client::{CustomerUserRequest, Partner, PasswordProfile};

const BIN: &str = env!("CARGO_BIN_EXE_tenantdesk");

fn tenantdesk(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(["--data-dir", dir.to_str().unwrap()])
        .args(args)
        .env_remove("TENANTDESK_DATABASE_URL")
        .output()
        .expect("run tenantdesk")
}

#[track_caller]
fn stdout_of(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).unwrap().trim().to_owned()
}

/// A running `tenantdesk serve`, with its stdout lines read up to the token (with `--demo`).
struct Server {
    child: Child,
    lines: Vec<String>,
    url: String,
}

impl Server {
    fn start(cwd: &Path, args: &[&str], log: &Path) -> Self {
        Self::start_with(cwd, args, log, &[])
    }

    fn start_with(cwd: &Path, args: &[&str], log: &Path, env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(BIN)
            .current_dir(cwd)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", "trace")
            .env_remove("TENANTDESK_DATABASE_URL")
            .env_remove("TENANTDESK_DATA_DIR")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .expect("start the server");
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut lines = Vec::new();
        let wanted = if args.contains(&"--demo") { 10 } else { 1 };
        while lines.len() < wanted {
            let mut line = String::new();
            assert!(
                reader.read_line(&mut line).unwrap() > 0,
                "the server stopped early: {lines:?}"
            );
            lines.push(line.trim_end().to_owned());
        }
        let url = lines[0].rsplit(' ').next().unwrap().to_owned();
        assert!(
            url.starts_with("http://127.0.0.1:") || url.starts_with("https://127.0.0.1:"),
            "{lines:?}"
        );
        Self { child, lines, url }
    }

    /// Sends SIGTERM and waits: a graceful shutdown exits with success.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "graceful shutdown exits 0, got {status}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[test]
fn admin_commands_print_just_the_id_or_token() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let partner = stdout_of(&tenantdesk(
        data,
        &[
            "partner",
            "new",
            "--name",
            "Fabrikam",
            "--portal-domain",
            "portal.fabrikam.com",
        ],
    ));
    assert!(partner.parse::<uuid::Uuid>().is_ok(), "{partner}");
    let customer = stdout_of(&tenantdesk(
        data,
        &[
            "customer",
            "new",
            "--partner",
            &partner,
            "--domain",
            "contoso.onmicrosoft.com",
            "--domain",
            "contoso.com",
        ],
    ));
    assert!(customer.parse::<uuid::Uuid>().is_ok(), "{customer}");
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&tenantdesk(
        data,
        &[
            "--json",
            "customer",
            "new",
            "--partner",
            &partner,
            "--domain",
            "tailspin.onmicrosoft.com",
            "--name",
            "Tailspin",
        ],
    )))
    .unwrap();
    assert_eq!(json["companyProfile"]["companyName"], "Tailspin");

    for args in [
        &[
            "token",
            "issue",
            "--partner",
            &partner,
            "--user",
            "admin@fabrikam.com",
            "--role",
            "admin-agent",
        ][..],
        &[
            "token",
            "issue",
            "--partner",
            &partner,
            "--user",
            "help@fabrikam.com",
            "--role",
            "helpdesk-agent",
            "--ttl",
            "60",
        ],
        &["token", "issue", "--partner", &partner, "--app-only"],
    ] {
        let token = stdout_of(&tenantdesk(data, args));
        assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    }
    stdout_of(&tenantdesk(data, &["migrate"]));
    assert_eq!(stdout_of(&tenantdesk(data, &["purge", "--retention-days", "30"])), "0");

    let failures = [
        (
            &[
                "token",
                "issue",
                "--partner",
                &partner,
                "--user",
                "a@b.com",
                "--role",
                "global-admin",
            ][..],
            "unknown role",
        ),
        (
            &["token", "issue", "--partner", &partner, "--user", "a@b.com"],
            "--role",
        ),
        (
            &[
                "token",
                "issue",
                "--partner",
                "3f0c5c53-4a3b-4c1e-9f43-0c8f5e9d2a11",
                "--app-only",
            ],
            "no partner has the id",
        ),
        (
            &[
                "customer",
                "new",
                "--partner",
                &partner,
                "--domain",
                "contoso.onmicrosoft.com",
            ],
            "already belongs to a customer",
        ),
        (
            &["customer", "new", "--partner", &partner, "--domain", "not a domain"],
            "companyProfile.domain",
        ),
        (
            &[
                "partner",
                "new",
                "--name",
                "Other",
                "--portal-domain",
                "portal.fabrikam.com",
            ],
            "already belongs to a partner",
        ),
    ];
    for (args, message) in failures {
        let output = tenantdesk(data, args);
        assert!(!output.status.success(), "{args:?}");
        assert!(output.stdout.is_empty(), "nothing on stdout on failure");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

/// Whether the SQLite database of the data directory `data` holds a token signing key (the setting
/// `tenantdesk_api::auth` keeps it in).
fn has_signing_key(data: &Path) -> bool {
    let database = rusqlite::Connection::open(data.join("tenantdesk.db")).unwrap();
    database
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM settings WHERE key = 'token-signing-key')",
            [],
            |row| row.get(0),
        )
        .unwrap()
}

#[test]
fn migrate_and_the_commands_on_the_use_cases_create_no_token_signing_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert!(tenantdesk(data, &["migrate"]).status.success());
    assert!(!has_signing_key(data), "migrate only migrates");
    let partner = stdout_of(&tenantdesk(data, &["partner", "new", "--name", "Fabrikam"]));
    stdout_of(&tenantdesk(
        data,
        &[
            "customer",
            "new",
            "--partner",
            &partner,
            "--domain",
            "contoso.onmicrosoft.com",
        ],
    ));
    stdout_of(&tenantdesk(
        data,
        &[
            "agent",
            "new",
            "--partner",
            &partner,
            "--upn",
            "ana@fabrikam.com",
            "--role",
            "admin-agent",
        ],
    ));
    stdout_of(&tenantdesk(data, &["agent", "list", "--partner", &partner]));
    stdout_of(&tenantdesk(data, &["purge"]));
    assert!(!has_signing_key(data));
    // The key is made by the first command that signs a token with it.
    stdout_of(&tenantdesk(
        data,
        &["token", "issue", "--partner", &partner, "--app-only"],
    ));
    assert!(has_signing_key(data));
}

/// The store of `url` (SQLite's or PostgreSQL's), as the service opens it.
async fn store_on(url: &str) -> std::sync::Arc<dyn tenantdesk_store::Store> {
    if url.starts_with("sqlite:") {
        std::sync::Arc::new(tenantdesk_sqlite::SqliteStore::open(url).await.unwrap())
    } else {
        let options = tenantdesk_postgres::PostgresOptions::default();
        std::sync::Arc::new(tenantdesk_postgres::PostgresStore::open(url, &options).await.unwrap())
    }
}

/// The application on the database of `url`, as the service opens it.
async fn app_on(url: &str) -> tenantdesk_core::App {
    tenantdesk_core::App::new(store_on(url).await, tenantdesk_core::Config::default())
}

fn sqlite_url(data: &Path) -> String {
    format!("sqlite://{}", data.join("tenantdesk.db").display())
}

/// Signs `upn` in with `password` on the database at `url`; the session's secret.
async fn sign_in(url: &str, upn: &str, password: &str) -> Result<String, tenantdesk_core::sessions::SignInError> {
    let app = app_on(url).await;
    let ids = tenantdesk_core::RequestIds::generate();
    let signed_in = tenantdesk_core::sessions::sign_in(&app, upn, password, None, &ids).await?;
    Ok(signed_in.token.expose().to_owned())
}

#[tokio::test]
async fn agent_commands_hand_out_one_time_passwords_that_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let url = sqlite_url(data);
    let partner = stdout_of(&tenantdesk(data, &["partner", "new", "--name", "Fabrikam"]));
    let agent = |args: &[&str]| {
        let mut all = vec!["agent"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--partner", &partner]);
        tenantdesk(data, &all)
    };

    // `new` prints the one-time password and nothing else; --json the whole record with it.
    let password = stdout_of(&agent(&["new", "--upn", "Ana@Fabrikam.com", "--role", "admin-agent"]));
    assert_eq!(password.lines().count(), 1);
    assert_eq!(password.len(), 16, "{password}");
    let ben: serde_json::Value = serde_json::from_str(&stdout_of(&agent(&[
        "--json",
        "new",
        "--upn",
        "ben@fabrikam.com",
        "--role",
        "helpdesk-agent",
    ])))
    .unwrap();
    assert_eq!(ben["upn"], "ben@fabrikam.com");
    assert_eq!(ben["role"], "helpdesk-agent");
    assert_eq!(ben["partner"], partner.as_str());
    assert_eq!(ben["mustChangePassword"], true);
    let ben_password = ben["password"].as_str().unwrap().to_owned();
    assert_eq!(ben_password.len(), 16);
    sign_in(&url, "ana@fabrikam.com", &password).await.unwrap();
    sign_in(&url, "ben@fabrikam.com", &ben_password).await.unwrap();

    // `list`: a table for people, JSON for scripts; never a password or its hash.
    let table = stdout_of(&agent(&["list"]));
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("UPN") && lines[0].contains("ROLE"), "{table}");
    assert!(
        lines[1].starts_with("Ana@Fabrikam.com")
            && lines[1].split_whitespace().collect::<Vec<_>>()[1..3] == ["admin-agent", "one-time"],
        "{table}"
    );
    assert!(
        lines[2].starts_with("ben@fabrikam.com") && lines[2].contains("helpdesk-agent"),
        "{table}"
    );
    let listed: serde_json::Value = serde_json::from_str(&stdout_of(&agent(&["--json", "list"]))).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[1]["id"], ben["id"]);
    for text in [&table, &listed.to_string()] {
        assert!(!text.contains(&password) && !text.contains(&ben_password) && !text.contains("argon2"));
    }

    // `reset-password` prints a new one-time password; the old one and the sessions end.
    let session = sign_in(&url, "ben@fabrikam.com", &ben_password).await.unwrap();
    let reset = stdout_of(&agent(&["reset-password", "--upn", "BEN@fabrikam.com"]));
    assert_eq!(reset.len(), 16);
    assert_ne!(reset, ben_password);
    let app = app_on(&url).await;
    let token = tenantdesk_core::sessions::SessionToken::from_cookie(&session);
    assert!(tenantdesk_core::sessions::resume(&app, &token).await.unwrap().is_none());
    assert!(sign_in(&url, "ben@fabrikam.com", &ben_password).await.is_err());
    let session = sign_in(&url, "ben@fabrikam.com", &reset).await.unwrap();

    // `remove` (no terminal: no question) ends its sessions.
    let removed = agent(&["remove", "--upn", "ben@fabrikam.com"]);
    assert!(removed.status.success() && removed.stdout.is_empty(), "{removed:?}");
    assert!(String::from_utf8_lossy(&removed.stderr).contains("removed the agent ben@fabrikam.com"));
    let token = tenantdesk_core::sessions::SessionToken::from_cookie(&session);
    assert!(tenantdesk_core::sessions::resume(&app, &token).await.unwrap().is_none());
    assert_eq!(stdout_of(&agent(&["list"])).lines().count(), 2, "the header and Ana");

    let other = stdout_of(&tenantdesk(data, &["partner", "new", "--name", "Northwind"]));
    let failures: [(&[&str], &str); 5] = [
        (
            &["new", "--upn", "ana@FABRIKAM.com", "--role", "sales-agent"],
            "another agent already has",
        ),
        (
            &["new", "--upn", "carl@fabrikam.com", "--role", "global-admin"],
            "unknown role",
        ),
        (&["new", "--upn", "not a upn", "--role", "sales-agent"], "upn"),
        (
            &["remove", "--upn", "ben@fabrikam.com"],
            "has no agent 'ben@fabrikam.com'",
        ),
        (&["reset-password", "--upn", "nobody@fabrikam.com"], "has no agent"),
    ];
    for (args, message) in failures {
        let output = agent(args);
        assert!(!output.status.success(), "{args:?}");
        assert!(output.stdout.is_empty(), "nothing on stdout on failure");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let unknown = tenantdesk(
        data,
        &["agent", "list", "--partner", "3f0c5c53-4a3b-4c1e-9f43-0c8f5e9d2a11"],
    );
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no partner has the id"));
    // Another partner cannot reach Ana.
    let output = tenantdesk(
        data,
        &[
            "agent",
            "remove",
            "--partner",
            &other,
            "--upn",
            "ana@fabrikam.com",
            "--yes",
        ],
    );
    assert!(!output.status.success());
    sign_in(&url, "ana@fabrikam.com", &password).await.unwrap();
}

#[test]
fn agent_remove_asks_first_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let partner = stdout_of(&tenantdesk(data, &["partner", "new", "--name", "Fabrikam"]));
    let upn = "ana@fabrikam.com";
    stdout_of(&tenantdesk(
        data,
        &[
            "agent",
            "new",
            "--partner",
            &partner,
            "--upn",
            upn,
            "--role",
            "sales-agent",
        ],
    ));
    let remove = |answer: &str| {
        let command = format!(
            "'{BIN}' --data-dir '{}' agent remove --partner {partner} --upn {upn}",
            data.display()
        );
        let mut child = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env_remove("TENANTDESK_DATABASE_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("script");
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), format!("{answer}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let declined = remove("n");
    let screen = String::from_utf8_lossy(&declined.stdout);
    assert!(
        screen.contains("Remove the agent ana@fabrikam.com?") && screen.contains("[y/N]"),
        "{screen}"
    );
    assert!(!declined.status.success());
    assert!(stdout_of(&tenantdesk(data, &["agent", "list", "--partner", &partner])).contains(upn));
    let confirmed = remove("y");
    assert!(
        confirmed.status.success(),
        "{}",
        String::from_utf8_lossy(&confirmed.stdout)
    );
    assert!(!stdout_of(&tenantdesk(data, &["agent", "list", "--partner", &partner])).contains(upn));
}

#[tokio::test]
async fn serve_demo_works_from_a_clean_directory_and_finds_its_data_again() {
    let cwd = tempfile::tempdir().unwrap();
    let log = cwd.path().join("server.log");
    let server = Server::start(cwd.path(), &["--demo"], &log);
    assert!(
        cwd.path().join("tenantdesk-data/tenantdesk.db").exists(),
        "the default data directory"
    );
    let lines = &server.lines;
    let customer = lines[2].split_whitespace().nth(2).unwrap().to_owned();
    assert!(lines[2].ends_with("(contoso.onmicrosoft.com)"), "{lines:?}");
    let token = lines[4].clone();
    assert!(lines[6].contains(&format!(
        "curl -s -H \"Authorization: Bearer {token}\" {}/v1/customers/{customer}/users",
        server.url
    )));

    // The curl line, as the README tells a newcomer to run it.
    let body: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/v1/customers/{customer}/users", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["totalCount"], 4, "{body}");
    let partner = Partner::new(&server.url, &token).unwrap();
    let deleted: Vec<_> = partner
        .customers()
        .by_id(customer.parse().unwrap())
        .users()
        .deleted()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(deleted.len(), 1);

    // The console's demo admin agent, with a one-time password that signs in.
    let db = sqlite_url(&cwd.path().join("tenantdesk-data"));
    assert_eq!(lines[7], format!("web console: {}/", server.url));
    assert_eq!(lines[8], "  username: admin@fabrikam.example");
    let first = lines[9].strip_prefix("  one-time password: ").unwrap().to_owned();
    sign_in(&db, "admin@fabrikam.example", &first).await.unwrap();
    server.stop();

    // A restart finds the same data, and gives the agent a fresh one-time password while it has
    // not set its own.
    let logs = [log, cwd.path().join("server2.log"), cwd.path().join("server3.log")];
    let again = Server::start(cwd.path(), &["--demo"], &logs[1]);
    assert_eq!(
        again.lines[2].split_whitespace().nth(2).unwrap(),
        customer,
        "the same demo data"
    );
    let second = again.lines[9].strip_prefix("  one-time password: ").unwrap().to_owned();
    assert_ne!(second, first);
    assert!(sign_in(&db, "admin@fabrikam.example", &first).await.is_err());
    // The agent sets its own password (as the console's first sign-in makes it).
    let app = app_on(&db).await;
    let ids = tenantdesk_core::RequestIds::generate();
    let signed_in = tenantdesk_core::sessions::sign_in(&app, "admin@fabrikam.example", &second, None, &ids)
        .await
        .unwrap();
    let own = "Demo-Own-Password-1";
    tenantdesk_core::sessions::change_password(
        &app,
        &signed_in.session,
        tenantdesk_core::sessions::PasswordChange {
            current: "",
            new: own,
            confirm: own,
        },
        &ids,
    )
    .await
    .unwrap();
    again.stop();

    let third = Server::start(cwd.path(), &["--demo"], &logs[2]);
    assert_eq!(third.lines[8], "  username: admin@fabrikam.example");
    assert_eq!(third.lines[9], "  password: (the password you set)");
    sign_in(&db, "admin@fabrikam.example", own).await.unwrap();
    third.stop();
    for log in &logs {
        let log_text = std::fs::read_to_string(log).unwrap();
        for secret in [first.as_str(), &second, own] {
            assert!(!log_text.contains(secret), "a demo password reached the log");
        }
    }
}

#[tokio::test]
async fn serve_speaks_tls_with_the_given_certificate_and_key() {
    let cwd = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let (cert, key) = (cwd.path().join("cert.pem"), cwd.path().join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let log = cwd.path().join("server.log");
    // By the environment, as a service manager would set it.
    let server = Server::start_with(
        cwd.path(),
        &["--demo"],
        &log,
        &[
            ("TENANTDESK_TLS_CERT", cert.to_str().unwrap()),
            ("TENANTDESK_TLS_KEY", key.to_str().unwrap()),
        ],
    );
    assert!(server.url.starts_with("https://127.0.0.1:"), "{}", server.url);
    assert_eq!(server.lines[7], format!("web console: {}/", server.url));
    let trusting = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(certified.cert.pem().as_bytes()).unwrap()])
        .build()
        .unwrap();
    let health = trusting.get(format!("{}/healthz", server.url)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let plain = server.url.replace("https://", "http://");
    assert!(reqwest::get(format!("{plain}/healthz")).await.is_err());
    server.stop();
    assert!(
        !std::fs::read_to_string(&log)
            .unwrap()
            .contains("warning: serving plain HTTP")
    );

    // A certificate without its key, or an unreadable one, stops the start.
    let alone = tenantdesk(cwd.path(), &["serve", "--tls-cert", cert.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&alone.stderr).contains("--tls-key"),
        "{alone:?}"
    );
    let missing = cwd.path().join("missing.pem");
    let unreadable = tenantdesk(
        cwd.path(),
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            missing.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    assert!(!unreadable.status.success());
    assert!(
        String::from_utf8_lossy(&unreadable.stderr).contains("failed to read"),
        "{unreadable:?}"
    );
}

#[test]
fn plain_http_on_a_public_address_is_warned_about() {
    let cwd = tempfile::tempdir().unwrap();
    let log = cwd.path().join("server.log");
    let mut child = Command::new(BIN)
        .current_dir(cwd.path())
        .args(["serve", "--listen", "0.0.0.0:0"])
        .env_remove("TENANTDESK_DATABASE_URL")
        .env_remove("TENANTDESK_DATA_DIR")
        .env_remove("TENANTDESK_TLS_CERT")
        .env_remove("TENANTDESK_TLS_KEY")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("tenantdesk is listening on http://0.0.0.0:"), "{line}");
    let _ = child.kill();
    let _ = child.wait();
    let warned = std::fs::read_to_string(&log).unwrap();
    assert!(
        warned.contains("warning: serving plain HTTP on 0.0.0.0:")
            && warned.contains("Secure session cookie")
            && warned.contains("--tls-cert"),
        "{warned}"
    );
}

#[tokio::test]
async fn passwords_never_reach_the_log_or_the_database_files() {
    let cwd = tempfile::tempdir().unwrap();
    let data = cwd.path().join("tenantdesk-data");
    let log = cwd.path().join("server.log");
    let (server, customer, token) = served(cwd.path());

    let client = Partner::new(&server.url, &token)
        .unwrap()
        .with_correlation_id("corr-for-the-log");
    let users = client.customers().by_id(customer.parse().unwrap()).users();
    let given = "Given!Pass-7q";
    let request = |local: &str, password: Option<&str>| CustomerUserRequest {
        user_principal_name: Some(format!("{local}@contoso.onmicrosoft.com")),
        display_name: Some(local.to_owned()),
        usage_location: Some("US".to_owned()),
        password_profile: password.map(|p| PasswordProfile {
            password: Some(p.to_owned()),
            force_change_password: None,
        }),
        ..CustomerUserRequest::default()
    };
    let created = users.create(&request("ana", Some(given))).await.unwrap();
    let generated = users
        .create(&request("ben", None))
        .await
        .unwrap()
        .password_profile
        .unwrap()
        .password
        .unwrap();
    let reset = "Reset!Pass-9z";
    users.by_id(created.id).reset_password(Some(reset)).await.unwrap();
    // Refused requests carry passwords too.
    let refused = "refused-Pass-3k";
    users
        .create(&request("carl", Some(&format!("{refused}é"))))
        .await
        .unwrap_err();
    users
        .by_id(created.id)
        .reset_password(Some(&format!("{refused}ana")))
        .await
        .unwrap_err();
    // Idempotent replays record responses: a retried create with the client's request id.
    let raw = reqwest::Client::new();
    let replayed = "Replay!Pass-5m";
    for _ in 0..2 {
        let status = raw
            .post(format!("{}/v1/customers/{customer}/users", server.url))
            .bearer_auth(&token)
            .header("MS-RequestId", "replay-me")
            .body(format!(r#"{{userPrincipalName: "dee@contoso.onmicrosoft.com", displayName: "Dee", usageLocation: "US", passwordProfile: {{password: "{replayed}"}}}}"#))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200);
    }
    server.stop();

    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(
        log_text.contains("correlation_id=corr-for-the-log"),
        "request lines carry the correlation id"
    );
    assert!(log_text.contains("request completed"));
    let secrets = [given, generated.as_str(), reset, refused, replayed];
    for secret in secrets {
        assert!(!log_text.contains(secret), "a password reached the log: {secret}");
    }
    assert!(!log_text.contains(&token), "the bearer token reached the log");
    let mut files = 0;
    for entry in std::fs::read_dir(&data).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        files += 1;
        for secret in secrets {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "a password reached a database file: {secret}"
            );
        }
    }
    assert!(files >= 1);
}

/// A served database with a partner, a customer and an admin token: (server, customer, token).
fn served(cwd: &Path) -> (Server, String, String) {
    let data = cwd.join("tenantdesk-data");
    let partner = stdout_of(&tenantdesk(&data, &["partner", "new", "--name", "Fabrikam"]));
    let customer = stdout_of(&tenantdesk(
        &data,
        &[
            "customer",
            "new",
            "--partner",
            &partner,
            "--domain",
            "contoso.onmicrosoft.com",
        ],
    ));
    let token = stdout_of(&tenantdesk(
        &data,
        &[
            "token",
            "issue",
            "--partner",
            &partner,
            "--user",
            "admin@fabrikam.com",
            "--role",
            "admin-agent",
        ],
    ));
    let server = Server::start(cwd, &[], &cwd.join("server.log"));
    (server, customer, token)
}

fn client(server: &Server, token: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(["--url", &server.url, "--token", token])
        .args(args)
        .env_remove("TENANTDESK_URL")
        .env_remove("TENANTDESK_TOKEN")
        .output()
        .expect("run tenantdesk")
}

#[test]
fn user_import_writes_the_passwords_file_once_and_only_for_its_owner() {
    let cwd = tempfile::tempdir().unwrap();
    let (server, customer, token) = served(cwd.path());
    let csv = cwd.path().join("users.csv");
    std::fs::write(
        &csv,
        "First name,Last name,Display name,Email,Status update\r\n\
         Ana,Lima,Ana Lima,ana@contoso.onmicrosoft.com,\r\n\
         Ben,Carter,Ben Carter,ben@contoso.onmicrosoft.com,\r\n",
    )
    .unwrap();
    let out = cwd.path().join("passwords.csv");
    let csv_arg = csv.to_str().unwrap();
    let out_arg = out.to_str().unwrap();
    let import = |location: &str, extra: &[&str]| {
        let args = [
            &[
                "user",
                "import",
                "--customer",
                &customer,
                "--location",
                location,
                csv_arg,
            ][..],
            extra,
        ]
        .concat();
        client(&server, &token, &args)
    };

    let validated = import("US", &["--validate-only"]);
    assert!(
        validated.status.success(),
        "{}",
        String::from_utf8_lossy(&validated.stderr)
    );
    assert!(String::from_utf8_lossy(&validated.stderr).contains("2 users, all valid"));

    let imported = import("US", &["--out", out_arg]);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert!(
        imported.stdout.is_empty(),
        "the passwords went to the file, not the terminal"
    );
    let passwords = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = passwords.lines().collect();
    assert_eq!(
        lines[0],
        "First name,Last name,Display name,Email,Status update,Temporary password"
    );
    assert!(
        lines[1].starts_with("Ana,Lima,Ana Lima,ana@contoso.onmicrosoft.com,created,"),
        "{}",
        lines[1]
    );
    assert_eq!(lines.len(), 3);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // Again into the same file: refused before anything is sent.
    let again = import("US", &["--out", out_arg]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("pass --force"));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        passwords,
        "the first file is intact"
    );

    // With --force, the upload itself now fails (the users exist), with a report per row, and the
    // file of the first upload is left alone.
    let failed = import("US", &["--out", out_arg, "--force"]);
    assert!(!failed.status.success());
    let report = String::from_utf8_lossy(&failed.stderr);
    assert!(report.contains("row 2, Email: another active user"), "{report}");
    assert!(report.contains("row 3, Email: another active user"), "{report}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), passwords);

    // Without --out, the file goes to standard output.
    std::fs::write(
        &csv,
        "First name,Last name,Display name,Email,Status update\nCy,,Cy,cy@contoso.onmicrosoft.com,\n",
    )
    .unwrap();
    let to_stdout = import("GB", &[]);
    assert!(to_stdout.status.success());
    assert!(String::from_utf8_lossy(&to_stdout.stdout).contains("Cy,,Cy,cy@contoso.onmicrosoft.com,created,"));
    server.stop();
}

#[test]
fn user_import_writes_formulas_as_text_in_the_passwords_file() {
    let cwd = tempfile::tempdir().unwrap();
    let (server, customer, token) = served(cwd.path());
    let csv = cwd.path().join("users.csv");
    std::fs::write(
        &csv,
        "First name,Last name,Display name,Email,Status update\r\n\
         \"=cmd|'/C calc'!A0\",-2+3,@SUM(A1),eve@contoso.onmicrosoft.com,\r\n",
    )
    .unwrap();
    let out = cwd.path().join("passwords.csv");
    let imported = client(
        &server,
        &token,
        &[
            "user",
            "import",
            "--customer",
            &customer,
            "--location",
            "US",
            csv.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let passwords = std::fs::read_to_string(&out).unwrap();
    let row = passwords.lines().nth(1).unwrap();
    assert!(
        row.starts_with("'=cmd|'/C calc'!A0,'-2+3,'@SUM(A1),eve@contoso.onmicrosoft.com,created,"),
        "{row}"
    );
    server.stop();
}

#[test]
fn the_data_directory_and_database_files_are_for_their_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let cwd = tempfile::tempdir().unwrap();
    let (server, _, _) = served(cwd.path());
    // While the server runs, the database has its -wal and -shm files: all of them, and the
    // directory, are the owner's only.
    let data = cwd.path().join("tenantdesk-data");
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
        names.push(path.file_name().unwrap().to_string_lossy().into_owned());
    }
    names.sort();
    assert_eq!(names, ["tenantdesk.db", "tenantdesk.db-shm", "tenantdesk.db-wal"]);
    server.stop();
}

#[track_caller]
fn ok(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn the_seed_scenarios_run_through_the_cli() {
    let cwd = tempfile::tempdir().unwrap();
    let (server, customer, token) = served(cwd.path());
    let run = |args: &[&str]| client(&server, &token, args);
    let c = customer.as_str();

    // New-PCCustomerUser, with a password; --json gives the wire names.
    let created: serde_json::Value = serde_json::from_str(&ok(&run(&[
        "--json",
        "user",
        "new",
        "--customer",
        c,
        "--upn",
        "ana@contoso.onmicrosoft.com",
        "--display-name",
        "Ana Lima",
        "--first-name",
        "Ana",
        "--last-name",
        "Lima",
        "--location",
        "US",
        "--password",
        "Password!1",
    ])))
    .unwrap();
    assert_eq!(created["passwordProfile"]["password"], "Password!1");
    let ana = created["id"].as_str().unwrap().to_owned();

    // Without a password: a temporary one, shown once; with a directory role, by name.
    let table = ok(&run(&[
        "user",
        "new",
        "--customer",
        c,
        "--upn",
        "ben@contoso.onmicrosoft.com",
        "--display-name",
        "Ben Carter",
        "--location",
        "GB",
        "--role",
        "helpdesk administrator",
    ]));
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("USER PRINCIPAL NAME"),
        "{table}"
    );
    assert!(
        lines[2].starts_with("temporary password: ") && lines[2].len() > 30,
        "{table}"
    );
    let ben = lines[1].split_whitespace().next().unwrap().to_owned();

    // A table for people, aligned.
    let list = ok(&run(&["user", "list", "--customer", c]));
    let rows: Vec<&str> = list.lines().collect();
    assert_eq!(rows.len(), 3, "{list}");
    let column = rows[0].find("DISPLAY NAME").unwrap();
    assert!(
        rows[1..]
            .iter()
            .all(|row| row[column..].starts_with("Ana Lima") || row[column..].starts_with("Ben Carter"))
    );

    // Set-PCCustomerUser.
    let changed: serde_json::Value = serde_json::from_str(&ok(&run(&[
        "--json",
        "user",
        "set",
        "--customer",
        c,
        "--user",
        &ana,
        "--location",
        "FR",
    ])))
    .unwrap();
    assert_eq!(changed["usageLocation"], "FR");
    assert!(
        !run(&["user", "set", "--customer", c, "--user", &ana]).status.success(),
        "nothing to change"
    );

    // Reset: only the temporary password on stdout.
    let reset = run(&["user", "reset-password", "--customer", c, "--user", &ana]);
    let password = ok(&reset);
    assert_eq!(password.lines().count(), 1);
    let upn = tenantdesk_domain::UserPrincipalName::parse("ana@contoso.onmicrosoft.com").unwrap();
    assert!(
        tenantdesk_domain::Password::parse(password.trim(), &upn).is_ok(),
        "{password}"
    );
    assert!(String::from_utf8_lossy(&reset.stderr).contains("not shown again"));
    assert_eq!(
        ok(&run(&[
            "user",
            "reset-password",
            "--customer",
            c,
            "--user",
            &ana,
            "--password",
            "Renew456*"
        ]))
        .trim(),
        "Renew456*"
    );

    // Remove-PCCustomerUser, Get-PCCustomerUser -Deleted, Restore-PCCustomerUser.
    ok(&run(&["user", "remove", "--customer", c, "--user", &ana, "--yes"]));
    let gone = run(&["user", "get", "--customer", c, "--user", &ana]);
    assert!(!gone.status.success());
    assert!(
        String::from_utf8_lossy(&gone.stderr).contains("error: The user was not found"),
        "the server's description"
    );
    let deleted: Vec<serde_json::Value> = serde_json::from_str(&ok(&run(&[
        "--json",
        "user",
        "list",
        "--customer",
        c,
        "--deleted",
        "--all",
    ])))
    .unwrap();
    assert_eq!((deleted.len(), deleted[0]["state"].as_str()), (1, Some("inactive")));
    assert!(ok(&run(&["user", "list", "--customer", c, "--deleted"])).contains("DELETED"));
    let restored: serde_json::Value = serde_json::from_str(&ok(&run(&[
        "--json",
        "user",
        "restore",
        "--customer",
        c,
        "--user",
        &ana,
    ])))
    .unwrap();
    assert_eq!(restored["state"], "active");
    assert!(ok(&run(&["user", "get", "--customer", c, "--user", &ana])).contains("ana@contoso.onmicrosoft.com"));

    // Roles.
    assert_eq!(
        ok(&run(&["role", "list", "--customer", c])).lines().count(),
        6,
        "a header and five roles"
    );
    assert!(ok(&run(&["role", "list", "--customer", c, "--user", &ben])).contains("Helpdesk Administrator"));
    ok(&run(&[
        "role",
        "add",
        "--customer",
        c,
        "--role",
        "62e90394-69f5-4237-9190-012177145e10",
        "--user",
        &ana,
    ]));
    assert!(ok(&run(&["role", "list", "--customer", c, "--user", &ana])).contains("Company Administrator"));
    ok(&run(&[
        "role",
        "remove",
        "--customer",
        c,
        "--role",
        "Company Administrator",
        "--user",
        &ana,
    ]));
    assert_eq!(
        ok(&run(&["role", "list", "--customer", c, "--user", &ana]))
            .lines()
            .count(),
        1,
        "only the header"
    );
    let unknown = run(&[
        "role",
        "add",
        "--customer",
        c,
        "--role",
        "Global Reader",
        "--user",
        &ana,
    ]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no directory role is called 'Global Reader'"));

    // Customers.
    assert!(ok(&run(&["customer", "list"])).contains("contoso.onmicrosoft.com"));
    let shown: serde_json::Value =
        serde_json::from_str(&ok(&run(&["--json", "customer", "get", "--customer", c]))).unwrap();
    assert_eq!(shown["id"], c);

    // Errors: the server's words, a non-zero exit, nothing on stdout.
    let refused = client(&server, "not-a-token", &["user", "list", "--customer", c]);
    assert!(!refused.status.success() && refused.stdout.is_empty());
    assert!(String::from_utf8_lossy(&refused.stderr).starts_with("error: The bearer token is not valid"));
    let no_url = Command::new(BIN)
        .args(["user", "list", "--customer", c])
        .env_remove("TENANTDESK_URL")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&no_url.stderr).contains("--url"));
    server.stop();
}

#[test]
fn every_command_has_help_with_an_example_and_completions() {
    let commands: &[&[&str]] = &[
        &["serve"],
        &["migrate"],
        &["copy"],
        &["purge"],
        &["partner", "new"],
        &["customer", "new"],
        &["customer", "list"],
        &["customer", "get"],
        &["token", "issue"],
        &["agent", "new"],
        &["agent", "list"],
        &["agent", "reset-password"],
        &["agent", "remove"],
        &["user", "new"],
        &["user", "get"],
        &["user", "set"],
        &["user", "remove"],
        &["user", "restore"],
        &["user", "reset-password"],
        &["user", "list"],
        &["user", "import"],
        &["role", "list"],
        &["role", "add"],
        &["role", "remove"],
        &["completions"],
    ];
    for command in commands {
        let output = Command::new(BIN).args(*command).arg("--help").output().unwrap();
        let help = ok(&output);
        assert!(
            help.contains("Example: tenantdesk"),
            "{command:?} --help has no example:\n{help}"
        );
    }
    for shell in ["bash", "zsh", "fish"] {
        let script = ok(&Command::new(BIN).args(["completions", shell]).output().unwrap());
        assert!(
            script.contains("tenantdesk") && script.contains("reset-password"),
            "{shell}"
        );
    }
}

/// Runs the client under a pseudo-terminal (util-linux's `script`, from Debian's essential
/// bsdutils), answering `answer` to any prompt.
fn on_a_terminal(server: &Server, token: &str, args: &[&str], answer: &str) -> Output {
    let mut command = format!("'{BIN}' --url '{}' --token '{token}'", server.url);
    for arg in args {
        command.push_str(&format!(" '{arg}'"));
    }
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), format!("{answer}\n").as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn remove_asks_first_on_a_terminal() {
    let cwd = tempfile::tempdir().unwrap();
    let (server, customer, token) = served(cwd.path());
    let created: serde_json::Value = serde_json::from_str(&ok(&client(
        &server,
        &token,
        &[
            "--json",
            "user",
            "new",
            "--customer",
            &customer,
            "--upn",
            "ana@contoso.onmicrosoft.com",
            "--display-name",
            "Ana",
            "--location",
            "US",
        ],
    )))
    .unwrap();
    let user = created["id"].as_str().unwrap();
    let remove = ["user", "remove", "--customer", customer.as_str(), "--user", user];

    let declined = on_a_terminal(&server, &token, &remove, "n");
    let screen = String::from_utf8_lossy(&declined.stdout);
    assert!(
        screen.contains("Delete ana@contoso.onmicrosoft.com") && screen.contains("[y/N]"),
        "{screen}"
    );
    assert!(!declined.status.success(), "declining is not a success");
    assert!(
        client(
            &server,
            &token,
            &["user", "get", "--customer", &customer, "--user", user]
        )
        .status
        .success(),
        "still there"
    );

    let confirmed = on_a_terminal(&server, &token, &remove, "y");
    assert!(
        confirmed.status.success(),
        "{}",
        String::from_utf8_lossy(&confirmed.stdout)
    );
    assert!(
        !client(
            &server,
            &token,
            &["user", "get", "--customer", &customer, "--user", user]
        )
        .status
        .success(),
        "deleted"
    );
    server.stop();
}

#[tokio::test]
async fn a_sqlite_installation_moves_to_postgres_with_tenantdesk_copy() {
    let Some(target) = tenantdesk_postgres::testing::TestDatabase::create("copy").await else {
        return;
    };
    let cwd = tempfile::tempdir().unwrap();
    let (server, customer, token) = served(cwd.path());
    let partner = Partner::new(&server.url, &token).unwrap();
    let users = partner.customers().by_id(customer.parse().unwrap()).users();
    let request = |local: &str| CustomerUserRequest {
        user_principal_name: Some(format!("{local}@contoso.onmicrosoft.com")),
        display_name: Some(local.to_owned()),
        usage_location: Some("US".to_owned()),
        directory_role_ids: Some(vec!["729827e3-9c14-49f7-bb1b-9608f156bbb8".to_owned()]),
        ..CustomerUserRequest::default()
    };
    let ana = users.create(&request("ana")).await.unwrap();
    let ben = users.create(&request("ben")).await.unwrap();
    users.by_id(ben.id).delete().await.unwrap();
    server.stop();

    let data = cwd.path().join("tenantdesk-data");
    // A console agent with a session and a failed sign-in.
    let sqlite = sqlite_url(&data);
    let agent_partner = ok(&tenantdesk(&data, &["partner", "new", "--name", "Fabrikam"]));
    let agent_partner = agent_partner.trim();
    let one_time = ok(&tenantdesk(
        &data,
        &[
            "agent",
            "new",
            "--partner",
            agent_partner,
            "--upn",
            "agent@fabrikam.example",
            "--role",
            "admin-agent",
        ],
    ));
    let session = sign_in(&sqlite, "agent@fabrikam.example", one_time.trim())
        .await
        .unwrap();
    assert!(
        sign_in(&sqlite, "agent@fabrikam.example", "Wrong-Password-1")
            .await
            .is_err()
    );
    // A mistyped source is refused, not copied as an empty database.
    let missing = format!("sqlite://{}", cwd.path().join("no-such.db").display());
    let refused = tenantdesk(&data, &["--database", &missing, "copy", "--to", &target.url]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("failed to open"),
        "{refused:?}"
    );
    assert!(!cwd.path().join("no-such.db").exists(), "nothing was created");
    let copied = ok(&tenantdesk(&data, &["copy", "--to", &target.url]));
    assert!(
        copied.contains("users: 2") && copied.contains("role_members: 2"),
        "{copied}"
    );
    assert!(
        copied.contains("agents: 1") && copied.contains("agent_sessions: 1") && copied.contains("sign_in_failures: 1"),
        "{copied}"
    );
    // The agent's session and password came along; so did its failed sign-in.
    let pg_store = store_on(&target.url).await;
    let pg_app = tenantdesk_core::App::new(pg_store.clone(), tenantdesk_core::Config::default());
    let session = tenantdesk_core::sessions::SessionToken::from_cookie(&session);
    let resumed = tenantdesk_core::sessions::resume(&pg_app, &session)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resumed.agent.upn.as_str(), "agent@fabrikam.example");
    assert_eq!(
        pg_store
            .sign_in_failures("upn:agent@fabrikam.example")
            .await
            .unwrap()
            .unwrap()
            .failures,
        1
    );
    sign_in(&target.url, "agent@fabrikam.example", one_time.trim())
        .await
        .unwrap();
    let again = tenantdesk(&data, &["copy", "--to", &target.url]);
    assert!(
        !again.status.success(),
        "a second copy into the same database is refused"
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));

    // The PostgreSQL installation serves the same data, and accepts the tokens issued before.
    let log = cwd.path().join("postgres.log");
    let moved = Server::start(cwd.path(), &["--database", &target.url], &log);
    let partner = Partner::new(&moved.url, &token).unwrap();
    let users = partner.customers().by_id(customer.parse().unwrap()).users();
    let active: Vec<_> = users.list().try_collect().await.unwrap();
    let deleted: Vec<_> = users.deleted().try_collect().await.unwrap();
    assert_eq!((active.len(), active[0].id), (1, ana.id));
    assert_eq!((deleted.len(), deleted[0].id), (1, ben.id));
    assert_eq!(users.by_id(ana.id).directory_roles().await.unwrap().total_count, 1);
    users.by_id(ben.id).restore().await.unwrap();
    let audit = partner
        .audit_records(&tenantdesk_client::AuditQuery::default())
        .await
        .unwrap();
    assert!(
        audit.items.iter().any(|r| r.operation_type == "DeleteCustomerUser"),
        "the audit log came along"
    );
    moved.stop();

    // The administration commands work on PostgreSQL too.
    let pg = ["--database", target.url.as_str()];
    let other = ok(&tenantdesk(
        &data,
        &[&pg[..], &["partner", "new", "--name", "Northwind"]].concat(),
    ));
    let other = other.trim();
    ok(&tenantdesk(
        &data,
        &[
            &pg[..],
            &[
                "customer",
                "new",
                "--partner",
                other,
                "--domain",
                "northwind.onmicrosoft.com",
            ],
        ]
        .concat(),
    ));
    let issued = ok(&tenantdesk(
        &data,
        &[&pg[..], &["token", "issue", "--partner", other, "--app-only"]].concat(),
    ));
    assert_eq!(issued.trim().split('.').count(), 3);
    ok(&tenantdesk(&data, &[&pg[..], &["migrate"]].concat()));
    assert_eq!(ok(&tenantdesk(&data, &[&pg[..], &["purge"]].concat())).trim(), "0");
}

#[tokio::test]
async fn a_database_password_never_reaches_a_log_or_an_error() {
    let Some(database) = tenantdesk_postgres::testing::TestDatabase::create("database password").await else {
        return;
    };
    let secret = "Sup3r-Secret-DbPass";
    // Trust authentication accepts any password: the URL carries one all the same.
    let with_password = database.url.replacen("postgres@", &format!("postgres:{secret}@"), 1);
    assert!(with_password.contains(secret), "{with_password}");
    let cwd = tempfile::tempdir().unwrap();

    let missing = with_password.replace("tenantdesk_test_", "tenantdesk_missing_");
    let failed = tenantdesk(cwd.path(), &["--database", &missing, "migrate"]);
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("postgres:***@") && !stderr.contains(secret), "{stderr}");

    let partner = stdout_of(&tenantdesk(
        cwd.path(),
        &["--database", &with_password, "partner", "new", "--name", "F"],
    ));
    let log = cwd.path().join("server.log");
    let server = Server::start(cwd.path(), &["--database", &with_password], &log);
    let token = stdout_of(&tenantdesk(
        cwd.path(),
        &[
            "--database",
            &with_password,
            "token",
            "issue",
            "--partner",
            &partner,
            "--app-only",
        ],
    ));
    let listed = reqwest::Client::new()
        .get(format!("{}/v1/customers", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    server.stop();
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(log_text.contains("request completed"), "the log was written");
    assert!(!log_text.contains(secret), "the database password reached the log");
}

#[tokio::test]
async fn json_logs_carry_the_request_ids_on_every_request_line() {
    let cwd = tempfile::tempdir().unwrap();
    let log = cwd.path().join("server.log");
    let server = Server::start_with(cwd.path(), &[], &log, &[("TENANTDESK_LOG_FORMAT", "json")]);
    let answer = reqwest::Client::new()
        .get(format!("{}/healthz", server.url))
        .header("MS-RequestId", "req-json-1")
        .header("MS-CorrelationId", "corr-json-1")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    server.stop();
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("every log line is JSON"))
        .collect();
    let request = lines
        .iter()
        .find(|line| line["fields"]["message"] == "request completed")
        .expect("a request line");
    assert_eq!(request["span"]["request_id"], "req-json-1");
    assert_eq!(request["span"]["correlation_id"], "corr-json-1");
    assert_eq!(request["fields"]["status"], 200);
}
