//! A small WebDriver client for the browser tests: starts Debian's `chromedriver` on a free port,
//! opens a headless Chromium session, and drives it as a person would — finding fields by their
//! `<label>`, buttons and links by their visible text, waiting on what the page shows (never on
//! sleeps). Every page visited is checked with axe-core (serious or critical violations fail the
//! test at its end) and for passwords shown on an earlier page.
//!
//! The W3C WebDriver protocol is a handful of JSON requests, sent with reqwest (already a
//! dependency): no WebDriver crate to compile.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};

/// The key WebDriver names an element reference by.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// axe-core, vendored (tests/vendor/axe-core/README.md).
const AXE: &str = include_str!("../vendor/axe-core/axe.min.js");
/// The longest any page state is waited for.
const PATIENCE: Duration = Duration::from_secs(30);

/// Keys of the WebDriver key actions.
pub const TAB: &str = "\u{E004}";
pub const ENTER: &str = "\u{E007}";
pub const SPACE: &str = " ";

/// Chromium and chromedriver on `PATH`, if both are installed.
pub fn find_browser() -> Option<(PathBuf, PathBuf)> {
    let path = std::env::var_os("PATH")?;
    let find = |names: &[&str]| {
        std::env::split_paths(&path)
            .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
            .find(|candidate| candidate.is_file())
    };
    Some((find(&["chromium", "chromium-browser"])?, find(&["chromedriver"])?))
}

/// Whether JavaScript runs in the pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Script {
    Enabled,
    Disabled,
}

/// An element of the page, as WebDriver refers to it.
#[derive(Clone, Debug)]
pub struct Element(String);

/// What axe-core found on one page.
#[derive(Debug)]
pub struct Violation {
    pub page: String,
    pub impact: String,
    pub rule: String,
    pub help: String,
    pub nodes: Vec<String>,
}

/// A headless Chromium driven through its own chromedriver.
pub struct Browser {
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT/session/ID`.
    session: String,
    driver: Child,
    _profile: tempfile::TempDir,
    /// Every axe-core violation found so far.
    pub violations: Vec<Violation>,
    /// Pages checked with axe-core.
    pub pages_checked: Vec<String>,
    /// Passwords shown once, which no later page may show again.
    secrets: Vec<String>,
}

/// Starts chromedriver on a free port and waits until it is ready: its process and the base URL
/// of its commands. The port is free when chosen but could be taken before chromedriver binds it:
/// then chromedriver exits and is started again on another. Its commands live under a path of its
/// own (`--url-base`), so no other server on that port can pass for it.
async fn start_driver(http: &reqwest::Client, chromedriver: &Path) -> (Child, String) {
    for _ in 0..5 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let prefix = format!("/tenantdesk-{}", uuid::Uuid::new_v4().simple());
        let mut driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--url-base={prefix}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}{prefix}");
        let started = Instant::now();
        loop {
            if driver.try_wait().expect("chromedriver's status").is_some() {
                break; // It exited: the port was taken meanwhile.
            }
            let status = http
                .get(format!("{base}/status"))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            let ready = match status {
                Ok(response) => response
                    .json::<Value>()
                    .await
                    .is_ok_and(|status| status["value"]["ready"] == true),
                Err(_) => false,
            };
            if ready {
                return (driver, base);
            }
            if started.elapsed() > PATIENCE {
                let _ = driver.kill();
                let _ = driver.wait();
                panic!("chromedriver did not start on port {port}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    panic!("chromedriver exited five times on ports that were free when chosen");
}

impl Browser {
    /// Starts chromedriver and a headless Chromium (1280×900) with JavaScript as `script` says.
    pub async fn start(chromium: &Path, chromedriver: &Path, script: Script) -> Self {
        let http = reqwest::Client::new();
        let (driver, base) = start_driver(&http, chromedriver).await;
        let profile = tempfile::tempdir().expect("profile directory");
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--window-size=1280,900".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut prefs = json!({});
        if script == Script::Disabled {
            prefs = json!({ "profile.managed_default_content_settings.javascript": 2 });
            args.push("--blink-settings=scriptEnabled=false".to_owned());
        }
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": { "binary": chromium, "args": args, "prefs": prefs },
            }}
        });
        let mut browser = Self {
            http,
            session: String::new(),
            driver,
            _profile: profile,
            violations: Vec::new(),
            pages_checked: Vec::new(),
            secrets: Vec::new(),
        };
        let created = browser
            .command(Method::POST, &format!("{base}/session"), capabilities)
            .await
            .expect("a Chromium session");
        let id = created["sessionId"].as_str().expect("session id");
        browser.session = format!("{base}/session/{id}");
        browser
            .command(
                Method::POST,
                &format!("{}/timeouts", browser.session),
                json!({ "script": 60_000, "pageLoad": 60_000 }),
            )
            .await
            .expect("timeouts");
        browser
    }

    /// Sends a WebDriver command; its `value`, or the error it answered.
    async fn command(&self, method: Method, url: &str, body: Value) -> Result<Value, String> {
        let mut request = self.http.request(method.clone(), url);
        if method != Method::GET && method != Method::DELETE {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| format!("{url}: {e}"))?;
        let status = response.status();
        let answer: Value = response.json().await.map_err(|e| format!("{url}: {e}"))?;
        if status.is_success() {
            Ok(answer["value"].clone())
        } else {
            Err(format!(
                "{url}: {status} {}: {}",
                answer["value"]["error"], answer["value"]["message"]
            ))
        }
    }

    async fn session_command(&self, method: Method, path: &str, body: Value) -> Result<Value, String> {
        self.command(method, &format!("{}{path}", self.session), body).await
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the page.
    pub async fn try_run(&self, script: &str, args: Value) -> Result<Value, String> {
        self.session_command(Method::POST, "/execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    /// Runs `script` in the page; panics if it fails.
    pub async fn run(&self, script: &str, args: Value) -> Value {
        self.try_run(script, args).await.unwrap_or_else(|e| panic!("{e}"))
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.session_command(Method::POST, "/url", json!({ "url": url }))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// The page's URL.
    pub async fn url(&self) -> String {
        let url = self.session_command(Method::GET, "/url", Value::Null).await;
        url.unwrap_or_else(|e| panic!("{e}"))
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits until `script` (a function body) returns a truthy value in the page; returns it.
    pub async fn wait_for(&self, what: &str, script: &str, args: Value) -> Value {
        let started = Instant::now();
        let mut last;
        loop {
            match self.try_run(script, args.clone()).await {
                Ok(value) if truthy(&value) => return value,
                Ok(value) => last = format!("{value}"),
                Err(error) => last = error,
            }
            if started.elapsed() > PATIENCE {
                let text = self.text().await;
                panic!(
                    "waited {PATIENCE:?} for {what} (last: {last}) on {}:\n{text}",
                    self.url().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        let text = self
            .try_run("return document.body ? document.body.innerText : ''", json!([]))
            .await;
        text.ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The page's markup.
    pub async fn source(&self) -> String {
        let html = self.run("return document.documentElement.outerHTML", json!([])).await;
        html.as_str().unwrap_or_default().to_owned()
    }

    /// Waits for a page whose `<h1>` says `heading`.
    pub async fn wait_heading(&self, heading: &str) {
        self.wait_for(
            &format!("the heading “{heading}”"),
            "const h = document.querySelector('h1'); \
             return document.readyState === 'complete' && !!h && h.textContent.trim() === arguments[0];",
            json!([heading]),
        )
        .await;
    }

    /// Marks the current document, so a wait can tell the next one from it.
    async fn mark_document(&self) {
        self.run("window.__tenantdeskOldPage = true;", json!([])).await;
    }

    /// Waits until the marked document has been replaced by a loaded one.
    async fn wait_new_document(&self) {
        self.wait_for(
            "the next page",
            "return !window.__tenantdeskOldPage && document.readyState === 'complete';",
            json!([]),
        )
        .await;
    }

    /// The element `script` returns, waited for (it may be rendered later).
    async fn element(&self, what: &str, script: &str, args: Value) -> Element {
        let found = self.wait_for(what, script, args).await;
        Element(
            found[ELEMENT]
                .as_str()
                .unwrap_or_else(|| panic!("{what} is not an element: {found}"))
                .to_owned(),
        )
    }

    /// The field whose `<label>` says `label`.
    pub async fn field(&self, label: &str) -> Element {
        self.element(
            &format!("the field labelled “{label}”"),
            "const norm = s => s.replace(/\\s+/g, ' ').trim(); \
             const label = [...document.querySelectorAll('label')] \
               .find(l => norm(l.textContent) === arguments[0] && l.control); \
             return label ? label.control : null;",
            json!([label]),
        )
        .await
    }

    /// The visible button whose text is `text`, if the page has one (not waited for).
    pub async fn button(&self, text: &str) -> Option<Element> {
        let found = self
            .run(
                &format!(
                    "{VISIBLE} return [...document.querySelectorAll('button, input[type=submit]')] \
                 .find(b => norm(b.textContent || b.value) === arguments[0] && visible(b)) || null;"
                ),
                json!([text]),
            )
            .await;
        found[ELEMENT].as_str().map(|id| Element(id.to_owned()))
    }

    /// The visible link whose text is `text`, if the page has one (not waited for).
    pub async fn link(&self, text: &str) -> Option<Element> {
        let found = self
            .run(
                &format!(
                    "{VISIBLE} return [...document.querySelectorAll('a[href]')] \
                 .find(a => norm(a.textContent) === arguments[0] && visible(a)) || null;"
                ),
                json!([text]),
            )
            .await;
        found[ELEMENT].as_str().map(|id| Element(id.to_owned()))
    }

    /// Clicks `element`.
    pub async fn click(&self, element: &Element) {
        self.session_command(Method::POST, &format!("/element/{}/click", element.0), json!({}))
            .await
            .unwrap_or_else(|e| panic!("click: {e}"));
    }

    /// Clicks the button `text` and waits for the page it leads to.
    pub async fn click_button(&self, text: &str) {
        let button = self.button(text).await;
        let button = match button {
            Some(button) => button,
            None => panic!("no button “{text}” on {}:\n{}", self.url().await, self.text().await),
        };
        self.mark_document().await;
        self.click(&button).await;
        self.wait_new_document().await;
    }

    /// Follows the link `text` and waits for the page it leads to.
    pub async fn click_link(&self, text: &str) {
        let link = self.link(text).await;
        let link = match link {
            Some(link) => link,
            None => panic!("no link “{text}” on {}:\n{}", self.url().await, self.text().await),
        };
        self.mark_document().await;
        self.click(&link).await;
        self.wait_new_document().await;
    }

    /// Types `text` into the field labelled `label`, replacing what it held.
    pub async fn fill(&self, label: &str, text: &str) {
        let field = self.field(label).await;
        self.session_command(Method::POST, &format!("/element/{}/clear", field.0), json!({}))
            .await
            .unwrap_or_else(|e| panic!("clear “{label}”: {e}"));
        self.type_into(&field, text).await;
    }

    /// Types `text` into `element` (a file field takes a path).
    pub async fn type_into(&self, element: &Element, text: &str) {
        self.session_command(
            Method::POST,
            &format!("/element/{}/value", element.0),
            json!({ "text": text }),
        )
        .await
        .unwrap_or_else(|e| panic!("typing: {e}"));
    }

    /// Chooses the option `option` of the list labelled `label`.
    pub async fn select(&self, label: &str, option: &str) {
        let field = self.field(label).await;
        let option = self
            .run(
                "return [...arguments[0].options].find(o => o.textContent.trim() === arguments[1]) || null;",
                json!([{ ELEMENT: field.0 }, option]),
            )
            .await;
        let option = Element(option[ELEMENT].as_str().expect("the option").to_owned());
        self.click(&option).await;
    }

    /// Whether the checkbox (or radio button) labelled `label` is checked.
    pub async fn is_checked(&self, label: &str) -> bool {
        let field = self.field(label).await;
        self.run("return arguments[0].checked;", json!([{ ELEMENT: field.0 }]))
            .await
            == true
    }

    /// Checks the checkbox labelled `label`.
    pub async fn check(&self, label: &str) {
        if !self.is_checked(label).await {
            let field = self.field(label).await;
            self.click(&field).await;
        }
        assert!(self.is_checked(label).await, "“{label}” is checked");
    }

    /// The text of the element `css` matches, if any.
    pub async fn text_of(&self, css: &str) -> Option<String> {
        let text = self
            .run(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : null;",
                json!([css]),
            )
            .await;
        text.as_str().map(str::to_owned)
    }

    /// The rows of the page's first table body, each as its cells' texts.
    pub async fn table_rows(&self) -> Vec<Vec<String>> {
        let rows = self
            .run(
                "return [...document.querySelectorAll('table tbody tr')] \
                   .map(r => [...r.cells].map(c => c.textContent.trim()));",
                json!([]),
            )
            .await;
        serde_json::from_value(rows).expect("rows of cells")
    }

    /// Presses `keys` one after another (WebDriver key actions: real key events).
    pub async fn press(&self, keys: &[&str]) {
        let mut actions = Vec::new();
        for key in keys {
            for c in key.chars() {
                actions.push(json!({ "type": "keyDown", "value": c.to_string() }));
                actions.push(json!({ "type": "keyUp", "value": c.to_string() }));
            }
        }
        self.session_command(
            Method::POST,
            "/actions",
            json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] }),
        )
        .await
        .unwrap_or_else(|e| panic!("keys: {e}"));
    }

    /// What has the keyboard focus: its tag, its accessible text (label, button or link text) and
    /// whether its focus is drawn (`:focus-visible` with an outline).
    pub async fn focused(&self) -> (String, String, bool) {
        let focus = self
            .run(
                "const e = document.activeElement; if (!e) return ['', '', false]; \
                 const norm = s => (s || '').replace(/\\s+/g, ' ').trim(); \
                 const label = e.labels && e.labels.length ? norm(e.labels[0].textContent) : ''; \
                 const style = getComputedStyle(e); \
                 const drawn = e.matches(':focus-visible') && style.outlineStyle !== 'none' \
                   && parseFloat(style.outlineWidth) >= 2; \
                 return [e.tagName.toLowerCase(), label || norm(e.textContent || e.value), drawn];",
                json!([]),
            )
            .await;
        (
            focus[0].as_str().unwrap_or_default().to_owned(),
            focus[1].as_str().unwrap_or_default().to_owned(),
            focus[2] == true,
        )
    }

    /// Presses Tab until the focus is on the control whose text (or label) is `name`; checks that
    /// every control the focus lands on shows it.
    pub async fn tab_to(&self, name: &str) {
        for _ in 0..60 {
            self.press(&[TAB]).await;
            let (tag, text, drawn) = self.focused().await;
            if tag != "body" {
                assert!(drawn, "the focus on <{tag}> “{text}” is visible");
            }
            if text == name {
                return;
            }
        }
        panic!("Tab never reached “{name}” on {}", self.url().await);
    }

    /// Presses `key` on the focused control and waits for the page it leads to.
    pub async fn press_and_wait(&self, key: &str) {
        self.mark_document().await;
        self.press(&[key]).await;
        self.wait_new_document().await;
    }

    /// The session cookie's value.
    pub async fn cookie(&self, name: &str) -> String {
        let cookie = self
            .session_command(Method::GET, &format!("/cookie/{name}"), Value::Null)
            .await;
        cookie.unwrap_or_else(|e| panic!("{e}"))["value"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The window as a PNG.
    pub async fn screenshot(&self) -> Vec<u8> {
        let png = self.session_command(Method::GET, "/screenshot", Value::Null).await;
        let png = png.unwrap_or_else(|e| panic!("{e}"));
        base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap_or_default())
            .expect("a base64 PNG")
    }

    /// Remembers a password shown once: no page checked after this one may show it.
    pub fn shown_once(&mut self, secret: &str) {
        assert!(!secret.is_empty(), "a password is shown");
        self.secrets.push(secret.to_owned());
    }

    /// Checks the page as `name`: axe-core's rules (every violation recorded), and no password
    /// shown once before.
    pub async fn check_page(&mut self, name: &str) {
        let html = self.source().await;
        for secret in &self.secrets {
            assert!(!html.contains(secret.as_str()), "{name} shows a password shown before");
        }
        let loaded = self.run(&format!("{AXE}\n;return typeof window.axe;"), json!([])).await;
        assert_eq!(loaded, "object", "axe-core loads into {name}");
        let found = self
            .session_command(
                Method::POST,
                "/execute/async",
                json!({
                    "script": "const done = arguments[arguments.length - 1]; \
                      const summary = list => list.map(v => ({ id: v.id, impact: v.impact, help: v.help, \
                          nodes: v.nodes.map(n => n.target.join(' ') + ': ' + (n.failureSummary || '')) })); \
                      axe.run(document, { resultTypes: ['violations', 'incomplete'] }) \
                        .then(r => done({ violations: summary(r.violations), incomplete: summary(r.incomplete) })) \
                        .catch(e => done({ error: String(e) }));",
                    "args": [],
                }),
            )
            .await
            .unwrap_or_else(|e| panic!("axe-core on {name}: {e}"));
        assert!(found.get("error").is_none(), "axe-core on {name}: {found}");
        for review in found["incomplete"].as_array().expect("incomplete") {
            eprintln!(
                "axe-core, needs review (not a violation): {name}: {}: {}",
                review["id"], review["help"]
            );
        }
        for violation in found["violations"].as_array().expect("violations") {
            self.violations.push(Violation {
                page: name.to_owned(),
                impact: violation["impact"].as_str().unwrap_or("unknown").to_owned(),
                rule: violation["id"].as_str().unwrap_or_default().to_owned(),
                help: violation["help"].as_str().unwrap_or_default().to_owned(),
                nodes: violation["nodes"]
                    .as_array()
                    .map(|nodes| nodes.iter().filter_map(|n| n.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default(),
            });
        }
        self.pages_checked.push(name.to_owned());
    }

    /// Checks that axe-core runs and reports: on a page with an unlabelled field and an image
    /// without a text alternative it must find both (then forgets them).
    pub async fn assert_axe_finds_problems(&mut self) {
        self.goto("data:text/html,<!doctype html><html lang=en><title>Broken</title><main><h1>Broken</h1><img src=x.png><input type=text></main></html>")
            .await;
        self.wait_heading("Broken").await;
        let secrets = std::mem::take(&mut self.secrets);
        self.check_page("a broken page").await;
        self.secrets = secrets;
        let found: Vec<Violation> = std::mem::take(&mut self.violations);
        self.pages_checked.pop();
        let rules: Vec<&str> = found.iter().map(|v| v.rule.as_str()).collect();
        for rule in ["image-alt", "label"] {
            assert!(
                rules.contains(&rule),
                "axe-core finds {rule} on a broken page: {rules:?}"
            );
        }
    }

    /// Prints every axe-core violation found and fails on a serious or critical one.
    pub fn assert_accessible(&self) {
        eprintln!(
            "axe-core checked {} pages: {}",
            self.pages_checked.len(),
            self.pages_checked.join("; ")
        );
        for v in &self.violations {
            eprintln!(
                "axe-core: {} [{}] {}: {} — {}",
                v.page,
                v.impact,
                v.rule,
                v.help,
                v.nodes.join(" | ")
            );
        }
        let serious: Vec<String> = self
            .violations
            .iter()
            .filter(|v| v.impact == "serious" || v.impact == "critical")
            .map(|v| format!("{}: {} ({})", v.page, v.rule, v.impact))
            .collect();
        assert!(
            serious.is_empty(),
            "serious or critical axe-core violations: {serious:#?}"
        );
    }
}

impl Drop for Browser {
    /// Ends the Chromium session (so no browser outlives the test, even a failed one), then
    /// chromedriver.
    fn drop(&mut self) {
        if let Some(rest) = self.session.strip_prefix("http://")
            && let Some((authority, path)) = rest.split_once('/')
        {
            use std::io::{Read as _, Write as _};
            if let Ok(mut stream) = std::net::TcpStream::connect(authority) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let request = format!(
                    "DELETE /{path} HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                if stream.write_all(request.as_bytes()).is_ok() {
                    let _ = stream.read_to_end(&mut Vec::new());
                }
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Helpers of the element-finding scripts: text normalised as a person reads it, and visibility.
const VISIBLE: &str = "const norm = s => (s || '').replace(/\\s+/g, ' ').trim(); \
    const visible = e => !e.hidden && e.getClientRects().length > 0;";

fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::Array(_) | Value::Object(_) => true,
    }
}
