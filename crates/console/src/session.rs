//! The session cookie and the signed-in agent; the sign-in, password change and sign-out pages.
//!
//! The cookie holds the session's secret only (`HttpOnly; Secure; SameSite=Strict`; no lifetime
//! of its own: the server ends the session after 30 minutes idle or 12 hours). Every page but the
//! sign-in page needs a session; an agent with a one-time password is sent to the password page
//! until it has replaced it.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequest as _, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tenantdesk_core::sessions::{self, Session, SessionToken, SignInError, SignedIn as NewSession};
use tenantdesk_core::{App, RequestIds};

use crate::error::{OrPage as _, PageError, PageResult};
use crate::forms::{self, Posted, Problems};
use crate::page::{Chrome, render};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tenantdesk_session";

/// The page a signed-in agent lands on.
const START: &str = "/customers";
/// The page of an agent that must replace its one-time password.
const PASSWORD: &str = "/password";

/// The session a request's cookie stands for, whatever the state of the agent's password.
#[derive(Debug)]
pub struct AnySession {
    /// The session.
    pub session: Session,
    /// The frame of the agent's pages.
    pub chrome: Chrome,
}

/// A signed-in agent that may use the console (its password is its own), and the app it uses.
#[derive(Debug)]
pub struct SignedIn {
    /// The app: the use cases the agent calls.
    pub app: App,
    /// The session.
    pub session: Session,
    /// The frame of the agent's pages.
    pub chrome: Chrome,
}

impl SignedIn {
    /// The agent calling a use case that reads, under fresh request ids.
    pub fn caller(&self) -> tenantdesk_core::Caller {
        self.session.caller(RequestIds::generate())
    }

    /// The agent posting `form`: under the form's own request id, asking for what the form asks,
    /// so posting the same form again replays its first answer.
    pub fn form_caller<T>(&self, form: &Posted<T>) -> tenantdesk_core::Caller {
        self.session.caller(form.request_ids()).asking(&form.fingerprint())
    }

    /// The agent posting `form` about `item`, one of the several things the form acts on.
    pub fn item_caller<T>(&self, form: &Posted<T>, item: &str) -> tenantdesk_core::Caller {
        self.session
            .caller(form.request_ids())
            .asking(&form.fingerprint_of(item))
    }
}

/// The session token a request's cookie carries.
fn token(headers: &HeaderMap) -> Option<SessionToken> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| SessionToken::from_cookie(value))
}

/// The cookie that carries `token`.
fn session_cookie(token: &SessionToken) -> HeaderValue {
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; Secure; SameSite=Strict",
        token.expose()
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The cookie that forgets the session.
fn cleared_cookie() -> HeaderValue {
    HeaderValue::from_static("tenantdesk_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict")
}

/// Back to the sign-in page, forgetting the cookie.
fn to_sign_in() -> Response {
    ([(header::SET_COOKIE, cleared_cookie())], Redirect::to("/")).into_response()
}

impl FromRequestParts<App> for AnySession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let Some(token) = token(&parts.headers) else {
            return Err(Redirect::to("/").into_response());
        };
        match sessions::resume(app, &token).await {
            Ok(Some(session)) => {
                let chrome = Chrome::of(&session.agent);
                Ok(Self { session, chrome })
            }
            Ok(None) => Err(to_sign_in()),
            Err(error) => Err(PageError::from_core(error, &Chrome::anonymous()).into_response()),
        }
    }
}

impl FromRequestParts<App> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let AnySession { session, chrome } = AnySession::from_request_parts(parts, app).await?;
        if session.agent.must_change_password {
            return Err(Redirect::to(PASSWORD).into_response());
        }
        Ok(Self {
            app: app.clone(),
            session,
            chrome,
        })
    }
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    username: String,
    error: Option<String>,
}

/// `/`: the sign-in page, or the console for a signed-in agent.
pub async fn home(State(app): State<App>, headers: HeaderMap) -> Response {
    if let Some(token) = token(&headers)
        && let Ok(Some(session)) = sessions::resume(&app, &token).await
    {
        let to = if session.agent.must_change_password {
            PASSWORD
        } else {
            START
        };
        return Redirect::to(to).into_response();
    }
    render(&SignInPage {
        chrome: Chrome::anonymous(),
        username: String::new(),
        error: None,
    })
}

/// The client's address, when the server knows it (the throttling of failed sign-ins).
fn client_address(parts: &axum::http::Extensions) -> Option<std::net::IpAddr> {
    parts.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default, deserialize_with = "forms::trimmed")]
    username: String,
    #[serde(default)]
    password: String,
}

/// `POST /sign-in`: **Sign in**.
pub async fn sign_in(State(app): State<App>, request: axum::extract::Request) -> Response {
    let address = client_address(request.extensions());
    let Ok(Posted { form, .. }) = Posted::<SignInForm>::from_request(request, &app).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let SignInForm { username, password } = form;
    let ids = RequestIds::generate();
    match sessions::sign_in(&app, &username, &password, address, &ids).await {
        Ok(NewSession { session, token }) => {
            let to = if session.agent.must_change_password {
                PASSWORD
            } else {
                START
            };
            ([(header::SET_COOKIE, session_cookie(&token))], Redirect::to(to)).into_response()
        }
        Err(error) => {
            let (status, message) = match &error {
                SignInError::Incorrect => (
                    StatusCode::UNAUTHORIZED,
                    "The username or password is incorrect.".to_owned(),
                ),
                SignInError::LockedOut { until } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "Too many failed sign-ins. Try again after {} UTC.",
                        until.format("%H:%M")
                    ),
                ),
                SignInError::Failed(_) => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Signing in failed. Try again later.".to_owned(),
                ),
            };
            if let SignInError::Failed(error) = error {
                tracing::error!(error = format!("{:#}", anyhow::Error::from(error)), "a sign-in failed");
            }
            let page = SignInPage {
                chrome: Chrome::anonymous(),
                username,
                error: Some(message),
            };
            (status, render(&page)).into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    chrome: Chrome,
    one_time: bool,
    problems: Problems,
}

/// `/password`: replace the password (a one-time password must be, before anything else).
pub async fn password_page(agent: AnySession) -> Response {
    render(&PasswordPage {
        one_time: agent.session.agent.must_change_password,
        chrome: agent.chrome,
        problems: Problems::default(),
    })
}

/// The password form (a one-time password's has no current password).
#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// `POST /password`: **Change password**. Every session of the agent ends; this browser gets a new one.
pub async fn change_password(
    State(app): State<App>,
    agent: AnySession,
    Posted { form, .. }: Posted<PasswordForm>,
) -> PageResult {
    let ids = RequestIds::generate();
    let change = sessions::PasswordChange {
        current: &form.current_password,
        new: &form.new_password,
        confirm: &form.confirm_password,
    };
    let changed = sessions::change_password(&app, &agent.session, change, &ids).await;
    let problems = match changed {
        Ok(NewSession { token, .. }) => {
            return Ok(([(header::SET_COOKIE, session_cookie(&token))], Redirect::to(START)).into_response());
        }
        Err(tenantdesk_core::Error::Invalid(problems)) => problems,
        Err(error) => return Err(PageError::from_core(error, &agent.chrome)),
    };
    let page = PasswordPage {
        one_time: agent.session.agent.must_change_password,
        chrome: agent.chrome,
        problems: Problems(problems),
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

/// `POST /sign-out`: **Sign out**.
pub async fn sign_out(State(app): State<App>, agent: AnySession) -> PageResult {
    sessions::sign_out(&app, &agent.session, &RequestIds::generate())
        .await
        .or_page(&agent.chrome)?;
    Ok(to_sign_in())
}
