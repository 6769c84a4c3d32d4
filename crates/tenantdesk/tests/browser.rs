//! The web console in a real browser: Debian's headless Chromium, driven through chromedriver
//! (WebDriver), against the service served in-process over a fresh SQLite database. Each seed
//! web-UI flow end to end as a person does it — fields found by their label, buttons and links by
//! their text, every wait on what the page shows — with axe-core run on every page visited (no
//! serious or critical violation), the main flow again with JavaScript disabled and again by
//! keyboard alone. `TENANTDESK_SCREENSHOT=1` also saves the Users and licenses page as
//! `docs/console.png` (the README's tour shows it).
//!
//! Without `chromium` and `chromedriver` on `PATH` the tests say they were skipped; under `CI`
//! they fail instead (`.ci/run` installs both).

#[path = "browser/driver.rs"]
mod driver;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use driver::{Browser, ENTER, SPACE, Script};
use serde_json::json;
use tenantdesk_core::customers::NewCustomer;
use tenantdesk_core::passwords::HashCost;
use tenantdesk_core::sessions::SignInPolicy;
use tenantdesk_core::{App, Config, admin, agents};
use tenantdesk_domain::{AgentRole, CompanyName, DIRECTORY_ROLES, DomainName, PartnerId, UserPrincipalName};
use tenantdesk_sqlite::SqliteStore;
use tenantdesk_store::Store;

/// The customer's domain.
const DOMAIN: &str = "contoso.onmicrosoft.com";
/// The password every agent chooses at its first sign-in.
const AGENT_PASSWORD: &str = "Harbour-Lights-42";
/// The heading of the sign-in page.
const SIGN_IN: &str = "Sign in";

/// The service, with the console beside the API, served in-process on a free port.
struct Console {
    base: String,
    app: App,
    partner: PartnerId,
    _stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

impl Console {
    /// A fresh database with the partner "Fabrikam CSP" and its customer Contoso (no users), or
    /// with `serve --demo`'s data when `demo`.
    async fn start(demo: bool) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("db.sqlite").display());
        let store = SqliteStore::open(&url).await.expect("open the store");
        store.migrate().await.expect("migrate");
        let config = Config {
            // A cheap hash: these tests are about the pages, not Argon2id's cost.
            hash_cost: HashCost {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
            },
            sign_in: SignInPolicy {
                delay_step: Duration::ZERO,
                max_delay: Duration::ZERO,
                ..SignInPolicy::default()
            },
            ..Config::default()
        };
        let app = App::new(Arc::new(store), config);
        let partner = if demo {
            tenantdesk_core::demo::ensure(&app).await.expect("demo data").partner
        } else {
            let name = CompanyName::parse("Fabrikam CSP").expect("name");
            let partner = admin::create_partner(&app, name, None).await.expect("partner").id;
            let new = NewCustomer {
                domains: vec![DomainName::parse(DOMAIN).expect("domain")],
                name: CompanyName::parse("Contoso").expect("name"),
            };
            admin::create_customer(&app, partner, new).await.expect("customer");
            partner
        };
        let api = tenantdesk_api::ApiState::new(app.clone()).await.expect("API state");
        let router = tenantdesk_api::router(api).merge(tenantdesk_console::router(app.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let settings = tenantdesk_server::Settings::default();
        tokio::spawn(tenantdesk_server::serve(
            listener,
            tenantdesk_api::service(router),
            settings,
            async move {
                let _ = stopped.await;
            },
        ));
        Self {
            base,
            app,
            partner,
            _stop: stop,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A new agent of the partner with `role`; its one-time password.
    async fn agent(&self, upn: &str, role: AgentRole) -> String {
        let upn = UserPrincipalName::parse(upn).expect("upn");
        let created = agents::create(&self.app, self.partner, upn, role).await.expect("agent");
        created.password.expose().to_owned()
    }
}

/// Chromium and chromedriver, or `None` (the test returns) where they are missing and this is not
/// CI. Under CI a missing browser fails the test.
fn browser_or_skip() -> Option<(PathBuf, PathBuf)> {
    let found = driver::find_browser();
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium or chromedriver is not on PATH: the browser tests must run in CI \
             (apt-get install chromium chromium-driver)"
        );
        eprintln!("skipped: chromium not found (apt-get install chromium chromium-driver)");
    }
    found
}

async fn start_browser(script: Script) -> Option<Browser> {
    let (chromium, chromedriver) = browser_or_skip()?;
    Some(Browser::start(&chromium, &chromedriver, script).await)
}

/// Signs in as `upn` with its one-time password and replaces it; ends on Customers. Checks the
/// pages on the way when `check`.
async fn first_sign_in(browser: &mut Browser, console: &Console, upn: &str, one_time: &str, check: bool) {
    browser.goto(&console.url("/")).await;
    browser.wait_heading(SIGN_IN).await;
    if check {
        browser.check_page("sign-in").await;
    }
    browser.fill("Username", upn).await;
    browser.fill("Password", one_time).await;
    browser.click_button("Sign in").await;
    browser.wait_heading("Change your password").await;
    if check {
        browser.check_page("change password").await;
    }
    browser.fill("New password", AGENT_PASSWORD).await;
    browser.fill("Confirm new password", AGENT_PASSWORD).await;
    browser.click_button("Change password").await;
    browser.wait_heading("Customers").await;
    if check {
        browser.check_page("customers").await;
    }
}

/// The display name of a directory role, as the Add user page lists it.
fn role_name(name: &str) -> &'static str {
    DIRECTORY_ROLES
        .iter()
        .find(|role| role.name == name)
        .map(|role| role.name)
        .expect("a directory role")
}

/// Fills Add user's fields for Zoe Ng with the User Administrator role (not saved).
async fn fill_new_user(browser: &Browser, username: &str) {
    browser.fill("First name", "Zoe").await;
    browser.fill("Last name", "Ng").await;
    browser.fill("Display name", "Zoe Ng").await;
    browser.fill("Username", username).await;
    browser.select("Location", "US").await;
    browser.check(role_name("User Administrator")).await;
}

/// The temporary password the page shows.
async fn shown_password(browser: &Browser) -> String {
    browser
        .text_of("#temporary-password")
        .await
        .expect("a temporary password")
}

/// Whether the console's script ran on this page (it reveals the Copy button).
async fn copy_button_shown(browser: &Browser) -> bool {
    browser.button("Copy").await.is_some()
}

/// The users of the Users and licenses table, by display name.
async fn listed_users(browser: &Browser) -> Vec<String> {
    browser
        .table_rows()
        .await
        .into_iter()
        .map(|row| row[0].clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_agent_does_every_seed_step_in_chromium() {
    let console = Console::start(false).await;
    let Some(mut browser) = start_browser(Script::Enabled).await else {
        return;
    };
    let agent = "admin@fabrikam.example";
    let one_time = console.agent(agent, AgentRole::AdminAgent).await;
    let b = &mut browser;
    b.assert_axe_finds_problems().await;

    // A wrong password: one message that does not say which was wrong.
    b.goto(&console.url("/")).await;
    b.wait_heading(SIGN_IN).await;
    b.fill("Username", agent).await;
    b.fill("Password", "not-the-password").await;
    b.click_button("Sign in").await;
    b.wait_heading(SIGN_IN).await;
    assert_eq!(
        b.text_of("[role=alert]").await.as_deref(),
        Some("The username or password is incorrect.")
    );
    b.check_page("sign-in with an error").await;

    // 1. Sign in with the one-time password, replace it, land on Customers.
    first_sign_in(b, &console, agent, &one_time, true).await;

    // 2. Customers → Contoso → Users and licenses → Add user.
    b.click_link("Contoso").await;
    b.wait_heading("Contoso").await;
    b.check_page("customer").await;
    b.click_link("Users and licenses").await;
    b.wait_heading("Users and licenses").await;
    b.check_page("users and licenses (no users)").await;
    b.click_link("Add user").await;
    b.wait_heading("Add user").await;
    b.check_page("add user").await;
    assert!(
        b.is_checked("Auto-generate password").await,
        "a generated password is the default"
    );
    assert!(
        b.is_checked("Require this user to change their password when they first sign in")
            .await,
        "checked by default"
    );
    // A username the server refuses: the error is next to its field, the rest is kept.
    fill_new_user(b, "zoe ng").await;
    b.click_button("Save").await;
    b.wait_heading("Add user").await;
    let error = b.text_of("#username-error").await.expect("an error next to Username");
    assert!(error.contains("is not allowed"), "{error}");
    b.check_page("add user with errors").await;
    b.fill("Username", "zoe").await;
    assert!(b.is_checked("User Administrator").await, "the permission was kept");
    b.click_button("Save").await;
    b.wait_heading("User added").await;
    b.check_page("user added").await;
    let text = b.text().await;
    assert!(text.contains(&format!("Zoe Ng (zoe@{DOMAIN}) was added.")), "{text}");
    assert!(text.contains("it will not be available later"), "{text}");
    assert!(copy_button_shown(b).await, "the script shows the Copy button");
    let password = shown_password(b).await;
    b.shown_once(&password);

    // 3. The user's page: change the Display name, Submit.
    b.click_link("Go to the user").await;
    b.wait_heading("Zoe Ng").await;
    b.check_page("user").await;
    let roles = b.text().await;
    assert!(
        roles.contains("User Administrator"),
        "the permission is listed: {roles}"
    );
    b.fill("Display name", "Zoe Ng-Park").await;
    b.click_button("Submit").await;
    b.wait_heading("Zoe Ng-Park").await;
    assert_eq!(
        b.text_of("[role=status]").await.as_deref(),
        Some("Your changes were saved.")
    );
    b.check_page("user, saved").await;

    // 4. Reset password.
    b.click_button("Reset password").await;
    b.wait_heading("Password has been reset").await;
    b.check_page("password has been reset").await;
    let reset = shown_password(b).await;
    assert_ne!(reset, password, "a new temporary password");
    b.shown_once(&reset);
    b.click_link("Back to the user").await;
    b.wait_heading("Zoe Ng-Park").await;

    // 5. Delete user account, then restore it from Deleted users (1).
    b.click_link("Delete user account").await;
    b.wait_heading("Delete user account").await;
    let confirmation = b.text().await;
    assert!(
        confirmation.contains("Zoe Ng-Park") && confirmation.contains("30 days"),
        "{confirmation}"
    );
    b.check_page("delete user account").await;
    b.click_button("Delete user account").await;
    b.wait_heading("Users and licenses").await;
    assert!(listed_users(b).await.is_empty(), "the user is no longer listed");
    b.check_page("users and licenses, user deleted").await;
    b.click_link("Deleted users (1)").await;
    b.wait_heading("Users and licenses").await;
    b.check_page("deleted users").await;
    b.check("Zoe Ng-Park").await;
    b.click_button("Restore").await;
    b.wait_heading("Users and licenses").await;
    let results = b.text_of("[role=status] li").await.expect("the row's result");
    assert_eq!(results, format!("zoe@{DOMAIN}: Restored."));
    b.check_page("deleted users, restored").await;
    b.click_link("Users").await;
    b.wait_heading("Users and licenses").await;
    assert_eq!(listed_users(b).await, ["Zoe Ng-Park"]);

    // 6. Upload users: a bad file (every problem by row and column), then a good one.
    let files = tempfile::tempdir().expect("a directory for the files");
    let bad = files.path().join("bad.csv");
    std::fs::write(
        &bad,
        "First name,Last name,Display name,Email,Status update\n\
         Ana,Lima,Ana Lima,not-an-email,\n\
         Ben,Carter,Ben Carter,ben.carter@elsewhere.example,\n",
    )
    .expect("bad file");
    let good = files.path().join("good.csv");
    std::fs::write(
        &good,
        format!(
            "First name,Last name,Display name,Email,Status update\n\
             Ana,Lima,Ana Lima,ana.lima@{DOMAIN},\n\
             Ben,Carter,Ben Carter,ben.carter@{DOMAIN},\n\
             Chloé,Dubois,Chloé Dubois,chloe.dubois@{DOMAIN},\n"
        ),
    )
    .expect("good file");
    b.click_link("Upload users").await;
    b.wait_heading("Upload users").await;
    b.check_page("upload users").await;
    upload(b, &bad).await;
    let problems = b.text_of("#problems").await.expect("the file's problems");
    assert!(problems.contains("Row 2, Email: "), "{problems}");
    assert!(
        problems.contains("Row 3, Email: 'elsewhere.example' is not in the customer's domains"),
        "{problems}"
    );
    b.check_page("upload users, problems").await;
    upload(b, &good).await;
    assert_eq!(
        b.text_of("[role=status]").await.as_deref(),
        Some("3 users are ready to be created.")
    );
    b.check_page("upload users, ready").await;
    b.select("Location", "GB").await;
    b.click_button("Save").await;
    b.wait_heading("Users uploaded").await;
    b.check_page("users uploaded").await;
    let shown: BTreeMap<String, String> = b
        .table_rows()
        .await
        .into_iter()
        .map(|row| (row[1].clone(), row[2].clone()))
        .collect();
    assert_eq!(shown.len(), 3, "{shown:?}");
    let download = b
        .run(
            "return [...document.querySelectorAll('a')].find(a => a.textContent.trim() === 'Download').getAttribute('href');",
            json!([]),
        )
        .await;
    let csv = download_csv(download.as_str().expect("the Download link"));
    assert_eq!(csv, shown, "the downloaded CSV has the passwords the page shows");
    for password in shown.values() {
        b.shown_once(password);
    }
    b.click_link("Users and licenses").await;
    b.wait_heading("Users and licenses").await;
    assert_eq!(
        listed_users(b).await,
        ["Ana Lima", "Ben Carter", "Chloé Dubois", "Zoe Ng-Park"]
    );
    b.check_page("users and licenses").await;
    if std::env::var("TENANTDESK_SCREENSHOT").as_deref() == Ok("1") {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/console.png");
        std::fs::create_dir_all(path.parent().expect("docs/")).expect("docs/");
        std::fs::write(&path, b.screenshot().await).expect("docs/console.png");
        eprintln!("saved {}", path.display());
    }

    // The Activity log has what was done, by whom.
    b.click_link("Activity log").await;
    b.wait_heading("Activity log").await;
    b.check_page("activity log").await;
    let log = b.text().await;
    assert!(log.contains(agent), "{log}");

    // 8. Sign out: back on the sign-in page, and the old session cookie no longer works.
    let cookie = b.cookie(tenantdesk_console::SESSION_COOKIE).await;
    assert!(!cookie.is_empty(), "a session cookie");
    assert_eq!(with_cookie(&console, &cookie).await, (200, None));
    b.click_button("Sign out").await;
    b.wait_heading(SIGN_IN).await;
    assert_eq!(
        with_cookie(&console, &cookie).await,
        (303, Some("/".to_owned())),
        "the old cookie is sent back to sign in"
    );
    b.goto(&console.url("/customers")).await;
    b.wait_heading(SIGN_IN).await;

    browser.assert_accessible();
}

/// Chooses `file` as Upload user info and Validates it.
async fn upload(browser: &Browser, file: &Path) {
    let field = browser.field("Upload user info").await;
    browser.type_into(&field, &file.display().to_string()).await;
    browser.click_button("Validate").await;
    browser.wait_heading("Upload users").await;
}

/// The passwords of the Download link's CSV file, by email.
fn download_csv(href: &str) -> BTreeMap<String, String> {
    let data = href
        .strip_prefix("data:text/csv;base64,")
        .unwrap_or_else(|| panic!("a CSV data: URL: {href}"));
    let bytes = base64::engine::general_purpose::STANDARD.decode(data).expect("base64");
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let headers = reader.headers().expect("a header").clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "First name",
            "Last name",
            "Display name",
            "Email",
            "Status update",
            "Temporary password"
        ]
    );
    reader
        .records()
        .map(|record| {
            let record = record.expect("a row");
            assert_eq!(&record[4], "created");
            (record[3].to_owned(), record[5].to_owned())
        })
        .collect()
}

/// The status and `Location` of Customers requested with the session cookie `cookie`.
async fn with_cookie(console: &Console, cookie: &str) -> (u16, Option<String>) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let response = http
        .get(console.url("/customers"))
        .header("cookie", format!("{}={cookie}", tenantdesk_console::SESSION_COOKIE))
        .send()
        .await
        .expect("Customers");
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned);
    (response.status().as_u16(), location)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_helpdesk_agent_may_only_reset_and_a_sales_agent_only_read() {
    let console = Console::start(true).await;
    let Some(mut browser) = start_browser(Script::Enabled).await else {
        return;
    };
    let helpdesk = console
        .agent("helpdesk@fabrikam.example", AgentRole::HelpdeskAgent)
        .await;
    let sales = console.agent("sales@fabrikam.example", AgentRole::SalesAgent).await;
    let b = &mut browser;

    first_sign_in(b, &console, "helpdesk@fabrikam.example", &helpdesk, false).await;
    open_user(b, "Ana Lima").await;
    assert!(
        b.button("Reset password").await.is_some(),
        "helpdesk may reset a password"
    );
    assert!(b.button("Submit").await.is_none(), "helpdesk may not change a user");
    assert!(b.link("Delete user account").await.is_none(), "nor delete one");
    b.check_page("user (helpdesk agent)").await;
    b.click_button("Reset password").await;
    b.wait_heading("Password has been reset").await;
    b.check_page("password has been reset (helpdesk agent)").await;
    b.click_button("Sign out").await;
    b.wait_heading(SIGN_IN).await;

    first_sign_in(b, &console, "sales@fabrikam.example", &sales, false).await;
    open_user(b, "Ana Lima").await;
    for button in ["Reset password", "Submit"] {
        assert!(b.button(button).await.is_none(), "sales sees no {button}");
    }
    assert!(b.link("Delete user account").await.is_none(), "sales sees no Delete");
    b.check_page("user (sales agent)").await;
    b.click_link("Users and licenses").await;
    b.wait_heading("Users and licenses").await;
    b.click_link("Deleted users (1)").await;
    b.wait_heading("Users and licenses").await;
    assert!(b.button("Restore").await.is_none(), "sales sees no Restore");
    b.check_page("deleted users (sales agent)").await;

    browser.assert_accessible();
}

/// From Customers to the page of the user `name`; checks the users page shows no change for a
/// role that may not make one.
async fn open_user(browser: &Browser, name: &str) {
    browser.click_link("Contoso").await;
    browser.wait_heading("Contoso").await;
    browser.click_link("Users and licenses").await;
    browser.wait_heading("Users and licenses").await;
    for link in ["Add user", "Upload users"] {
        assert!(browser.link(link).await.is_none(), "no {link}");
    }
    browser.click_link(name).await;
    browser.wait_heading(name).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_main_flow_works_without_javascript() {
    let console = Console::start(false).await;
    let Some(mut browser) = start_browser(Script::Disabled).await else {
        return;
    };
    let agent = "nojs@fabrikam.example";
    let one_time = console.agent(agent, AgentRole::AdminAgent).await;
    let b = &mut browser;

    first_sign_in(b, &console, agent, &one_time, false).await;
    b.click_link("Contoso").await;
    b.wait_heading("Contoso").await;
    b.click_link("Users and licenses").await;
    b.wait_heading("Users and licenses").await;
    b.click_link("Add user").await;
    b.wait_heading("Add user").await;
    fill_new_user(b, "zoe").await;
    b.click_button("Save").await;
    b.wait_heading("User added").await;
    let password = shown_password(b).await;
    assert!(!password.is_empty());
    assert!(
        !copy_button_shown(b).await,
        "JavaScript is off: the console's script never revealed the Copy button"
    );
    // axe-core is not run here: it needs the page's timers, which do not run without JavaScript;
    // these pages are the same markup the other tests check with it.
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_signs_in_and_adds_a_user_by_keyboard_alone() {
    let console = Console::start(false).await;
    let Some(browser) = start_browser(Script::Enabled).await else {
        return;
    };
    let agent = "keys@fabrikam.example";
    let one_time = console.agent(agent, AgentRole::AdminAgent).await;
    let b = &browser;

    b.goto(&console.url("/")).await;
    b.wait_heading(SIGN_IN).await;
    // Username has the focus when the page opens.
    b.wait_for(
        "the focus in Username",
        "return document.activeElement && document.activeElement.id === 'username';",
        json!([]),
    )
    .await;
    b.press(&[agent]).await;
    b.tab_to("Password").await;
    b.press(&[one_time.as_str()]).await;
    b.tab_to("Sign in").await;
    b.press_and_wait(ENTER).await;
    b.wait_heading("Change your password").await;
    b.tab_to("New password").await;
    b.press(&[AGENT_PASSWORD]).await;
    b.tab_to("Confirm new password").await;
    b.press(&[AGENT_PASSWORD]).await;
    b.tab_to("Change password").await;
    b.press_and_wait(ENTER).await;
    b.wait_heading("Customers").await;
    b.tab_to("Contoso").await;
    b.press_and_wait(ENTER).await;
    b.wait_heading("Contoso").await;
    b.tab_to("Users and licenses").await;
    b.press_and_wait(ENTER).await;
    b.wait_heading("Users and licenses").await;
    b.tab_to("Add user").await;
    b.press_and_wait(ENTER).await;
    b.wait_heading("Add user").await;
    for (field, text) in [
        ("First name", "Kim"),
        ("Last name", "Lee"),
        ("Display name", "Kim Lee"),
        ("Username", "kim.lee"),
    ] {
        b.tab_to(field).await;
        b.press(&[text]).await;
    }
    b.tab_to("Location").await;
    b.press(&["GB"]).await;
    let location = b
        .run("return document.getElementById('usageLocation').value;", json!([]))
        .await;
    assert_eq!(location, "GB", "typing chooses the location");
    b.tab_to("Helpdesk Administrator").await;
    b.press(&[SPACE]).await;
    assert!(
        b.is_checked("Helpdesk Administrator").await,
        "Space checks the permission"
    );
    b.tab_to("Save").await;
    b.press_and_wait(ENTER).await;
    b.wait_heading("User added").await;
    let text = b.text().await;
    assert!(
        text.contains(&format!("Kim Lee (kim.lee@{DOMAIN}) was added.")),
        "{text}"
    );
    assert!(!shown_password(b).await.is_empty());
}
