//! tenantdesk's web console: Partner Center's **Users and licenses** for a partner's agents, served
//! by the same binary beside the API and calling the same use cases (`tenantdesk_core`) with the
//! same validation, audit records and transactions. `../shared/spec/UI.md` is its contract: the
//! pages and the names of their controls.
//!
//! Pages are rendered on the server from compile-time-checked templates (askama) and work without
//! JavaScript; the one script (`assets/console.js`) only adds the Copy button's clipboard copy.
//! Every form carries its own request id, used as the use case's idempotency key, so a double
//! click, a refresh or a resubmitted form acts once and never shows a password twice.
//!
//! Modules: `security` (headers and the cross-site post guard), `session` (the session cookie, the
//! signed-in agent, sign-in, password change and sign-out), `extract` (typed ids from the path),
//! `forms` (posted forms read into serde structs, their request ids, form errors), `pager` (the
//! one pager of the lists), `error` (the console's error pages), `assets`, `page` (what every page
//! shows), and one module per page family: `customers`, `users` (a folder: Users and licenses,
//! Add user, the user's page, Reset password, Delete user account, Deleted users and Restore),
//! `upload` (Upload users) and `activity` (the Activity log). A page family imports the shared
//! modules, never another family.

mod activity;
mod assets;
mod customers;
mod error;
mod extract;
mod forms;
mod page;
mod pager;
mod security;
mod session;
mod upload;
mod users;

use axum::Router;
use axum::routing::get;
use tenantdesk_core::App;

pub use session::SESSION_COOKIE;

/// The console's routes, over the use cases of `app`. They live beside the API's (`/v1/…`) and the
/// service's own routes, which they never overlap.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/", get(session::home))
        .route("/sign-in", axum::routing::post(session::sign_in))
        .route("/sign-out", axum::routing::post(session::sign_out))
        .route("/password", get(session::password_page).post(session::change_password))
        .route("/customers", get(customers::list))
        .route("/customers/{cid}", get(customers::show))
        .route("/customers/{cid}/users", get(users::list::page))
        .route(
            "/customers/{cid}/users/new",
            get(users::new::page).post(users::new::create),
        )
        .route(
            "/customers/{cid}/users/{uid}",
            get(users::edit::show).post(users::edit::update),
        )
        .route(
            "/customers/{cid}/users/{uid}/reset-password",
            axum::routing::post(users::password::reset),
        )
        .route(
            "/customers/{cid}/users/{uid}/delete",
            get(users::delete::page).post(users::delete::delete),
        )
        .route(
            "/customers/{cid}/deleted-users",
            get(users::deleted::list).post(users::deleted::restore),
        )
        .route("/customers/{cid}/upload", get(upload::page).post(upload::validate))
        .route("/customers/{cid}/upload/save", axum::routing::post(upload::save))
        .route("/activity", get(activity::list))
        .route(assets::ROUTE, get(assets::serve))
        .layer(axum::middleware::from_fn(security::refuse_cross_site))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(app)
}

/// Logs one line per console request, inside a span the use cases' own logs nest in.
async fn log_request(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use tracing::Instrument as _;
    let span = tracing::info_span!("console", method = %request.method(), path = %request.uri().path());
    let started = std::time::Instant::now();
    let response = next.run(request).instrument(span.clone()).await;
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis(),
            "request completed"
        );
    });
    response
}
