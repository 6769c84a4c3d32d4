//! **Activity log**: the partner's audit records, newest first, filterable by user.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use tenantdesk_core::{App, RequestIds, audit};
use tenantdesk_domain::AuditRecord;
use tenantdesk_store::AuditQuery;

use crate::error::PageError;
use crate::page::{Chrome, render};
use crate::session::SignedIn;

const PAGE_SIZE: u32 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    /// A user's id: only the records about it.
    #[serde(default)]
    user: String,
    /// Where the page starts: after this record (`millis.id`).
    #[serde(default)]
    after: String,
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    chrome: Chrome,
    user: String,
    records: Vec<AuditRecord>,
    older: Option<String>,
}

fn decode_after(text: &str) -> Option<(DateTime<Utc>, uuid::Uuid)> {
    let (millis, id) = text.split_once('.')?;
    Some((DateTime::from_timestamp_millis(millis.parse().ok()?)?, id.parse().ok()?))
}

/// `/activity?user=`.
pub async fn list(State(app): State<App>, agent: SignedIn, Query(filter): Query<Filter>) -> Response {
    let now = app.now();
    let user = filter.user.trim().to_owned();
    let query = AuditQuery {
        from: now - TimeDelta::days(i64::from(app.config().audit_retention_days)),
        to: now + TimeDelta::seconds(1),
        customer: None,
        resource: (!user.is_empty()).then(|| user.clone()),
        operation: None,
        correlation_id: None,
        after: decode_after(&filter.after),
        limit: PAGE_SIZE,
    };
    let page = match audit::list(&app, &agent.caller(RequestIds::generate()), query).await {
        Ok(page) => page,
        Err(error) => return PageError::from_core(error, &agent.chrome).into_response(),
    };
    let older = page.more.then(|| page.records.last()).flatten().map(|last| {
        format!(
            "/activity?user={}&after={}.{}",
            crate::forms::url_encode(&user),
            last.at.timestamp_millis(),
            last.id
        )
    });
    render(&ActivityPage {
        chrome: agent.chrome,
        user,
        records: page.records,
        older,
    })
}
