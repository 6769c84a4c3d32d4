//! The console through its router, as a browser drives it: sign-in and sessions, every page per
//! role, the cross-site guard, replayed forms, and what a page may show (a password once, on a
//! `no-store` page). Real-browser tests are in `crates/tenantdesk/tests/browser.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::TimeDelta;
use http_body_util::BodyExt as _;
use tenantdesk_core::clock::ShiftedClock;
use tenantdesk_core::passwords::HashCost;
use tenantdesk_core::sessions::SignInPolicy;
use tenantdesk_core::{App, Config, admin, agents, customers::NewCustomer};
use tenantdesk_domain::{
    AgentRole, CompanyName, Customer, DomainName, Operation, Outcome, PartnerId, UserPrincipalName,
};
use tenantdesk_sqlite::SqliteStore;
use tenantdesk_store::{AuditQuery, Store};
use tower::ServiceExt as _;

const NEW_PASSWORD: &str = "Console!Pass-2026";

struct Console {
    app: App,
    /// The store under the console, for what a test reads behind its back.
    store: Arc<dyn Store>,
    router: Router,
    clock: Arc<ShiftedClock>,
    partner: PartnerId,
    customer: Customer,
    dir: tempfile::TempDir,
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
    }

    fn cookie(&self) -> Option<String> {
        let set = self.headers.get(header::SET_COOKIE)?.to_str().ok()?;
        let pair = set.split(';').next()?;
        pair.ends_with('=')
            .then_some(())
            .map_or(Some(pair.to_owned()), |()| None)
    }

    /// The value of the hidden `request_id` of the page's first form.
    fn request_id(&self) -> String {
        let at = self
            .body
            .find("name=\"request_id\" value=\"")
            .expect("a form with a request id")
            + 25;
        self.body[at..at + 36].to_owned()
    }
}

async fn console() -> Console {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("console.db").display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&url).await.expect("store"));
    store.migrate().await.expect("migrate");
    let clock = Arc::new(ShiftedClock::default());
    let config = Config {
        hash_cost: HashCost {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        },
        sign_in: SignInPolicy {
            delay_step: std::time::Duration::ZERO,
            lock_after: 5,
            ..SignInPolicy::default()
        },
        ..Config::default()
    };
    let app = App::with_clock(store.clone(), config, clock.clone());
    let partner = admin::create_partner(&app, CompanyName::parse("Fabrikam CSP").unwrap(), None)
        .await
        .expect("partner");
    let customer = admin::create_customer(
        &app,
        partner.id,
        NewCustomer {
            domains: vec![DomainName::parse("contoso.onmicrosoft.com").unwrap()],
            name: CompanyName::parse("Contoso").unwrap(),
        },
    )
    .await
    .expect("customer");
    Console {
        router: tenantdesk_console::router(app.clone()),
        app,
        store,
        clock,
        partner: partner.id,
        customer,
        dir,
    }
}

impl Console {
    async fn send(&self, request: Request<Body>) -> Page {
        let response = self.router.clone().oneshot(request).await.expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, path: &str, cookie: &str) -> Page {
        let request = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    /// A same-origin form post, as a browser sends it.
    async fn post(&self, path: &str, cookie: &str, form: &[(&str, &str)]) -> Page {
        self.post_from(path, cookie, form, "same-origin").await
    }

    async fn post_from(&self, path: &str, cookie: &str, form: &[(&str, &str)], site: &str) -> Page {
        let body: Vec<String> = form
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        let request = Request::post(path)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", site)
            .body(Body::from(body.join("&")))
            .unwrap();
        self.send(request).await
    }

    async fn sign_in(&self, username: &str, password: &str) -> Page {
        self.post("/sign-in", "", &[("username", username), ("password", password)])
            .await
    }

    /// A new agent with `role`, signed in with its own password: its session cookie.
    async fn agent(&self, role: AgentRole) -> String {
        let upn = format!("{}@fabrikam.example", role.as_str());
        let created = agents::create(&self.app, self.partner, UserPrincipalName::parse(&upn).unwrap(), role)
            .await
            .expect("agent");
        let signed_in = self.sign_in(&upn, created.password.expose()).await;
        assert_eq!(signed_in.location(), "/password");
        let cookie = signed_in.cookie().expect("session cookie");
        let changed = self
            .post(
                "/password",
                &cookie,
                &[("new_password", NEW_PASSWORD), ("confirm_password", NEW_PASSWORD)],
            )
            .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
        changed.cookie().expect("a new session after the change")
    }

    fn users(&self) -> String {
        format!("/customers/{}/users", self.customer.id)
    }

    /// Adds a user through the console's form, filled as a person would (the page's own fields
    /// and defaults: its request id, domain, generated password, forced change); returns the page.
    async fn add_user(&self, cookie: &str, username: &str) -> Page {
        let path = format!("{}/new", self.users());
        let form_page = self.get(&path, cookie).await;
        let mut form = form_fields(&form_page, &path);
        fill(&mut form, "firstName", "Ann");
        fill(&mut form, "lastName", "Lee");
        fill(&mut form, "displayName", &format!("Ann {username}"));
        fill(&mut form, "username", username);
        fill(&mut form, "usageLocation", "US");
        self.post(&path, cookie, &pairs(&form)).await
    }

    async fn audit(&self) -> Vec<tenantdesk_domain::AuditRecord> {
        let now = self.app.now();
        let query = AuditQuery {
            from: now - TimeDelta::days(1),
            to: now + TimeDelta::days(1),
            customer: None,
            resource: None,
            operation: None,
            correlation_id: None,
            after: None,
            limit: 500,
        };
        self.store.audit_records(self.partner, &query).await.expect("audit")
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The path of the first user's page the table links to.
fn first_user_path(c: &Console, list: &Page) -> String {
    let prefix = format!("href=\"{}/", c.users());
    list.body
        .match_indices(&prefix)
        .map(|(at, _)| &list.body[at + 6..at + prefix.len() + 36])
        .find(|path| uuid::Uuid::parse_str(&path[path.len() - 36..]).is_ok())
        .expect("a user in the table")
        .to_owned()
}

/// The temporary password a page shows.
fn shown_password(page: &Page) -> String {
    let at = page
        .body
        .find("id=\"temporary-password\"")
        .expect("a password on the page");
    let start = page.body[at..].find('>').unwrap() + at + 1;
    let end = page.body[start..].find('<').unwrap() + start;
    page.body[start..end].to_owned()
}

/// The fields a browser would post from the page's form whose action is `action`, as the page
/// fills them: text, hidden and password inputs with their values, checked boxes and radios, the
/// selected (else the first) option of each select. A test then changes what a person would type,
/// so a form's field names are checked against what the handler reads.
fn form_fields(page: &Page, action: &str) -> Vec<(String, String)> {
    let at = page
        .body
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("a form posting to {action} in {}", page.body));
    let form = &page.body[at..at + page.body[at..].find("</form>").expect("the form's end")];
    let mut fields = Vec::new();
    for (start, _) in form.match_indices("<input ") {
        let tag = &form[start..start + form[start..].find('>').unwrap()];
        let Some(name) = attribute(tag, "name") else { continue };
        let kind = attribute(tag, "type").unwrap_or_default();
        if matches!(kind.as_str(), "checkbox" | "radio") && !tag.contains(" checked") {
            continue;
        }
        fields.push((name, attribute(tag, "value").unwrap_or_default()));
    }
    for (start, _) in form.match_indices("<select ") {
        let select = &form[start..start + form[start..].find("</select>").unwrap()];
        let name = attribute(select, "name").expect("a named select");
        let options: Vec<&str> = select.split("<option ").skip(1).collect();
        let chosen = options
            .iter()
            .find(|o| o.split('>').next().unwrap_or_default().contains(" selected"))
            .or(options.first())
            .and_then(|o| attribute(&format!(" {o}"), "value"))
            .unwrap_or_default();
        fields.push((name, chosen));
    }
    fields
}

/// The unescaped value of `name`'s attribute in `tag`.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')? + start;
    Some(
        tag[start..end]
            .replace("&#34;", "\"")
            .replace("&#39;", "'")
            .replace("&#60;", "<")
            .replace("&#62;", ">")
            .replace("&#38;", "&"),
    )
}

/// `fields` with `name` set to `value`, as a person fills or checks it.
fn fill(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    match fields.iter_mut().find(|(n, _)| n == name) {
        Some(field) => field.1 = value.to_owned(),
        None => fields.push((name.to_owned(), value.to_owned())),
    }
}

/// Asserts that `fields` are filled with `expected`.
#[track_caller]
fn assert_filled(fields: &[(String, String)], expected: &[(&str, &str)]) {
    for (name, value) in expected {
        let field = ((*name).to_owned(), (*value).to_owned());
        assert!(fields.contains(&field), "{name}={value} in {fields:?}");
    }
}

/// `fields` as the `(name, value)` pairs `Console::post` takes.
fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn the_root_shows_the_sign_in_page_with_its_named_controls() {
    let c = console().await;
    let page = c.get("/", "").await;
    assert_eq!(page.status, StatusCode::OK);
    for name in [
        "<label for=\"username\">Username</label>",
        "<label for=\"password\">Password</label>",
        ">Sign in</button>",
    ] {
        assert!(page.body.contains(name), "{name}");
    }
    let csp = page.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline")
    );
    assert_eq!(page.headers[header::X_FRAME_OPTIONS], "DENY");
    // Every page without a session leads back to it.
    let customers = c.get("/customers", "").await;
    assert_eq!((customers.status, customers.location()), (StatusCode::SEE_OTHER, "/"));
}

#[tokio::test]
async fn a_one_time_password_must_be_replaced_first_by_the_policy() {
    let c = console().await;
    let created = agents::create(
        &c.app,
        c.partner,
        UserPrincipalName::parse("ann@fabrikam.example").unwrap(),
        AgentRole::AdminAgent,
    )
    .await
    .unwrap();
    let one_time = created.password.expose().to_owned();
    let signed_in = c.sign_in("Ann@Fabrikam.example", &one_time).await;
    assert_eq!(signed_in.location(), "/password");
    let cookie = signed_in.cookie().unwrap();
    let set = signed_in.headers[header::SET_COOKIE].to_str().unwrap();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attribute), "{attribute} in {set}");
    }
    assert_eq!(c.get("/customers", &cookie).await.location(), "/password");

    let mismatch = c
        .post(
            "/password",
            &cookie,
            &[("new_password", NEW_PASSWORD), ("confirm_password", "Other!Pass-1")],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.body.contains("The passwords do not match."));
    assert!(mismatch.body.contains("aria-invalid=\"true\""));
    let weak = c
        .post(
            "/password",
            &cookie,
            &[("new_password", "short"), ("confirm_password", "short")],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    let same = c
        .post(
            "/password",
            &cookie,
            &[("new_password", &one_time), ("confirm_password", &one_time)],
        )
        .await;
    assert!(same.body.contains("must differ from the current one"), "{}", same.body);

    let changed = c
        .post(
            "/password",
            &cookie,
            &[("new_password", NEW_PASSWORD), ("confirm_password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(changed.location(), "/customers");
    let new_cookie = changed.cookie().unwrap();
    assert_eq!(c.get("/customers", &new_cookie).await.status, StatusCode::OK);
    assert_eq!(
        c.get("/customers", &cookie).await.location(),
        "/",
        "the old session ended"
    );
    assert_eq!(
        c.sign_in("ann@fabrikam.example", &one_time).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        c.sign_in("ann@fabrikam.example", NEW_PASSWORD).await.location(),
        "/customers"
    );
}

#[tokio::test]
async fn failures_say_one_thing_and_lock_the_account_out_audited() {
    let c = console().await;
    c.agent(AgentRole::AdminAgent).await;
    let unknown = c.sign_in("nobody@fabrikam.example", NEW_PASSWORD).await;
    let wrong = c.sign_in("admin-agent@fabrikam.example", "Wrong!Pass-1").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let message = "The username or password is incorrect.";
    assert!(unknown.body.contains(message) && wrong.body.contains(message));
    assert!(!wrong.body.contains("Wrong!Pass-1"), "the password is not shown back");
    for _ in 0..4 {
        c.sign_in("admin-agent@fabrikam.example", "Wrong!Pass-1").await;
    }
    let locked = c.sign_in("admin-agent@fabrikam.example", NEW_PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "refused even with the right password"
    );
    assert!(locked.body.contains("Too many failed sign-ins"));
    c.clock.advance(TimeDelta::minutes(16));
    assert_eq!(
        c.sign_in("admin-agent@fabrikam.example", NEW_PASSWORD).await.location(),
        "/customers"
    );

    let records = c.audit().await;
    let count = |operation, outcome| {
        records
            .iter()
            .filter(|r| r.operation == operation && r.outcome == outcome && r.actor == "admin-agent@fabrikam.example")
            .count()
    };
    assert!(count(Operation::AgentSignIn, Outcome::Failure) >= 5);
    assert_eq!(count(Operation::AgentLockedOut, Outcome::Success), 1);
    assert!(count(Operation::AgentSignIn, Outcome::Success) >= 2);
}

#[tokio::test]
async fn sessions_end_idle_at_sign_out_and_when_the_agent_is_removed() {
    let c = console().await;
    let cookie = c.agent(AgentRole::AdminAgent).await;
    c.clock.advance(TimeDelta::minutes(29));
    assert_eq!(c.get("/customers", &cookie).await.status, StatusCode::OK, "still alive");
    c.clock.advance(TimeDelta::minutes(31));
    let expired = c.get("/customers", &cookie).await;
    assert_eq!(expired.location(), "/", "30 minutes idle end it");

    // Twelve hours end it however busy it is.
    let cookie = c.agent_again().await;
    for _ in 0..36 {
        c.clock.advance(TimeDelta::minutes(20));
        if c.get("/customers", &cookie).await.status != StatusCode::OK {
            break;
        }
    }
    assert_eq!(c.get("/customers", &cookie).await.location(), "/");

    let cookie = c.agent_again().await;
    let out = c.post("/sign-out", &cookie, &[]).await;
    assert_eq!(out.location(), "/");
    assert!(out.headers[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(c.get("/customers", &cookie).await.location(), "/", "signed out");
    assert!(c.audit().await.iter().any(|r| r.operation == Operation::AgentSignOut));

    let cookie = c.agent_again().await;
    agents::remove(&c.app, c.partner, "admin-agent@fabrikam.example")
        .await
        .unwrap();
    assert_eq!(c.get("/customers", &cookie).await.location(), "/", "removed");
}

impl Console {
    /// Signs the admin agent of [`Console::agent`] in again.
    async fn agent_again(&self) -> String {
        let page = self.sign_in("admin-agent@fabrikam.example", NEW_PASSWORD).await;
        assert_eq!(page.location(), "/customers", "{}", page.body);
        page.cookie().unwrap()
    }
}

#[tokio::test]
async fn a_cross_site_post_is_refused_and_changes_nothing() {
    let c = console().await;
    let cookie = c.agent(AgentRole::AdminAgent).await;
    let path = format!("{}/new", c.users());
    let form = [
        ("displayName", "Mallory"),
        ("username", "mallory"),
        ("domain", "contoso.onmicrosoft.com"),
        ("usageLocation", "US"),
    ];
    let refused = c.post_from(&path, &cookie, &form, "cross-site").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let request = Request::post(&path)
        .header(header::COOKIE, &cookie)
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(
            "displayName=Mallory&username=mallory&domain=contoso.onmicrosoft.com&usageLocation=US",
        ))
        .unwrap();
    assert_eq!(c.send(request).await.status, StatusCode::FORBIDDEN);
    let sign_out = c.post_from("/sign-out", &cookie, &[], "cross-site").await;
    assert_eq!(sign_out.status, StatusCode::FORBIDDEN);
    let list = c.get(&c.users(), &cookie).await;
    assert!(!list.body.contains("Mallory"), "nothing was created");
}

#[tokio::test]
async fn a_new_users_password_is_shown_once_and_a_replayed_form_acts_once() {
    let c = console().await;
    let cookie = c.agent(AgentRole::AdminAgent).await;
    let form_page = c.get(&format!("{}/new", c.users()), &cookie).await;
    for name in [
        ">First name</label>",
        ">Last name</label>",
        ">Display name</label>",
        ">Username</label>",
        ">Location</label>",
        "Require this user to change their password when they first sign in</label>",
        ">Save</button>",
    ] {
        assert!(form_page.body.contains(name), "{name}");
    }
    assert!(
        form_page
            .body
            .contains("name=\"forceChangePassword\" value=\"true\" checked"),
        "checked by default"
    );
    let request_id = form_page.request_id();
    let form = [
        ("request_id", request_id.as_str()),
        ("displayName", "Ann Lee"),
        ("username", "ann"),
        ("domain", "contoso.onmicrosoft.com"),
        ("usageLocation", "US"),
        ("passwordChoice", "custom"),
        ("password", "Typed!Pass-77"),
        ("forceChangePassword", "true"),
        ("directoryRoleIds", "fe930be7-5e62-47db-91af-98c3a49a38b1"),
    ];
    let path = format!("{}/new", c.users());
    let created = c.post(&path, &cookie, &form).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(shown_password(&created), "Typed!Pass-77");
    assert!(created.body.contains("will not be available later") && created.body.contains(">Copy</button>"));
    assert_eq!(created.headers[header::CACHE_CONTROL], "no-store");

    let again = c.post(&path, &cookie, &form).await;
    assert!(again.body.contains("Already done"), "{}", again.body);
    assert!(!again.body.contains("Typed!Pass-77"));
    let list = c.get(&c.users(), &cookie).await;
    assert_eq!(
        list.body.matches("ann@contoso.onmicrosoft.com").count(),
        1,
        "created once"
    );
    assert!(list.body.contains("User Administrator"), "its permission is listed");
    let records = c.audit().await;
    let create = records
        .iter()
        .find(|r| r.operation == Operation::CreateCustomerUser)
        .unwrap();
    assert_eq!(create.actor, "admin-agent@fabrikam.example");
    assert_eq!(create.request_id.as_deref(), Some(request_id.as_str()));
    assert!(records.iter().any(|r| r.outcome == Outcome::Replayed));

    // Neither the typed password nor a session secret reaches the database.
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(c.dir.path()).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let haystack = String::from_utf8_lossy(&bytes);
    assert!(!haystack.contains("Typed!Pass-77"));
    assert!(!haystack.contains(cookie.split_once('=').unwrap().1));
}

#[tokio::test]
async fn problems_are_shown_next_to_their_field_with_the_apis_messages() {
    let c = console().await;
    let cookie = c.agent(AgentRole::AdminAgent).await;
    let path = format!("{}/new", c.users());
    let page = c
        .post(
            &path,
            &cookie,
            &[
                ("displayName", ""),
                ("username", "bad name"),
                ("domain", "contoso.onmicrosoft.com"),
                ("usageLocation", "ZZ"),
                ("passwordChoice", "generate"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("id=\"displayName-error\""), "{}", page.body);
    assert!(page.body.contains("id=\"username-error\""));
    assert!(
        page.body
            .contains("&#39;ZZ&#39; is not an ISO 3166-1 alpha-2 country code")
            || page.body.contains("'ZZ' is not an ISO 3166-1 alpha-2 country code"),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"bad name\""), "what was typed is kept");
}

#[tokio::test]
async fn each_role_sees_what_it_may_do_and_the_server_refuses_the_rest() {
    let c = console().await;
    let admin = c.agent(AgentRole::AdminAgent).await;
    let created = c.add_user(&admin, "bob").await;
    assert_eq!(created.status, StatusCode::OK);
    let list = c.get(&c.users(), &admin).await;
    let user_path = first_user_path(&c, &list);
    for (cookie, role) in [(&admin, AgentRole::AdminAgent)] {
        let page = c.get(&user_path, cookie).await;
        assert!(
            page.body.contains(">Submit</button>")
                && page.body.contains(">Reset password</button>")
                && page.body.contains(">Delete user account</a>"),
            "{role}"
        );
        assert!(c.get(&c.users(), cookie).await.body.contains(">Add user</a>"));
    }
    let helpdesk = c.agent(AgentRole::HelpdeskAgent).await;
    let page = c.get(&user_path, &helpdesk).await;
    assert!(page.body.contains(">Reset password</button>"));
    assert!(!page.body.contains(">Submit</button>") && !page.body.contains("Delete user account"));
    assert!(!c.get(&c.users(), &helpdesk).await.body.contains(">Add user</a>"));
    let refused = c.add_user(&helpdesk, "eve").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let reset = c.post(&format!("{user_path}/reset-password"), &helpdesk, &[]).await;
    assert!(reset.body.contains("Password has been reset"));
    assert_eq!(reset.headers[header::CACHE_CONTROL], "no-store");

    let sales = c.agent(AgentRole::SalesAgent).await;
    let page = c.get(&user_path, &sales).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(">Reset password</button>") && !page.body.contains(">Submit</button>"));
    let refused = c.post(&format!("{user_path}/reset-password"), &sales, &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = c.post(&format!("{user_path}/delete"), &sales, &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(c.get(&c.users(), &sales).await.body.contains("Ann bob"), "sales reads");
    let failures = c
        .audit()
        .await
        .into_iter()
        .filter(|r| r.outcome == Outcome::Failure && r.actor.starts_with("sales"))
        .count();
    assert_eq!(failures, 2, "the refusals are audited");
}

#[tokio::test]
async fn a_users_page_posts_back_what_it_shows_and_keeps_what_was_not_changed() {
    let c = console().await;
    let admin = c.agent(AgentRole::AdminAgent).await;
    c.add_user(&admin, "erin").await;
    let list = c.get(&c.users(), &admin).await;
    let user_path = first_user_path(&c, &list);
    let page = c.get(&user_path, &admin).await;
    let mut form = form_fields(&page, &user_path);
    assert_filled(
        &form,
        &[
            ("firstName", "Ann"),
            ("lastName", "Lee"),
            ("displayName", "Ann erin"),
            ("username", "erin"),
            ("domain", "contoso.onmicrosoft.com"),
            ("usageLocation", "US"),
        ],
    );
    fill(&mut form, "displayName", "Erin Lee");
    fill(&mut form, "username", "  erin.lee ");
    let saved = c.post(&user_path, &admin, &pairs(&form)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), format!("{user_path}?notice=saved"));
    let page = c.get(saved.location(), &admin).await;
    assert!(page.body.contains("Your changes were saved."));
    assert_filled(
        &form_fields(&page, &user_path),
        &[
            ("firstName", "Ann"),
            ("lastName", "Lee"),
            ("displayName", "Erin Lee"),
            ("username", "erin.lee"),
            ("usageLocation", "US"),
        ],
    );

    // A field left empty is that field's problem, shown next to it with what was typed.
    fill(&mut form, "request_id", &page.request_id());
    fill(&mut form, "displayName", " ");
    let refused = c.post(&user_path, &admin, &pairs(&form)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("id=\"displayName-error\""), "{}", refused.body);
    assert!(refused.body.contains("value=\"erin.lee\""));

    // Ids that do not parse name nothing: the pages an unknown id gets.
    let other = "00000000-0000-4000-8000-000000000000";
    for (path, message) in [
        ("/customers/not-an-id/users".to_owned(), "The customer was not found."),
        (
            format!("/customers/{other}/users/not-an-id"),
            "The customer was not found.",
        ),
        (format!("{}/not-an-id", c.users()), "The user was not found."),
        (format!("{}/{other}/delete", c.users()), "The user was not found."),
    ] {
        let page = c.get(&path, &admin).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.body.contains(message), "{path}: {}", page.body);
    }
    let posted = c.post(&format!("{}/not-an-id/delete", c.users()), &admin, &[]).await;
    assert_eq!(posted.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/customers/not-an-id", "").await.location(), "/", "sign in first");
}

#[tokio::test]
async fn delete_then_restore_from_deleted_users_reports_each_row() {
    let c = console().await;
    let admin = c.agent(AgentRole::AdminAgent).await;
    c.add_user(&admin, "carol").await;
    let list = c.get(&c.users(), &admin).await;
    assert!(list.body.contains("Deleted users (0)"));
    let user_path = first_user_path(&c, &list);
    let confirm = c.get(&format!("{user_path}/delete"), &admin).await;
    assert!(confirm.body.contains("Ann carol") && confirm.body.contains("30 days"));
    let deleted = c
        .post(
            &format!("{user_path}/delete"),
            &admin,
            &[("request_id", &confirm.request_id())],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    let list = c.get(deleted.location(), &admin).await;
    assert!(list.body.contains("Deleted users (1)") && list.body.contains("can be restored"));

    // Someone takes the username meanwhile: that row's restore fails, the page does not.
    c.add_user(&admin, "carol").await;
    let tab = c
        .get(&format!("/customers/{}/deleted-users", c.customer.id), &admin)
        .await;
    let user_id = user_path.rsplit('/').next().unwrap();
    let restore = format!("/customers/{}/deleted-users", c.customer.id);
    let mut form = form_fields(&tab, &restore);
    assert!(!form.iter().any(|(n, _)| n == "user"), "nobody is selected at first");
    fill(&mut form, "user", user_id);
    let restored = c.post(&restore, &admin, &pairs(&form)).await;
    assert_eq!(restored.status, StatusCode::OK);
    assert!(
        restored
            .body
            .contains("another active user now has its user principal name"),
        "{}",
        restored.body
    );
}

#[tokio::test]
async fn upload_validates_by_row_and_column_then_saves_and_offers_the_csv_once() {
    let c = console().await;
    let admin = c.agent(AgentRole::AdminAgent).await;
    let upload = |file: &str| {
        let boundary = "XBOUNDARYX";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"users.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n"
        );
        Request::post(format!("/customers/{}/upload", c.customer.id))
            .header(header::COOKIE, &admin)
            .header("sec-fetch-site", "same-origin")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap()
    };
    let header_row = "First name,Last name,Display name,Email,Status update\r\n";
    let bad = c
        .send(upload(&format!(
            "{header_row}Ann,Lee,Ann Lee,ann@elsewhere.com,\r\nBo,Ng,,bo@contoso.onmicrosoft.com,\r\n"
        )))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Row 2, Email"), "{}", bad.body);
    assert!(bad.body.contains("Row 3, Display name"));

    let good = format!(
        "{header_row}Ann,Lee,Ann Lee,ann@contoso.onmicrosoft.com,\r\nBo,Ng,Bo Ng,bo@contoso.onmicrosoft.com,\r\n"
    );
    let ready = c.send(upload(&good)).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    assert!(ready.body.contains("2 users are ready"));
    let path = format!("/customers/{}/upload/save", c.customer.id);
    let mut fields = form_fields(&ready, &path);
    assert_eq!(
        fields
            .iter()
            .find(|(n, _)| n == "file")
            .map(|(_, v)| v.replace("\r\n", "\n")),
        Some(good.replace("\r\n", "\n")),
        "the file travels in the form"
    );
    fill(&mut fields, "usageLocation", "GB");
    let form = pairs(&fields);
    let saved = c.post(&path, &admin, &form).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.headers[header::CACHE_CONTROL], "no-store");
    let at = saved.body.find("data:text/csv;base64,").unwrap() + 21;
    let end = saved.body[at..].find('"').unwrap() + at;
    use base64::Engine as _;
    let csv = base64::engine::general_purpose::STANDARD
        .decode(&saved.body[at..end])
        .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.starts_with("First name,Last name,Display name,Email,Status update,Temporary password\r\n"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 3);
    let password = csv.lines().nth(1).unwrap().rsplit(',').next().unwrap();
    let escaped = password.replace('&', "&#38;");
    assert!(
        saved.body.contains(password) || saved.body.contains(&escaped),
        "the table shows the same passwords: {password} in {}",
        saved.body
    );

    let again = c.post(&path, &admin, &form).await;
    assert!(again.body.contains("Already done") && !again.body.contains(password));
    assert!(
        c.audit()
            .await
            .iter()
            .any(|r| r.operation == Operation::ImportCustomerUsers)
    );
}

#[tokio::test]
async fn pages_render_as_recorded() {
    let c = console().await;
    let admin = c.agent(AgentRole::AdminAgent).await;
    c.add_user(&admin, "dora").await;
    let filters = vec![
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[uuid]",
        ),
        (r"console\.[0-9a-f]{12}\.(css|js)", "console.[digest].$1"),
    ];
    let sign_in = c.get("/", "").await.body;
    let users = c.get(&c.users(), &admin).await.body;
    let add_user = c.get(&format!("{}/new", c.users()), &admin).await.body;
    insta::with_settings!({ filters => filters }, {
        insta::assert_snapshot!("sign_in", sign_in);
        insta::assert_snapshot!("users_and_licenses", users);
        insta::assert_snapshot!("add_user", add_user);
    });
}

/// The `href` of the link whose text is `text`, unescaped.
fn link(page: &Page, text: &str) -> Option<String> {
    let end = page.body.find(&format!("\">{text}</a>"))?;
    let start = page.body[..end].rfind("href=\"")? + 6;
    Some(page.body[start..end].replace("&#38;", "&"))
}

#[tokio::test]
async fn search_sort_and_pages_live_in_the_url() {
    let c = console().await;
    let admin = c.agent(AgentRole::AdminAgent).await;
    for i in 0..22 {
        assert_eq!(c.add_user(&admin, &format!("u{i:02}")).await.status, StatusCode::OK);
    }
    let first = c.get(&c.users(), &admin).await;
    assert_eq!(first.body.matches("@contoso.onmicrosoft.com</td>").count(), 20);
    assert!(link(&first, "Previous").is_none());
    let next = link(&first, "Next").expect("a next page");
    let second = c.get(&next, &admin).await;
    assert_eq!(second.body.matches("@contoso.onmicrosoft.com</td>").count(), 2);
    assert!(link(&second, "Next").is_none());
    let back = c
        .get(&link(&second, "Previous").expect("a previous page"), &admin)
        .await;
    assert_eq!(back.body, first.body, "Previous leads back to the first page");

    let searched = c.get(&format!("{}?search=U1", c.users()), &admin).await;
    assert_eq!(searched.body.matches("@contoso.onmicrosoft.com</td>").count(), 10);
    assert!(searched.body.contains("value=\"U1\""), "the search stays in its box");
    assert!(
        searched.body.contains("?search=U1&#38;sort=username"),
        "sorting keeps the search"
    );
    let sorted = c.get(&format!("{}?sort=username&order=desc", c.users()), &admin).await;
    let first_row = sorted.body.find("u21@contoso").unwrap();
    assert!(first_row < sorted.body.find("u20@contoso").unwrap());
    assert!(sorted.body.contains("aria-sort=\"descending\""));
}
